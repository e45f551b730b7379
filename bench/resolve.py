"""Section 3: resolving references against a large cache; its memory and stored size.

The cache is built from the emulator's real `/me/playlists` pages. Resolution goes through the
integration's own `PlaylistDirectory` (what the actions and syncs call), timed per call with
`perf_counter_ns`, for a shuffled mix of names (as stored, upper-cased, with extra spaces),
`spotify:playlist:` URIs, open.spotify.com URLs and bare ids — every one a cache hit, as a
resolution of a known playlist is.

Memory: the stored form is parsed and the cache rebuilt under `tracemalloc`, the parsed form then
dropped: what stays traced is what the cache holds (records, strings, indexes). Size: the file
Home Assistant's Store writes for it (`.storage/spotifreak.<entry>.cache`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
import gc
import json
import random
import statistics
import time
import tracemalloc
from typing import Any

from homeassistant.helpers.json import prepare_save_json

from custom_components.spotifreak.const import STORAGE_VERSION
from custom_components.spotifreak.core.cache import PlaylistCache
from custom_components.spotifreak.core.directory import PlaylistDirectory
from custom_components.spotifreak.core.spotify import SpotifyClient
from tests.emulator import Library

from .baseline import raw_entries
from .emulator_host import EmulatorHost


@dataclass(frozen=True, slots=True)
class ResolveConfig:
    """What to measure."""

    playlists: int = 10000
    lookups: int = 20000


def fetch_entries(library: Library) -> list[dict[str, Any] | None]:
    """The raw `/me/playlists` entries of a library, read from an emulator without latency."""
    with EmulatorHost(library) as host:
        return raw_entries(host.client())


def _references(cache: PlaylistCache, count: int, rng: random.Random) -> list[str]:
    records = list(cache.records.values())
    forms = (
        lambda r: r.name,
        lambda r: f"  {r.name.upper()}  ",
        lambda r: r.uri,
        lambda r: f"https://open.spotify.com/playlist/{r.id}?si=abc",
        lambda r: r.id,
    )
    return [rng.choice(forms)(rng.choice(records)) for _ in range(count)]


def stored_bytes(cache: PlaylistCache, key: str = "spotifreak.ENTRY.cache") -> bytes:
    """The file Home Assistant's Store writes for the cache (same envelope and encoder)."""
    _mode, data = prepare_save_json(
        {"version": STORAGE_VERSION, "minor_version": 1, "key": key, "data": cache.to_store()}
    )
    return data if isinstance(data, bytes) else data.encode()


class _NoSpotify:
    """A runner for a directory that must answer every reference from its cache."""

    def __call__[T](self, job: Callable[[SpotifyClient], T]) -> Awaitable[T]:
        raise AssertionError("every reference is cached")


async def run_resolve(config: ResolveConfig) -> dict[str, Any]:
    """The figures of section 3."""
    library = Library.generate(seed=11, playlists=config.playlists, liked=20, catalogue=200)
    entries = await asyncio.to_thread(fetch_entries, library)
    build_started = time.perf_counter()
    cache = PlaylistCache.build(library.user_id, entries, refreshed_at=datetime.now(UTC))
    build_seconds = time.perf_counter() - build_started

    resolver = PlaylistDirectory(library.user_id, _NoSpotify(), clock=lambda: datetime.now(UTC))
    resolver.cache = cache
    references = _references(cache, config.lookups, random.Random(3))
    for reference in references[:200]:  # warm up
        await resolver.resolve(reference)
    timings: list[int] = []
    for reference in references:
        started = time.perf_counter_ns()
        found = await resolver.resolve(reference)
        timings.append(time.perf_counter_ns() - started)
        assert found is not None
        assert found.source == "cache"
    timings.sort()

    def pct(share: float) -> float:
        return timings[min(len(timings) - 1, int(share * len(timings)))] / 1e9

    stored = stored_bytes(cache)
    upsert_started = time.perf_counter()
    cache.upsert(next(iter(cache.records.values())))
    upsert_seconds = time.perf_counter() - upsert_started

    gc.collect()
    tracemalloc.start()
    parsed = json.loads(stored)
    loaded = PlaylistCache.from_store(parsed["data"])
    del parsed
    gc.collect()
    held, _peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert len(loaded) == len(cache)
    return {
        "playlists": len(cache),
        "lookups": len(timings),
        "p50_seconds": pct(0.50),
        "p99_seconds": pct(0.99),
        "max_seconds": timings[-1] / 1e9,
        "mean_seconds": statistics.fmean(timings) / 1e9,
        "build_seconds": build_seconds,
        "upsert_seconds": upsert_seconds,
        "memory_bytes": held,
        "memory_bytes_per_playlist": held / max(1, len(cache)),
        "stored_bytes": len(stored),
        "stored_bytes_per_playlist": len(stored) / max(1, len(cache)),
    }
