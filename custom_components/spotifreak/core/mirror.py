"""The playlist mirror: copy the tracks of a source (liked songs or a playlist) into target playlists.

The standalone daemon's `playlist_mirror`, without its flaws:
- a run that did nothing is never `success`; a 429 is `rate_limited` with `retry_after`;
- dedupe always compares against what the target really holds, so a run that failed half-way and
  its re-run never add a track twice (a cursor only decides what is *read*, never what is skipped);
- targets resolve through the playlist cache (no call per run), patterns render in Home Assistant's
  time zone, in title case, with escapes.

API economy. Per target, the sync's state keeps the URIs known to be in it and the `snapshot_id`
after the last write; while the cache still reports that snapshot the target is not read again.
A liked-songs run reads `/me/tracks` only down to the cursor (the newest tracks of the last
successful run; should those have been un-liked, anything liked an hour before them). A
playlist-source run whose source and targets have not moved (cached `snapshot_id`s) is
`up_to_date` without reading any items.

State (`ctx.state`, JSON-ready), version 1:
    {"version": 1,
     "fingerprint": "<hash of source and target specs>",      # cursor/snapshot belong to these
     "cursor": {"uris": [str, ...], "added_at": str | None},  # liked songs: newest processed
     "source": {"id": str, "snapshot_id": str},                 # playlist source, last success
     "targets": {playlist_id: {"snapshot_id": str, "uris": [str, ...]}}}
A target whose last write had an unknown outcome (5xx, dropped connection, interruption) has no
entry, so the next run reads it. `cursor` and `source` advance only when every target succeeded.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
import hashlib
import json
import logging
from typing import Any, Final

from .context import SyncContext
from .engine import SyncInputError
from .errors import (
    SpotifyAuthError,
    SpotifyError,
    SpotifyForbiddenError,
    SpotifyNotFoundError,
    SpotifyRateLimitError,
    SpotifyUnavailableError,
)
from .patterns import PatternError, is_pattern, render
from .records import PlaylistRecord
from .references import name_key, parse_reference
from .runs import RunRecord, RunStatus
from .spotify import PlaylistItem, SpotifyClient, chunked

_LOGGER = logging.getLogger(__name__)

SYNC_TYPE: Final = "playlist_mirror"
SOURCE_LIKED_SONGS: Final = "liked_songs"
STATE_VERSION: Final = 1
# The liked-songs cursor: the newest few URIs of the last successful run (any of them stops the
# read, so un-liking the newest one does not make the next run read everything), and the time it
# was liked. Spotify's `added_at` has one-second resolution and several likes can share a second:
# only tracks liked well before the cursor stop the read by time.
CURSOR_URIS: Final = 5
CURSOR_SLACK: Final = timedelta(hours=1)

# Reasons (short slugs) a mirror run can end with, besides the engine's.
REASON_UP_TO_DATE: Final = "up_to_date"
REASON_SOURCE_EMPTY: Final = "source_empty"
REASON_NOTHING_ADDABLE: Final = "nothing_addable"
REASON_ALREADY_PRESENT: Final = "already_present"
REASON_SOURCE_NOT_FOUND: Final = "source_not_found"
REASON_SOURCE_FORBIDDEN: Final = "source_forbidden"
REASON_TARGET_NOT_FOUND: Final = "target_not_found"
REASON_TARGET_FORBIDDEN: Final = "target_forbidden"
REASON_TARGET_REJECTED: Final = "target_rejected"
REASON_CREATE_FAILED: Final = "create_failed"
REASON_SPOTIFY_UNAVAILABLE: Final = "spotify_unavailable"
REASON_RATE_LIMITED: Final = "rate_limited"
REASON_INTERRUPTED: Final = "interrupted"

# Per-target statuses in `record.targets`.
TARGET_SUCCESS: Final = "success"
TARGET_NOOP: Final = "noop"
TARGET_FAILED: Final = "failed"
TARGET_RATE_LIMITED: Final = "rate_limited"
TARGET_NOT_ATTEMPTED: Final = "not_attempted"


@dataclass(frozen=True, slots=True)
class MirrorOptions:
    """The options of a playlist mirror (a configured sync's or `spotifreak.mirror_playlist`'s).

    `source`: a playlist name, URI, URL or id, or `liked_songs`. `targets`: playlist names, URIs,
    ids or date patterns. `max_tracks`: read at most this many of the newest source items per run.
    `lookback_days`: only source items added within this many days.
    """

    source: str
    targets: Sequence[str]
    create_missing: bool = True
    public: bool = False
    deduplicate: bool = True
    only_new: bool = True
    max_tracks: int | None = None
    lookback_days: int | None = None

    def __post_init__(self) -> None:
        targets = (self.targets,) if isinstance(self.targets, str) else self.targets
        object.__setattr__(self, "targets", tuple(str(target) for target in targets))

    @property
    def liked_songs(self) -> bool:
        """Whether the source is the account's liked songs."""
        return self.source.strip().casefold() == SOURCE_LIKED_SONGS

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> MirrorOptions:
        """Build from an action call's or a subentry's data (unknown keys are ignored)."""
        targets = data.get("targets") or ()
        return cls(
            source=str(data.get("source") or ""),
            targets=[targets] if isinstance(targets, str) else list(targets),
            create_missing=bool(data.get("create_missing", True)),
            public=bool(data.get("public", False)),
            deduplicate=bool(data.get("deduplicate", True)),
            only_new=bool(data.get("only_new", True)),
            max_tracks=_optional_int(data.get("max_tracks")),
            lookback_days=_optional_int(data.get("lookback_days")),
        )

    def as_dict(self) -> dict[str, Any]:
        """The stored form (subentry data)."""
        return {
            "source": self.source,
            "targets": list(self.targets),
            "create_missing": self.create_missing,
            "public": self.public,
            "deduplicate": self.deduplicate,
            "only_new": self.only_new,
            "max_tracks": self.max_tracks,
            "lookback_days": self.lookback_days,
        }


def _optional_int(value: Any) -> int | None:
    return None if value is None or value == "" else int(value)


# ------------------------------------------------------------------------------------------------
# The plan of a run


@dataclass(slots=True)
class _Target:
    """One target of this run and what happened to it."""

    spec: str  # as configured
    name: str  # the reference after rendering a pattern
    pattern: bool
    record: PlaylistRecord | None = None  # None: missing (to be created)
    status: str = TARGET_NOT_ATTEMPTED
    added: int = 0
    created: bool = False
    reason: str | None = None
    error: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "playlist": self.record.id if self.record else None,
            "name": self.record.name if self.record else self.name,
            "status": self.status,
            "added": self.added,
            "created": self.created,
            "reason": self.reason,
            "error": self.error,
        }


class _StopRun(Exception):  # noqa: N818 - control flow, not an error
    """Rate limited or Spotify unavailable during a target: no further target is attempted."""

    def __init__(self, cause: SpotifyError) -> None:
        super().__init__(str(cause))
        self.cause = cause


@dataclass(slots=True)
class _State:
    """Typed access to `ctx.state` (mutated in place, so a failure leaves it truthful)."""

    data: dict[str, Any]
    fingerprint: str
    matches: bool = field(init=False)

    def __post_init__(self) -> None:
        if self.data.get("version") != STATE_VERSION:
            self.data.clear()
            self.data["version"] = STATE_VERSION
        self.matches = self.data.get("fingerprint") == self.fingerprint
        if not isinstance(self.data.get("targets"), dict):
            self.data["targets"] = {}

    @property
    def targets(self) -> dict[str, Any]:
        targets: dict[str, Any] = self.data["targets"]
        return targets

    def known(self, playlist_id: str) -> tuple[str, list[str]] | None:
        entry = self.targets.get(playlist_id)
        if not isinstance(entry, dict):
            return None
        snapshot, uris = entry.get("snapshot_id"), entry.get("uris")
        if not isinstance(snapshot, str) or not snapshot or not isinstance(uris, list):
            return None
        return snapshot, [str(uri) for uri in uris]

    def set_known(self, playlist_id: str, snapshot_id: str, uris: list[str]) -> None:
        if snapshot_id:
            self.targets[playlist_id] = {"snapshot_id": snapshot_id, "uris": uris}
        else:
            self.forget(playlist_id)

    def forget(self, playlist_id: str) -> None:
        self.targets.pop(playlist_id, None)

    @property
    def cursor(self) -> tuple[tuple[str, ...], datetime | None] | None:
        cursor = self.data.get("cursor")
        if not self.matches or not isinstance(cursor, dict):
            return None
        uris = cursor.get("uris")
        known = tuple(str(uri) for uri in uris if uri) if isinstance(uris, list) else ()
        added_at = _parse_time(cursor.get("added_at"))
        if not known and added_at is None:
            return None
        return known, added_at

    def advance_cursor(self, newest_first: Sequence[PlaylistItem]) -> None:
        previous = self.cursor
        uris = [item.uri for item in newest_first if item.uri]
        if previous is not None:  # the run read fewer than CURSOR_URIS: keep older ones too
            uris.extend(uri for uri in previous[0] if uri not in uris)
        self.data["cursor"] = {"uris": uris[:CURSOR_URIS], "added_at": newest_first[0].added_at}
        self.data["fingerprint"] = self.fingerprint

    @property
    def source_snapshot(self) -> tuple[str, str] | None:
        source = self.data.get("source")
        if not self.matches or not isinstance(source, dict):
            return None
        return str(source.get("id") or ""), str(source.get("snapshot_id") or "")

    def advance_source(self, record: PlaylistRecord) -> None:
        self.data["source"] = {"id": record.id, "snapshot_id": record.snapshot_id}
        self.data["fingerprint"] = self.fingerprint


def _parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def _fingerprint(source: str, targets: Sequence[str]) -> str:
    """What the cursor and source snapshot belong to: changing source or targets resets them."""
    payload = json.dumps([source, sorted({target.strip() for target in targets})])
    return hashlib.sha256(payload.encode()).hexdigest()[:16]


# ------------------------------------------------------------------------------------------------
# Validation and resolution


def _validate(ctx: SyncContext, options: MirrorOptions) -> list[_Target]:
    """Checks that need no call: targets given, patterns valid, options in range."""
    if not options.source.strip():
        raise SyncInputError("unknown_source", "No source given", {"source": options.source})
    for key, value in (
        ("max_tracks", options.max_tracks),
        ("lookback_days", options.lookback_days),
    ):
        if value is not None and value < 1:
            raise SyncInputError(
                "invalid_option", f"{key} must be at least 1", {"option": key, "value": str(value)}
            )
    specs = [spec.strip() for spec in options.targets if spec and spec.strip()]
    if not specs:
        raise SyncInputError("no_targets", "No target playlists given")
    now = ctx.now()
    targets: list[_Target] = []
    for spec in specs:
        pattern = is_pattern(spec)
        try:
            name = render(spec, now) if pattern else spec
        except PatternError as err:
            raise SyncInputError(
                "invalid_pattern", str(err), {"pattern": spec, "problem": err.problem}
            ) from err
        targets.append(_Target(spec=spec, name=name, pattern=pattern))
    return targets


async def _resolve_source(ctx: SyncContext, options: MirrorOptions) -> PlaylistRecord:
    resolution = await ctx.playlists.resolve(options.source.strip())
    if resolution is None:
        raise SyncInputError(
            "unknown_source",
            f"Source playlist {options.source!r} was not found",
            {"source": options.source},
        )
    return resolution.record


async def _resolve_targets(
    ctx: SyncContext,
    options: MirrorOptions,
    targets: list[_Target],
    source: PlaylistRecord | None,
) -> list[_Target]:
    """Resolve every target through the cache; duplicates (same playlist twice) are dropped."""
    unique: list[_Target] = []
    seen: set[str] = set()
    for target in targets:
        resolution = await ctx.playlists.resolve(target.name)
        if resolution is not None:
            target.record = resolution.record
            if source is not None and resolution.record.id == source.id:
                raise SyncInputError(
                    "target_is_source",
                    f"Target {target.spec!r} is the source playlist",
                    {"target": target.spec, "source": options.source},
                )
            if resolution.record.id in seen:
                continue
            seen.add(resolution.record.id)
        elif not options.create_missing or not _creatable(target):
            raise SyncInputError(
                "unknown_target",
                f"Target playlist {target.name!r} was not found",
                {"target": target.name},
            )
        elif name_key(target.name) in seen:
            continue
        else:
            seen.add(name_key(target.name))
        unique.append(target)
    return unique


def _creatable(target: _Target) -> bool:
    """Only names (and rendered patterns) can be created; a URI, URL or id that is not found
    is a mistake, not a wish for a new playlist."""
    return target.pattern or parse_reference(target.name).playlist_id is None


# ------------------------------------------------------------------------------------------------
# Reading the source


def _addable(item: PlaylistItem) -> bool:
    """Tracks only: local files, unavailable items and podcast episodes are skipped."""
    return item.kind == "track" and item.uri is not None


async def _read_liked(
    ctx: SyncContext, options: MirrorOptions, state: _State
) -> tuple[list[PlaylistItem], bool]:
    """Liked songs newer than the cursor (oldest first), and whether a valid cursor was used."""
    cursor = state.cursor if options.only_new else None
    cursor_uris = frozenset(cursor[0]) if cursor is not None else frozenset[str]()
    cursor_at = cursor[1] if cursor is not None else None
    oldest_new = cursor_at - CURSOR_SLACK if cursor_at is not None else None
    cutoff = ctx.now() - timedelta(days=options.lookback_days) if options.lookback_days else None

    def stop(item: PlaylistItem) -> bool:
        if item.uri in cursor_uris:
            return True
        added_at = _parse_time(item.added_at)
        if oldest_new is not None and added_at is not None and added_at < oldest_new:
            return True
        return cutoff is not None and (added_at is None or added_at < cutoff)

    items = await ctx.run_spotify(
        lambda client: client.saved_tracks(stop=stop, limit=options.max_tracks)
    )
    return items, cursor is not None


async def _read_playlist(
    ctx: SyncContext, options: MirrorOptions, source: PlaylistRecord
) -> list[PlaylistItem]:
    """The source playlist's items in playlist order, filtered by `lookback_days`/`max_tracks`."""
    items = await ctx.run_spotify(lambda client: client.playlist_items(source.id))
    if options.lookback_days:
        cutoff = ctx.now() - timedelta(days=options.lookback_days)
        items = [
            item
            for item in items
            if (added_at := _parse_time(item.added_at)) is not None and added_at >= cutoff
        ]
    if options.max_tracks is not None and len(items) > options.max_tracks:
        # the newest by added_at (unknown counts as oldest; ties: later position), playlist order
        order = sorted(
            range(len(items)),
            key=lambda index: (
                _parse_time(items[index].added_at) is not None,
                _sort_time(items[index]),
                index,
            ),
            reverse=True,
        )
        keep = set(order[: options.max_tracks])
        items = [item for index, item in enumerate(items) if index in keep]
    return items


def _sort_time(item: PlaylistItem) -> float:
    added_at = _parse_time(item.added_at)
    return added_at.timestamp() if added_at is not None else 0.0


def _batch(items: Sequence[PlaylistItem], deduplicate: bool) -> tuple[list[str], int]:
    """The URIs to write (oldest first as given), and how many items were skipped."""
    uris: list[str] = []
    skipped = 0
    for item in items:
        if not _addable(item):
            skipped += 1
            continue
        assert item.uri is not None
        uris.append(item.uri)
    if deduplicate:
        uris = list(dict.fromkeys(uris))
    return uris, skipped


# ------------------------------------------------------------------------------------------------
# Writing one target


async def _ensure_target(
    ctx: SyncContext, options: MirrorOptions, target: _Target, state: _State
) -> None:
    """Create a missing target, unless a concurrent run created it meanwhile."""
    async with ctx.target_lock(f"create:{name_key(target.name)}"):
        resolution = await ctx.playlists.resolve(target.name)
        if resolution is not None:
            target.record = resolution.record
            return
        try:
            created = await ctx.run_spotify(
                lambda client: client.create_playlist(target.name, public=options.public)
            )
        except (SpotifyRateLimitError, SpotifyUnavailableError) as err:
            raise _StopRun(err) from err
        except SpotifyAuthError:
            raise
        except SpotifyError as err:
            _target_failed(target, REASON_CREATE_FAILED, err)
            return
        record = PlaylistRecord.from_api(created)
        if record is None:
            _target_failed(target, REASON_CREATE_FAILED, None, "Spotify returned no playlist")
            return
        if not record.owner:
            record = replace(record, owner=ctx.playlists.user_id)
        ctx.playlists.remember(record)
        state.set_known(record.id, record.snapshot_id, [])
        target.record = record
        target.created = True
        _LOGGER.debug("Created target playlist %r (%s)", record.name, record.id)


def _target_failed(
    target: _Target, reason: str, err: BaseException | None, text: str | None = None
) -> None:
    target.status = TARGET_FAILED
    target.reason = reason
    target.error = text or (str(err) if err is not None else reason)


async def _contents(ctx: SyncContext, target: PlaylistRecord, state: _State) -> list[str]:
    """What the target holds: the known set while the cache confirms it, otherwise read."""
    known = _trusted(ctx, state, target.id)
    if known is not None:
        return known
    cached = ctx.playlists.cached(target.id)
    items = await ctx.run_spotify(lambda client: client.playlist_items(target.id))
    uris = list(dict.fromkeys(item.uri for item in items if item.uri))
    # The cache's snapshot (possibly older than what was just read): at worst one re-read later.
    state.set_known(target.id, cached.snapshot_id if cached is not None else "", uris)
    return uris


def _adder(playlist_id: str, uris: list[str]) -> Callable[[SpotifyClient], str]:
    return lambda client: client.add_items(playlist_id, uris)


def _trusted(ctx: SyncContext, state: _State, playlist_id: str) -> list[str] | None:
    """The known contents, if the cache still reports the snapshot they belong to."""
    known = state.known(playlist_id)
    cached = ctx.playlists.cached(playlist_id)
    if known is not None and cached is not None and cached.snapshot_id == known[0]:
        return known[1]
    return None


async def _write_target(
    ctx: SyncContext,
    options: MirrorOptions,
    target: _Target,
    batch: list[str],
    state: _State,
) -> None:
    """Read-compare-write one target under its lock (a concurrent run re-checks inside it)."""
    assert target.record is not None
    playlist_id = target.record.id
    async with ctx.target_lock(playlist_id):
        known: list[str] | None
        if options.deduplicate:
            try:
                known = await _contents(ctx, target.record, state)
            except SpotifyForbiddenError as err:
                _target_failed(target, REASON_TARGET_FORBIDDEN, err)
                return
            except SpotifyNotFoundError as err:
                state.forget(playlist_id)
                _target_failed(target, REASON_TARGET_NOT_FOUND, err)
                return
            except (SpotifyRateLimitError, SpotifyUnavailableError) as err:
                raise _StopRun(err) from err
            present = set(known)
            to_add = [uri for uri in batch if uri not in present]
        else:
            known = _trusted(ctx, state, playlist_id)
            if known is None:
                state.forget(playlist_id)
            to_add = list(batch)
        if not to_add:
            target.status = TARGET_NOOP
            return
        for chunk in chunked(to_add):
            try:
                snapshot = await ctx.run_spotify(_adder(playlist_id, chunk))
            except SpotifyRateLimitError as err:  # refused: nothing was applied
                raise _StopRun(err) from err
            except SpotifyForbiddenError as err:
                _target_failed(target, REASON_TARGET_FORBIDDEN, err)
                return
            except SpotifyNotFoundError as err:
                state.forget(playlist_id)
                _target_failed(target, REASON_TARGET_NOT_FOUND, err)
                return
            except SpotifyUnavailableError as err:
                state.forget(playlist_id)  # the write may have been applied: read it next time
                raise _StopRun(err) from err
            except SpotifyAuthError:
                raise
            except SpotifyError as err:  # 400 and the like: refused, not applied
                _target_failed(target, REASON_TARGET_REJECTED, err)
                return
            except BaseException:
                # Cancelled (the request may still complete in its thread) or unexpected.
                state.forget(playlist_id)
                raise
            target.added += len(chunk)
            if known is not None:
                known = [*known, *chunk]
                state.set_known(playlist_id, snapshot, list(dict.fromkeys(known)))
            base = ctx.playlists.cached(playlist_id) or target.record
            target.record = replace(
                base,
                snapshot_id=snapshot or base.snapshot_id,
                tracks_total=base.tracks_total + len(chunk),
            )
            if snapshot:
                ctx.playlists.remember(target.record)
        target.status = TARGET_SUCCESS


# ------------------------------------------------------------------------------------------------
# The run


async def run_mirror(ctx: SyncContext, options: MirrorOptions, record: RunRecord) -> None:
    """Mirror `options.source` into `options.targets`, filling `record` (see the module docstring).

    Raises `SyncInputError` before anything is written for an unknown source or target, a target
    that is the source, no targets, an invalid pattern or an out-of-range option. Spotify errors
    while reading the source escape to the engine, which maps them (`rate_limited`, `failed`).
    """
    targets = _validate(ctx, options)
    liked = options.liked_songs
    source: PlaylistRecord | None = None
    if liked:
        state = _State(ctx.state, _fingerprint(SOURCE_LIKED_SONGS, options.targets))
        items, used_cursor = await _read_liked(ctx, options, state)
        if not items:
            _finish_empty(record, up_to_date=used_cursor)
            return
        items.reverse()  # oldest first
        targets = await _resolve_targets(ctx, options, targets, None)
    else:
        source = await _resolve_source(ctx, options)
        state = _State(ctx.state, _fingerprint(source.id, options.targets))
        targets = await _resolve_targets(ctx, options, targets, source)
        if options.only_new and _unchanged(ctx, state, source, targets):
            record.status = RunStatus.UP_TO_DATE
            record.reason = REASON_UP_TO_DATE
            return
        try:
            items = await _read_playlist(ctx, options, source)
        except SpotifyForbiddenError as err:
            record.status, record.reason, record.error = (
                RunStatus.FAILED,
                REASON_SOURCE_FORBIDDEN,
                str(err),
            )
            return
        except SpotifyNotFoundError as err:
            record.status, record.reason, record.error = (
                RunStatus.FAILED,
                REASON_SOURCE_NOT_FOUND,
                str(err),
            )
            return
        if not items:
            _finish_empty(record, up_to_date=False)
            state.advance_source(source)
            return

    batch, record.skipped = _batch(items, options.deduplicate)
    if not batch:
        record.status, record.reason = RunStatus.NOOP, REASON_NOTHING_ADDABLE
        _advance(state, items, source, liked)
        return

    stopped: SpotifyError | None = None
    for target in targets:
        try:
            if target.record is None:
                await _ensure_target(ctx, options, target, state)
            if target.record is not None and target.status == TARGET_NOT_ATTEMPTED:
                if _writable(ctx, target.record):
                    await _write_target(ctx, options, target, batch, state)
                else:
                    _target_failed(
                        target,
                        REASON_TARGET_FORBIDDEN,
                        None,
                        f"{target.record.name!r} belongs to {target.record.owner} and is not collaborative",
                    )
        except _StopRun as stop:
            stopped = stop.cause
            if isinstance(stopped, SpotifyRateLimitError):
                target.status, target.reason = TARGET_RATE_LIMITED, REASON_RATE_LIMITED
                target.error = str(stopped)
            else:
                _target_failed(target, REASON_SPOTIFY_UNAVAILABLE, stopped)
            break
        except asyncio.CancelledError:
            _target_failed(target, REASON_INTERRUPTED, None, "interrupted")
            raise
        finally:
            record.added = sum(t.added for t in targets)
            record.targets = [t.as_dict() for t in targets]
    _conclude(record, targets, stopped)
    if record.status in (RunStatus.SUCCESS, RunStatus.NOOP):
        _advance(state, items, source, liked)


def _writable(ctx: SyncContext, playlist: PlaylistRecord) -> bool:
    """Owned, or collaborative (the account may be a collaborator): worth trying."""
    return playlist.collaborative or not playlist.owner or playlist.owner == ctx.playlists.user_id


def _unchanged(
    ctx: SyncContext, state: _State, source: PlaylistRecord, targets: list[_Target]
) -> bool:
    """The source's and every target's cached snapshot are the ones of the last successful run."""
    last = state.source_snapshot
    if last is None or last != (source.id, source.snapshot_id) or not source.snapshot_id:
        return False
    for target in targets:
        if target.record is None:
            return False
        known = state.known(target.record.id)
        cached = ctx.playlists.cached(target.record.id)
        if known is None or cached is None or cached.snapshot_id != known[0]:
            return False
    return True


def _finish_empty(record: RunRecord, *, up_to_date: bool) -> None:
    if up_to_date:
        record.status, record.reason = RunStatus.UP_TO_DATE, REASON_UP_TO_DATE
    else:
        record.status, record.reason = RunStatus.NOOP, REASON_SOURCE_EMPTY


def _advance(
    state: _State, items: list[PlaylistItem], source: PlaylistRecord | None, liked: bool
) -> None:
    """Every target succeeded: move the cursor (liked songs) or the source snapshot."""
    if liked:
        if items:
            state.advance_cursor(items[::-1])  # items are oldest first
    elif source is not None:
        state.advance_source(source)


def _conclude(record: RunRecord, targets: list[_Target], stopped: SpotifyError | None) -> None:
    """The run's status from the targets' outcomes."""
    failed = [t for t in targets if t.status == TARGET_FAILED]
    if isinstance(stopped, SpotifyRateLimitError):
        record.status = RunStatus.RATE_LIMITED
        record.reason = REASON_RATE_LIMITED
        record.retry_after = stopped.retry_after
        record.error = str(stopped)
        return
    # `partial`: a target failed while another one was written completely.
    partial = any(t.status == TARGET_SUCCESS for t in targets)
    if stopped is not None:
        record.status = RunStatus.PARTIAL if partial else RunStatus.FAILED
        record.reason = REASON_SPOTIFY_UNAVAILABLE
        record.error = str(stopped)
        return
    if failed:
        record.status = RunStatus.PARTIAL if partial else RunStatus.FAILED
        record.reason = failed[0].reason
        record.error = "; ".join(f"{t.name}: {t.error}" for t in failed)
        return
    if record.added:
        record.status, record.reason = RunStatus.SUCCESS, None
    else:
        record.status, record.reason = RunStatus.NOOP, REASON_ALREADY_PRESENT
