"""An experiment, measured by the benchmarks and not (yet) used by the integration: listing the
account's playlists concurrently after the first page, and compactly.

`SpotifyClient.all_playlists` follows `next` links one page at a time: ⌈P/50⌉ requests, each a full
round trip, and keeps every raw entry until the end. Two improvements, both additive:

- **Concurrent** (`max_in_flight` > 1): the first page tells the total, so every further offset is
  known at once and the pages can be fetched side by side — the same ⌈P/50⌉ requests in a fraction
  of the time. Bounded (at most `max_in_flight` requests at a time, default 4) and
  rate-limit-aware: an optional `RequestBudget` paces request starts to at most N in any rolling
  window (Spotify counts over a rolling 30 seconds), and the first 429 stops every page not yet
  started and is raised with the longest `Retry-After` seen. Nothing is retried here beyond the
  client's own bounded retries of 5xx reads.
- **Compact** (`build_cache`, `playlist_records`): each page is normalised into `PlaylistRecord`s
  as it arrives and the raw page dropped, so the raw JSON of all pages (~15 objects per playlist)
  is never held at once.

Consistency: every page must report the first page's `total`; when the list changed during the read
(offsets moved), it is read again, one page at a time.

Blocking, like the client: run it in an executor thread (it starts its own small thread pool when
`max_in_flight` > 1).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Mapping
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from datetime import datetime
import logging
import threading
import time
from typing import Any, Final

from custom_components.spotifreak.core.cache import CacheFilter, PlaylistCache
from custom_components.spotifreak.core.errors import SpotifyError, SpotifyRateLimitError
from custom_components.spotifreak.core.records import PlaylistRecord
from custom_components.spotifreak.core.spotify import PLAYLISTS_PAGE_LIMIT, SpotifyClient

_LOGGER = logging.getLogger(__name__)

DEFAULT_MAX_IN_FLIGHT: Final = 4

type Entry = dict[str, Any] | None


class RequestBudget:
    """At most `max_requests` request starts in any rolling `window` seconds; thread-safe.

    `acquire()` blocks until a start is allowed. Share one budget per account to pace every caller.
    """

    def __init__(
        self,
        max_requests: int,
        window: float = 30.0,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if max_requests < 1 or window <= 0:
            raise ValueError("max_requests must be at least 1 and window positive")
        self.max_requests = max_requests
        self.window = window
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._starts: deque[float] = deque()

    def acquire(self) -> None:
        """Take one request start, waiting for the rolling window to allow it."""
        while True:
            with self._lock:
                now = self._clock()
                while self._starts and self._starts[0] <= now - self.window:
                    self._starts.popleft()
                if len(self._starts) < self.max_requests:
                    self._starts.append(now)
                    return
                delay = self._starts[0] + self.window - now
            self._sleep(delay)


def all_playlists_concurrent(
    client: SpotifyClient,
    *,
    max_in_flight: int = DEFAULT_MAX_IN_FLIGHT,
    budget: RequestBudget | None = None,
) -> list[Entry]:
    """Every raw entry of `GET /me/playlists` (`limit=50`), in order: ⌈P/50⌉ requests.

    The first page is read alone; the others at most `max_in_flight` at a time. Raises the
    client's `SpotifyError`s; a 429 stops the read at once.
    """
    return _list(client, list, max_in_flight=max_in_flight, budget=budget)


def build_cache(
    client: SpotifyClient,
    user_id: str,
    *,
    refreshed_at: datetime,
    cache_filter: CacheFilter | None = None,
    max_in_flight: int = DEFAULT_MAX_IN_FLIGHT,
    budget: RequestBudget | None = None,
) -> PlaylistCache:
    """The account's `PlaylistCache`, each page normalised as it arrives: ⌈P/50⌉ requests.

    What `PlaylistCache.build(user_id, client.all_playlists(), ...)` returns, without holding
    the raw entries; `max_in_flight=1` reads the pages one after the other.
    """
    cache_filter = cache_filter or CacheFilter()
    listed = playlist_records(client, max_in_flight=max_in_flight, budget=budget)
    return PlaylistCache(
        user_id=user_id,
        last_refreshed=refreshed_at,
        records={r.id: r for r in listed if cache_filter.accepts(r, user_id)},
    )


def playlist_records(
    client: SpotifyClient,
    *,
    max_in_flight: int = DEFAULT_MAX_IN_FLIGHT,
    budget: RequestBudget | None = None,
) -> list[PlaylistRecord]:
    """Every playlist of `GET /me/playlists` as a record (null entries skipped), in order."""

    def records(entries: list[Entry]) -> list[PlaylistRecord]:
        found = (PlaylistRecord.from_api(entry) for entry in entries)
        return [record for record in found if record is not None]

    return _list(client, records, max_in_flight=max_in_flight, budget=budget)


def _list[T](
    client: SpotifyClient,
    convert: Callable[[list[Entry]], list[T]],
    *,
    max_in_flight: int,
    budget: RequestBudget | None,
) -> list[T]:
    """Every page's entries through `convert`, in order (see the module docstring)."""

    def read(offset: int) -> dict[str, Any]:
        if budget is not None:
            budget.acquire()
        return client.playlists_page(offset, PLAYLISTS_PAGE_LIMIT)

    first = read(0)
    total = int(first.get("total") or 0)
    results: list[T] = convert(list(first.get("items") or []))
    if not first.get("next"):
        return results
    offsets = list(range(PLAYLISTS_PAGE_LIMIT, total, PLAYLISTS_PAGE_LIMIT))
    if not offsets:
        return results
    pages = (
        _sequential(read, offsets, total)
        if max_in_flight <= 1
        else _concurrent(read, offsets, total, max_in_flight)
    )
    if pages is None:
        _LOGGER.debug("The playlist list changed while it was read; reading it again")
        return _list(client, convert, max_in_flight=1, budget=budget)
    for page in pages:
        results.extend(convert(page))
    return results


def _page_items(page: Mapping[str, Any], total: int) -> list[Entry] | None:
    """The entries of a page, or None when the list's total moved since the first page."""
    if int(page.get("total") or 0) != total:
        return None
    return list(page.get("items") or [])


def _sequential(
    read: Callable[[int], dict[str, Any]], offsets: list[int], total: int
) -> list[list[Entry]] | None:
    pages: list[list[Entry]] = []
    for offset in offsets:
        items = _page_items(read(offset), total)
        if items is None:
            return None
        pages.append(items)
    return pages


def _concurrent(
    read: Callable[[int], dict[str, Any]], offsets: list[int], total: int, max_in_flight: int
) -> list[list[Entry]] | None:
    stop = threading.Event()

    def fetch(offset: int) -> list[Entry] | None:
        if stop.is_set():
            return None
        try:
            return _page_items(read(offset), total)
        except SpotifyError:
            stop.set()
            raise

    with ThreadPoolExecutor(
        max_workers=min(max_in_flight, len(offsets)), thread_name_prefix="spotifreak-page"
    ) as pool:
        futures = [pool.submit(fetch, offset) for offset in offsets]
        done, _pending = wait(futures, return_when=FIRST_EXCEPTION)
        if any(future.exception() is not None for future in done):
            stop.set()
            for future in futures:
                future.cancel()
            wait(futures)
            _raise_first(futures)
    pages = [future.result() for future in futures]
    if any(page is None for page in pages):
        return None
    return [page for page in pages if page is not None]


def _raise_first(futures: list[Future[list[Entry] | None]]) -> None:
    """Raise the failure of a concurrent read: a 429 (the longest Retry-After) before others."""
    errors = [
        error
        for future in futures
        if not future.cancelled() and (error := future.exception()) is not None
    ]
    limited = [error for error in errors if isinstance(error, SpotifyRateLimitError)]
    if limited:
        raise max(limited, key=lambda error: error.retry_after)
    raise errors[0]
