# ruff: noqa: RUF001 - curly quotes, dashes and full-width letters are what these tests are about
"""Matching Last.fm tracks to Spotify tracks, and the match cache (pure: no network, no hass)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from custom_components.spotifreak.core.match_cache import CachedMatch, MatchCache, cache_key
from custom_components.spotifreak.core.matching import (
    artist_variants,
    best_candidate,
    fold,
    is_match,
    normalise_artist,
    normalise_title,
    relaxed_query,
    search_queries,
    split_title,
    strict_query,
)
from tests.emulator.library import Library, parse_query
from tests.emulator.spotify_api import Serializer

_IDS = iter(range(1, 1_000_000))


def track(
    name: str,
    *artists: str,
    uri: str | None = None,
    duration_s: int = 200,
    playable: bool | None = None,
    kind: str = "track",
) -> dict[str, Any]:
    """A TrackObject as Spotify's search returns it (only the fields matching reads)."""
    obj: dict[str, Any] = {
        "type": kind,
        "name": name,
        "uri": uri or f"spotify:{kind}:{next(_IDS):022d}",
        "artists": [{"name": artist, "type": "artist"} for artist in artists],
        "duration_ms": duration_s * 1000,
        "is_local": False,
    }
    if playable is not None:
        obj["is_playable"] = playable
    return obj


# -- folding and normalising ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Crème Brûlée", "creme brulee"),
        ("Don’t Stop Me Now", "dont stop me now"),
        ("Don't Stop Me Now", "dont stop me now"),
        ("DON'T STOP ME NOW", "dont stop me now"),
        ("Smörgåsbord", "smorgasbord"),
        ("Straße", "strasse"),
        ("Ça plaît", "ca plait"),
        ("Niño Bonito", "nino bonito"),
        ("Sørensen", "sorensen"),
        ("Ærø", "aero"),
        ("Łódź", "lodz"),
        ("Rock 'n' Roll Heart", "rock n roll heart"),
        ("Happy 🎉 Song", "happy song"),
        ("日本のポップ", "日本のポップ"),
        ("Ｆｕｌｌ Ｗｉｄｔｈ", "full width"),
        ("Amadou & Mariam", "amadou and mariam"),
        ("  Late   Night\tDrive ", "late night drive"),
        ("?", "?"),
        ("!!!", "!!!"),
    ],
)
def test_fold(text: str, folded: str) -> None:
    assert fold(text) == folded


@pytest.mark.parametrize(
    ("title", "core"),
    [
        ("Bohemian Rhapsody - Remastered 2011", "bohemian rhapsody"),
        ("Heroes - 2017 Remaster", "heroes"),
        ("Here Comes the Sun - Remastered 2009", "here comes the sun"),
        ("Song (Live)", "song"),
        ("Song - Live", "song"),
        ("Song - Live at Wembley 1986", "song"),
        ("Song [Remastered]", "song"),
        ("Song - Radio Edit", "song"),
        ("Song (Radio Edit) [Remastered 2015]", "song"),
        ("Song - Mono Version", "song"),
        ("Song (Taylor's Version)", "song"),
        ("Song (feat. Drake)", "song"),
        ("Song [feat. Drake]", "song"),
        ("Song (ft. Drake)", "song"),
        ("Song feat. Drake", "song"),
        ("Song ft. Drake", "song"),
        ("Song featuring Drake", "song"),
        ("Song (with Drake)", "song"),
        ("Song (feat. Drake) - Live", "song"),
        ("Dancing with Myself", "dancing with myself"),  # a bare "with" is part of the title
        ("With or Without You", "with or without you"),
        ("(I Can't Get No) Satisfaction", "i cant get no satisfaction"),
        ("(Untitled)", "untitled"),
        ("Re-Wind", "re wind"),
        ("Song – Remastered", "song"),  # en dash
        ("Crème brûlée (Live)", "creme brulee"),
        ("L’été indien - Remastered", "lete indien"),
        ("Song (Part 2)", "song"),  # the core; the suffix stays distinctive
        ("?", "?"),
    ],
)
def test_normalise_title(title: str, core: str) -> None:
    assert normalise_title(title) == core


def test_split_title_keeps_distinctive_suffixes_and_flavours() -> None:
    assert split_title("Song (Part 2)").distinctive == {"part 2"}
    assert split_title("Song - Skrillex Remix").distinctive == {"skrillex remix"}
    assert split_title("Song - Remastered 2011").distinctive == set()
    assert split_title("Song - 2011 Remaster").flavours == {"remaster"}
    assert split_title("Song (Live)").flavours == {"live"}
    assert split_title("Song").suffixes == ()


@pytest.mark.parametrize(
    ("artist", "normalised"),
    [
        ("The Beatles", "beatles"),
        ("Beatles", "beatles"),
        ("The The", "the"),
        ("Röyksopp", "royksopp"),
        ("MØ", "mo"),
        ("Mötley Crüe", "motley crue"),
        ("Beyoncé feat. JAY-Z", "beyonce"),
        ("Daft Punk ft. Pharrell Williams", "daft punk"),
        ("Sigur Rós", "sigur ros"),
        ("Die Ärzte", "die arzte"),
        ("Amadou & Mariam", "amadou and mariam"),
        ("Zoë Keating", "zoe keating"),
    ],
)
def test_normalise_artist(artist: str, normalised: str) -> None:
    assert normalise_artist(artist) == normalised


def test_artist_variants_whole_name_and_first_credit() -> None:
    assert artist_variants("Calvin Harris & Dua Lipa") == {
        "calvin harris and dua lipa",
        "calvin harris",
    }
    assert artist_variants("Amadou & Mariam") == {"amadou and mariam", "amadou"}
    assert artist_variants("Simon, Garfunkel") == {"simon garfunkel", "simon"}
    assert artist_variants("Björk") == {"bjork"}


# -- queries ----------------------------------------------------------------------------------------


def test_strict_query_escapes_quotes_and_backslashes() -> None:
    query = strict_query("Queen", 'Don"t \\ Stop')
    assert query == 'track:"Don\\"t \\\\ Stop" artist:"Queen"'
    # the emulator reads Spotify's syntax: the values come back intact
    filters, free = parse_query(query)
    assert filters == {"track": ['Don"t \\ Stop'], "artist": ["Queen"]}
    assert free == []


def test_strict_query_uses_the_primary_artist() -> None:
    assert strict_query("A feat. B", "Song") == 'track:"Song" artist:"A"'
    assert strict_query("Amadou & Mariam", "Sabali") == 'track:"Sabali" artist:"Amadou & Mariam"'


def test_relaxed_query_drops_feat_and_suffixes_and_syntax() -> None:
    assert relaxed_query("A", "Song (feat. B) - Live") == "Song A"
    assert relaxed_query("Queen", "Bohemian Rhapsody - 2011 Remaster") == "Bohemian Rhapsody Queen"
    assert relaxed_query("Artist", 'Say "track:x"') == "Say track x Artist"
    assert search_queries("A", "Song")[0] == strict_query("A", "Song")
    assert search_queries("A", "Song")[1] == "Song A"


# -- accepting candidates ---------------------------------------------------------------------------


def test_exact_match_is_accepted() -> None:
    wanted = track("Bohemian Rhapsody", "Queen")
    assert best_candidate("Queen", "Bohemian Rhapsody", [wanted]) is wanted


def test_wrong_artist_is_rejected_even_as_the_only_result() -> None:
    cover = track("Hurt", "Johnny Cash")
    assert best_candidate("Nine Inch Nails", "Hurt", [cover]) is None


def test_never_an_arbitrary_first_result() -> None:
    results = [track("Yesterday Once More", "Carpenters"), track("Yesterday Once More", "Beatles")]
    assert best_candidate("The Beatles", "Yesterday", results) is None


def test_a_longer_title_is_another_song() -> None:
    assert best_candidate("Blur", "Song", [track("Song 2", "Blur")]) is None
    assert best_candidate("Blur", "Song 2", [track("Song", "Blur")]) is None


def test_the_right_artist_wins_over_search_order() -> None:
    wrong = track("Hurt", "Johnny Cash")
    right = track("Hurt", "Nine Inch Nails")
    assert best_candidate("Nine Inch Nails", "Hurt", [wrong, right]) is right


def test_a_featured_artist_is_not_the_primary_artist() -> None:
    collab = track("Song", "Main Act", "Guest")
    assert best_candidate("Guest", "Song", [collab]) is None


@pytest.mark.parametrize(
    ("artist", "title"),
    [
        ("Main Act", "Song (feat. Guest)"),
        ("Main Act", "Song feat. Guest"),
        ("Main Act feat. Guest", "Song"),
        ("Main Act & Guest", "Song"),
        ("Main Act, Guest", "Song"),
        ("Main Act x Guest", "Song"),
        ("main act", "SONG"),
        ("MAIN ACT", "song (with Guest)"),
    ],
)
def test_feat_and_credit_variants_match(artist: str, title: str) -> None:
    collab = track("Song", "Main Act", "Guest")
    assert best_candidate(artist, title, [collab]) is collab


@pytest.mark.parametrize(
    ("artist", "title", "spotify_artist", "spotify_title"),
    [
        ("Royksopp", "Eple", "Röyksopp", "Eple"),
        ("Bjork", "Joga", "Björk", "Jóga"),
        ("Sigur Ros", "Hoppipolla", "Sigur Rós", "Hoppípolla"),
        ("Motley Crue", "Kickstart My Heart", "Mötley Crüe", "Kickstart My Heart"),
        ("Beyonce", "Halo", "Beyoncé", "Halo"),
        ("Queen", "Don't Stop Me Now", "Queen", "Don’t Stop Me Now"),
        ("Queen", "Don’t Stop Me Now - Remastered 2011", "Queen", "Don't Stop Me Now"),
        ("Beatles", "Here Comes the Sun", "The Beatles", "Here Comes The Sun - Remastered 2009"),
        ("The Beatles", "Let It Be", "Beatles", "Let It Be"),
        ("MØ", "Final Song", "MØ", "Final Song"),
        ("Amadou & Mariam", "Sabali", "Amadou & Mariam", "Sabali"),
        ("Die Ärzte", "Schrei nach Liebe", "Die Ärzte", "Schrei nach Liebe"),
        ("Céline Dion", "Pour que tu m'aimes encore", "Celine Dion", "Pour que tu m’aimes encore"),
        ("宇多田ヒカル", "First Love", "宇多田ヒカル", "First Love - 2014 Remastered"),
        ("Artist", "Crème brûlée", "Artist", "Creme Brulee"),
        ("Daft Punk", "Get Lucky (feat. Pharrell Williams & Nile Rodgers) - Radio Edit",
         "Daft Punk", "Get Lucky (feat. Pharrell Williams and Nile Rodgers) - Radio Edit"),
        ("Artist", "Song - Live", "Artist", "Song (Live)"),
        ("Artist", "Song [Remastered]", "Artist", "Song"),
    ],
)  # fmt: skip
def test_real_world_variants_match(
    artist: str, title: str, spotify_artist: str, spotify_title: str
) -> None:
    candidate = track(spotify_title, spotify_artist)
    assert best_candidate(artist, title, [candidate]) is candidate


def test_distinctive_suffixes_must_agree() -> None:
    part_one = track("Song (Part 1)", "Artist")
    part_two = track("Song (Part 2)", "Artist")
    assert best_candidate("Artist", "Song (Part 2)", [part_one]) is None
    assert best_candidate("Artist", "Song (Part 2)", [part_one, part_two]) is part_two
    original = track("Song", "Artist")
    assert best_candidate("Artist", "Song - Skrillex Remix", [original]) is None
    remix = track("Song - Skrillex Remix", "Artist")
    assert best_candidate("Artist", "Song - Skrillex Remix", [original, remix]) is remix


def test_preference_exact_title_then_same_kind_of_recording() -> None:
    studio = track("Song", "Artist")
    remaster = track("Song - Remastered 2011", "Artist")
    live = track("Song (Live)", "Artist")
    candidates = [live, remaster, studio]
    assert best_candidate("Artist", "Song", candidates) is studio
    assert best_candidate("Artist", "Song - 2011 Remaster", candidates) is remaster
    assert best_candidate("Artist", "Song - Live", candidates) is live
    assert best_candidate("Artist", "Song (Live)", candidates) is live


def test_preference_playable_then_credits_then_length_then_order() -> None:
    unplayable = track("Song", "Artist", playable=False)
    playable = track("Song", "Artist", playable=True)
    assert best_candidate("Artist", "Song", [unplayable, playable]) is playable
    with_guest = track("Song", "Artist", "Somebody Else")
    alone = track("Song", "Artist")
    assert best_candidate("Artist", "Song", [with_guest, alone]) is alone
    short = track("Song", "Artist", duration_s=180)
    long = track("Song", "Artist", duration_s=240)
    assert best_candidate("Artist", "Song", [short, long], duration=241) is long
    assert best_candidate("Artist", "Song", [short, long], duration=0) is short


def test_local_files_and_episodes_never_match() -> None:
    local = track("Song", "Artist", uri="spotify:local:Artist::Song:200")
    local["is_local"] = True
    episode = track("Song", "Artist", kind="episode")
    assert best_candidate("Artist", "Song", [local, episode]) is None
    assert not is_match("Artist", "Song", {"name": "Song", "uri": "spotify:track:x"})  # no artists


def test_generated_libraries_match_their_ground_truth() -> None:
    """Every Last.fm track of generated libraries, searched as the sync searches (emulated
    search, offline): nothing wrong is ever accepted, and every findable song is found."""
    wrong: list[tuple[str, str, str]] = []
    missed: list[tuple[str, str]] = []
    total = 0
    for seed in (1, 2, 3):
        lib = Library.generate(seed=seed, catalogue=300)
        serializer = Serializer(lib, "http://127.0.0.1/v1/", "both")
        for user in lib.lastfm.values():
            for lastfm_track in user.period("overall"):
                total += 1
                found: str | None = None
                for query in search_queries(lastfm_track.artist, lastfm_track.name):
                    results = [serializer.track(t) for t in lib.search_tracks(query)[:10]]
                    best = best_candidate(
                        lastfm_track.artist,
                        lastfm_track.name,
                        results,
                        duration=lastfm_track.duration,
                    )
                    if best is not None:
                        found = str(best["uri"])
                        break
                expected = lastfm_track.expected_uri
                if found is None and expected is not None:
                    missed.append((lastfm_track.artist, lastfm_track.name))
                elif found is not None and found != expected:
                    got = lib.tracks[found]
                    same_song = expected is not None and (
                        lib.tracks[expected].name == got.name
                        and lib.tracks[expected].artists[0] == got.artists[0]
                    )
                    if not same_song:  # an identical duplicate in the catalogue is not wrong
                        wrong.append((lastfm_track.artist, lastfm_track.name, found))
    assert total > 300
    assert wrong == []
    assert missed == []


# -- the match cache --------------------------------------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def test_cache_hits_misses_and_unknowns() -> None:
    cache = MatchCache(clock=Clock())
    assert cache.lookup("Queen", "Bohemian Rhapsody") is None
    cache.remember_match("Queen", "Bohemian Rhapsody", "spotify:track:1")
    cache.remember_miss("Nobody", "Unreleased Demo")
    assert cache.lookup("Queen", "Bohemian Rhapsody") == CachedMatch("spotify:track:1")
    assert cache.lookup("Nobody", "Unreleased Demo") == CachedMatch(None)
    assert len(cache) == 2


def test_cache_key_folds_case_and_diacritics_but_keeps_versions_apart() -> None:
    cache = MatchCache(clock=Clock())
    cache.remember_match("Röyksopp", "Eple", "spotify:track:1")
    assert cache.lookup("ROYKSOPP", "eple") == CachedMatch("spotify:track:1")
    assert cache.lookup("Röyksopp", "Eple (Live)") is None
    assert cache_key("A", "Song (Live)") != cache_key("A", "Song")


def test_cache_misses_expire() -> None:
    clock = Clock()
    cache = MatchCache(clock=clock, miss_ttl=timedelta(days=7))
    cache.remember_miss("Nobody", "Demo")
    cache.remember_match("Queen", "Song", "spotify:track:1")
    clock.now += timedelta(days=6, hours=23)
    assert cache.lookup("Nobody", "Demo") == CachedMatch(None)
    clock.now += timedelta(hours=2)
    assert cache.lookup("Nobody", "Demo") is None  # search again: it may be on Spotify now
    assert cache.lookup("Queen", "Song") == CachedMatch("spotify:track:1")  # matches stay


def test_cache_store_round_trip_and_expiry_survive() -> None:
    clock = Clock()
    cache = MatchCache(clock=clock)
    cache.remember_match("Queen", "Song", "spotify:track:1")
    cache.remember_miss("Nobody", "Demo")
    dirty_before = cache.dirty
    stored = cache.to_store()
    assert (dirty_before, cache.dirty) == (True, False)
    restored = MatchCache.from_store(stored, clock=clock)
    assert restored.lookup("Queen", "Song") == CachedMatch("spotify:track:1")
    assert restored.lookup("Nobody", "Demo") == CachedMatch(None)
    clock.now += timedelta(days=8)
    assert MatchCache.from_store(stored, clock=clock).lookup("Nobody", "Demo") is None


@pytest.mark.parametrize(
    "data",
    [
        None,
        {},
        {"entries": []},
        {"entries": {"k": "not a mapping"}},
        {"entries": {"k": {"uri": 5}}},
        {"entries": {"k": {"uri": None}}},  # a miss without its expiry
        {"entries": {"k": {"uri": None, "expires": "yesterday"}}},
        "garbage",
    ],
)
def test_cache_from_a_corrupt_store_is_empty(data: Any) -> None:
    assert len(MatchCache.from_store(data, clock=Clock())) == 0


def test_cache_keeps_the_most_recently_used_entries() -> None:
    clock = Clock()
    cache = MatchCache(clock=clock, max_entries=3)
    for number in range(3):
        cache.remember_match("Artist", f"Song {number}", f"spotify:track:{number}")
        clock.now += timedelta(minutes=1)
    assert cache.lookup("Artist", "Song 0") is not None  # used now: the newest
    clock.now += timedelta(minutes=1)
    cache.remember_match("Artist", "Song 3", "spotify:track:3")
    assert len(cache) == 3
    assert cache.lookup("Artist", "Song 1") is None  # the least recently used went
    assert cache.lookup("Artist", "Song 0") is not None
    assert cache.lookup("Artist", "Song 3") is not None
