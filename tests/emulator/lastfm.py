"""Last.fm `GET /2.0/?method=user.gettoptracks` (JSON), with Last.fm's error bodies."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any
from urllib.parse import quote_plus

from aiohttp import web

from .library import PERIODS, LastfmTrack
from .spotify_api import dumps

if TYPE_CHECKING:
    from .server import Emulator

MESSAGES = {
    2: "Invalid service - This service does not exist",
    3: "Invalid Method - No method with that name in this package",
    6: "Invalid parameters - Your request is missing a required parameter",
    8: "Operation failed - Most likely the backend service failed. Please try again.",
    10: "Invalid API key - You must be granted a valid key by last.fm",
    11: "Service Offline - This service is temporarily offline. Try again later.",
    16: "There was a temporary error processing your request. Please try again",
    26: "Suspended API key - Access for your account has been suspended, please contact Last.fm",
    29: "Rate Limit Exceeded - Your IP has made too many requests in a short period",
}
# HTTP status Last.fm answers each error with (it also sometimes answers errors with HTTP 200).
STATUSES = {2: 400, 3: 400, 6: 400, 8: 500, 10: 403, 11: 503, 16: 503, 26: 403, 29: 429}
# The error code a fault with only an HTTP status serves.
CODE_FOR_STATUS = {400: 6, 403: 10, 404: 6, 429: 29, 500: 8, 502: 16, 503: 11, 504: 16}
IMAGE_SIZES = (("small", "34s"), ("medium", "64s"), ("large", "174s"), ("extralarge", "300x300"))
PLACEHOLDER_IMAGE = "2a96cbd8b46e442fc41c2b86b821562f"


class LastfmError(Exception):
    def __init__(self, code: int, message: str | None = None, status: int | None = None) -> None:
        super().__init__(message or MESSAGES.get(code, "Error"))
        self.code = code
        self.message = message or MESSAGES.get(code, "Error")
        self.status = STATUSES.get(code, 400) if status is None else status


def error_response(
    code: int,
    message: str | None = None,
    status: int | None = None,
    headers: dict[str, str] | None = None,
) -> web.Response:
    err = LastfmError(code, message, status)
    return web.json_response(
        {"error": err.code, "message": err.message, "links": []},
        status=err.status,
        headers=headers,
        dumps=dumps,
    )


def track_payload(track: LastfmTrack, rank: int) -> dict[str, Any]:
    artist_url = f"https://www.last.fm/music/{quote_plus(track.artist)}"
    extra = {"isrc": track.isrc} if track.isrc else {}  # never from Last.fm itself
    return {
        **extra,
        "streamable": {"fulltrack": "0", "#text": "0"},
        "mbid": track.mbid,
        "name": track.name,
        "image": [
            {
                "size": size,
                "#text": f"https://lastfm.freetls.fastly.net/i/u/{path}/{PLACEHOLDER_IMAGE}.png",
            }
            for size, path in IMAGE_SIZES
        ],
        "artist": {"url": artist_url, "name": track.artist, "mbid": track.artist_mbid},
        "url": f"{artist_url}/_/{quote_plus(track.name)}",
        "duration": str(track.duration),
        "@attr": {"rank": str(rank)},
        "playcount": str(track.playcount),
    }


def _positive(raw: str | None, default: int) -> int:
    """Last.fm falls back to the default for a missing, non-numeric or non-positive value."""
    try:
        value = int(raw) if raw is not None else default
    except ValueError:
        return default
    return value if value > 0 else default


class Lastfm:
    def __init__(self, emulator: Emulator) -> None:
        self.emu = emulator

    def routes(self) -> list[web.RouteDef]:
        return [web.get("/2.0/", self.handle), web.get("/2.0", self.handle)]

    async def handle(self, request: web.Request) -> web.Response:
        try:
            return web.json_response(self.top_tracks(request.query), dumps=dumps)
        except LastfmError as err:
            return error_response(err.code, err.message, err.status)

    def top_tracks(self, query: Any) -> dict[str, Any]:
        lib = self.emu.library
        key = query.get("api_key", "")
        if key in lib.lastfm_suspended_keys:
            raise LastfmError(26)
        if key not in lib.lastfm_api_keys:
            raise LastfmError(10)
        if query.get("method", "").lower() != "user.gettoptracks":
            raise LastfmError(3)
        username = query.get("user", "")
        if not username:
            raise LastfmError(6)
        user = next(
            (u for name, u in lib.lastfm.items() if name.casefold() == username.casefold()), None
        )
        if user is None:
            raise LastfmError(6, "User not found", 404)
        period = query.get("period", "overall")
        if period not in PERIODS:
            period = "overall"  # Last.fm ignores an unknown period
        limit = min(_positive(query.get("limit"), 50), 1000)
        page = _positive(query.get("page"), 1)
        ranked = user.period(period)
        rows = ranked[(page - 1) * limit : page * limit]
        tracks: Any = [track_payload(t, (page - 1) * limit + i + 1) for i, t in enumerate(rows)]
        if self.emu.lastfm_single_object and len(tracks) == 1:
            tracks = tracks[0]
        return {
            "toptracks": {
                "track": tracks,
                "@attr": {
                    "user": user.name,
                    "totalPages": str(math.ceil(len(ranked) / limit)),
                    "page": str(page),
                    "perPage": str(limit),
                    "total": str(len(ranked)),
                },
            }
        }
