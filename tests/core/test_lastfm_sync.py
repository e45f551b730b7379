"""The Last.fm top-tracks sync through the engine, the REAL SpotifyClient (spotipy over HTTP) and
the real Last.fm client (aiohttp), both against the emulator. Nothing is mocked."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
import copy
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import aiohttp
import pytest

from custom_components.spotifreak.core.cache import PlaylistCache
from custom_components.spotifreak.core.context import LastfmContext
from custom_components.spotifreak.core.engine import SyncInputError, execute_run
from custom_components.spotifreak.core.errors import SpotifyUnavailableError
from custom_components.spotifreak.core.lastfm import LastfmClient
from custom_components.spotifreak.core.lastfm_options import SYNC_TYPE, LastfmOptions
from custom_components.spotifreak.core.lastfm_sync import STATE_TARGET, run_lastfm_top_tracks
from custom_components.spotifreak.core.match_cache import MatchCache
from custom_components.spotifreak.core.runs import RunRecord, RunStatus
from custom_components.spotifreak.core.target_contents import ContentsOfOnePlaylist
from custom_components.spotifreak.core.target_writer import TargetWriter
from custom_components.spotifreak.core.targets import Target
from tests.core.sync_helpers import ITEMS, TZ, Account
from tests.emulator import LASTFM_API_KEY, LASTFM_SUSPENDED_API_KEY, Emulator, Fault, Library
from tests.emulator.library import Track

USER = "weekly_listener"
ITEMS_FAULT = "/v1/playlists/*"  # faults match raw paths (a prefix ending in *)
SEARCH = "/v1/search"
LASTFM = "/2.0/"
NOW = datetime(2026, 3, 14, 18, 30, tzinfo=TZ)


@dataclass
class World:
    """The tracks of the test library, by role."""

    queen: Track
    sigur_ros: Track
    daft_punk: Track
    johnny_cash_hurt: Track  # the only "Hurt" on Spotify: NOT Nine Inch Nails' song
    royksopp: Track
    other: Track  # in the account's playlists, never on Last.fm
    numbered: list[Track] = field(default_factory=list)

    @property
    def matched(self) -> list[str]:
        """The 7day list's matches in Last.fm rank order."""
        return [self.queen.uri, self.sigur_ros.uri, self.daft_punk.uri, self.royksopp.uri]


WEEK = [
    ("Bohemian Rhapsody - 2011 Remaster", "Queen"),
    ("Hoppipolla", "Sigur Ros"),
    ("Get Lucky (feat. Pharrell Williams)", "Daft Punk"),
    ("Hurt", "Nine Inch Nails"),
    ("Eple", "Röyksopp"),
    ("Unreleased Demo", "Nobody Knows"),
    ("Bohemian Rhapsody - Remastered 2011", "Queen"),  # a second entry for the same track
]
UNMATCHED = [
    {"artist": "Nine Inch Nails", "title": "Hurt"},
    {"artist": "Nobody Knows", "title": "Unreleased Demo"},
]


def build_world(lib: Library) -> World:
    world = World(
        queen=lib.add_catalogue_track("Bohemian Rhapsody - Remastered 2011", "Queen", "A Night"),
        sigur_ros=lib.add_catalogue_track("Hoppípolla", "Sigur Rós", "Takk..."),
        daft_punk=lib.add_catalogue_track(
            "Get Lucky", ["Daft Punk", "Pharrell Williams", "Nile Rodgers"], "RAM"
        ),
        johnny_cash_hurt=lib.add_catalogue_track("Hurt", "Johnny Cash", "American IV"),
        royksopp=lib.add_catalogue_track("Eple", "Röyksopp", "Melody A.M."),
        other=lib.add_catalogue_track("Something Else", "Somebody"),
    )
    lib.add_catalogue_track("Bohemian Rhapsody (Live)", "Queen", "Live Killers")
    world.numbered = [
        lib.add_catalogue_track(f"Number {n}", "The Counters", "Counting") for n in range(1, 131)
    ]
    lib.add_lastfm_user(
        USER,
        {
            "7day": WEEK,
            "1month": [(t.name, "The Counters") for t in world.numbered[:100]],
            "overall": [("Unreleased Demo", "Nobody Knows"), ("Hurt", "Nine Inch Nails")],
            "3month": [],
        },
    )
    return world


@pytest.fixture
def emulator_library() -> Library:
    lib = Library.empty()
    build_world(lib)
    return lib


@pytest.fixture
def world(emulator: Emulator) -> World:
    lib = emulator.library
    by_name = {track.name: track for track in lib.tracks.values()}
    return World(
        queen=by_name["Bohemian Rhapsody - Remastered 2011"],
        sigur_ros=by_name["Hoppípolla"],
        daft_punk=by_name["Get Lucky"],
        johnny_cash_hurt=by_name["Hurt"],
        royksopp=by_name["Eple"],
        other=by_name["Something Else"],
        numbered=[by_name[f"Number {n}"] for n in range(1, 131)],
    )


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


async def _no_sleep(_seconds: float) -> None:
    return None


@dataclass
class Sync:
    """One configured Last.fm sync of one account: its state and the shared match cache."""

    emu: Emulator
    account: Account
    client: LastfmClient
    clock: Clock
    cache: MatchCache
    state: dict[str, Any] = field(default_factory=dict)
    extras: dict[str, Any] = field(default_factory=dict)

    async def run(self, playlist: str = "Weekly Top", **options: Any) -> RunRecord:
        ctx = self.account.context(self.state)
        ctx.lastfm = LastfmContext(
            **{"client": self.client, "match_cache": self.cache, "username": USER, **self.extras}
        )
        return await execute_run(
            ctx,
            run_lastfm_top_tracks,
            LastfmOptions(playlist=playlist, **options),
            sync_id="lastfm_weekly",
            sync_type=SYNC_TYPE,
            history=self.account.history,
        )

    def playlist(self, name: str = "Weekly Top") -> Any:
        found = self.emu.library.playlists_named(name)
        assert len(found) == 1, f"{len(found)} playlists named {name!r}"
        return found[0]

    def uris(self, name: str = "Weekly Top") -> list[str]:
        return self.emu.library.playlist_uris(self.playlist(name).id)

    def writes(self) -> int:
        return sum(
            self.emu.count(method, path)
            for method, path in (("PUT", ITEMS), ("POST", ITEMS), ("DELETE", ITEMS))
        ) + self.emu.count("POST", "/v1/me/playlists")


@pytest.fixture
async def session(emulator: Emulator) -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as client_session:
        yield client_session


@pytest.fixture
def sync(emulator: Emulator, session: aiohttp.ClientSession) -> Sync:
    clock = Clock()
    return Sync(
        emu=emulator,
        account=Account(emulator, now=clock),
        client=LastfmClient(session, LASTFM_API_KEY, base_url=emulator.lastfm_url, sleep=_no_sleep),
        clock=clock,
        cache=MatchCache(clock=clock),
    )


# -- replace --------------------------------------------------------------------------------------------


async def test_happy_path_creates_and_fills_in_rank_order(sync: Sync, world: World) -> None:
    record = await sync.run()
    assert record.status is RunStatus.SUCCESS
    assert record.reason is None
    assert sync.uris() == world.matched
    assert world.johnny_cash_hurt.uri not in sync.uris()  # never a wrong song
    assert record.unmatched == UNMATCHED
    assert record.added == 4
    assert record.skipped == 1  # the second entry for the same Queen track
    created = sync.playlist()
    assert created.public is False
    assert created.owner_id == sync.emu.library.user_id
    assert record.targets == [
        {
            "playlist": created.id,
            "name": "Weekly Top",
            "status": "success",
            "added": 4,
            "removed": 0,
            "created": True,
            "reason": None,
            "error": None,
            "added_uris": world.matched,
            "removed_uris": [],
            "snapshot_version": None,  # a new playlist: nothing to keep
        }
    ]
    assert sync.emu.count("POST", "/v1/me/playlists") == 1
    assert sync.emu.count("PUT", ITEMS) == 1
    assert sync.emu.count("POST", ITEMS) == 0
    assert sync.emu.count("GET", ITEMS) == 0  # a new playlist is known to be empty
    assert sync.emu.count("GET", SEARCH) <= 2 * 6
    # the run counts its own calls; the cache refresh after the name miss is the account's
    assert record.api_calls == sync.emu.spotify_calls - sync.emu.count("GET", "/v1/me/playlists")
    assert sync.state[STATE_TARGET]["uris"] == world.matched
    assert sync.account.cached(created.id) is not None
    assert sync.account.cached(created.id).snapshot_id == created.snapshot_id  # type: ignore[union-attr]


async def test_unchanged_second_run_makes_no_call(sync: Sync, world: World) -> None:
    await sync.run()
    sync.emu.reset_log()
    record = await sync.run()
    assert record.status is RunStatus.UNCHANGED
    assert record.reason == "unchanged"
    assert record.unmatched == UNMATCHED  # still reported, from the cache's misses
    assert record.api_calls == 0
    assert sync.emu.spotify_calls == 0
    assert sync.emu.count("GET", LASTFM) == 1
    assert sync.uris() == world.matched
    assert record.targets[0]["status"] == "noop"


async def test_unchanged_without_state_reads_but_writes_nothing(sync: Sync, world: World) -> None:
    await sync.run()
    sync.state.clear()
    sync.emu.reset_log()
    record = await sync.run()
    assert record.status is RunStatus.UNCHANGED
    assert sync.writes() == 0
    assert sync.emu.count("GET", ITEMS) == 1
    assert sync.emu.count("GET", SEARCH) == 0
    assert record.api_calls == 1


async def test_replace_rewrites_a_changed_playlist_exactly(sync: Sync, world: World) -> None:
    existing = sync.emu.library.create_playlist(
        "Weekly Top", items=[world.other.uri, world.royksopp.uri, world.other.uri]
    )
    record = await sync.run(allow_replace=True)
    assert record.status is RunStatus.SUCCESS
    assert sync.uris() == world.matched
    assert record.added == 3
    assert record.removed == 2
    assert record.targets[0]["created"] is False
    assert sync.emu.count("GET", ITEMS) == 1
    assert sync.emu.count("PUT", ITEMS) == 1
    # someone edits the playlist; once the cache has seen the new snapshot, the next run repairs it
    sync.emu.library.add_items(existing.id, [world.other.uri])
    await sync.account.refresh()
    sync.emu.reset_log()
    record = await sync.run(allow_replace=True)
    assert record.status is RunStatus.SUCCESS
    assert sync.uris() == world.matched
    assert record.removed == 1
    assert sync.emu.count("GET", ITEMS) == 1
    assert sync.emu.count("PUT", ITEMS) == 1


async def test_replace_follows_a_new_rank_order(sync: Sync, world: World) -> None:
    await sync.run()
    user = sync.emu.library.lastfm[USER]
    user.top_tracks["7day"] = list(reversed(user.top_tracks["7day"]))
    sync.emu.reset_log()
    record = await sync.run()
    assert record.status is RunStatus.SUCCESS
    assert (record.added, record.removed) == (0, 0)
    # reversed, the second (duplicate) Queen entry now ranks first
    assert sync.uris() == [
        world.queen.uri,
        world.royksopp.uri,
        world.daft_punk.uri,
        world.sigur_ros.uri,
    ]
    assert sync.emu.count("PUT", ITEMS) == 1
    # the contents were remembered, but a replace decides on what the playlist holds now (the
    # user may have changed it since the cache saw it); the version kept before reuses that read
    assert sync.emu.count("GET", ITEMS) == 1
    assert record.targets[0]["snapshot_version"] is not None
    assert sync.account.playlist_history.snapshot_calls == {"lastfm_weekly": 0}


async def test_replace_sees_a_local_file_added_since_the_cache_refresh(
    sync: Sync, world: World
) -> None:
    """The remembered contents are as old as the cache: a replace decides on what is there now.

    A local file dropped into the playlist after the last refresh cannot be put back by any
    write: the replace is refused (`replace_loses_local_files`) and nothing is written.
    """
    await sync.run()
    playlist = sync.playlist()
    local = sync.emu.library.add_local_track("Home Band", "Tape", "Kitchen Song")
    sync.emu.library.add_items(playlist.id, [local.uri])  # by hand; the cache has not seen it
    user = sync.emu.library.lastfm[USER]
    user.top_tracks["7day"] = list(reversed(user.top_tracks["7day"]))
    sync.emu.reset_log()
    with pytest.raises(SyncInputError) as caught:
        await sync.run()
    assert caught.value.key == "replace_loses_local_files"
    assert sync.writes() == 0
    assert local.uri in sync.uris()


async def test_replace_after_a_failed_first_write_keeps_a_version(sync: Sync, world: World) -> None:
    """Created, then the PUT is rate limited: remembered empty. Filled by hand before the cache
    sees it, the playlist is read and versioned before the next run replaces it."""
    sync.emu.inject(Fault(method="PUT", path=ITEMS_FAULT, status=429, retry_after=1))
    assert (await sync.run()).status is RunStatus.RATE_LIMITED
    playlist = sync.playlist()
    assert sync.uris() == []
    by_hand = [world.other.uri, world.johnny_cash_hurt.uri]
    sync.emu.library.add_items(playlist.id, by_hand)
    record = await sync.run()  # Spotifreak created it: replacing it needs no leave
    assert record.status is RunStatus.SUCCESS
    assert record.removed == 2
    [version] = sync.account.playlist_history.history.versions(playlist.id)
    assert [item.uri for item in version.items] == by_hand


async def test_replace_100_tracks_over_a_longer_playlist(sync: Sync, world: World) -> None:
    """limit=100 (the maximum): one PUT replaces a 130-track playlist."""
    sync.emu.library.create_playlist("Monthly", items=[t.uri for t in reversed(world.numbered)])
    record = await sync.run("Monthly", period="1month", limit=100, allow_replace=True)
    assert record.status is RunStatus.SUCCESS
    assert sync.uris("Monthly") == [t.uri for t in world.numbered[:100]]
    assert record.removed == 30
    assert sync.emu.count("PUT", ITEMS) == 1
    assert sync.emu.count("POST", ITEMS) == 0
    sync.emu.reset_log()
    again = await sync.run("Monthly", period="1month", limit=100, allow_replace=True)
    assert again.status is RunStatus.UNCHANGED
    assert sync.emu.spotify_calls == 0


async def test_writer_puts_the_first_100_and_posts_the_rest(sync: Sync, world: World) -> None:
    """More than 100 URIs (not reachable through `limit`, but the writer must hold): PUT + POST."""
    playlist = sync.emu.library.create_playlist("Big", items=[world.other.uri])
    resolution = await sync.account.resolve("Big")
    assert resolution is not None
    wanted = [t.uri for t in world.numbered]  # 130
    ctx = sync.account.context(sync.state)
    contents = ContentsOfOnePlaylist(ctx.state, STATE_TARGET)
    target = Target(spec="Big", name="Big", record=resolution.record)
    await TargetWriter(ctx, target, contents, exact=True).replace(wanted)
    assert target.status == "success"
    assert sync.emu.library.playlist_uris(playlist.id) == wanted
    assert sync.emu.count("PUT", ITEMS) == 1
    assert sync.emu.count("POST", ITEMS) == 1
    puts = [r for r in sync.emu.requests if r.method == "PUT"]
    assert len(puts[0].body["uris"]) == 100
    assert sync.state[STATE_TARGET]["uris"] == wanted
    # a failing POST after the PUT: the state is dropped, so the next run reads the playlist
    sync.emu.inject(Fault(method="POST", path=ITEMS_FAULT, status=503, times=None))
    target = Target(spec="Big", name="Big", record=sync.account.cached(playlist.id))
    with pytest.raises(SpotifyUnavailableError):
        await TargetWriter(ctx, target, contents, exact=True).replace(list(reversed(wanted)))
    assert STATE_TARGET not in sync.state
    assert target.added == 0
    assert sync.emu.library.playlist_uris(playlist.id) == list(reversed(wanted))[:100]


# -- append ---------------------------------------------------------------------------------------------


async def test_append_adds_only_what_is_missing(sync: Sync, world: World) -> None:
    existing = sync.emu.library.create_playlist(
        "Collected", items=[world.other.uri, world.sigur_ros.uri]
    )
    record = await sync.run("Collected", mode="append")
    assert record.status is RunStatus.SUCCESS
    assert sync.uris("Collected") == [
        world.other.uri,
        world.sigur_ros.uri,
        world.queen.uri,
        world.daft_punk.uri,
        world.royksopp.uri,
    ]
    assert record.added == 3
    assert record.removed == 0
    assert record.skipped == 2  # the duplicate Last.fm entry and the track already there
    assert sync.emu.count("DELETE", ITEMS) == 0
    assert sync.emu.count("PUT", ITEMS) == 0  # append never clears (the old daemon did)
    sync.emu.reset_log()
    again = await sync.run("Collected", mode="append")
    assert again.status is RunStatus.NOOP
    assert again.reason == "already_present"
    assert sync.emu.spotify_calls == 0
    assert sync.emu.library.playlist_uris(existing.id)[:2] == [world.other.uri, world.sigur_ros.uri]


async def test_append_after_someone_removed_a_track(sync: Sync, world: World) -> None:
    await sync.run("Collected", mode="append")
    playlist = sync.playlist("Collected")
    sync.emu.library.remove_items(playlist.id, [world.daft_punk.uri])
    await sync.account.refresh()
    record = await sync.run("Collected", mode="append")
    assert record.status is RunStatus.SUCCESS
    assert record.added == 1
    assert sync.uris("Collected") == [
        world.queen.uri,
        world.sigur_ros.uri,
        world.royksopp.uri,
        world.daft_punk.uri,
    ]


# -- unmatched and empty lists -------------------------------------------------------------------------


async def test_nothing_matched_writes_nothing(sync: Sync, world: World) -> None:
    existing = sync.emu.library.create_playlist("Weekly Top", items=[world.other.uri])
    record = await sync.run(period="overall", allow_replace=True)
    assert record.status is RunStatus.NOOP
    assert record.reason == "nothing_matched"
    assert record.unmatched == [
        {"artist": "Nobody Knows", "title": "Unreleased Demo"},
        {"artist": "Nine Inch Nails", "title": "Hurt"},
    ]
    assert sync.writes() == 0
    assert sync.emu.library.playlist_uris(existing.id) == [world.other.uri]


async def test_an_empty_period_never_empties_the_playlist(sync: Sync, world: World) -> None:
    existing = sync.emu.library.create_playlist("Weekly Top", items=[world.other.uri])
    record = await sync.run(period="3month", allow_replace=True)
    assert record.status is RunStatus.NOOP
    assert record.reason == "no_top_tracks"
    assert sync.writes() == 0
    assert sync.emu.library.playlist_uris(existing.id) == [world.other.uri]
    record = await sync.run("Not There Yet", period="3month")
    assert record.status is RunStatus.NOOP
    assert sync.emu.library.playlists_named("Not There Yet") == []


# -- the match cache -------------------------------------------------------------------------------------


async def test_the_match_cache_cuts_searches(sync: Sync, world: World) -> None:
    first = await sync.run()
    searches = sync.emu.count("GET", SEARCH)
    # 6 distinct tracks: the found ones need 1 or 2 searches, the 2 misses need 2 each
    assert 6 <= searches <= 12
    assert len(sync.cache) == 7
    # a new weekly list with one new track: only that one is searched
    sync.emu.library.lastfm[USER].top_tracks["7day"].insert(
        0, _lastfm("Something Else", "Somebody")
    )
    sync.state.clear()  # and the playlist is read, not known: searching is what is counted here
    sync.emu.reset_log()
    second = await sync.run()
    assert sync.emu.count("GET", SEARCH) == 1
    assert second.status is RunStatus.SUCCESS
    assert sync.uris() == [world.other.uri, *world.matched]
    assert first.unmatched == second.unmatched
    # a week later the misses have expired: they (and only they) are searched again
    sync.clock.now += timedelta(days=7, minutes=1)
    sync.emu.reset_log()
    third = await sync.run()
    assert third.status is RunStatus.UNCHANGED
    assert sync.emu.count("GET", SEARCH) == 4  # 2 misses x (strict + relaxed)


async def test_the_match_cache_survives_the_store(sync: Sync, world: World) -> None:
    await sync.run()
    sync.cache = MatchCache.from_store(sync.cache.to_store(), clock=sync.clock)
    sync.state.clear()
    sync.emu.reset_log()
    await sync.run()
    assert sync.emu.count("GET", SEARCH) == 0


async def test_without_a_match_cache_every_track_is_searched(sync: Sync, world: World) -> None:
    sync.extras["match_cache"] = None
    await sync.run()
    first = sync.emu.count("GET", SEARCH)
    sync.emu.reset_log()
    record = await sync.run()
    assert record.status is RunStatus.UNCHANGED
    assert sync.emu.count("GET", SEARCH) == first


def _lastfm(name: str, artist: str) -> Any:
    from tests.emulator import LastfmTrack

    return LastfmTrack(name, artist, playcount=500)


# -- Last.fm errors -------------------------------------------------------------------------------------


async def test_unknown_lastfm_user_is_an_input_error(sync: Sync) -> None:
    with pytest.raises(SyncInputError) as caught:
        await sync.run(username="nobody_at_all")
    assert caught.value.key == "lastfm_user_not_found"
    assert caught.value.placeholders == {"username": "nobody_at_all"}
    assert sync.writes() == 0
    assert sync.emu.count("GET", SEARCH) == 0
    assert sync.account.history.last("lastfm_weekly").status is RunStatus.FAILED  # type: ignore[union-attr]


@pytest.mark.parametrize("key", ["0123456789abcdef0123456789abcdef", LASTFM_SUSPENDED_API_KEY])
async def test_a_bad_or_suspended_key_fails_the_run(
    sync: Sync, session: aiohttp.ClientSession, key: str
) -> None:
    sync.client = LastfmClient(session, key, base_url=sync.emu.lastfm_url, sleep=_no_sleep)
    record = await sync.run()
    assert record.status is RunStatus.FAILED
    assert record.reason == "lastfm_auth"
    assert key not in (record.error or "")
    assert sync.writes() == 0
    assert sync.emu.count("GET", LASTFM) == 1


@pytest.mark.parametrize("code", [8, 11, 16, 29])
@pytest.mark.parametrize("http_status", [200, None])
async def test_lastfm_unavailable_fails_the_run_after_retries(
    sync: Sync, code: int, http_status: int | None
) -> None:
    sync.emu.inject(Fault(path=LASTFM, lastfm_error=code, status=http_status, times=None))
    record = await sync.run()
    assert record.status is RunStatus.FAILED
    assert record.reason == "lastfm_unavailable"
    assert sync.emu.count("GET", LASTFM) == 3
    assert sync.writes() == 0
    assert sync.emu.count("GET", SEARCH) == 0


@pytest.mark.parametrize("status", [500, 503])
async def test_lastfm_server_errors_fail_the_run(sync: Sync, status: int) -> None:
    sync.emu.inject(Fault(path=LASTFM, status=status, body="<html>down</html>", times=None))
    record = await sync.run()
    assert record.status is RunStatus.FAILED
    assert record.reason == "lastfm_unavailable"
    assert sync.writes() == 0


async def test_a_passing_lastfm_hiccup_is_retried(sync: Sync, world: World) -> None:
    sync.emu.inject(Fault(path=LASTFM, lastfm_error=16, status=200, times=1))
    record = await sync.run()
    assert record.status is RunStatus.SUCCESS
    assert sync.uris() == world.matched
    assert sync.emu.count("GET", LASTFM) == 2


@pytest.mark.parametrize("code", [6, 10, 26, 3])
async def test_lastfm_errors_under_http_200(sync: Sync, code: int) -> None:
    sync.emu.inject(Fault(path=LASTFM, lastfm_error=code, status=200, times=None))
    if code == 6:
        with pytest.raises(SyncInputError, match="not found"):
            await sync.run()
    else:
        record = await sync.run()
        assert record.status is RunStatus.FAILED
        assert record.reason == ("lastfm_auth" if code in (10, 26) else "lastfm_unavailable")
    assert sync.emu.count("GET", LASTFM) == 1
    assert sync.writes() == 0


# -- bad input -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "key"),
    [
        ({"period": "2weeks"}, "unknown_period"),
        ({"period": ""}, "unknown_period"),
        ({"limit": 0}, "limit_out_of_range"),
        ({"limit": 101}, "limit_out_of_range"),
        ({"limit": True}, "limit_out_of_range"),
        ({"mode": "merge"}, "invalid_option"),
        ({"playlist": "  "}, "unknown_target"),
        ({"playlist": "spotify:playlist:0000000000000000000000"}, "unknown_target"),
        ({"playlist": "Nowhere", "create_missing": False}, "unknown_target"),
        ({"playlist": "Top %Q"}, "invalid_pattern"),
    ],
)
async def test_bad_input_is_refused_before_anything_is_written(
    sync: Sync, options: dict[str, Any], key: str
) -> None:
    with pytest.raises(SyncInputError) as caught:
        await sync.run(**options)
    assert caught.value.key == key
    assert sync.writes() == 0
    assert sync.emu.count("GET", LASTFM) == 0
    assert sync.emu.count("GET", SEARCH) == 0


@pytest.mark.parametrize(
    "extras",
    [
        {"client": None},
        {"username": ""},
        {"username": None},
        {"client": "not a client"},
    ],
)
async def test_lastfm_not_configured(sync: Sync, extras: dict[str, Any]) -> None:
    sync.extras.update(extras)
    with pytest.raises(SyncInputError) as caught:
        await sync.run()
    assert caught.value.key == "lastfm_not_configured"
    assert sync.emu.requests == []


async def test_no_api_key_is_not_configured(sync: Sync, session: aiohttp.ClientSession) -> None:
    sync.client = LastfmClient(session, "", base_url=sync.emu.lastfm_url)
    with pytest.raises(SyncInputError) as caught:
        await sync.run()
    assert caught.value.key == "lastfm_not_configured"


async def test_username_option_overrides_the_default(sync: Sync, world: World) -> None:
    sync.emu.library.add_lastfm_user("someone_else", {"7day": [("Eple", "Royksopp")]})
    record = await sync.run(username="someone_else")
    assert record.status is RunStatus.SUCCESS
    assert sync.uris() == [world.royksopp.uri]
    lastfm = [r for r in sync.emu.requests if r.path == LASTFM]
    assert [r.query["user"] for r in lastfm] == ["someone_else"]


# -- targets ---------------------------------------------------------------------------------------------


async def test_a_date_pattern_names_the_playlist(sync: Sync, world: World) -> None:
    record = await sync.run("Top %b%y", public=True)
    assert record.status is RunStatus.SUCCESS
    playlist = sync.playlist("Top Mar26")
    assert playlist.public is True
    assert sync.uris("Top Mar26") == world.matched
    sync.emu.reset_log()
    assert (await sync.run("Top %b%y", public=True)).status is RunStatus.UNCHANGED
    assert sync.emu.spotify_calls == 0


async def test_a_uri_target(sync: Sync, world: World) -> None:
    playlist = sync.emu.library.create_playlist("By URI", items=[world.other.uri])
    record = await sync.run(f"spotify:playlist:{playlist.id}", allow_replace=True)
    assert record.status is RunStatus.SUCCESS
    assert sync.uris("By URI") == world.matched


async def test_someone_elses_playlist_is_not_written(sync: Sync, world: World) -> None:
    sync.emu.library.create_playlist("Theirs", owner="anna.berg", items=[world.other.uri])
    record = await sync.run("Theirs")
    assert record.status is RunStatus.FAILED
    assert record.reason == "target_forbidden"
    assert sync.writes() == 0
    assert sync.emu.count("GET", LASTFM) == 0


async def test_a_rate_limit_while_searching_keeps_what_was_learnt(sync: Sync) -> None:
    sync.emu.inject(Fault(method="GET", path=SEARCH, status=429, retry_after=120, after=2))
    record = await sync.run()
    assert record.status is RunStatus.RATE_LIMITED
    assert record.retry_after == 120
    assert sync.writes() == 0
    assert len(sync.cache) >= 1  # the matches found before the 429 are kept
    sync.emu.reset_log()
    record = await sync.run()
    assert record.status is RunStatus.SUCCESS
    assert sync.emu.count("GET", SEARCH) < 12


async def test_a_rate_limit_while_writing(sync: Sync, world: World) -> None:
    sync.emu.library.create_playlist("Weekly Top", items=[world.other.uri])
    sync.emu.inject(Fault(method="PUT", path=ITEMS_FAULT, status=429, retry_after=30))
    record = await sync.run(allow_replace=True)
    assert record.status is RunStatus.RATE_LIMITED
    assert record.retry_after == 30
    assert record.targets[0]["status"] == "rate_limited"
    assert sync.uris() == [world.other.uri]
    record = await sync.run(allow_replace=True)
    assert record.status is RunStatus.SUCCESS
    assert sync.uris() == world.matched


@pytest.mark.parametrize(
    ("status", "reason"), [(404, "target_not_found"), (403, "target_forbidden")]
)
async def test_a_playlist_that_cannot_be_read(
    sync: Sync, world: World, status: int, reason: str
) -> None:
    playlist = sync.emu.library.create_playlist("Weekly Top", items=[world.other.uri])
    await sync.account.refresh()
    sync.emu.inject(Fault(method="GET", path=f"/v1/playlists/{playlist.id}/items", status=status))
    record = await sync.run(allow_replace=True)
    assert record.status is RunStatus.FAILED
    assert record.reason == reason
    assert record.targets[0]["status"] == "failed"
    assert sync.writes() == 0
    assert STATE_TARGET not in sync.state


async def test_spotify_unavailable_while_writing(sync: Sync, world: World) -> None:
    """A 5xx on the PUT (never retried: it may have been applied): `failed`, the known contents
    are dropped, and the next run reads the playlist before writing."""
    await sync.run()
    user = sync.emu.library.lastfm[USER]
    user.top_tracks["7day"] = list(reversed(user.top_tracks["7day"]))
    sync.emu.inject(Fault(method="PUT", path=ITEMS_FAULT, status=503, times=None))
    record = await sync.run()
    assert record.status is RunStatus.FAILED
    assert record.reason == "spotify_unavailable"
    assert STATE_TARGET not in sync.state
    assert sync.uris() == world.matched
    sync.emu.clear_faults()
    sync.emu.reset_log()
    record = await sync.run()
    assert record.status is RunStatus.SUCCESS
    assert sync.emu.count("GET", ITEMS) == 1


def test_options_round_trip() -> None:
    options = LastfmOptions(playlist="Top %b%y", username="x", period="1month", limit=50)
    assert LastfmOptions.from_dict(options.as_dict()) == options
    assert LastfmOptions.from_dict({"playlist": "P"}) == LastfmOptions(playlist="P")


async def test_append_after_a_kill_mid_write_adds_nothing_twice(sync: Sync, world: World) -> None:
    """A kill while an append is in flight: what was on disk (the sync's state saved before the
    write, a cache still showing the old snapshot) makes the next run read the playlist, not
    trust what it remembered, so the tracks that landed are not added again."""
    await sync.run(mode="append")
    disk: dict[str, Any] = {
        "cache": PlaylistCache.from_store(sync.account.cache.to_store()),
        "state": copy.deepcopy(sync.state),
    }
    ctx = sync.account.context(sync.state)
    ctx.lastfm = LastfmContext(client=sync.client, match_cache=sync.cache, username=USER)

    async def save_state() -> None:
        disk["state"] = copy.deepcopy(ctx.state)

    ctx.save_state = save_state
    sync.emu.inject(Fault(delay=0.5, method="POST", path=ITEMS_FAULT))
    options = LastfmOptions(playlist="Weekly Top", period="1month", limit=100, mode="append")
    run = asyncio.create_task(
        execute_run(ctx, run_lastfm_top_tracks, options, sync_id="w", sync_type=SYNC_TYPE)
    )
    while not any(r.method == "POST" and r.status == 0 for r in sync.emu.requests):
        await asyncio.sleep(0.01)
    run.cancel()  # the kill: nothing after this point reaches the disk
    with pytest.raises(asyncio.CancelledError):
        await run
    while any(r.status == 0 for r in sync.emu.requests):
        await asyncio.sleep(0.01)
    assert len(sync.uris()) == 4 + 100  # the write landed

    restarted = Account(sync.emu, now=sync.clock)
    restarted.directory.cache = disk["cache"]
    again = Sync(
        emu=sync.emu,
        account=restarted,
        client=sync.client,
        clock=sync.clock,
        cache=sync.cache,
        state=disk["state"],
    )
    record = await again.run(period="1month", limit=100, mode="append")
    assert record.status is RunStatus.NOOP
    uris = sync.uris()
    assert len(uris) == len(set(uris)) == 104
    assert "writing" not in again.state  # the mark is cleared with the run's result
