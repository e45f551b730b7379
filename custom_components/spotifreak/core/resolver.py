"""Resolution: a playlist reference → a record, cache first, live lookup on a miss."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
import logging
from typing import Final

from .cache import PlaylistCache
from .context import Resolution
from .records import PlaylistRecord
from .references import parse_reference

_LOGGER = logging.getLogger(__name__)

# A name miss right after a refresh would only repeat the same listing: don't.
MISS_REFRESH_MIN_AGE: Final = timedelta(seconds=60)


class PlaylistResolver:
    """Cache-first resolution with a live fallback, counting hits and misses.

    - id / URI / URL miss → `fetch_by_id` (one `GET /playlists/{id}`), the record written back;
    - name miss → one refresh of the whole cache, shared by concurrent callers, then a second look;
    - with `allow_fetch()` false (the `warn` stale policy) a miss stays a miss.
    """

    def __init__(
        self,
        *,
        cache: Callable[[], PlaylistCache],
        fetch_by_id: Callable[[str], Awaitable[PlaylistRecord | None]],
        refresh: Callable[[], Awaitable[None]],
        remember: Callable[[PlaylistRecord], None],
        allow_fetch: Callable[[], bool],
        now: Callable[[], datetime],
    ) -> None:
        self._cache = cache
        self._fetch_by_id = fetch_by_id
        self._refresh = refresh
        self._remember = remember
        self._allow_fetch = allow_fetch
        self._now = now
        self.hits = 0
        self.misses = 0

    async def resolve(self, text: str) -> Resolution | None:
        """Resolve a name, URI, URL or id; None when it cannot be found."""
        reference = parse_reference(text)
        found = self._cache().lookup(reference)
        if found is not None:
            self.hits += 1
            return Resolution(
                record=found.record,
                source="cache",
                ambiguous=found.ambiguous,
                candidates=found.candidates,
            )
        self.misses += 1
        if not self._allow_fetch():
            _LOGGER.debug("Playlist %r not in the cache; live lookups are off", text)
            return None
        if reference.playlist_id is not None:
            record = await self._fetch_by_id(reference.playlist_id)
            if record is not None:
                self._remember(record)
                return Resolution(record=record, source="fetch", candidates=(record,))
        if reference.name is not None:
            age = self._cache().age(self._now())
            if age is None or age >= MISS_REFRESH_MIN_AGE:
                await self._refresh()
                found = self._cache().lookup(reference)
                if found is not None:
                    return Resolution(
                        record=found.record,
                        source="fetch",
                        ambiguous=found.ambiguous,
                        candidates=found.candidates,
                    )
        return None
