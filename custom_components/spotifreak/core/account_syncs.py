"""An account's syncs: a context per run, the shared locks, the syncs' states, their history.

Every run gets a context of its own: a client fork that counts the run's calls, the account's
playlist directory, the clock, a copy of the sync's state (kept when the run ends, however it
ends — except after a dry run, whose copy is thrown away), the account's playlist history, and
the locks shared by every run of the account, one per target playlist. Runs of one sync never
overlap: the second waits and starts from the state the first kept. A restore runs here too
(`core/restore.py`), as does a duplicate removal (`core/duplicates.py`), and the playlist
history's other actions. The Home Assistant glue
(`syncs.py`) persists what this keeps and tells Home Assistant about each run; the benchmark
drives it as it is.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Mapping
from contextlib import nullcontext
import copy
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final
import weakref

from . import (
    duplicates,
    lastfm_options,
    lastfm_sync,
    mirror,
    mirror_options,
    restore,
    retention,
    retention_options,
)
from .context import LastfmContext, SyncContext
from .directory import PlaylistDirectory
from .engine import RunHistory, SyncAlgorithm, execute_run
from .history import HistoryKeeper, PlaylistVersion
from .lastfm import LastfmClient
from .match_cache import MatchCache
from .records import PlaylistRecord
from .runs import RunRecord
from .spotify import SpotifyClient, SpotifyRunner


@dataclass(frozen=True, slots=True)
class SyncKind:
    """How to run one sync type: its algorithm and how its options are read."""

    algorithm: SyncAlgorithm[Any]
    options: Callable[[Mapping[str, Any]], Any]


SYNC_KINDS: Final[dict[str, SyncKind]] = {
    mirror_options.SYNC_TYPE: SyncKind(mirror.run_mirror, mirror_options.MirrorOptions.from_dict),
    lastfm_options.SYNC_TYPE: SyncKind(
        lastfm_sync.run_lastfm_top_tracks, lastfm_options.LastfmOptions.from_dict
    ),
    retention_options.SYNC_TYPE: SyncKind(
        retention.run_retention, retention_options.RetentionOptions.from_dict
    ),
    restore.SYNC_TYPE: SyncKind(restore.run_restore, restore.RestoreOptions.from_dict),
    duplicates.SYNC_TYPE: SyncKind(
        duplicates.run_remove_duplicates, duplicates.DuplicatesOptions.from_dict
    ),
}


class AccountSyncs:
    """Runs an account's syncs and keeps their states, the Last.fm match cache and the history."""

    def __init__(
        self,
        client: SpotifyClient,
        directory: PlaylistDirectory,
        *,
        bind: Callable[[SpotifyClient], SpotifyRunner],
        now: Callable[[], datetime],
        lastfm_client: LastfmClient | None = None,
        lastfm_username: str | None = None,
        match_cache: MatchCache | None = None,
        playlist_history: HistoryKeeper | None = None,
        persist: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        """Initialize the syncs of the account `client` belongs to.

        `persist` stores the states now (awaited): a run saves its state through it before
        its first write to a target (`SyncContext.save_state`).
        """
        self.directory = directory
        self.playlist_history = playlist_history or HistoryKeeper()
        self.history = RunHistory()
        self.states: dict[str, dict[str, Any]] = {}
        self.match_cache = match_cache or MatchCache()
        self.lastfm_client = lastfm_client
        self.lastfm_username = lastfm_username
        self._client = client
        self._bind = bind
        self._now = now
        self._persist = persist
        self._locks: dict[str, asyncio.Lock] = {}
        # One per sync while a run of it holds or waits for it (ad hoc sync ids come and go).
        self._sync_locks: weakref.WeakValueDictionary[str, asyncio.Lock] = (
            weakref.WeakValueDictionary()
        )

    def prune(self, configured: Iterable[str], keep: int) -> list[str]:
        """Forget all but the `keep` most recently run syncs outside `configured`; return them.

        Ad hoc syncs (an action's `sync_id`, or one derived from its options) keep their state
        and history only within this bound; configured syncs are never pruned here.
        """
        kept = set(configured)
        adhoc = (set(self.history.sync_ids) | set(self.states)) - kept

        def last_run(sync_id: str) -> float:
            last = self.history.last(sync_id)
            started = last.started_at if last is not None else None
            return started.timestamp() if started is not None else float("-inf")

        gone = sorted(adhoc, key=last_run, reverse=True)[max(0, keep) :]
        for sync_id in gone:
            self.history.remove(sync_id)
            self.states.pop(sync_id, None)
        return gone

    def lock_for(self, playlist_id: str) -> asyncio.Lock:
        """Return the lock of a target playlist: runs touching it never interleave."""
        return self._locks.setdefault(playlist_id, asyncio.Lock())

    def context(self, sync_id: str, *, dry_run: bool = False) -> SyncContext:
        """Return a fresh context for one run of a sync (a dry run's state is a deep copy)."""
        fork = self._client.fork()
        state = self.states.get(sync_id, {})
        ctx = SyncContext(
            run_spotify=self._bind(fork),
            playlists=self.directory,
            now=self._now,
            calls=lambda: fork.counter.total,
            target_lock=self.lock_for,
            state=copy.deepcopy(state) if dry_run else dict(state),
            lastfm=LastfmContext(self.lastfm_client, self.lastfm_username, self.match_cache),
            playlist_history=self.playlist_history,
            dry_run=dry_run,
        )

        async def save_state() -> None:
            if ctx.dry_run:  # a dry run keeps nothing (and writes nothing to mark)
                return
            self.states[sync_id] = ctx.state
            if self._persist is not None:
                await self._persist()

        ctx.save_state = save_state
        return ctx

    async def run(
        self,
        sync_type: str,
        options: Mapping[str, Any],
        sync_id: str,
        *,
        on_finished: Callable[[RunRecord], None] | None = None,
        dry_run: bool = False,
    ) -> RunRecord:
        """Run a sync once (`core/engine.py`) and return its finished record.

        The sync's state is kept when the run ends, before `on_finished` is called; a dry run
        keeps nothing (its record is not added to the history either). A run waits while another
        run of the same sync (configured, or an action's `sync_id`) is under way, then starts
        from the state that one kept: each run's state is its own copy, so two at once would
        both start from the same progress and write the same tracks. A dry run does not wait.
        Raises only `SyncInputError` and `asyncio.CancelledError`, as the engine does.
        """
        kind = SYNC_KINDS[sync_type]
        async with nullcontext() if dry_run else self._sync_lock(sync_id):
            ctx = self.context(sync_id, dry_run=dry_run)

            def finished(record: RunRecord) -> None:
                if not dry_run:
                    self.states[sync_id] = ctx.state
                if on_finished is not None:
                    on_finished(record)

            return await execute_run(
                ctx,
                kind.algorithm,
                kind.options(options),
                sync_id=sync_id,
                sync_type=sync_type,
                history=self.history,
                on_finished=finished,
            )

    def _sync_lock(self, sync_id: str) -> asyncio.Lock:
        lock = self._sync_locks.get(sync_id)
        if lock is None:
            lock = self._sync_locks[sync_id] = asyncio.Lock()
        return lock

    async def snapshot(self, reference: str) -> PlaylistVersion:
        """Keep a version of a playlist now (`spotifreak.snapshot_playlist`): ⌈N/50⌉ requests."""
        return await restore.snapshot_playlist(
            self.directory,
            self._bind(self._client),
            self.playlist_history,
            reference,
            self._now(),
        )

    async def versions(self, reference: str) -> tuple[PlaylistRecord, list[dict[str, Any]]]:
        """Return a playlist's versions compared with it now (one read of it, if any)."""
        return await restore.list_versions(
            self.directory, self._bind(self._client), self.playlist_history, reference
        )
