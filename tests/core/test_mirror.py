"""The playlist mirror and the engine, driven through the REAL SpotifyClient (spotipy over HTTP)
against the project's emulator. Every assertion is about what the emulated account holds and
which requests reached it."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
import copy
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from custom_components.spotifreak.core.account_syncs import AccountSyncs
from custom_components.spotifreak.core.cache import CacheFilter
from custom_components.spotifreak.core.engine import SyncInputError, execute_run
from custom_components.spotifreak.core.mirror import run_mirror
from custom_components.spotifreak.core.mirror_options import MirrorOptions
from custom_components.spotifreak.core.mirror_source import MirrorState, SentChunk
from custom_components.spotifreak.core.records import PlaylistRecord
from custom_components.spotifreak.core.runs import RunRecord, RunStatus
from custom_components.spotifreak.core.spotify import PlaylistItem
from tests.core.sync_helpers import ITEMS, TZ, Account, Runner
from tests.emulator import Emulator, Fault, Library, PlaylistEntry

pytestmark = pytest.mark.emulator(catalogue=800)  # room for 250 + 150 liked playable tracks

OCTOBER = datetime(2024, 10, 15, 12, 0, tzinfo=TZ)  # the library has its own "Oct24"
WITHOUT_DEDUPLICATION: dict[str, Any] = {
    "source": "Mirror Source",
    "targets": ["Mirror Target"],
    "deduplicate": False,
}


# -- helpers ------------------------------------------------------------------------------------


def playable(lib: Library, count: int, start: int = 0) -> list[str]:
    """Catalogue tracks that can be added (neither local nor unplayable), not liked yet."""
    liked = set(lib.liked_uris())
    uris = [t.uri for t in lib.catalogue if t.is_playable and t.uri not in liked]
    assert len(uris) >= start + count, "library too small for this test"
    return uris[start : start + count]


def is_playable(lib: Library, uri: str) -> bool:
    track = lib.tracks.get(uri)
    return track is not None and track.is_playable


def posts(emu: Emulator, playlist_id: str | None = None) -> list[list[str]]:
    """The URI lists of every add-items request (in order)."""
    return [
        r.body if isinstance(r.body, list) else r.body["uris"]
        for r in emu.requests
        if r.method == "POST"
        and r.endpoint == ITEMS
        and (playlist_id is None or r.path == f"/v1/playlists/{playlist_id}/items")
    ]


def item_reads(emu: Emulator, playlist_id: str) -> int:
    return emu.count("GET", f"/v1/playlists/{playlist_id}/items")


async def wait_for(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "condition not reached in time"
        await asyncio.sleep(0.01)


@pytest.fixture
def account(emulator: Emulator) -> Account:
    return Account(emulator)


@pytest.fixture
def october(emulator: Emulator) -> Account:
    """An account whose clock says 15 October 2024, noon in Berlin."""
    return Account(emulator, now=lambda: OCTOBER)


async def source_and_target(
    account: Account, tracks: list[str], target_items: list[str] | None = None
) -> tuple[str, str]:
    lib = account.emu.library
    source = lib.create_playlist("Mirror Source", items=tracks)
    target = lib.create_playlist("Mirror Target", items=target_items or [])
    await account.refresh()
    account.emu.reset_log()
    return source.id, target.id


# -- liked songs ----------------------------------------------------------------------------------


async def test_liked_songs_cursor_reads_only_new_pages(account: Account) -> None:
    emu, lib = account.emu, account.emu.library
    assert len(lib.liked) == 150  # three pages of 50
    archive = lib.create_playlist("Liked Archive")
    await account.refresh()
    emu.reset_log()
    state: dict[str, Any] = {}
    old = [uri for uri in reversed(lib.liked_uris()) if is_playable(lib, uri)]

    first = await account.mirror(state, source="liked_songs", targets=["Liked Archive"])
    assert first.status is RunStatus.SUCCESS
    assert first.added == len(old)
    assert first.skipped == 150 - len(old)
    assert emu.count("GET", "/v1/me/tracks") == 3
    assert account.uris(archive.id) == old  # oldest first

    new = playable(lib, 60)
    lib.add_liked(new)  # new[0] is the newest
    emu.reset_log()
    second = await account.mirror(state, source="liked_songs", targets=["Liked Archive"])
    assert second.status is RunStatus.SUCCESS
    assert second.added == 60
    assert emu.count("GET", "/v1/me/tracks") == 2  # 60 new: the first page and part of the second
    assert item_reads(emu, archive.id) == 0  # its contents are known from the last run
    assert account.uris(archive.id) == old + list(reversed(new))

    emu.reset_log()
    third = await account.mirror(state, source="liked_songs", targets=["Liked Archive"])
    assert third.status is RunStatus.UP_TO_DATE
    assert third.added == 0
    assert emu.spotify_calls == emu.count("GET", "/v1/me/tracks") == 1
    assert third.api_calls == 1
    assert account.uris(archive.id) == old + list(reversed(new))


async def test_liked_songs_cursor_survives_unliking(account: Account) -> None:
    emu, lib = account.emu, account.emu.library
    archive = lib.create_playlist("Liked Archive")
    await account.refresh()
    state: dict[str, Any] = {}
    await account.mirror(state, source="liked_songs", targets=["Liked Archive"])
    before = account.uris(archive.id)
    lib.remove_liked(lib.liked_uris()[:2])  # the newest two, the cursor's own tracks
    emu.reset_log()
    run = await account.mirror(state, source="liked_songs", targets=["Liked Archive"])
    assert run.status is RunStatus.UP_TO_DATE
    assert emu.spotify_calls == 1
    new = playable(lib, 2)
    lib.add_liked(new)
    emu.reset_log()
    run = await account.mirror(state, source="liked_songs", targets=["Liked Archive"])
    assert run.added == 2
    assert emu.spotify_calls == 2  # one page of likes, one write
    assert account.uris(archive.id) == before + list(reversed(new))


async def test_liked_songs_max_tracks_and_lookback(emulator: Emulator) -> None:
    lib = emulator.library
    now = datetime(2026, 3, 2, 12, 0, tzinfo=TZ)  # the generated likes end on 1 March 2026
    account = Account(emulator, now=lambda: now)
    newest = lib.create_playlist("Newest Ten")
    recent = lib.create_playlist("Last Fortnight")
    await account.refresh()

    emulator.reset_log()
    capped = await account.mirror(source="liked_songs", targets=["Newest Ten"], max_tracks=10)
    assert emulator.count("GET", "/v1/me/tracks") == 1
    expected = [u for u in reversed(lib.liked_uris()[:10]) if is_playable(lib, u)]
    assert account.uris(newest.id) == expected
    assert capped.added == len(expected)

    cutoff = now - timedelta(days=14)
    in_window = [
        s.uri
        for s in lib.liked
        if datetime.fromisoformat(s.added_at) >= cutoff and is_playable(lib, s.uri)
    ]
    assert 0 < len(in_window) < 50
    emulator.reset_log()
    windowed = await account.mirror(
        source="liked_songs", targets=["Last Fortnight"], lookback_days=14
    )
    assert windowed.status is RunStatus.SUCCESS
    assert emulator.count("GET", "/v1/me/tracks") == 1
    assert account.uris(recent.id) == list(reversed(in_window))


async def test_liked_songs_read_errors(account: Account) -> None:
    emu = account.emu
    account.emu.library.create_playlist("Liked Archive")
    await account.refresh()
    emu.inject(Fault(status=429, retry_after=17, path="/v1/me/tracks"))
    limited = await account.mirror(source="liked_songs", targets=["Liked Archive"])
    assert limited.status is RunStatus.RATE_LIMITED
    assert limited.retry_after == 17
    assert limited.reason == "rate_limited"

    emu.inject(Fault(status=503, path="/v1/me/tracks", times=None))
    emu.reset_log()
    down = await account.mirror(source="liked_songs", targets=["Liked Archive"])
    assert down.status is RunStatus.FAILED
    assert down.reason == "spotify_unavailable"
    assert emu.count("GET", "/v1/me/tracks") == 3  # bounded retries of a read
    assert posts(emu) == []
    assert [r.status for r in account.history.runs("mirror_test")] == [
        RunStatus.FAILED,
        RunStatus.RATE_LIMITED,
    ]


# -- playlist source ------------------------------------------------------------------------------


async def test_unchanged_playlist_source_is_up_to_date_without_calls(account: Account) -> None:
    emu, lib = account.emu, account.emu.library
    tracks = playable(lib, 40)
    source_id, target_id = await source_and_target(account, tracks[:30])
    state: dict[str, Any] = {}
    options = {"source": "Mirror Source", "targets": ["Mirror Target"]}

    first = await account.mirror(state, **options)
    assert first.status is RunStatus.SUCCESS
    assert account.uris(target_id) == tracks[:30]

    emu.reset_log()
    second = await account.mirror(state, **options)
    assert second.status is RunStatus.UP_TO_DATE
    assert emu.spotify_calls == 0
    assert second.api_calls == 0

    # The source changes: only the source is read, the target's contents are known.
    lib.add_items(source_id, [tracks[30]])
    await account.refresh()
    emu.reset_log()
    third = await account.mirror(state, **options)
    assert third.status is RunStatus.SUCCESS
    assert third.added == 1
    assert item_reads(emu, source_id) == 1
    assert item_reads(emu, target_id) == 0
    assert posts(emu, target_id) == [[tracks[30]]]

    # Someone else changes the target: its moved snapshot makes the next run read it again.
    lib.add_items(target_id, [tracks[31]])
    lib.add_items(source_id, [tracks[31], tracks[32]])
    await account.refresh()
    emu.reset_log()
    fourth = await account.mirror(state, **options)
    assert fourth.added == 1
    assert item_reads(emu, target_id) == 1
    assert account.uris(target_id) == tracks[:33]

    # Only the target moved: not up to date either.
    lib.remove_items(target_id, [tracks[0]])
    await account.refresh()
    emu.reset_log()
    fifth = await account.mirror(state, **options)
    assert fifth.status is RunStatus.SUCCESS
    assert account.uris(target_id) == [*tracks[1:33], tracks[0]]

    emu.reset_log()
    assert (await account.mirror(state, **options)).status is RunStatus.UP_TO_DATE
    assert emu.spotify_calls == 0

    # only_new=False forces the comparison (still without reading the known target).
    emu.reset_log()
    forced = await account.mirror(state, **options, only_new=False)
    assert forced.status is RunStatus.NOOP
    assert forced.reason == "already_present"
    assert item_reads(emu, target_id) == 0
    assert emu.spotify_calls == 1


async def test_dedupe_against_actual_contents(account: Account) -> None:
    lib = account.emu.library
    a, b, c, d = playable(lib, 4)
    _, target_id = await source_and_target(account, [a, b, c, b, d, a], [c, a])

    run = await account.mirror(source="Mirror Source", targets=["Mirror Target"])
    assert run.status is RunStatus.SUCCESS
    assert run.added == 2
    assert account.uris(target_id) == [c, a, b, d]

    # A run with no state of its own reads the target and finds everything there.
    again = await account.mirror({}, source="Mirror Source", targets=["Mirror Target"])
    assert again.status is RunStatus.NOOP
    assert again.reason == "already_present"
    assert account.uris(target_id) == [c, a, b, d]
    assert again.targets == [
        {
            "playlist": target_id,
            "name": "Mirror Target",
            "status": "noop",
            "added": 0,
            "created": False,
            "reason": None,
            "error": None,
            "added_uris": [],
        }
    ]


async def test_deduplicate_off_adds_what_the_source_holds(account: Account) -> None:
    lib = account.emu.library
    a, b = playable(lib, 2)
    _, target_id = await source_and_target(account, [a, b, a], [a])
    run = await account.mirror(source="Mirror Source", targets=["Mirror Target"], deduplicate=False)
    assert run.added == 3
    assert item_reads(account.emu, target_id) == 0
    assert account.uris(target_id) == [a, a, b, a]


async def test_deduplicate_off_appends_only_what_is_new_in_the_source(account: Account) -> None:
    """Without deduplication a changed playlist source adds only the entries added to it since
    the last successful run, not the whole source again; a reordering adds nothing."""
    lib = account.emu.library
    a, b, c, d = playable(lib, 4)
    source_id, target_id = await source_and_target(account, [a, b, a])
    options = WITHOUT_DEDUPLICATION
    state: dict[str, Any] = {}
    first = await account.mirror(state, **options)
    assert (first.status, first.added) == (RunStatus.SUCCESS, 3)
    later = (datetime.now(TZ) + timedelta(minutes=5)).astimezone(UTC)
    lib.add_items(source_id, [c, a, d], added_at=later.strftime("%Y-%m-%dT%H:%M:%SZ"))
    await account.refresh()
    second = await account.mirror(state, **options)
    assert (second.status, second.added) == (RunStatus.SUCCESS, 3)
    assert account.uris(target_id) == [a, b, a, c, a, d]
    lib.reorder_items(source_id, 0, 6)
    await account.refresh()
    third = await account.mirror(state, **options)
    assert (third.status, third.reason) == (RunStatus.NOOP, "nothing_new")
    assert account.uris(target_id) == [a, b, a, c, a, d]


async def test_deduplicate_off_liked_songs_are_copied_once(account: Account) -> None:
    """Liked songs without deduplication and without `only_new`: the cursor still decides what
    is written, so a second run does not append every liked song again."""
    lib = account.emu.library
    await source_and_target(account, [])
    options: dict[str, Any] = {
        "source": "liked_songs",
        "targets": ["Mirror Target"],
        "deduplicate": False,
        "only_new": False,
        "max_tracks": 30,
    }
    state: dict[str, Any] = {}
    first = await account.mirror(state, **options)
    assert first.status is RunStatus.SUCCESS
    (target,) = account.named("Mirror Target")
    held = account.uris(target.id)
    new = playable(lib, 2)
    lib.add_liked(new)
    second = await account.mirror(state, **options)
    assert second.added == 2
    assert account.uris(target.id) == [*held, *reversed(new)]


@pytest.mark.parametrize("kind", ["429", "500"])
async def test_deduplicate_off_repeats_no_chunk_that_landed(account: Account, kind: str) -> None:
    """Without deduplication a run that failed after one chunk landed is completed by the next
    run without appending that chunk again (what landed is saved before the next chunk is sent)."""
    emu, lib = account.emu, account.emu.library
    tracks = playable(lib, 250)
    _, target_id = await source_and_target(account, tracks)
    saves: list[int] = []
    state: dict[str, Any] = {}
    options = WITHOUT_DEDUPLICATION
    emu.inject(
        Fault(method="POST", path=f"/v1/playlists/{target_id}/items", after=1, **FAULTS[kind])
    )
    ctx = account.context(state)

    async def save_state() -> None:
        saves.append(state.get("appended", {}).get(target_id, {}).get("count", 0))

    ctx.save_state = save_state
    failed = await execute_run(
        ctx, run_mirror, MirrorOptions(**options), sync_id="m", sync_type="playlist_mirror"
    )
    assert failed.status in (RunStatus.FAILED, RunStatus.RATE_LIMITED)
    assert account.uris(target_id) == tracks[:100]
    assert 100 in saves  # saved once the chunk landed, before the next one was sent
    rerun = await account.mirror(state, **options)
    assert (rerun.status, rerun.added) == (RunStatus.SUCCESS, 150)
    assert account.uris(target_id) == tracks
    again = await account.mirror(state, **options)
    assert again.added == 0
    assert again.status in (RunStatus.UP_TO_DATE, RunStatus.NOOP)
    assert account.uris(target_id) == tracks


@pytest.mark.parametrize("applied", [True, False])
async def test_deduplicate_off_chunk_of_unknown_outcome_is_not_appended_twice(
    account: Account, applied: bool
) -> None:
    """Without deduplication a chunk answered 5xx may have landed: the next run reads the target
    (that once) and appends the chunk again only if it is not there; later runs read nothing."""
    emu, lib = account.emu, account.emu.library
    tracks = playable(lib, 250)
    _, target_id = await source_and_target(account, tracks)
    state: dict[str, Any] = {}
    options = WITHOUT_DEDUPLICATION
    emu.inject(
        Fault(
            method="POST",
            path=f"/v1/playlists/{target_id}/items",
            after=1,
            status=502,
            applied=applied,
        )
    )
    failed = await account.mirror(state, **options)
    assert (failed.added, failed.unknown_outcome) == (100, 100)
    assert account.uris(target_id) == tracks[: 200 if applied else 100]
    emu.reset_log()
    rerun = await account.mirror(state, **options)
    assert (rerun.status, rerun.added) == (RunStatus.SUCCESS, 50 if applied else 150)
    assert account.uris(target_id) == tracks
    assert item_reads(emu, target_id) == (4 if applied else 2)  # one read, 50 entries a page
    lib.add_items(account.named("Mirror Source")[0].id, playable(lib, 2, start=250))
    await account.refresh()
    emu.reset_log()
    later = await account.mirror(state, **options)
    assert (later.status, later.added) == (RunStatus.SUCCESS, 2)
    assert item_reads(emu, target_id) == 0


async def test_deduplicate_off_chunk_in_flight_at_a_power_loss_is_not_appended_twice(
    account: Account,
) -> None:
    """Home Assistant killed while a chunk is in flight: the next run starts from the state as
    saved before that chunk was sent, finds the chunk in the target and does not append it
    again."""
    emu, lib = account.emu, account.emu.library
    tracks = playable(lib, 250)
    _, target_id = await source_and_target(account, tracks)
    options = WITHOUT_DEDUPLICATION
    state: dict[str, Any] = {}
    on_disk: list[dict[str, Any]] = []
    ctx = account.context(state)

    async def save_state() -> None:
        on_disk.append(copy.deepcopy(state))

    ctx.save_state = save_state
    emu.inject(Fault(method="POST", path=f"/v1/playlists/{target_id}/items", after=1, delay=0.5))
    killed = asyncio.create_task(
        execute_run(
            ctx, run_mirror, MirrorOptions(**options), sync_id="m", sync_type="playlist_mirror"
        )
    )
    await wait_for(lambda: emu.count("POST", f"/v1/playlists/{target_id}/items") == 2)
    killed.cancel()
    with pytest.raises(asyncio.CancelledError):
        await killed
    await wait_for(lambda: len(account.uris(target_id)) == 200)  # the write in flight landed
    rerun = await account.mirror(on_disk[-1], **options)
    assert (rerun.status, rerun.added) == (RunStatus.SUCCESS, 50)
    assert account.uris(target_id) == tracks


async def test_deduplicate_off_finds_a_chunk_sent_after_a_change_the_cache_missed(
    account: Account,
) -> None:
    """The target changed after the cache was refreshed, so the chunk landed further on than
    the run knew: it is found at the target's end all the same."""
    emu, lib = account.emu, account.emu.library
    tracks = playable(lib, 51)
    _, target_id = await source_and_target(account, tracks[:50])
    lib.add_items(target_id, tracks[50:])  # unseen by the cache
    options = WITHOUT_DEDUPLICATION
    state: dict[str, Any] = {}
    emu.inject(
        Fault(method="POST", path=f"/v1/playlists/{target_id}/items", status=503, applied=True)
    )
    failed = await account.mirror(state, **options)
    assert failed.unknown_outcome == 50
    rerun = await account.mirror(state, **options)
    assert rerun.status is RunStatus.NOOP
    assert account.uris(target_id) == [*tracks[50:], *tracks[:50]]


async def test_empty_source_and_nothing_addable(account: Account) -> None:
    lib = account.emu.library
    lib.create_playlist("Empty Source")
    local = next(iter(lib.local_tracks))
    lib.create_playlist("Only Local", items=[local])
    target = lib.create_playlist("Mirror Target")
    await account.refresh()
    empty = await account.mirror(source="Empty Source", targets=["Mirror Target"])
    assert empty.status is RunStatus.NOOP
    assert empty.reason == "source_empty"
    nothing = await account.mirror(source="Only Local", targets=["Mirror Target"])
    assert nothing.status is RunStatus.NOOP
    assert nothing.reason == "nothing_addable"
    assert nothing.skipped == 1
    assert account.uris(target.id) == []
    assert posts(account.emu) == []


@pytest.mark.parametrize(
    ("owner", "key"),
    [("someone_else", "unreadable_other_users"), ("spotify", "unreadable_spotify_owned")],
)
async def test_a_source_the_account_cannot_read_is_refused_before_any_call(
    account: Account, owner: str, key: str
) -> None:
    """Another user's (not collaborative) or Spotify's own playlist: refused from the cache,
    before its items are asked for and before a target is created (issue 15 changed this from a
    failed run after a 403)."""
    lib = account.emu.library
    lib.create_playlist("Their Source", owner=owner, items=playable(lib, 3))
    await account.refresh()
    account.emu.reset_log()
    with pytest.raises(SyncInputError) as info:
        await account.mirror(source="Their Source", targets=["New Mirror Target"])
    assert info.value.key == key
    assert info.value.placeholders["playlist"] == "Their Source"
    assert account.emu.spotify_calls == 0
    assert account.named("New Mirror Target") == []


async def test_a_collaborative_source_the_account_is_not_part_of_fails_on_403(
    account: Account,
) -> None:
    """A collaborative playlist of someone else passes the check (the account may collaborate);
    when it does not, Spotify's 403 ends the run as `source_forbidden`, nothing written."""
    lib = account.emu.library
    source = lib.create_playlist(
        "Their Source",
        owner="someone_else",
        collaborative=True,
        public=False,
        items=playable(lib, 3),
    )
    source.collaborators.clear()
    lib.create_playlist("Mirror Target")
    await account.refresh()
    run = await account.mirror(source="Their Source", targets=["Mirror Target"])
    assert run.status is RunStatus.FAILED
    assert run.reason == "source_forbidden"
    assert posts(account.emu) == []


async def test_skipped_local_unavailable_and_episodes(account: Account) -> None:
    lib = account.emu.library
    good = playable(lib, 3)
    local = next(iter(lib.local_tracks))
    episode = next(iter(lib.episodes))
    unplayable = next(t.uri for t in lib.catalogue if not t.is_playable)
    source = lib.create_playlist("Mirror Source", items=[good[0], local, episode, good[1]])
    source.entries.insert(2, PlaylistEntry(None))  # an unavailable item (served as null)
    source.entries.append(PlaylistEntry(unplayable))
    source.entries.append(PlaylistEntry(good[2]))
    source.bump()
    target = lib.create_playlist("Mirror Target")
    await account.refresh()

    run = await account.mirror(source="Mirror Source", targets=["Mirror Target"])
    assert run.status is RunStatus.SUCCESS
    assert run.added == 3
    assert run.skipped == 4
    assert account.uris(target.id) == good


async def test_writes_go_in_chunks_of_100_oldest_first(account: Account) -> None:
    lib = account.emu.library
    tracks = playable(lib, 250)
    _, target_id = await source_and_target(account, tracks)
    run = await account.mirror(source="Mirror Source", targets=["Mirror Target"])
    assert run.status is RunStatus.SUCCESS
    assert run.added == 250
    assert [len(chunk) for chunk in posts(account.emu, target_id)] == [100, 100, 50]
    assert account.uris(target_id) == tracks
    # The cache learned the target's new snapshot and size from the writes (no refresh).
    cached = account.cached(target_id)
    assert cached is not None
    assert cached.snapshot_id == lib.playlist(target_id).snapshot_id
    assert cached.tracks_total == 250


async def test_several_targets(account: Account) -> None:
    lib = account.emu.library
    tracks = playable(lib, 5)
    lib.create_playlist("Mirror Source", items=tracks)
    one = lib.create_playlist("Copy One", items=tracks[:2])
    two = lib.create_playlist("Copy Two")
    await account.refresh()
    state: dict[str, Any] = {}
    targets = ["Copy One", one.uri, f"https://open.spotify.com/playlist/{two.id}?si=x"]
    run = await account.mirror(state, source="Mirror Source", targets=targets)
    assert run.status is RunStatus.SUCCESS
    assert run.added == 3 + 5
    assert [t["playlist"] for t in run.targets] == [one.id, two.id]  # the same one only once
    assert account.uris(one.id) == tracks
    assert account.uris(two.id) == tracks
    account.emu.reset_log()
    assert (await account.mirror(state, source="Mirror Source", targets=targets)).status is (
        RunStatus.UP_TO_DATE
    )
    assert account.emu.spotify_calls == 0


# -- creating targets ------------------------------------------------------------------------------


async def test_create_missing_with_a_date_pattern(emulator: Emulator) -> None:
    lib = emulator.library
    clock = {"now": OCTOBER}
    account = Account(emulator, now=lambda: clock["now"])
    await account.refresh()
    assert account.named("Oct24") == []
    state: dict[str, Any] = {}
    first_likes = playable(lib, 3)
    lib.liked = []
    lib.add_liked(first_likes)

    emulator.reset_log()
    run = await account.mirror(state, source="liked_songs", targets=["%b%y"])
    assert run.status is RunStatus.SUCCESS
    (october,) = account.named("Oct24")
    assert october.public is False
    assert october.owner_id == lib.user_id
    assert emulator.count("POST", "/v1/me/playlists") == 1
    assert (
        next(r.body for r in emulator.requests if r.path == "/v1/me/playlists")["public"] is False
    )
    assert run.targets[0]["created"] is True
    assert run.targets[0]["name"] == "Oct24"
    assert account.uris(october.id) == list(reversed(first_likes))
    # written into the cache: resolvable without a call, with the snapshot of the last write
    cached = account.cache.named("Oct24")
    assert [r.id for r in cached] == [october.id]
    assert cached[0].snapshot_id == october.snapshot_id
    assert item_reads(emulator, october.id) == 0  # a new playlist is known to be empty

    # The daemon's tokens name the same playlist: found, not created again.
    more = playable(lib, 2, start=3)
    lib.add_liked(more)
    emulator.reset_log()
    tokens = await account.mirror(
        state, source="liked_songs", targets=["${month_abbr}${year_short}"], public=True
    )
    assert tokens.status is RunStatus.SUCCESS
    assert emulator.count("POST", "/v1/me/playlists") == 0
    assert account.uris(october.id) == [*reversed(first_likes), *reversed(more)]

    # A new month: a new archive holding only what was liked since the last run.
    clock["now"] = datetime(2024, 11, 2, 9, 0, tzinfo=TZ)
    emulator.reset_log()
    assert (await account.mirror(state, source="liked_songs", targets=["%b%y"])).status is (
        RunStatus.SUCCESS  # the cursor belongs to the other spelling: everything is read again
    )
    (november,) = account.named("Nov24")
    assert account.uris(november.id) == [*reversed(first_likes), *reversed(more)]
    november_likes = playable(lib, 2, start=5)
    lib.add_liked(november_likes)
    emulator.reset_log()
    run = await account.mirror(state, source="liked_songs", targets=["%b%y"])
    assert run.added == 2
    assert emulator.count("POST", "/v1/me/playlists") == 0
    assert account.uris(november.id)[-2:] == list(reversed(november_likes))


async def test_monthly_archive_starts_empty_months_only_when_something_was_liked(
    emulator: Emulator,
) -> None:
    lib = emulator.library
    clock = {"now": OCTOBER}
    account = Account(emulator, now=lambda: clock["now"])
    await account.refresh()
    state: dict[str, Any] = {}
    assert (await account.mirror(state, source="liked_songs", targets=["%b%y"])).added > 0
    clock["now"] = datetime(2024, 11, 1, 0, 5, tzinfo=TZ)
    emulator.reset_log()
    run = await account.mirror(state, source="liked_songs", targets=["%b%y"])
    assert run.status is RunStatus.UP_TO_DATE
    assert emulator.spotify_calls == 1  # the one /me/tracks page; no lookup of "Nov24"
    assert account.named("Nov24") == []
    new = playable(lib, 1)
    lib.add_liked(new)
    run = await account.mirror(state, source="liked_songs", targets=["%b%y"])
    (november,) = account.named("Nov24")
    assert account.uris(november.id) == new


# -- faults ------------------------------------------------------------------------------------------


FAULTS: dict[str, dict[str, Any]] = {
    "500": {"status": 500},
    "429": {"status": 429, "retry_after": 7},
    "quota": {"status": 429, "retry_after": 7, "body": {"error": "QUOTA_EXCEEDED"}},
    "drop": {"drop": True},
}


@pytest.mark.parametrize("kind", list(FAULTS))
@pytest.mark.parametrize("written", [0, 1, 2])
async def test_fault_after_k_chunks_then_rerun(account: Account, kind: str, written: int) -> None:
    """A run that fails after `written` of 3 chunks, then a successful re-run: the target holds
    exactly the 250 tracks, in order, none twice and none missing."""
    emu, lib = account.emu, account.emu.library
    tracks = playable(lib, 250)
    _, target_id = await source_and_target(account, tracks)
    state: dict[str, Any] = {}
    emu.inject(
        Fault(method="POST", path=f"/v1/playlists/{target_id}/items", after=written, **FAULTS[kind])
    )

    failed = await account.mirror(state, source="Mirror Source", targets=["Mirror Target"])
    assert failed.added == 100 * written
    assert account.uris(target_id) == tracks[: 100 * written]
    if kind in ("429", "quota"):
        assert failed.status is RunStatus.RATE_LIMITED
        assert failed.retry_after == 7
        assert failed.reason == ("quota_exceeded" if kind == "quota" else "rate_limited")
    else:
        assert failed.status is RunStatus.FAILED
        assert failed.reason == "spotify_unavailable"
    assert failed.targets[0]["status"] in ("failed", "rate_limited")
    # The chunk refused by a 429 was not written; one answered 5xx or dropped may have been.
    chunk = min(100, 250 - 100 * written)
    assert failed.unknown_outcome == (0 if kind in ("429", "quota") else chunk)
    if failed.unknown_outcome:
        assert f"{chunk} tracks may or may not have been written" in str(failed.error)

    emu.reset_log()
    rerun = await account.mirror(state, source="Mirror Source", targets=["Mirror Target"])
    assert rerun.status is RunStatus.SUCCESS
    assert rerun.added == 250 - 100 * written
    assert account.uris(target_id) == tracks
    # A refused 429 leaves the known contents trustworthy; an unknown outcome makes it re-read.
    refused = kind in ("429", "quota")
    assert item_reads(emu, target_id) == (0 if refused else max(1, 2 * written))

    emu.reset_log()
    assert (
        await account.mirror(state, source="Mirror Source", targets=["Mirror Target"])
    ).status is RunStatus.UP_TO_DATE
    assert emu.spotify_calls == 0


@pytest.mark.emulator(liked=250, catalogue=800)
@pytest.mark.parametrize("written", [0, 1, 2])
async def test_liked_songs_fault_then_rerun(emulator: Emulator, written: int) -> None:
    account = Account(emulator)
    lib = emulator.library
    archive = lib.create_playlist("Liked Archive")
    await account.refresh()
    expected = [u for u in reversed(lib.liked_uris()) if is_playable(lib, u)]
    assert 200 < len(expected) <= 250
    state: dict[str, Any] = {}
    emulator.inject(
        Fault(method="POST", path=f"/v1/playlists/{archive.id}/items", after=written, status=502)
    )
    failed = await account.mirror(state, source="liked_songs", targets=["Liked Archive"])
    assert failed.status is RunStatus.FAILED
    assert account.uris(archive.id) == expected[: 100 * written]
    emulator.reset_log()
    rerun = await account.mirror(state, source="liked_songs", targets=["Liked Archive"])
    assert rerun.status is RunStatus.SUCCESS
    assert emulator.count("GET", "/v1/me/tracks") == 5  # the cursor did not move: all read again
    assert account.uris(archive.id) == expected


async def test_write_applied_but_answer_lost(emulator: Emulator) -> None:
    """The second chunk is applied while the client has already given up (timeout): the outcome
    is unknown, so the re-run reads the target instead of trusting what it knew."""
    account = Account(emulator, timeout=1)
    lib = emulator.library
    tracks = playable(lib, 250)
    _, target_id = await source_and_target(account, tracks)
    state: dict[str, Any] = {}
    emulator.inject(
        Fault(method="POST", path=f"/v1/playlists/{target_id}/items", after=1, delay=1.5)
    )
    failed = await account.mirror(state, source="Mirror Source", targets=["Mirror Target"])
    assert failed.status is RunStatus.FAILED
    assert failed.reason == "spotify_unavailable"
    assert target_id not in state["targets"]
    await wait_for(lambda: len(account.uris(target_id)) == 200)  # the lost write landed
    rerun = await account.mirror(state, source="Mirror Source", targets=["Mirror Target"])
    assert rerun.status is RunStatus.SUCCESS
    assert rerun.added == 50
    assert account.uris(target_id) == tracks


async def test_interrupted_run_is_recorded_and_recovered(account: Account) -> None:
    emu, lib = account.emu, account.emu.library
    tracks = playable(lib, 250)
    _, target_id = await source_and_target(account, tracks)
    state: dict[str, Any] = {}
    finished: list[RunRecord] = []
    emu.inject(Fault(method="POST", path=f"/v1/playlists/{target_id}/items", after=1, delay=0.5))
    task = asyncio.create_task(
        account.mirror(
            state,
            source="Mirror Source",
            targets=["Mirror Target"],
            on_finished=finished.append,
        )
    )
    await wait_for(lambda: emu.count("POST", f"/v1/playlists/{target_id}/items") == 2)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    (record,) = finished
    assert record.status is RunStatus.FAILED
    assert record.reason == "interrupted"
    assert record.added == 100
    assert record.targets[0]["status"] == "failed"
    assert record.targets[0]["reason"] == "interrupted"
    assert record.finished_at is not None
    assert account.history.runs("mirror_test") == [record]
    assert target_id not in state["targets"]  # the interrupted write's outcome is unknown

    await wait_for(lambda: len(account.uris(target_id)) == 200)
    rerun = await account.mirror(state, source="Mirror Source", targets=["Mirror Target"])
    assert rerun.status is RunStatus.SUCCESS
    assert account.uris(target_id) == tracks


# -- concurrency --------------------------------------------------------------------------------------


async def test_concurrent_runs_into_one_target(account: Account) -> None:
    emu, lib = account.emu, account.emu.library
    emu.latency = 0.02  # keep both runs in flight at the same time
    tracks = playable(lib, 250)
    lib.create_playlist("Source One", items=tracks[:150])
    lib.create_playlist("Source Two", items=tracks[100:])
    target = lib.create_playlist("Shared Target")
    await account.refresh()
    one, two = await asyncio.gather(
        account.mirror({}, sync_id="one", source="Source One", targets=["Shared Target"]),
        account.mirror({}, sync_id="two", source="Source Two", targets=["Shared Target"]),
    )
    assert {one.status, two.status} == {RunStatus.SUCCESS}
    assert one.added + two.added == 250
    contents = account.uris(target.id)
    assert sorted(contents) == sorted(tracks)
    assert len(contents) == len(set(contents)) == 250


async def test_concurrent_runs_of_one_sync(account: Account) -> None:
    emu, lib = account.emu, account.emu.library
    emu.latency = 0.02
    tracks = playable(lib, 120)
    _, target_id = await source_and_target(account, tracks)
    state: dict[str, Any] = {}
    runs = await asyncio.gather(
        account.mirror(state, source="Mirror Source", targets=["Mirror Target"]),
        account.mirror(state, source="Mirror Source", targets=["Mirror Target"]),
        account.mirror({}, source="Mirror Source", targets=["Mirror Target"]),
    )
    assert sorted(r.added for r in runs) == [0, 0, 120]
    assert account.uris(target_id) == tracks


async def test_two_runs_of_one_sync_deduplicate_off_append_once(account: Account) -> None:
    """The same sync run twice at once (its button pressed twice, or an automation and the
    button): the second waits for the first and starts from the state it kept."""
    emu = account.emu
    emu.latency = 0.02  # keep both runs in flight at the same time
    tracks = playable(emu.library, 120)
    _, target_id = await source_and_target(account, tracks)
    syncs = AccountSyncs(account.client, account.directory, bind=Runner, now=account.now)
    options = WITHOUT_DEDUPLICATION
    runs = await asyncio.gather(
        syncs.run("playlist_mirror", options, "m"), syncs.run("playlist_mirror", options, "m")
    )
    assert sorted(run.added for run in runs) == [0, 120]
    assert account.uris(target_id) == tracks


async def test_concurrent_runs_create_one_playlist(october: Account) -> None:
    emu, lib = october.emu, october.emu.library
    emu.latency = 0.02
    tracks = playable(lib, 6)
    lib.create_playlist("Source One", items=tracks[:4])
    lib.create_playlist("Source Two", items=tracks[2:])
    await october.refresh()
    await asyncio.gather(
        october.mirror({}, sync_id="one", source="Source One", targets=["%B %Y"]),
        october.mirror({}, sync_id="two", source="Source Two", targets=["%B %Y"]),
    )
    (playlist,) = october.named("October 2024")
    assert emu.count("POST", "/v1/me/playlists") == 1
    assert sorted(october.uris(playlist.id)) == sorted(tracks)


@pytest.mark.parametrize(
    "cache_filter",
    [CacheFilter(include_private=False), CacheFilter(owners=("someone_else",))],
    ids=["public_only", "others_only"],
)
async def test_a_created_target_is_found_again_when_the_filter_hides_it(
    account: Account, cache_filter: CacheFilter
) -> None:
    """The options' filter hides the created (private) target, and with `owners` the source too:
    the next runs still find both in the cache, create nothing and list nothing."""
    account.directory.cache_filter = cache_filter
    tracks = playable(account.emu.library, 6)
    account.emu.library.create_playlist("Mirror Source", items=tracks[:3], public=True)
    await account.refresh()
    state: dict[str, Any] = {}
    first = await account.mirror(state, source="Mirror Source", targets=["Backup"])
    (backup,) = account.named("Backup")
    assert first.status is RunStatus.SUCCESS
    account.emu.library.add_items(account.named("Mirror Source")[0].id, tracks[3:])
    await account.refresh()  # the scheduled refresh
    assert backup.id not in account.cache.records  # hidden, as the options ask
    account.emu.reset_log()
    second = await account.mirror(state, source="Mirror Source", targets=["Backup"])
    assert [p.id for p in account.named("Backup")] == [backup.id], (second.status, second.targets)
    assert account.uris(backup.id) == tracks
    assert account.emu.count("GET", "/v1/me/playlists") == 0
    assert account.emu.count("POST", "/v1/me/playlists") == 0


# -- targets the account cannot modify -------------------------------------------------------------


async def test_forbidden_target_fails_alone(account: Account) -> None:
    emu, lib = account.emu, account.emu.library
    tracks = playable(lib, 3)
    lib.create_playlist("Mirror Source", items=tracks)
    mine = lib.create_playlist("Mine")
    theirs = lib.create_playlist("Their Mix", owner="someone_else")
    shared = lib.create_playlist(
        "Not Really Shared", owner="someone_else", collaborative=True, public=False
    )
    shared.collaborators.clear()  # collaborative, but the account is not one of its collaborators
    await account.refresh()
    emu.reset_log()
    state: dict[str, Any] = {}
    targets = ["Their Mix", "Mine", "Not Really Shared"]
    run = await account.mirror(state, source="Mirror Source", targets=targets)
    assert run.status is RunStatus.PARTIAL
    assert run.reason == "target_forbidden"
    assert run.added == 3
    assert account.uris(mine.id) == tracks
    assert account.uris(theirs.id) == []
    assert account.uris(shared.id) == []
    assert [(t["name"], t["status"], t["reason"]) for t in run.targets] == [
        ("Their Mix", "failed", "target_forbidden"),
        ("Mine", "success", None),
        ("Not Really Shared", "failed", "target_forbidden"),
    ]
    assert posts(emu, theirs.id) == []  # known from the cache: not even tried
    # the source snapshot did not advance: the next run is not "up to date"
    emu.reset_log()
    again = await account.mirror(state, source="Mirror Source", targets=targets)
    assert again.status is RunStatus.FAILED
    assert again.reason == "target_forbidden"


async def test_target_refusing_writes(account: Account) -> None:
    emu, lib = account.emu, account.emu.library
    tracks = playable(lib, 3)
    lib.create_playlist("Mirror Source", items=tracks)
    first = lib.create_playlist("First")
    second = lib.create_playlist("Second")
    await account.refresh()
    emu.inject(Fault(method="POST", path=f"/v1/playlists/{first.id}/items", status=403))
    run = await account.mirror(source="Mirror Source", targets=["First", "Second"])
    assert run.status is RunStatus.PARTIAL
    assert [t["status"] for t in run.targets] == ["failed", "success"]
    assert account.uris(first.id) == []
    assert account.uris(second.id) == tracks

    emu.inject(Fault(method="POST", path=f"/v1/playlists/{first.id}/items", status=404))
    only = await account.mirror({}, source="Mirror Source", targets=["First"])
    assert only.status is RunStatus.FAILED
    assert only.reason == "target_not_found"


# -- bad input ----------------------------------------------------------------------------------------


INPUT_ERRORS: list[tuple[str, dict[str, Any]]] = [
    ("unknown_source", {"source": "No Such Playlist", "targets": ["Mirror Target"]}),
    ("unknown_source", {"source": "spotify:playlist:0000000000000000000000", "targets": ["X"]}),
    ("unknown_source", {"source": "  ", "targets": ["Mirror Target"]}),
    (
        "target_is_source",
        {"source": "Mirror Source", "targets": ["Mirror Target", "Mirror Source"]},
    ),
    ("target_is_source", {"source": "Mirror Source", "targets": ["<source uri>"]}),
    ("no_targets", {"source": "Mirror Source", "targets": []}),
    ("no_targets", {"source": "liked_songs", "targets": ["", "  "]}),
    ("invalid_pattern", {"source": "Mirror Source", "targets": ["Mirror Target", "%Q%y"]}),
    ("invalid_pattern", {"source": "liked_songs", "targets": ["${month}"]}),
    ("unknown_target", {"source": "Mirror Source", "targets": ["Nope"], "create_missing": False}),
    (
        "unknown_target",
        {"source": "Mirror Source", "targets": ["Mirror Target", "%b%y"], "create_missing": False},
    ),
    (
        "unknown_target",
        {"source": "Mirror Source", "targets": ["spotify:playlist:0000000000000000000000"]},
    ),
    ("unknown_target", {"source": "liked_songs", "targets": ["Nope"], "create_missing": False}),
    ("invalid_option", {"source": "Mirror Source", "targets": ["Mirror Target"], "max_tracks": 0}),
]


@pytest.mark.parametrize(("key", "options"), INPUT_ERRORS)
async def test_input_errors_write_nothing(
    account: Account, key: str, options: dict[str, Any]
) -> None:
    emu, lib = account.emu, account.emu.library
    source_id, target_id = await source_and_target(account, playable(lib, 3))
    options = {
        **options,
        "targets": [
            f"spotify:playlist:{source_id}" if t == "<source uri>" else t
            for t in options["targets"]
        ],
    }
    changes = len(lib.changes)
    with pytest.raises(SyncInputError) as info:
        await account.mirror(**options)
    assert info.value.key == key
    assert str(info.value)
    assert all(r.method == "GET" for r in emu.requests)
    assert len(lib.changes) == changes
    assert account.uris(target_id) == []
    (record,) = account.history.runs("mirror_test")
    assert record.status is RunStatus.FAILED
    assert record.reason == key


def test_mirror_state_marks_and_appended() -> None:
    """The dedupe-off bookkeeping of `MirrorState`, case by case."""

    source = PlaylistRecord("s", "spotify:playlist:s", "S", "me", False, True, "snap", 3)
    old = PlaylistItem("spotify:track:a", "track", "2026-01-01T00:00:00Z")
    same_second = PlaylistItem("spotify:track:b", "track", "2026-01-01T00:00:00Z")
    undated = PlaylistItem("spotify:track:c", "track", None)
    new = PlaylistItem("spotify:track:d", "track", "2026-02-01T00:00:00Z")
    state = MirrorState({}, "f")
    assert state.new_in_source([old, undated]) == [old, undated]  # no run yet: everything
    state.advance_source(source, [old, undated])
    state = MirrorState(state.data, "f")
    assert state.new_in_source([old, same_second, undated, new]) == [same_second, new]
    state.advance_source(source, [undated])  # only undated entries: a mark without a date
    state = MirrorState(state.data, "f")
    assert state.new_in_source([undated, new]) == [new]
    state.advance_source(source)  # an empty source keeps the mark
    assert MirrorState(state.data, "f").new_in_source([undated]) == []
    assert MirrorState(state.data, "other").new_in_source([old]) == [old]

    uris = ["spotify:track:1", "spotify:track:2", "spotify:track:3"]
    state.note_appended("t", uris, 2)
    assert state.appended("t", uris) == 2
    assert state.appended("t", ["spotify:track:9", *uris]) == 0  # another batch
    assert state.appended("t", uris[:1]) == 0  # fewer than were appended
    assert state.appended("other", uris) == 0
    state.data["appended"]["t"] = {"count": "2", "key": "x"}
    assert state.appended("t", uris) == 0

    assert state.sent("t", uris) is None  # nothing was sent without its outcome
    state.note_sending("t", uris, SentChunk(1, 2, 40))
    assert state.appended("t", uris) == 1
    assert state.sent("t", uris) == SentChunk(1, 2, 40)
    assert state.sent("t", [*uris, "spotify:track:4"]) == SentChunk(1, 2, 40)  # the batch grew
    assert state.sent("t", ["spotify:track:9", *uris[1:]]) is None  # another batch
    assert state.sent("t", uris[:2]) is None  # too short for the chunk
    state.note_appended("t", uris, 3)  # it went through
    assert state.sent("t", uris) is None

    chunk = SentChunk(1, 2, 3)  # uris[1:3], sent when the playlist held 3 entries
    x, y = "spotify:track:x", "spotify:track:y"
    assert chunk.landed(uris, [x, y, x, *uris[1:]])  # where it was sent
    assert chunk.landed(uris, [x, y, x, *uris[1:], x])  # something was added after it
    assert chunk.landed(uris, [x, y, x, y, *uris[1:]])  # the playlist had grown before it
    assert not chunk.landed(uris, [x, y, x])  # not there
    assert not chunk.landed(uris, [x, *uris[1:]])  # as long as before: an earlier copy
    assert not chunk.landed(uris, [x, y, x, None, None])
