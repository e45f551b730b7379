"""Playlist records: the normalised form the cache keeps for each playlist, and its compact row.

`PlaylistRecord` is the record everyone handles (resolving, syncing, the action responses). The
cache keeps each one as a `Row`, a plain tuple of strings, numbers and booleans: Python's garbage
collector stops tracking such a tuple the first time it sees it, so ten thousand cached
playlists add nothing to the objects every full collection walks (a slotted object per playlist
would add ten thousand, created anew at every refresh). A row leaves out what it can rebuild:
the URI when it is the playlist's usual `spotify:playlist:{id}`; owner ids are interned.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
import sys
from typing import Any, TypeGuard

URI_PREFIX = "spotify:playlist:"

# id, uri (None: the usual URI of the id), name, owner, collaborative, public, snapshot_id,
# tracks_total
type Row = tuple[str, str | None, str, str, bool, bool | None, str, int]


@dataclass(frozen=True, slots=True)
class PlaylistRecord:
    """One playlist as the cache keeps it: what resolving and syncing need, nothing more."""

    id: str
    uri: str
    name: str
    owner: str
    collaborative: bool
    public: bool | None
    snapshot_id: str
    tracks_total: int

    @classmethod
    def from_api(cls, obj: Any) -> PlaylistRecord | None:
        """Normalise a (Simplified)PlaylistObject; None for null entries and ones not readable.

        See `row_from_api`.
        """
        row = row_from_api(obj)
        return None if row is None else cls.from_row(row)

    @classmethod
    def from_row(cls, row: Row) -> PlaylistRecord:
        """Return the record a cache row holds."""
        playlist_id, uri, name, owner, collaborative, public, snapshot_id, tracks_total = row
        return cls(
            playlist_id,
            uri or URI_PREFIX + playlist_id,
            name,
            owner,
            collaborative,
            public,
            snapshot_id,
            tracks_total,
        )

    @property
    def row(self) -> Row:
        """Return the compact form the cache keeps."""
        return make_row(
            self.id,
            self.uri,
            self.name,
            self.owner,
            self.collaborative,
            self.public,
            self.snapshot_id,
            self.tracks_total,
        )

    def closed_to(self, user_id: str) -> bool:
        """Return whether it is someone else's playlist that is not collaborative.

        A collaborative one is worth trying: the account may be one of its collaborators.
        """
        return not self.collaborative and self.owner not in ("", user_id)

    def as_dict(self) -> dict[str, Any]:
        """Return the stored, exported and action-response form."""
        return row_as_dict(self.row)


def make_row(
    playlist_id: str,
    uri: str,
    name: str,
    owner: str,
    collaborative: bool,
    public: bool | None,
    snapshot_id: str,
    tracks_total: int,
) -> Row:
    """Return a row: the usual URI left out, the owner id interned."""
    return (
        playlist_id,
        None if uri == URI_PREFIX + playlist_id else uri,
        name,
        sys.intern(owner),
        collaborative,
        public,
        snapshot_id,
        tracks_total,
    )


def row_from_api(obj: Any) -> Row | None:
    """Normalise a (Simplified)PlaylistObject into a row; None for null and unreadable entries.

    Reads the track count from `items` (2026) or `tracks` (before), whichever is present.
    An entry whose fields have other types than Spotify documents (an `owner` that is a
    string, a `total` of "many") is not readable: it is skipped like a null entry, it does
    not fail the listing.
    """
    if not isinstance(obj, Mapping):
        return None
    playlist_id = obj.get("id")
    owner = obj.get("owner") or {}
    count = _track_count(obj)
    if (
        not isinstance(playlist_id, str)
        or not playlist_id
        or not isinstance(owner, Mapping)
        or count is None
        or not all(
            isinstance(value, str | None)
            for value in (obj.get("uri"), obj.get("name"), obj.get("snapshot_id"), owner.get("id"))
        )
        or not all(
            isinstance(value, bool | None)
            for value in (obj.get("collaborative"), obj.get("public"))
        )
    ):
        return None
    return make_row(
        playlist_id,
        obj.get("uri") or URI_PREFIX + playlist_id,
        obj.get("name") or "",
        owner.get("id") or "",
        bool(obj.get("collaborative")),
        obj.get("public"),
        obj.get("snapshot_id") or "",
        count,
    )


def row_from_dict(data: Mapping[str, Any]) -> Row:
    """Read a row from the stored and exported form (`row_as_dict`)."""
    playlist_id = str(data["id"])
    return make_row(
        playlist_id,
        str(data.get("uri") or URI_PREFIX + playlist_id),
        str(data.get("name") or ""),
        str(data.get("owner") or ""),
        bool(data.get("collaborative")),
        data.get("public"),
        str(data.get("snapshot_id") or ""),
        int(data.get("tracks_total") or 0),
    )


def row_as_dict(row: Row) -> dict[str, Any]:
    """Return the stored, exported and action-response form of a row (by hand: fast)."""
    playlist_id, uri, name, owner, collaborative, public, snapshot_id, tracks_total = row
    return {
        "id": playlist_id,
        "uri": uri or URI_PREFIX + playlist_id,
        "name": name,
        "owner": owner,
        "collaborative": collaborative,
        "public": public,
        "snapshot_id": snapshot_id,
        "tracks_total": tracks_total,
    }


def is_count(value: Any) -> TypeGuard[int]:
    """Return whether an answer's value is a count (an int, not a bool, not negative)."""
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _track_count(obj: Mapping[str, Any]) -> int | None:
    """Return the playlist's entry count: `items.total`, or the older `tracks.total`.

    0 when neither is given; None when it is not a count.
    """
    for key in ("items", "tracks"):
        counts = obj.get(key)
        if isinstance(counts, Mapping) and "total" in counts:
            total = counts["total"]
            if total is None:
                return 0
            return total if is_count(total) else None
        if counts is not None and not isinstance(counts, Mapping):
            return None
    return 0
