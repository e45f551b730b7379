"""Section 1: cache refresh — calls and wall time for P playlists, before and after.

"Before" is the listing as the integration ran it until issue 16 (`bench/baseline.py`: one page
after the other, the raw entries held, then normalised); "after" is the integration's own
(`SpotifyClient.playlist_listing`, `core/paging.py`: the first page alone, then at most four
pages in flight, paced, each page normalised as it arrives). Both run in an executor thread, as
the directory's refresh job does, and end in `PlaylistCache.from_listing`, against the emulator
with its per-request latency and its rolling-window rate limit switched on; the emulator's window
and the client's pace are emptied before each measurement, as if the refreshes were far apart.
The lower bound is ⌈P/50⌉ x latency: the sequential round trips alone.

A last measurement shows the pacing: under a tight limit (50 requests per rolling 2 s, a rate the
sequential reader exceeds) the integration's listing, paced a little under that limit, lists
10 000 playlists without a single 429, while the sequential reader is refused.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
import hashlib
import math
import statistics
import time
from typing import Any

from custom_components.spotifreak.core.cache import PlaylistCache
from custom_components.spotifreak.core.errors import SpotifyRateLimitError
from custom_components.spotifreak.core.paging import MAX_IN_FLIGHT, RequestPace
from custom_components.spotifreak.core.spotify import SpotifyClient
from tests.emulator import Library

from .baseline import sequential_listing
from .emulator_host import EmulatorHost, pages


@dataclass(frozen=True, slots=True)
class RefreshConfig:
    """What to measure."""

    sizes: tuple[int, ...] = (50, 500, 5000, 10000)
    latency: float = 0.03
    rate_limit: int = 250  # requests per rolling 30 s window at the emulator
    repeats_small: int = 3  # timing repeats for P ≤ 500 (median kept)
    paced: bool = True


Refresher = Callable[[SpotifyClient, str], PlaylistCache]


def before(client: SpotifyClient, user_id: str) -> PlaylistCache:
    """The refresh job as it listed before issue 16."""
    return PlaylistCache.from_listing(
        user_id, sequential_listing(client), refreshed_at=datetime.now(UTC)
    )


def after(client: SpotifyClient, user_id: str) -> PlaylistCache:
    """The refresh job as the directory runs it (`PlaylistDirectory.refresh`)."""
    return PlaylistCache.from_listing(
        user_id, client.playlist_listing(), refreshed_at=datetime.now(UTC)
    )


async def _measure(
    host: EmulatorHost, client: SpotifyClient, refresh: Refresher, user_id: str
) -> dict[str, Any]:
    """One refresh in an executor thread, as the coordinator runs it: calls the emulator saw,
    429s, seconds."""
    calls_before = client.counter.total
    client.pace.clear()
    index = host.log_size()
    before = host.spotify_calls()
    started = time.perf_counter()
    error: str | None = None
    try:
        cache = await asyncio.to_thread(refresh, client, user_id)
        cached = len(cache)
        digest = hashlib.sha256(
            "\n".join(f"{r.id} {r.snapshot_id}" for r in cache.records.values()).encode()
        ).hexdigest()[:16]
    except SpotifyRateLimitError as err:
        error, cached, digest = f"429 (Retry-After {err.retry_after} s)", 0, ""
    seconds = time.perf_counter() - started
    statuses = host.statuses(index)
    return {
        "calls": host.spotify_calls() - before,
        "service_calls": client.counter.total - calls_before,
        "seconds": seconds,
        "rate_limited": statuses.get(429, 0),
        "cached": cached,
        "digest": digest,  # of the records in order: the same list either way
        "error": error,
    }


def _warm_client(host: EmulatorHost) -> SpotifyClient:
    """A client with an open connection, as the integration's long-lived one has."""
    client = host.client()
    client.current_user()
    return client


async def run_refresh(config: RefreshConfig) -> dict[str, Any]:
    """Every size, then the pacing demonstration; the figures of section 1."""
    rows: list[dict[str, Any]] = []
    for size in config.sizes:
        library = Library.generate(seed=11, playlists=size, liked=20, catalogue=200)
        with EmulatorHost(library, latency=config.latency) as host:
            client = _warm_client(host)
            repeats = config.repeats_small if size <= 500 else 1
            measured: dict[str, list[dict[str, Any]]] = {"before": [], "after": []}
            for _ in range(repeats):
                for name, refresh in (("before", before), ("after", after)):
                    host.set_rate_limit(config.rate_limit, 30.0)
                    measured[name].append(await _measure(host, client, refresh, library.user_id))
            row: dict[str, Any] = {
                "playlists": size,
                "expected_calls": pages(size),
                "lower_bound_seconds": pages(size) * config.latency,
            }
            for name, runs in measured.items():
                best = sorted(runs, key=lambda run: run["seconds"])[len(runs) // 2]
                row[name] = {
                    **best,
                    "seconds": statistics.median(run["seconds"] for run in runs),
                    "calls_all_runs": sorted({run["calls"] for run in runs}),
                    "rate_limited": sum(run["rate_limited"] for run in runs),
                }
            row["speedup"] = row["before"]["seconds"] / row["after"]["seconds"]
            rows.append(row)
    result: dict[str, Any] = {
        "latency_ms": config.latency * 1000,
        "rate_limit": {"max_requests": config.rate_limit, "window_seconds": 30},
        "max_in_flight": MAX_IN_FLIGHT,
        "rows": rows,
    }
    if config.paced:
        result["paced"] = await _paced(config)
    return result


async def _paced(config: RefreshConfig) -> dict[str, Any]:
    """10 000 playlists under 50 requests per rolling 2 s: before vs the integration's listing
    paced at 46 per 2 s (its pace made as tight as the emulator's limit for the occasion)."""
    limit, window, size = 50, 2.0, 10000
    library = Library.generate(seed=11, playlists=size, liked=20, catalogue=200)
    with EmulatorHost(library, latency=config.latency) as host:
        client = _warm_client(host)
        host.set_rate_limit(limit, window)
        unpaced = await _measure(host, client, before, library.user_id)
        await asyncio.sleep(window)
        paced_client = SpotifyClient(
            spotipy_client=client._spotipy,
            pace=RequestPace(limit - MAX_IN_FLIGHT, window),
        )
        host.set_rate_limit(limit, window)
        paced = await _measure(host, paced_client, after, library.user_id)
    return {
        "playlists": size,
        "expected_calls": pages(size),
        "emulator_limit": {"max_requests": limit, "window_seconds": window},
        "pace": {"max_requests": limit - MAX_IN_FLIGHT, "window_seconds": window},
        # the pace admits `pace` starts per window: the last window opens this late
        "min_seconds": (math.ceil(pages(size) / (limit - MAX_IN_FLIGHT)) - 1) * window,
        "before": unpaced,
        "after_paced": paced,
    }
