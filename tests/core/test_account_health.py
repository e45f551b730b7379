"""Account health in core (pure): the rolling day of calls, the authorization's expiry, readable
sources, the user's Last.fm match overrides and the ISRC tie-break."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from custom_components.spotifreak.core.authorization import (
    ExpiryNotice,
    add_months,
    expires_at,
    expiry_notice,
)
from custom_components.spotifreak.core.call_window import CallWindow
from custom_components.spotifreak.core.engine import SyncInputError
from custom_components.spotifreak.core.lastfm import parse_top_tracks
from custom_components.spotifreak.core.match_cache import MatchCache
from custom_components.spotifreak.core.matching import best_candidate, normalise_isrc
from custom_components.spotifreak.core.readable import (
    UNREADABLE_NOT_FOUND,
    UNREADABLE_OTHER_USERS,
    UNREADABLE_SPOTIFY_OWNED,
    check_readable,
    unreadable,
)
from custom_components.spotifreak.core.records import PlaylistRecord
from custom_components.spotifreak.core.references import track_uri
from custom_components.spotifreak.core.spotify import CallCounter

BERLIN = ZoneInfo("Europe/Berlin")
TRACK_ID = "4uLU6hMCjMI75M1A2tKUQC"


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


# -- the rolling day of calls ------------------------------------------------------------------


def test_calls_count_for_24_hours_then_drop_out() -> None:
    clock = Clock(datetime(2026, 7, 23, 12, 0, 30, tzinfo=UTC))
    window = CallWindow(clock=clock)
    window.add(3)
    clock.now += timedelta(hours=23, minutes=59)
    window.add()
    assert window.total() == 4
    clock.now += timedelta(minutes=1)  # the first minute is now 24 hours ago
    assert window.total() == 1
    clock.now += timedelta(hours=24)
    assert window.total() == 0


def test_every_call_of_the_account_and_its_forks_is_counted_once() -> None:
    clock = Clock(datetime(2026, 7, 23, 12, 0, tzinfo=UTC))
    account = CallCounter()
    account.window = CallWindow(clock=clock)
    run = CallCounter(parent=account)
    run.add("GET me/tracks")
    account.add("GET me/playlists")
    assert account.window.total() == 2
    assert (account.total, run.total) == (2, 1)


def test_the_stored_window_is_compact_and_loads_back_without_old_or_broken_buckets() -> None:
    clock = Clock(datetime(2026, 7, 23, 12, 0, tzinfo=UTC))
    window = CallWindow(clock=clock)
    window.add(5)
    clock.now += timedelta(minutes=30)
    window.add(2)
    assert window.dirty
    stored = window.to_store()
    assert not window.dirty
    assert len(stored["minutes"]) == 2  # one bucket per minute with calls

    loaded = CallWindow(clock=clock)
    loaded.load({**stored, "minutes": [*stored["minutes"], [1, 99], ["x", 1], [7], [8, -1]]})
    assert loaded.total() == 7
    for broken in (None, {}, {"minutes": "garbage"}, []):
        empty = CallWindow(clock=clock)
        empty.load(broken)  # type: ignore[arg-type]
        assert empty.total() == 0


# -- the authorization's expiry ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "months", "ends"),
    [
        (datetime(2026, 1, 15, 9, 30, tzinfo=UTC), 6, datetime(2026, 7, 15, 9, 30, tzinfo=UTC)),
        (datetime(2026, 8, 31, tzinfo=UTC), 6, datetime(2027, 2, 28, tzinfo=UTC)),
        (datetime(2027, 8, 31, tzinfo=UTC), 6, datetime(2028, 2, 29, tzinfo=UTC)),
        (datetime(2026, 10, 1, tzinfo=UTC), 3, datetime(2027, 1, 1, tzinfo=UTC)),
        (datetime(2026, 3, 31, tzinfo=UTC), 24, datetime(2028, 3, 31, tzinfo=UTC)),
    ],
)
def test_the_lifetime_is_counted_in_calendar_months(
    given: datetime, months: int, ends: datetime
) -> None:
    assert add_months(given, months) == ends
    assert expires_at(given, months) == ends


def test_an_unknown_authorization_time_has_no_expiry_and_no_notice() -> None:
    assert expires_at(None, 6) is None
    assert expiry_notice(None, datetime(2026, 7, 1, tzinfo=BERLIN)) is ExpiryNotice.NONE


def test_notices_14_days_ahead_then_on_the_day_in_the_users_time_zone() -> None:
    # 23:30 UTC on 19 January is 00:30 on 20 January in Berlin.
    expires = datetime(2027, 1, 19, 23, 30, tzinfo=UTC)
    at = datetime(2027, 1, 6, 0, 29, tzinfo=BERLIN)  # 14 days and 1 minute before
    assert expiry_notice(expires, at) is ExpiryNotice.NONE
    assert expiry_notice(expires, at + timedelta(minutes=1)) is ExpiryNotice.SOON
    assert expiry_notice(expires, datetime(2027, 1, 19, 23, 59, tzinfo=BERLIN)) is (
        ExpiryNotice.SOON
    )
    assert expiry_notice(expires, datetime(2027, 1, 20, 0, 0, tzinfo=BERLIN)) is ExpiryNotice.DUE
    assert expiry_notice(expires, datetime(2027, 3, 1, tzinfo=BERLIN)) is ExpiryNotice.DUE


# -- readable sources --------------------------------------------------------------------------


def _record(owner: str, *, collaborative: bool = False) -> PlaylistRecord:
    return PlaylistRecord(
        id="p" * 22,
        uri=f"spotify:playlist:{'p' * 22}",
        name="Some Playlist",
        owner=owner,
        collaborative=collaborative,
        public=True,
        snapshot_id="s",
        tracks_total=3,
    )


@pytest.mark.parametrize(
    ("record", "problem"),
    [
        (_record("me"), None),
        (_record(""), None),
        (_record("friend", collaborative=True), None),
        (_record("friend"), UNREADABLE_OTHER_USERS),
        (_record("spotify"), UNREADABLE_SPOTIFY_OWNED),
        (_record("spotify", collaborative=True), UNREADABLE_SPOTIFY_OWNED),
        (None, UNREADABLE_NOT_FOUND),
    ],
)
def test_only_owned_or_collaborative_playlists_are_readable(
    record: PlaylistRecord | None, problem: str | None
) -> None:
    assert unreadable(record, "me") == problem


def test_an_unreadable_playlist_is_refused_in_words_naming_it() -> None:
    check_readable(_record("me"), "me")
    with pytest.raises(SyncInputError) as info:
        check_readable(_record("friend"), "me")
    assert info.value.key == UNREADABLE_OTHER_USERS
    assert info.value.placeholders == {"playlist": "Some Playlist", "owner": "friend"}


# -- the user's Last.fm match overrides --------------------------------------------------------


def test_an_override_wins_over_searches_and_survives_the_store() -> None:
    clock = Clock(datetime(2026, 3, 1, tzinfo=UTC))
    cache = MatchCache(clock=clock, max_entries=2)
    cache.remember_match("Band", "Song", "spotify:track:wrong")
    cache.set_override("band", "SONG", "spotify:track:right")  # folded like every key
    cache.remember_match("Band", "Song", "spotify:track:wrong")  # a later search changes nothing
    cache.set_override("Nobody", "Demo", None)
    cache.remember_match("Nobody", "Demo", "spotify:track:demo")
    for number in range(5):  # searched entries beyond the limit go; overrides stay
        cache.remember_match("Other", f"Song {number}", f"spotify:track:{number}")
    clock.now += timedelta(days=400)  # a forbidden match never expires as misses do

    restored = MatchCache.from_store(cache.to_store(), clock=clock, max_entries=2)
    for kept in (cache, restored):
        found = kept.lookup("Band", "Song")
        assert found is not None and (found.uri, found.overridden) == ("spotify:track:right", True)
        forbidden = kept.lookup("Nobody", "Demo")
        assert forbidden is not None and (forbidden.uri, forbidden.overridden) == (None, True)
        assert kept.overrides() == 2
        assert len(kept) == 4


def test_expired_misses_go_first_when_the_cache_is_full() -> None:
    clock = Clock(datetime(2026, 3, 1, tzinfo=UTC))
    cache = MatchCache(clock=clock, max_entries=2, miss_ttl=timedelta(days=1))
    cache.remember_miss("Nobody", "Old Demo")
    cache.remember_match("Band", "Used Long Ago", "spotify:track:a")
    clock.now += timedelta(days=2)
    cache.remember_match("Band", "New", "spotify:track:b")
    assert len(cache) == 2
    assert cache.lookup("Band", "Used Long Ago") is not None  # kept: the expired miss went


@pytest.mark.parametrize(
    ("text", "uri"),
    [
        (f"spotify:track:{TRACK_ID}", f"spotify:track:{TRACK_ID}"),
        (f" https://open.spotify.com/track/{TRACK_ID}?si=abc ", f"spotify:track:{TRACK_ID}"),
        (f"https://open.spotify.com/intl-de/track/{TRACK_ID}", f"spotify:track:{TRACK_ID}"),
        (f"open.spotify.com/track/{TRACK_ID}", f"spotify:track:{TRACK_ID}"),
        (f"spotify:album:{TRACK_ID}", None),
        (f"https://open.spotify.com/playlist/{TRACK_ID}", None),
        (f"https://example.com/track/{TRACK_ID}", None),
        ("spotify:track:short", None),
        ("Song title", None),
    ],
)
def test_a_track_is_a_track_uri_or_link(text: str, uri: str | None) -> None:
    assert track_uri(text) == uri


# -- the ISRC tie-break ------------------------------------------------------------------------


def _candidate(uri: str, isrc: str | None) -> dict[str, Any]:
    track: dict[str, Any] = {
        "type": "track",
        "name": "Heroes",
        "uri": uri,
        "artists": [{"name": "David Bowie"}],
        "duration_ms": 371_000,
    }
    if isrc is not None:
        track["external_ids"] = {"isrc": isrc}
    return track


def test_the_isrc_a_lastfm_track_names_picks_among_accepted_candidates() -> None:
    single = _candidate("spotify:track:single", "GBAYE7700001")
    album = _candidate("spotify:track:album", "GBAYE9900123")
    unknown = _candidate("spotify:track:none", None)
    candidates = [single, unknown, album]
    assert best_candidate("David Bowie", "Heroes", candidates) is single  # search order
    assert best_candidate("David Bowie", "Heroes", candidates, isrc="GBAYE9900123") is album
    # An ISRC no candidate has changes nothing; it never makes a wrong song acceptable.
    assert best_candidate("David Bowie", "Heroes", candidates, isrc="USRC17607839") is single
    other_song = {**_candidate("spotify:track:other", "USRC17607839"), "name": "Lazarus"}
    assert best_candidate("David Bowie", "Heroes", [other_song], isrc="USRC17607839") is None


def test_isrcs_are_read_in_their_12_character_form() -> None:
    assert normalise_isrc("us-rc1-76-07839") == "USRC17607839"
    assert normalise_isrc("not an isrc") == ""
    assert normalise_isrc(None) == ""
    body = {
        "toptracks": {
            "track": [
                {"name": "Heroes", "artist": {"name": "David Bowie"}, "isrc": "GB-AYE-99-00123"},
                {"name": "Lazarus", "artist": {"name": "David Bowie"}, "mbid": "0b0c…"},
            ]
        }
    }
    tracks, _page, _pages = parse_top_tracks(body)
    assert [track.isrc for track in tracks] == ["GBAYE9900123", ""]
