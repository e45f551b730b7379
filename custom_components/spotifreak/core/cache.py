"""The playlist cache: records indexed by id, URI and name, its filter, diff, stored and exported forms."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from .records import PlaylistRecord
from .references import PlaylistReference, name_key

OWNER_SELF: Final = "self"


@dataclass(frozen=True, slots=True)
class CacheFilter:
    """Which playlists the cache keeps (the options `include_*` and `owners`)."""

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

    def accepts(self, record: PlaylistRecord, user_id: str) -> bool:
        """Return whether the record passes the filter.

        Collaborative playlists are judged by `include_collaborative` alone (Spotify reports them
        as not public); other playlists by `public` (null counts as private).
        """
        if record.collaborative:
            if not self.include_collaborative:
                return False
        elif record.public:
            if not self.include_public:
                return False
        elif not self.include_private:
            return False
        if self.owners:
            wanted = {user_id if owner == OWNER_SELF else owner for owner in self.owners}
            return record.owner in wanted
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
    """A cache hit."""

    record: PlaylistRecord
    candidates: tuple[PlaylistRecord, ...]  # every playlist of that name, preferred first

    @property
    def ambiguous(self) -> bool:
        """Return whether several playlists share the name."""
        return len(self.candidates) > 1


@dataclass(slots=True)
class PlaylistCache:
    """The account's playlists.

    Changed only in the event loop, and copy-on-write: `upsert` and `remove` replace the dicts
    instead of mutating them, so a thread serialising the cache (the Store) never sees a dict
    change under it.
    """

    user_id: str
    last_refreshed: datetime | None = None
    records: dict[str, PlaylistRecord] = field(default_factory=dict)
    _by_uri: dict[str, str] = field(default_factory=dict, repr=False)
    _by_name: dict[str, tuple[str, ...]] = field(default_factory=dict, repr=False)
    skipped: int = field(default=0, compare=False)  # entries of the last listing not readable

    def __post_init__(self) -> None:
        """Index the records."""
        self._reindex()

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
        """Normalise the raw `/me/playlists` entries and filter them.

        Null entries and entries that cannot be read (odd types) are skipped and counted in
        `skipped`; a skipped entry whose id the `previous` cache knows keeps that record, so
        one odd entry neither fails the refresh nor drops a playlist from the cache.
        """
        cache_filter = cache_filter or CacheFilter()
        known = previous.records if previous is not None else {}
        records: dict[str, PlaylistRecord] = {}
        skipped = 0
        for entry in entries:
            record = PlaylistRecord.from_api(entry)
            if record is None:
                skipped += 1
                playlist_id = entry.get("id") if isinstance(entry, Mapping) else None
                record = known.get(playlist_id) if isinstance(playlist_id, str) else None
            if record is not None and cache_filter.accepts(record, user_id):
                records[record.id] = record
        cache = cls(user_id=user_id, last_refreshed=refreshed_at, records=records)
        cache.skipped = skipped
        return cache

    def _reindex(self) -> None:
        self._by_uri = {record.uri: record.id for record in self.records.values()}
        by_name: dict[str, list[str]] = {}
        for record in self.records.values():
            by_name.setdefault(name_key(record.name), []).append(record.id)
        self._by_name = {key: self._ordered(ids) for key, ids in by_name.items()}

    def _ordered(self, ids: list[str]) -> tuple[str, ...]:
        # Tuples of strings: immutable (copy-on-write) and untracked by the garbage collector.
        if len(ids) == 1:
            return (ids[0],)
        return tuple(
            sorted(ids, key=lambda playlist_id: self._preference(self.records[playlist_id]))
        )

    def _preference(self, record: PlaylistRecord) -> tuple[bool, int, str]:
        # Duplicate names: the account's own playlist first, then the fullest, then by id.
        return (record.owner != self.user_id, -record.tracks_total, record.id)

    def __len__(self) -> int:
        """Return the number of playlists."""
        return len(self.records)

    def get(self, playlist_id: str) -> PlaylistRecord | None:
        """Return the record with this id."""
        return self.records.get(playlist_id)

    def named(self, name: str) -> list[PlaylistRecord]:
        """Return every record with this name (in the `name_key` sense), preferred first."""
        return [self.records[playlist_id] for playlist_id in self._by_name.get(name_key(name), [])]

    def lookup(self, reference: PlaylistReference) -> Lookup | None:
        """Find a reference: by id/URI first, then by name."""
        if reference.playlist_id is not None:
            record = self.records.get(reference.playlist_id)
            if record is not None:
                return Lookup(record=record, candidates=(record,))
        if reference.name is not None:
            candidates = tuple(self.named(reference.name))
            if candidates:
                return Lookup(record=candidates[0], candidates=candidates)
        return None

    def upsert(self, record: PlaylistRecord) -> None:
        """Add or replace a record (a fallback fetch, a created playlist, a new snapshot)."""
        self.upsert_many((record,))

    def upsert_many(self, records: Iterable[PlaylistRecord]) -> None:
        """Add or replace records, updating only the index entries they touch.

        A sync writes back after every chunk: rebuilding the whole index of a large account each
        time would be milliseconds of event-loop time per write.
        """
        changed = {record.id: record for record in records}
        old = self.records
        self.records = {**old, **changed}
        by_uri = dict(self._by_uri)
        by_name = dict(self._by_name)
        touched: set[str] = set()
        for record in changed.values():
            if (previous := old.get(record.id)) is not None:
                by_uri.pop(previous.uri, None)
                touched.add(name_key(previous.name))
            by_uri[record.uri] = record.id
            touched.add(name_key(record.name))
        for key in touched:
            ids = [pid for pid in by_name.get(key, ()) if pid not in changed]
            ids += [pid for pid, record in changed.items() if name_key(record.name) == key]
            if ids:
                by_name[key] = self._ordered(ids)
            else:
                by_name.pop(key, None)
        self._by_uri, self._by_name = by_uri, by_name

    def remove(self, playlist_id: str) -> None:
        """Forget a record (e.g. a playlist that answered 404)."""
        if playlist_id in self.records:
            self.records = {pid: r for pid, r in self.records.items() if pid != playlist_id}
            self._reindex()

    def diff(self, previous: PlaylistCache | None) -> CacheDiff:
        """Return what changed since `previous` (everything is added when there was none)."""
        before = previous.records if previous is not None else {}
        return CacheDiff(
            added=tuple(r for pid, r in self.records.items() if pid not in before),
            removed=tuple(r for pid, r in before.items() if pid not in self.records),
            changed=tuple(
                r
                for pid, r in self.records.items()
                if pid in before and before[pid].snapshot_id != r.snapshot_id
            ),
        )

    def age(self, now: datetime) -> timedelta | None:
        """Return how old the cache is (None before the first refresh)."""
        return now - self.last_refreshed if self.last_refreshed is not None else None

    def to_store(self) -> dict[str, Any]:
        """Return the form kept in Home Assistant's Store."""
        return {
            "user_id": self.user_id,
            "last_refreshed": self.last_refreshed.isoformat() if self.last_refreshed else None,
            "playlists": [record.as_dict() for record in self.records.values()],
        }

    @classmethod
    def from_store(cls, data: Mapping[str, Any]) -> PlaylistCache:
        """Read the stored form; raises ValueError (or KeyError/TypeError) when it is corrupt."""
        refreshed = data.get("last_refreshed")
        last_refreshed = datetime.fromisoformat(refreshed) if refreshed else None
        if last_refreshed is not None and last_refreshed.tzinfo is None:
            last_refreshed = last_refreshed.replace(tzinfo=UTC)
        records = [PlaylistRecord.from_dict(item) for item in data["playlists"]]
        return cls(
            user_id=str(data["user_id"]),
            last_refreshed=last_refreshed,
            records={record.id: record for record in records},
        )

    def to_export(self) -> dict[str, Any]:
        """Return the export format (`playlist-cache.json`): records keyed by name and by URI.

        A shared name points at the preferred playlist; every playlist is reachable by its URI.
        """
        playlists: dict[str, dict[str, Any]] = {}
        for key, ids in sorted(self._by_name.items()):
            playlists[key] = self.records[ids[0]].as_dict()
        for record in sorted(self.records.values(), key=lambda r: r.uri):
            playlists[record.uri] = record.as_dict()
        refreshed = (
            self.last_refreshed.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            if self.last_refreshed
            else None
        )
        return {"last_refreshed": refreshed, "playlists": playlists}
