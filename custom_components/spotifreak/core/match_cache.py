"""The persisted match cache: Last.fm (artist, title) → Spotify track URI, or a remembered miss.

A user's word wins: `set_override` fixes a match (a URI) or forbids one (`None`) for good — an
override is answered before any search, never expires and is never pruned, and the searches of
later runs never replace it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from .matching import fold
from .timestamps import parse_time

DEFAULT_MISS_TTL: Final = timedelta(days=7)
DEFAULT_MAX_ENTRIES: Final = 5000
STORE_VERSION: Final = 1


def cache_key(artist: str, title: str) -> str:
    """Return the cache key: folded artist and full title ("(Live)" is an entry of its own)."""
    return f"{fold(artist)}\x1f{fold(title)}"


# An entry's `by`: who said so (absent: a search found it).
BY_USER: Final = "user"


@dataclass(frozen=True, slots=True)
class CachedMatch:
    """What the cache knows: a track URI, or `uri=None` for a miss (or a forbidden match)."""

    uri: str | None
    overridden: bool = False  # set by the user (`set_override`)


def _utcnow() -> datetime:
    return datetime.now(UTC)


class MatchCache:
    """Last.fm (artist, title) → Spotify track URI, or a remembered miss with an expiry.

    Matches do not expire; misses expire after `miss_ttl` (the song may reach Spotify later).
    Every entry carries when it was last used; beyond `max_entries` the least recently used
    searched entries go. The user's overrides stay (see the module docstring).
    The owner persists `to_store()` (whenever `dirty`) and rebuilds with `from_store()`.
    """

    def __init__(
        self,
        *,
        clock: Callable[[], datetime] = _utcnow,
        miss_ttl: timedelta = DEFAULT_MISS_TTL,
        max_entries: int = DEFAULT_MAX_ENTRIES,
    ) -> None:
        """Initialize an empty cache."""
        self._clock = clock
        self.miss_ttl = miss_ttl
        self.max_entries = max_entries
        # key → {"uri": str | None, "used": iso, "expires": iso (searched misses only),
        #        "by": "user" (overrides only)}
        self._entries: dict[str, dict[str, str | None]] = {}
        self.dirty = False

    def __len__(self) -> int:
        """Return the number of entries."""
        return len(self._entries)

    def lookup(self, artist: str, title: str) -> CachedMatch | None:
        """Return the cached answer; None when the track must be searched (unknown, expired miss)."""
        key = cache_key(artist, title)
        entry = self._entries.get(key)
        if entry is None:
            return None
        now = self._clock()
        expires = entry.get("expires")
        if expires is not None and _expired(expires, now):
            del self._entries[key]
            self.dirty = True
            return None
        entry["used"] = now.isoformat()
        self.dirty = True
        return CachedMatch(uri=entry.get("uri"), overridden=entry.get("by") == BY_USER)

    def remember_match(self, artist: str, title: str, uri: str) -> None:
        """Remember a matched track (unless the user said otherwise)."""
        self._remember(cache_key(artist, title), {"uri": uri})

    def remember_miss(self, artist: str, title: str) -> None:
        """Remember that nothing matched, until `miss_ttl` has passed (unless the user said)."""
        expires = self._clock() + self.miss_ttl
        self._remember(cache_key(artist, title), {"uri": None, "expires": expires.isoformat()})

    def set_override(self, artist: str, title: str, uri: str | None) -> None:
        """Fix the match of a Last.fm track to `uri`, or forbid any match (`None`), for good."""
        self._put(cache_key(artist, title), {"uri": uri, "by": BY_USER})

    def forget(self, artist: str, title: str) -> None:
        """Drop an entry (e.g. a URI Spotify no longer accepts)."""
        if self._entries.pop(cache_key(artist, title), None) is not None:
            self.dirty = True

    def overrides(self) -> int:
        """Return how many entries the user set."""
        return sum(1 for entry in self._entries.values() if entry.get("by") == BY_USER)

    def _remember(self, key: str, entry: dict[str, str | None]) -> None:
        existing = self._entries.get(key)
        if existing is None or existing.get("by") != BY_USER:
            self._put(key, entry)

    def _put(self, key: str, entry: dict[str, str | None]) -> None:
        entry["used"] = self._clock().isoformat()
        self._entries.pop(key, None)
        self._entries[key] = entry
        self.dirty = True
        self._prune()

    def _prune(self) -> None:
        """Keep at most `max_entries` searched entries: expired misses first, then the least used."""
        if len(self._entries) <= self.max_entries:  # searched entries are among them
            return
        searched = [key for key, entry in self._entries.items() if entry.get("by") != BY_USER]
        if len(searched) <= self.max_entries:
            return
        now = self._clock()
        for key in searched:
            expires = self._entries[key].get("expires")
            if expires is not None and _expired(expires, now):
                del self._entries[key]
        searched = [key for key in searched if key in self._entries]
        excess = len(searched) - self.max_entries
        if excess > 0:
            oldest = sorted(searched, key=lambda key: str(self._entries[key].get("used")))
            for key in oldest[:excess]:
                del self._entries[key]

    def to_store(self) -> dict[str, Any]:
        """Return the JSON-ready stored form."""
        self.dirty = False
        return {"version": STORE_VERSION, "entries": {k: dict(v) for k, v in self._entries.items()}}

    @classmethod
    def from_store(
        cls,
        data: Mapping[str, Any] | None,
        *,
        clock: Callable[[], datetime] = _utcnow,
        miss_ttl: timedelta = DEFAULT_MISS_TTL,
        max_entries: int = DEFAULT_MAX_ENTRIES,
    ) -> MatchCache:
        """Rebuild from `to_store()`, dropping unreadable entries (or an unreadable store)."""
        cache = cls(clock=clock, miss_ttl=miss_ttl, max_entries=max_entries)
        entries = (data or {}).get("entries") if isinstance(data, Mapping) else None
        if not isinstance(entries, Mapping):
            return cache
        for key, raw in _valid_entries(entries.items()):
            cache._entries[key] = raw
        cache._prune()
        return cache


def _valid_entries(
    items: Iterable[tuple[Any, Any]],
) -> Iterable[tuple[str, dict[str, str | None]]]:
    for key, raw in items:
        if not isinstance(key, str) or not isinstance(raw, Mapping):
            continue
        uri = raw.get("uri")
        expires = raw.get("expires")
        used = raw.get("used")
        by_user = raw.get("by") == BY_USER
        if uri is not None and not isinstance(uri, str):
            continue
        if uri is None and not by_user and not isinstance(expires, str):
            continue  # a searched miss needs its expiry
        if any(time is not None and parse_time(str(time)) is None for time in (expires, used)):
            continue
        entry: dict[str, str | None] = {"uri": uri, "used": str(used) if used else ""}
        if by_user:
            entry["by"] = BY_USER
        elif expires is not None:
            entry["expires"] = str(expires)
        yield key, entry


def _expired(expires: str | None, now: datetime) -> bool:
    moment = parse_time(expires)
    return moment is None or moment <= now
