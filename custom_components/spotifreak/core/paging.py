"""Listing the account's playlists: ⌈P/50⌉ requests, the pages after the first side by side.

- The first page (`offset=0, limit=50`) is read alone: its `total` tells every further offset,
  and those pages are read at most `max_in_flight` at a time (default 4, well under the 10
  connections spotipy's `requests` session pools per host; spotipy keeps no state per call and
  the call counter is locked). Each page is normalised as it arrives (`cache.listed`) and its raw
  JSON dropped, so the raw entries of ten thousand playlists are never held at once.
- Paced: a page starts only while the account has started fewer than `PACE_MAX_REQUESTS`
  requests in the last `PACE_WINDOW` seconds (Spotify counts over a rolling 30 s; see
  `RequestPace`), and never while a `Retry-After` runs.
- The first failure stops the listing: no page not yet started is requested, and the failure is
  raised (a 429 first, with the longest `Retry-After` seen). The caller keeps its previous cache.
- Complete or nothing: a listing counts only when every page is a paging object with an
  `items` list reporting the first page's `total`, holding the entries its offset calls for, and
  `next` is null on the last page only. Anything else is a `SpotifyMalformedError`.
- The list may change while it is read (a playlist created, deleted or moved): offsets shift.
  A `total` unlike the first page's, or an id listed twice, shows it; the listing is then read
  again one page after the other, and a second change fails it.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Mapping
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
import logging
import threading
import time
from typing import Any, Final

from .cache import Listed, listed
from .errors import SpotifyError, SpotifyRateLimitError, SpotifyUnavailableError
from .records import is_count
from .spotify_errors import malformed_error

_LOGGER = logging.getLogger(__name__)

ENDPOINT: Final = "GET me/playlists"
PAGE_LIMIT: Final = 50
MAX_IN_FLIGHT: Final = 4
# Spotify does not publish its limit. 240 requests in any 30 s (8 a second) is what one reader
# sends one request after the other at 125 ms a round trip, Spotify's usual: the side-by-side
# pages never take the account above the rate a sequential listing already reached. 10 000
# playlists (200 pages) fit in one window.
PACE_MAX_REQUESTS: Final = 240
PACE_WINDOW: Final = 30.0

type PageReader = Callable[[int], Mapping[str, Any]]


class RequestPace:
    """The account's requests over a rolling window; thread-safe, shared by a client's forks.

    Every request is `note`d; a listing's page `acquire`s its start: it waits until the window
    holds fewer than `max_requests` starts (at most one window in all, so a clock that does not
    move cannot hold it forever), and raises `SpotifyRateLimitError` while `retry_after` (the
    account's persisted `Retry-After`, seconds left or None) says to wait.
    """

    def __init__(
        self,
        max_requests: int = PACE_MAX_REQUESTS,
        window: float = PACE_WINDOW,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        """Initialize an empty window."""
        if max_requests < 1 or window <= 0:
            raise ValueError("max_requests must be at least 1 and window positive")
        self.max_requests = max_requests
        self.window = window
        self.retry_after: Callable[[], int | None] = lambda: None
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._starts: deque[float] = deque()

    def note(self) -> None:
        """Count a request that starts now."""
        with self._lock:
            self._prune(now := self._clock())
            self._starts.append(now)

    def acquire(self) -> None:
        """Start a paced request: wait for room in the window; raise while Retry-After runs."""
        waited = 0.0
        while True:
            if (seconds := self.retry_after()) is not None:
                raise SpotifyRateLimitError(
                    f"Spotify asked to wait {seconds} more seconds before the next call",
                    retry_after=seconds,
                    endpoint=ENDPOINT,
                )
            with self._lock:
                self._prune(now := self._clock())
                if len(self._starts) < self.max_requests or waited >= self.window:
                    self._starts.append(now)
                    return
                delay = min(self._starts[0] + self.window - now, self.window - waited)
            self._sleep(delay)
            waited += delay

    def clear(self) -> None:
        """Forget the window (as if the last request were long ago)."""
        with self._lock:
            self._starts.clear()

    def _prune(self, now: float) -> None:
        while self._starts and self._starts[0] <= now - self.window:
            self._starts.popleft()


class _ListChangedError(Exception):
    """The list moved between two page reads (offsets shifted)."""


def read_listing(read: PageReader, *, max_in_flight: int = MAX_IN_FLIGHT) -> list[list[Listed]]:
    """Return every entry of the listing `read(offset)` pages, normalised, page by page.

    `read` requests one page (`limit=50`) and raises the core's errors. See the module
    docstring; `max_in_flight=1` reads one page after the other.
    """
    try:
        return _read(read, max_in_flight)
    except _ListChangedError as changed:
        _LOGGER.debug("The playlists changed while they were listed (%s); listing again", changed)
    try:
        return _read(read, 1)
    except _ListChangedError as changed:
        _LOGGER.debug("The playlists changed again while they were listed (%s)", changed)
        raise SpotifyUnavailableError(
            "The account's playlists changed while they were being listed, twice in a row",
            endpoint=ENDPOINT,
        ) from None


def _read(read: PageReader, max_in_flight: int) -> list[list[Listed]]:
    """Read the first page, then the others (see `read_listing`)."""
    first = read(0)
    total = first.get("total")
    if not is_count(total):
        raise malformed_error(ENDPOINT, f"total {total!r}")
    pages = [_page(first, 0, total)]
    offsets = range(PAGE_LIMIT, total, PAGE_LIMIT)
    if max_in_flight <= 1 or len(offsets) <= 1:
        pages += [_page(read(offset), offset, total) for offset in offsets]
    else:
        pages += _side_by_side(read, offsets, total, max_in_flight)
    seen: set[str] = set()
    for page in pages:
        for entry in page:
            playlist_id = entry[0] if isinstance(entry, tuple) else entry
            if playlist_id is not None:
                if playlist_id in seen:
                    raise _ListChangedError(f"{playlist_id} listed twice")
                seen.add(playlist_id)
    return pages


def _page(page: Mapping[str, Any], offset: int, total: int) -> list[Listed]:
    """Return a page's entries, normalised, once the page proved to be the one asked for."""
    if page.get("total") != total:
        if isinstance(page.get("total"), int):
            raise _ListChangedError(f"total {total}, then {page.get('total')} at {offset}")
        raise malformed_error(ENDPOINT, f"total {page.get('total')!r} at offset {offset}")
    items = page["items"]
    last = offset + PAGE_LIMIT >= total
    expected = total - offset if last else PAGE_LIMIT
    if len(items) != expected or bool(page.get("next")) == last:
        raise malformed_error(
            ENDPOINT,
            f"{len(items)} entries at offset {offset} of {total}, next {page.get('next')!r}",
        )
    return [listed(entry) for entry in items]


def _side_by_side(
    read: PageReader, offsets: range, total: int, max_in_flight: int
) -> list[list[Listed]]:
    """Read these pages at most `max_in_flight` at a time; stop at the first failure."""
    stop = threading.Event()

    def fetch(offset: int) -> list[Listed]:
        if stop.is_set():
            raise _StoppedError
        try:
            return _page(read(offset), offset, total)
        except BaseException:
            stop.set()
            raise

    with ThreadPoolExecutor(
        max_workers=min(max_in_flight, len(offsets)), thread_name_prefix="spotifreak-listing"
    ) as pool:
        futures = [pool.submit(fetch, offset) for offset in offsets]
        wait(futures, return_when=FIRST_EXCEPTION)
        if stop.is_set():
            for future in futures:
                future.cancel()
            wait(futures)
            _raise_first(futures)
    return [future.result() for future in futures]


class _StoppedError(Exception):
    """A page not read because another failed first."""


def _raise_first(futures: list[Future[list[Listed]]]) -> None:
    """Raise the failure that stopped the listing: a 429 (the longest Retry-After) first."""
    errors = [
        error
        for future in futures
        if not future.cancelled()
        and (error := future.exception()) is not None
        and not isinstance(error, _StoppedError)
    ]
    limited = [error for error in errors if isinstance(error, SpotifyRateLimitError)]
    if limited:
        raise max(limited, key=lambda error: error.retry_after)
    # A failure stops the listing; only a listing that read well but moved is read again.
    spotify = [error for error in errors if isinstance(error, SpotifyError)]
    raise (spotify or errors)[0]
