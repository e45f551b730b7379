"""A test-side `SyncContext` over the REAL `SpotifyClient` (spotipy over HTTP) and the real
`PlaylistDirectory`, talking to the project's emulator.

spotipy blocks, and the emulator serves on the test's event loop: every Spotify job runs in a
thread (`asyncio.to_thread`), as the Home Assistant glue runs it in the executor.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from custom_components.spotifreak.core.account_syncs import SYNC_KINDS
from custom_components.spotifreak.core.cache import PlaylistCache
from custom_components.spotifreak.core.context import SyncContext
from custom_components.spotifreak.core.directory import PlaylistDirectory, Resolution
from custom_components.spotifreak.core.engine import RunHistory, execute_run
from custom_components.spotifreak.core.history import HistoryKeeper
from custom_components.spotifreak.core.mirror import run_mirror
from custom_components.spotifreak.core.mirror_options import SYNC_TYPE, MirrorOptions
from custom_components.spotifreak.core.records import PlaylistRecord
from custom_components.spotifreak.core.runs import RunRecord
from custom_components.spotifreak.core.spotify import SpotifyClient, build_spotipy
from tests.emulator import Emulator

TZ = ZoneInfo("Europe/Berlin")
ITEMS = "/v1/playlists/{playlist_id}/items"


def playlist_writes(emulator: Emulator) -> int:
    """Every request that could change a playlist (or create one)."""
    return sum(
        emulator.count(method, ITEMS) for method in ("PUT", "POST", "DELETE")
    ) + emulator.count("POST", "/v1/me/playlists")


class Runner:
    """`SpotifyRunner`: runs the job in a thread with the run's counting fork of the client."""

    def __init__(self, client: SpotifyClient) -> None:
        self.client = client

    def __call__[T](self, job: Callable[[SpotifyClient], T]) -> Awaitable[T]:
        return asyncio.to_thread(job, self.client)


class Account:
    """One emulated Spotify account as the integration sees it: a client, the shared playlist
    directory (the real cache and policy), the per-playlist locks shared by all runs, a clock."""

    def __init__(
        self,
        emu: Emulator,
        *,
        now: Callable[[], datetime] | None = None,
        timeout: int = 5,
    ) -> None:
        self.emu = emu
        self.user_id = emu.library.user_id
        spotipy_client = build_spotipy(emu.api_url, timeout=timeout)
        emu.on_stop(spotipy_client._session.close)
        self.client = SpotifyClient(spotipy_client=spotipy_client, backoff=(0.0,))
        self.client.set_token(emu.issue_tokens()["access_token"])
        self.locks: dict[str, asyncio.Lock] = {}
        self.now: Callable[[], datetime] = now or (lambda: datetime.now(TZ))
        self.directory = PlaylistDirectory(self.user_id, Runner(self.client), clock=self.now)
        self.history = RunHistory()
        self.playlist_history = HistoryKeeper()  # the account's, shared by every run

    # -- the playlist cache -------------------------------------------------------------------

    @property
    def cache(self) -> PlaylistCache:
        return self.directory.cache

    async def refresh(self) -> None:
        """What the coordinator does: page `/me/playlists` and rebuild the cache."""
        await self.directory.refresh()

    def cached(self, playlist_id: str) -> PlaylistRecord | None:
        return self.directory.cached(playlist_id)

    async def resolve(self, reference: str) -> Resolution | None:
        return await self.directory.resolve(reference)

    def lock(self, playlist_id: str) -> asyncio.Lock:
        return self.locks.setdefault(playlist_id, asyncio.Lock())

    # -- runs ---------------------------------------------------------------------------------

    def context(self, state: dict[str, Any] | None = None, *, dry_run: bool = False) -> SyncContext:
        """A fresh context for one run; `state` is the sync's persisted state (shared dict)."""
        fork = self.client.fork()
        return SyncContext(
            run_spotify=Runner(fork),
            playlists=self.directory,
            now=self.now,
            calls=lambda: fork.counter.total,
            target_lock=self.lock,
            state=state if state is not None else {},
            playlist_history=self.playlist_history,
            dry_run=dry_run,
        )

    async def mirror(
        self,
        state: dict[str, Any] | None = None,
        *,
        sync_id: str = "mirror_test",
        on_finished: Callable[[RunRecord], None] | None = None,
        **options: Any,
    ) -> RunRecord:
        """One mirror run through the engine."""
        return await execute_run(
            self.context(state),
            run_mirror,
            MirrorOptions(**options),
            sync_id=sync_id,
            sync_type=SYNC_TYPE,
            history=self.history,
            on_finished=on_finished,
        )

    async def run(
        self,
        sync_type: str,
        state: dict[str, Any] | None = None,
        *,
        sync_id: str = "rule_test",
        dry_run: bool = False,
        **options: Any,
    ) -> RunRecord:
        """One run of any sync kind (retention, duplicates, ...) through the engine."""
        kind = SYNC_KINDS[sync_type]
        return await execute_run(
            self.context(state, dry_run=dry_run),
            kind.algorithm,
            kind.options(options),
            sync_id=sync_id,
            sync_type=sync_type,
            history=self.history,
        )

    def uris(self, playlist_id: str) -> list[str]:
        """The playlist's contents in the emulator (ground truth)."""
        return self.emu.library.playlist_uris(playlist_id)

    def named(self, name: str) -> list[Any]:
        """Playlists of that name the account follows (ground truth)."""
        return self.emu.library.playlists_named(name)
