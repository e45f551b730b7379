"""The Home Assistant glue's behaviour, without Home Assistant, on a simulated clock.

`BenchCache` does what `coordinator.PlaylistCacheCoordinator` does with the cache: scheduled
refreshes (`all_playlists` in the executor, `PlaylistCache.build`, the next refresh one interval
after the last one, whatever started it), resolution through the real `PlaylistResolver` (cache
first; id miss → `GET /playlists/{id}` written back; name miss → one shared refresh unless the
cache is younger than a minute), a refresh first when the cache is stale under the `fetch` policy,
and write-back (`remember`) of created and written playlists. `BenchSyncs` does what
`syncs.SyncManager.async_run` does: a counting fork of the client per run, a `SyncContext` with
the shared per-playlist locks, the sync's state, the account's `MatchCache`, and `execute_run`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from custom_components.spotifreak.core import lastfm_options, lastfm_sync, mirror, mirror_options
from custom_components.spotifreak.core.cache import CacheFilter, PlaylistCache
from custom_components.spotifreak.core.context import Resolution, SyncContext
from custom_components.spotifreak.core.engine import RunHistory, SyncAlgorithm, execute_run
from custom_components.spotifreak.core.errors import SpotifyForbiddenError, SpotifyNotFoundError
from custom_components.spotifreak.core.lastfm import LastfmClient
from custom_components.spotifreak.core.matching import MatchCache
from custom_components.spotifreak.core.records import PlaylistRecord
from custom_components.spotifreak.core.resolver import PlaylistResolver
from custom_components.spotifreak.core.runs import RunRecord
from custom_components.spotifreak.core.spotify import SpotifyClient

FETCH_FIELDS = "id,uri,name,owner(id),collaborative,public,snapshot_id,items(total),tracks(total)"


class SimClock:
    """A settable clock (aware datetimes)."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now


class Runner:
    """A `SpotifyRunner`: the job in the default executor, on one (forked) client."""

    def __init__(self, client: SpotifyClient) -> None:
        self._client = client

    def __call__[T](self, job: Callable[[SpotifyClient], T]) -> Awaitable[T]:
        return asyncio.get_running_loop().run_in_executor(None, job, self._client)


class BenchCache:
    """The coordinator's cache behaviour (a `PlaylistDirectory`)."""

    def __init__(
        self,
        client: SpotifyClient,
        clock: Callable[[], datetime],
        user_id: str,
        *,
        interval: timedelta,
        stale_after: timedelta | None = None,
        policy: str = "fetch",
        lister: Callable[[SpotifyClient], list[dict[str, Any] | None]] | None = None,
    ) -> None:
        self.client = client
        self.clock = clock
        self._user_id = user_id
        self.interval = interval
        self.stale_after = stale_after or 2 * interval
        self.policy = policy
        self.lister = lister or SpotifyClient.all_playlists
        self.data = PlaylistCache(user_id=user_id)
        self.next_refresh: datetime | None = None
        self.refreshes = 0
        self.refresh_calls = 0
        self.refresh_listed: list[int] = []
        self._shared: asyncio.Task[None] | None = None
        self._remembered: list[PlaylistRecord] | None = None
        self.resolver = PlaylistResolver(
            cache=lambda: self.data,
            fetch_by_id=self._fetch_by_id,
            refresh=self.refresh_shared,
            remember=self.remember,
            allow_fetch=lambda: self.policy == "fetch",
            now=clock,
        )

    # -- refresh --------------------------------------------------------------------------------

    def due(self) -> bool:
        """Whether the scheduled refresh has fallen due."""
        return self.next_refresh is None or self.clock() >= self.next_refresh

    async def refresh(self) -> None:
        """One refresh (scheduled or shared), as `_async_update_data` does it after start-up:
        listing and building in one executor job."""
        fork = self.client.fork()
        lister, user_id, clock = self.lister, self._user_id, self.clock

        def fetch(client: SpotifyClient) -> tuple[PlaylistCache, int]:
            entries = lister(client)
            cache = PlaylistCache.build(
                user_id, entries, refreshed_at=clock(), cache_filter=CacheFilter()
            )
            return cache, len(entries)

        self._remembered = []
        try:
            cache, listed = await Runner(fork)(fetch)
        finally:
            remembered, self._remembered = self._remembered, None
        if remembered:  # written back while the listing ran: newer than what it read
            cache.upsert_many(remembered)
        self.data = cache
        self.next_refresh = self.clock() + self.interval
        self.refreshes += 1
        self.refresh_calls += fork.counter.total
        self.refresh_listed.append(listed)

    async def refresh_shared(self) -> None:
        """Concurrent callers share one refresh."""
        if self._shared is None or self._shared.done():
            self._shared = asyncio.create_task(self.refresh())
        await asyncio.shield(self._shared)

    @property
    def stale(self) -> bool:
        age = self.data.age(self.clock())
        return age is None or age > self.stale_after

    # -- PlaylistDirectory ------------------------------------------------------------------------

    @property
    def user_id(self) -> str:
        return self._user_id

    async def resolve(self, reference: str) -> Resolution | None:
        if self.stale and self.policy == "fetch":
            await self.refresh_shared()
        return await self.resolver.resolve(reference)

    def cached(self, playlist_id: str) -> PlaylistRecord | None:
        return self.data.get(playlist_id)

    def remember(self, record: PlaylistRecord) -> None:
        self.data.upsert(record)
        if self._remembered is not None:
            self._remembered.append(record)

    async def _fetch_by_id(self, playlist_id: str) -> PlaylistRecord | None:
        try:
            obj = await Runner(self.client.fork())(
                lambda client: client.playlist(playlist_id, fields=FETCH_FIELDS)
            )
        except (SpotifyNotFoundError, SpotifyForbiddenError):
            return None
        return PlaylistRecord.from_api(obj)


@dataclass(frozen=True, slots=True)
class _Kind:
    algorithm: SyncAlgorithm[Any]
    options: Callable[[Mapping[str, Any]], Any]


KINDS: dict[str, _Kind] = {
    mirror_options.SYNC_TYPE: _Kind(mirror.run_mirror, mirror_options.MirrorOptions.from_dict),
    lastfm_options.SYNC_TYPE: _Kind(
        lastfm_sync.run_lastfm_top_tracks, lastfm_options.LastfmOptions.from_dict
    ),
}


class BenchSyncs:
    """`SyncManager.async_run` without Home Assistant: state, locks, match cache, history."""

    def __init__(
        self,
        cache: BenchCache,
        clock: Callable[[], datetime],
        *,
        lastfm: LastfmClient | None = None,
        lastfm_username: str | None = None,
    ) -> None:
        self.cache = cache
        self.clock = clock
        self.lastfm = lastfm
        self.lastfm_username = lastfm_username
        self.history = RunHistory()
        self.states: dict[str, dict[str, Any]] = {}
        self.match_cache = MatchCache(clock=clock)
        self._locks: dict[str, asyncio.Lock] = {}

    def lock_for(self, playlist_id: str) -> asyncio.Lock:
        return self._locks.setdefault(playlist_id, asyncio.Lock())

    async def run(self, sync_type: str, options: Mapping[str, Any], sync_id: str) -> RunRecord:
        kind = KINDS[sync_type]
        fork = self.cache.client.fork()
        extras: dict[str, Any] = {
            lastfm_sync.EXTRA_MATCH_CACHE: self.match_cache,
            lastfm_sync.EXTRA_LASTFM_USERNAME: self.lastfm_username,
        }
        if self.lastfm is not None:
            extras[lastfm_sync.EXTRA_LASTFM_CLIENT] = self.lastfm
        ctx = SyncContext(
            run_spotify=Runner(fork),
            playlists=self.cache,
            now=self.clock,
            calls=lambda: fork.counter.total,
            target_lock=self.lock_for,
            state=dict(self.states.get(sync_id, {})),
            extras=extras,
        )

        def finished(_record: RunRecord) -> None:
            self.states[sync_id] = ctx.state

        return await execute_run(
            ctx,
            kind.algorithm,
            kind.options(options),
            sync_id=sync_id,
            sync_type=sync_type,
            history=self.history,
            on_finished=finished,
        )
