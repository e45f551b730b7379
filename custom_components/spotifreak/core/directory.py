"""The account's playlist directory: the shared cache and the policy for using it.

- A reference (name, URI, URL or id) found in the cache costs no call: a hit. The cache holds
  every playlist the account lists, whatever the options' filter hides from its count and export:
  a sync finds its source and its target (created private, say) without another listing.
- A stale cache is refreshed before resolving, when live lookups are allowed and the host's
  `may_refresh_stale` agrees (a daily call budget may not: the stale cache then answers).
- An id, URI or URL that misses is fetched alone (`GET /playlists/{id}`) and written back.
- A name that misses refreshes the whole cache and looks again: one refresh shared by every
  concurrent caller, and none while the cache is younger than a minute. A name still missing
  after that refresh is remembered as missing until the next refresh, so a typo in an
  automation costs one refresh per cache lifetime, not one a minute; a name not looked up
  since the last refresh still gets its refresh (a playlist made elsewhere a moment ago).
- With live lookups off (the `warn` stale policy) the cache alone answers.
- Records remembered while a refresh is in flight (a created playlist, a written snapshot) are
  applied again to its result: its listing may predate them.
- One listing at a time: a refresh asked for while one is listing (a scheduled one, an action, a
  name miss) waits for that listing instead of starting a second one, before or after it.

Spotify is reached through a `SpotifyRunner`; the host may also say how a refresh the directory
needs is run (`refresh_with`), e.g. as an update of Home Assistant's coordinator, so that its
entities, Store and events follow every refresh, whoever started it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
import logging
from typing import Any, Final, Literal

from .cache import CacheDiff, CacheFilter, Lookup, PlaylistCache
from .errors import SpotifyError, SpotifyForbiddenError, SpotifyNotFoundError
from .records import PlaylistRecord
from .references import PlaylistReference, name_key, parse_reference
from .spotify import SpotifyClient, SpotifyRunner

_LOGGER = logging.getLogger(__name__)

# A name miss right after a refresh would only repeat the same listing: don't.
MISS_REFRESH_MIN_AGE: Final = timedelta(seconds=60)
PLAYLIST_FIELDS: Final = (
    "id,uri,name,owner(id),collaborative,public,snapshot_id,items(total),tracks(total)"
)


@dataclass(frozen=True, slots=True)
class Resolution:
    """A playlist reference resolved to a record."""

    record: PlaylistRecord
    source: Literal["cache", "fetch"]
    lookup: Lookup  # the record and every playlist of its name

    @classmethod
    def found(cls, lookup: Lookup, source: Literal["cache", "fetch"]) -> Resolution:
        """Return the resolution of a cache lookup."""
        return cls(lookup.record, source, lookup)

    @property
    def ambiguous(self) -> bool:
        """Return whether several playlists share the name."""
        return self.lookup.ambiguous

    @property
    def candidates(self) -> tuple[PlaylistRecord, ...]:
        """Return every playlist of that name, preferred first."""
        return self.lookup.candidates


class PlaylistDirectory:
    """The account's playlist cache, kept and consulted by the policy above."""

    def __init__(
        self,
        user_id: str,
        run: SpotifyRunner,
        *,
        clock: Callable[[], datetime],
        cache_filter: CacheFilter | None = None,
        stale_after: timedelta | None = None,
        live_lookups: bool = True,
        refresh_with: Callable[[], Awaitable[Any]] | None = None,
        on_change: Callable[[], None] | None = None,
        persist: Callable[[], Awaitable[None]] | None = None,
        may_refresh_stale: Callable[[], bool] = lambda: True,
    ) -> None:
        """Initialize an empty directory; `refresh` or a stored cache fills it."""
        self.user_id = user_id
        self.cache_filter = cache_filter or CacheFilter()
        self.cache = PlaylistCache(user_id=user_id, cache_filter=self.cache_filter)
        self.stale_after = stale_after  # None: never stale
        self.live_lookups = live_lookups
        self.hits = 0
        self.misses = 0
        self._run = run
        self._clock = clock
        self._refresh_with = refresh_with or self.refresh
        self._on_change = on_change
        self._persist = persist
        self._may_refresh_stale = may_refresh_stale
        self._shared: asyncio.Task[None] | None = None
        self._listing: asyncio.Task[CacheDiff] | None = None
        self._remembered: list[PlaylistRecord] | None = None  # while a refresh is in flight
        self._missing: set[str] = set()  # name keys a refresh did not find, until the next

    def age(self) -> timedelta | None:
        """Return how old the cache is (None before the first refresh)."""
        return self.cache.age(self._clock())

    @property
    def stale(self) -> bool:
        """Return whether the cache was never refreshed or is older than `stale_after`."""
        age = self.age()
        return age is None or (self.stale_after is not None and age > self.stale_after)

    def cached(self, playlist_id: str) -> PlaylistRecord | None:
        """Return the cached record, without any call."""
        return self.cache.get(playlist_id)

    def remember(self, record: PlaylistRecord) -> None:
        """Write a fetched, created or changed playlist (e.g. a new snapshot) into the cache."""
        self.cache.upsert(record)
        self._missing.discard(name_key(record.name))
        if self._remembered is not None:
            self._remembered.append(record)
        if self._on_change is not None:
            self._on_change()

    async def remember_now(self, record: PlaylistRecord) -> None:
        """Remember a record and have the cache stored at once (a playlist a sync created)."""
        self.remember(record)
        if self._persist is not None:
            await self._persist()

    # -- refresh --------------------------------------------------------------------------------

    @property
    def listing(self) -> bool:
        """Return whether a refresh is listing the playlists right now."""
        return self._listing is not None and not self._listing.done()

    async def refresh(self, run: SpotifyRunner | None = None) -> CacheDiff | None:
        """List every playlist into a new cache, make it current, and return what changed.

        Listing and indexing run in one job of `run` (default: the directory's runner), off the
        event loop: the pages after the first side by side (`core/paging.py`). Raises the core's
        `SpotifyError`s; the current cache then stays. While another refresh is listing, this
        one waits for it and returns None (that one reports what changed) or raises its failure.
        """
        if self._listing is not None and self.listing:
            await asyncio.shield(self._listing)
            return None
        self._listing = asyncio.Task(
            self._list(run or self._run), loop=asyncio.get_running_loop(), eager_start=True
        )
        return await self._listing

    async def _list(self, run: SpotifyRunner) -> CacheDiff:
        """Run one listing (see `refresh`)."""
        user_id, clock, cache_filter, previous = (
            self.user_id,
            self._clock,
            self.cache_filter,
            self.cache,
        )

        def build(client: SpotifyClient) -> PlaylistCache:
            pages = client.playlist_listing()
            return PlaylistCache.from_listing(
                user_id,
                pages,
                refreshed_at=clock(),
                cache_filter=cache_filter,
                previous=previous,
            )

        self._remembered = []
        try:
            cache = await run(build)
        finally:
            remembered, self._remembered = self._remembered, None
        if remembered:
            cache.upsert_many(remembered)
        if cache.skipped:
            _LOGGER.debug("%d listed entries were null or not readable; skipped", cache.skipped)
        previous, self.cache = self.cache, cache
        self._missing = set()
        return cache.diff(previous if previous.last_refreshed else None)

    async def refresh_shared(self) -> None:
        """Refresh now; concurrent callers share one refresh instead of each starting their own.

        A listing already running is that refresh: it is waited for, not followed by another.
        Raises the Spotify error when the refresh failed: a caller that needed fresh data (a
        name that missed the cache) must not mistake an outage for "no such playlist".
        """
        if self._listing is not None and self.listing:
            await asyncio.shield(self._listing)
            return
        if self._shared is None or self._shared.done():
            self._shared = asyncio.Task(
                self._refresh_once(), loop=asyncio.get_running_loop(), eager_start=True
            )
        await asyncio.shield(self._shared)

    async def _refresh_once(self) -> None:
        await self._refresh_with()

    # -- resolution -----------------------------------------------------------------------------

    async def resolve(self, text: str) -> Resolution | None:
        """Resolve a name, URI, URL or id (see the module docstring); None when not found.

        Raises `SpotifyError` only when Spotify failed while looking for a missing playlist.
        """
        if self.live_lookups and self.stale and self._may_refresh_stale():
            try:
                await self.refresh_shared()
            except SpotifyError as err:
                # A stale cache is still a cache: resolve from it (misses will raise).
                _LOGGER.debug("Refreshing the stale cache before resolving failed: %s", err)
        reference = parse_reference(text)
        found = self.cache.lookup(reference)
        if found is not None:
            self.hits += 1
            return Resolution.found(found, "cache")
        self.misses += 1
        if not self.live_lookups:
            _LOGGER.debug("Playlist %r not in the cache; live lookups are off", text)
            return None
        return await self._look_up(reference)

    async def _look_up(self, reference: PlaylistReference) -> Resolution | None:
        """Find a reference the cache missed: fetch an id, or refresh once for a name."""
        if reference.playlist_id is not None:
            record = await self._fetch(reference.playlist_id)
            if record is not None:
                self.remember(record)
                return Resolution.found(Lookup(record, (record.row,)), "fetch")
        if reference.name is not None:
            key = name_key(reference.name)
            if key in self._missing:
                _LOGGER.debug("Playlist %r was missing at the last refresh", reference.name)
                return None
            age = self.age()
            if age is None or age >= MISS_REFRESH_MIN_AGE:
                await self.refresh_shared()
                found = self.cache.lookup(reference)
                if found is not None:
                    return Resolution.found(found, "fetch")
                self._missing.add(key)
        return None

    async def _fetch(self, playlist_id: str) -> PlaylistRecord | None:
        """Return one playlist read from Spotify; None when Spotify hides or does not know it."""
        try:
            obj = await self._run(
                lambda client: client.playlist(playlist_id, fields=PLAYLIST_FIELDS)
            )
        except (SpotifyNotFoundError, SpotifyForbiddenError):
            return None
        return PlaylistRecord.from_api(obj)
