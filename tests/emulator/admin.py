"""The HTTP admin endpoint under `/_emulator/` (not logged, not counted as Spotify calls)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from aiohttp import web

from .faults import Fault
from .library import Library, LibraryError
from .spotify_api import PAYLOAD_SHAPES, dumps

if TYPE_CHECKING:
    from .server import Emulator

# Library.generate() keyword arguments (the admin endpoint and the pytest marker accept them).
GENERATE_KEYS = (
    "seed",
    "playlists",
    "liked",
    "catalogue",
    "lastfm_users",
    "episodes",
    "local_tracks",
    "null_entries",
    "extra_playlists",
    "user_id",
)


def ok(data: Any, status: int = 200) -> web.Response:
    return web.json_response(data, status=status, dumps=dumps)


def bad(message: str, status: int = 400) -> web.Response:
    return web.json_response(
        {"error": {"status": status, "message": message}}, status=status, dumps=dumps
    )


class Admin:
    def __init__(self, emulator: Emulator) -> None:
        self.emu = emulator

    def routes(self) -> list[web.RouteDef]:
        return [
            web.get("/_emulator/state", self.state),
            web.get("/_emulator/requests", self.requests),
            web.get("/_emulator/counters", self.counters),
            web.get("/_emulator/changes", self.changes),
            web.get("/_emulator/faults", self.list_faults),
            web.post("/_emulator/faults", self.add_fault),
            web.delete("/_emulator/faults", self.clear_faults),
            web.post("/_emulator/latency", self.latency),
            web.post("/_emulator/rate_limit", self.rate_limit),
            web.post("/_emulator/reset", self.reset),
            web.get("/_emulator/library", self.get_library),
            web.post("/_emulator/library", self.load_library),
            web.post("/_emulator/playlists", self.create_playlist),
            web.post("/_emulator/tokens", self.tokens),
            web.post("/_emulator/tokens/expire", self.expire_tokens),
            web.post("/_emulator/settings", self.settings),
        ]

    async def _body(self, request: web.Request) -> dict[str, Any]:
        raw = await request.read()
        if not raw.strip():
            return {}
        data = json.loads(raw)
        if not isinstance(data, dict):
            raise ValueError("expected a JSON object")
        return data

    async def state(self, request: web.Request) -> web.Response:
        return ok(self.emu.state())

    async def requests(self, request: web.Request) -> web.Response:
        since = int(request.query.get("since", "0"))
        return ok([r.to_json() for r in self.emu.requests[since:]])

    async def counters(self, request: web.Request) -> web.Response:
        return ok(self.emu.counters())

    async def changes(self, request: web.Request) -> web.Response:
        since = int(request.query.get("since", "0"))
        return ok(
            [
                {
                    "at": c.at,
                    "kind": c.kind,
                    "source": c.source,
                    "playlist_id": c.playlist_id,
                    "count": c.count,
                    "snapshot_id": c.snapshot_id,
                    "details": c.details,
                }
                for c in self.emu.changes[since:]
            ]
        )

    async def list_faults(self, request: web.Request) -> web.Response:
        return ok([f.to_json() for f in self.emu.faults.faults])

    async def add_fault(self, request: web.Request) -> web.Response:
        try:
            fault = self.emu.inject(Fault.from_json(await self._body(request)))
        except (ValueError, TypeError) as err:
            return bad(str(err))
        return ok(fault.to_json(), status=201)

    async def clear_faults(self, request: web.Request) -> web.Response:
        self.emu.clear_faults()
        return ok({"faults": 0})

    async def latency(self, request: web.Request) -> web.Response:
        try:
            body = await self._body(request)
            if "ms" in body:
                self.emu.latency = float(body["ms"]) / 1000
            else:
                self.emu.latency = float(body["seconds"])
        except (ValueError, KeyError, TypeError):
            return bad('expected {"seconds": float} or {"ms": float}')
        return ok({"latency": self.emu.latency})

    async def rate_limit(self, request: web.Request) -> web.Response:
        try:
            body = await self._body(request)
            max_requests = body.get("max_requests")
            self.emu.set_rate_limit(
                None if max_requests is None else int(max_requests),
                float(body.get("window", 30.0)),
                None if body.get("retry_after") is None else int(body["retry_after"]),
            )
        except (ValueError, TypeError) as err:
            return bad(str(err))
        return ok(self.emu.rate_limiter.to_json())

    async def reset(self, request: web.Request) -> web.Response:
        self.emu.reset()
        return ok(self.emu.state())

    async def get_library(self, request: web.Request) -> web.Response:
        return ok(self.emu.library.to_json())

    async def load_library(self, request: web.Request) -> web.Response:
        """Body: a dataset (`Library.to_json()` format), or {"generate": {seed, playlists, ...}}."""
        try:
            body = await self._body(request)
            if "generate" in body:
                params = body["generate"] or {}
                unknown = set(params) - set(GENERATE_KEYS)
                if unknown:
                    return bad(f"unknown generate parameters: {sorted(unknown)}")
                library = Library.generate(**params)
            else:
                library = Library.from_json(body)
        except (ValueError, KeyError, TypeError, LibraryError) as err:
            return bad(f"invalid dataset: {err}")
        self.emu.replace_library(library, source="admin")
        return ok(self.emu.state())

    async def create_playlist(self, request: web.Request) -> web.Response:
        """Body {"name", "items": [uri, ...] (tracks, local files, episodes), "public": bool,
        "added_at": ISO time for every entry, or a list of one per entry (default: now)}: a
        playlist made by hand."""
        try:
            body = await self._body(request)
            name, items = body["name"], body.get("items", [])
            if not isinstance(name, str) or not isinstance(items, list):
                raise TypeError("name must be a string, items a list of URIs")
            with self.emu.library.acting_as("admin"):
                playlist = self.emu.library.create_playlist(
                    name, items=items, public=bool(body.get("public", False))
                )
            added_at = body.get("added_at")
            if isinstance(added_at, str):
                added_at = [added_at] * len(playlist.entries)
            if isinstance(added_at, list):
                if len(added_at) != len(playlist.entries):
                    raise ValueError("added_at needs one time per item")
                for entry, stamp in zip(playlist.entries, added_at, strict=True):
                    entry.added_at = str(stamp)
        except (ValueError, KeyError, TypeError, LibraryError) as err:
            return bad(f"invalid playlist: {err}")
        return ok(
            {
                "id": playlist.id,
                "uri": playlist.uri,
                "name": playlist.name,
                "snapshot_id": playlist.snapshot_id,
                "uris": playlist.uris,
            },
            status=201,
        )

    async def tokens(self, request: web.Request) -> web.Response:
        try:
            body = await self._body(request)
        except ValueError as err:
            return bad(str(err))
        return ok(self.emu.issue_tokens(**({"scope": body["scope"]} if "scope" in body else {})))

    async def expire_tokens(self, request: web.Request) -> web.Response:
        """Body {"access": bool (default true), "refresh": bool (default false)}."""
        try:
            body = await self._body(request)
        except ValueError as err:
            return bad(str(err))
        if body.get("access", True):
            self.emu.expire_access_tokens()
        if body.get("refresh", False):
            self.emu.expire_refresh_tokens()
        return ok(
            {"access": bool(body.get("access", True)), "refresh": bool(body.get("refresh", False))}
        )

    async def settings(self, request: web.Request) -> web.Response:
        """Body: any of payload_shape, token_lifetime, refresh_token_lifetime,
        rotate_refresh_tokens, lastfm_single_object, authorize_error."""
        try:
            body = await self._body(request)
            for key, value in body.items():
                if key == "payload_shape" and value not in PAYLOAD_SHAPES:
                    return bad(f"payload_shape must be one of {PAYLOAD_SHAPES}")
                if key not in (
                    "payload_shape",
                    "token_lifetime",
                    "refresh_token_lifetime",
                    "rotate_refresh_tokens",
                    "lastfm_single_object",
                    "authorize_error",
                ):
                    return bad(f"unknown setting {key}")
                setattr(self.emu, key, value)
        except ValueError as err:
            return bad(str(err))
        return ok(self.emu.state())
