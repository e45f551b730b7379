"""The naive design: the standalone daemon's syncs (`../shared/docs/heritage.md`), with spotipy.

Written to cost what the daemon cost, not more. Where the daemon's behaviour is open to a cheaper or
a dearer reading, the cheaper one is taken:

- Every run enumerates the account's playlists itself (`current_user_playlists(limit=50)` and `next`
  until the end: ⌈P/50⌉ requests) — once per run, shared by all the name lookups of that run, not
  once per lookup (heritage flaw 7 says every name lookup paged; that would cost more).
- Every target is re-validated with `playlist(id)` on every run (flaw 7).
- A mirror keeps the daemon's cursor (`last_processed_track_id`): liked songs are read newest first
  only down to the cursor (50 per page, not spotipy's default 20); a playlist source is read whole
  and the items after the cursor are new. As in the daemon, a valid cursor skips the dedupe read of
  the targets (flaw 4); without one (first run, or the cursor track was removed) the targets are
  read and deduplicated against.
- The Last.fm sync searches every top track on every run (`track:"…" artist:"…"`, then free text
  when that finds nothing, taking the first result as the daemon did), and skips the write when
  the matched list equals the last one; otherwise one `PUT` replaces the playlist (per 100 URIs; the
  daemon's `clear_before_add` is taken as that single replace, not a clear followed by adds).
- Missing targets are created (`POST /me/playlists`), writes go in chunks of 100.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import requests
import spotipy

from custom_components.spotifreak.core.matching import relaxed_query, strict_query

CHUNK = 100


@dataclass(slots=True)
class NaiveResult:
    """What one naive run did (for the report); calls are counted by the emulator."""

    sync_id: str
    added: int = 0
    wrote: bool = False


@dataclass(slots=True)
class NaiveMirror:
    """`playlist_mirror` from `liked_songs` or a playlist name into target names."""

    sync_id: str
    source: str  # "liked_songs" or a playlist name
    targets: Sequence[str]
    cursor: str | None = None  # last_processed_track_id (a URI here)

    def run(self, sp: spotipy.Spotify) -> NaiveResult:
        result = NaiveResult(self.sync_id)
        by_name = enumerate_playlists(sp)
        target_ids = [resolve_or_create(sp, by_name, name) for name in self.targets]
        for target_id in target_ids:
            sp.playlist(target_id)  # re-validate the target (one call per target per run)
        if self.source == "liked_songs":
            new, cursor_found = read_liked_since(sp, self.cursor)
        else:
            source_id = by_name.get(self.source)
            if source_id is None:
                return result
            new, cursor_found = read_playlist_after(sp, source_id, self.cursor)
        uris = list(dict.fromkeys(uri for uri in new if uri.startswith("spotify:track:")))
        if not uris:
            self.cursor = new[-1] if new else self.cursor
            return result
        for target_id in target_ids:
            to_add = uris
            if not cursor_found:  # the daemon deduplicated only without a cursor
                present = set(read_playlist_uris(sp, target_id))
                to_add = [uri for uri in uris if uri not in present]
            for start in range(0, len(to_add), CHUNK):
                sp.playlist_add_items(target_id, to_add[start : start + CHUNK])
                result.wrote = True
            result.added += len(to_add)
        self.cursor = new[-1]  # the newest item processed (the lists are oldest first)
        return result


@dataclass(slots=True)
class NaiveLastfm:
    """`lastfm_top_tracks` into a playlist name (replace mode)."""

    sync_id: str
    playlist: str
    username: str
    api_key: str
    lastfm_url: str
    period: str = "7day"
    limit: int = 20
    previous: list[str] = field(default_factory=list)
    http: requests.Session = field(default_factory=requests.Session)

    def run(self, sp: spotipy.Spotify) -> NaiveResult:
        result = NaiveResult(self.sync_id)
        by_name = enumerate_playlists(sp)
        target_id = resolve_or_create(sp, by_name, self.playlist)
        sp.playlist(target_id)  # re-validate
        response = self.http.get(
            self.lastfm_url,
            params={
                "method": "user.gettoptracks",
                "user": self.username,
                "period": self.period,
                "limit": str(self.limit),
                "api_key": self.api_key,
                "format": "json",
            },
            timeout=10,
        )
        tracks = response.json().get("toptracks", {}).get("track", [])
        uris: list[str] = []
        for track in tracks[: self.limit]:
            uri = search_first(sp, str(track["artist"]["name"]), str(track["name"]))
            if uri is not None and uri not in uris:
                uris.append(uri)
        if not uris or uris == self.previous:
            return result
        sp.playlist_replace_items(target_id, uris[:CHUNK])
        for start in range(CHUNK, len(uris), CHUNK):
            sp.playlist_add_items(target_id, uris[start : start + CHUNK])
        self.previous = uris
        result.added, result.wrote = len(uris), True
        return result


# -- the daemon's helpers ---------------------------------------------------------------------------


def enumerate_playlists(sp: spotipy.Spotify) -> dict[str, str]:
    """Name → id of every playlist in the account (the first of a name wins)."""
    by_name: dict[str, str] = {}
    page: dict[str, Any] | None = sp.current_user_playlists(limit=50)
    while page is not None:
        for item in page.get("items") or []:
            if item and item.get("id"):
                by_name.setdefault(str(item.get("name") or ""), str(item["id"]))
        page = sp.next(page) if page.get("next") else None
    return by_name


def resolve_or_create(sp: spotipy.Spotify, by_name: dict[str, str], name: str) -> str:
    """The playlist of that name, created when missing."""
    found = by_name.get(name)
    if found is not None:
        return found
    created = sp.current_user_playlist_create(name, public=False)
    by_name[name] = str(created["id"])
    return by_name[name]


def _paged_uris(
    sp: spotipy.Spotify,
    first: dict[str, Any],
    stop: Callable[[str | None], bool] | None = None,
) -> tuple[list[str | None], bool]:
    uris: list[str | None] = []
    page: dict[str, Any] | None = first
    while page is not None:
        for entry in page.get("items") or []:
            obj = (entry or {}).get("item") or (entry or {}).get("track") or {}
            uri = obj.get("uri")
            if stop is not None and stop(uri):
                return uris, True
            uris.append(uri)
        page = sp.next(page) if page.get("next") else None
    return uris, False


def read_liked_since(sp: spotipy.Spotify, cursor: str | None) -> tuple[list[str], bool]:
    """Liked songs newer than the cursor, oldest first; whether the cursor was met."""
    newest_first, found = _paged_uris(
        sp,
        sp.current_user_saved_tracks(limit=50),
        stop=(lambda uri: uri == cursor) if cursor is not None else None,
    )
    return [uri for uri in reversed(newest_first) if uri], found


def read_playlist_uris(sp: spotipy.Spotify, playlist_id: str) -> list[str]:
    """Every URI of a playlist (spotipy's default page size)."""
    uris, _ = _paged_uris(sp, sp.playlist_items(playlist_id))
    return [uri for uri in uris if uri]


def read_playlist_after(
    sp: spotipy.Spotify, playlist_id: str, cursor: str | None
) -> tuple[list[str], bool]:
    """The whole source is read; the items after the cursor are new (all of them without one)."""
    uris = read_playlist_uris(sp, playlist_id)
    if cursor is not None and cursor in uris:
        index = len(uris) - 1 - uris[::-1].index(cursor)
        return uris[index + 1 :], True
    return uris, False


def search_first(sp: spotipy.Spotify, artist: str, title: str) -> str | None:
    """The daemon's matching: a field search, then free text; the first result either way."""
    for query in (strict_query(artist, title), relaxed_query(artist, title)):
        found = (sp.search(q=query, limit=10, type="track").get("tracks") or {}).get("items") or []
        found = [track for track in found if track]
        if found:
            return str(found[0]["uri"])
    return None
