"""The emulator in a process of its own (`python -m tests.emulator`), steered over its admin API.

Used where the measured process must hold nothing but Home Assistant and the integration: with
the emulator's library (hundreds of thousands of objects) in the same process, every full garbage
collection would have to walk it too, and its pauses would be charged to the integration.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
import re
import subprocess
import sys
import time
from typing import Any

import requests

from custom_components.spotifreak.core.spotify import SpotifyClient, build_spotipy
from tests.emulator import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET

ROOT = Path(__file__).resolve().parents[1]
_LISTENING = re.compile(r"listening on (http://127\.0\.0\.1:\d+)")


@dataclass(slots=True)
class RemoteEmulator:
    """An emulator reached over HTTP at `base_url`."""

    base_url: str
    client_id: str = DEFAULT_CLIENT_ID
    client_secret: str = DEFAULT_CLIENT_SECRET

    def _admin(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        response = requests.request(
            method, f"{self.base_url}/_emulator/{path}", json=body, timeout=30
        )
        response.raise_for_status()
        return response.json()

    @property
    def api_url(self) -> str:
        return f"{self.base_url}/v1/"

    @property
    def env(self) -> dict[str, str]:
        """The environment variables that point the integration at this emulator."""
        return {
            "SPOTIFREAK_SPOTIFY_API_URL": self.api_url,
            "SPOTIFREAK_SPOTIFY_ACCOUNTS_URL": self.base_url,
            "SPOTIFREAK_LASTFM_API_URL": f"{self.base_url}/2.0/",
        }

    def state(self) -> dict[str, Any]:
        result: dict[str, Any] = self._admin("GET", "state")
        return result

    def issue_tokens(self) -> dict[str, Any]:
        """A fresh grant (access and refresh token, `expires_at`)."""
        result: dict[str, Any] = self._admin("POST", "tokens", {})
        return result

    def spotify_calls(self) -> int:
        return int(self.state()["spotify_calls"])

    def counters(self) -> dict[str, int]:
        result: dict[str, int] = self._admin("GET", "counters")
        return result

    def set_latency(self, seconds: float) -> None:
        self._admin("POST", "latency", {"seconds": seconds})

    def client(self) -> SpotifyClient:
        """A `SpotifyClient` configured as the integration configures it, with a valid token."""
        client = SpotifyClient(spotipy_client=build_spotipy(self.api_url))
        client.set_token(str(self.issue_tokens()["access_token"]))
        return client


@contextmanager
def emulator_process(dataset: Path, *, latency: float = 0.0) -> Iterator[RemoteEmulator]:
    """Serve `dataset` from a child process on a free loopback port; stop it afterwards."""
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.emulator",
            "--dataset",
            str(dataset),
            "--port",
            "0",
            "--latency",
            str(latency * 1000),
            "--token-lifetime",
            str(24 * 3600),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        deadline = time.monotonic() + 120
        base_url = None
        while base_url is None and time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line:
                raise RuntimeError(f"the emulator exited ({process.wait()})")
            if match := _LISTENING.search(line):
                base_url = match.group(1)
        if base_url is None:
            raise RuntimeError("the emulator did not start")
        yield RemoteEmulator(base_url)
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)
