"""Section 4: start-up with a fresh stored 10 000-playlist cache, in a real Home Assistant.

The account holds P playlists (one of them a 2 000-track source for section 5). The stored cache is
what an earlier run of the integration would have written five minutes ago: built from the
emulator's real pages and saved in Home Assistant's Store format under `.storage`; 1% of its
records carry an older snapshot, so that the refresh of section 5 has changes to report.
Home Assistant is started in-process (`bench/ha.py`), the config entry set up, and every request
the emulator receives during setup is counted. Setup time is `async_setup` of the entry until Home
Assistant is idle again (entities included). Section 5 then runs in the same instance.

Three processes, so that the measured one holds only Home Assistant and the integration: one
writes the account as a dataset and exits, one serves it (`python -m tests.emulator`), and one
(`python -m bench.startup run …`) runs Home Assistant and prints its figures as JSON. That last
one runs with the Python of the demo environment when `SPOTIFREAK_BENCH_HA_PYTHON` names it
(`scripts/bench` does): Home Assistant 2026.11.0 itself, what users run, not the test
environment's release.
"""

from __future__ import annotations

import asyncio
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime, timedelta
import gc
import json
import logging
import os
from pathlib import Path
import platform
import random
import subprocess
import sys
import tempfile
from typing import Any

from homeassistant.runner import create_event_loop

from custom_components.spotifreak.core.cache import PlaylistCache
from tests.emulator import Library

from .emulator_proc import ROOT, RemoteEmulator, emulator_process
from .ha import home_assistant
from .loop_health import LoopProbe, measure_loop_health

BIG_SOURCE = "Bench Big Source"
BIG_TARGET = "Bench Big Target"
CHANGED_SHARE = 0.01


@dataclass(frozen=True, slots=True)
class HaConfig:
    """What to measure."""

    playlists: int = 10000
    latency: float = 0.03
    stored_age_minutes: float = 5
    mirror_tracks: int = 2000
    loop_health: bool = True


def make_dataset(config: HaConfig, path: Path) -> None:
    """P - 1 generated playlists and the big mirror source, written as an emulator dataset."""
    library = Library.generate(
        seed=11, playlists=config.playlists - 1, liked=20, catalogue=config.mirror_tracks + 500
    )
    rng = random.Random(17)
    tracks = sorted(uri for uri, track in library.tracks.items() if not track.is_local)
    library.create_playlist(
        BIG_SOURCE,
        public=False,
        items=rng.sample(tracks, config.mirror_tracks),
        position=len(library.me_playlists) // 2,
    )
    library.save(path)


def stored_cache(emulator: RemoteEmulator, config: HaConfig) -> tuple[PlaylistCache, int]:
    """The cache an earlier run wrote `stored_age_minutes` ago; 1% of it since changed."""
    pages = emulator.client().playlist_listing()
    refreshed = datetime.now(UTC) - timedelta(minutes=config.stored_age_minutes)
    cache = PlaylistCache.from_listing(
        emulator.state()["user"]["id"], pages, refreshed_at=refreshed
    )
    records = dict(cache.records)
    rng = random.Random(5)
    older = rng.sample(sorted(records), max(1, int(len(records) * CHANGED_SHARE)))
    for playlist_id in older:
        records[playlist_id] = replace(records[playlist_id], snapshot_id="b2xkZXI=")
    return PlaylistCache(cache.user_id, refreshed, records), len(older)


async def measure(config: HaConfig, emulator: RemoteEmulator) -> dict[str, Any]:
    """Sections 4 and 5 against a running emulator (in the process that prints them)."""
    cache, changed = await asyncio.to_thread(stored_cache, emulator, config)
    await asyncio.to_thread(emulator.set_latency, config.latency)
    async with home_assistant(emulator, stored_cache=cache) as session:
        stored_bytes = await asyncio.to_thread(lambda: session.stored_cache.stat().st_size)
        before = await asyncio.to_thread(emulator.counters)
        async with LoopProbe() as probe:
            seconds = await session.setup_entry()
        after = await asyncio.to_thread(emulator.counters)
        calls = sum(after[key] - before.get(key, 0) for key in after if " /v1/" in key)
        coordinator = session.entry.runtime_data.coordinator
        startup = {
            "home_assistant": session.version,
            "python": platform.python_version(),
            "playlists": len(cache),
            "stored_bytes": stored_bytes,
            "stored_age_seconds": config.stored_age_minutes * 60,
            "calls": calls,
            "requests_by_endpoint": {
                key: after[key] - before.get(key, 0)
                for key in sorted(after)
                if after[key] != before.get(key, 0)
            },
            "setup_seconds": seconds,
            "setup_max_stall_seconds": probe.summary()["max_stall_seconds"],
            "setup_max_busy_stall_seconds": probe.summary()["max_busy_stall_seconds"],
            "setup_longest_gc_pause_seconds": probe.summary()["longest_gc_pause_seconds"],
            "setup_full_gc_collections": probe.summary()["full_gc_collections"],
            "state": str(session.entry.state),
            "cached_after_setup": len(coordinator.data),
            "python_objects_after_setup": len(gc.get_objects()),
        }
        loop = (
            await measure_loop_health(
                session,
                stale=cache,
                changed=changed,
                big_source=BIG_SOURCE,
                big_target=BIG_TARGET,
                mirror_tracks=config.mirror_tracks,
            )
            if config.loop_health
            else None
        )
    return {"startup": startup, "loop_health": loop}


def _child(command: str, *args: str, python: str = sys.executable) -> str:
    """Run `python -m bench.startup COMMAND ARGS`; its output. Home Assistant's log (stderr) is
    shown only when the child fails."""
    done = subprocess.run(
        [python, "-m", "bench.startup", command, *args],
        cwd=ROOT,
        check=False,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        print(done.stderr[-20000:], file=sys.stderr)
        done.check_returncode()
    return done.stdout


async def run_home_assistant(config: HaConfig) -> dict[str, Any]:
    """The figures of sections 4 and 5 (see the module docstring for the processes)."""
    settings = json.dumps(asdict(config))
    with tempfile.TemporaryDirectory(prefix="spotifreak-bench-") as folder:
        dataset = Path(folder) / "account.json"
        await asyncio.to_thread(_child, "dataset", str(dataset), settings)
        with emulator_process(dataset) as emulator:
            python = os.environ.get("SPOTIFREAK_BENCH_HA_PYTHON") or sys.executable
            output = await asyncio.to_thread(
                _child, "run", emulator.base_url, settings, python=python
            )
    result: dict[str, Any] = json.loads(output.strip().splitlines()[-1])
    return result


def main(argv: list[str]) -> None:
    """`dataset PATH CONFIG` or `run BASE_URL CONFIG` (CONFIG: HaConfig as JSON)."""
    command, target, settings = argv
    logging.basicConfig(level=logging.WARNING)
    for name in ("homeassistant", "aiohttp_fast_zlib"):
        logging.getLogger(name).setLevel(logging.ERROR)
    config = HaConfig(**json.loads(settings))
    if command == "dataset":
        make_dataset(config, Path(target))
    elif command == "run":
        # The event loop Home Assistant's own runner makes (its executor, its policies).
        figures = asyncio.run(
            measure(config, RemoteEmulator(target)), loop_factory=create_event_loop
        )
        print(json.dumps(figures))
    else:
        raise SystemExit(f"unknown command {command}")


if __name__ == "__main__":
    main(sys.argv[1:])
