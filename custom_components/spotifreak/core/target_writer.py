"""Writing a target playlist under its lock (`target_open.py` creates it and takes the lock).

`TargetWriter` writes in chunks of 100 and keeps the remembered contents and the cache's record in
step after every chunk; when a write's outcome is unknown (5xx, dropped connection, cancellation)
or the playlist is gone (404) it forgets the contents, so the next run reads them. Every write goes
through one method, `_write`, the place for what must happen around any write:
- a dry run (`ctx.dry_run`) sends nothing there, while the writer's methods count and list what
  they would have written (a missing playlist is not created: the target says `would_create`);
- before the first write that removes or reorders tracks (`replace`, `remove`, the DELETEs of
  `edit`) the playlist's entries are saved in the playlist history (`core/history.py`), and the
  write is sent only once that version is saved. The entries this writer read are used for it;
  only when the run has not read the playlist (its contents were remembered) does the version
  cost a read.
Every removal names the playlist's snapshot id (the cache's, then each write's), as the API asks.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace

from .context import SyncContext
from .errors import SpotifyError, SpotifyNotFoundError, SpotifyUnavailableError
from .history import REASON_BEFORE_REMOVE, REASON_BEFORE_REPLACE
from .playlist_edit import EditPlan
from .records import PlaylistRecord
from .spotify import PlaylistItem, SpotifyClient, chunked
from .target_contents import Contents, RememberedContents, trusted_contents
from .targets import Target, TargetStatus


def _adder(
    playlist_id: str, uris: list[str], position: int | None = None
) -> Callable[[SpotifyClient], str]:
    return lambda client: client.add_items(playlist_id, uris, position)


def _replacer(playlist_id: str, uris: list[str]) -> Callable[[SpotifyClient], str]:
    return lambda client: client.replace_items(playlist_id, uris)


def _remover(playlist_id: str, uris: list[str], snapshot: str) -> Callable[[SpotifyClient], str]:
    return lambda client: client.remove_items(playlist_id, uris, snapshot)


class TargetWriter:
    """Reads and writes one target playlist; use it under the target's lock.

    `exact` says how contents are seen: the playlist's entries in order (an unavailable entry as
    None, so they are never remembered), or else the set of URIs present (what deduplication
    needs, remembered even when some entries are unavailable). Every write goes through `_write`
    (see the module docstring). Spotify errors are raised as they are: `target_errors` turns them
    into the target's outcome; so is `HistorySaveError` (nothing was written).
    """

    def __init__(
        self,
        ctx: SyncContext,
        target: Target,
        contents: RememberedContents,
        *,
        exact: bool = False,
    ) -> None:
        """Initialize the writer of a found or created target (or, in a dry run, a missing one)."""
        assert target.record is not None or ctx.dry_run, "a target is found or created first"
        self._ctx = ctx
        self._target = target
        self._memory = contents
        self._exact = exact
        self._id = target.record.id if target.record is not None else ""  # "": would be created
        self._known: Contents | None = None if self._id else []
        # The entries this run read, while nothing has been written since: a version needs them.
        self._items: list[PlaylistItem] | None = None if self._id else []
        self._versioned = False
        self._marked = False

    def trusted(self) -> Contents | None:
        """Return the remembered contents if the cache still reports their snapshot."""
        if not self._id:
            return []
        known = trusted_contents(self._ctx, self._memory, self._id)
        return list(known) if known is not None else None

    async def contents(self) -> Contents:
        """Return what the target holds: the remembered contents while trusted, else read them.

        What was read is remembered with the cache's snapshot (taken before reading: at worst
        that costs one more read later).
        """
        known = self.trusted()
        if known is None:
            await self.entries()
        else:
            self._known = known
        return list(self._known or [])

    async def fresh_contents(self) -> Contents:
        """Return what the target holds now, for a write that removes: read unless read this run.

        The remembered contents are as old as the cache's snapshot id, and the user may have
        changed the playlist since: what a replace or an edit removes, and whether it holds
        local files, is decided on what is there. The version saved before such a write needs
        this read anyway, so it costs no call more. A playlist created this run is known empty.
        """
        if self._items is None and not self._created_empty():
            await self.entries()
        return list(self._known or [])

    async def contents_unless(self, wanted: Sequence[str | None]) -> Contents:
        """Return what the target holds; when that is not `wanted`, as it is now.

        A replace follows when the contents differ: it decides on a fresh read
        (`fresh_contents`), while a playlist remembered as `wanted` costs no call.
        """
        current = await self.contents()
        return current if current == list(wanted) else await self.fresh_contents()

    async def entries(self) -> list[PlaylistItem]:
        """Read every entry of the playlist now and remember what it holds.

        For the rules that need more than URIs (`added_at`, ISRCs); a version taken before the
        writes that follow reuses what was read. Remembered with the cache's snapshot, taken
        before reading: at worst that costs one more read later. Once read, what an unclean
        stop left marked on the playlist is known again.
        """
        if not self._id:
            return []
        cached = self._ctx.playlists.cached(self._id)
        items = await self._read()
        self._known = self._view(items)
        if not self._ctx.dry_run:
            snapshot = cached.snapshot_id if cached is not None else ""
            self._memory.keep(self._id, snapshot, self._known)
        self._ctx.unsure.discard(self._id)  # read now: what an unclean stop left is known
        return items

    async def _read(self) -> list[PlaylistItem]:
        """Read every entry of the playlist, and keep them for a version taken before a write."""
        try:
            items = await self._ctx.run_spotify(lambda client: client.playlist_items(self._id))
        except SpotifyNotFoundError:
            if not self._ctx.dry_run:
                self._memory.forget(self._id)
            raise
        self._items = items
        return items

    @property
    def playlist_id(self) -> str:
        """Return the id of the playlist written."""
        return self._id

    async def add(
        self,
        uris: Sequence[str],
        *,
        before_chunk: Callable[[int, list[str], int], Awaitable[None]] | None = None,
    ) -> None:
        """Append `uris` at the end, in chunks of 100; the target succeeds once all are in.

        `before_chunk(added, chunk, position)` is awaited before each chunk is sent (not in a
        dry run): `added` of `uris` went through so far, and the chunk lands after the
        `position` entries the playlist holds as last known (the cache's, then each write's).
        """
        known = self._known if self._known is not None else self.trusted()
        if known is None and not self._ctx.dry_run:
            self._memory.forget(self._id)
        for chunk in chunked(uris):
            if before_chunk is not None and not self._ctx.dry_run:
                await before_chunk(self._target.added, chunk, self._record().tracks_total)
            snapshot = await self._write(_adder(self._id, chunk), len(chunk))
            self._target.added += len(chunk)
            self._target.added_uris.extend(chunk)
            if known is not None:
                known = self._merged(known, chunk)
            if snapshot is None:  # a dry run
                continue
            if known is not None:
                self._memory.keep(self._id, snapshot, known)
            self._wrote(snapshot, self._size(known, len(chunk)))
        self._known = known
        self._target.status = TargetStatus.SUCCESS

    async def replace(self, uris: Sequence[str], *, reason: str = REASON_BEFORE_REPLACE) -> None:
        """Make the playlist hold exactly `uris`, in order: PUT 100, POST the rest.

        A version of the playlist is saved first (`reason` says why). `added` and `removed`
        count the URIs that came and went; they are set once the PUT went through, since that
        alone removed every track that had to go. No URIs at all empty the playlist.
        """
        current = await self.fresh_contents()
        present = {uri for uri in current if uri is not None}
        wanted = set(uris)
        added = [uri for uri in uris if uri not in present]
        removed = [uri for uri in current if uri is not None and uri not in wanted]
        written: Contents = []
        count = 0
        for index, chunk in enumerate(list(chunked(uris)) or [[]]):
            first = index == 0
            job = _replacer if first else _adder
            snapshot = await self._write(
                job(self._id, chunk), len(chunk), version=reason if first else None
            )
            written, count = self._merged(written, chunk), count + len(chunk)
            if first:
                self._target.added, self._target.removed = len(added), len(removed)
                self._target.added_uris = list(dict.fromkeys(added))
                self._target.removed_uris = list(dict.fromkeys(removed))
            if snapshot is not None:
                self._memory.keep(self._id, snapshot, written)
                self._wrote(snapshot, count)
        self._known = written
        self._target.status = TargetStatus.SUCCESS

    async def remove(self, uris: Sequence[str], *, reason: str = REASON_BEFORE_REMOVE) -> None:
        """Remove every occurrence of `uris`, in chunks of 100 (Spotify's DELETE has no positions).

        A version of the playlist is saved first (`reason` says why). `removed` counts the
        entries that went when the contents are known, else the URIs asked.
        """
        known = self._known if self._known is not None else self.trusted()
        if known is None and not self._ctx.dry_run:
            self._memory.forget(self._id)
        for chunk in chunked(list(dict.fromkeys(uris))):
            snapshot = await self._write(
                _remover(self._id, chunk, self._snapshot()), len(chunk), version=reason
            )
            gone, went = len(chunk), chunk
            if known is not None:
                asked = set(chunk)
                went = [uri for uri in chunk if uri in set(known)]
                kept = [uri for uri in known if uri not in asked]
                gone, known = len(known) - len(kept), kept
            self._target.removed += gone
            self._target.removed_uris.extend(went)
            if snapshot is None:  # a dry run
                continue
            if known is not None:
                self._memory.keep(self._id, snapshot, known)
            self._wrote(snapshot, self._size(known, -gone))
        self._known = known
        self._target.status = TargetStatus.SUCCESS

    async def edit(self, plan: EditPlan, *, reason: str = REASON_BEFORE_REMOVE) -> None:
        """Carry out a planned edit (`core/playlist_edit.py`) of an exactly seen playlist.

        The DELETEs first (100 URIs each, with the snapshot id; a version is saved before the
        first), then the POSTs at their positions. `removed` counts the entries gone for good,
        `added` the new ones, as each write goes through. Every write goes through `_write`:
        the playlist is marked as being written before the first, and a write of unknown
        outcome counts in the target's `unknown`. Should a write fail after a DELETE, the
        entries it took that were to be put back are listed in the target's
        `details["not_put_back"]`; should a DELETE's own outcome be unknown, those it may have
        taken are listed in `details["maybe_not_put_back"]`. The version taken before holds them.
        """
        assert self._exact, "an edit needs the playlist's entries in order"
        entries: list[str | None] = list(plan.before)
        removed = Counter(plan.removed)
        pending: Counter[str] = Counter()  # deleted, to be put back
        taking: Counter[str] = Counter()  # what the DELETE in flight takes that is to be put back
        unknown = self._target.unknown
        try:
            for chunk in chunked(plan.deletes):
                gone = set(chunk)
                taking = Counter(uri for uri in entries if uri is not None and uri in gone)
                taking -= Counter({uri: removed[uri] for uri in chunk})
                snapshot = await self._write(
                    _remover(self._id, chunk, self._snapshot()), len(chunk), version=reason
                )
                pending, taking = pending + taking, Counter()
                entries = [uri for uri in entries if uri is None or uri not in gone]
                self._target.removed += sum(removed[uri] for uri in chunk)
                self._target.removed_uris.extend(uri for uri in chunk if removed[uri])
                self._after_edit(snapshot, entries)
            for insert in plan.inserts:
                snapshot = await self._write(
                    _adder(self._id, list(insert.uris), insert.position), len(insert.uris)
                )
                entries[insert.position : insert.position] = insert.uris
                pending -= Counter(insert.uris) - Counter(insert.new)
                self._target.added += len(insert.new)
                self._target.added_uris.extend(insert.new)
                self._after_edit(snapshot, entries)
        except BaseException:
            if +pending:
                self._target.details["not_put_back"] = sorted((+pending).elements())
            if +taking and self._target.unknown > unknown:  # the DELETE may have gone through
                self._target.details["maybe_not_put_back"] = sorted((+taking).elements())
            raise
        self._known = entries
        self._target.status = TargetStatus.SUCCESS

    def _after_edit(self, snapshot: str | None, entries: list[str | None]) -> None:
        """Remember the playlist after one write of an edit (nothing in a dry run)."""
        if snapshot is None:
            return
        self._memory.keep(self._id, snapshot, entries)
        self._wrote(snapshot, len(entries))

    def _snapshot(self) -> str:
        """Return the playlist's snapshot id as last known (the cache's, then each write's)."""
        return self._record().snapshot_id

    async def _write(
        self, job: Callable[[SpotifyClient], str], entries: int, *, version: str | None = None
    ) -> str | None:
        """Run one write of `entries` URIs and return the new snapshot id; None in a dry run.

        A dry run sends nothing. With `version` (a reason), the playlist's entries are saved in
        the history first, once per writer and unless it is known to be empty; if they cannot
        be saved, nothing is sent (`HistorySaveError`). Before the first write the target is
        marked as being written in the saved sync state.
        A refused write (429, 403, 400, 401) changed nothing. After a 404 the playlist is gone;
        a 5xx, a dropped connection or a cancellation may have been applied: its entries are
        counted as of unknown outcome, and the remembered contents are forgotten, so the next
        run reads the playlist.
        """
        if self._ctx.dry_run:
            return None
        if version is not None and not self._versioned and not self._known_empty():
            await self._take_version(version)
        self._items = None  # whatever happens now, the entries read before are history
        if not self._marked:
            await self._ctx.mark_writing(self._id)
            self._marked = True
        try:
            return await self._ctx.run_spotify(job)
        except SpotifyNotFoundError:
            self._memory.forget(self._id)
            raise
        except SpotifyUnavailableError:
            self._target.unknown += entries
            self._memory.forget(self._id)
            raise
        except SpotifyError:
            raise
        except BaseException:
            self._target.unknown += entries
            self._memory.forget(self._id)
            raise

    def _known_empty(self) -> bool:
        """Return whether the playlist is known to be empty: a version would hold nothing.

        Known from a read this run, or because this run created it — never from remembered
        contents alone: the user may have filled the playlist since they were saved.
        """
        return self._items == [] or self._created_empty()

    def _created_empty(self) -> bool:
        return self._target.created and self._known == []

    async def _take_version(self, reason: str) -> None:
        """Save the playlist's entries in the history: those read this run, else read them now."""
        items, calls = self._items, 0
        if items is None:
            before = self._ctx.calls()
            items = await self._read()
            calls = self._ctx.calls() - before
        version = await self._ctx.playlist_history.keep(
            self._record(),
            items,
            reason=reason,
            taken_at=self._ctx.now(),
            run_id=self._ctx.run_id,
            sync_id=self._ctx.sync_id,
            read_calls=calls,
        )
        self._versioned = True
        self._target.snapshot_version = version.version

    def _view(self, items: Sequence[PlaylistItem]) -> Contents:
        if self._exact:
            return [item.entry for item in items]
        return list(dict.fromkeys(item.uri for item in items if item.uri))

    def _merged(self, known: Contents, chunk: list[str]) -> Contents:
        return [*known, *chunk] if self._exact else list(dict.fromkeys([*known, *chunk]))

    def _record(self) -> PlaylistRecord:
        record = self._ctx.playlists.cached(self._id) or self._target.record
        assert record is not None
        return record

    def _size(self, known: Contents | None, change: int) -> int:
        """Return the playlist's entry count after a write that changed it by `change`."""
        if self._exact and known is not None:
            return len(known)
        return self._record().tracks_total + change

    def _wrote(self, snapshot: str, size: int) -> None:
        """Tell the cache the playlist's snapshot and size after a write."""
        base = self._record()
        self._target.record = replace(
            base, snapshot_id=snapshot or base.snapshot_id, tracks_total=max(0, size)
        )
        if snapshot:
            self._ctx.playlists.remember(self._target.record)
