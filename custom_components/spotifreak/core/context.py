"""What a sync run is given: Spotify access, the playlist cache, the clock, its own state.

The Home Assistant glue implements these on top of the coordinator; tests implement them on top of
a `SpotifyClient` and a `PlaylistCache` directly. The syncs themselves only see these protocols.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, Protocol, TypeVar

from .records import PlaylistRecord
from .spotify import SpotifyClient

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Resolution:
    """A playlist reference resolved to a record."""

    record: PlaylistRecord
    source: Literal["cache", "fetch"]
    ambiguous: bool = False
    candidates: tuple[PlaylistRecord, ...] = ()


class SpotifyRunner(Protocol):
    """Runs `job(client)` in an executor thread with a valid token.

    A 401 refreshes the token once and runs the job again; other failures raise the core's
    `SpotifyError` subclasses. The client counts the calls of the run it belongs to.
    """

    def __call__(self, job: Callable[[SpotifyClient], T]) -> Awaitable[T]:
        """Run the job."""
        ...


class PlaylistDirectory(Protocol):
    """The shared playlist cache, as syncs use it."""

    @property
    def user_id(self) -> str:
        """The account's Spotify user id."""
        ...

    async def resolve(self, reference: str) -> Resolution | None:
        """Name, URI, URL or id → record: cache first, live fallback if the policy allows.

        None when the playlist cannot be found. Never raises for an unknown playlist.
        """
        ...

    def cached(self, playlist_id: str) -> PlaylistRecord | None:
        """The cached record, without any call."""
        ...

    def remember(self, record: PlaylistRecord) -> None:
        """Write a created or changed playlist (e.g. its new snapshot_id) into the cache."""
        ...


@dataclass(slots=True)
class SyncContext:
    """Everything one run needs."""

    run_spotify: SpotifyRunner
    playlists: PlaylistDirectory
    now: Callable[[], datetime]  # aware, in Home Assistant's time zone
    calls: Callable[[], int]  # Spotify requests this run has made so far
    target_lock: Callable[
        [str], asyncio.Lock
    ]  # one lock per target playlist id, shared by all runs
    state: dict[str, Any] = field(
        default_factory=dict
    )  # this sync's persisted state; the run updates it
    extras: dict[str, Any] = field(default_factory=dict)  # e.g. the Last.fm client and match cache
