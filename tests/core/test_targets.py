"""Target playlists: naming, the one error mapping, remembered contents and the writer.

The writer runs against the emulator through the REAL SpotifyClient; nothing is mocked."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

import pytest

from custom_components.spotifreak.core.engine import SyncInputError
from custom_components.spotifreak.core.errors import (
    SpotifyAuthError,
    SpotifyError,
    SpotifyForbiddenError,
    SpotifyNotFoundError,
    SpotifyQuotaError,
    SpotifyRateLimitError,
    SpotifyRequestError,
    SpotifyUnavailableError,
)
from custom_components.spotifreak.core.records import PlaylistRecord
from custom_components.spotifreak.core.target_contents import (
    ContentsByPlaylist,
    ContentsOfOnePlaylist,
)
from custom_components.spotifreak.core.target_open import create_target
from custom_components.spotifreak.core.target_writer import TargetWriter
from custom_components.spotifreak.core.targets import (
    Target,
    TargetStatus,
    find_target,
    record_error,
    refuse_unwritable,
    render_target,
    target_errors,
)
from tests.core.sync_helpers import TZ, Account
from tests.emulator import Emulator, Fault, Library

ITEMS = "/v1/playlists/*"


@pytest.fixture
def emulator_library() -> Library:
    lib = Library.empty()
    for number in range(1, 6):
        lib.add_catalogue_track(f"Song {number}", "The Writers")
    return lib


@pytest.fixture
def account(emulator: Emulator) -> Account:
    return Account(emulator)


def _uris(emulator: Emulator) -> list[str]:
    return [track.uri for track in emulator.library.catalogue]


async def _writer(
    account: Account, name: str, items: list[str], state: dict[str, Any], *, exact: bool
) -> tuple[Target, TargetWriter, Any]:
    playlist = account.emu.library.create_playlist(name, items=items)
    await account.refresh()
    ctx = account.context(state)
    target = Target(spec=name, name=name, record=account.cached(playlist.id))
    memory = ContentsOfOnePlaylist(state, "target")
    return target, TargetWriter(ctx, target, memory, exact=exact), playlist


# -- naming and outcomes ------------------------------------------------------------------------


def test_statuses_keep_their_public_strings() -> None:
    assert [status.value for status in TargetStatus] == [
        "success",
        "noop",
        "failed",
        "rate_limited",
        "not_attempted",
    ]


def test_as_dict_reports_removed_only_for_syncs_that_remove() -> None:
    target = Target(spec="A", name="A", added=2, removed=1)
    assert target.as_dict() == {
        "playlist": None,
        "name": "A",
        "status": "not_attempted",
        "added": 2,
        "created": False,
        "reason": None,
        "error": None,
        "added_uris": [],
    }
    target.reports_removed = True
    assert list(target.as_dict()) == [
        "playlist",
        "name",
        "status",
        "added",
        "removed",
        "created",
        "reason",
        "error",
        "added_uris",
        "removed_uris",
        "snapshot_version",
    ]


def test_render_target() -> None:
    now = datetime(2025, 10, 31, 23, 55, tzinfo=TZ)
    rendered = render_target("  Archive %b%y ", now)
    assert (rendered.spec, rendered.name, rendered.pattern) == (
        "Archive %b%y",
        "Archive Oct25",
        True,
    )
    assert rendered.creatable
    plain = render_target("spotify:playlist:37i9dQZF1DXcBWIGoYBM5M", now)
    assert not plain.pattern
    assert not plain.creatable  # an id that is not found is a mistake, not a new playlist
    with pytest.raises(SyncInputError) as caught:
        render_target("Top %Q", now)
    assert caught.value.key == "invalid_pattern"
    assert caught.value.placeholders == {"pattern": "Top %Q", "problem": "%Q"}


@pytest.mark.parametrize(
    ("error", "creating", "status", "reason", "stops"),
    [
        (SpotifyRateLimitError("429", retry_after=30), False, "rate_limited", "rate_limited", True),
        (SpotifyQuotaError("429", retry_after=30), False, "rate_limited", "quota_exceeded", True),
        (SpotifyUnavailableError("503"), False, "failed", "spotify_unavailable", True),
        (SpotifyUnavailableError("503"), True, "failed", "spotify_unavailable", True),
        (SpotifyForbiddenError("403"), False, "failed", "target_forbidden", False),
        (SpotifyNotFoundError("404"), False, "failed", "target_not_found", False),
        (SpotifyRequestError("400"), False, "failed", "target_rejected", False),
        (SpotifyForbiddenError("403"), True, "failed", "create_failed", False),
        (SpotifyRequestError("400"), True, "failed", "create_failed", False),
    ],
)
def test_one_mapping_of_spotify_failures(
    error: SpotifyError, creating: bool, status: str, reason: str, stops: bool
) -> None:
    target = Target(spec="A", name="A")
    record_error(target, error, creating=creating)
    assert (target.status, target.reason, target.error) == (status, reason, str(error))
    assert target.stops_run is stops
    assert target.cause is error


def test_a_refused_token_escapes() -> None:
    target = Target(spec="A", name="A")
    with pytest.raises(SpotifyAuthError), target_errors(target):
        raise SpotifyAuthError("401", status=401)
    assert target.status is TargetStatus.NOT_ATTEMPTED


def test_an_interruption_marks_the_target() -> None:
    target = Target(spec="A", name="A")
    with pytest.raises(asyncio.CancelledError), target_errors(target):
        raise asyncio.CancelledError
    assert (target.status, target.reason) == (TargetStatus.FAILED, "interrupted")


async def test_refuse_unwritable(account: Account) -> None:
    ctx = account.context()
    mine, theirs, shared = (
        PlaylistRecord(f"p{n}", f"spotify:playlist:p{n}", "P", owner, shared, True, "s", 0)
        for n, owner, shared in (
            (1, account.user_id, False),
            (2, "anna.berg", False),
            (3, "anna.berg", True),
        )
    )
    for record, refused in ((mine, False), (theirs, True), (shared, False)):
        target = Target(spec="P", name="P", record=record)
        assert refuse_unwritable(ctx, target) is refused
    target = Target(spec="P", name="P", record=theirs)
    refuse_unwritable(ctx, target)
    assert (target.status, target.reason) == (TargetStatus.FAILED, "target_forbidden")
    assert target.error == '"P" belongs to anna.berg and is not collaborative'


# -- remembered contents ------------------------------------------------------------------------


def test_contents_by_playlist() -> None:
    entries: dict[str, Any] = {"broken": {"snapshot_id": "", "uris": []}, "odd": "x"}
    memory = ContentsByPlaylist(entries)
    assert memory.get("broken") is None
    assert memory.get("odd") is None
    memory.keep("a", "s1", ["u1", "u2"])
    assert entries["a"] == {"snapshot_id": "s1", "uris": ["u1", "u2"]}
    assert memory.get("a") == ("s1", ["u1", "u2"])
    memory.keep("a", "", ["u1"])  # no snapshot: nothing can prove it current
    assert "a" not in entries
    memory.keep("b", "s2", ["u1", None])  # an entry whose URI is unknown
    assert memory.get("b") is None


def test_contents_of_one_playlist() -> None:
    state: dict[str, Any] = {}
    memory = ContentsOfOnePlaylist(state, "target")
    memory.keep("a", "s1", ["u1", "u1"])
    assert state == {"target": {"playlist_id": "a", "snapshot_id": "s1", "uris": ["u1", "u1"]}}
    assert memory.get("a") == ("s1", ["u1", "u1"])
    assert memory.get("b") is None  # another playlist is not the one remembered
    memory.forget("b")
    assert state == {}


# -- finding, creating, writing -------------------------------------------------------------------


async def test_a_missing_id_is_never_created(account: Account) -> None:
    await account.refresh()
    target = render_target("0" * 22, datetime.now(TZ))
    with pytest.raises(SyncInputError) as caught:
        await find_target(account.context(), target, create_missing=True)
    assert caught.value.key == "unknown_target"
    named = render_target("New Name", datetime.now(TZ))
    await find_target(account.context(), named, create_missing=True)  # may be created
    with pytest.raises(SyncInputError):
        await find_target(account.context(), named, create_missing=False)


@pytest.mark.parametrize(
    ("fault", "status", "reason"),
    [
        (Fault(method="POST", path="/v1/me/playlists", status=403), "failed", "create_failed"),
        (
            Fault(method="POST", path="/v1/me/playlists", status=429, retry_after=9),
            "rate_limited",
            "rate_limited",
        ),
    ],
)
async def test_a_refused_creation(account: Account, fault: Fault, status: str, reason: str) -> None:
    await account.refresh()
    account.emu.inject(fault)
    state: dict[str, Any] = {}
    target = render_target("Brand New", datetime.now(TZ))
    await create_target(account.context(state), target, ContentsByPlaylist(state), public=False)
    assert (target.status, target.reason) == (status, reason)
    assert target.record is None
    assert not account.named("Brand New")


async def test_remove_takes_every_occurrence(account: Account) -> None:
    a, b, c = _uris(account.emu)[:3]
    state: dict[str, Any] = {}
    target, writer, playlist = await _writer(account, "Shrinking", [a, b, a, c], state, exact=True)
    assert await writer.contents() == [a, b, a, c]
    await writer.remove([a, a])
    assert account.uris(playlist.id) == [b, c]
    assert (target.status, target.removed) == (TargetStatus.SUCCESS, 2)
    assert state["target"]["uris"] == [b, c]
    assert account.cached(playlist.id).tracks_total == 2  # type: ignore[union-attr]
    assert account.emu.count("DELETE", "/v1/playlists/{playlist_id}/items") == 1


async def test_remove_with_unknown_contents(account: Account) -> None:
    a, b = _uris(account.emu)[:2]
    state: dict[str, Any] = {}
    target, writer, playlist = await _writer(account, "Unread", [a, b, a], state, exact=False)
    account.emu.reset_log()
    await writer.remove([a])
    assert account.uris(playlist.id) == [b]
    assert target.removed == 1  # the URIs asked for: the occurrences were never read
    assert "target" not in state
    # a removal keeps a version first: the playlist's entries are read for it, once
    assert account.emu.count("GET", "/v1/playlists/{playlist_id}/items") == 1
    assert target.snapshot_version is not None


@pytest.mark.parametrize(("status", "forgotten"), [(503, True), (429, False), (400, False)])
async def test_add_forgets_contents_only_when_a_write_may_have_landed(
    account: Account, status: int, forgotten: bool
) -> None:
    a, b, c = _uris(account.emu)[:3]
    state: dict[str, Any] = {}
    _target, writer, _playlist = await _writer(account, "Growing", [a], state, exact=False)
    await writer.contents()
    assert state["target"]["uris"] == [a]
    account.emu.inject(Fault(method="POST", path=ITEMS, status=status, retry_after=5))
    with pytest.raises(SpotifyError):
        await writer.add([b, c])
    assert ("target" not in state) is forgotten


async def test_replace_in_set_view_counts_every_entry(account: Account) -> None:
    a, b, c = _uris(account.emu)[:3]
    state: dict[str, Any] = {}
    target, writer, playlist = await _writer(account, "Replaced", [a, b], state, exact=False)
    await writer.replace([c, c, b])
    assert account.uris(playlist.id) == [c, c, b]
    assert (target.added, target.removed) == (2, 1)  # entries that came and went
    assert state["target"]["uris"] == [c, b]  # the set of URIs present
    assert account.cached(playlist.id).tracks_total == 3  # type: ignore[union-attr]


async def test_odd_creation_answers(account: Account) -> None:
    """No playlist in the answer: `create_failed`; no owner in it: the account's."""
    await account.refresh()
    state: dict[str, Any] = {}
    create = "/v1/me/playlists"
    account.emu.inject(Fault(method="POST", path=create, status=201, body={}))
    target = render_target("Nothing", datetime.now(TZ))
    await create_target(account.context(state), target, ContentsByPlaylist(state), public=False)
    assert (target.status, target.reason) == (TargetStatus.FAILED, "create_failed")
    made = {"id": "n" * 22, "name": "Ownerless", "snapshot_id": "c25hcA", "items": {"total": 0}}
    account.emu.inject(Fault(method="POST", path=create, status=201, body=made))
    target = render_target("Ownerless", datetime.now(TZ))
    await create_target(account.context(state), target, ContentsByPlaylist(state), public=False)
    assert target.created
    assert target.record is not None and target.record.owner == account.user_id
    assert state["n" * 22] == {"snapshot_id": "c25hcA", "uris": []}


async def test_a_write_without_a_snapshot_is_not_trusted(account: Account) -> None:
    a, b = _uris(account.emu)[:2]
    state: dict[str, Any] = {}
    target, writer, playlist = await _writer(account, "Blank", [a], state, exact=True)
    before = account.cached(playlist.id)
    await writer.contents()
    account.emu.inject(Fault(method="POST", path=ITEMS, status=201, body={}))
    await writer.add([b])
    assert target.added == 1
    assert "target" not in state  # nothing could prove the contents current
    assert account.cached(playlist.id) == before  # the cache keeps what it knew
