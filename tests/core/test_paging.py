"""The playlist listing (`core/paging.py`) over real spotipy against the emulator: ⌈P/50⌉ calls,
the pages after the first side by side, in order, paced, stopped by the first failure, and read
again when the list moved between two page reads."""

from __future__ import annotations

import asyncio
import itertools
from math import ceil
import threading

import pytest

from custom_components.spotifreak.core.cache import Listed
from custom_components.spotifreak.core.errors import (
    SpotifyMalformedError,
    SpotifyRateLimitError,
    SpotifyUnavailableError,
)
from custom_components.spotifreak.core.paging import MAX_IN_FLIGHT, RequestPace
from custom_components.spotifreak.core.spotify import SpotifyClient
from tests.emulator import Emulator, Fault, Library
from tests.emulator.pytest_plugin import in_executor

PATH = "/v1/me/playlists"


def _client(emulator: Emulator, pace: RequestPace | None = None) -> SpotifyClient:
    client = SpotifyClient(emulator.api_url, sleep=lambda _s: None, backoff=(0.0,), pace=pace)
    client.set_token(emulator.issue_tokens()["access_token"])
    return client


def _ids(pages: list[list[Listed]]) -> list[str]:
    return [entry[0] for page in pages for entry in page if isinstance(entry, tuple)]


def _listed(library: Library) -> list[str]:
    return [playlist.id for playlist in library.me_playlists if playlist is not None]


def _account(count: int) -> Library:
    library = Library.empty()
    for index in range(count):
        library.create_playlist(f"P{index}")
    return library


def _most_in_flight(emulator: Emulator) -> int:
    """The most `/me/playlists` requests the emulator was answering at the same moment."""
    spans = [(r.at, r.at + r.duration) for r in emulator.requests if r.path == PATH]
    return max(sum(1 for s, e in spans if s <= start < e) for start, _end in spans)


async def test_pages_after_the_first_side_by_side_in_order(emulator: Emulator) -> None:
    """The first page alone, then at most four at a time; the entries come back in the
    account's order, every one once, in ⌈P/50⌉ calls."""
    emulator.library = _account(1234)
    emulator.latency = 0.05
    client = _client(emulator)
    pages = await in_executor(client.playlist_listing)
    assert _ids(pages) == _listed(emulator.library)
    assert client.counter.total == emulator.count("GET", PATH) == ceil(1234 / 50)
    assert 1 < _most_in_flight(emulator) <= MAX_IN_FLIGHT
    first = min(emulator.requests, key=lambda r: r.at)
    assert first.query["offset"] == "0"
    assert all(r.at >= first.at + first.duration for r in emulator.requests if r is not first)


@pytest.mark.parametrize("offset", [50, 300, 1200])
async def test_a_failure_on_any_page_stops_the_listing(emulator: Emulator, offset: int) -> None:
    """A 429 on any page fails the listing with its Retry-After; no page not yet started when
    the 429 came is requested."""
    emulator.library = _account(1234)
    emulator.inject(Fault(status=429, retry_after=77, path=PATH, query={"offset": str(offset)}))
    emulator.inject(Fault(delay=0.1, path=PATH, times=None))  # every other page takes a while
    client = _client(emulator)
    with pytest.raises(SpotifyRateLimitError) as raised:
        await in_executor(client.playlist_listing)
    assert raised.value.retry_after == 77
    refused = next(r for r in emulator.requests if r.status == 429)
    assert not [r for r in emulator.requests if r.at > refused.at + 0.05]
    # the pages before it, and the others already in flight beside it
    assert emulator.count("GET", PATH) <= min(ceil(1234 / 50), offset // 50 + MAX_IN_FLIGHT)


@pytest.mark.emulator(playlists=300)
async def test_a_page_that_keeps_failing_fails_the_listing(emulator: Emulator) -> None:
    """A 5xx on one page is retried like any read, then fails the whole listing."""
    emulator.inject(Fault(status=503, path=PATH, query={"offset": "100"}, times=None))
    with pytest.raises(SpotifyUnavailableError) as raised:
        await in_executor(_client(emulator).playlist_listing)
    assert raised.value.status == 503
    assert emulator.count("GET", PATH) <= ceil(len(emulator.library.me_playlists) / 50) + 2


@pytest.mark.emulator(playlists=300)
@pytest.mark.parametrize(
    "change",
    [
        pytest.param({"body_patch": {"total": 1000}}, id="total-moved"),
        pytest.param({"item_patch": {"id": "FIRST"}}, id="an-id-twice"),
    ],
)
async def test_a_list_that_moved_is_read_again_one_page_at_a_time(
    emulator: Emulator, change: dict[str, object]
) -> None:
    """A page reporting another `total`, or an id already listed, means the offsets shifted
    under the reader: the listing is read again, one page after the other, and is complete."""
    listed = _listed(emulator.library)
    pages = ceil(len(emulator.library.me_playlists) / 50)
    if "item_patch" in change:
        change = {"item_patch": {"id": listed[0]}}
    emulator.inject(Fault(path=PATH, query={"offset": "100"}, **change))  # type: ignore[arg-type]
    client = _client(emulator)
    result = await in_executor(client.playlist_listing)
    assert _ids(result) == listed
    assert pages < emulator.count("GET", PATH) <= 2 * pages
    reread = [r for r in emulator.requests if r.path == PATH][-pages:]
    assert [r.query["offset"] for r in reread] == [str(50 * n) for n in range(pages)]
    assert all(a.at + a.duration <= b.at for a, b in itertools.pairwise(reread))


@pytest.mark.emulator(playlists=300)
async def test_a_list_that_moves_twice_fails(emulator: Emulator) -> None:
    """When the list moves during the second reading too, the listing fails (the caller keeps
    its cache) rather than return a list with a playlist missing or twice."""
    emulator.inject(Fault(path=PATH, query={"offset": "100"}, body_patch={"total": 9}, times=2))
    with pytest.raises(SpotifyUnavailableError, match="changed while they were being listed"):
        await in_executor(_client(emulator).playlist_listing)


async def test_a_playlist_created_while_listing_is_listed(emulator: Emulator) -> None:
    """A real change: a playlist created (at the top) after the first page was read. The pages
    read after it are shifted by one; the listing notices and returns the new list whole."""
    emulator.library = _account(240)
    emulator.inject(Fault(delay=0.3, path=PATH, after=1, times=4))
    client = _client(emulator)
    listing = asyncio.ensure_future(in_executor(client.playlist_listing))
    while emulator.count("GET", PATH) < 2:  # the first page was answered, the next one waits
        await asyncio.sleep(0.005)
    emulator.library.create_playlist("Made meanwhile")
    result = await listing
    assert _ids(result) == _listed(emulator.library)
    assert emulator.library.me_playlists[0].name == "Made meanwhile"  # type: ignore[union-attr]


async def test_a_playlist_moved_while_listing_is_not_lost(emulator: Emulator) -> None:
    """The total stays when a playlist moves to the top, but the pages read afterwards repeat an
    entry (and would miss the moved one): the listing is read again, whole."""
    emulator.library = _account(240)
    moved = _listed(emulator.library)[-1]
    emulator.inject(Fault(delay=0.3, path=PATH, after=1, times=4))
    client = _client(emulator)
    listing = asyncio.ensure_future(in_executor(client.playlist_listing))
    while emulator.count("GET", PATH) < 2:
        await asyncio.sleep(0.005)
    emulator.library.delete_playlist(moved)
    emulator.library.follow_playlist(moved, position=0)
    result = await listing
    assert _ids(result) == _listed(emulator.library)
    assert _ids(result)[0] == moved


async def test_paced_under_a_rolling_window(emulator: Emulator) -> None:
    """Paced at four requests a second, the listing of nine pages meets no 429 under a limit of
    eight a second (the margin: a request arrives a little after it starts); without the pace it
    does. Still ⌈P/50⌉ calls."""
    emulator.library = _account(440)
    emulator.set_rate_limit(8, window=1.0)
    paced = _client(emulator, RequestPace(4, window=1.0))
    pages = await in_executor(paced.playlist_listing)
    assert len(_ids(pages)) == 440
    assert emulator.count("GET", PATH) == 9
    assert not [r for r in emulator.requests if r.status == 429]
    await asyncio.sleep(1.0)
    emulator.set_rate_limit(8, window=1.0)
    with pytest.raises(SpotifyRateLimitError):
        await in_executor(_client(emulator).playlist_listing)


@pytest.mark.emulator(playlists=300)
async def test_no_page_while_a_retry_after_runs(emulator: Emulator) -> None:
    """The account's Retry-After (met by another job meanwhile) stops the listing before its
    next page; none at all is requested while it runs."""
    pace = RequestPace()
    blocked = threading.Event()
    pace.retry_after = lambda: 30 if blocked.is_set() else None
    emulator.inject(Fault(delay=0.2, path=PATH, after=1, times=None))
    client = _client(emulator, pace)
    listing = asyncio.ensure_future(in_executor(client.playlist_listing))
    while emulator.count("GET", PATH) < 2:
        await asyncio.sleep(0.005)
    blocked.set()
    with pytest.raises(SpotifyRateLimitError) as raised:
        await listing
    assert raised.value.retry_after == 30
    sent = emulator.count("GET", PATH)
    assert sent < ceil(len(emulator.library.me_playlists) / 50)
    with pytest.raises(SpotifyRateLimitError):
        await in_executor(client.playlist_listing)
    assert emulator.count("GET", PATH) == sent


def test_pace_waits_for_room_in_the_window() -> None:
    """At most `max_requests` starts in any window; every request counts, paced or not; a clock
    that does not move holds a start for one window at most."""
    now = [0.0]
    sleeps: list[float] = []

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        now[0] += seconds

    pace = RequestPace(3, window=10.0, clock=lambda: now[0], sleep=sleep)
    pace.note()
    now[0] = 4.0
    pace.acquire()
    pace.acquire()
    assert sleeps == []
    pace.acquire()  # the fourth start in ten seconds waits until the first leaves the window
    assert sleeps == [6.0]
    assert now[0] == 10.0
    pace.clear()
    pace.acquire()
    assert sleeps == [6.0]

    stuck = RequestPace(1, window=10.0, clock=lambda: 0.0, sleep=sleeps.append)
    stuck.acquire()
    stuck.acquire()
    assert sleeps[1:] == [10.0]
    with pytest.raises(ValueError, match="at least 1"):
        RequestPace(0)


@pytest.mark.emulator(playlists=120)
async def test_an_empty_page_in_the_middle_is_malformed(emulator: Emulator) -> None:
    """A page holding fewer entries than its offset and `total` call for is not a short list."""
    emulator.inject(Fault(path=PATH, query={"offset": "50"}, items_dropped=50, times=None))
    with pytest.raises(SpotifyMalformedError):
        await in_executor(_client(emulator).playlist_listing)
