"""What a sync run is given: Spotify access, the playlist directory, the clock, its own state."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .directory import PlaylistDirectory
from .spotify import SpotifyRunner


@dataclass(slots=True)
class SyncContext:
    """Everything one run needs.

    Home Assistant builds it in `syncs.py`; tests and the benchmark build it over a
    `SpotifyClient` and a `PlaylistDirectory` of their own.
    """

    run_spotify: SpotifyRunner  # bound to a client that counts this run's calls
    playlists: PlaylistDirectory  # the account's shared cache
    now: Callable[[], datetime]  # aware, in Home Assistant's time zone
    calls: Callable[[], int]  # Spotify requests this run has made so far
    target_lock: Callable[[str], asyncio.Lock]  # one lock per playlist id, shared by all runs
    state: dict[str, Any] = field(default_factory=dict)  # this sync's persisted state
    extras: dict[str, Any] = field(default_factory=dict)  # e.g. the Last.fm client
