"""The Last.fm client against the emulator's Last.fm, over real HTTP with aiohttp."""

from __future__ import annotations

from collections.abc import AsyncIterator
import logging
from typing import Any

import aiohttp
import pytest

from custom_components.spotifreak.core.errors import (
    LastfmAuthError,
    LastfmError,
    LastfmUnavailableError,
    LastfmUserNotFoundError,
)
from custom_components.spotifreak.core.lastfm import (
    PERIODS,
    LastfmClient,
    LastfmTopTrack,
    parse_top_tracks,
)
from tests.emulator import LASTFM_API_KEY, LASTFM_SUSPENDED_API_KEY, Emulator, Fault

ENDPOINT = "/2.0/"


class Sleeps(list[float]):
    """An injected sleep that only records the delays."""

    async def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
async def session(emulator: Emulator) -> AsyncIterator[aiohttp.ClientSession]:
    """An aiohttp session, as Home Assistant shares one."""
    async with aiohttp.ClientSession() as client_session:
        yield client_session


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def client(emulator: Emulator, session: aiohttp.ClientSession, sleeps: Sleeps) -> LastfmClient:
    return LastfmClient(session, LASTFM_API_KEY, base_url=emulator.lastfm_url, sleep=sleeps)


def requests(emulator: Emulator) -> int:
    return emulator.count("GET", ENDPOINT)


# -- reading top tracks ------------------------------------------------------------------------------


@pytest.mark.parametrize("period", PERIODS)
async def test_every_period_in_rank_order(
    emulator: Emulator, client: LastfmClient, period: str
) -> None:
    expected = emulator.library.lastfm["emulator_fm"].period(period)[:20]
    tracks = await client.top_tracks("emulator_fm", period, 20)
    assert [(t.title, t.artist) for t in tracks] == [(e.name, e.artist) for e in expected]
    assert [t.rank for t in tracks] == list(range(1, 21))
    assert [t.playcount for t in tracks] == [e.playcount for e in expected]  # strings → ints
    assert all(isinstance(t.playcount, int) and isinstance(t.duration, int) for t in tracks)
    assert requests(emulator) == 1
    sent = emulator.requests[-1].query
    assert sent["method"] == "user.gettoptracks"
    assert sent["user"] == "emulator_fm"
    assert sent["period"] == period
    assert sent["format"] == "json"
    assert sent["limit"] == "20"
    assert sent["page"] == "1"


async def test_pages_until_the_limit_is_collected(emulator: Emulator, client: LastfmClient) -> None:
    expected = emulator.library.lastfm["emulator_fm"].period("1month")[:25]
    tracks = await client.top_tracks("emulator_fm", "1month", 25, page_size=10)
    assert [(t.title, t.artist) for t in tracks] == [(e.name, e.artist) for e in expected]
    assert [t.rank for t in tracks] == list(range(1, 26))
    assert [r.query["page"] for r in emulator.requests] == ["1", "2", "3"]


async def test_stops_at_the_last_page(emulator: Emulator, client: LastfmClient) -> None:
    emulator.library.add_lastfm_user("few", {"7day": [(f"Song {n}", "Artist") for n in range(7)]})
    tracks = await client.top_tracks("few", "7day", 100, page_size=5)
    assert [t.title for t in tracks] == [f"Song {n}" for n in range(7)]
    assert requests(emulator) == 2
    assert len(await client.top_tracks("few", "7day", 100)) == 7
    assert requests(emulator) == 3


async def test_empty_period_is_an_empty_list(emulator: Emulator, client: LastfmClient) -> None:
    emulator.library.add_lastfm_user("quiet", {"7day": []})
    assert await client.top_tracks("quiet", "7day", 10) == []
    assert await client.top_tracks("quiet", "overall", 10) == []
    assert requests(emulator) == 2


@pytest.mark.emulator(lastfm_single_object=True)
async def test_a_single_object_instead_of_a_list(emulator: Emulator, client: LastfmClient) -> None:
    emulator.library.add_lastfm_user(
        "solo",
        {"7day": [("Only One", "Röyksopp")], "overall": [("A", "X"), ("B", "Y"), ("C", "Z")]},
    )
    assert await client.top_tracks("solo", "7day", 10) == [
        LastfmTopTrack(
            rank=1, title="Only One", artist="Röyksopp", playcount=100, url=_url(emulator)
        )
    ]
    # one track per page: every page is a single object
    tracks = await client.top_tracks("solo", "overall", 3, page_size=1)
    assert [(t.rank, t.title) for t in tracks] == [(1, "A"), (2, "B"), (3, "C")]


def _url(emulator: Emulator) -> str:
    return "https://www.last.fm/music/R%C3%B6yksopp/_/Only+One"


def test_parse_reads_loose_shapes() -> None:
    body: dict[str, Any] = {
        "toptracks": {
            "track": [
                {
                    "name": "With rank",
                    "artist": {"name": "A"},
                    "@attr": {"rank": "3"},
                    "playcount": "7",
                },
                {"name": "Artist as text", "artist": {"#text": "B"}, "playcount": ""},
                {"name": "Artist as string", "artist": "C", "duration": "abc"},
                {"name": "", "artist": "Nameless"},
                {"name": "No artist"},
                "not an object",
            ],
            "@attr": {"page": "2", "perPage": "10", "totalPages": "4", "total": "35"},
        }
    }
    tracks, page, total_pages = parse_top_tracks(body)
    assert (page, total_pages) == (2, 4)
    assert [(t.rank, t.title, t.artist, t.playcount, t.duration) for t in tracks] == [
        (3, "With rank", "A", 7, 0),
        (12, "Artist as text", "B", 0, 0),
        (13, "Artist as string", "C", 0, 0),
    ]
    assert parse_top_tracks({"toptracks": {"track": "", "@attr": {}}}) == ([], 1, 1)
    with pytest.raises(LastfmError):
        parse_top_tracks({"something": "else"})


# -- errors ---------------------------------------------------------------------------------------------


async def test_unknown_user(emulator: Emulator, client: LastfmClient) -> None:
    with pytest.raises(LastfmUserNotFoundError) as caught:
        await client.top_tracks("nobody_here", "7day", 10)
    assert caught.value.code == 6
    assert requests(emulator) == 1


@pytest.mark.parametrize("key", ["0" * 32, LASTFM_SUSPENDED_API_KEY])
async def test_bad_or_suspended_key(
    emulator: Emulator, session: aiohttp.ClientSession, sleeps: Sleeps, key: str
) -> None:
    client = LastfmClient(session, key, base_url=emulator.lastfm_url, sleep=sleeps)
    with pytest.raises(LastfmAuthError) as caught:
        await client.top_tracks("emulator_fm", "7day", 10)
    assert caught.value.code in (10, 26)
    assert key not in str(caught.value)
    assert requests(emulator) == 1
    assert sleeps == []


@pytest.mark.parametrize(
    ("code", "error"),
    [
        (6, LastfmUserNotFoundError),
        (10, LastfmAuthError),
        (26, LastfmAuthError),
        (2, LastfmError),
        (3, LastfmError),
    ],
)
@pytest.mark.parametrize("http_status", [200, None])
async def test_final_errors_are_not_retried(
    emulator: Emulator,
    client: LastfmClient,
    sleeps: Sleeps,
    code: int,
    error: type[LastfmError],
    http_status: int | None,
) -> None:
    emulator.inject(Fault(path=ENDPOINT, lastfm_error=code, status=http_status, times=None))
    with pytest.raises(LastfmError) as caught:
        await client.top_tracks("emulator_fm", "7day", 10)
    assert type(caught.value) is error
    assert caught.value.code == code
    assert requests(emulator) == 1
    assert sleeps == []


@pytest.mark.parametrize("code", [8, 11, 16, 29])
@pytest.mark.parametrize("http_status", [200, None])
async def test_temporary_errors_are_retried_then_unavailable(
    emulator: Emulator, client: LastfmClient, sleeps: Sleeps, code: int, http_status: int | None
) -> None:
    emulator.inject(Fault(path=ENDPOINT, lastfm_error=code, status=http_status, times=None))
    with pytest.raises(LastfmUnavailableError) as caught:
        await client.top_tracks("emulator_fm", "7day", 10)
    assert caught.value.code == code
    assert requests(emulator) == 3
    assert sleeps == [1.0, 4.0]


@pytest.mark.parametrize("code", [11, 16, 29])
async def test_a_temporary_error_that_clears(
    emulator: Emulator, client: LastfmClient, sleeps: Sleeps, code: int
) -> None:
    emulator.inject(Fault(path=ENDPOINT, lastfm_error=code, status=200, times=2))
    tracks = await client.top_tracks("emulator_fm", "7day", 5)
    assert len(tracks) == 5
    assert requests(emulator) == 3
    assert sleeps == [1.0, 4.0]


@pytest.mark.parametrize("status", [500, 502, 503, 504])
async def test_server_errors_without_a_lastfm_body(
    emulator: Emulator, client: LastfmClient, sleeps: Sleeps, status: int
) -> None:
    emulator.inject(
        Fault(path=ENDPOINT, status=status, body="<html>Bad gateway</html>", times=None)
    )
    with pytest.raises(LastfmUnavailableError, match=f"HTTP {status}"):
        await client.top_tracks("emulator_fm", "7day", 5)
    assert requests(emulator) == 3
    assert len(sleeps) == 2


async def test_dropped_connections(
    emulator: Emulator, client: LastfmClient, sleeps: Sleeps
) -> None:
    emulator.inject(Fault(path=ENDPOINT, drop=True, times=None))
    with pytest.raises(LastfmUnavailableError) as caught:
        await client.top_tracks("emulator_fm", "7day", 5)
    assert LASTFM_API_KEY not in str(caught.value)
    assert caught.value.__cause__ is None
    assert caught.value.__suppress_context__
    assert len(sleeps) == 2


async def test_a_timeout(
    emulator: Emulator, session: aiohttp.ClientSession, sleeps: Sleeps
) -> None:
    client = LastfmClient(
        session, LASTFM_API_KEY, base_url=emulator.lastfm_url, sleep=sleeps, timeout=0.1, attempts=2
    )
    emulator.inject(Fault(path=ENDPOINT, delay=0.3, times=None))
    with pytest.raises(LastfmUnavailableError, match="in time"):
        await client.top_tracks("emulator_fm", "7day", 5)
    assert sleeps == [1.0]


async def test_no_answer_at_all(session: aiohttp.ClientSession, sleeps: Sleeps) -> None:
    client = LastfmClient(session, LASTFM_API_KEY, base_url="http://127.0.0.1:9/2.0/", sleep=sleeps)
    with pytest.raises(LastfmUnavailableError, match="could not be reached") as caught:
        await client.top_tracks("emulator_fm", "7day", 5)
    assert LASTFM_API_KEY not in str(caught.value)
    assert len(sleeps) == 2


async def test_a_body_that_is_not_top_tracks(emulator: Emulator, client: LastfmClient) -> None:
    emulator.inject(Fault(path=ENDPOINT, status=200, body={"user": {"name": "x"}}))
    with pytest.raises(LastfmError, match="toptracks"):
        await client.top_tracks("emulator_fm", "7day", 5)


async def test_the_key_never_reaches_messages_or_logs(
    emulator: Emulator, client: LastfmClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    # A redirect loop: aiohttp's TooManyRedirects puts the whole URL, key included, in its text.
    loop = f"{emulator.lastfm_url}?api_key={LASTFM_API_KEY}&method=user.gettoptracks"
    emulator.inject(
        Fault(path=ENDPOINT, status=302, headers={"Location": loop}, body={}, times=None)
    )
    with pytest.raises(LastfmUnavailableError) as caught:
        await client.top_tracks("emulator_fm", "7day", 5)
    assert str(caught.value) == "Last.fm could not be reached"  # the detail is at DEBUG
    assert "TooManyRedirects" in caplog.text
    assert "REDACTED" in caplog.text
    assert LASTFM_API_KEY not in str(caught.value)
    assert LASTFM_API_KEY not in caplog.text
    assert LASTFM_API_KEY not in repr(client)
    emulator.clear_faults()
    emulator.inject(
        Fault(path=ENDPOINT, lastfm_error=16, status=200, message=f"echo {LASTFM_API_KEY}")
    )
    await client.top_tracks("emulator_fm", "7day", 5)
    assert LASTFM_API_KEY not in caplog.text


def test_scrub(session_free_client: LastfmClient) -> None:
    text = f"http://x/2.0/?method=m&api_key={LASTFM_API_KEY}&user=u and {LASTFM_API_KEY}"
    scrubbed = session_free_client.scrub(text)
    assert LASTFM_API_KEY not in scrubbed
    assert session_free_client.scrub("api_key=other&x=1") == "api_key=**REDACTED**&x=1"


@pytest.fixture
def session_free_client() -> LastfmClient:
    return LastfmClient(None, LASTFM_API_KEY)  # type: ignore[arg-type]


async def test_invalid_arguments(client: LastfmClient, session: aiohttp.ClientSession) -> None:
    with pytest.raises(ValueError, match="period"):
        await client.top_tracks("emulator_fm", "2weeks", 5)
    with pytest.raises(ValueError, match="limit"):
        await client.top_tracks("emulator_fm", "7day", 0)
    unconfigured = LastfmClient(session, "  ")
    assert not unconfigured.configured
    with pytest.raises(LastfmAuthError):
        await unconfigured.top_tracks("emulator_fm", "7day", 5)


# -- validation for the options flow ------------------------------------------------------------


async def test_validate(emulator: Emulator, session: aiohttp.ClientSession) -> None:
    client = LastfmClient(session, "", base_url=emulator.lastfm_url)
    await client.validate(LASTFM_API_KEY, "emulator_fm")
    assert requests(emulator) == 1
    assert emulator.requests[-1].query["limit"] == "1"
    with pytest.raises(LastfmAuthError):
        await client.validate("f" * 32, "emulator_fm")
    with pytest.raises(LastfmAuthError):
        await client.validate(LASTFM_SUSPENDED_API_KEY, "emulator_fm")
    with pytest.raises(LastfmUserNotFoundError):
        await client.validate(LASTFM_API_KEY, "nobody_here")
    with pytest.raises(LastfmAuthError):
        await client.validate("", "emulator_fm")
    assert requests(emulator) == 4
