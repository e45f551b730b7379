"""pytest fixtures for the emulator. Register with `pytest_plugins = ["tests.emulator.pytest_plugin"]`
in the top-level `tests/conftest.py`.

- `emulator_library`: the library the `emulator` fixture serves; override it in a test module or
  conftest, or size it with `@pytest.mark.emulator(seed=..., playlists=..., liked=...,
  catalogue=..., lastfm_users=...)`.
- `emulator`: a started `Emulator` on a free 127.0.0.1 port on the test's event loop, with the
  `SPOTIFREAK_*` URL environment variables pointing at it; stopped after the test. Other marker
  keywords (`payload_shape`, `latency`, `token_lifetime`, ...) go to `Emulator(...)`.
- `spotify`: a spotipy client configured as the integration configures it, with a valid token.
- `spotipy_client(emu, token=None)` and `in_executor(fn, *args)` helpers.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
import functools
from typing import Any

import pytest

from .admin import GENERATE_KEYS
from .library import Library
from .server import Emulator


def _marker_kwargs(request: pytest.FixtureRequest) -> dict[str, Any]:
    marker = request.node.get_closest_marker("emulator")
    return dict(marker.kwargs) if marker else {}


@pytest.fixture
def emulator_library(request: pytest.FixtureRequest) -> Library:
    """A fresh copy of `Library.generate(seed=1)` (or the sizes given by the `emulator` marker)."""
    params = {k: v for k, v in _marker_kwargs(request).items() if k in GENERATE_KEYS}
    return Library.generate(**params)


@pytest.fixture
async def emulator(
    socket_enabled: None,
    emulator_library: Library,
    monkeypatch: pytest.MonkeyPatch,
    request: pytest.FixtureRequest,
) -> AsyncIterator[Emulator]:
    """A running emulator on 127.0.0.1; the integration's URL environment variables point at it."""
    options = {k: v for k, v in _marker_kwargs(request).items() if k not in GENERATE_KEYS}
    emu = Emulator(emulator_library, **options)
    await emu.start(host="127.0.0.1", port=0)
    for name, value in emu.env.items():
        monkeypatch.setenv(name, value)
    try:
        yield emu
    finally:
        await emu.stop()


def spotipy_client(emu: Emulator, token: str | None = None) -> Any:
    """A spotipy client configured exactly as the integration configures it, pointed at `emu`
    (a valid access token is issued when `token` is None). Its connection pool is closed when
    the emulator stops."""
    import spotipy

    client = spotipy.Spotify(
        auth=token if token is not None else emu.issue_tokens()["access_token"],
        retries=0,
        status_forcelist=(500, 502, 503, 504),
        requests_timeout=5,
    )
    client.prefix = emu.api_url
    emu.on_stop(client._session.close)
    return client


@pytest.fixture
def spotify(emulator: Emulator) -> Any:
    """A spotipy client on the running emulator, with a valid access token."""
    return spotipy_client(emulator)


async def in_executor[T](fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run a blocking call (spotipy) off the event loop the emulator serves on."""
    return await asyncio.get_running_loop().run_in_executor(
        None, functools.partial(fn, *args, **kwargs)
    )
