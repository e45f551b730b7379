"""Section 2: a simulated day of syncs — Spotifreak at two cache intervals, the floor, the naive design;
and (2d, `bench/retention_day.py`) a day with a retention sync.

Every 30 simulated minutes three mirrors (liked songs → archive; two playlists → three targets) and
a Last.fm top-20 sync run, concurrently, as automations would start them. The clock is simulated:
nothing waits real time except the emulator's per-request latency. Before the day a warm-up run
(uncounted) creates and fills the targets, as months of earlier runs would have; the day then
counts every Spotify request the emulator receives. Each variant gets a fresh copy of the same
account and the same seeded changes (`bench/world.py`).
"""

from __future__ import annotations

import asyncio
from collections import Counter, deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
import functools
import time
from typing import Any

import aiohttp

from custom_components.spotifreak.core.account_syncs import AccountSyncs
from custom_components.spotifreak.core.lastfm import LastfmClient
from custom_components.spotifreak.core.match_cache import MatchCache
from custom_components.spotifreak.core.runs import RunRecord
from tests.emulator import LASTFM_API_KEY, ChangeRecord

from .emulator_host import EmulatorHost
from .glue import Runner, Schedule, SimClock
from .naive import NaiveLastfm, NaiveMirror
from .retention_day import run_retention_day
from .world import (
    LASTFM_OPTIONS,
    LASTFM_SYNC,
    LASTFM_USER,
    MIRRORS,
    SOURCE_SIZES,
    T0,
    TARGET_LASTFM,
    TICK,
    Floor,
    Observation,
    World,
    build_library,
    plan_changes,
)


@dataclass(frozen=True, slots=True)
class DayConfig:
    """How big and how long."""

    playlists: int = 500
    hours: float = 24
    seed: int = 7
    latency: float = 0.03


def _delta(after: dict[str, int], before: dict[str, int]) -> dict[str, int]:
    return {
        key: after.get(key, 0) - before.get(key, 0)
        for key in sorted(after)
        if after.get(key, 0) != before.get(key, 0)
    }


async def _spotifreak_tick(syncs: AccountSyncs) -> list[RunRecord]:
    runs = [syncs.run("playlist_mirror", options, sync_id) for sync_id, options in MIRRORS.items()]
    runs.append(syncs.run("lastfm_top_tracks", LASTFM_OPTIONS, LASTFM_SYNC))
    return list(await asyncio.gather(*runs))


class _Day:
    """Drives one variant through the warm-up and the day, and keeps the floor."""

    def __init__(self, config: DayConfig) -> None:
        self.config = config
        self.library = build_library(config.seed, config.playlists)
        self.plan = plan_changes(config.seed, T0, config.hours)
        self.ticks = int(config.hours * 60 // (TICK.total_seconds() / 60))
        self.clock = SimClock(T0 - TICK)
        self.floor = Floor()
        self.per_tick: list[int] = []

    async def drive(
        self,
        host: EmulatorHost,
        run_tick: Callable[[], Awaitable[Any]],
        before_tick: Callable[[], Awaitable[None]] | None = None,
    ) -> dict[str, Any]:
        world: World = host.call(lambda: World(host.library, self.config.seed))
        if before_tick is not None:
            await before_tick()
        self.floor.add_lastfm(host.call(world.observe), count=False)
        await run_tick()  # the warm-up: targets created and filled, cursors and caches set
        before: Observation = host.call(world.observe)
        start_calls, start_counters = host.spotify_calls(), host.counters()
        started = time.perf_counter()
        pending = deque(self.plan)
        for tick in range(self.ticks):
            self.clock.now = T0 + tick * TICK
            while pending and pending[0].at <= self.clock.now:
                host.call(functools.partial(world.apply, pending.popleft()))
            tick_calls = host.spotify_calls()
            if before_tick is not None:
                await before_tick()
            now: Observation = host.call(world.observe)
            changes = host.call(
                functools.partial(_changes, host, before.change_index, now.change_index)
            )
            self.floor.add_mirrors(before, now, changes)
            self.floor.add_lastfm(now, count=True)
            await run_tick()
            self.per_tick.append(host.spotify_calls() - tick_calls)
            before = host.call(world.observe)
        return {
            "calls": host.spotify_calls() - start_calls,
            "by_endpoint": _delta(host.counters(), start_counters),
            "wall_seconds": time.perf_counter() - started,
            "changes_applied": dict(sorted(world.applied.items())),
            "per_tick_calls": self.per_tick,
            "outcome": host.call(lambda: _outcome(world, before)),
        }


def _changes(host: EmulatorHost, start: int, end: int) -> list[ChangeRecord]:
    return host.library.changes[start:end]


def _outcome(world: World, now: Observation) -> dict[str, int]:
    """After the day: tracks of each source not (yet) in its targets, and whether the Last.fm
    playlist holds exactly the right matches (a check that the calls bought the full result)."""
    missing: dict[str, int] = {}
    for sync_id, options in MIRRORS.items():
        if options["source"] == "liked_songs":
            wanted = set(now.liked) & now.playable
        else:
            wanted = {e.uri for e in now.sources[options["source"]] if e.uri in now.playable}
        missing[sync_id] = sum(len(wanted - now.targets[target]) for target in options["targets"])
    found = world.target_id(TARGET_LASTFM)
    expected = list(dict.fromkeys(uri for _, _, uri in now.chart if uri))
    holds = world.lib.playlists[found].uris if found else []
    missing[LASTFM_SYNC] = 0 if holds == expected else 1
    return missing


async def run_spotifreak(config: DayConfig, interval: timedelta) -> dict[str, Any]:
    """The day with the integration's core: its playlist directory and its account syncs."""
    day = _Day(config)
    with EmulatorHost(day.library, latency=config.latency) as host:
        client = host.client()
        cache = Schedule(client, day.clock, day.library.user_id, interval=interval)
        statuses: Counter[str] = Counter()
        async with aiohttp.ClientSession() as session:
            lastfm = LastfmClient(session, LASTFM_API_KEY, base_url=host.emulator.lastfm_url)
            syncs = AccountSyncs(
                client,
                cache.directory,
                bind=Runner,
                now=day.clock,
                lastfm_client=lastfm,
                lastfm_username=LASTFM_USER,
                match_cache=MatchCache(clock=day.clock),
            )
            history = syncs.playlist_history  # on, as always: versions before destructive writes
            counting = False
            marks = (0, 0)  # refreshes and their calls when the warm-up ended
            history_marks: tuple[Counter[str], Counter[str]] = (Counter(), Counter())

            async def before_tick() -> None:
                if cache.due():
                    await cache.refresh()
                    if counting:
                        day.floor.add_refresh(host.call(lambda: len(host.library.me_playlists)))

            async def tick() -> None:
                nonlocal counting, marks, history_marks
                for record in await _spotifreak_tick(syncs):
                    if counting:
                        statuses[f"{record.sync_type}:{record.status}"] += 1
                if not counting:  # everything after the warm-up counts
                    counting, marks = True, (cache.refreshes, cache.refresh_calls)
                    history_marks = (Counter(history.snapshots), Counter(history.snapshot_calls))

            result = await day.drive(host, tick, before_tick)
    result.update(
        interval_minutes=int(interval.total_seconds() // 60),
        refreshes=cache.refreshes - marks[0],
        refresh_calls=cache.refresh_calls - marks[1],
        floor=day.floor.as_dict(),
        statuses=dict(sorted(statuses.items())),
        match_cache_entries=len(syncs.match_cache),
        history=_history_figures(history.snapshots, history.snapshot_calls, history_marks),
    )
    return result


def _history_figures(
    snapshots: Counter[str],
    calls: Counter[str],
    marks: tuple[Counter[str], Counter[str]],
) -> dict[str, Any]:
    """The playlist history's share of the day: versions kept and the reads they cost, by sync."""
    versions, reads = snapshots - marks[0], calls - marks[1]
    appends = list(MIRRORS)
    return {
        "versions": sum(versions.values()),
        "calls": sum(reads.values()),
        "by_sync": {
            sync_id: {"versions": versions[sync_id], "calls": reads[sync_id]}
            for sync_id in [*MIRRORS, LASTFM_SYNC]
        },
        "append_versions": sum(versions[sync_id] for sync_id in appends),
        "append_calls": sum(reads[sync_id] for sync_id in appends),
    }


async def run_naive(config: DayConfig) -> dict[str, Any]:
    """The day with the standalone daemon's behaviour (`bench/naive.py`)."""
    day = _Day(config)
    with EmulatorHost(day.library, latency=config.latency) as host:
        sp = host.spotipy_client()
        jobs: list[NaiveMirror | NaiveLastfm] = [
            NaiveMirror(sync_id, options["source"], options["targets"])
            for sync_id, options in MIRRORS.items()
        ]
        jobs.append(
            NaiveLastfm(
                LASTFM_SYNC,
                TARGET_LASTFM,
                LASTFM_USER,
                LASTFM_API_KEY,
                host.emulator.lastfm_url,
                limit=int(LASTFM_OPTIONS["limit"]),
            )
        )

        async def tick() -> None:
            await asyncio.gather(*(asyncio.to_thread(job.run, sp) for job in jobs))

        result = await day.drive(host, tick)
        for job in jobs:
            if isinstance(job, NaiveLastfm):
                job.http.close()
    return result


async def run_day(config: DayConfig, intervals: tuple[timedelta, ...]) -> dict[str, Any]:
    """Every variant; returns the figures of section 2."""
    results: dict[str, Any] = {
        "config": {
            "playlists": config.playlists,
            "hours": config.hours,
            "seed": config.seed,
            "latency_ms": config.latency * 1000,
            "source_sizes": SOURCE_SIZES,
            "syncs": [*MIRRORS, LASTFM_SYNC],
        }
    }
    for interval in intervals:
        minutes = int(interval.total_seconds() // 60)
        results[f"spotifreak_{minutes}min"] = await run_spotifreak(config, interval)
    results["naive"] = await run_naive(config)
    results["retention"] = await run_retention_day(
        config.seed, config.playlists, config.hours, config.latency
    )
    return results
