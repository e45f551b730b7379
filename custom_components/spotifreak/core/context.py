"""What a sync run is given: Spotify access, the playlist directory, the clock, its own state."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final

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


# The state's list of targets (playlist ids, and `create:<name>` for a creation) a run was
# writing: set and saved before the first write, cleared when the run's result is saved.
WRITING: Final = "writing"


async def _nothing_to_save() -> None:
    return None


@dataclass(slots=True)
class SyncContext:
    """Everything one run needs.

    Home Assistant builds it in `syncs.py`; tests and the benchmark build it over a
    `SpotifyClient` and a `PlaylistDirectory` of their own.

    `save_state` stores this run's `state` now, awaited (the glue writes its Store at once):
    a target is marked as being written and saved before the first write to it, so that after
    a power loss or a kill its remembered contents, saved before that write, are not trusted.
    `unsure` holds what a run that ended uncleanly left marked: those targets are read again
    before anything is written to them (`core/target_contents.py`).
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
    save_state: Callable[[], Awaitable[None]] = _nothing_to_save
    unsure: set[str] = field(init=False)

    def __post_init__(self) -> None:
        """Note the targets an earlier run was writing when it stopped without saving."""
        marked = self.state.get(WRITING)
        self.unsure = {str(key) for key in marked} if isinstance(marked, list) else set()

    async def mark_writing(self, key: str) -> None:
        """Mark a target (a playlist id, or `create:<name>`) as being written; save it now."""
        marked = self.state.get(WRITING)
        if not isinstance(marked, list):
            marked = self.state[WRITING] = []
        if key not in marked:
            marked.append(key)
            await self.save_state()

    def settle(self) -> None:
        """Clear the marks with the run's result, which tells every write.

        What the state remembers is now true, or was forgotten. Marks an unclean stop left on
        targets this run did not read stay.
        """
        if self.unsure:
            self.state[WRITING] = sorted(self.unsure)
        else:
            self.state.pop(WRITING, None)
