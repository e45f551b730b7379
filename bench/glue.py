"""The integration's own core objects, wired for the benchmark without Home Assistant.

The playlist directory (`core/directory.py`: the cache and its policy) and the account's syncs
(`core/account_syncs.py`: contexts, locks, states, match cache, history) are what the integration
runs. This module only supplies what Home Assistant supplies to them: a runner that runs Spotify
jobs in the default executor, a simulated clock, and the coordinator's refresh schedule (the next
refresh one interval after the last one, whatever started it).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from custom_components.spotifreak.core.directory import PlaylistDirectory
from custom_components.spotifreak.core.spotify import SpotifyClient


class SimClock:
    """A settable clock (aware datetimes)."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now


class Runner:
    """A `SpotifyRunner`: the job in the default executor, on one client."""

    def __init__(self, client: SpotifyClient) -> None:
        self._client = client

    def __call__[T](self, job: Callable[[SpotifyClient], T]) -> Awaitable[T]:
        return asyncio.get_running_loop().run_in_executor(None, job, self._client)


class Schedule:
    """The coordinator's part: a directory refreshed when due; refreshes and their calls counted.

    Every refresh the directory needs (a stale cache, a name miss) runs through `refresh` too,
    as the coordinator runs it as its own update.
    """

    def __init__(
        self,
        client: SpotifyClient,
        clock: Callable[[], datetime],
        user_id: str,
        *,
        interval: timedelta,
    ) -> None:
        self.client = client
        self.clock = clock
        self.interval = interval
        self.directory = PlaylistDirectory(
            user_id,
            Runner(client),
            clock=clock,
            stale_after=2 * interval,
            refresh_with=self.refresh,
        )
        self.refreshes = 0
        self.refresh_calls = 0

    def due(self) -> bool:
        """Return whether the scheduled refresh has fallen due."""
        last = self.directory.cache.last_refreshed
        return last is None or self.clock() >= last + self.interval

    async def refresh(self) -> None:
        """Refresh the directory on a counting fork of the client, as the coordinator does."""
        fork = self.client.fork()
        await self.directory.refresh(Runner(fork))
        self.refreshes += 1
        self.refresh_calls += fork.counter.total
