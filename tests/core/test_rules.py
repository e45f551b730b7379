"""The playlist rules — retention, duplicate removal, exact mirrors — through the REAL
SpotifyClient against the emulator: what the emulated playlists hold afterwards, and which
requests reached it."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from custom_components.spotifreak.core.engine import SyncInputError
from custom_components.spotifreak.core.runs import RunStatus
from tests.core.sync_helpers import ITEMS, TZ, Account
from tests.emulator import Emulator, Fault, Library
from tests.emulator.library import iso

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=TZ)


@pytest.fixture
def emulator_library() -> Library:
    lib = Library.empty()
    for number in range(1, 251):
        lib.add_catalogue_track(f"Song {number}", f"Band {number % 7}")
    lib.add_local_track("Home Band", "Tape", "Kitchen Song")
    return lib


@pytest.fixture
def account(emulator: Emulator) -> Account:
    return Account(emulator, now=lambda: NOW)


def tracks(account: Account, count: int, start: int = 0) -> list[str]:
    uris = [t.uri for t in account.emu.library.catalogue if not t.is_local]
    return uris[start : start + count]


async def aged(account: Account, name: str, entries: list[tuple[str, int]]) -> Any:
    """A playlist whose entries were added `days` ago each; the cache refreshed."""
    playlist = account.emu.library.create_playlist(name, items=[uri for uri, _ in entries])
    for entry, (_uri, days) in zip(playlist.entries, entries, strict=True):
        entry.added_at = iso(NOW - timedelta(days=days))
    playlist.bump()
    await account.refresh()
    account.emu.reset_log()
    return playlist


def deletes(emu: Emulator) -> list[dict[str, Any]]:
    return [r.body for r in emu.requests if r.method == "DELETE" and r.endpoint == ITEMS]


def posts(emu: Emulator) -> list[tuple[Any, Any]]:
    return [
        (r.query.get("position"), r.body)
        for r in emu.requests
        if r.method == "POST" and r.endpoint == ITEMS
    ]


# -- retention ----------------------------------------------------------------------------------


async def test_retention_removes_exactly_the_old_and_keeps_a_newer_occurrence(
    account: Account,
) -> None:
    a, b, c, d, e = tracks(account, 5)
    local = next(iter(account.emu.library.local_tracks.values())).uri
    playlist = await aged(
        account,
        "Rolling",
        [(a, 40), (b, 10), (a, 3), (c, 31), (local, 90), (d, 29), (e, 45)],
    )
    snapshot = account.cached(playlist.id).snapshot_id  # type: ignore[union-attr]
    record = await account.run("playlist_retention", playlist="Rolling", max_age_days=30)
    assert record.status is RunStatus.SUCCESS
    # a (40 days) goes, its newer occurrence stays at its place; c, e go; the local file stays
    assert account.uris(playlist.id) == [b, a, local, d]
    assert record.removed == 3
    assert record.targets[0]["removed_uris"] == [a, c, e]
    body = deletes(account.emu)
    assert len(body) == 1
    assert body[0]["snapshot_id"] == snapshot
    assert sorted(item["uri"] for item in body[0]["items"]) == sorted([a, c, e])
    assert posts(account.emu) == [("1", [a])]  # put back at its position
    entries = account.emu.library.playlists[playlist.id].entries
    assert entries[1].added_at is not None and entries[1].added_at >= iso(NOW - timedelta(1))
    version = account.playlist_history.history.get(record.targets[0]["snapshot_version"])
    assert version is not None
    assert version.uris == [a, b, a, c, local, d, e]
    assert account.emu.count("GET", ITEMS) == 1  # the version reused the run's read

    account.emu.reset_log()
    again = await account.run("playlist_retention", playlist="Rolling", max_age_days=30)
    assert again.status is RunStatus.NOOP
    assert again.reason == "nothing_to_remove"


async def test_retention_by_size_never_below_the_minimum(account: Account) -> None:
    uris = tracks(account, 6)
    playlist = await aged(account, "Sized", [(uri, 10 - i) for i, uri in enumerate(uris)])
    record = await account.run("playlist_retention", playlist="Sized", max_tracks=4)
    assert account.uris(playlist.id) == uris[2:]
    assert record.removed == 2
    playlist2 = await aged(account, "Floor", [(uri, 100) for uri in uris])
    record = await account.run(
        "playlist_retention", playlist="Floor", max_age_days=30, min_tracks=4
    )
    assert account.uris(playlist2.id) == uris[2:]  # the newest four (later counts as newer)
    assert record.status is RunStatus.SUCCESS


async def test_retention_chunks_of_100_and_restorable(account: Account) -> None:
    uris = tracks(account, 230)
    playlist = await aged(
        account, "Big", [(uri, 60 if i < 210 else 1) for i, uri in enumerate(uris)]
    )
    record = await account.run("playlist_retention", playlist="Big", max_age_days=30)
    assert record.removed == 210
    assert [len(body["items"]) for body in deletes(account.emu)] == [100, 100, 10]
    snapshots = [body["snapshot_id"] for body in deletes(account.emu)]
    assert len(set(snapshots)) == 3  # each removal names the snapshot of the write before it
    assert account.uris(playlist.id) == uris[210:]
    version = record.targets[0]["snapshot_version"]
    restored = await account.run("playlist_restore", playlist="Big", version=version)
    assert restored.status is RunStatus.SUCCESS
    assert account.uris(playlist.id) == uris


async def test_a_fault_between_archive_and_removal_is_completed_without_duplicates(
    account: Account,
) -> None:
    a, b, c, d = tracks(account, 4)
    archive = account.emu.library.create_playlist("Old stuff", items=[d])
    playlist = await aged(account, "Fresh", [(a, 40), (b, 50), (c, 2), (d, 60)])
    state: dict[str, Any] = {}
    account.emu.inject(
        Fault(method="DELETE", path=f"/v1/playlists/{playlist.id}/items", status=503)
    )
    first = await account.run(
        "playlist_retention", state, playlist="Fresh", max_age_days=30, archive="Old stuff"
    )
    assert first.status is RunStatus.PARTIAL  # archived, not removed
    assert account.uris(archive.id) == [d, a, b]
    assert account.uris(playlist.id) == [a, b, c, d]
    again = await account.run(
        "playlist_retention", state, playlist="Fresh", max_age_days=30, archive="Old stuff"
    )
    assert again.status is RunStatus.SUCCESS
    assert account.uris(archive.id) == [d, a, b]  # no duplicate
    assert account.uris(playlist.id) == [c]
    assert again.targets[1]["status"] == "noop"
    assert list(state["archives"]) == [archive.id]
    account.emu.library.add_items(playlist.id, [a])
    account.emu.library.playlists[playlist.id].entries[-1].added_at = iso(NOW - timedelta(40))
    await account.refresh()
    moved = await account.run(
        "playlist_retention", state, playlist="Fresh", max_age_days=30, archive="Newer stuff"
    )
    assert moved.status is RunStatus.SUCCESS
    assert list(state["archives"]) == [account.named("Newer stuff")[0].id]  # only the current


async def test_an_archive_write_that_fails_removes_nothing(account: Account) -> None:
    a, b = tracks(account, 2)
    playlist = await aged(account, "Keep safe", [(a, 40), (b, 1)])
    account.emu.inject(Fault(method="POST", path="/v1/playlists/*", status=429, retry_after=9))
    record = await account.run(
        "playlist_retention", playlist="Keep safe", max_age_days=30, archive="Archive %Y"
    )
    assert record.status is RunStatus.RATE_LIMITED
    assert record.retry_after == 9
    assert account.uris(playlist.id) == [a, b]
    assert deletes(account.emu) == []
    assert account.named("Archive 2026")  # created, empty


async def test_nothing_due_costs_no_call_while_the_snapshot_holds(account: Account) -> None:
    a, b = tracks(account, 2)
    await aged(account, "Quiet", [(a, 3), (b, 1)])
    state: dict[str, Any] = {}
    first = await account.run("playlist_retention", state, playlist="Quiet", max_age_days=30)
    assert first.status is RunStatus.NOOP
    assert first.api_calls == 1
    second = await account.run("playlist_retention", state, playlist="Quiet", max_age_days=30)
    assert (second.status, second.api_calls) == (RunStatus.NOOP, 0)


async def test_retention_dry_run_writes_nothing(account: Account) -> None:
    a, b = tracks(account, 2)
    playlist = await aged(account, "Dry", [(a, 40), (b, 1)])
    record = await account.run(
        "playlist_retention", dry_run=True, playlist="Dry", max_age_days=30, archive="Arch"
    )
    assert record.status is RunStatus.DRY_RUN
    assert record.removed == 1
    assert record.targets[1]["would_create"] is True
    assert account.uris(playlist.id) == [a, b]
    assert account.emu.count("DELETE", ITEMS) == account.emu.count("POST", ITEMS) == 0
    assert not account.named("Arch")


@pytest.mark.parametrize(
    ("options", "key"),
    [
        ({"playlist": "Nowhere", "max_age_days": 3}, "playlist_not_found"),
        ({"playlist": "Rules"}, "no_retention_rule"),
        ({"playlist": "Rules", "max_tracks": 2, "min_tracks": 5}, "invalid_option"),
        ({"playlist": "Rules", "max_age_days": 0}, "invalid_option"),
        ({"playlist": "Rules", "max_age_days": 3, "archive": "Rules"}, "archive_is_playlist"),
    ],
)
async def test_retention_input_errors(account: Account, options: dict[str, Any], key: str) -> None:
    await aged(account, "Rules", [(tracks(account, 1)[0], 40)])
    with pytest.raises(SyncInputError) as raised:
        await account.run("playlist_retention", **options)
    assert raised.value.key == key
    assert account.emu.count("DELETE", ITEMS) == 0


# -- duplicates ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("keep", "expected"), [("first", "abc"), ("last", "acb")])
async def test_remove_duplicates_by_uri(account: Account, keep: str, expected: str) -> None:
    a, b, c = tracks(account, 3)
    named = {"a": a, "b": b, "c": c}
    playlist = await aged(account, "Dupes", [(uri, 5) for uri in (a, b, a, c, b)])
    record = await account.run("remove_duplicates", playlist="Dupes", keep=keep)
    assert record.status is RunStatus.SUCCESS
    assert record.removed == 2
    assert account.uris(playlist.id) == [named[letter] for letter in expected]
    assert account.emu.count("DELETE", ITEMS) == 1
    assert record.targets[0]["snapshot_version"] is not None


async def test_remove_duplicates_by_isrc(account: Account) -> None:
    lib = account.emu.library
    single = lib.add_catalogue_track("Hit", "Band 1", isrc="QZTEST0000001")
    album = lib.add_catalogue_track("Hit", "Band 1", isrc="QZTEST0000001")
    other = tracks(account, 1)[0]
    playlist = await aged(account, "Versions", [(single.uri, 5), (other, 4), (album.uri, 3)])
    by_uri = await account.run("remove_duplicates", playlist="Versions", dry_run=True)
    assert (by_uri.status, by_uri.removed, by_uri.reason) == (RunStatus.DRY_RUN, 0, "no_duplicates")
    record = await account.run("remove_duplicates", playlist="Versions", match="isrc", keep="last")
    assert account.uris(playlist.id) == [other, album.uri]
    assert record.removed == 1


async def test_remove_duplicates_only_in_owned_playlists(account: Account) -> None:
    a = tracks(account, 1)[0]
    account.emu.library.create_playlist(
        "Theirs", owner="anna.berg", collaborative=True, items=[a, a]
    )
    await account.refresh()
    with pytest.raises(SyncInputError) as raised:
        await account.run("remove_duplicates", playlist="Theirs")
    assert raised.value.key == "playlist_not_owned"


# -- exact mirror -------------------------------------------------------------------------------


async def test_exact_mirror(account: Account) -> None:
    a, b, c, d, e = tracks(account, 5)
    lib = account.emu.library
    lib.create_playlist("Source", items=[a, b, c, d])
    target = lib.create_playlist("Copy", items=[e, b, a, c, c])
    await account.refresh()
    account.emu.reset_log()
    options = {"source": "Source", "targets": ["Copy"], "mode": "exact"}
    state: dict[str, Any] = {}
    record = await account.mirror(state, **options)
    assert record.status is RunStatus.SUCCESS
    assert account.uris(target.id) == [a, b, c, d]
    assert record.targets[0]["snapshot_version"] is not None
    assert (record.added, record.removed) == (1, 2)
    again = await account.mirror(state, **options)
    assert again.status is RunStatus.UP_TO_DATE
    lib.add_items(target.id, [e])
    await account.refresh()
    account.emu.reset_log()
    appended = await account.mirror(state, **{**options, "only_new": False, "mode": "append"})
    assert appended.status is RunStatus.NOOP  # append stays the default behaviour: nothing removed
    assert account.uris(target.id) == [a, b, c, d, e]


async def test_an_exact_mirror_plans_on_what_the_target_holds_now(account: Account) -> None:
    """A track added to the target by hand after the cache's last refresh: the remembered
    contents do not show it, but an edit is planned on a fresh read, so the target still ends
    exactly as the source — and the version kept before holds the track."""
    a, b, c, f, x = tracks(account, 5)
    lib = account.emu.library
    source = lib.create_playlist("Source", items=[a, b, c])
    target = lib.create_playlist("Copy", items=[])
    await account.refresh()
    options = {"source": "Source", "targets": ["Copy"], "mode": "exact"}
    state: dict[str, Any] = {}
    assert (await account.mirror(state, **options)).status is RunStatus.SUCCESS
    lib.add_items(source.id, [f])
    await account.refresh()
    lib.add_items(target.id, [x])  # by hand, unseen by the cache
    account.emu.reset_log()
    record = await account.mirror(state, **options)
    assert record.status is RunStatus.SUCCESS
    assert account.uris(target.id) == [a, b, c, f]
    assert (record.added, record.removed) == (1, 1)
    [version] = account.playlist_history.history.versions(target.id)
    assert [item.uri for item in version.items] == [a, b, c, x]


async def test_a_failure_before_the_put_back_says_how_to_restore(account: Account) -> None:
    """DELETE went through, the POST that puts the kept entry back did not: the record says
    which version brings it back, and restoring it does."""
    a, b = tracks(account, 2)
    playlist = await aged(account, "Half way", [(a, 40), (b, 3), (a, 1)])
    account.emu.inject(Fault(method="POST", path=f"/v1/playlists/{playlist.id}/items", status=503))
    record = await account.run("playlist_retention", playlist="Half way", max_age_days=30)
    assert record.status is RunStatus.PARTIAL
    assert record.reason == "not_put_back"
    version = record.targets[0]["snapshot_version"]
    assert f"restore_playlist version {version}" in (record.error or "")
    assert record.targets[0]["not_put_back"] == [a]
    assert account.uris(playlist.id) == [b]
    restored = await account.run("playlist_restore", playlist="Half way", version=version)
    assert restored.status is RunStatus.SUCCESS
    assert account.uris(playlist.id) == [a, b, a]


async def test_a_refused_authorization_before_the_put_back_still_says_how_to_restore(
    account: Account,
) -> None:
    """The run fails as `spotify_auth` (reauthorization is what the user must do), and its
    error still names the entries not put back and the version that restores them."""
    a, b = tracks(account, 2)
    playlist = await aged(account, "Half way", [(a, 40), (b, 3), (a, 1)])
    account.emu.inject(
        Fault(method="POST", path=f"/v1/playlists/{playlist.id}/items", status=401, times=None)
    )
    record = await account.run("playlist_retention", playlist="Half way", max_age_days=30)
    assert (record.status, record.reason) == (RunStatus.FAILED, "spotify_auth")
    version = record.targets[0]["snapshot_version"]
    assert record.targets[0]["not_put_back"] == [a]
    assert f"restore_playlist version {version}" in (record.error or "")


async def test_duplicates_and_exact_mirror_failures(account: Account) -> None:
    """A refused DELETE: nothing changed, the run failed (duplicates) or is partial (mirror)."""
    a, b, c = tracks(account, 3)
    dupes = await aged(account, "Refused", [(a, 3), (a, 2)])
    account.emu.inject(Fault(method="DELETE", path="/v1/playlists/*", status=429, retry_after=5))
    limited = await account.run("remove_duplicates", playlist="Refused")
    assert (limited.status, limited.retry_after) == (RunStatus.RATE_LIMITED, 5)
    account.emu.inject(Fault(method="DELETE", path="/v1/playlists/*", status=403))
    failed = await account.run("remove_duplicates", playlist="Refused")
    assert (failed.status, failed.reason) == (RunStatus.FAILED, "target_forbidden")
    assert account.uris(dupes.id) == [a, a]
    lib = account.emu.library
    lib.create_playlist("Exact from", items=[a, b])
    one = lib.create_playlist("Exact one", items=[c])
    two = lib.create_playlist("Exact two", items=[c])
    await account.refresh()
    account.emu.inject(Fault(method="DELETE", path=f"/v1/playlists/{two.id}/items", status=404))
    record = await account.mirror(
        source="Exact from", targets=["Exact one", "Exact two"], mode="exact"
    )
    assert record.status is RunStatus.PARTIAL
    assert account.uris(one.id) == [a, b]
    assert account.uris(two.id) == [c]
    with pytest.raises(SyncInputError) as raised:
        await account.mirror(source="Exact from", targets=["Exact one"], mode="mirror")
    assert raised.value.key == "invalid_option"


async def test_a_forbidden_archive_removes_nothing(account: Account) -> None:
    a = tracks(account, 1)[0]
    lib = account.emu.library
    lib.create_playlist("Not my archive", owner="anna.berg", items=[])
    playlist = await aged(account, "Guarded", [(a, 40)])
    record = await account.run(
        "playlist_retention", playlist="Guarded", max_age_days=30, archive="Not my archive"
    )
    assert (record.status, record.reason) == (RunStatus.FAILED, "target_forbidden")
    assert account.uris(playlist.id) == [a]
    theirs = lib.create_playlist("Their list", owner="anna.berg", items=[a])
    await account.refresh()
    # Issue 15: a playlist the account cannot read is input the user can fix, refused before any
    # call like a mirror's source (it was a failed run record, `target_forbidden`).
    account.emu.reset_log()
    with pytest.raises(SyncInputError) as refused:
        await account.run("playlist_retention", playlist=theirs.id, max_age_days=1)
    assert refused.value.key == "unreadable_other_users"
    assert account.emu.spotify_calls == 0
    assert account.uris(theirs.id) == [a]


@pytest.mark.parametrize(
    ("owner", "key"),
    [("anna.berg", "unreadable_other_users"), ("spotify", "unreadable_spotify_owned")],
)
@pytest.mark.parametrize(
    ("sync_type", "options"),
    [
        ("playlist_retention", {"max_age_days": 1, "archive": "Never made"}),
        ("remove_duplicates", {}),
    ],
)
async def test_a_playlist_the_account_cannot_read_is_refused_before_any_call(
    account: Account, owner: str, key: str, sync_type: str, options: dict[str, Any]
) -> None:
    """Issue 15 meets issue 14: the rule of `core/readable.py` holds for the playlist a retention
    prunes and one whose duplicates are removed — refused from the cache, named by its kind,
    before its items are read and before a retention's archive is looked for or created."""
    a = tracks(account, 1)[0]
    theirs = account.emu.library.create_playlist("Not readable", owner=owner, items=[a, a])
    await account.refresh()
    account.emu.reset_log()
    with pytest.raises(SyncInputError) as refused:
        await account.run(sync_type, playlist="Not readable", **options)
    assert refused.value.key == key
    assert refused.value.placeholders == {"playlist": "Not readable", "owner": owner}
    assert account.emu.spotify_calls == 0
    assert account.uris(theirs.id) == [a, a]
    assert account.named("Never made") == []


# -- the rules meet issue 12: marks, unknown outcomes, references ------------------------------


async def test_a_retention_left_being_written_is_read_again(account: Account) -> None:
    """Nothing due in what the state remembers at the cache's snapshot costs no call — unless an
    unclean stop left the playlist marked as being written: then it is read again."""
    a, b = tracks(account, 2)
    playlist = await aged(account, "Marked", [(a, 3), (b, 1)])
    state: dict[str, Any] = {}
    first = await account.run("playlist_retention", state, playlist="Marked", max_age_days=30)
    assert (first.status, first.api_calls) == (RunStatus.NOOP, 1)
    state["writing"] = [playlist.id]  # what a run killed while editing it leaves saved
    account.emu.reset_log()
    again = await account.run("playlist_retention", state, playlist="Marked", max_age_days=30)
    assert again.status is RunStatus.NOOP
    assert account.emu.count("GET", ITEMS) == 1  # read, not trusted
    assert "writing" not in state  # the mark is cleared with the run's result
    quiet = await account.run("playlist_retention", state, playlist="Marked", max_age_days=30)
    assert (quiet.status, quiet.api_calls) == (RunStatus.NOOP, 0)


async def _with_a_kept_occurrence(account: Account, kind: str) -> tuple[Any, dict[str, Any]]:
    """A playlist [a, b, a] whose edit deletes a and puts one a back, and the run doing it."""
    a, b = tracks(account, 2)
    if kind == "playlist_mirror":
        account.emu.library.create_playlist("Unknown source", items=[a, b])
        playlist = account.emu.library.create_playlist("Unknown edit", items=[a, b, a])
        await account.refresh()
        options = {"source": "Unknown source", "targets": ["Unknown edit"], "mode": "exact"}
        return playlist, options
    playlist = await aged(account, "Unknown edit", [(a, 40), (b, 1), (a, 2)])
    if kind == "playlist_retention":
        return playlist, {"playlist": "Unknown edit", "max_age_days": 30}
    return playlist, {"playlist": "Unknown edit", "keep": "last"}


RULES = ["playlist_retention", "playlist_mirror", "remove_duplicates"]


@pytest.mark.parametrize("kind", RULES)
async def test_an_edits_put_back_answered_5xx_is_of_unknown_outcome(
    account: Account, kind: str
) -> None:
    """The put-back POST answered 503 though it landed: its entry counts in unknown_outcome,
    and the record says it may be missing, with the version that restores it."""
    playlist, options = await _with_a_kept_occurrence(account, kind)
    account.emu.inject(
        Fault(method="POST", path=f"/v1/playlists/{playlist.id}/items", status=503, applied=True)
    )
    record = await account.run(kind, **options)
    assert record.unknown_outcome == 1
    assert record.reason == "not_put_back"
    assert "may be missing (a write's outcome is unknown)" in (record.error or "")
    assert "1 tracks may or may not have been written" in (record.error or "")
    version = record.targets[0]["snapshot_version"]
    assert f"restore_playlist version {version}" in (record.error or "")
    assert len(account.uris(playlist.id)) == 2  # it landed


@pytest.mark.parametrize("kind", RULES)
async def test_an_edits_delete_answered_5xx_is_of_unknown_outcome(
    account: Account, kind: str
) -> None:
    """The DELETE answered 503 though it went through: its URIs count in unknown_outcome, and
    the entry that stays, which it took too, is named with the version that restores it."""
    a, _b = tracks(account, 2)
    playlist, options = await _with_a_kept_occurrence(account, kind)
    account.emu.inject(
        Fault(method="DELETE", path=f"/v1/playlists/{playlist.id}/items", status=503, applied=True)
    )
    record = await account.run(kind, **options)
    assert record.status is RunStatus.FAILED
    assert record.reason == "spotify_unavailable"
    assert record.unknown_outcome == 1  # the DELETE named one URI
    assert record.targets[0]["maybe_not_put_back"] == [a]
    assert "1 entries that stay may have been taken off" in (record.error or "")
    version = record.targets[0]["snapshot_version"]
    assert f"restore_playlist version {version}" in (record.error or "")
    account.emu.reset_log()
    restored = await account.run("playlist_restore", playlist="Unknown edit", version=version)
    assert restored.status is RunStatus.SUCCESS
    assert account.uris(playlist.id) == [a, _b, a]


@pytest.mark.parametrize(
    "options",
    [
        {"playlist": f"spotify:album:{'6akEvsycLGftJxYudPjmqK'}"},
        {"playlist": "Rules", "archive": "https://example.com/playlist/x"},
        {"playlist": "Rules", "archive": "x" * 101},
        {"playlist": "Rules", "archive": "Archive %Y\x1b"},
        {"playlist": "Nowhere\x00", "archive": "Fine"},
    ],
    ids=["album", "archive-link", "archive-long", "archive-pattern-escape", "playlist-nul"],
)
async def test_retention_references_are_checked_before_any_call(
    account: Account, options: dict[str, Any]
) -> None:
    """The retention's playlist and archive are checked as a mirror's targets are: before any
    lookup, so neither a refresh nor a write is spent on them."""
    await aged(account, "Rules", [(tracks(account, 1)[0], 40)])
    with pytest.raises(SyncInputError) as raised:
        await account.run("playlist_retention", max_age_days=3, **options)
    assert raised.value.key.startswith("target_")
    assert account.emu.spotify_calls == 0


async def test_max_age_days_is_bounded(account: Account) -> None:
    """As lookback_days: beyond ten years is a validation error, not an OverflowError."""
    await aged(account, "Rules", [(tracks(account, 1)[0], 40)])
    for days in (3651, 740_000):
        with pytest.raises(SyncInputError) as raised:
            await account.run("playlist_retention", playlist="Rules", max_age_days=days)
        assert (raised.value.key, raised.value.placeholders["option"]) == (
            "invalid_option",
            "max_age_days",
        )


@pytest.mark.parametrize("source", ["playlist", "liked_songs"])
async def test_an_exact_mirror_reads_the_whole_source_with_deduplication_off(
    account: Account, source: str
) -> None:
    """Deduplication off appends only what is new since the last successful run (issue 12);
    an exact mirror ignores it: it must see the whole source, or it would remove the rest."""
    a, b, c = tracks(account, 3)
    lib = account.emu.library
    target = lib.create_playlist("Exact, no dedupe", items=[])
    if source == "playlist":
        source_playlist = lib.create_playlist("Exact source, no dedupe", items=[a, b])
        for entry in source_playlist.entries:
            entry.added_at = iso(NOW - timedelta(days=2))
        source_playlist.bump()
        spec = source_playlist.name
    else:
        lib.add_liked([b, a], added_at=iso(NOW - timedelta(days=2)))  # a the older
        spec = "liked_songs"
    await account.refresh()
    state: dict[str, Any] = {}
    options = {"source": spec, "targets": [target.name], "mode": "exact", "deduplicate": False}
    first = await account.mirror(state, **options)
    assert first.status is RunStatus.SUCCESS
    assert account.uris(target.id) == [a, b]
    if source == "playlist":
        lib.add_items(source_playlist.id, [c])
    else:
        lib.add_liked([c])
    await account.refresh()
    second = await account.mirror(state, **options)
    assert second.status is RunStatus.SUCCESS
    assert account.uris(target.id) == [a, b, c]
    assert second.removed == 0
