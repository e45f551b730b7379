"""The Spotify accounts service: `GET /authorize` and `POST /api/token`, and the token store."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
import secrets
import time
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode, urlsplit

from aiohttp import web

from .spotify_api import dumps

if TYPE_CHECKING:
    from .server import Emulator

DEFAULT_SCOPE = (
    "playlist-read-private playlist-read-collaborative playlist-modify-public "
    "playlist-modify-private user-library-read user-read-private"
)
CODE_LIFETIME = 600.0


class OAuthError(Exception):
    """Answered as `{"error": error, "error_description": description}`."""

    def __init__(self, status: int, error: str, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.error = error
        self.description = description


def oauth_error_response(status: int, error: str, description: str) -> web.Response:
    return web.json_response(
        {"error": error, "error_description": description}, status=status, dumps=dumps
    )


@dataclass
class AccessToken:
    token: str
    scope: str
    expires_at: float


@dataclass
class RefreshToken:
    token: str
    scope: str
    authorized_at: float
    revoked: bool = False


@dataclass
class AuthCode:
    code: str
    client_id: str
    redirect_uri: str
    scope: str
    expires_at: float
    used: bool = False


def redirect_uri_allowed(uri: str) -> bool:
    """Spotify's rule since 2025-11-27: HTTPS, or http on a loopback IP literal (not localhost)."""
    parts = urlsplit(uri)
    if parts.scheme == "https":
        return bool(parts.netloc)
    return parts.scheme == "http" and parts.hostname in ("127.0.0.1", "::1")


class Accounts:
    def __init__(self, emulator: Emulator) -> None:
        self.emu = emulator
        self.access: dict[str, AccessToken] = {}
        self.refresh: dict[str, RefreshToken] = {}
        self.codes: dict[str, AuthCode] = {}

    def routes(self) -> list[web.RouteDef]:
        return [web.get("/authorize", self.authorize), web.post("/api/token", self.token)]

    # -- token store

    def issue(
        self,
        scope: str = DEFAULT_SCOPE,
        *,
        authorized_at: float | None = None,
        refresh_token: str | None = None,
    ) -> dict[str, Any]:
        """New access token; with `refresh_token` None a new refresh token too (a fresh grant)."""
        now = time.time()
        access = AccessToken("BQ" + secrets.token_urlsafe(48), scope, now + self.emu.token_lifetime)
        self.access[access.token] = access
        payload: dict[str, Any] = {
            "access_token": access.token,
            "token_type": "Bearer",
            "expires_in": int(self.emu.token_lifetime),
            "scope": scope,
        }
        if refresh_token is None:
            fresh = RefreshToken(
                "AQ" + secrets.token_urlsafe(64),
                scope,
                now if authorized_at is None else authorized_at,
            )
            self.refresh[fresh.token] = fresh
            payload["refresh_token"] = fresh.token
        return payload

    def access_error(self, header: str | None) -> str | None:
        """None when the Authorization header carries a valid access token; else the message."""
        if not header:
            return "No token provided"
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return "Only valid bearer authentication supported"
        found = self.access.get(token.strip())
        if found is None:
            return "Invalid access token"
        if found.expires_at <= time.time():
            return "The access token expired"
        return None

    def refresh_valid(self, token: RefreshToken) -> bool:
        if token.revoked:
            return False
        lifetime = self.emu.refresh_token_lifetime
        return lifetime is None or token.authorized_at + lifetime > time.time()

    def expire_access(self) -> None:
        for token in self.access.values():
            token.expires_at = 0.0

    def revoke_refresh(self) -> None:
        for token in self.refresh.values():
            token.revoked = True

    def create_code(
        self, redirect_uri: str, scope: str = DEFAULT_SCOPE, client_id: str | None = None
    ) -> str:
        code = AuthCode(
            "AQ" + secrets.token_urlsafe(32),
            client_id or self.emu.client_id,
            redirect_uri,
            scope,
            time.time() + CODE_LIFETIME,
        )
        self.codes[code.code] = code
        return code.code

    # -- HTTP

    async def authorize(self, request: web.Request) -> web.StreamResponse:
        """No page: a code is issued at once and the browser sent back to `redirect_uri`."""
        query = request.query
        if query.get("client_id") != self.emu.client_id:
            return oauth_error_response(400, "invalid_client", "Invalid client")
        redirect_uri = query.get("redirect_uri", "")
        if not redirect_uri:
            return oauth_error_response(400, "invalid_request", "Missing redirect_uri")
        allowed = self.emu.redirect_uris
        if not redirect_uri_allowed(redirect_uri) or (
            allowed is not None and redirect_uri not in allowed
        ):
            return oauth_error_response(400, "invalid_request", "Invalid redirect URI")
        answer: dict[str, str] = {}
        if query.get("response_type") != "code":
            answer["error"] = "unsupported_response_type"
        elif self.emu.authorize_error:
            answer["error"] = self.emu.authorize_error
        else:
            answer["code"] = self.create_code(
                redirect_uri, query.get("scope", ""), query["client_id"]
            )
        if "state" in query:
            answer["state"] = query["state"]
        separator = "&" if urlsplit(redirect_uri).query else "?"
        return web.Response(
            status=302, headers={"Location": f"{redirect_uri}{separator}{urlencode(answer)}"}
        )

    def _client(self, request: web.Request, form: dict[str, str]) -> None:
        header = request.headers.get("Authorization", "")
        client_id: str | None
        secret: str | None
        if header.lower().startswith("basic "):
            try:
                decoded = base64.b64decode(header[6:].strip(), validate=True).decode()
            except (binascii.Error, UnicodeDecodeError):
                raise OAuthError(401, "invalid_client", "Invalid client") from None
            client_id, _, secret = decoded.partition(":")
        else:
            client_id, secret = form.get("client_id"), form.get("client_secret")
        if client_id is None and secret is None:
            raise OAuthError(400, "invalid_client", "Invalid client")
        if client_id != self.emu.client_id or not secrets.compare_digest(
            secret or "", self.emu.client_secret
        ):
            raise OAuthError(
                401,
                "invalid_client",
                "Invalid client secret" if client_id == self.emu.client_id else "Invalid client",
            )

    async def token(self, request: web.Request) -> web.Response:
        try:
            form = {k: v for k, v in (await request.post()).items() if isinstance(v, str)}
            self._client(request, form)
            grant = form.get("grant_type")
            if not grant:
                raise OAuthError(400, "unsupported_grant_type", "grant_type parameter is missing")
            if grant == "authorization_code":
                payload = self._authorization_code(form)
            elif grant == "refresh_token":
                payload = self._refresh(form)
            else:
                raise OAuthError(
                    400,
                    "unsupported_grant_type",
                    "grant_type must be client_credentials, authorization_code or refresh_token",
                )
        except OAuthError as err:
            return oauth_error_response(err.status, err.error, err.description)
        return web.json_response(payload, dumps=dumps)

    def _authorization_code(self, form: dict[str, str]) -> dict[str, Any]:
        code = self.codes.get(form.get("code", ""))
        if (
            code is None
            or code.used
            or code.expires_at <= time.time()
            or code.client_id != self.emu.client_id
        ):
            raise OAuthError(400, "invalid_grant", "Invalid authorization code")
        if form.get("redirect_uri") != code.redirect_uri:
            raise OAuthError(400, "invalid_grant", "Invalid redirect URI")
        code.used = True
        return self.issue(code.scope)

    def _refresh(self, form: dict[str, str]) -> dict[str, Any]:
        value = form.get("refresh_token")
        if not value:
            raise OAuthError(400, "invalid_request", "refresh_token must be supplied")
        found = self.refresh.get(value)
        if found is None or not self.refresh_valid(found):
            raise OAuthError(400, "invalid_grant", "Invalid refresh token")
        if self.emu.rotate_refresh_tokens:
            return self.issue(found.scope, authorized_at=found.authorized_at)
        return self.issue(found.scope, refresh_token=found.token)
