"""The playlist directory's policy: refresh when stale, shared refreshes, write-back, counters.

Spotify is stood in for by a client with the two calls the directory makes (`playlist_listing`,
`playlist`); the emulator-backed tests (`test_mirror.py`, `test_syncs.py`) run the real one."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from custom_components.spotifreak.core.cache import Listed, listed
from custom_components.spotifreak.core.directory import PlaylistDirectory
from custom_components.spotifreak.core.errors import SpotifyUnavailableError
from custom_components.spotifreak.core.records import PlaylistRecord

NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)
ME = "me"


def _entry(pid: str, name: str) -> dict[str, Any]:
    playlist_id = pid.ljust(22, "0")
    return {
        "id": playlist_id,
        "uri": f"spotify:playlist:{playlist_id}",
        "name": name,
        "owner": {"id": ME},
        "collaborative": False,
        "public": True,
        "snapshot_id": "s1",
        "items": {"total": 1},
    }


class Account:
    """What the directory asks of Spotify, answered from a list; counts and can hold listings."""

    def __init__(self, *names: str) -> None:
        self.entries = [_entry(name[0].lower(), name) for name in names]
        self.listings = 0
        self.fetches = 0
        self.gate: asyncio.Event | None = None
        self.down = False

    def playlist_listing(self) -> list[list[Listed]]:
        self.listings += 1
        if self.down:
            raise SpotifyUnavailableError("503", status=503)
        return [[listed(entry) for entry in self.entries]]

    def playlist(self, playlist_id: str, fields: str | None = None) -> dict[str, Any]:
        self.fetches += 1
        return _entry(playlist_id, "Fetched")

    async def run(self, job: Callable[[Any], Any]) -> Any:
        if self.gate is not None:
            await self.gate.wait()
        return job(self)


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


def _directory(account: Account, clock: Clock, **kwargs: Any) -> PlaylistDirectory:
    return PlaylistDirectory(ME, account.run, clock=clock, stale_after=timedelta(hours=1), **kwargs)


async def _settle(*awaitables: Awaitable[Any]) -> list[Any]:
    return list(await asyncio.gather(*awaitables))


async def test_refresh_reports_changes_and_keeps_what_was_remembered_meanwhile() -> None:
    account, clock = Account("Alpha", "Beta"), Clock()
    directory = _directory(account, clock)
    first = await directory.refresh()
    assert [r.name for r in first.added] == ["Alpha", "Beta"]  # a first refresh adds everything
    account.gate = asyncio.Event()
    refresh = asyncio.create_task(directory.refresh())
    await asyncio.sleep(0)
    made = PlaylistRecord.from_api(_entry("m", "Made meanwhile"))
    assert made is not None
    directory.remember(made)  # e.g. a sync created it while the listing was in flight
    account.gate.set()
    diff = await refresh
    assert directory.cached(made.id) == made
    assert diff.added == ()  # it was in the cache already: no event announces it twice


async def test_concurrent_name_misses_share_one_refresh() -> None:
    account, clock = Account("Alpha"), Clock()
    directory = _directory(account, clock)
    await directory.refresh()
    clock.now += timedelta(minutes=5)
    account.entries.append(_entry("n", "New"))
    account.gate = asyncio.Event()
    pending = [asyncio.create_task(directory.resolve("New")) for _ in range(3)]
    await asyncio.sleep(0)
    account.gate.set()
    found = await _settle(*pending)
    assert all(resolution is not None and resolution.source == "fetch" for resolution in found)
    assert account.listings == 2
    assert (directory.hits, directory.misses) == (0, 3)


async def test_a_name_miss_right_after_a_refresh_is_a_miss() -> None:
    account, clock = Account("Alpha"), Clock()
    directory = _directory(account, clock)
    await directory.refresh()
    clock.now += timedelta(seconds=59)
    assert await directory.resolve("Nowhere") is None
    assert account.listings == 1


async def test_a_stale_cache_is_refreshed_before_resolving() -> None:
    account, clock = Account("Alpha"), Clock()
    directory = _directory(account, clock)
    await directory.refresh()
    assert not directory.stale
    clock.now += timedelta(hours=2)
    assert directory.stale
    account.entries = [_entry("b", "Beta")]
    found = await directory.resolve("Beta")
    assert found is not None and found.source == "cache"
    assert account.listings == 2
    assert not directory.stale


async def test_a_failed_stale_refresh_resolves_from_the_stale_cache() -> None:
    account, clock = Account("Alpha"), Clock()
    directory = _directory(account, clock)
    await directory.refresh()
    clock.now += timedelta(hours=2)
    account.down = True
    found = await directory.resolve("Alpha")
    assert found is not None and found.source == "cache"
    with pytest.raises(SpotifyUnavailableError):  # a miss must not pass for "not found"
        await directory.resolve("Beta")


async def test_without_live_lookups_the_cache_alone_answers() -> None:
    account, clock = Account("Alpha"), Clock()
    directory = _directory(account, clock, live_lookups=False)
    await directory.refresh()
    clock.now += timedelta(hours=2)
    assert await directory.resolve("Alpha") is not None
    assert await directory.resolve("Beta") is None
    assert await directory.resolve("f" * 22) is None
    assert (account.listings, account.fetches) == (1, 0)


async def test_an_id_miss_is_fetched_and_written_back() -> None:
    account, clock = Account("Alpha"), Clock()
    changes: list[int] = []
    directory = _directory(account, clock, on_change=lambda: changes.append(1))
    await directory.refresh()
    found = await directory.resolve(f"spotify:playlist:{'f' * 22}")
    assert found is not None and found.source == "fetch"
    assert directory.cached("f" * 22) == found.record
    assert directory.cached("f" * 22).name == "Fetched"  # type: ignore[union-attr]
    assert changes == [1]
    assert (await directory.resolve("f" * 22)).source == "cache"  # type: ignore[union-attr]
    assert account.fetches == 1


async def test_one_listing_at_a_time() -> None:
    """A refresh asked for while one is listing waits for that listing instead of starting a
    second one; it reports no change of its own (the listing's caller does) and shares its
    failure."""
    account, clock = Account("Alpha"), Clock()
    directory = _directory(account, clock)
    account.gate = asyncio.Event()
    first = asyncio.create_task(directory.refresh())
    await asyncio.sleep(0)
    assert directory.listing
    joined = asyncio.create_task(directory.refresh())
    shared = asyncio.create_task(directory.refresh_shared())
    await asyncio.sleep(0)
    account.gate.set()
    diff, joined_diff, _ = await _settle(first, joined, shared)
    assert account.listings == 1
    assert [r.name for r in diff.added] == ["Alpha"]
    assert joined_diff is None
    assert not directory.listing

    account.down, account.gate = True, asyncio.Event()
    first = asyncio.create_task(directory.refresh())
    await asyncio.sleep(0)
    joined = asyncio.create_task(directory.refresh_shared())
    await asyncio.sleep(0)
    account.gate.set()
    for task in (first, joined):
        with pytest.raises(SpotifyUnavailableError):
            await task
    assert account.listings == 2
    assert [r.name for r in directory.cache.records.values()] == ["Alpha"]  # the cache stays
