"""What a sync run is given: Spotify access, the playlist directory, the clock, its own state."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .directory import PlaylistDirectory
from .history import HistoryKeeper
from .lastfm import LastfmClient
from .match_cache import MatchCache
from .spotify import SpotifyRunner


@dataclass(frozen=True, slots=True)
class LastfmContext:
    """What the Last.fm sync is given besides its options.

    `client`: the Last.fm client with the account's API key (None: no key set). `username`: the
    account's default Last.fm user, for syncs that name none. `match_cache`: the account's
    Last.fm → Spotify matches, shared by its Last.fm syncs (None: every track is searched).
    """

    client: LastfmClient | None = None
    username: str | None = None
    match_cache: MatchCache | None = None


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
    lastfm: LastfmContext = field(default_factory=LastfmContext)
    # The account's playlist history: versions taken before destructive writes, and the
    # playlists Spotifreak created. Without one given, a history in memory for this run alone.
    playlist_history: HistoryKeeper = field(default_factory=HistoryKeeper)
    # A dry run reads what it needs and writes nothing: no playlist created, no version taken.
    dry_run: bool = False
    run_id: str | None = None  # set by the engine when the run starts
    sync_id: str | None = None  # set by the engine when the run starts
