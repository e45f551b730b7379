"""The playlist cache: rows indexed by id and name, its filter, diff, stored and exported forms.

The cache holds every playlist the account lists; the options' filter (`CacheFilter`) decides
only which of them it shows: its length, `records`, `diff` and export. Looking a playlist up
(`get`, `named`, `lookup`) sees them all, so that a sync finds its source and target (a target it
created private, say) whatever the filter hides.

Built to stay out of the way of Python's garbage collector at ten thousand playlists: the
playlists are kept as rows (`records.Row`, tuples the collector stops tracking) in one dict, and
the name index maps keys to tuples of ids; a refresh keeps the previous row of every playlist
that did not change, so only what changed is new. `PlaylistRecord`s are made on demand.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from .records import PlaylistRecord, Row, row_as_dict, row_from_api, row_from_dict
from .references import PlaylistReference, name_key

# A listed entry, normalised (`listed`): a row; the id alone of an entry that cannot be read; or
# None for a null entry.
type Listed = Row | str | None

OWNER_SELF: Final = "self"


@dataclass(frozen=True, slots=True)
class CacheFilter:
    """Which playlists the cache shows (the options `include_*` and `owners`)."""

    include_public: bool = True
    include_private: bool = True
    include_collaborative: bool = True
    owners: tuple[str, ...] = ()  # empty = every owner; "self" = the account

    def key(self) -> list[Any]:
        """Return the stored form, to tell at start-up whether the options changed the filter."""
        return [
            self.include_public,
            self.include_private,
            self.include_collaborative,
            sorted(self.owners),
        ]

    @property
    def shows_all(self) -> bool:
        """Return whether the filter lets every playlist through."""
        return (
            self.include_public
            and self.include_private
            and self.include_collaborative
            and not self.owners
        )

    def accepts(self, record: PlaylistRecord, user_id: str) -> bool:
        """Return whether the record passes the filter."""
        return self.keeps(record.row, user_id)

    def keeps(self, row: Row, user_id: str) -> bool:
        """Return whether a row passes the filter.

        Collaborative playlists are judged by `include_collaborative` alone (Spotify reports them
        as not public); other playlists by `public` (null counts as private).
        """
        _id, _uri, _name, owner, collaborative, public, _snapshot, _total = row
        if collaborative:
            if not self.include_collaborative:
                return False
        elif public:
            if not self.include_public:
                return False
        elif not self.include_private:
            return False
        if self.owners:
            wanted = {user_id if owner == OWNER_SELF else owner for owner in self.owners}
            return owner in wanted
        return True


@dataclass(frozen=True, slots=True)
class CacheDiff:
    """What a refresh changed: the `spotifreak_cache_refreshed` event's payload."""

    added: tuple[PlaylistRecord, ...] = ()
    removed: tuple[PlaylistRecord, ...] = ()
    changed: tuple[PlaylistRecord, ...] = ()  # same id, moved snapshot_id

    def __bool__(self) -> bool:
        """Return whether the refresh changed anything."""
        return bool(self.added or self.removed or self.changed)


@dataclass(frozen=True, slots=True)
class Lookup:
    """A cache hit: the record found, and the rows of every playlist of that name."""

    record: PlaylistRecord
    rows: tuple[Row, ...]  # every playlist of that name, preferred first

    @property
    def ambiguous(self) -> bool:
        """Return whether several playlists share the name."""
        return len(self.rows) > 1

    @property
    def candidates(self) -> tuple[PlaylistRecord, ...]:
        """Return every playlist of that name, preferred first (made now: names can be common)."""
        return _records(self.rows)


class PlaylistCache:
    """The account's playlists: every one indexed, those the filter shows apart.

    Changed only in the event loop, and copy-on-write: `upsert` and `remove` replace the dicts
    instead of mutating them, so a thread serialising the cache (the Store) never sees a dict
    change under it.
    """

    __slots__ = (
        "_by_name",
        "_rows",
        "_shown",
        "cache_filter",
        "last_refreshed",
        "skipped",
        "user_id",
    )

    def __init__(
        self,
        user_id: str,
        last_refreshed: datetime | None = None,
        records: Mapping[str, PlaylistRecord] | None = None,
        cache_filter: CacheFilter | None = None,
    ) -> None:
        """Initialize a cache holding `records` (keyed by id), indexed."""
        self.user_id = user_id
        self.last_refreshed = last_refreshed
        self.cache_filter = cache_filter or CacheFilter()
        self.skipped = 0  # entries of the last listing that were not readable
        self._rows: dict[str, Row] = {pid: record.row for pid, record in (records or {}).items()}
        self._shown = self._showing(self._rows)
        self._by_name = self._index(self._rows)

    @classmethod
    def from_rows(
        cls,
        user_id: str,
        rows: dict[str, Row],
        *,
        last_refreshed: datetime | None,
        cache_filter: CacheFilter | None = None,
    ) -> PlaylistCache:
        """Return a cache holding these rows (keyed by id), indexed, showing what passes."""
        cache = cls(user_id, last_refreshed, cache_filter=cache_filter)
        cache._rows = rows
        cache._shown = cache._showing(rows)
        cache._by_name = cache._index(rows)
        return cache

    def _showing(self, rows: dict[str, Row]) -> dict[str, Row]:
        """Return the rows the filter shows (the same dict when it shows every one)."""
        if self.cache_filter.shows_all:
            return rows
        keeps, user_id = self.cache_filter.keeps, self.user_id
        return {pid: row for pid, row in rows.items() if keeps(row, user_id)}

    @classmethod
    def build(
        cls,
        user_id: str,
        entries: Iterable[Any],
        *,
        refreshed_at: datetime,
        cache_filter: CacheFilter | None = None,
        previous: PlaylistCache | None = None,
    ) -> PlaylistCache:
        """Normalise raw `/me/playlists` entries (see `from_listing`)."""
        return cls.from_listing(
            user_id,
            [[listed(entry) for entry in entries]],
            refreshed_at=refreshed_at,
            cache_filter=cache_filter,
            previous=previous,
        )

    @classmethod
    def from_listing(
        cls,
        user_id: str,
        pages: Iterable[Iterable[Listed]],
        *,
        refreshed_at: datetime,
        cache_filter: CacheFilter | None = None,
        previous: PlaylistCache | None = None,
    ) -> PlaylistCache:
        """Return the cache of a listing's normalised pages (`listed`), in order.

        Every playlist is kept; `cache_filter` says which ones the cache shows.

        Null entries and entries that cannot be read (odd types) are skipped and counted in
        `skipped`; a skipped entry whose id the `previous` cache knows keeps that row, so one
        odd entry neither fails the refresh nor drops a playlist from the cache. A playlist
        that did not change keeps its previous row: only what changed is new.
        """
        known = previous._rows if previous is not None else {}
        rows: dict[str, Row] = {}
        skipped = 0
        for page in pages:
            for entry in page:
                if isinstance(entry, tuple):
                    old = known.get(entry[0])
                    row: Row | None = old if old == entry else entry
                else:
                    skipped += 1
                    row = known.get(entry) if entry is not None else None
                if row is not None:
                    rows[row[0]] = row
        cache = cls.from_rows(user_id, rows, last_refreshed=refreshed_at, cache_filter=cache_filter)
        cache.skipped = skipped
        return cache

    def _index(self, rows: Mapping[str, Row]) -> dict[str, tuple[str, ...]]:
        """Return the name index: name key → ids, preferred first."""
        by_name: dict[str, list[str]] = {}
        for playlist_id, row in rows.items():
            by_name.setdefault(name_key(row[2]), []).append(playlist_id)
        return {key: self._ordered(ids, rows) for key, ids in by_name.items()}

    def _ordered(self, ids: list[str], rows: Mapping[str, Row]) -> tuple[str, ...]:
        # Tuples of strings: immutable (copy-on-write) and untracked by the garbage collector.
        if len(ids) == 1:
            return (ids[0],)
        return tuple(sorted(ids, key=lambda playlist_id: self._preference(rows[playlist_id])))

    def _preference(self, row: Row) -> tuple[bool, int, str]:
        # Duplicate names: the account's own playlist first, then the fullest, then by id.
        return (row[3] != self.user_id, -row[7], row[0])

    def __len__(self) -> int:
        """Return the number of playlists the filter shows."""
        return len(self._shown)

    @property
    def total(self) -> int:
        """Return the number of playlists held, shown or not (what a listing reads)."""
        return len(self._rows)

    @property
    def records(self) -> Mapping[str, PlaylistRecord]:
        """Return the records the filter shows by id, in listing order (made as they are read)."""
        return _Records(self._shown)

    def get(self, playlist_id: str) -> PlaylistRecord | None:
        """Return the record with this id, shown or not."""
        row = self._rows.get(playlist_id)
        return None if row is None else PlaylistRecord.from_row(row)

    def named(self, name: str) -> list[PlaylistRecord]:
        """Return every record with this name (`name_key`), shown or not, preferred first."""
        return list(_records(self._named(name)))

    def _named(self, name: str) -> tuple[Row, ...]:
        rows = self._rows
        return tuple(rows[pid] for pid in self._by_name.get(name_key(name), ()))

    def lookup(self, reference: PlaylistReference) -> Lookup | None:
        """Find a reference, shown or not: by id/URI first, then by name."""
        if reference.playlist_id is not None:
            row = self._rows.get(reference.playlist_id)
            if row is not None:
                return Lookup(record=PlaylistRecord.from_row(row), rows=(row,))
        if reference.name is not None:
            rows = self._named(reference.name)
            if rows:
                return Lookup(record=PlaylistRecord.from_row(rows[0]), rows=rows)
        return None

    def upsert(self, record: PlaylistRecord) -> None:
        """Add or replace a record (a fallback fetch, a created playlist, a new snapshot)."""
        self.upsert_many((record,))

    def upsert_many(self, records: Iterable[PlaylistRecord]) -> None:
        """Add or replace records, updating only the index entries they touch.

        A sync writes back after every chunk: rebuilding the whole index of a large account each
        time would be milliseconds of event-loop time per write.
        """
        changed = {record.id: record.row for record in records}
        old = self._rows
        touched = {name_key(old[pid][2]) for pid in changed if pid in old}
        touched |= {name_key(row[2]) for row in changed.values()}
        self._rows = {**old, **changed}
        if self.cache_filter.shows_all:
            self._shown = self._rows
        else:  # in place where they were shown; `|` keeps the positions of existing keys
            kept = self._showing(changed)
            shown = self._shown.items()
            self._shown = {p: row for p, row in shown if p in kept or p not in changed} | kept
        self._reindex(touched, changed)

    def remove(self, playlist_id: str) -> None:
        """Forget a record (e.g. a playlist that answered 404)."""
        row = self._rows.get(playlist_id)
        if row is not None:
            self._rows = {pid: r for pid, r in self._rows.items() if pid != playlist_id}
            self._shown = self._showing(self._rows)  # rare (a 404): filtering again is fine
            self._reindex({name_key(row[2])}, {playlist_id: row})

    def _reindex(self, keys: set[str], changed: Mapping[str, Row]) -> None:
        """Order again the index entries of `keys`, where the ids in `changed` came or went."""
        rows, by_name = self._rows, dict(self._by_name)
        for key in keys:
            ids = [pid for pid in by_name.get(key, ()) if pid not in changed]
            ids += [pid for pid in changed if pid in rows and name_key(rows[pid][2]) == key]
            if ids:
                by_name[key] = self._ordered(ids, rows)
            else:
                by_name.pop(key, None)
        self._by_name = by_name

    def diff(self, previous: PlaylistCache | None) -> CacheDiff:
        """Return what the shown playlists changed since `previous` (all added when none)."""
        before = previous._shown if previous is not None else {}
        after = self._shown
        added, changed = [], []
        for pid, row in after.items():
            old = before.get(pid)
            if old is None:
                added.append(row)
            elif old is not row and old[6] != row[6]:
                changed.append(row)
        removed = [row for pid, row in before.items() if pid not in after]
        return CacheDiff(
            added=_records(added), removed=_records(removed), changed=_records(changed)
        )

    def age(self, now: datetime) -> timedelta | None:
        """Return how old the cache is (None before the first refresh)."""
        return now - self.last_refreshed if self.last_refreshed is not None else None

    def to_store(self) -> dict[str, Any]:
        """Return the form kept in Home Assistant's Store."""
        return {
            "user_id": self.user_id,
            "last_refreshed": self.last_refreshed.isoformat() if self.last_refreshed else None,
            "playlists": [row_as_dict(row) for row in self._rows.values()],
        }

    @classmethod
    def from_store(
        cls, data: Mapping[str, Any], cache_filter: CacheFilter | None = None
    ) -> PlaylistCache:
        """Read the stored form; raises ValueError (or KeyError/TypeError) when it is corrupt."""
        refreshed = data.get("last_refreshed")
        last_refreshed = datetime.fromisoformat(refreshed) if refreshed else None
        if last_refreshed is not None and last_refreshed.tzinfo is None:
            last_refreshed = last_refreshed.replace(tzinfo=UTC)
        rows = (row_from_dict(item) for item in data["playlists"])
        return cls.from_rows(
            str(data["user_id"]),
            {row[0]: row for row in rows},
            last_refreshed=last_refreshed,
            cache_filter=cache_filter,
        )

    def to_export(self) -> dict[str, Any]:
        """Return the export format (`playlist-cache.json`): shown records by name and by URI.

        A shared name points at the preferred playlist shown; every one is reachable by its URI.
        """
        rows = self._shown
        playlists: dict[str, dict[str, Any]] = {}
        for key, ids in sorted(self._by_name.items()):
            shown = next((pid for pid in ids if pid in rows), None)
            if shown is not None:
                playlists[key] = row_as_dict(rows[shown])
        for item in sorted((row_as_dict(row) for row in rows.values()), key=_uri):
            playlists[item["uri"]] = item
        refreshed = (
            self.last_refreshed.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            if self.last_refreshed
            else None
        )
        return {"last_refreshed": refreshed, "playlists": playlists}


def listed(entry: Any) -> Listed:
    """Normalise one entry of `/me/playlists` (see `Listed`)."""
    row = row_from_api(entry)
    if row is not None:
        return row
    playlist_id = entry.get("id") if isinstance(entry, Mapping) else None
    return playlist_id if isinstance(playlist_id, str) and playlist_id else None


class _Records(Mapping[str, PlaylistRecord]):
    """The cache's rows seen as records, made as they are read."""

    __slots__ = ("_rows",)

    def __init__(self, rows: Mapping[str, Row]) -> None:
        self._rows = rows

    def __getitem__(self, playlist_id: str) -> PlaylistRecord:
        return PlaylistRecord.from_row(self._rows[playlist_id])

    def __iter__(self) -> Iterator[str]:
        return iter(self._rows)

    def __len__(self) -> int:
        return len(self._rows)


def _records(rows: Iterable[Row]) -> tuple[PlaylistRecord, ...]:
    return tuple(PlaylistRecord.from_row(row) for row in rows)


def _uri(item: Mapping[str, Any]) -> str:
    return str(item["uri"])
