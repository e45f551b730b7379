"""Section 5: event-loop health while the integration works, inside a real Home Assistant.

A probe task sleeps 5 ms again and again on Home Assistant's event loop and records by how much
each sleep overshot: the overshoot is how long the loop could not run anything else (a stall).
It also records how much of each overshoot the process spent running (CPU time): a stall the
process did not run through came from outside it (this machine is shared), and the pauses of the
garbage collector. Each scenario runs three times. Measured while the integration, set up in
`bench/startup.py`, does its heaviest work:

- a scheduled refresh of the 10 000-playlist cache (`coordinator.async_refresh()`, 1% of the
  playlists changed since the stored copy), including the Store write that follows it;
- a first refresh into an empty cache (every playlist "added": the largest refresh event);
- for comparison, "before": the same scheduled refresh with the listing as it was until issue 16
  (`bench/baseline.py`: one page after the other, the raw entries held until the end) and the
  garbage collector unfrozen meanwhile, as it was then (`gc_freeze.py` froze it at set-up; it is
  frozen again afterwards); the integration's code otherwise unchanged (reported, not judged);
- a large mirror run through `SyncManager.async_run` (2 000 tracks into a playlist that does not
  exist yet: a name miss, the creation, 20 writes), including the delayed Store writes (the
  written-back cache records, the sync's state), made due at once.

The emulator runs in a process of its own (`bench/emulator_proc.py`), so only the integration's and
Home Assistant's own work — their garbage collections included — can stall the measured loop.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
import contextlib
import gc
import statistics
import time
from types import TracebackType
from typing import Any

from homeassistant.const import EVENT_HOMEASSISTANT_FINAL_WRITE

from custom_components.spotifreak.core.cache import PlaylistCache

from .baseline import listing_as_before
from .ha import HaSession

PROBE_INTERVAL = 0.005
STALL_LIMIT = 0.05
SETTLE = 0.3  # seconds the probe keeps running after the work, for scheduled follow-ups


class LoopProbe:
    """Records the overshoot of every 5 ms sleep while active (use as `async with`), and the
    pauses of Python's garbage collector meanwhile (they stop every thread, the loop's too)."""

    def __init__(self, interval: float = PROBE_INTERVAL) -> None:
        self.interval = interval
        self.lags: list[float] = []
        self.busy: list[float] = []  # the part of each overshoot the process spent running
        self.gc_pauses: list[float] = []
        self.gc_generations: list[int] = []
        self._gc_started = 0.0
        self._task: asyncio.Task[None] | None = None

    def _gc(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._gc_started = time.perf_counter()
        else:
            self.gc_pauses.append(time.perf_counter() - self._gc_started)
            self.gc_generations.append(int(info.get("generation", 0)))

    async def _run(self) -> None:
        while True:
            started, cpu = time.perf_counter(), time.process_time()
            await asyncio.sleep(self.interval)
            lag = time.perf_counter() - started - self.interval
            self.lags.append(lag)
            self.busy.append(max(0.0, min(lag, time.process_time() - cpu)))

    async def __aenter__(self) -> LoopProbe:
        gc.callbacks.append(self._gc)
        self._task = asyncio.create_task(self._run())
        await asyncio.sleep(0)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await asyncio.sleep(SETTLE)
        assert self._task is not None
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        gc.callbacks.remove(self._gc)

    def summary(self) -> dict[str, Any]:
        lags = sorted(self.lags) or [0.0]
        return {
            "max_stall_seconds": lags[-1],
            "max_busy_stall_seconds": max(self.busy, default=0.0),
            "p99_stall_seconds": lags[min(len(lags) - 1, int(0.99 * len(lags)))],
            "samples": len(self.lags),
            "stalls_over_limit": sum(1 for lag in lags if lag > STALL_LIMIT),
            "longest_gc_pause_seconds": max(self.gc_pauses, default=0.0),
            "gc_collections": len(self.gc_pauses),
            "full_gc_collections": sum(1 for generation in self.gc_generations if generation == 2),
        }


async def _flush_delayed_writes(session: HaSession) -> None:
    """Write what the Stores hold back now rather than `STORE_SAVE_DELAY` seconds later: the
    final-write event runs the same write (`Store._async_handle_write_data`) as the timer."""
    session.hass.bus.async_fire(EVENT_HOMEASSISTANT_FINAL_WRITE)
    await session.hass.async_block_till_done()


async def _probed(work: Callable[[], Awaitable[dict[str, Any]]]) -> dict[str, Any]:
    """Run `work` under a probe; its figures, the probe's, and the wall time."""
    async with LoopProbe() as probe:
        started = time.perf_counter()
        figures = await work()
        seconds = time.perf_counter() - started
    return {**probe.summary(), **figures, "seconds": seconds}


def _combine(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Repeats of one scenario: the worst and the median of each run's longest stall."""
    stalls = sorted(run["max_stall_seconds"] for run in runs)
    return {
        **runs[-1],
        "repeats": len(runs),
        "max_stall_seconds": stalls[-1],
        "median_max_stall_seconds": statistics.median(stalls),
        "max_busy_stall_seconds": max(run["max_busy_stall_seconds"] for run in runs),
        "p99_stall_seconds": max(run["p99_stall_seconds"] for run in runs),
        "longest_gc_pause_seconds": max(run["longest_gc_pause_seconds"] for run in runs),
        "samples": sum(run["samples"] for run in runs),
        "full_gc_collections": sum(run["full_gc_collections"] for run in runs),
        "stalls_over_limit": sum(run["stalls_over_limit"] for run in runs),
        "runs": [
            {key: run[key] for key in ("max_stall_seconds", "max_busy_stall_seconds", "seconds")}
            for run in runs
        ],
    }


async def measure_loop_health(
    session: HaSession,
    *,
    stale: PlaylistCache,
    changed: int,
    big_source: str,
    big_target: str,
    mirror_tracks: int,
    repeats: int = 3,
) -> dict[str, Any]:
    """The figures of section 5; each scenario `repeats` times (the longest stall of a run can
    come from outside the process, e.g. another process taking the CPU: a stall the integration
    causes shows in every run, so the median of the runs' longest stalls is reported too)."""
    hass = session.hass
    coordinator = session.entry.runtime_data.coordinator
    syncs = session.entry.runtime_data.syncs
    emulator = session.emulator

    async def refresh() -> dict[str, Any]:
        # As if the refreshes were far apart: the account's pace starts with an empty window.
        coordinator.spotify.client.pace.clear()
        before = await asyncio.to_thread(emulator.spotify_calls)
        await coordinator.async_refresh()
        await hass.async_block_till_done()
        return {
            "calls": await asyncio.to_thread(emulator.spotify_calls) - before,
            "playlists": len(coordinator.data),
            "ok": coordinator.last_update_success,
        }

    results: dict[str, Any] = {"probe_interval_seconds": PROBE_INTERVAL}
    runs = []
    for _ in range(repeats):
        coordinator.data = stale  # 1% of the playlists changed since the last refresh
        runs.append(await _probed(refresh))
    results["refresh"] = {**_combine(runs), "changed": changed}
    runs = []
    for _ in range(repeats):
        coordinator.data = PlaylistCache(user_id=coordinator.user_id)
        runs.append(await _probed(refresh))
    results["first_refresh"] = _combine(runs)

    runs = []
    with listing_as_before() as used:
        gc.unfreeze()
        for _ in range(repeats):
            coordinator.data = stale
            runs.append(await _probed(refresh))
        gc.freeze()
    assert len(used) == repeats, "the refresh no longer lists through playlist_listing"
    results["refresh_before"] = {**_combine(runs), "changed": changed}

    runs = []
    for index in range(repeats):
        target = f"{big_target} {index + 1}"

        async def mirror(target: str = target) -> dict[str, Any]:
            before = await asyncio.to_thread(emulator.counters)
            record = await syncs.async_run(
                "playlist_mirror", {"source": big_source, "targets": [target]}
            )
            await hass.async_block_till_done()
            await _flush_delayed_writes(session)
            after = await asyncio.to_thread(emulator.counters)
            by_endpoint = {
                key: after[key] - before.get(key, 0)
                for key in sorted(after)
                if after[key] != before.get(key, 0) and "/v1/" in key
            }
            return {
                "calls": sum(by_endpoint.values()),
                "by_endpoint": by_endpoint,
                "status": str(record.status),
                "added": record.added,
                "tracks": mirror_tracks,
            }

        runs.append(await _probed(mirror))
    results["mirror"] = _combine(runs)
    return results
