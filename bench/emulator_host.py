"""The emulator on its own thread and event loop, so that what it does never counts as a stall of
the event loop being measured, and the code under test reaches it over real loopback HTTP.

Everything that touches the emulator's state (its library, request log, rate limiter) goes through
`EmulatorHost.call`, which runs on the emulator's loop; between runs (nothing in flight) reading
counters directly is also safe.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
import concurrent.futures
import math
import threading
from types import TracebackType
from typing import Any

import spotipy

from custom_components.spotifreak.core.spotify import SpotifyClient, build_spotipy
from tests.emulator import Emulator, Library


class EmulatorHost:
    """Start an `Emulator` serving `library` on 127.0.0.1 in a daemon thread."""

    def __init__(self, library: Library, *, latency: float = 0.0) -> None:
        self.emulator = Emulator(library, latency=latency, token_lifetime=24 * 3600)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._serve, name="emulator", daemon=True)
        self._ready = threading.Event()
        self._clients: list[spotipy.Spotify] = []

    def _serve(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._loop.run_until_complete(self.emulator.start(host="127.0.0.1", port=0))
        self._ready.set()
        self._loop.run_forever()
        self._loop.run_until_complete(self.emulator.stop())
        self._loop.close()

    def start(self) -> EmulatorHost:
        """Start serving (returns when the port is open)."""
        self._thread.start()
        if not self._ready.wait(30):
            raise RuntimeError("the emulator did not start")
        return self

    def stop(self) -> None:
        """Close the clients made here and stop the emulator."""
        for client in self._clients:
            client._session.close()  # spotipy has no public close
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    def __enter__(self) -> EmulatorHost:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def call[T](self, fn: Callable[[], T]) -> T:
        """Run `fn()` on the emulator's loop and return its result (blocking)."""
        future: concurrent.futures.Future[T] = concurrent.futures.Future()

        def run() -> None:
            try:
                future.set_result(fn())
            except BaseException as err:  # handed back to the caller
                future.set_exception(err)

        self._loop.call_soon_threadsafe(run)
        return future.result(60)

    # -- conveniences ---------------------------------------------------------------------------

    @property
    def library(self) -> Library:
        """The live library (mutate it through `call`, or only while nothing is in flight)."""
        return self.emulator.library

    def spotify_calls(self) -> int:
        """Requests received under `/v1/` so far."""
        return self.call(lambda: self.emulator.spotify_calls)

    def counters(self) -> dict[str, int]:
        """Requests per endpoint so far."""
        return self.call(self.emulator.counters)

    def statuses(self, since: int = 0) -> dict[int, int]:
        """How many `/v1/` requests (from index `since` of the log) got each status."""

        def count() -> dict[int, int]:
            found: dict[int, int] = {}
            for record in self.emulator.requests[since:]:
                if record.is_spotify:
                    found[record.status] = found.get(record.status, 0) + 1
            return found

        return self.call(count)

    def log_size(self) -> int:
        """Requests logged so far (an index for `statuses`)."""
        return self.call(lambda: len(self.emulator.requests))

    def set_rate_limit(self, max_requests: int | None, window: float = 30.0) -> None:
        """The rolling-window rate limit (None: off); the window starts empty."""
        self.call(lambda: self.emulator.set_rate_limit(max_requests, window))

    def access_token(self) -> str:
        """A fresh access token for the emulated account."""
        return str(self.call(self.emulator.issue_tokens)["access_token"])

    def client(self) -> SpotifyClient:
        """A `SpotifyClient` configured as the integration configures it, with a valid token."""
        spotipy_client = build_spotipy(self.emulator.api_url)
        self._clients.append(spotipy_client)
        client = SpotifyClient(spotipy_client=spotipy_client)
        client.set_token(self.access_token())
        return client

    def spotipy_client(self) -> spotipy.Spotify:
        """A plain spotipy client with spotipy's defaults, as the standalone daemon made one
        (retries off so that every request the emulator sees is one the code chose to send)."""
        client = spotipy.Spotify(auth=self.access_token(), retries=0, status_retries=0)
        client.prefix = self.emulator.api_url
        self._clients.append(client)
        return client


def pages(playlists: int, size: int = 50) -> int:
    """⌈P/size⌉ requests to list P playlists (at least one)."""
    return max(1, math.ceil(playlists / size))


def jsonable(value: Any) -> Any:
    """Round floats for the JSON output."""
    if isinstance(value, float):
        return round(value, 4)
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value
