"""Playlist retention: prune a playlist by age and size, keeping what goes in an archive.

What goes (`prune_keep`), from the playlist's entries and their `added_at`:
- with `max_age_days`, every entry added longer ago (an entry without `added_at` is not known to
  be old, and stays);
- with `max_tracks`, every entry beyond the newest `max_tracks` (without `added_at`: the oldest;
  of two added at once, the later one counts as newer);
- but never so much that fewer than `min_tracks` entries stay: the newest of those that would go
  stay instead;
- and never an entry no write could put back (a local file, an unavailable entry).
A URI that stays at one position and goes at another (it occurs twice, at different ages) is
deleted — Spotify's DELETE removes every occurrence — and put back at its position: its
`added_at` becomes the time of the run (`core/playlist_edit.py`).

With an `archive` (a playlist name, URI or date pattern, created when missing), the tracks that go
are first added to it, without duplicates (what it holds is read or remembered), and removed from
the playlist only once that write went through. A run that stops between the two (a fault, a
restart) is completed by the next one: the same tracks are due, the archive holds them already,
so only the removal is left. The playlist's entries are kept in the playlist history before the
first removal (`target_writer.py`), so every removal can be restored.

Both playlists are locked for the run (in one order, so no two runs deadlock).

State (`ctx.state`, JSON-ready):
    {"playlist": {"playlist_id", "snapshot_id", "entries": [[uri | None, added_at | None], ...]},
     "archives": {playlist_id: {"snapshot_id", "uris"}}}
What the playlist held at a snapshot, with the entries' ages: while the cache still shows that
snapshot, a run that finds nothing due costs no call at all. Anything due is read again first.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import AsyncExitStack
from datetime import datetime, timedelta
from typing import Any, Final

from .context import SyncContext
from .engine import SyncInputError, apply_error
from .playlist_edit import EditPlan, plan_keep, removable
from .readable import check_readable
from .reasons import REASON_NOTHING_TO_REMOVE
from .records import PlaylistRecord
from .retention_options import RetentionOptions
from .runs import RunRecord, RunStatus
from .spotify import PlaylistItem
from .target_contents import ContentsByPlaylist, ContentsOfOnePlaylist, snapshot_current
from .target_open import hold_locks, open_target
from .target_writer import TargetWriter
from .targets import (
    Target,
    TargetStatus,
    explain_not_put_back,
    find_target,
    render_target,
    resolve_playlist,
    target_errors,
)
from .timestamps import newest_first, parse_time

STATE_PLAYLIST: Final = "playlist"
STATE_ARCHIVES: Final = "archives"

type Aged = tuple[str | None, str | None]  # an entry: its URI (None: unavailable), its added_at


def prune_keep(entries: Sequence[Aged], options: RetentionOptions, now: datetime) -> list[bool]:
    """Return, per entry, whether it stays (see the module docstring)."""
    times = [parse_time(added_at) for _uri, added_at in entries]
    fixed = [not removable(uri) for uri, _added_at in entries]
    keep = [True] * len(entries)
    if options.max_age_days is not None:
        cutoff = now - timedelta(days=options.max_age_days)
        for index, added in enumerate(times):
            if not fixed[index] and added is not None and added < cutoff:
                keep[index] = False
    order = newest_first(times)
    if options.max_tracks is not None:
        count = 0
        for index in order:
            if keep[index] and (count < options.max_tracks or fixed[index]):
                count += 1
            else:
                keep[index] = False
    kept = sum(keep)
    for index in order:
        if kept >= (options.min_tracks or 0):
            break
        if not keep[index]:
            keep[index], kept = True, kept + 1
    return keep


def _aged(items: Sequence[PlaylistItem]) -> list[Aged]:
    """Return the entries as retention sees them (unavailable ones without their URI)."""
    return [(item.entry, item.added_at) for item in items]


class _Remembered:
    """What the playlist held at a snapshot, with the entries' ages (`ctx.state["playlist"]`)."""

    def __init__(self, state: dict[str, Any]) -> None:
        self._state = state

    def trusted(self, ctx: SyncContext, playlist: PlaylistRecord) -> list[Aged] | None:
        """Return the remembered entries while their snapshot is current (`snapshot_current`)."""
        entry = self._state.get(STATE_PLAYLIST)
        if (
            not isinstance(entry, Mapping)
            or entry.get("playlist_id") != playlist.id
            or not snapshot_current(ctx, playlist.id, str(entry.get("snapshot_id") or ""))
            or not isinstance(entry.get("entries"), list)
        ):
            return None
        try:
            return [(uri, added_at) for uri, added_at in entry["entries"]]
        except (TypeError, ValueError):
            return None

    def keep(self, playlist_id: str, snapshot_id: str, entries: Sequence[Aged]) -> None:
        """Remember the entries at `snapshot_id` (nothing without one)."""
        if not snapshot_id:
            self.forget()
            return
        self._state[STATE_PLAYLIST] = {
            "playlist_id": playlist_id,
            "snapshot_id": snapshot_id,
            "entries": [list(entry) for entry in entries],
        }

    def forget(self) -> None:
        """Forget the playlist: the next run reads it."""
        self._state.pop(STATE_PLAYLIST, None)


async def run_retention(ctx: SyncContext, options: RetentionOptions, record: RunRecord) -> None:
    """Prune the playlist, filling `record` (see the module docstring).

    Raises `SyncInputError` before anything is written for options no run can use, a playlist
    or an archive that cannot name a playlist (`target_not_a_playlist`, a name too long or not
    printable: checked before any lookup), a playlist that is not found or that the account
    cannot read (Spotify's own, another user's not collaborative: `core/readable.py`, checked
    before the archive is looked for), an archive that is not found by URI or is the playlist
    itself.
    """
    options.check()
    now = ctx.now()
    playlist = render_target(options.playlist, now)
    archive = render_target(options.archive_spec, now) if options.archive_spec else None
    playlist.record = await resolve_playlist(ctx.playlists, playlist.name)
    check_readable(playlist.record, ctx.playlists.user_id)
    playlist.reports_removed = True
    await _find_archive(ctx, archive, playlist.record)
    remembered = _Remembered(ctx.state)
    try:
        known = remembered.trusted(ctx, playlist.record)
        if known is not None and all(prune_keep(known, options, now)):
            playlist.status, playlist.reason = TargetStatus.NOOP, REASON_NOTHING_TO_REMOVE
            return
        await _prune(ctx, options, playlist, archive, remembered)
    finally:
        _conclude(record, playlist, archive)


async def _find_archive(ctx: SyncContext, archive: Target | None, playlist: PlaylistRecord) -> None:
    """Find the archive through the cache (it is created when missing, before its first write)."""
    if archive is None:
        return
    await find_target(ctx, archive, create_missing=True)
    if archive.record is not None and archive.record.id == playlist.id:
        raise SyncInputError(
            "archive_is_playlist",
            f"The archive {archive.spec!r} is the pruned playlist itself",
            {"archive": archive.spec},
        )


async def _prune(
    ctx: SyncContext,
    options: RetentionOptions,
    playlist: Target,
    archive: Target | None,
    remembered: _Remembered,
) -> None:
    """Read the playlist, archive what is due, then remove it; under both playlists' locks."""
    assert playlist.record is not None
    archive_exists = archive is not None and archive.record is not None
    locked = [playlist.record.id]
    if archive is not None and archive.record is not None:
        locked.append(archive.record.id)
    scratch = ContentsOfOnePlaylist({}, "playlist")  # what `remembered` keeps is richer
    async with AsyncExitStack() as stack:
        await stack.enter_async_context(hold_locks(ctx, locked))
        writer = await stack.enter_async_context(
            open_target(ctx, playlist, scratch, public=False, exact=True, lock=False)
        )
        if writer is None:
            return
        cached = ctx.playlists.cached(playlist.record.id)
        with target_errors(playlist):
            entries = _aged(await writer.entries())
        if playlist.status is not TargetStatus.NOT_ATTEMPTED:
            return
        remembered.keep(playlist.record.id, cached.snapshot_id if cached else "", entries)
        keep = prune_keep(entries, options, ctx.now())
        plan = plan_keep([uri for uri, _added_at in entries], keep)
        if not plan.changed:
            playlist.status, playlist.reason = TargetStatus.NOOP, REASON_NOTHING_TO_REMOVE
            return
        if archive is not None and not await _archive_first(
            ctx, stack, archive, plan, lock=not archive_exists
        ):
            return
        try:
            with target_errors(playlist):
                await writer.edit(plan)
        finally:
            _remember_after(ctx, playlist, remembered, entries, keep, plan)


async def _archive_first(
    ctx: SyncContext, stack: AsyncExitStack, archive: Target, plan: EditPlan, *, lock: bool
) -> bool:
    """Add to the archive the removed tracks it lacks; return whether the removal may go on.

    Only the archive of this run is remembered (a date pattern names a new one now and then).
    """
    archives: dict[str, Any] = ctx.state.setdefault(STATE_ARCHIVES, {})
    for old in [key for key in archives if archive.record is None or key != archive.record.id]:
        del archives[old]
    memory = ContentsByPlaylist(archives)
    with target_errors(archive):
        writer: TargetWriter | None = await stack.enter_async_context(
            open_target(ctx, archive, memory, public=False, lock=lock)
        )
        if writer is None:
            return False
        present = set(await writer.contents())
        missing = [uri for uri in dict.fromkeys(plan.removed) if uri not in present]
        if missing:
            await writer.add(missing)
        else:
            archive.status = TargetStatus.NOOP
    return archive.status in (TargetStatus.SUCCESS, TargetStatus.NOOP)


def _remember_after(
    ctx: SyncContext,
    playlist: Target,
    remembered: _Remembered,
    entries: list[Aged],
    keep: list[bool],
    plan: EditPlan,
) -> None:
    """Remember the playlist after a complete removal; forget it after anything else.

    The snapshot is the last write's; entries put back are as old as the run (Spotify stamps
    them with the time of the write, within seconds of it).
    """
    if playlist.status is not TargetStatus.SUCCESS or playlist.record is None or ctx.dry_run:
        remembered.forget()
        return
    put_back = set(plan.deletes)
    stamp = ctx.now().isoformat()
    after = [
        (uri, stamp if uri in put_back else added_at)
        for (uri, added_at), kept in zip(entries, keep, strict=True)
        if kept
    ]
    remembered.keep(playlist.record.id, playlist.record.snapshot_id, after)


def _conclude(record: RunRecord, playlist: Target, archive: Target | None) -> None:
    """Set the run's status from the two playlists' outcomes.

    `success`: something was removed; `noop`: nothing was due; `partial`: something was written
    (archived or removed) before a failure; `rate_limited`, `failed` as the failure says.
    """
    targets = [playlist] if archive is None else [playlist, archive]
    record.removed = playlist.removed
    record.added = archive.added if archive is not None else 0
    record.unknown_outcome = sum(target.unknown for target in targets)
    record.targets = [target.as_dict() for target in targets]
    stopped = next(
        (t for t in (archive, playlist) if t is not None and t.status is TargetStatus.RATE_LIMITED),
        None,
    )
    failed = next(
        (t for t in (archive, playlist) if t is not None and t.status is TargetStatus.FAILED),
        None,
    )
    written = bool(record.removed or record.added or playlist.details.get("not_put_back"))
    if stopped is not None and stopped.cause is not None:
        apply_error(record, stopped.cause)
    elif failed is not None:
        record.status = RunStatus.PARTIAL if written else RunStatus.FAILED
        record.reason, record.error = failed.reason, failed.error
    elif playlist.status is TargetStatus.SUCCESS:
        record.status, record.reason = RunStatus.SUCCESS, None
    else:
        record.status, record.reason = RunStatus.NOOP, playlist.reason or REASON_NOTHING_TO_REMOVE
    explain_not_put_back(record, targets)
