"""Playlist records: the compact, normalised form the cache stores for each playlist."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


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
                for value in (
                    obj.get("uri"),
                    obj.get("name"),
                    obj.get("snapshot_id"),
                    owner.get("id"),
                )
            )
            or not all(
                isinstance(value, bool | None)
                for value in (obj.get("collaborative"), obj.get("public"))
            )
        ):
            return None
        return cls(
            id=playlist_id,
            uri=str(obj.get("uri") or f"spotify:playlist:{playlist_id}"),
            name=str(obj.get("name") or ""),
            owner=str(owner.get("id") or ""),
            collaborative=bool(obj.get("collaborative")),
            public=obj.get("public"),
            snapshot_id=str(obj.get("snapshot_id") or ""),
            tracks_total=count,
        )

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PlaylistRecord:
        """Read a record written by `as_dict` (the stored and exported form)."""
        return cls(
            id=str(data["id"]),
            uri=str(data.get("uri") or f"spotify:playlist:{data['id']}"),
            name=str(data.get("name") or ""),
            owner=str(data.get("owner") or ""),
            collaborative=bool(data.get("collaborative")),
            public=data.get("public"),
            snapshot_id=str(data.get("snapshot_id") or ""),
            tracks_total=int(data.get("tracks_total") or 0),
        )

    def as_dict(self) -> dict[str, Any]:
        """Return the stored, exported and action-response form (by hand: `asdict` is slow)."""
        return {
            "id": self.id,
            "uri": self.uri,
            "name": self.name,
            "owner": self.owner,
            "collaborative": self.collaborative,
            "public": self.public,
            "snapshot_id": self.snapshot_id,
            "tracks_total": self.tracks_total,
        }


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
            if isinstance(total, bool) or not isinstance(total, int) or total < 0:
                return None
            return total
        if counts is not None and not isinstance(counts, Mapping):
            return None
    return 0
