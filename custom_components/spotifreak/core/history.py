"""Playlist history: what a playlist held before Spotifreak changed it, kept so it can come back.

Spotify keeps no version history of a playlist. Before any write that removes or reorders tracks
(a Last.fm replace, a restore, the removals of the playlist rules) the target writer takes a
version of the playlist here, and the write is sent only once that version is saved
(`target_writer.py`). A version holds the entries in order — URI, `added_at`, kind (`track`,
`episode`, `local`, `unavailable`), title and artist for display — with the playlist's name and
snapshot id, and when and why it was taken (reason, run id, sync id). Appends take no version:
what a playlist held before is a prefix of what it holds after (the run record lists the URIs
an append added).

Bounded: at most `max_versions` per playlist and `max_bytes` in all (the JSON size of the stored
versions); the oldest go first, but never the version just taken. Version numbers only grow, per
account, so a number names one version for good.

The history also knows which playlists Spotifreak created (`created`): the Last.fm sync replaces
only those unless the user allowed it.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
import json
from typing import Any, Final

from .errors import HistorySaveError
from .records import PlaylistRecord
from .spotify import PlaylistItem
from .timestamps import parse_time

DEFAULT_MAX_VERSIONS: Final = 10
DEFAULT_MAX_BYTES: Final = 5_000_000

# Why a version was taken (`version.reason`, the `spotifreak_playlist_snapshot` event).
REASON_BEFORE_REPLACE: Final = "before_replace"
REASON_BEFORE_REMOVE: Final = "before_remove"
REASON_BEFORE_RESTORE: Final = "before_restore"
REASON_MANUAL: Final = "manual"

KIND_TRACK: Final = "track"
KIND_EPISODE: Final = "episode"
KIND_LOCAL: Final = "local"
KIND_UNAVAILABLE: Final = "unavailable"
LOCAL_PREFIX: Final = "spotify:local:"


def item_kind(uri: str | None) -> str:
    """Return what an entry is, by its URI: only tracks and episodes can be added back by URI."""
    if not uri:
        return KIND_UNAVAILABLE
    if uri.startswith(LOCAL_PREFIX):
        return KIND_LOCAL
    if uri.startswith("spotify:episode:"):
        return KIND_EPISODE
    if uri.startswith("spotify:track:"):
        return KIND_TRACK
    return KIND_UNAVAILABLE


def holds_local_files(uris: Sequence[str | None]) -> bool:
    """Return whether any of these entries is a local file (which no write can put back)."""
    return any(uri is not None and uri.startswith(LOCAL_PREFIX) for uri in uris)


@dataclass(frozen=True, slots=True)
class SnapshotItem:
    """One entry of a version."""

    uri: str | None
    kind: str
    added_at: str | None = None
    name: str | None = None
    artist: str | None = None

    @classmethod
    def from_item(cls, item: PlaylistItem) -> SnapshotItem:
        """Keep what a playlist entry read from Spotify says."""
        return cls(item.uri, item_kind(item.uri), item.added_at, item.name, item.artist)

    @property
    def restorable(self) -> bool:
        """Return whether the entry can be added back by URI (tracks and episodes)."""
        return self.kind in (KIND_TRACK, KIND_EPISODE)

    def as_dict(self) -> dict[str, Any]:
        """Return the stored and reported form."""
        return {
            "uri": self.uri,
            "added_at": self.added_at,
            "kind": self.kind,
            "name": self.name,
            "artist": self.artist,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SnapshotItem:
        """Read the stored form."""
        uri = data.get("uri") if isinstance(data.get("uri"), str) else None
        return cls(
            uri,
            str(data.get("kind") or item_kind(uri)),
            _text(data.get("added_at")),
            _text(data.get("name")),
            _text(data.get("artist")),
        )


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


@dataclass(frozen=True, slots=True)
class PlaylistVersion:
    """What a playlist held at one moment, and why that moment was kept."""

    version: int
    playlist_id: str
    name: str
    snapshot_id: str
    taken_at: datetime
    reason: str
    items: tuple[SnapshotItem, ...]
    run_id: str | None = None
    sync_id: str | None = None

    @property
    def uris(self) -> list[str | None]:
        """Return the entries' URIs in order (None for an unavailable one)."""
        return [item.uri for item in self.items]

    @property
    def restorable_uris(self) -> list[str]:
        """Return, in order, the URIs a restore writes."""
        return [str(item.uri) for item in self.items if item.restorable]

    @property
    def unrestorable(self) -> list[SnapshotItem]:
        """Return the entries no write can put back: local files and unavailable entries."""
        return [item for item in self.items if not item.restorable]

    def summary(self) -> dict[str, Any]:
        """Return the version without its entries (what listing versions shows)."""
        return {
            "version": self.version,
            "playlist": self.playlist_id,
            "name": self.name,
            "snapshot_id": self.snapshot_id,
            "taken_at": self.taken_at.isoformat(),
            "reason": self.reason,
            "run_id": self.run_id,
            "sync_id": self.sync_id,
            "tracks": len(self.items),
            "unrestorable": len(self.unrestorable),
        }

    def as_dict(self) -> dict[str, Any]:
        """Return the stored form: the summary's fields and the entries."""
        data = self.summary()
        del data["tracks"], data["unrestorable"]
        data["items"] = [item.as_dict() for item in self.items]
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PlaylistVersion:
        """Read the stored form (raises KeyError, TypeError or ValueError when unreadable)."""
        taken_at = parse_time(data.get("taken_at"))
        if taken_at is None:
            raise ValueError("a version without its time")
        return cls(
            version=int(data["version"]),
            playlist_id=str(data["playlist"]),
            name=str(data.get("name") or ""),
            snapshot_id=str(data.get("snapshot_id") or ""),
            taken_at=taken_at,
            reason=str(data.get("reason") or REASON_MANUAL),
            items=tuple(SnapshotItem.from_dict(item) for item in data["items"]),
            run_id=_text(data.get("run_id")),
            sync_id=_text(data.get("sync_id")),
        )


def changes_since(version: PlaylistVersion, now: Sequence[str | None]) -> tuple[int, int]:
    """Return (added, removed): entries the playlist gained and lost since the version.

    Counted as multisets of URIs, so a track added twice counts twice; order is not compared.
    """
    before = Counter(uri for uri in version.uris if uri)
    after = Counter(uri for uri in now if uri)
    return sum((after - before).values()), sum((before - after).values())


type _Checkpoint = tuple[
    dict[str, list[PlaylistVersion]], dict[int, dict[str, Any]], dict[int, int]
]


class PlaylistHistory:
    """The versions of an account's playlists, newest first per playlist, bounded."""

    def __init__(
        self, max_versions: int = DEFAULT_MAX_VERSIONS, max_bytes: int = DEFAULT_MAX_BYTES
    ) -> None:
        """Initialize an empty history with its bounds."""
        self.max_versions = max(1, max_versions)
        self.max_bytes = max(0, max_bytes)
        self.created: set[str] = set()
        self._versions: dict[str, list[PlaylistVersion]] = {}
        self._stored: dict[int, dict[str, Any]] = {}  # each version's stored form, never mutated
        self._sizes: dict[int, int] = {}
        self._next = 1

    def __len__(self) -> int:
        """Return the number of versions kept."""
        return len(self._sizes)

    @property
    def size(self) -> int:
        """Return the JSON size of the versions kept, in bytes."""
        return sum(self._sizes.values())

    def new_version_number(self) -> int:
        """Return a number no version ever had."""
        number = self._next
        self._next += 1
        return number

    def versions(self, playlist_id: str) -> list[PlaylistVersion]:
        """Return a playlist's versions, newest first."""
        return list(self._versions.get(playlist_id, ()))

    def get(self, version: int) -> PlaylistVersion | None:
        """Return the version with this number."""
        return next(
            (found for found in self._all() if found.version == version),
            None,
        )

    def default_for_restore(self, playlist_id: str) -> PlaylistVersion | None:
        """Return the version a restore without a number brings back.

        The newest version not taken by a restore itself: restoring again after a restore that
        failed half-way completes it, instead of bringing back the half-way state. The versions
        a restore takes are there to undo it, by number.
        """
        return next(
            (
                found
                for found in self._versions.get(playlist_id, ())
                if found.reason != REASON_BEFORE_RESTORE
            ),
            None,
        )

    def add(self, version: PlaylistVersion) -> list[PlaylistVersion]:
        """Keep a version, then drop the oldest beyond the bounds; return what was dropped."""
        stored = version.as_dict()
        self._stored[version.version] = stored
        self._sizes[version.version] = len(json.dumps(stored, separators=(",", ":")))
        self._versions[version.playlist_id] = [version, *self.versions(version.playlist_id)]
        self._next = max(self._next, version.version + 1)
        return self.enforce(protect=version.version)

    def enforce(self, protect: int | None = None) -> list[PlaylistVersion]:
        """Drop the oldest versions beyond the bounds; return them.

        The size cap never drops `protect` (by default the newest version of all).
        """
        if protect is None and self._sizes:
            protect = max(self._sizes)
        dropped: list[PlaylistVersion] = []
        for versions in list(self._versions.values()):
            for version in versions[self.max_versions :]:
                self._drop(version)
                dropped.append(version)
        while self.size > self.max_bytes:
            candidates = [found for found in self._all() if found.version != protect]
            if not candidates:
                break
            oldest = min(candidates, key=lambda found: found.version)
            self._drop(oldest)
            dropped.append(oldest)
        return dropped

    def _drop(self, version: PlaylistVersion) -> None:
        kept = [found for found in self._versions.get(version.playlist_id, ()) if found != version]
        if kept:
            self._versions[version.playlist_id] = kept
        else:
            self._versions.pop(version.playlist_id, None)
        self._stored.pop(version.version, None)
        self._sizes.pop(version.version, None)

    def _all(self) -> list[PlaylistVersion]:
        return [found for versions in self._versions.values() for found in versions]

    def checkpoint(self) -> _Checkpoint:
        """Return what `rollback` needs to undo the changes made after this call."""
        versions = {key: list(value) for key, value in self._versions.items()}
        return versions, dict(self._stored), dict(self._sizes)

    def rollback(self, checkpoint: _Checkpoint) -> None:
        """Undo every change since the checkpoint (a version that could not be saved).

        Version numbers handed out meanwhile stay used: a number never names two versions.
        """
        versions, stored, sizes = checkpoint
        self._versions, self._stored, self._sizes = versions, stored, sizes

    def mark_created(self, playlist_id: str) -> bool:
        """Remember that Spotifreak created this playlist; return whether that is news."""
        if playlist_id in self.created:
            return False
        self.created.add(playlist_id)
        return True

    def to_store(self) -> dict[str, Any]:
        """Return the stored form; the versions' dicts are shared and never mutated.

        Home Assistant calls this in a worker thread (the Store serialises off the event loop)
        while the loop may add or drop versions: it reads copies of the containers, each taken
        at once (copying a dict or a set of strings holds the GIL), and leaves out a version
        dropped between the copies.
        """
        versions, stored, created = dict(self._versions), dict(self._stored), list(self.created)
        return {
            "next_version": self._next,
            "created": sorted(created),
            "playlists": {
                playlist_id: [stored[found.version] for found in kept if found.version in stored]
                for playlist_id, kept in versions.items()
            },
        }

    @classmethod
    def from_store(
        cls,
        data: Mapping[str, Any] | None,
        max_versions: int = DEFAULT_MAX_VERSIONS,
        max_bytes: int = DEFAULT_MAX_BYTES,
    ) -> PlaylistHistory:
        """Read the stored form; unreadable versions are dropped, never fatal; bounds applied."""
        history = cls(max_versions, max_bytes)
        data = data or {}
        created = data.get("created")
        if isinstance(created, list):
            history.created = {str(playlist_id) for playlist_id in created}
        playlists = data.get("playlists")
        for versions in (playlists or {}).values() if isinstance(playlists, Mapping) else ():
            for stored in reversed(versions) if isinstance(versions, list) else ():
                try:
                    history.add(PlaylistVersion.from_dict(stored))
                except (KeyError, TypeError, ValueError, AttributeError):
                    continue
        next_version = data.get("next_version")
        if isinstance(next_version, int):
            history._next = max(history._next, next_version)
        history.enforce()
        return history


type Persist = Callable[[dict[str, Any]], Awaitable[None]]


class HistoryKeeper:
    """An account's playlist history and how it is kept: a version counts once it is saved.

    `persist` saves the history's stored form (Home Assistant: awaits its Store); without one
    the history lives in memory (tests, the benchmark). `on_kept` hears of every saved version
    (the event), `on_changed` of other changes worth saving soon (a playlist Spotifreak created).
    """

    def __init__(
        self,
        history: PlaylistHistory | None = None,
        *,
        persist: Persist | None = None,
        on_kept: Callable[[PlaylistVersion], None] | None = None,
        on_changed: Callable[[], None] | None = None,
    ) -> None:
        """Initialize the keeper of `history` (a new, empty one when not given)."""
        self.history = history if history is not None else PlaylistHistory()
        self._persist = persist
        self._on_kept = on_kept
        self._on_changed = on_changed
        self._lock = asyncio.Lock()
        # Since start-up, per sync id ("" for none): versions taken, and the Spotify requests
        # spent reading playlists only for them (what the playlist history costs).
        self.snapshots: Counter[str] = Counter()
        self.snapshot_calls: Counter[str] = Counter()

    async def keep(
        self,
        record: PlaylistRecord,
        items: Sequence[PlaylistItem],
        *,
        reason: str,
        taken_at: datetime,
        run_id: str | None = None,
        sync_id: str | None = None,
        read_calls: int = 0,
    ) -> PlaylistVersion:
        """Take a version of the playlist and save it; raise `HistorySaveError` if it cannot be.

        `read_calls`: the requests spent reading the entries only for this version. Nothing of
        a version that could not be saved stays in the history.
        """
        async with self._lock:
            version = PlaylistVersion(
                version=self.history.new_version_number(),
                playlist_id=record.id,
                name=record.name,
                snapshot_id=record.snapshot_id,
                taken_at=taken_at,
                reason=reason,
                items=tuple(SnapshotItem.from_item(item) for item in items),
                run_id=run_id,
                sync_id=sync_id,
            )
            checkpoint = self.history.checkpoint()
            self.history.add(version)
            if self._persist is not None:
                try:
                    await self._persist(self.history.to_store())
                except BaseException as err:
                    self.history.rollback(checkpoint)
                    if isinstance(err, Exception):
                        raise HistorySaveError(
                            f"The version of {record.name!r} could not be saved: {err}"
                        ) from err
                    raise
            self.snapshots[sync_id or ""] += 1
            self.snapshot_calls[sync_id or ""] += read_calls
        if self._on_kept is not None:
            self._on_kept(version)
        return version

    def mark_created(self, playlist_id: str) -> None:
        """Remember that Spotifreak created this playlist."""
        if self.history.mark_created(playlist_id) and self._on_changed is not None:
            self._on_changed()

    def is_created(self, playlist_id: str) -> bool:
        """Return whether Spotifreak created this playlist."""
        return playlist_id in self.history.created
