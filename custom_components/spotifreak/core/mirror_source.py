"""The mirror's source: its persisted state (cursor, source snapshot) and reading the source.

A liked-songs run reads `/me/tracks` only down to the cursor (the newest tracks of the last
successful run; should those have been un-liked, anything liked an hour before them). A
playlist-source run reads the whole playlist, then keeps what `lookback_days` and `max_tracks`
allow.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
import hashlib
import json
from typing import Any, Final

from .context import SyncContext
from .mirror_options import MirrorOptions
from .records import PlaylistRecord
from .spotify import PlaylistItem
from .timestamps import newest_first, parse_time

STATE_VERSION: Final = 1
# The liked-songs cursor: the newest few URIs of the last successful run (any of them stops the
# read, so un-liking the newest one does not make the next run read everything), and the time it
# was liked. Spotify's `added_at` has one-second resolution and several likes can share a second:
# only tracks liked well before the cursor stop the read by time.
CURSOR_URIS: Final = 5
CURSOR_SLACK: Final = timedelta(hours=1)
# Deduplication off: per target, how much of the pending batch an unfinished run appended, and
# the chunk it was sending (`"sending": {"size", "position", "key"}`) until that went through or
# was refused: should its outcome be unknown, the next run looks for it in the target.
APPENDED: Final = "appended"


@dataclass(frozen=True, slots=True)
class SentChunk:
    """A chunk of a batch whose write's outcome is unknown.

    It is `uris[start : start + size]`, sent when the playlist held `position` entries.
    """

    start: int
    size: int
    position: int

    def of(self, uris: Sequence[str]) -> list[str]:
        """Return the chunk's URIs."""
        return list(uris[self.start : self.start + self.size])

    def landed(self, uris: Sequence[str], held: Sequence[str | None]) -> bool:
        """Return whether the chunk is in a playlist that holds `held` now.

        It is where it was sent, right after the `position` entries held then (what others
        added since comes after it). Or the playlist ends with it and is no longer `position`
        long: `position` was the cache's count, which a change made before the write leaves
        behind. A playlist as long as it was has not taken the chunk, even if it ends with the
        same tracks (an earlier batch may have held them).
        """
        chunk = self.of(uris)
        if list(held[self.position : self.position + self.size]) == chunk:
            return True
        return len(held) != self.position and list(held[-self.size :]) == chunk


@dataclass(slots=True)
class MirrorState:
    """Typed access to the mirror's `ctx.state` (mutated in place, so a failure leaves it true).

    `fingerprint` names the source and targets the cursor and source snapshot belong to: changing
    either starts afresh. An unreadable or older state is cleared.
    """

    data: dict[str, Any]
    fingerprint: str
    matches: bool = field(init=False)

    def __post_init__(self) -> None:
        """Start a state of this version afresh; note whether the fingerprint matches."""
        if self.data.get("version") != STATE_VERSION:
            self.data.clear()
            self.data["version"] = STATE_VERSION
        self.matches = self.data.get("fingerprint") == self.fingerprint
        if not isinstance(self.data.get("targets"), dict):
            self.data["targets"] = {}

    @property
    def targets(self) -> dict[str, Any]:
        """Return the remembered contents of the targets, by playlist id."""
        targets: dict[str, Any] = self.data["targets"]
        return targets

    def remembered(self, *, exact: bool) -> dict[str, Any]:
        """Return what the targets held, by playlist id: URIs (append) or entries in order (exact).

        Kept apart, so that changing the mode never trusts contents seen the other way.
        """
        if not exact:
            return self.targets
        if not isinstance(self.data.get("exact_targets"), dict):
            self.data["exact_targets"] = {}
        entries: dict[str, Any] = self.data["exact_targets"]
        return entries

    @property
    def cursor(self) -> tuple[tuple[str, ...], datetime | None] | None:
        """Return the liked-songs cursor: the newest URIs processed and when they were liked."""
        cursor = self.data.get("cursor")
        if not self.matches or not isinstance(cursor, dict):
            return None
        uris = cursor.get("uris")
        known = tuple(str(uri) for uri in uris if uri) if isinstance(uris, list) else ()
        added_at = parse_time(cursor.get("added_at"))
        if not known and added_at is None:
            return None
        return known, added_at

    def advance_cursor(self, newest_first: Sequence[PlaylistItem]) -> None:
        """Move the cursor to the newest items of a successful run."""
        previous = self.cursor
        uris = [item.uri for item in newest_first if item.uri]
        if previous is not None:  # the run read fewer than CURSOR_URIS: keep older ones too
            uris.extend(uri for uri in previous[0] if uri not in uris)
        self.data["cursor"] = {"uris": uris[:CURSOR_URIS], "added_at": newest_first[0].added_at}
        self.data["fingerprint"] = self.fingerprint
        self.data.pop(APPENDED, None)

    @property
    def source_snapshot(self) -> tuple[str, str] | None:
        """Return the source playlist's id and snapshot at the last successful run."""
        source = self.data.get("source")
        if not self.matches or not isinstance(source, dict):
            return None
        return str(source.get("id") or ""), str(source.get("snapshot_id") or "")

    def advance_source(self, record: PlaylistRecord, items: Sequence[PlaylistItem] = ()) -> None:
        """Remember the source playlist's snapshot of a successful run, and what was new then.

        The newest `added_at` among the items read (and the URIs added at that second) is the
        mark that tells, with deduplication off, which entries the next run has not seen.
        """
        source = self.data.get("source")
        mark = source.get("mark") if self.matches and isinstance(source, dict) else None
        if items:
            mark = _newest(items)
        self.data["source"] = {"id": record.id, "snapshot_id": record.snapshot_id}
        if mark is not None:
            self.data["source"]["mark"] = mark
        self.data["fingerprint"] = self.fingerprint
        self.data.pop(APPENDED, None)

    def new_in_source(self, items: Sequence[PlaylistItem]) -> list[PlaylistItem]:
        """Return the source entries added after the last successful run (all without one).

        Entries without an `added_at` count as seen once a run succeeded; an entry removed and
        added again is new.
        """
        source = self.data.get("source")
        mark = source.get("mark") if self.matches and isinstance(source, dict) else None
        if not isinstance(mark, dict):
            return list(items)
        newest = parse_time(mark.get("added_at"))
        seen = set(mark.get("uris") or ())
        fresh: list[PlaylistItem] = []
        for item in items:
            added_at = parse_time(item.added_at)
            if added_at is None or newest is None:
                if added_at is not None:
                    fresh.append(item)
            elif added_at > newest or (added_at == newest and item.uri not in seen):
                fresh.append(item)
        return fresh

    def appended(self, playlist_id: str, uris: Sequence[str]) -> int:
        """Return how many of `uris` an earlier, unfinished run appended to a playlist.

        Counted only while `uris` still starts with what was appended (the same batch).
        """
        done = self.data.get(APPENDED, {}).get(playlist_id)
        if not isinstance(done, dict):
            return 0
        count = done.get("count")
        if not isinstance(count, int) or not 0 < count <= len(uris):
            return 0
        return count if done.get("key") == _batch_key(uris[:count]) else 0

    def note_appended(self, playlist_id: str, uris: Sequence[str], count: int) -> None:
        """Remember that the first `count` of `uris` are in the playlist (deduplication off)."""
        appended = self.data.setdefault(APPENDED, {})
        appended[playlist_id] = {"count": count, "key": _batch_key(uris[:count])}

    def note_sending(self, playlist_id: str, uris: Sequence[str], chunk: SentChunk) -> None:
        """Remember, before it is sent, the chunk that follows the first `chunk.start` of `uris`."""
        self.note_appended(playlist_id, uris, chunk.start)
        self.data[APPENDED][playlist_id]["sending"] = {
            "size": chunk.size,
            "position": chunk.position,
            "key": _batch_key(chunk.of(uris)),
        }

    def sent(self, playlist_id: str, uris: Sequence[str]) -> SentChunk | None:
        """Return the chunk of `uris` an earlier run sent without learning whether it landed.

        None when that run saw its last chunk through (or refused), or `uris` is another batch.
        """
        done = self.data.get(APPENDED, {}).get(playlist_id)
        sending = done.get("sending") if isinstance(done, dict) else None
        if not isinstance(sending, dict):
            return None
        start = self.appended(playlist_id, uris)
        size, position = sending.get("size"), sending.get("position")
        if done.get("count") != start or not isinstance(size, int) or size <= 0:
            return None
        if not isinstance(position, int) or position < 0 or start + size > len(uris):
            return None
        chunk = SentChunk(start, size, position)
        return chunk if sending.get("key") == _batch_key(chunk.of(uris)) else None


def _newest(items: Sequence[PlaylistItem]) -> dict[str, Any]:
    """Return the mark of a run: the newest `added_at` and the URIs added at that second."""
    stamped = [(when, item) for item in items if (when := parse_time(item.added_at)) is not None]
    if not stamped:
        return {"added_at": None, "uris": []}
    newest = max(when for when, _item in stamped)
    at = [item for when, item in stamped if when == newest]
    return {"added_at": at[0].added_at, "uris": sorted({str(i.uri) for i in at if i.uri})}


def _batch_key(uris: Sequence[str]) -> str:
    return hashlib.sha256("\n".join(uris).encode()).hexdigest()[:16]


def fingerprint(source: str, targets: Sequence[str]) -> str:
    """Return what the cursor and source snapshot belong to: source and targets, hashed."""
    payload = json.dumps([source, sorted({target.strip() for target in targets})])
    return hashlib.sha256(payload.encode()).hexdigest()[:16]


async def read_liked(
    ctx: SyncContext, options: MirrorOptions, state: MirrorState
) -> tuple[list[PlaylistItem], bool]:
    """Return the liked songs newer than the cursor, newest first, and whether a cursor was used.

    An exact mirror reads them all (within `lookback_days`/`max_tracks`): its targets must lose
    what is no longer liked.
    """
    # Without deduplication the cursor also decides what is written: never what was copied.
    use_cursor = (options.only_new or not options.deduplicate) and not options.exact
    cursor = state.cursor if use_cursor else None
    cursor_uris = frozenset(cursor[0]) if cursor is not None else frozenset[str]()
    cursor_at = cursor[1] if cursor is not None else None
    oldest_new = cursor_at - CURSOR_SLACK if cursor_at is not None else None
    cutoff = ctx.now() - timedelta(days=options.lookback_days) if options.lookback_days else None

    def stop(item: PlaylistItem) -> bool:
        if item.uri in cursor_uris:
            return True
        added_at = parse_time(item.added_at)
        if oldest_new is not None and added_at is not None and added_at < oldest_new:
            return True
        return cutoff is not None and (added_at is None or added_at < cutoff)

    items = await ctx.run_spotify(
        lambda client: client.saved_tracks(stop=stop, limit=options.max_tracks)
    )
    return items, cursor is not None


async def read_playlist(
    ctx: SyncContext, options: MirrorOptions, source: PlaylistRecord
) -> list[PlaylistItem]:
    """Return the source playlist's items in playlist order, within `lookback_days`/`max_tracks`."""
    items = await ctx.run_spotify(lambda client: client.playlist_items(source.id))
    if options.lookback_days:
        cutoff = ctx.now() - timedelta(days=options.lookback_days)
        items = [
            item
            for item in items
            if (added_at := parse_time(item.added_at)) is not None and added_at >= cutoff
        ]
    if options.max_tracks is not None and len(items) > options.max_tracks:
        # the newest by added_at, in playlist order
        order = newest_first([parse_time(item.added_at) for item in items])
        keep = set(order[: options.max_tracks])
        items = [item for index, item in enumerate(items) if index in keep]
    return items


def batch(items: Sequence[PlaylistItem], deduplicate: bool) -> tuple[list[str], int]:
    """Return the URIs to write (in the order given) and how many items were skipped.

    Tracks only: local files, unavailable items and podcast episodes are skipped.
    """
    uris: list[str] = []
    skipped = 0
    for item in items:
        if item.kind != "track" or item.uri is None:
            skipped += 1
            continue
        uris.append(item.uri)
    if deduplicate:
        uris = list(dict.fromkeys(uris))
    return uris, skipped
