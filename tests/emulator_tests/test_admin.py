"""The HTTP admin endpoint (what the demo instance is steered with) and the CLI."""

from __future__ import annotations

import os
from pathlib import Path
import signal
import subprocess
import sys
from typing import Any

import aiohttp
import pytest
import requests
import spotipy

from tests.emulator import Emulator, Library
from tests.emulator.__main__ import banner, build, parse_args

from .helpers import fetch, in_executor

ROOT = Path(__file__).resolve().parents[2]


async def admin(
    http: aiohttp.ClientSession, emu: Emulator, method: str, name: str, body: Any = None
) -> tuple[int, Any]:
    status, payload, _ = await fetch(http, method, f"{emu.base_url}/_emulator/{name}", json=body)
    return status, payload


async def test_state_requests_counters(
    emulator: Emulator, spotify: Any, http: aiohttp.ClientSession
) -> None:
    await in_executor(spotify.me)
    await in_executor(spotify.current_user_playlists, limit=50)
    await in_executor(spotify.current_user_playlists, limit=50)
    status, state = await admin(http, emulator, "GET", "state")
    assert status == 200
    assert state["user"] == {"id": emulator.library.user_id, "display_name": "Emulator User"}
    assert state["urls"]["api"] == emulator.api_url
    assert (state["requests"], state["spotify_calls"]) == (3, 3)
    assert state["me_playlists"] == len(emulator.library.me_playlists)
    _, log = await admin(http, emulator, "GET", "requests")
    assert [(r["method"], r["path"], r["status"]) for r in log] == [
        ("GET", "/v1/me/", 200),
        ("GET", "/v1/me/playlists", 200),
        ("GET", "/v1/me/playlists", 200),
    ]
    _, counters = await admin(http, emulator, "GET", "counters")
    assert counters == {"GET /v1/me/": 1, "GET /v1/me/playlists": 2}
    assert emulator.spotify_calls == 3  # admin requests are not counted
    status, index, _ = await fetch(http, "GET", f"{emulator.base_url}/")
    assert (status, index["spotify_calls"]) == (200, 3)


async def test_faults_latency_rate_limit_reset(
    emulator: Emulator, spotify: Any, http: aiohttp.ClientSession
) -> None:
    status, fault = await admin(
        http, emulator, "POST", "faults", {"status": 429, "retry_after": 12, "path": "/v1/me/"}
    )
    assert status == 201
    assert fault["times"] == 1
    with pytest.raises(spotipy.SpotifyException) as info:
        await in_executor(spotify.me)
    assert info.value.headers["Retry-After"] == "12"
    assert emulator.requests[-1].fault == fault["id"]
    assert (await admin(http, emulator, "POST", "faults", {"status": 500, "times": None}))[0] == 201
    _, listed = await admin(http, emulator, "GET", "faults")
    assert [f["status"] for f in listed] == [500]
    assert (await admin(http, emulator, "DELETE", "faults"))[0] == 200
    assert emulator.faults.faults == []
    assert (await admin(http, emulator, "POST", "faults", {"nonsense": 1}))[0] == 400
    assert (await admin(http, emulator, "POST", "latency", {"ms": 30}))[1] == {"latency": 0.03}
    assert emulator.latency == 0.03
    assert (await admin(http, emulator, "POST", "latency", {"speed": 1}))[0] == 400
    status, limit = await admin(
        http, emulator, "POST", "rate_limit", {"max_requests": 1, "window": 30}
    )
    assert (status, limit["max_requests"]) == (200, 1)
    await in_executor(spotify.me)
    with pytest.raises(spotipy.SpotifyException):
        await in_executor(spotify.me)
    status, state = await admin(http, emulator, "POST", "reset")
    assert (status, state["requests"], state["latency"], state["rate_limit"]["max_requests"]) == (
        200,
        0,
        0.0,
        None,
    )
    await in_executor(spotify.me)


async def test_load_library(emulator: Emulator, spotify: Any, http: aiohttp.ClientSession) -> None:
    other = Library.generate(seed=9, playlists=12, liked=5, catalogue=30, user_id="someone_else")
    status, state = await admin(http, emulator, "POST", "library", other.to_json())
    assert (status, state["user"]["id"], state["me_playlists"]) == (200, "someone_else", 12)
    assert (await in_executor(spotify.me))["id"] == "someone_else"  # tokens stay valid
    page = await in_executor(spotify.current_user_playlists, limit=50)
    assert [p["id"] if p else None for p in page["items"]] == [
        p.id if p else None for p in other.me_playlists
    ]
    assert emulator.changes[0].kind == "library_loaded"
    assert emulator.changes[0].source == "admin"
    status, state = await admin(
        http, emulator, "POST", "library", {"generate": {"seed": 3, "playlists": 7}}
    )
    assert (status, state["me_playlists"]) == (200, 7)
    assert (await admin(http, emulator, "POST", "library", {"generate": {"colour": 1}}))[0] == 400
    assert (
        await admin(
            http,
            emulator,
            "POST",
            "library",
            {"playlists": [{"name": "x", "items": ["spotify:track:" + "0" * 22]}]},
        )
    )[0] == 400
    _, dataset = await admin(http, emulator, "GET", "library")
    assert Library.from_json(dataset).to_json() == emulator.library.to_json()


async def test_create_a_playlist_by_hand(emulator: Emulator, http: aiohttp.ClientSession) -> None:
    lib = emulator.library
    local = next(iter(lib.local_tracks))
    episode = next(iter(lib.episodes))
    items = [lib.catalogue[0].uri, local, episode]
    status, made = await admin(
        http,
        emulator,
        "POST",
        "playlists",
        {"name": "By hand", "items": items, "added_at": "2024-01-02T03:04:05Z"},
    )
    assert status == 201
    assert made["uris"] == items
    playlist = lib.playlists[made["id"]]
    assert lib.me_playlists[0] is playlist
    assert {entry.added_at for entry in playlist.entries} == {"2024-01-02T03:04:05Z"}
    assert emulator.changes[-1].source == "admin"
    stamps = ["2024-01-01T00:00:00Z", "2025-06-01T00:00:00Z", "2026-01-01T00:00:00Z"]
    status, aged = await admin(
        http, emulator, "POST", "playlists", {"name": "Aged", "items": items, "added_at": stamps}
    )
    assert status == 201
    assert [entry.added_at for entry in lib.playlists[aged["id"]].entries] == stamps
    for body in (
        {"items": items},
        {"name": "x", "items": ["spotify:track:" + "0" * 22]},
        {"name": "x", "items": items, "added_at": stamps[:2]},
    ):
        status, error = await admin(http, emulator, "POST", "playlists", body)
        assert status == 400
        assert error["error"]["message"].startswith("invalid playlist")


async def test_tokens_changes_settings(emulator: Emulator, http: aiohttp.ClientSession) -> None:
    status, tokens = await admin(http, emulator, "POST", "tokens")
    assert status == 200
    bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
    assert (await fetch(http, "GET", f"{emulator.api_url}me", headers=bearer))[0] == 200
    assert (
        await admin(http, emulator, "POST", "tokens/expire", {"access": True, "refresh": True})
    )[0] == 200
    assert (await fetch(http, "GET", f"{emulator.api_url}me", headers=bearer))[0] == 401
    fresh = emulator.issue_tokens()
    bearer = {"Authorization": f"Bearer {fresh['access_token']}"}
    playlist = next(
        p for p in emulator.library.followed_playlists if p.owner_id == emulator.library.user_id
    )
    status, _, _ = await fetch(
        http,
        "POST",
        f"{emulator.api_url}playlists/{playlist.id}/items",
        headers=bearer,
        json=[emulator.library.catalogue[0].uri],
    )
    assert status == 201
    _, changes = await admin(http, emulator, "GET", "changes")
    assert [(c["kind"], c["source"], c["playlist_id"], c["count"]) for c in changes] == [
        ("items_added", "api", playlist.id, 1)
    ]
    status, state = await admin(
        http, emulator, "POST", "settings", {"payload_shape": "items", "token_lifetime": 60}
    )
    assert (status, state["payload_shape"], emulator.token_lifetime) == (200, "items", 60)
    assert (await admin(http, emulator, "POST", "settings", {"payload_shape": "new"}))[0] == 400
    assert (await admin(http, emulator, "POST", "settings", {"colour": "red"}))[0] == 400


@pytest.mark.emulator(seed=2, playlists=7, payload_shape="items", token_lifetime=60)
async def test_fixture_options_and_environment(emulator: Emulator) -> None:
    assert len(emulator.library.me_playlists) == 7
    assert (emulator.payload_shape, emulator.token_lifetime) == ("items", 60)
    assert emulator.api_url == f"http://127.0.0.1:{emulator.port}/v1/"
    assert os.environ["SPOTIFREAK_SPOTIFY_API_URL"] == emulator.api_url
    assert (
        os.environ["SPOTIFREAK_SPOTIFY_ACCOUNTS_URL"] == emulator.accounts_url == emulator.base_url
    )
    assert os.environ["SPOTIFREAK_LASTFM_API_URL"] == emulator.lastfm_url


def test_cli_arguments(tmp_path: Path) -> None:
    dataset = tmp_path / "lib.json"
    args = parse_args(
        [
            "--port",
            "0",
            "--seed",
            "5",
            "--playlists",
            "9",
            "--latency",
            "25",
            "--save-dataset",
            str(dataset),
        ]
    )
    emu = build(args)
    assert (emu.latency, len(emu.library.me_playlists)) == (0.025, 9)
    assert Library.load(dataset).to_json() == emu.library.to_json()
    loaded = build(
        parse_args(["--dataset", str(dataset), "--client-id", "abc", "--client-secret", "xyz"])
    )
    assert (loaded.client_id, loaded.client_secret, loaded.library.to_json()) == (
        "abc",
        "xyz",
        emu.library.to_json(),
    )
    emu.port = 8990
    text = banner(emu, print_token=True)
    assert "export SPOTIFREAK_SPOTIFY_API_URL=http://127.0.0.1:8990/v1/" in text
    assert "export SPOTIFREAK_SPOTIFY_ACCOUNTS_URL=http://127.0.0.1:8990\n" in text
    assert "export SPOTIFREAK_LASTFM_API_URL=http://127.0.0.1:8990/2.0/" in text
    assert "access_token" in text


def test_cli_runs_until_interrupted(socket_enabled: None) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.emulator", "--port", "0", "--playlists", "6"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert process.stdout is not None
        lines = []
        for line in process.stdout:
            lines.append(line)
            if line.startswith("export SPOTIFREAK_LASTFM_API_URL="):
                break
        base = next(
            line.split()[-1]
            for line in lines
            if line.startswith("Spotifreak emulator listening on")
        )
        with requests.get(f"{base}/_emulator/state", timeout=5) as response:
            assert response.json()["me_playlists"] == 6
    finally:
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=10) == 0
        if process.stdout is not None:
            process.stdout.close()
