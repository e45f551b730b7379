"""`Emulator`: one aiohttp application serving the Spotify Web API, the accounts service, Last.fm
and the admin endpoint, with fault injection, a rate limit, latency and a request log."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable
import json
import time
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web

from .accounts import DEFAULT_SCOPE, Accounts, OAuthError, oauth_error_response
from .admin import Admin
from .faults import Fault, FaultSet, RateLimiter, RequestRecord, record_matches
from .lastfm import CODE_FOR_STATUS, Lastfm, LastfmError, error_response as lastfm_error_response
from .library import ChangeRecord, Library
from .spotify_api import (
    DEFAULT_MESSAGES,
    PAYLOAD_SHAPES,
    PayloadShape,
    SpotifyApi,
    SpotifyError,
    error_response,
    json_response,
)

DEFAULT_CLIENT_ID = "emulator0client0id00000000000001"
DEFAULT_CLIENT_SECRET = "emulator0client0secret0000000001"

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def area_of(path: str) -> str:
    """Which emulated service a path belongs to."""
    if path.startswith("/v1/") or path == "/v1":
        return "spotify"
    if path.startswith("/2.0"):
        return "lastfm"
    if path in ("/authorize", "/api/token") or path.startswith("/api/"):
        return "accounts"
    return "other"


class Emulator:
    """The Spotify Web API, the Spotify accounts service and Last.fm, on one loopback port.

    `library` (default `Library.generate(seed=1)`) is the live state: tests may read and change
    it at any time. See the README section in this package for the whole surface.
    """

    def __init__(
        self,
        library: Library | None = None,
        *,
        latency: float = 0.0,
        payload_shape: PayloadShape = "both",
        client_id: str = DEFAULT_CLIENT_ID,
        client_secret: str = DEFAULT_CLIENT_SECRET,
        token_lifetime: float = 3600,
        refresh_token_lifetime: float | None = None,
        rotate_refresh_tokens: bool = False,
        require_auth: bool = True,
        lastfm_single_object: bool = False,
        redirect_uris: set[str] | None = None,
    ) -> None:
        if payload_shape not in PAYLOAD_SHAPES:
            raise ValueError(f"payload_shape must be one of {PAYLOAD_SHAPES}")
        self._library = library if library is not None else Library.generate(seed=1)
        self.latency = latency
        self.payload_shape: PayloadShape = payload_shape
        self.client_id = client_id
        self.client_secret = client_secret
        self.token_lifetime = token_lifetime
        self.refresh_token_lifetime = refresh_token_lifetime
        self.rotate_refresh_tokens = rotate_refresh_tokens
        self.require_auth = require_auth
        self.lastfm_single_object = lastfm_single_object
        self.redirect_uris = redirect_uris
        self.authorize_error: str | None = None
        self.faults = FaultSet()
        self.rate_limiter = RateLimiter()
        self._requests: list[RequestRecord] = []
        self.accounts = Accounts(self)
        self.spotify = SpotifyApi(self)
        self.lastfm = Lastfm(self)
        self.admin = Admin(self)
        self.app = self._build_app()
        self.host = "127.0.0.1"
        self.port: int | None = None
        self._runner: web.AppRunner | None = None
        self._on_stop: list[Callable[[], object]] = []

    # ---- lifecycle ----------------------------------------------------------------------------

    def _build_app(self) -> web.Application:
        app = web.Application(middlewares=[self._middleware], client_max_size=16 * 1024**2)
        app.add_routes(self.spotify.routes())
        app.add_routes(self.accounts.routes())
        app.add_routes(self.lastfm.routes())
        app.add_routes(self.admin.routes())
        app.add_routes([web.get("/", self._index)])
        return app

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        if self._runner is not None:
            raise RuntimeError("emulator already started")
        runner = web.AppRunner(
            self.app, access_log=None, handle_signals=False, shutdown_timeout=1.0
        )
        await runner.setup()
        site = web.TCPSite(runner, host, port)
        await site.start()
        self._runner = runner
        self.port = int(runner.addresses[0][1])
        self.host = "127.0.0.1" if host in ("", "0.0.0.0") else host  # noqa: S104 - only mapping it for URLs

    async def stop(self) -> None:
        for callback in self._on_stop:
            callback()
        self._on_stop.clear()
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()

    def on_stop(self, callback: Callable[[], object]) -> None:
        """Run `callback` when the emulator stops (e.g. close a client's connection pool)."""
        self._on_stop.append(callback)

    async def __aenter__(self) -> Emulator:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    # ---- URLs ---------------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        if self.port is None:
            raise RuntimeError("emulator not started")
        return f"http://{self.host}:{self.port}"

    @property
    def api_url(self) -> str:
        return f"{self.base_url}/v1/"

    @property
    def accounts_url(self) -> str:
        return self.base_url

    @property
    def authorize_url(self) -> str:
        return f"{self.base_url}/authorize"

    @property
    def token_url(self) -> str:
        return f"{self.base_url}/api/token"

    @property
    def lastfm_url(self) -> str:
        return f"{self.base_url}/2.0/"

    @property
    def env(self) -> dict[str, str]:
        """The environment variables that point the integration at this emulator."""
        return {
            "SPOTIFREAK_SPOTIFY_API_URL": self.api_url,
            "SPOTIFREAK_SPOTIFY_ACCOUNTS_URL": self.accounts_url,
            "SPOTIFREAK_LASTFM_API_URL": self.lastfm_url,
        }

    # ---- state ----------------------------------------------------------------------------------

    @property
    def library(self) -> Library:
        return self._library

    @library.setter
    def library(self, library: Library) -> None:
        self.replace_library(library)

    def replace_library(self, library: Library, source: str = "test") -> None:
        """Swap in another library; its change log starts with a `library_loaded` record."""
        self._library = library
        with library.acting_as(source):
            library._record("library_loaded", None, len(library.playlists))

    @property
    def changes(self) -> list[ChangeRecord]:
        return self._library.changes

    # ---- tokens -------------------------------------------------------------------------------

    def issue_tokens(self, scope: str = DEFAULT_SCOPE) -> dict[str, Any]:
        """A fresh grant, as if the user had just authorized: access_token, refresh_token,
        token_type, expires_in, scope, expires_at (epoch seconds, float)."""
        payload = self.accounts.issue(scope)
        payload["expires_at"] = time.time() + payload["expires_in"]
        return payload

    def create_authorization_code(self, redirect_uri: str, scope: str = DEFAULT_SCOPE) -> str:
        """What `/authorize` would put into the redirect, without the HTTP round trip."""
        return self.accounts.create_code(redirect_uri, scope)

    def expire_access_tokens(self) -> None:
        """Every access token issued so far now answers 401 "The access token expired"."""
        self.accounts.expire_access()

    def expire_refresh_tokens(self) -> None:
        """Every refresh token issued so far now answers 400 invalid_grant."""
        self.accounts.revoke_refresh()

    # ---- faults, latency, rate limit ------------------------------------------------------------

    def inject(self, fault: Fault) -> Fault:
        return self.faults.add(fault)

    def clear_faults(self) -> None:
        self.faults.clear()

    def set_rate_limit(
        self, max_requests: int | None, window: float = 30.0, retry_after: int | None = None
    ) -> None:
        """At most `max_requests` `/v1/` requests per rolling `window` seconds; beyond → 429
        with `Retry-After` = `retry_after`, or (default) the whole seconds until a slot frees.
        `None` switches the limit off."""
        self.rate_limiter.configure(max_requests, window, retry_after)

    def reset(self) -> None:
        """Clear the request log, faults, the rate limit and latency (not the library)."""
        self.reset_log()
        self.clear_faults()
        self.rate_limiter.configure(None)
        self.latency = 0.0

    # ---- observation ----------------------------------------------------------------------------

    @property
    def requests(self) -> list[RequestRecord]:
        return self._requests

    def reset_log(self) -> None:
        self._requests = []

    def count(self, method: str | None = None, path: str | None = None) -> int:
        """Requests received, by method and path (exact, prefix ending in `*`, or a route
        template such as `/v1/playlists/{playlist_id}/items`)."""
        return sum(1 for r in self._requests if record_matches(r, method, path))

    @property
    def spotify_calls(self) -> int:
        """Requests under `/v1/` (whatever the answer): what the integration spent."""
        return sum(1 for r in self._requests if r.is_spotify)

    def counters(self) -> dict[str, int]:
        """Requests per endpoint, keyed "METHOD /route/template"."""
        return dict(Counter(f"{r.method} {r.endpoint}" for r in self._requests))

    def state(self) -> dict[str, Any]:
        lib = self._library
        return {
            "user": {"id": lib.user_id, "display_name": lib.display_name},
            "urls": {"api": self.api_url, "accounts": self.accounts_url, "lastfm": self.lastfm_url}
            if self.port
            else None,
            "client_id": self.client_id,
            "playlists": len(lib.playlists),
            "me_playlists": len(lib.me_playlists),
            "liked": len(lib.liked),
            "catalogue": len(lib.tracks),
            "lastfm_users": lib.lastfm_users,
            "lastfm_api_keys": lib.lastfm_api_keys,
            "requests": len(self._requests),
            "spotify_calls": self.spotify_calls,
            "changes": len(lib.changes),
            "faults": [f.to_json() for f in self.faults.faults],
            "latency": self.latency,
            "rate_limit": self.rate_limiter.to_json(),
            "payload_shape": self.payload_shape,
            "token_lifetime": self.token_lifetime,
        }

    # ---- request pipeline ---------------------------------------------------------------------

    async def _index(self, request: web.Request) -> web.Response:
        return json_response(self.state())

    @staticmethod
    async def _parse_body(request: web.Request) -> Any:
        if not request.can_read_body:
            return None
        raw = await request.read()
        if not raw:
            return None
        if request.content_type == "application/x-www-form-urlencoded":
            return dict(parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True))
        try:
            return json.loads(raw)
        except ValueError:
            return None

    @staticmethod
    def _endpoint(request: web.Request) -> str:
        resource = request.match_info.route.resource
        return resource.canonical if resource is not None else request.path

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path.startswith("/_emulator/") or request.path == "/":
            return await handler(request)
        record = RequestRecord(
            method=request.method,
            path=request.path,
            query=dict(request.query),
            status=0,
            body=await self._parse_body(request),
            at=time.time(),
            endpoint=self._endpoint(request),
        )
        self._requests.append(record)
        try:
            response = await self._dispatch(request, handler, record)
        except web.HTTPException as exc:
            record.status = exc.status
            record.duration = time.time() - record.at
            raise
        record.status = 0 if response is None else response.status
        record.duration = time.time() - record.at
        if response is None:  # dropped: the transport is closed, this reply goes nowhere
            return web.Response(status=499)
        return response

    async def _dispatch(
        self, request: web.Request, handler: Handler, record: RequestRecord
    ) -> web.StreamResponse | None:
        area = area_of(request.path)
        if self.latency > 0:
            await asyncio.sleep(self.latency)
        fault = self.faults.pick(request.method, request.path, request.query)
        if fault is not None:
            record.fault = fault.id
            if fault.delay > 0:
                await asyncio.sleep(fault.delay)
            if fault.applied and not fault.passthrough:
                await self._handle(request, handler, area)  # the write lands; the answer lies
            if fault.drop:
                request.protocol.force_close()
                return None
            if not fault.passthrough:
                return self._fault_response(area, fault)
        if area == "spotify":
            retry_after = self.rate_limiter.admit()
            if retry_after is not None:
                return error_response(
                    429, "API rate limit exceeded", {"Retry-After": str(retry_after)}
                )
            if self.require_auth:
                problem = self.accounts.access_error(request.headers.get("Authorization"))
                if problem is not None:
                    return error_response(
                        401,
                        problem,
                        {
                            "WWW-Authenticate": f'Bearer realm="spotify", error="invalid_token", error_description="{problem}"'
                        },
                    )
        response = await self._handle(request, handler, area)
        if fault is not None and fault.modifies:
            return self._modified(response, fault)
        return response

    async def _handle(
        self, request: web.Request, handler: Handler, area: str
    ) -> web.StreamResponse:
        """Answer a request normally (routing errors and the services' own errors included)."""
        http_exception = request.match_info.http_exception
        if http_exception is not None:
            return self._route_error(area, http_exception.status)
        try:
            return await handler(request)
        except SpotifyError as err:
            return error_response(err.status, err.message, err.headers)
        except OAuthError as err:
            return oauth_error_response(err.status, err.error, err.description)
        except LastfmError as err:
            return lastfm_error_response(err.code, err.message, err.status)

    @staticmethod
    def _modified(response: web.StreamResponse, fault: Fault) -> web.StreamResponse:
        """The normal answer with the fault's changes applied (JSON answers only)."""
        if not isinstance(response, web.Response) or response.content_type != "application/json":
            return response
        assert isinstance(response.body, bytes)
        data = fault.modify(json.loads(response.body))
        return json_response(data, status=response.status)

    def _route_error(self, area: str, status: int) -> web.Response:
        if area == "lastfm":
            return lastfm_error_response(3 if status == 404 else 6)
        if area == "accounts":
            return oauth_error_response(
                status, "invalid_request", "Not found" if status == 404 else "Method not allowed"
            )
        return error_response(
            status, "Service not found" if status == 404 else DEFAULT_MESSAGES.get(status, "Error")
        )

    def _fault_response(self, area: str, fault: Fault) -> web.Response:
        headers = dict(fault.headers)
        if fault.retry_after is not None:
            headers["Retry-After"] = str(fault.retry_after)
        if isinstance(fault.body, str):  # a non-JSON body, e.g. a proxy's HTML error page
            kind = "text/html" if fault.body.lstrip().startswith("<") else "text/plain"
            return web.Response(
                text=fault.body, status=fault.status or 500, headers=headers, content_type=kind
            )
        if area == "lastfm" or fault.lastfm_error is not None:
            if fault.body is not None:
                return json_response(fault.body, status=fault.status or 200, headers=headers)
            code = (
                fault.lastfm_error
                if fault.lastfm_error is not None
                else CODE_FOR_STATUS.get(fault.status or 500, 16)
            )
            return lastfm_error_response(code, fault.message, fault.status, headers)
        status = fault.status or 500
        if fault.body is not None:
            return json_response(fault.body, status=status, headers=headers)
        message = fault.message or DEFAULT_MESSAGES.get(status, "Error")
        if area == "accounts":
            error = {400: "invalid_request", 401: "invalid_client"}.get(status, "server_error")
            return oauth_error_response(status, error, message)
        return error_response(status, message, headers)
