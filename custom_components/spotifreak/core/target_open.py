"""Opening a target playlist: create it when missing, then hold its lock and give its writer.

A missing target is created at most once, even across a power loss or a concurrent run (the
creation is marked in the sync state first and the new playlist is stored in the cache before
anything is written to it). Runs touching the same playlist never interleave: they take its lock,
several locks always in one order. The writing itself is `target_writer.TargetWriter`'s.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import replace
import logging

from .context import SyncContext
from .errors import SpotifyError, SpotifyUnavailableError
from .reasons import REASON_CREATE_FAILED
from .records import PlaylistRecord
from .references import name_key
from .target_contents import RememberedContents
from .target_writer import TargetWriter
from .targets import Target, TargetStatus, record_error, refuse_unwritable

_LOGGER = logging.getLogger(__name__)


async def create_target(
    ctx: SyncContext,
    target: Target,
    contents: RememberedContents,
    *,
    public: bool,
    description: str = "",
) -> None:
    """Create the missing playlist, unless a concurrent run created it meanwhile.

    The creation is marked in the saved sync state first, and the new playlist is stored in the
    cache before anything is written to it: a run after a power loss or a kill finds it instead
    of creating a second one. It is remembered as empty, so writing it needs no read. A failure
    is recorded on the target (`create_failed`, or a stop of the run for 429 and 5xx).
    """
    creating = f"create:{name_key(target.name)}"
    async with ctx.target_lock(creating):
        try:
            if creating in ctx.unsure:
                # A run that stopped uncleanly was creating it: it may exist, unknown to the
                # cache that was saved. List the playlists before creating another.
                await ctx.playlists.refresh_shared()
                ctx.unsure.discard(creating)
            resolution = await ctx.playlists.resolve(target.name)
            if resolution is not None:
                target.record = resolution.record
                return
            await ctx.mark_writing(creating)
            try:
                created = await ctx.run_spotify(
                    lambda client: client.create_playlist(
                        target.name, public=public, description=description
                    )
                )
            except (SpotifyUnavailableError, asyncio.CancelledError):
                # It may exist now: the mark stays, and the next run lists before creating.
                ctx.unsure.add(creating)
                raise
        except SpotifyError as err:
            record_error(target, err, creating=True)
            return
        record = PlaylistRecord.from_api(created)
        if record is None:
            target.fail(
                REASON_CREATE_FAILED, f'Spotify did not return the playlist "{target.name}"'
            )
            return
        if not record.owner:
            record = replace(record, owner=ctx.playlists.user_id)
        ctx.playlist_history.mark_created(record.id)
        await ctx.playlists.remember_now(record)  # stored before anything is written to it
        contents.keep(record.id, record.snapshot_id, [])
        target.record = record
        target.created = True
        _LOGGER.debug("Created target playlist %r (%s)", record.name, record.id)


@asynccontextmanager
async def open_target(
    ctx: SyncContext,
    target: Target,
    contents: RememberedContents,
    *,
    public: bool,
    description: str = "",
    exact: bool = False,
    lock: bool = True,
) -> AsyncIterator[TargetWriter | None]:
    """Create the target if missing, then hold its lock and give its writer.

    Gives None when there is nothing to write to: the creation failed (recorded on the target),
    or the playlist is someone else's. Runs touching the same playlist never interleave: one
    waits for the lock and then sees what the other wrote. A dry run creates nothing: a missing
    target's writer starts from an empty playlist. `lock=False`: the caller already holds the
    lock of the (existing) playlist (`hold_locks`).
    """
    target.dry_run = ctx.dry_run
    if target.record is None and ctx.dry_run:
        target.would_create = True
        yield TargetWriter(ctx, target, contents, exact=exact)
        return
    if target.record is None:
        await create_target(ctx, target, contents, public=public, description=description)
    if (
        target.record is None
        or target.status is not TargetStatus.NOT_ATTEMPTED
        or refuse_unwritable(ctx, target)
    ):
        yield None
        return
    if not lock:
        yield TargetWriter(ctx, target, contents, exact=exact)
        return
    async with ctx.target_lock(target.record.id):
        yield TargetWriter(ctx, target, contents, exact=exact)


@asynccontextmanager
async def hold_locks(ctx: SyncContext, playlist_ids: Sequence[str]) -> AsyncIterator[None]:
    """Hold the locks of several playlists, taken in one order (by id) so no two runs deadlock."""
    async with AsyncExitStack() as stack:
        for playlist_id in sorted(set(playlist_ids)):
            await stack.enter_async_context(ctx.target_lock(playlist_id))
        yield
