"""The account's Spotify calls over a rolling day, in per-minute buckets that survive restarts.

Spotify throttles development-mode apps at roughly 800 to 1 400 calls a day, and since July 2026
a developer's apps share one quota: what matters is the calls of the last 24 hours, not only the
30-second window. Every request `SpotifyClient` sends is counted here (from executor threads, so
counting is locked); the host stores `to_store()` now and then — never on every call — and
loads it back with `load()` before the first call after a restart.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
import threading
from typing import Any, Final

WINDOW: Final = timedelta(hours=24)
_MINUTE: Final = 60
STORE_VERSION: Final = 1


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _minute(moment: datetime) -> int:
    """Return the bucket of a moment: whole minutes since the epoch."""
    return int(moment.timestamp()) // _MINUTE


class CallWindow:
    """Calls per minute over the last `WINDOW`; buckets older than that are dropped."""

    def __init__(self, *, clock: Callable[[], datetime] = _utcnow) -> None:
        """Initialize an empty window reading the time from `clock`."""
        self._clock = clock
        self._lock = threading.Lock()
        self._buckets: dict[int, int] = {}
        self.dirty = False  # counted since the last `to_store()`

    def add(self, count: int = 1) -> None:
        """Count calls made now (from any thread)."""
        minute = _minute(self._clock())
        with self._lock:
            self._buckets[minute] = self._buckets.get(minute, 0) + count
            self.dirty = True

    def total(self, now: datetime | None = None) -> int:
        """Return the calls of the last 24 hours, up to `now` (default: the clock's now)."""
        current = _minute(now or self._clock())
        oldest = current - int(WINDOW.total_seconds()) // _MINUTE
        with self._lock:
            return sum(n for minute, n in self._buckets.items() if oldest < minute <= current)

    def _prune(self, now: datetime) -> None:
        oldest = _minute(now) - int(WINDOW.total_seconds()) // _MINUTE
        for minute in [minute for minute in self._buckets if minute <= oldest]:
            del self._buckets[minute]

    def to_store(self) -> dict[str, Any]:
        """Return the JSON-ready stored form (buckets of the last day only)."""
        with self._lock:
            self._prune(self._clock())
            self.dirty = False
            return {"version": STORE_VERSION, "minutes": sorted(self._buckets.items())}

    def load(self, data: Mapping[str, Any] | None) -> None:
        """Add the stored buckets to this window; unreadable buckets are dropped, never fatal."""
        minutes = data.get("minutes") if isinstance(data, Mapping) else None
        if not isinstance(minutes, list):
            return
        with self._lock:
            for pair in minutes:
                if (
                    isinstance(pair, list | tuple)
                    and len(pair) == 2
                    and all(isinstance(v, int) and not isinstance(v, bool) for v in pair)
                    and pair[1] > 0
                ):
                    self._buckets[pair[0]] = self._buckets.get(pair[0], 0) + pair[1]
            self._prune(self._clock())
