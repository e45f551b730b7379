"""Fault injection, latency, the rate limit and the request log, as spotipy (retries=0,
status_forcelist=(500, 502, 503, 504)) experiences them."""

from __future__ import annotations

import time
from typing import Any

import aiohttp
import pytest
import requests
import spotipy

from tests.emulator import LASTFM_API_KEY, Emulator, Fault

from .helpers import fetch, in_executor
from .openapi import validate_error


async def raises(fn: Any, *args: Any, **kwargs: Any) -> spotipy.SpotifyException:
    with pytest.raises(spotipy.SpotifyException) as info:
        await in_executor(fn, *args, **kwargs)
    return info.value


async def test_429_surfaces_retry_after(emulator: Emulator, spotify: Any) -> None:
    fault = emulator.inject(
        Fault(status=429, retry_after=30, method="GET", path="/v1/me/playlists")
    )
    error = await raises(spotify.current_user_playlists, limit=50)
    assert error.http_status == 429
    assert error.code == -1
    assert error.headers["Retry-After"] == "30"
    assert error.msg.endswith("API rate limit exceeded")
    assert error.reason is None
    assert emulator.count("GET", "/v1/me/playlists") == 1  # no retry inside spotipy
    page = await in_executor(spotify.current_user_playlists, limit=50)  # times=1: fired once
    assert page["total"] == len(emulator.library.me_playlists)
    assert [(r.status, r.fault) for r in emulator.requests] == [(429, fault.id), (200, None)]


@pytest.mark.parametrize("status", [500, 502, 503, 504])
async def test_5xx_what_spotipy_raises(emulator: Emulator, spotify: Any, status: int) -> None:
    """With the integration's configuration a 5xx in the forcelist exhausts urllib3's zero
    retries: spotipy raises SpotifyException(429, -1, "<path>:\\n Max Retries",
    reason=ResponseError("too many <status> error responses"), headers={}). The real status is
    only in the reason's text, the body and headers are lost."""
    emulator.inject(Fault(status=status, path="/v1/me/playlists", retry_after=5))
    error = await raises(spotify.current_user_playlists, limit=50)
    assert error.http_status == 429
    assert error.code == -1
    assert error.msg == "/v1/me/playlists?limit=50&offset=0:\n Max Retries"
    assert str(error.reason) == f"too many {status} error responses"
    assert error.headers == {}
    assert emulator.count("GET", "/v1/me/playlists") == 1  # sent once: nothing retried
    assert emulator.requests[-1].status == status


async def test_5xx_outside_the_forcelist_keeps_its_status(emulator: Emulator, spotify: Any) -> None:
    emulator.inject(Fault(status=501, message="Not implemented", path="/v1/me/"))
    error = await raises(spotify.me)
    assert (error.http_status, error.reason) == (501, None)
    assert error.msg == f"{emulator.api_url}me/:\n Not implemented"


async def test_5xx_post_is_sent_once(emulator: Emulator, spotify: Any) -> None:
    lib = emulator.library
    playlist = next(p for p in lib.followed_playlists if p.owner_id == lib.user_id)
    before = list(playlist.entries)
    emulator.inject(Fault(status=503, method="POST", path=f"/v1/playlists/{playlist.id}/items"))
    error = await raises(spotify.playlist_add_items, playlist.id, [lib.catalogue[0].uri])
    assert error.http_status == 429
    assert emulator.count("POST") == 1
    assert playlist.entries == before  # the fault answered before anything was applied


async def test_dropped_connection(emulator: Emulator, spotify: Any) -> None:
    fault = emulator.inject(Fault(drop=True, path="/v1/me/*"))
    with pytest.raises(requests.exceptions.ConnectionError) as info:
        await in_executor(spotify.current_user_playlists)
    assert "Remote end closed connection without response" in str(info.value)
    assert not isinstance(info.value, spotipy.SpotifyException)
    record = emulator.requests[-1]
    assert (record.status, record.fault) == (0, fault.id)
    assert (await in_executor(spotify.current_user_playlists))["total"] > 0


async def test_401_fault(emulator: Emulator, spotify: Any, http: aiohttp.ClientSession) -> None:
    emulator.inject(Fault(status=401, path="/v1/me/"))
    error = await raises(spotify.me)
    assert error.http_status == 401
    assert error.msg.endswith("The access token expired")
    emulator.inject(Fault(status=403, message="Insufficient client scope", path="/v1/me/playlists"))
    status, body, _ = await fetch(http, "GET", f"{emulator.api_url}me/playlists")
    assert status == 403
    validate_error(403, body)
    assert body["error"]["message"] == "Insufficient client scope"


async def test_fault_matching(emulator: Emulator, spotify: Any) -> None:
    lib = emulator.library
    playlist = next(p for p in lib.followed_playlists if p.owner_id == lib.user_id)
    emulator.inject(Fault(status=500, method="GET", path="/v1/playlists/*", after=2, times=2))
    outcomes = []
    for _ in range(5):
        try:
            await in_executor(spotify.playlist, playlist.id, fields="snapshot_id")
            outcomes.append("ok")
        except spotipy.SpotifyException:
            outcomes.append("fail")
    assert outcomes == ["ok", "ok", "fail", "fail", "ok"]
    assert not emulator.faults.faults  # retired after firing twice
    emulator.inject(Fault(status=500, method="POST", path="/v1/playlists/*", times=None))
    assert (await in_executor(spotify.me))["id"] == lib.user_id  # other method, other path
    for _ in range(3):
        assert (
            await raises(spotify.playlist_add_items, playlist.id, [lib.catalogue[0].uri])
        ).http_status == 429
    emulator.clear_faults()
    assert (await in_executor(spotify.playlist_add_items, playlist.id, [lib.catalogue[0].uri]))[
        "snapshot_id"
    ]
    with pytest.raises(ValueError, match="needs"):
        Fault(path="/v1/me/")
    with pytest.raises(ValueError, match="unknown"):
        Fault.from_json({"status": 500, "colour": "red"})


async def test_latency(emulator: Emulator, spotify: Any) -> None:
    emulator.latency = 0.15
    started = time.perf_counter()
    await in_executor(spotify.me)
    assert time.perf_counter() - started >= 0.15
    emulator.latency = 0.0
    emulator.inject(Fault(delay=0.2, path="/v1/me/"))  # a slow answer, otherwise normal
    started = time.perf_counter()
    assert (await in_executor(spotify.me))["id"] == emulator.library.user_id
    assert time.perf_counter() - started >= 0.2
    await in_executor(spotify.me)
    assert [r.fault is not None for r in emulator.requests] == [False, True, False]


async def test_rate_limit_rolling_window(
    emulator: Emulator, spotify: Any, http: aiohttp.ClientSession
) -> None:
    now = [1000.0]
    emulator.rate_limiter.clock = lambda: now[0]
    emulator.set_rate_limit(3, window=30)
    for offset in (0.0, 10.0, 20.0):
        now[0] = 1000.0 + offset
        await in_executor(spotify.me)
    now[0] = 1025.5
    error = await raises(spotify.me)
    assert error.http_status == 429
    assert error.msg.endswith("API rate limit exceeded")
    assert error.headers["Retry-After"] == "5"  # whole seconds until the oldest leaves the window
    # Last.fm and the accounts service are not part of the Spotify window
    url = (
        f"{emulator.lastfm_url}?method=user.gettoptracks&user=emulator_fm&api_key={LASTFM_API_KEY}"
    )
    assert (await fetch(http, "GET", url))[0] == 200
    now[0] = 1030.0  # the first request has left the window: one slot
    assert (await in_executor(spotify.me))["id"] == emulator.library.user_id
    assert (await raises(spotify.me)).headers["Retry-After"] == "10"
    now[0] = 1039.999
    assert (await raises(spotify.me)).headers["Retry-After"] == "1"  # never 0
    assert [r.status for r in emulator.requests if r.is_spotify] == [
        200,
        200,
        200,
        429,
        200,
        429,
        429,
    ]
    emulator.set_rate_limit(1, window=30, retry_after=7)
    await in_executor(spotify.me)
    assert (await raises(spotify.me)).headers["Retry-After"] == "7"
    emulator.set_rate_limit(None)
    for _ in range(5):
        await in_executor(spotify.me)


def test_rate_limit_uses_the_wall_clock_by_default() -> None:
    limiter = Emulator().rate_limiter
    limiter.configure(1, window=0.05)
    assert limiter.admit() is None
    assert limiter.admit() == 1
    time.sleep(0.06)
    assert limiter.admit() is None


async def test_request_log(emulator: Emulator, spotify: Any, http: aiohttp.ClientSession) -> None:
    lib = emulator.library
    playlist = next(p for p in lib.followed_playlists if p.owner_id == lib.user_id and p.entries)
    await in_executor(spotify.me)
    await in_executor(spotify.playlist_items, playlist.id, limit=10)
    await in_executor(spotify.playlist_items, playlist.id, limit=10)
    await in_executor(spotify.playlist_add_items, playlist.id, [lib.catalogue[0].uri])
    await fetch(
        http,
        "GET",
        f"{emulator.lastfm_url}?method=user.gettoptracks&user=emulator_fm&api_key={LASTFM_API_KEY}",
    )
    await fetch(http, "GET", f"{emulator.base_url}/_emulator/state")  # admin: not logged
    assert len(emulator.requests) == 5
    assert emulator.spotify_calls == 4
    assert emulator.count() == 5
    assert emulator.count("GET") == 4
    assert emulator.count(path="/v1/playlists/*") == 3
    assert emulator.count("GET", "/v1/playlists/{playlist_id}/items") == 2
    assert emulator.count(path="/2.0/") == 1
    record = emulator.requests[1]
    assert (record.method, record.path, record.status) == (
        "GET",
        f"/v1/playlists/{playlist.id}/items",
        200,
    )
    assert record.query["limit"] == "10"
    assert record.endpoint == "/v1/playlists/{playlist_id}/items"
    assert record.at <= emulator.requests[2].at
    assert emulator.counters() == {
        "GET /v1/me/": 1,
        "GET /v1/playlists/{playlist_id}/items": 2,
        "POST /v1/playlists/{playlist_id}/items": 1,
        "GET /2.0/": 1,
    }
    emulator.reset_log()
    assert emulator.requests == []
    assert emulator.spotify_calls == 0
    assert len(emulator.changes) == 1  # the change log is separate


async def test_faults_on_accounts_and_unknown_paths(
    emulator: Emulator, http: aiohttp.ClientSession
) -> None:
    emulator.inject(Fault(status=503, path="/api/token"))
    status, body, _ = await fetch(
        http, "POST", emulator.token_url, data={"grant_type": "refresh_token"}
    )
    assert status == 503
    assert body == {"error": "server_error", "error_description": "Service unavailable"}
    emulator.inject(Fault(status=500, body={"custom": True}, path="/v1/me/"))
    status, body, _ = await fetch(http, "GET", f"{emulator.api_url}me/")
    assert (status, body) == (500, {"custom": True})
    emulator.inject(Fault(status=502, body="<html>Bad gateway</html>", path="/2.0/"))
    status, body, headers = await fetch(http, "GET", emulator.lastfm_url)
    assert (status, body, headers["Content-Type"]) == (
        502,
        "<html>Bad gateway</html>",
        "text/html; charset=utf-8",
    )


async def test_malformed_pages_served_with_http_200(emulator: Emulator, spotify: Any) -> None:
    """A 200 whose body is not JSON (a captive portal) is `None` to spotipy; `{}` is `{}`."""
    emulator.inject(Fault(status=200, body="<html>Log in to the hotel Wi-Fi</html>"))
    assert await in_executor(spotify.current_user_playlists, limit=50) is None
    emulator.inject(Fault(status=200, body={}, path="/v1/me/playlists"))
    assert await in_executor(spotify.current_user_playlists, limit=50) == {}
    assert [r.status for r in emulator.requests] == [200, 200]


async def test_items_dropped_keeps_total_and_next(emulator: Emulator, spotify: Any) -> None:
    """`items_dropped` serves a page with fewer entries than `total` says; the rest is real."""
    whole = await in_executor(spotify.current_user_playlists, limit=50)
    fault = emulator.inject(Fault(items_dropped=3, path="/v1/me/playlists"))
    page = await in_executor(spotify.current_user_playlists, limit=50)
    assert page["items"] == whole["items"][:-3]
    assert (page["total"], page["next"]) == (whole["total"], whole["next"])
    assert emulator.requests[-1].fault == fault.id
    again = await in_executor(spotify.current_user_playlists, limit=50)
    assert again["items"] == whole["items"]  # times=1: fired once


async def test_item_and_body_patches(emulator: Emulator, spotify: Any) -> None:
    """`item_patch` gives one entry odd types; `body_patch` changes the page itself."""
    whole = await in_executor(spotify.current_user_playlists, limit=50)
    emulator.inject(
        Fault(item_patch={"owner": "someone", "items": {"total": "many"}}, item_index=2)
    )
    page = await in_executor(spotify.current_user_playlists, limit=50)
    assert page["items"][2]["owner"] == "someone"
    assert page["items"][2]["items"] == {"total": "many"}
    assert page["items"][2]["id"] == whole["items"][2]["id"]
    assert page["items"][3] == whole["items"][3]
    null_at = next(i for i, item in enumerate(whole["items"]) if item is None)
    emulator.inject(Fault(item_patch={"id": 7}, item_index=null_at))
    assert (await in_executor(spotify.current_user_playlists, limit=50))["items"][null_at] == {
        "id": 7
    }
    emulator.inject(Fault(body_patch={"next": None, "total": "many"}, path="/v1/me/playlists"))
    page = await in_executor(spotify.current_user_playlists, limit=50)
    assert (page["next"], page["total"]) == (None, "many")
    assert page["items"] == whole["items"]
    emulator.inject(Fault(body_patch={"x": 1}, path="/v1/me/playlists", status=503))
    assert (await raises(spotify.current_user_playlists)).http_status == 429  # status wins
    with pytest.raises(ValueError, match="items_dropped"):
        Fault(items_dropped=-1, path="/v1/me/")


async def test_modifiers_leave_errors_and_other_bodies_alone(
    emulator: Emulator, http: aiohttp.ClientSession
) -> None:
    """A changing fault only touches JSON answers; errors and redirects pass as they are."""
    emulator.inject(Fault(body_patch={"x": 1}, path="/v1/me/playlists"))
    status, body, _ = await fetch(http, "GET", f"{emulator.api_url}me/playlists")
    assert status == 401  # no token: the error answer is not patched
    assert "x" not in body
    emulator.inject(Fault(body_patch={"x": 1}, path="/authorize"))
    status, _, headers = await fetch(
        http,
        "GET",
        f"{emulator.authorize_url}?client_id={emulator.client_id}&response_type=code"
        "&redirect_uri=http://127.0.0.1/cb&state=s",
    )
    assert status == 302
    assert headers["Location"].startswith("http://127.0.0.1/cb?")


@pytest.mark.parametrize(
    ("body", "raised"),
    [
        ({"error": {"status": 429, "message": "Quota", "reason": "QUOTA_EXCEEDED"}}, None),
        ({"error": "QUOTA_EXCEEDED"}, AttributeError),
        (["QUOTA_EXCEEDED"], AttributeError),
        ({"error": ["QUOTA_EXCEEDED"]}, AttributeError),
        ("<html><body>QUOTA_EXCEEDED</body></html>", None),
        ("", None),
    ],
)
async def test_429_bodies_of_any_shape(
    emulator: Emulator, spotify: Any, body: Any, raised: type[Exception] | None
) -> None:
    """What spotipy 2.26.0 makes of a 429 by body shape: an `error` that is not an object (or a
    body that is a list) crashes its error handling; an object or a non-JSON body is a
    SpotifyException with the Retry-After header."""
    emulator.inject(Fault(status=429, retry_after=3600, body=body, path="/v1/me/playlists"))
    if raised is not None:
        with pytest.raises(raised):
            await in_executor(spotify.current_user_playlists)
    else:
        error = await raises(spotify.current_user_playlists)
        assert error.http_status == 429
        assert error.headers["Retry-After"] == "3600"
    assert emulator.requests[-1].status == 429


@pytest.mark.parametrize(
    "fault", [{"status": 503}, {"drop": True}, {"status": 500, "body": "<html/>"}]
)
async def test_applied_faults_land_the_write_then_fail(
    emulator: Emulator, spotify: Any, fault: dict[str, Any]
) -> None:
    """`applied`: the write is made, the answer says otherwise (or never comes)."""
    lib = emulator.library
    playlist = lib.create_playlist("Lands anyway")
    emulator.inject(
        Fault(method="POST", path=f"/v1/playlists/{playlist.id}/items", applied=True, **fault)
    )
    with pytest.raises((spotipy.SpotifyException, requests.exceptions.ConnectionError)):
        await in_executor(spotify.playlist_add_items, playlist.id, [lib.catalogue[0].uri])
    assert lib.playlist_uris(playlist.id) == [lib.catalogue[0].uri]
    emulator.inject(Fault(method="POST", path="/v1/me/playlists", status=502, applied=True))
    with pytest.raises(spotipy.SpotifyException):
        await in_executor(spotify.current_user_playlist_create, "Made anyway")
    assert len(lib.playlists_named("Made anyway")) == 1
