"""The target writer's one place around every write: a version before destructive writes, and
dry runs that send nothing. Against the emulator through the REAL SpotifyClient."""

from __future__ import annotations

from typing import Any

import pytest

from custom_components.spotifreak.core.errors import HistorySaveError
from custom_components.spotifreak.core.history import HistoryKeeper
from custom_components.spotifreak.core.target_contents import ContentsOfOnePlaylist
from custom_components.spotifreak.core.target_open import open_target
from custom_components.spotifreak.core.target_writer import TargetWriter
from custom_components.spotifreak.core.targets import Target, TargetStatus, target_errors
from tests.core.sync_helpers import ITEMS, Account, playlist_writes as _writes
from tests.emulator import Emulator, Library


@pytest.fixture
def emulator_library() -> Library:
    lib = Library.empty()
    for number in range(1, 6):
        lib.add_catalogue_track(f"Song {number}", "The Writers")
    lib.add_local_track("Home Band", "Tape", "Kitchen Song")
    return lib


@pytest.fixture
def account(emulator: Emulator) -> Account:
    return Account(emulator)


async def _writer(
    account: Account, items: list[str], *, dry_run: bool = False, name: str = "Mine"
) -> tuple[Target, TargetWriter, Any, dict[str, Any]]:
    playlist = account.emu.library.create_playlist(name, items=items)
    await account.refresh()
    state: dict[str, Any] = {}
    ctx = account.context(state, dry_run=dry_run)
    target = Target(spec=name, name=name, record=account.cached(playlist.id), dry_run=dry_run)
    target.reports_removed = True
    writer = TargetWriter(ctx, target, ContentsOfOnePlaylist(state, "target"), exact=True)
    account.emu.reset_log()
    return target, writer, playlist, state


async def test_a_removal_keeps_a_version_read_this_run_at_no_extra_call(account: Account) -> None:
    a, b, c = [track.uri for track in account.emu.library.catalogue[:3]]
    target, writer, playlist, _state = await _writer(account, [a, b, a, c])
    await writer.contents()
    await writer.remove([a])
    assert account.emu.count("GET", ITEMS) == 1
    assert target.snapshot_version is not None
    version = account.playlist_history.history.get(target.snapshot_version)
    assert version is not None
    assert version.uris == [a, b, a, c]
    assert version.reason == "before_remove"
    assert (target.removed, target.removed_uris) == (2, [a])
    assert account.playlist_history.snapshots == {"": 1}
    assert sum(account.playlist_history.snapshot_calls.values()) == 0
    await writer.remove([b])  # one version per writer: the first write's
    assert len(account.playlist_history.history) == 1
    assert account.uris(playlist.id) == [c]


async def test_an_empty_playlist_needs_no_version(account: Account) -> None:
    a = account.emu.library.catalogue[0].uri
    target, writer, playlist, _state = await _writer(account, [])
    await writer.contents()
    await writer.replace([a])
    assert target.snapshot_version is None
    assert len(account.playlist_history.history) == 0
    assert account.uris(playlist.id) == [a]


async def test_replacing_with_nothing_empties_the_playlist(account: Account) -> None:
    """A restore of an empty version: one PUT of no URIs."""
    a, b = [track.uri for track in account.emu.library.catalogue[:2]]
    target, writer, playlist, state = await _writer(account, [a, b])
    await writer.replace([], reason="before_restore")
    assert account.uris(playlist.id) == []
    assert account.emu.count("PUT", ITEMS) == 1
    assert (target.removed, target.removed_uris) == (2, [a, b])
    assert state["target"]["uris"] == []
    assert account.playlist_history.history.versions(playlist.id)[0].uris == [a, b]


async def test_a_dry_run_sends_nothing_and_remembers_nothing(account: Account) -> None:
    a, b, c = [track.uri for track in account.emu.library.catalogue[:3]]
    target, writer, playlist, state = await _writer(account, [a, b], dry_run=True)
    assert await writer.contents() == [a, b]
    await writer.replace([c, a])
    await writer.add([b])
    await writer.remove([a])
    assert _writes(account.emu) == 0
    assert account.uris(playlist.id) == [a, b]
    assert state == {}
    assert len(account.playlist_history.history) == 0
    assert (target.added, target.removed) == (2, 2)
    assert target.added_uris == [c, b]
    assert target.removed_uris == [b, a]
    assert target.as_dict()["status"] == "dry_run"
    assert target.as_dict()["would_create"] is False
    cached = account.cached(playlist.id)
    assert cached is not None
    assert cached.snapshot_id == playlist.snapshot_id  # the cache was not told of any write


async def test_a_dry_run_does_not_create_a_missing_target(account: Account) -> None:
    a = account.emu.library.catalogue[0].uri
    ctx = account.context({}, dry_run=True)
    target = Target(spec="Brand new", name="Brand new")
    async with open_target(ctx, target, ContentsOfOnePlaylist({}, "t"), public=False) as writer:
        assert writer is not None
        assert writer.trusted() == []
        assert await writer.contents() == []
        await writer.add([a])
    assert account.named("Brand new") == []
    assert account.emu.spotify_calls == 0
    assert target.as_dict()["would_create"] is True
    assert target.as_dict()["playlist"] is None


async def test_a_version_that_cannot_be_saved_fails_the_target(account: Account) -> None:
    a, b = [track.uri for track in account.emu.library.catalogue[:2]]

    async def broken(_data: dict[str, Any]) -> None:
        raise OSError("disk full")

    account.playlist_history = HistoryKeeper(persist=broken)
    target, writer, playlist, _state = await _writer(account, [a, b])
    with target_errors(target):
        await writer.replace([b])
    assert (target.status, target.reason) == (TargetStatus.FAILED, "snapshot_failed")
    assert _writes(account.emu) == 0
    assert account.uris(playlist.id) == [a, b]
    with pytest.raises(HistorySaveError):
        await writer.remove([a])
