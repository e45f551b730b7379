"""The accounts service: /authorize and /api/token."""

from __future__ import annotations

import base64
from urllib.parse import parse_qs, urlsplit

import aiohttp
import pytest

from tests.emulator import DEFAULT_SCOPE, Emulator

from .helpers import fetch

REDIRECT = "https://example.com/auth/external/callback"


def basic(client_id: str, secret: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()}


async def authorize(
    http: aiohttp.ClientSession, emu: Emulator, **params: str
) -> tuple[int, dict[str, list[str]], str]:
    query = {
        "client_id": emu.client_id,
        "response_type": "code",
        "redirect_uri": REDIRECT,
        "scope": DEFAULT_SCOPE,
        "state": "s t&ate",
        **params,
    }
    status, body, headers = await fetch(http, "GET", emu.authorize_url, params=query)
    location = headers.get("Location", "")
    return status, parse_qs(urlsplit(location).query), location if status == 302 else str(body)


async def test_authorize_redirects_with_code_and_state(
    emulator: Emulator, http: aiohttp.ClientSession
) -> None:
    status, answer, location = await authorize(http, emulator)
    assert status == 302
    assert location.startswith(REDIRECT + "?")
    assert answer["state"] == ["s t&ate"]
    assert answer["code"][0] in emulator.accounts.codes
    assert emulator.requests[-1].status == 302
    status, answer, location = await authorize(
        http, emulator, redirect_uri="http://127.0.0.1:8123/cb?x=1"
    )
    assert status == 302
    assert location.startswith("http://127.0.0.1:8123/cb?x=1&code=")
    status, answer, _ = await authorize(http, emulator, response_type="token")
    assert (status, answer["error"]) == (302, ["unsupported_response_type"])
    emulator.authorize_error = "access_denied"
    status, answer, _ = await authorize(http, emulator)
    assert (status, answer["error"], "code" in answer) == (302, ["access_denied"], False)


@pytest.mark.parametrize(
    ("params", "error"),
    [
        ({"client_id": "someone-else"}, "invalid_client"),
        ({"redirect_uri": ""}, "invalid_request"),
        (
            {"redirect_uri": "http://localhost:8123/cb"},
            "invalid_request",
        ),  # refused since 2025-11-27
        ({"redirect_uri": "http://example.com/cb"}, "invalid_request"),
    ],
)
async def test_authorize_refuses(
    emulator: Emulator, http: aiohttp.ClientSession, params: dict[str, str], error: str
) -> None:
    status, body, headers = await fetch(
        http,
        "GET",
        emulator.authorize_url,
        params={
            "client_id": emulator.client_id,
            "response_type": "code",
            "redirect_uri": REDIRECT,
            **params,
        },
    )
    assert status == 400
    assert body["error"] == error
    assert "Location" not in headers


async def test_authorization_code_grant(emulator: Emulator, http: aiohttp.ClientSession) -> None:
    _, answer, _ = await authorize(http, emulator)
    code = answer["code"][0]
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT}
    status, body, _ = await fetch(
        http,
        "POST",
        emulator.token_url,
        data=form,
        headers=basic(emulator.client_id, emulator.client_secret),
    )
    assert status == 200
    assert set(body) == {"access_token", "token_type", "expires_in", "scope", "refresh_token"}
    assert (body["token_type"], body["expires_in"], body["scope"]) == (
        "Bearer",
        3600,
        DEFAULT_SCOPE,
    )
    status, me, _ = await fetch(
        http,
        "GET",
        f"{emulator.api_url}me",
        headers={"Authorization": f"Bearer {body['access_token']}"},
    )
    assert (status, me["id"]) == (200, emulator.library.user_id)
    assert emulator.requests[-2].body == {**form}  # the form is logged (no Basic header in it)
    status, body, _ = await fetch(
        http,
        "POST",
        emulator.token_url,
        data=form,
        headers=basic(emulator.client_id, emulator.client_secret),
    )
    assert (status, body) == (
        400,
        {"error": "invalid_grant", "error_description": "Invalid authorization code"},
    )
    code = emulator.create_authorization_code(REDIRECT)
    status, body, _ = await fetch(
        http,
        "POST",
        emulator.token_url,
        data={**form, "code": code, "redirect_uri": "https://other.example/cb"},
        headers=basic(emulator.client_id, emulator.client_secret),
    )
    assert (status, body["error"], body["error_description"]) == (
        400,
        "invalid_grant",
        "Invalid redirect URI",
    )


async def test_refresh_grant(emulator: Emulator, http: aiohttp.ClientSession) -> None:
    tokens = emulator.issue_tokens()
    assert set(tokens) == {
        "access_token",
        "refresh_token",
        "token_type",
        "expires_in",
        "scope",
        "expires_at",
    }
    form = {
        "grant_type": "refresh_token",
        "refresh_token": tokens["refresh_token"],
        "client_id": emulator.client_id,
        "client_secret": emulator.client_secret,
    }
    status, body, _ = await fetch(http, "POST", emulator.token_url, data=form)
    assert status == 200
    assert "refresh_token" not in body  # default: keep the old refresh token
    assert body["access_token"] != tokens["access_token"]
    assert body["scope"] == tokens["scope"]
    for access in (tokens["access_token"], body["access_token"]):
        status, _, _ = await fetch(
            http, "GET", f"{emulator.api_url}me", headers={"Authorization": f"Bearer {access}"}
        )
        assert status == 200
    emulator.rotate_refresh_tokens = True
    status, body, _ = await fetch(http, "POST", emulator.token_url, data=form)
    assert status == 200
    assert body["refresh_token"] != tokens["refresh_token"]
    status, again, _ = await fetch(
        http, "POST", emulator.token_url, data={**form, "refresh_token": body["refresh_token"]}
    )
    assert status == 200
    assert again["refresh_token"] not in (tokens["refresh_token"], body["refresh_token"])


async def test_invalid_grant(emulator: Emulator, http: aiohttp.ClientSession) -> None:
    expected = {"error": "invalid_grant", "error_description": "Invalid refresh token"}
    tokens = emulator.issue_tokens()
    form = {"grant_type": "refresh_token", "refresh_token": "AQunknown"}
    auth = basic(emulator.client_id, emulator.client_secret)
    assert (await fetch(http, "POST", emulator.token_url, data=form, headers=auth))[:2] == (
        400,
        expected,
    )
    form["refresh_token"] = tokens["refresh_token"]
    assert (await fetch(http, "POST", emulator.token_url, data=form, headers=auth))[0] == 200
    emulator.refresh_token_lifetime = 0  # six months have passed since the user authorized
    assert (await fetch(http, "POST", emulator.token_url, data=form, headers=auth))[:2] == (
        400,
        expected,
    )
    emulator.refresh_token_lifetime = None
    assert (await fetch(http, "POST", emulator.token_url, data=form, headers=auth))[0] == 200
    emulator.expire_refresh_tokens()
    assert (await fetch(http, "POST", emulator.token_url, data=form, headers=auth))[:2] == (
        400,
        expected,
    )
    fresh = emulator.issue_tokens()  # a new authorization works again
    assert (
        await fetch(
            http,
            "POST",
            emulator.token_url,
            data={**form, "refresh_token": fresh["refresh_token"]},
            headers=auth,
        )
    )[0] == 200


async def test_client_authentication(emulator: Emulator, http: aiohttp.ClientSession) -> None:
    form = {
        "grant_type": "refresh_token",
        "refresh_token": emulator.issue_tokens()["refresh_token"],
    }
    status, body, _ = await fetch(
        http, "POST", emulator.token_url, data=form, headers=basic(emulator.client_id, "wrong")
    )
    assert (status, body["error"]) == (401, "invalid_client")
    status, body, _ = await fetch(
        http,
        "POST",
        emulator.token_url,
        data={**form, "client_id": "other", "client_secret": emulator.client_secret},
    )
    assert (status, body["error"]) == (401, "invalid_client")
    status, body, _ = await fetch(http, "POST", emulator.token_url, data=form)
    assert (status, body["error"]) == (400, "invalid_client")
    status, body, _ = await fetch(
        http, "POST", emulator.token_url, data=form, headers={"Authorization": "Basic !!!"}
    )
    assert (status, body["error"]) == (401, "invalid_client")
    auth = basic(emulator.client_id, emulator.client_secret)
    status, body, _ = await fetch(
        http, "POST", emulator.token_url, data={"refresh_token": "x"}, headers=auth
    )
    assert (status, body["error"]) == (400, "unsupported_grant_type")
    status, body, _ = await fetch(
        http, "POST", emulator.token_url, data={"grant_type": "password"}, headers=auth
    )
    assert (status, body["error"]) == (400, "unsupported_grant_type")
    status, body, _ = await fetch(
        http, "POST", emulator.token_url, data={"grant_type": "refresh_token"}, headers=auth
    )
    assert (status, body["error"]) == (400, "invalid_request")


async def test_token_lifetime(emulator: Emulator, http: aiohttp.ClientSession) -> None:
    emulator.token_lifetime = 120
    tokens = emulator.issue_tokens()
    assert tokens["expires_in"] == 120
    form = {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}
    auth = basic(emulator.client_id, emulator.client_secret)
    emulator.token_lifetime = 0
    status, body, _ = await fetch(http, "POST", emulator.token_url, data=form, headers=auth)
    assert (status, body["expires_in"]) == (200, 0)
    status, body, _ = await fetch(
        http,
        "GET",
        f"{emulator.api_url}me",
        headers={"Authorization": f"Bearer {body['access_token']}"},
    )
    assert (status, body["error"]["message"]) == (401, "The access token expired")
    status, _, _ = await fetch(
        http,
        "GET",
        f"{emulator.api_url}me",
        headers={"Authorization": f"Bearer {tokens['access_token']}"},
    )
    assert status == 200
