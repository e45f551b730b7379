"""Listing the account's playlists concurrently after the first page: bounded and rate-limit-aware.

`SpotifyService.all_playlists` follows `next` links one page at a time: ⌈P/50⌉ requests, each a full
round trip. The first page tells the total, so every further offset is known at once and the pages
can be fetched side by side — the same ⌈P/50⌉ requests in a fraction of the time.

- **Bounded**: at most `max_in_flight` requests at a time (default 4).
- **Rate-limit-aware**: an optional `RequestBudget` paces request starts to at most N in any rolling
  window (Spotify counts over a rolling 30 seconds); the first 429 stops every page not yet started
  and is raised with the longest `Retry-After` seen, so the caller stays silent as long as asked.
  No request is retried here beyond the service's own bounded retries of 5xx reads.
- **Consistent**: every page must report the first page's `total`; when the list changed during the
  read (offsets moved), it is read again sequentially with `all_playlists`.

Blocking, like the service: run it in an executor thread (it starts its own small thread pool).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
import logging
import threading
import time
from typing import Any, Final

from .errors import SpotifyError, SpotifyRateLimitError
from .spotify import PLAYLISTS_PAGE_LIMIT, SpotifyService

_LOGGER = logging.getLogger(__name__)

DEFAULT_MAX_IN_FLIGHT: Final = 4


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
        self.waited = 0.0  # seconds spent waiting for the window, in total

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
            self.waited += delay
            self._sleep(delay)


def all_playlists_concurrent(
    service: SpotifyService,
    *,
    max_in_flight: int = DEFAULT_MAX_IN_FLIGHT,
    budget: RequestBudget | None = None,
) -> list[dict[str, Any] | None]:
    """Every entry of `GET /me/playlists` (`limit=50`), in order: ⌈P/50⌉ requests (at least one).

    The first page is read alone; the others, whose offsets it makes known, at most
    `max_in_flight` at a time. Raises the service's `SpotifyError`s; a 429 stops the read at once.
    """
    if budget is not None:
        budget.acquire()
    first = service.playlists_page(0, PLAYLISTS_PAGE_LIMIT)
    entries: list[dict[str, Any] | None] = list(first.get("items") or [])
    total = int(first.get("total") or 0)
    if not first.get("next") or total <= len(entries):
        return entries
    offsets = list(range(PLAYLISTS_PAGE_LIMIT, total, PLAYLISTS_PAGE_LIMIT))
    stop = threading.Event()

    def fetch(offset: int) -> dict[str, Any] | None:
        if stop.is_set():
            return None
        if budget is not None:
            budget.acquire()
        if stop.is_set():
            return None
        try:
            return service.playlists_page(offset, PLAYLISTS_PAGE_LIMIT)
        except SpotifyError:
            stop.set()
            raise

    with ThreadPoolExecutor(
        max_workers=max(1, min(max_in_flight, len(offsets))), thread_name_prefix="spotifreak-page"
    ) as pool:
        futures: list[Future[dict[str, Any] | None]] = [
            pool.submit(fetch, offset) for offset in offsets
        ]
        done, _pending = wait(futures, return_when=FIRST_EXCEPTION)
        if any(future.exception() is not None for future in done):
            stop.set()
            for future in futures:
                future.cancel()
            wait(futures)
            _raise_first(futures)
    pages = [future.result() for future in futures]
    for page in pages:
        if page is None or int(page.get("total") or 0) != total:
            _LOGGER.debug("The playlist list changed while it was read; reading it again")
            return service.all_playlists()
        entries.extend(page.get("items") or [])
    return entries


def _raise_first(futures: list[Future[dict[str, Any] | None]]) -> None:
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
