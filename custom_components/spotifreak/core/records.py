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
    def from_api(cls, obj: Mapping[str, Any] | None) -> PlaylistRecord | None:
        """Normalise a (Simplified)PlaylistObject; None for null entries or ones without an id.

        Reads the track count from `items` (2026) or `tracks` (before), whichever is present.
        """
        if not obj or not obj.get("id"):
            return None
        counts = obj.get("items") if isinstance(obj.get("items"), Mapping) else None
        if counts is None or "total" not in counts:
            counts = obj.get("tracks") if isinstance(obj.get("tracks"), Mapping) else {}
        owner = obj.get("owner") or {}
        playlist_id = str(obj["id"])
        return cls(
            id=playlist_id,
            uri=str(obj.get("uri") or f"spotify:playlist:{playlist_id}"),
            name=str(obj.get("name") or ""),
            owner=str(owner.get("id") or ""),
            collaborative=bool(obj.get("collaborative")),
            public=obj.get("public"),
            snapshot_id=str(obj.get("snapshot_id") or ""),
            tracks_total=int((counts or {}).get("total") or 0),
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
