"""The playlist mirror: copy the tracks of a source (liked songs or a playlist) into target playlists.

- A run that did nothing is never `success`; a 429 is `rate_limited` with `retry_after`.
- Deduplication compares against what a target really holds, so a run that failed half-way and
  its re-run never add a track twice: a cursor only decides what is *read*, never what is skipped.
- Targets resolve through the playlist cache (no call per run); date patterns render in Home
  Assistant's time zone, in title case, with escapes.

API economy. The state remembers what each target holds at the snapshot its last write returned;
while the cache still reports that snapshot the target is not read again (`core/targets.py`). A
liked-songs run reads `/me/tracks` only down to its cursor (`core/mirror_source.py`). A
playlist-source run whose source and targets have not moved (cached `snapshot_id`s) is
`up_to_date` without reading any items.

State (`ctx.state`, JSON-ready), version 1:
    {"version": 1,
     "fingerprint": "<hash of source and target specs>",      # cursor/snapshot belong to these
     "cursor": {"uris": [str, ...], "added_at": str | None},  # liked songs: newest processed
     "source": {"id": str, "snapshot_id": str},                 # playlist source, last success
     "targets": {playlist_id: {"snapshot_id": str, "uris": [str, ...]}},
     "exact_targets": {playlist_id: {"snapshot_id": str, "uris": [str, ...]}},  # in order
     "appended": {playlist_id: {"count": int, "key": str,       # deduplication off, unfinished
                                "sending": {"size": int, "position": int, "key": str}}}}
A target whose last write had an unknown outcome (5xx, dropped connection, interruption) has no
entry, so the next run reads it. `cursor` and `source` advance only when every target succeeded.

`mode: exact` makes each target hold exactly the source's tracks in the source's order (liked
songs: oldest first, as appends write them) with the fewest writes (`core/playlist_edit.py`):
what the target holds in the source's order stays, what is missing is inserted at its place,
what is not in the source (or out of order) is deleted — after a version of the target is kept.
Local files and unavailable entries of a target stay: no write could put them back. An empty
source never empties a target. Liked songs are read whole each run (a cursor cannot tell what
was un-liked).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .context import SyncContext
from .engine import SyncInputError, apply_error, fail
from .errors import (
    SpotifyError,
    SpotifyForbiddenError,
    SpotifyNotFoundError,
    SpotifyRateLimitError,
)
from .mirror_options import SOURCE_LIKED_SONGS, MirrorOptions
from .mirror_source import (
    MirrorState,
    SentChunk,
    batch,
    fingerprint,
    read_liked,
    read_playlist,
)
from .playlist_edit import align, plan_edit
from .readable import check_readable
from .reasons import (
    REASON_ALREADY_PRESENT,
    REASON_NOTHING_ADDABLE,
    REASON_NOTHING_NEW,
    REASON_SOURCE_EMPTY,
    REASON_SOURCE_FORBIDDEN,
    REASON_SOURCE_NOT_FOUND,
    REASON_SPOTIFY_UNAVAILABLE,
    REASON_UP_TO_DATE,
)
from .records import PlaylistRecord
from .references import name_key
from .runs import RunRecord, RunStatus
from .spotify import PlaylistItem
from .target_contents import ContentsByPlaylist, trusted_contents
from .target_open import open_target
from .target_writer import TargetWriter
from .targets import (
    Target,
    TargetStatus,
    explain_not_put_back,
    find_target,
    render_target,
    target_errors,
)


@dataclass(slots=True)
class _Plan:
    """What a run copies and where to: the source items (oldest first) and the targets."""

    state: MirrorState
    targets: list[Target]
    items: list[PlaylistItem]
    source: PlaylistRecord | None  # None: the liked songs
    read: list[PlaylistItem] = field(default_factory=list)  # the source as read (playlist)

    def advance(self) -> None:
        """Move the cursor (liked songs) or the source snapshot: every target succeeded."""
        if self.source is not None:
            self.state.advance_source(self.source, self.read)
        elif self.items:
            self.state.advance_cursor(self.items[::-1])


async def run_mirror(ctx: SyncContext, options: MirrorOptions, record: RunRecord) -> None:
    """Mirror `options.source` into `options.targets`, filling `record` (see the module docstring).

    Raises `SyncInputError` before anything is written for an unknown source or one the account
    cannot read (`core/readable.py`), an unknown target, a target that is the source, no
    targets, an invalid pattern or an out-of-range option. Spotify errors while reading the
    source escape to the engine, which maps them (`rate_limited`, `failed`).
    """
    options.check()
    now = ctx.now()
    targets = [render_target(spec, now) for spec in options.target_specs]
    if options.liked_songs:
        plan = await _plan_liked(ctx, options, targets, record)
    else:
        plan = await _plan_playlist(ctx, options, targets, record)
    if plan is None:
        return
    uris, record.skipped = batch(plan.items, options.deduplicate)
    if not uris:
        record.status, record.reason = RunStatus.NOOP, REASON_NOTHING_ADDABLE
        plan.advance()
        return
    stopped = await _write_targets(ctx, options, plan, uris, record)
    _conclude(record, plan.targets, stopped)
    if record.status in (RunStatus.SUCCESS, RunStatus.NOOP):
        plan.advance()


async def _plan_liked(
    ctx: SyncContext, options: MirrorOptions, targets: list[Target], record: RunRecord
) -> _Plan | None:
    """Read the liked songs newer than the cursor; None when the run ends there."""
    state = MirrorState(ctx.state, fingerprint(SOURCE_LIKED_SONGS, options.targets))
    items, used_cursor = await read_liked(ctx, options, state)
    if not items:
        _finish_empty(record, up_to_date=used_cursor)
        return None
    items.reverse()  # oldest first
    return _Plan(state, await _resolve_targets(ctx, options, targets, None), items, None)


async def _plan_playlist(
    ctx: SyncContext, options: MirrorOptions, targets: list[Target], record: RunRecord
) -> _Plan | None:
    """Resolve the source and targets, then read the source unless nothing moved; None: done."""
    source = await _resolve_source(ctx, options)
    state = MirrorState(ctx.state, fingerprint(source.id, options.targets))
    targets = await _resolve_targets(ctx, options, targets, source)
    if options.only_new and _unchanged(ctx, state, source, targets, exact=options.exact):
        record.status, record.reason = RunStatus.UP_TO_DATE, REASON_UP_TO_DATE
        return None
    try:
        items = await read_playlist(ctx, options, source)
    except SpotifyForbiddenError as err:
        fail(record, REASON_SOURCE_FORBIDDEN, str(err.about(source.name)))
        return None
    except SpotifyNotFoundError as err:
        fail(record, REASON_SOURCE_NOT_FOUND, str(err.about(source.name)))
        return None
    except SpotifyError as err:
        err.about(source.name)
        raise
    if not items:
        _finish_empty(record, up_to_date=False)
        state.advance_source(source)
        return None
    read = items
    if not options.deduplicate and not options.exact:
        items = state.new_in_source(items)
        if not items:
            record.status, record.reason = RunStatus.NOOP, REASON_NOTHING_NEW
            state.advance_source(source, read)
            return None
    return _Plan(state, targets, items, source, read)


async def _resolve_source(ctx: SyncContext, options: MirrorOptions) -> PlaylistRecord:
    """Return the source playlist; refuse one that is not found or the account cannot read."""
    resolution = await ctx.playlists.resolve(options.source.strip())
    if resolution is None:
        raise SyncInputError(
            "unknown_source",
            f"Source playlist {options.source!r} was not found",
            {"source": options.source},
        )
    check_readable(resolution.record, ctx.playlists.user_id)
    return resolution.record


async def _resolve_targets(
    ctx: SyncContext,
    options: MirrorOptions,
    targets: list[Target],
    source: PlaylistRecord | None,
) -> list[Target]:
    """Resolve every target through the cache; the same playlist named twice is written once."""
    unique: list[Target] = []
    seen: set[str] = set()
    for target in targets:
        await find_target(ctx, target, create_missing=options.create_missing)
        if target.record is not None and source is not None and target.record.id == source.id:
            raise SyncInputError(
                "target_is_source",
                f"Target {target.spec!r} is the source playlist",
                {"target": target.spec, "source": options.source},
            )
        key = target.record.id if target.record is not None else name_key(target.name)
        if key not in seen:
            seen.add(key)
            unique.append(target)
    return unique


def _unchanged(
    ctx: SyncContext,
    state: MirrorState,
    source: PlaylistRecord,
    targets: list[Target],
    *,
    exact: bool,
) -> bool:
    """Return whether the source's and every target's snapshot are the last success's."""
    last = state.source_snapshot
    if last is None or last != (source.id, source.snapshot_id) or not source.snapshot_id:
        return False
    contents = ContentsByPlaylist(state.remembered(exact=exact))
    return all(
        target.record is not None and trusted_contents(ctx, contents, target.record.id) is not None
        for target in targets
    )


async def _write_targets(
    ctx: SyncContext, options: MirrorOptions, plan: _Plan, uris: list[str], record: RunRecord
) -> SpotifyError | None:
    """Write into each target in turn; return what stopped the run (429, 5xx), if anything."""
    contents = ContentsByPlaylist(plan.state.remembered(exact=options.exact))
    for target in plan.targets:
        target.reports_removed = options.exact
        try:
            with target_errors(target):
                await _mirror_into(ctx, options, target, uris, contents, plan.state)
        finally:
            record.added = sum(t.added for t in plan.targets)
            record.removed = sum(t.removed for t in plan.targets)
            record.unknown_outcome = sum(t.unknown for t in plan.targets)
            record.targets = [t.as_dict() for t in plan.targets]
        if target.stops_run:
            return target.cause
    return None


async def _mirror_into(
    ctx: SyncContext,
    options: MirrorOptions,
    target: Target,
    uris: list[str],
    contents: ContentsByPlaylist,
    state: MirrorState,
) -> None:
    """Create the target if missing, then add what it lacks (or make it exact) under its lock.

    Without deduplication the batch is appended as it is, less what an unfinished earlier run
    of the same batch already appended (`_append_rest`). An exact mirror ignores
    deduplication: its targets end with the source's tracks, each as often as there.
    """
    async with open_target(
        ctx, target, contents, public=options.public, exact=options.exact
    ) as writer:
        if writer is None:
            return
        if options.exact:
            current = await writer.contents()
            edit = plan_edit(current, align(current, uris))
            if edit.changed:  # it will be written: plan on what it holds now
                fresh = await writer.fresh_contents()
                if fresh != current:
                    edit = plan_edit(fresh, align(fresh, uris))
            if edit.changed:
                await writer.edit(edit)
            else:
                target.status = TargetStatus.NOOP
            return
        if not options.deduplicate:
            await _append_rest(ctx, writer, target, uris, state)
            return
        present = set(await writer.contents())
        uris = [uri for uri in uris if uri not in present]
        if uris:
            await writer.add(uris)
        else:
            target.status = TargetStatus.NOOP


async def _append_rest(
    ctx: SyncContext, writer: TargetWriter, target: Target, uris: list[str], state: MirrorState
) -> None:
    """Append what an unfinished earlier run did not append of `uris` (deduplication off).

    Each chunk is saved in the state before it is sent, with where it lands, and confirmed once
    it went through or was refused: a chunk whose outcome is unknown (5xx, dropped connection,
    interruption, power loss) is looked for in the target by the next run — one read, only
    then — and appended again only if it is not there.
    """
    playlist_id = writer.playlist_id
    done = state.appended(playlist_id, uris)
    sent = state.sent(playlist_id, uris)
    if sent is not None:
        held = [item.uri for item in await writer.entries()]
        done = sent.start + sent.size if sent.landed(uris, held) else sent.start
        state.note_appended(playlist_id, uris, done)
    if done == len(uris):
        target.status = TargetStatus.NOOP
        return

    async def before_chunk(added: int, chunk: list[str], position: int) -> None:
        state.note_sending(playlist_id, uris, SentChunk(done + added, len(chunk), position))
        await ctx.save_state()

    unknown = target.unknown
    try:
        await writer.add(uris[done:], before_chunk=before_chunk)
    finally:
        if target.unknown == unknown:  # every chunk sent went through or was refused
            state.note_appended(playlist_id, uris, done + target.added)


def _finish_empty(record: RunRecord, *, up_to_date: bool) -> None:
    if up_to_date:
        record.status, record.reason = RunStatus.UP_TO_DATE, REASON_UP_TO_DATE
    else:
        record.status, record.reason = RunStatus.NOOP, REASON_SOURCE_EMPTY


def _conclude(record: RunRecord, targets: list[Target], stopped: SpotifyError | None) -> None:
    """Set the run's status from the targets' outcomes.

    `partial`: a target failed while another one was written completely.
    """
    said = next((t.error for t in targets if stopped is not None and t.cause is stopped), None)
    if isinstance(stopped, SpotifyRateLimitError):
        apply_error(record, stopped)
        record.error = said or record.error
    else:
        _status(record, targets, stopped, said)
    explain_not_put_back(record, targets)


def _status(
    record: RunRecord, targets: list[Target], stopped: SpotifyError | None, said: str | None
) -> None:
    """Set the status of a run that was not rate limited (`said`: the stopped target's error)."""
    written = any(t.status is TargetStatus.SUCCESS for t in targets)
    failed = [t for t in targets if t.status is TargetStatus.FAILED]
    if stopped is not None:
        record.status = RunStatus.PARTIAL if written else RunStatus.FAILED
        record.reason, record.error = REASON_SPOTIFY_UNAVAILABLE, said or str(stopped)
    elif failed:
        record.status = RunStatus.PARTIAL if written else RunStatus.FAILED
        record.reason = failed[0].reason
        record.error = "; ".join(str(t.error) for t in failed)
    elif written:  # and nothing failed
        record.status, record.reason = RunStatus.SUCCESS, None
    else:
        record.status, record.reason = RunStatus.NOOP, REASON_ALREADY_PRESENT
