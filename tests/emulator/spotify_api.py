"""The Spotify Web API under `/v1/`: payload serializers and request handlers."""

from __future__ import annotations

from collections.abc import Callable
import html
import json
import re
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import urlencode

from aiohttp import web

from .library import (
    ID_RE,
    SPOTIFY_USER_ID,
    Episode,
    Library,
    Playlist,
    PlaylistEntry,
    SavedTrack,
    Track,
)

if TYPE_CHECKING:
    from .server import Emulator

PayloadShape = Literal["both", "items", "tracks"]
PAYLOAD_SHAPES: tuple[PayloadShape, ...] = ("both", "items", "tracks")
MARKETS = ["AT", "CH", "DE", "GB", "SE", "US"]
ITEM_URI_RE = re.compile(r"^spotify:(track|episode):([0-9A-Za-z]{22})$")
MAX_WRITE = 100
# Spotify does not document the longest playlist name it accepts. Its apps stop at 100 characters
# (ListenBrainz truncates titles to 100 for Spotify); in 2017 names over 200 characters made the
# API answer 500, later a 4xx. The emulator refuses names over 100 characters with a 400.
MAX_PLAYLIST_NAME = 100
SEARCH_TYPES = ("album", "artist", "playlist", "track", "show", "episode", "audiobook")


class SpotifyError(Exception):
    """Answered as `{"error": {"status": status, "message": message}}`."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


def dumps(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False)


def json_response(
    data: Any, status: int = 200, headers: dict[str, str] | None = None
) -> web.Response:
    return web.json_response(data, status=status, headers=headers, dumps=dumps)


def error_body(status: int, message: str) -> dict[str, Any]:
    return {"error": {"status": status, "message": message}}


def error_response(
    status: int, message: str, headers: dict[str, str] | None = None
) -> web.Response:
    return json_response(error_body(status, message), status=status, headers=headers)


DEFAULT_MESSAGES = {
    400: "Bad request",
    401: "The access token expired",
    403: "Forbidden",
    404: "Resource not found",
    405: "Method not allowed",
    429: "API rate limit exceeded",
    500: "Server error",
    502: "Bad gateway",
    503: "Service unavailable",
    504: "Gateway timeout",
}


# --------------------------------------------------------------------------------------------
# Serializers


class Serializer:
    """Builds Spotify payloads for one request: `api` is the absolute `/v1/` base (so that
    hrefs and paging links point back at the emulator)."""

    def __init__(self, lib: Library, api: str, shape: PayloadShape) -> None:
        self.lib = lib
        self.api = api
        self.shape = shape

    # -- users

    def user_ref(self, user_id: str) -> dict[str, Any]:
        """PlaylistUserObject (`added_by`)."""
        return {
            "external_urls": {"spotify": f"https://open.spotify.com/user/{user_id}"},
            "href": f"{self.api}users/{user_id}",
            "id": user_id,
            "type": "user",
            "uri": f"spotify:user:{user_id}",
        }

    def owner(self, user_id: str) -> dict[str, Any]:
        """PlaylistOwnerObject."""
        user = self.lib.users.get(user_id)
        return {"display_name": user.display_name if user else user_id, **self.user_ref(user_id)}

    def private_user(self) -> dict[str, Any]:
        lib = self.lib
        return {
            "account_id": lib.account_id,
            "country": lib.country,
            "display_name": lib.display_name,
            "email": lib.email,
            "explicit_content": {"filter_enabled": False, "filter_locked": False},
            "external_urls": {"spotify": f"https://open.spotify.com/user/{lib.user_id}"},
            "followers": {"href": None, "total": 3},
            "href": f"{self.api}users/{lib.user_id}",
            "id": lib.user_id,
            "images": [],
            "product": lib.product,
            "type": "user",
            "uri": f"spotify:user:{lib.user_id}",
        }

    # -- catalogue

    def artist(self, artist: Any) -> dict[str, Any]:
        if artist.id is None:
            return {
                "external_urls": {},
                "href": None,
                "id": None,
                "name": artist.name,
                "type": "artist",
                "uri": None,
            }
        return {
            "external_urls": {"spotify": f"https://open.spotify.com/artist/{artist.id}"},
            "href": f"{self.api}artists/{artist.id}",
            "id": artist.id,
            "name": artist.name,
            "type": "artist",
            "uri": artist.uri,
        }

    def track(self, track: Track) -> dict[str, Any]:
        if track.is_local:
            return self.local_track(track)
        album = track.album
        payload: dict[str, Any] = {
            "album": {
                "album_type": album.album_type,
                "artists": [self.artist(a) for a in album.artists],
                "available_markets": MARKETS,
                "external_urls": {"spotify": f"https://open.spotify.com/album/{album.id}"},
                "href": f"{self.api}albums/{album.id}",
                "id": album.id,
                "images": [
                    {
                        "height": 640,
                        "url": f"https://i.scdn.co/image/ab67616d0000b273{album.id}",
                        "width": 640,
                    },
                    {
                        "height": 300,
                        "url": f"https://i.scdn.co/image/ab67616d00001e02{album.id}",
                        "width": 300,
                    },
                    {
                        "height": 64,
                        "url": f"https://i.scdn.co/image/ab67616d00004851{album.id}",
                        "width": 64,
                    },
                ],
                "name": album.name,
                "release_date": album.release_date,
                "release_date_precision": album.release_date_precision,
                "total_tracks": album.total_tracks,
                "type": "album",
                "uri": album.uri,
            },
            "artists": [self.artist(a) for a in track.artists],
            "available_markets": MARKETS if track.is_playable else [],
            "disc_number": track.disc_number,
            "duration_ms": track.duration_ms,
            "explicit": track.explicit,
            "external_ids": {"isrc": track.isrc} if track.isrc else {},
            "external_urls": {"spotify": f"https://open.spotify.com/track/{track.id}"},
            "href": f"{self.api}tracks/{track.id}",
            "id": track.id,
            "is_local": False,
            "is_playable": track.is_playable,
            "name": track.name,
            "popularity": track.popularity,
            "preview_url": None,
            "track_number": track.track_number,
            "type": "track",
            "uri": track.uri,
        }
        if not track.is_playable:
            payload["restrictions"] = {"reason": "market"}
        return payload

    def local_track(self, track: Track) -> dict[str, Any]:
        """As Spotify serves local files: null ids and hrefs, an album with null fields."""
        return {
            "album": {
                "album_type": None,
                "artists": [],
                "available_markets": [],
                "external_urls": {},
                "href": None,
                "id": None,
                "images": [],
                "name": track.album.name,
                "release_date": None,
                "release_date_precision": None,
                "total_tracks": None,
                "type": "album",
                "uri": None,
            },
            "artists": [self.artist(a) for a in track.artists],
            "available_markets": [],
            "disc_number": 0,
            "duration_ms": track.duration_ms,
            "explicit": False,
            "external_ids": {},
            "external_urls": {},
            "href": None,
            "id": None,
            "is_local": True,
            "name": track.name,
            "popularity": 0,
            "preview_url": None,
            "track_number": 0,
            "type": "track",
            "uri": track.uri,
        }

    def episode(self, episode: Episode) -> dict[str, Any]:
        """EpisodeObject as seen in playlists: without `is_playable` (as real data often is)."""
        images = [
            {
                "height": 640,
                "url": f"https://i.scdn.co/image/ab6765630000ba8a{episode.show_id}",
                "width": 640,
            },
            {
                "height": 300,
                "url": f"https://i.scdn.co/image/ab67656300005f1f{episode.show_id}",
                "width": 300,
            },
        ]
        total = sum(1 for e in self.lib.episodes.values() if e.show_id == episode.show_id)
        return {
            "audio_preview_url": None,
            "description": episode.description,
            "duration_ms": episode.duration_ms,
            "explicit": episode.explicit,
            "external_urls": {"spotify": f"https://open.spotify.com/episode/{episode.id}"},
            "href": f"{self.api}episodes/{episode.id}",
            "html_description": f"<p>{html.escape(episode.description)}</p>",
            "id": episode.id,
            "images": images,
            "is_externally_hosted": False,
            "language": "en",
            "languages": ["en"],
            "name": episode.name,
            "release_date": episode.release_date,
            "release_date_precision": "day",
            "show": {
                "available_markets": MARKETS,
                "copyrights": [],
                "description": f"{episode.show_name}, emulated.",
                "explicit": False,
                "external_urls": {"spotify": f"https://open.spotify.com/show/{episode.show_id}"},
                "href": f"{self.api}shows/{episode.show_id}",
                "html_description": f"<p>{html.escape(episode.show_name)}, emulated.</p>",
                "id": episode.show_id,
                "images": images,
                "is_externally_hosted": False,
                "languages": ["en"],
                "media_type": "audio",
                "name": episode.show_name,
                "publisher": episode.publisher,
                "total_episodes": total,
                "type": "show",
                "uri": f"spotify:show:{episode.show_id}",
            },
            "type": "episode",
            "uri": episode.uri,
        }

    def item(self, uri: str | None) -> dict[str, Any] | None:
        if uri is None:
            return None
        found = self.lib.item(uri)
        if found is None:
            return None
        if isinstance(found, Episode):
            return self.episode(found)
        return self.track(found)

    # -- playlists

    def entry(self, entry: PlaylistEntry) -> dict[str, Any]:
        item = self.item(entry.uri)
        payload: dict[str, Any] = {
            "added_at": entry.added_at,
            "added_by": self.user_ref(entry.added_by) if entry.added_by else None,
            "is_local": bool(entry.uri and entry.uri.startswith("spotify:local:")),
            "primary_color": None,
        }
        if self.shape in ("both", "items"):
            payload["item"] = item
        if self.shape in ("both", "tracks"):
            payload["track"] = item
        payload["video_thumbnail"] = {"url": None}
        return payload

    def saved(self, saved: SavedTrack) -> dict[str, Any]:
        return {"added_at": saved.added_at, "track": self.item(saved.uri)}

    def _playlist_common(self, playlist: Playlist) -> dict[str, Any]:
        return {
            "collaborative": playlist.collaborative,
            "description": playlist.description,
            "external_urls": {"spotify": f"https://open.spotify.com/playlist/{playlist.id}"},
            "href": f"{self.api}playlists/{playlist.id}",
            "id": playlist.id,
            "images": None
            if playlist.images is None
            else [{"height": i.height, "url": i.url, "width": i.width} for i in playlist.images],
            "name": playlist.name,
            "owner": self.owner(playlist.owner_id),
            "primary_color": None,
            "public": playlist.public,
            "snapshot_id": playlist.snapshot_id,
        }

    def simplified_playlist(self, playlist: Playlist | None) -> dict[str, Any] | None:
        if playlist is None:
            return None
        payload = self._playlist_common(playlist)
        total = len(playlist.entries)
        if self.shape in ("both", "items"):
            payload["items"] = {"href": f"{self.api}playlists/{playlist.id}/items", "total": total}
        if self.shape in ("both", "tracks"):
            payload["tracks"] = {
                "href": f"{self.api}playlists/{playlist.id}/tracks",
                "total": total,
            }
        payload["type"] = "playlist"
        payload["uri"] = playlist.uri
        return payload

    def full_playlist(
        self, playlist: Playlist, *, with_items: bool, query: dict[str, str] | None = None
    ) -> dict[str, Any]:
        """PlaylistObject. The embedded `items` paging holds the first 50 entries (the limit
        `/items` accepts) and the embedded `tracks` paging the first 100 (the old `/tracks`
        limit), so that every `next` link is followable. `with_items=False` (playlists the user
        neither owns nor collaborates on) leaves both out."""
        payload = self._playlist_common(playlist)
        payload["followers"] = {"href": None, "total": playlist.followers}
        if with_items:
            extra = query or {}
            if self.shape in ("both", "items"):
                payload["items"] = self.entries_page(playlist, "items", 50, 0, extra)
            if self.shape in ("both", "tracks"):
                payload["tracks"] = self.entries_page(playlist, "tracks", 100, 0, extra)
        payload["type"] = "playlist"
        payload["uri"] = playlist.uri
        return payload

    def entries_page(
        self, playlist: Playlist, endpoint: str, limit: int, offset: int, query: dict[str, str]
    ) -> dict[str, Any]:
        rows = playlist.entries[offset : offset + limit]
        return paging(
            f"{self.api}playlists/{playlist.id}/{endpoint}",
            query,
            [self.entry(e) for e in rows],
            len(playlist.entries),
            limit,
            offset,
        )


def paging(
    url: str, query: dict[str, str], items: list[Any], total: int, limit: int, offset: int
) -> dict[str, Any]:
    """A paging object with all seven keys and absolute links."""

    def link(at: int) -> str:
        return f"{url}?{urlencode({'offset': at, 'limit': limit, **query})}"

    return {
        "href": link(offset),
        "items": items,
        "limit": limit,
        "next": link(offset + limit) if offset + limit < total else None,
        "offset": offset,
        "previous": link(max(0, offset - limit)) if offset > 0 else None,
        "total": total,
    }


# --------------------------------------------------------------------------------------------
# `fields` filter


def parse_fields(spec: str) -> dict[str, Any]:
    """Parse Spotify's `fields` syntax: `a,b.c,d(e,f(g)),!h`.

    Returns {name: sub-spec or None}; exclusions are keys prefixed with `!`.
    """
    text = re.sub(r"\s+", "", spec)
    pos = 0

    def parse_list() -> dict[str, Any]:
        nonlocal pos
        out: dict[str, Any] = {}
        while True:
            parse_item(out)
            if pos < len(text) and text[pos] == ",":
                pos += 1
                continue
            return out

    def parse_item(out: dict[str, Any]) -> None:
        nonlocal pos
        negate = pos < len(text) and text[pos] == "!"
        if negate:
            pos += 1
        match = re.compile(r"[A-Za-z0-9_]+").match(text, pos)
        if not match:
            raise SpotifyError(400, "Invalid fields")
        pos = match.end()
        sub: dict[str, Any] | None = None
        if pos < len(text) and text[pos] == ".":
            pos += 1
            sub = {}
            parse_item(sub)
        elif pos < len(text) and text[pos] == "(":
            pos += 1
            sub = parse_list()
            if pos >= len(text) or text[pos] != ")":
                raise SpotifyError(400, "Invalid fields")
            pos += 1
        key = f"!{match.group()}" if negate else match.group()
        previous = out.get(key)
        if key in out and (previous is None or sub is None):
            out[key] = None
        elif isinstance(previous, dict) and sub is not None:
            previous.update(sub)
        else:
            out[key] = sub

    if not text:
        raise SpotifyError(400, "Invalid fields")
    result = parse_list()
    if pos != len(text):
        raise SpotifyError(400, "Invalid fields")
    return result


def apply_fields(value: Any, spec: dict[str, Any]) -> Any:
    if isinstance(value, list):
        return [apply_fields(v, spec) for v in value]
    if not isinstance(value, dict):
        return value
    includes = {k: v for k, v in spec.items() if not k.startswith("!")}
    if includes:
        return {
            k: (value[k] if sub is None else apply_fields(value[k], sub))
            for k, sub in includes.items()
            if k in value
        }
    excludes = {k[1:] for k in spec}
    return {k: v for k, v in value.items() if k not in excludes}


def with_fields(request: web.Request, payload: Any) -> Any:
    spec = request.query.get("fields")
    if spec is None:
        return payload
    return apply_fields(payload, parse_fields(spec))


# --------------------------------------------------------------------------------------------
# Handlers


def int_param(request: web.Request, name: str, default: int, low: int, high: int) -> int:
    raw = request.query.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SpotifyError(400, f"Invalid {name}") from None
    if not low <= value <= high:
        raise SpotifyError(400, f"Invalid {name}")
    return value


def passthrough_query(request: web.Request, *names: str) -> dict[str, str]:
    return {name: request.query[name] for name in names if name in request.query}


class SpotifyApi:
    """Route handlers; state lives on the Emulator."""

    def __init__(self, emulator: Emulator) -> None:
        self.emu = emulator

    def serializer(self, request: web.Request) -> Serializer:
        return Serializer(
            self.emu.library, f"{request.scheme}://{request.host}/v1/", self.emu.payload_shape
        )

    @property
    def lib(self) -> Library:
        return self.emu.library

    def routes(self) -> list[web.RouteDef]:
        r: list[web.RouteDef] = [
            web.get("/v1/me", self.me),
            web.get("/v1/me/", self.me),
            web.get("/v1/me/playlists", self.my_playlists),
            web.post("/v1/me/playlists", self.create_playlist),
            web.get("/v1/me/tracks", self.saved_tracks),
            web.get("/v1/search", self.search),
            web.get("/v1/playlists/{playlist_id}", self.get_playlist),
        ]
        for endpoint in ("items", "tracks"):
            path = f"/v1/playlists/{{playlist_id}}/{endpoint}"
            r += [
                web.get(path, self._bind(self.get_items, endpoint)),
                web.post(path, self.add_items),
                web.put(path, self.put_items),
                web.delete(path, self.remove_items),
            ]
        return r

    @staticmethod
    def _bind(
        handler: Callable[[web.Request, str], Any], endpoint: str
    ) -> Callable[[web.Request], Any]:
        async def bound(request: web.Request) -> web.StreamResponse:
            result: web.StreamResponse = await handler(request, endpoint)
            return result

        return bound

    # -- helpers

    def playlist_for(self, request: web.Request, *, edit: bool) -> Playlist:
        """The playlist in the path, applying the ownership rules: Spotify-owned → 404; items of
        playlists the user neither owns nor collaborates on → 403 (`edit=True`)."""
        playlist_id = request.match_info["playlist_id"]
        if not ID_RE.match(playlist_id):
            raise SpotifyError(400, "Invalid base62 id")
        playlist = self.lib.playlists.get(playlist_id)
        if playlist is None or playlist.owner_id == SPOTIFY_USER_ID:
            raise SpotifyError(404, "Resource not found")
        if edit and not playlist.can_edit(self.lib.user_id):
            raise SpotifyError(403, "Forbidden")
        return playlist

    async def json_body(self, request: web.Request, *, required: bool = True) -> Any:
        raw = await request.read()
        if not raw.strip():
            if required:
                raise SpotifyError(400, "Error parsing JSON.")
            return None
        try:
            return json.loads(raw)
        except ValueError:
            raise SpotifyError(400, "Error parsing JSON.") from None

    def check_uris(self, uris: Any, *, limit_message: str, allow_local: bool = False) -> list[str]:
        if not isinstance(uris, list) or not all(isinstance(u, str) for u in uris):
            raise SpotifyError(400, "Error parsing JSON.")
        if len(uris) > MAX_WRITE:
            raise SpotifyError(400, limit_message)
        for uri in uris:
            if allow_local and uri.startswith("spotify:local:"):
                continue
            if not ITEM_URI_RE.match(uri):
                raise SpotifyError(400, f"Invalid track uri: {uri}")
            if self.lib.item(uri) is None:
                raise SpotifyError(400, "Payload contains a non-existing ID")
        return uris

    # -- endpoints

    async def me(self, request: web.Request) -> web.Response:
        return json_response(self.serializer(request).private_user())

    async def my_playlists(self, request: web.Request) -> web.Response:
        limit = int_param(request, "limit", 20, 1, 50)
        offset = int_param(request, "offset", 0, 0, 100_000)
        ser = self.serializer(request)
        rows = self.lib.me_playlists[offset : offset + limit]
        return json_response(
            paging(
                f"{ser.api}me/playlists",
                {},
                [ser.simplified_playlist(p) for p in rows],
                len(self.lib.me_playlists),
                limit,
                offset,
            )
        )

    async def create_playlist(self, request: web.Request) -> web.Response:
        body = await self.json_body(request)
        if not isinstance(body, dict):
            raise SpotifyError(400, "Error parsing JSON.")
        name = body.get("name")
        if not isinstance(name, str) or not name:
            raise SpotifyError(400, "Missing required field: name")
        if len(name) > MAX_PLAYLIST_NAME:
            raise SpotifyError(400, "Playlist name is too long")
        public = body.get("public", True)
        collaborative = body.get("collaborative", False)
        description = body.get("description")
        if not isinstance(public, bool) or not isinstance(collaborative, bool):
            raise SpotifyError(400, "Error parsing JSON.")
        if description is not None and not isinstance(description, str):
            raise SpotifyError(400, "Error parsing JSON.")
        if collaborative and public:
            raise SpotifyError(400, "Collaborative playlists can only be private.")
        with self.lib.acting_as("api"):
            playlist = self.lib.create_playlist(
                name, public=public, collaborative=collaborative, description=description or None
            )
        return json_response(
            self.serializer(request).full_playlist(playlist, with_items=True), status=201
        )

    async def get_playlist(self, request: web.Request) -> web.Response:
        playlist = self.playlist_for(request, edit=False)
        ser = self.serializer(request)
        query = passthrough_query(request, "additional_types")
        payload = ser.full_playlist(
            playlist, with_items=playlist.can_edit(self.lib.user_id), query=query
        )
        return json_response(with_fields(request, payload))

    async def get_items(self, request: web.Request, endpoint: str) -> web.Response:
        playlist = self.playlist_for(request, edit=True)
        limit = int_param(request, "limit", 20, 1, 50 if endpoint == "items" else 100)
        offset = int_param(request, "offset", 0, 0, 1_000_000)
        query = passthrough_query(request, "fields", "market", "additional_types")
        payload = self.serializer(request).entries_page(playlist, endpoint, limit, offset, query)
        return json_response(with_fields(request, payload))

    async def add_items(self, request: web.Request) -> web.Response:
        playlist = self.playlist_for(request, edit=True)
        body = await self.json_body(request, required="uris" not in request.query)
        position: Any = None
        if isinstance(body, list):
            uris: Any = body
        elif isinstance(body, dict):
            uris = body.get("uris")
            position = body.get("position")
        elif body is None:
            uris = None
        else:
            raise SpotifyError(400, "Error parsing JSON.")
        if "uris" in request.query:
            uris = [u for u in request.query["uris"].split(",") if u]
        if "position" in request.query:
            try:
                position = int(request.query["position"])
            except ValueError:
                raise SpotifyError(400, "Invalid position") from None
        if not uris:
            raise SpotifyError(400, "No uris provided")
        uris = self.check_uris(
            uris, limit_message="You can add a maximum of 100 tracks per request."
        )
        if position is not None and (
            not isinstance(position, int)
            or isinstance(position, bool)
            or not 0 <= position <= len(playlist.entries)
        ):
            raise SpotifyError(400, "Index out of bounds")
        with self.lib.acting_as("api"):
            snapshot = self.lib.add_items(playlist.id, uris, position)
        return json_response({"snapshot_id": snapshot}, status=201)

    async def put_items(self, request: web.Request) -> web.Response:
        playlist = self.playlist_for(request, edit=True)
        body = await self.json_body(request, required="uris" not in request.query)
        if body is not None and not isinstance(body, dict):
            raise SpotifyError(400, "Error parsing JSON.")
        body = body or {}
        if "uris" in request.query or "uris" in body:
            uris = (
                [u for u in request.query["uris"].split(",") if u]
                if "uris" in request.query
                else body["uris"]
            )
            uris = self.check_uris(
                uris, limit_message="You can add a maximum of 100 tracks per request."
            )
            with self.lib.acting_as("api"):
                snapshot = self.lib.replace_items(playlist.id, uris)
            return json_response({"snapshot_id": snapshot})
        if "range_start" in body and "insert_before" in body:
            values = [body["range_start"], body["insert_before"], body.get("range_length", 1)]
            if not all(isinstance(v, int) and not isinstance(v, bool) for v in values):
                raise SpotifyError(400, "Error parsing JSON.")
            if "snapshot_id" in body and not isinstance(body["snapshot_id"], str):
                raise SpotifyError(400, "Invalid snapshot id")
            start, before, length = values
            size = len(playlist.entries)
            if not (start >= 0 and length >= 1 and start + length <= size and 0 <= before <= size):
                raise SpotifyError(400, "Index out of bounds")
            with self.lib.acting_as("api"):
                snapshot = self.lib.reorder_items(playlist.id, start, before, length)
            return json_response({"snapshot_id": snapshot})
        raise SpotifyError(400, "Missing required field: uris")

    async def remove_items(self, request: web.Request) -> web.Response:
        playlist = self.playlist_for(request, edit=True)
        body = await self.json_body(request)
        if not isinstance(body, dict):
            raise SpotifyError(400, "Error parsing JSON.")
        rows = body.get("items", body.get("tracks"))
        if not isinstance(rows, list) or not rows:
            raise SpotifyError(400, "Missing required field: items")
        if not all(isinstance(row, dict) and isinstance(row.get("uri"), str) for row in rows):
            raise SpotifyError(400, "Error parsing JSON.")
        if "snapshot_id" in body and not isinstance(body["snapshot_id"], str):
            raise SpotifyError(400, "Invalid snapshot id")
        uris = self.check_uris(
            [row["uri"] for row in rows],
            limit_message="You can remove a maximum of 100 tracks per request.",
            allow_local=True,
        )
        with self.lib.acting_as("api"):
            snapshot = self.lib.remove_items(playlist.id, uris)
        return json_response({"snapshot_id": snapshot})

    async def saved_tracks(self, request: web.Request) -> web.Response:
        limit = int_param(request, "limit", 20, 1, 50)
        offset = int_param(request, "offset", 0, 0, 1_000_000)
        ser = self.serializer(request)
        rows = self.lib.liked[offset : offset + limit]
        return json_response(
            paging(
                f"{ser.api}me/tracks",
                passthrough_query(request, "market"),
                [ser.saved(s) for s in rows],
                len(self.lib.liked),
                limit,
                offset,
            )
        )

    async def search(self, request: web.Request) -> web.Response:
        query = request.query.get("q", request.query.get("query", ""))  # `next` links use `query`
        if not query.strip():
            raise SpotifyError(400, "No search query")
        raw_types = request.query.get("type")
        if not raw_types:
            raise SpotifyError(400, "Missing parameter type")
        types = [t.strip() for t in raw_types.split(",") if t.strip()]
        for kind in types:
            if kind not in SEARCH_TYPES:
                raise SpotifyError(400, "Bad search type field")
        limit = int_param(request, "limit", 5, 1, 10)
        offset = int_param(request, "offset", 0, 0, 1000)
        ser = self.serializer(request)
        extra = {"query": query, "type": raw_types, **passthrough_query(request, "market")}
        result: dict[str, Any] = {}
        for kind in types:
            if kind == "track":
                found = self.lib.search_tracks(query)
                rows = [ser.track(t) for t in found[offset : offset + limit]]
                total = len(found)
            else:  # only tracks are searchable here; other kinds answer an empty page
                rows, total = [], 0
            result[f"{kind}s"] = paging(f"{ser.api}search", extra, rows, total, limit, offset)
        return json_response(result)
