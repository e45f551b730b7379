"""What a sync remembers a target playlist held, and when that memory can be trusted.

A sync's state keeps `{snapshot_id, uris}` per target playlist. The contents are trusted only while
the playlist cache reports that snapshot: a change by anyone else moves it, and the next run reads
the playlist. Contents that no snapshot could prove current (no snapshot id, or an entry whose URI
is unknown) are not kept at all.
"""

from __future__ import annotations

from collections.abc import MutableMapping, Sequence
from typing import Any

from .context import SyncContext

type Contents = list[str | None]  # a playlist's URIs; None for an entry whose URI is unknown


class RememberedContents:
    """Where a sync keeps what its targets held: `(snapshot_id, uris)` per playlist id."""

    def get(self, playlist_id: str) -> tuple[str, list[str]] | None:
        """Return the remembered snapshot and URIs of a playlist, if any."""
        raise NotImplementedError

    def _put(self, playlist_id: str, snapshot_id: str, uris: list[str]) -> None:
        raise NotImplementedError

    def forget(self, playlist_id: str) -> None:
        """Drop what is remembered about a playlist (the next run reads it)."""
        raise NotImplementedError

    def keep(self, playlist_id: str, snapshot_id: str, uris: Sequence[str | None]) -> None:
        """Remember the playlist's contents at `snapshot_id`; forget them when not exact.

        Without a snapshot, or with an entry whose URI is unknown, nothing could ever prove the
        contents current: they are dropped instead.
        """
        if snapshot_id and all(uri is not None for uri in uris):
            self._put(playlist_id, snapshot_id, [str(uri) for uri in uris])
        else:
            self.forget(playlist_id)


def _valid(entry: Any) -> tuple[str, list[str]] | None:
    if not isinstance(entry, MutableMapping):
        return None
    snapshot, uris = entry.get("snapshot_id"), entry.get("uris")
    if not isinstance(snapshot, str) or not snapshot or not isinstance(uris, list):
        return None
    return snapshot, [str(uri) for uri in uris]


class ContentsByPlaylist(RememberedContents):
    """Contents of many targets: `{playlist_id: {"snapshot_id", "uris"}}` (a mirror's state)."""

    def __init__(self, entries: dict[str, Any]) -> None:
        """Initialize the contents kept in `entries`."""
        self._entries = entries

    def get(self, playlist_id: str) -> tuple[str, list[str]] | None:
        """Return the remembered snapshot and URIs of a playlist, if any."""
        return _valid(self._entries.get(playlist_id))

    def _put(self, playlist_id: str, snapshot_id: str, uris: list[str]) -> None:
        self._entries[playlist_id] = {"snapshot_id": snapshot_id, "uris": uris}

    def forget(self, playlist_id: str) -> None:
        """Drop what is remembered about a playlist (the next run reads it)."""
        self._entries.pop(playlist_id, None)


class ContentsOfOnePlaylist(RememberedContents):
    """Contents of a sync's one target: `state[key] = {"playlist_id", "snapshot_id", "uris"}`."""

    def __init__(self, state: dict[str, Any], key: str) -> None:
        """Initialize the contents kept in `state[key]`."""
        self._state = state
        self._key = key

    def get(self, playlist_id: str) -> tuple[str, list[str]] | None:
        """Return the remembered snapshot and URIs of the playlist, if it is the one kept."""
        entry = self._state.get(self._key)
        if not isinstance(entry, MutableMapping) or entry.get("playlist_id") != playlist_id:
            return None
        return _valid(entry)

    def _put(self, playlist_id: str, snapshot_id: str, uris: list[str]) -> None:
        self._state[self._key] = {
            "playlist_id": playlist_id,
            "snapshot_id": snapshot_id,
            "uris": uris,
        }

    def forget(self, playlist_id: str) -> None:
        """Drop what is remembered (there is only the one playlist)."""
        self._state.pop(self._key, None)


def trusted_contents(
    ctx: SyncContext, contents: RememberedContents, playlist_id: str
) -> list[str] | None:
    """Return a playlist's remembered URIs while their snapshot is current (`snapshot_current`)."""
    known = contents.get(playlist_id)
    if known is not None and snapshot_current(ctx, playlist_id, known[0]):
        return known[1]
    return None


def snapshot_current(ctx: SyncContext, playlist_id: str, snapshot_id: str) -> bool:
    """Return whether what was remembered at `snapshot_id` may be trusted now.

    The cache must still report that snapshot, and no run that ended uncleanly may have left
    the playlist marked as being written (what was remembered predates writes lost with it).
    """
    if playlist_id in ctx.unsure or not snapshot_id:
        return False
    cached = ctx.playlists.cached(playlist_id)
    return cached is not None and cached.snapshot_id == snapshot_id
