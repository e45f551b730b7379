"""Fault injection, the rolling-window rate limit, and the request log."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field, fields
import itertools
import math
import time
from typing import Any

_FAULT_IDS = itertools.count(1)


def path_matches(pattern: str | None, path: str) -> bool:
    """`None` matches everything; `/v1/me/*` is a prefix; anything else is an exact path."""
    if pattern is None:
        return True
    if pattern.endswith("*"):
        return path.startswith(pattern[:-1])
    return path == pattern


@dataclass
class Fault:
    """A planned misbehaviour, applied before normal handling.

    Matching: `method` (None = any), `path` (None = any; exact, or a prefix ending in `*`) and
    `query` (None = any; else every given parameter must have that value, e.g. `{"offset": "50"}`
    for one page of a listing). The first `after` matching requests pass untouched, then the
    fault fires `times` times (None = forever) and retires.

    What it does when it fires, in this order:
    - `delay` seconds of extra latency (a fault with only a delay then lets the request through);
    - `drop`: close the connection without answering;
    - otherwise answer `status` with `body` (default: the error body of the service the path
      belongs to: Spotify `{"error": {"status", "message"}}`, accounts `{"error",
      "error_description"}`, Last.fm `{"error": code, "message", "links": []}`), `message`
      overriding the default message, `retry_after` as a `Retry-After` header, plus `headers`.
      A `str` body is served as is (text/html when it starts with `<`, else text/plain).
    - `lastfm_error`: the Last.fm error code to serve (its HTTP status defaults to the one Last.fm
      uses; `status=200` serves the error body with HTTP 200, as Last.fm sometimes does).

    With `applied`, the request is first handled normally (a write lands) and then answered with
    the fault (its `status`, or `drop`): a write whose answer says it failed though it did not.

    Or it lets the request be answered normally and then changes the JSON answer (a malformed
    page that is otherwise well served):
    - `items_dropped`: drop the last N entries of the answer's `items` list (its `total` and
      `next` stay: a page with fewer entries than `total` says);
    - `item_patch`: merge these keys into the entry at `item_index` of `items` (an entry with odd
      types, e.g. `{"owner": "someone"}`; a null entry becomes the patch itself);
    - `body_patch`: merge these keys into the answer itself (e.g. `{"next": None}` ends a listing
      early, `{"total": "many"}`).
    """

    status: int | None = None
    retry_after: int | None = None
    method: str | None = None
    path: str | None = None
    query: dict[str, str] | None = None
    times: int | None = 1
    after: int = 0
    drop: bool = False
    delay: float = 0.0
    message: str | None = None
    body: Any = None
    lastfm_error: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    items_dropped: int = 0
    item_patch: dict[str, Any] | None = None
    item_index: int = 0
    body_patch: dict[str, Any] | None = None
    applied: bool = False
    # bookkeeping
    id: int = field(default_factory=lambda: next(_FAULT_IDS))
    seen: int = 0
    fired: int = 0

    def __post_init__(self) -> None:
        if self.method is not None:
            self.method = self.method.upper()
        if self.passthrough and not self.delay and not self.modifies:
            raise ValueError(
                "a Fault needs status, drop, lastfm_error, body, delay, items_dropped, "
                "item_patch or body_patch"
            )
        if self.items_dropped < 0:
            raise ValueError("items_dropped must be >= 0")
        if self.times is not None and self.times < 1:
            raise ValueError("times must be >= 1 or None")

    @property
    def active(self) -> bool:
        return self.times is None or self.fired < self.times

    @property
    def modifies(self) -> bool:
        """Changes the normal answer instead of replacing it."""
        return (
            bool(self.items_dropped) or self.item_patch is not None or self.body_patch is not None
        )

    def modify(self, data: Any) -> Any:
        """Apply `items_dropped`, `item_patch` and `body_patch` to a normal JSON answer."""
        if not isinstance(data, dict):
            return data
        data = dict(data)
        items = data.get("items")
        if isinstance(items, list):
            items = list(items)
            if self.items_dropped:
                del items[max(0, len(items) - self.items_dropped) :]
            if self.item_patch is not None and 0 <= self.item_index < len(items):
                entry = items[self.item_index]
                patched = {**entry, **self.item_patch} if isinstance(entry, dict) else None
                items[self.item_index] = patched if patched is not None else dict(self.item_patch)
            data["items"] = items
        if self.body_patch is not None:
            data.update(self.body_patch)
        return data

    @property
    def passthrough(self) -> bool:
        """Lets the request through to normal handling (adding latency, or changing the answer)."""
        return (
            self.status is None
            and not self.drop
            and self.lastfm_error is None
            and self.body is None
        )

    def matches(self, method: str, path: str, query: Mapping[str, str] | None = None) -> bool:
        return (
            self.active
            and (self.method is None or self.method == method)
            and path_matches(self.path, path)
            and (
                self.query is None
                or all((query or {}).get(key) == value for key, value in self.query.items())
            )
        )

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Fault:
        allowed = {f.name for f in fields(cls)} - {"id", "seen", "fired"}
        unknown = set(data) - allowed
        if unknown:
            raise ValueError(f"unknown Fault fields: {sorted(unknown)}")
        return cls(**data)


class FaultSet:
    def __init__(self) -> None:
        self.faults: list[Fault] = []

    def add(self, fault: Fault) -> Fault:
        self.faults.append(fault)
        return fault

    def clear(self) -> None:
        self.faults.clear()

    def pick(self, method: str, path: str, query: Mapping[str, str] | None = None) -> Fault | None:
        """The fault that fires for this request, if any (counting `after` skips)."""
        for fault in self.faults:
            if not fault.matches(method, path, query):
                continue
            if fault.seen < fault.after:
                fault.seen += 1
                continue
            fault.seen += 1
            fault.fired += 1
            self.faults = [f for f in self.faults if f.active]
            return fault
        return None


class RateLimiter:
    """At most `max_requests` admitted requests in any rolling `window` seconds. `clock` (default
    `time.time`) can be swapped for a fake one in tests."""

    def __init__(self) -> None:
        self.clock: Callable[[], float] = time.time
        self.max_requests: int | None = None
        self.window = 30.0
        self.retry_after: int | None = None
        self._admitted: deque[float] = deque()

    def configure(
        self, max_requests: int | None, window: float = 30.0, retry_after: int | None = None
    ) -> None:
        self.max_requests = max_requests
        self.window = window
        self.retry_after = retry_after
        self._admitted.clear()

    def reset(self) -> None:
        self._admitted.clear()

    def admit(self, now: float | None = None) -> int | None:
        """None when admitted; otherwise the Retry-After seconds (until a slot frees)."""
        if self.max_requests is None:
            return None
        now = self.clock() if now is None else now
        while self._admitted and self._admitted[0] <= now - self.window:
            self._admitted.popleft()
        if len(self._admitted) < self.max_requests:
            self._admitted.append(now)
            return None
        if self.retry_after is not None:
            return self.retry_after
        return max(1, math.ceil(self._admitted[0] + self.window - now))

    def to_json(self) -> dict[str, Any]:
        return {
            "max_requests": self.max_requests,
            "window": self.window,
            "retry_after": self.retry_after,
            "in_window": len(self._admitted),
        }


@dataclass
class RequestRecord:
    """One request the emulator received (admin requests are not logged).

    `status` 0 = the connection was dropped. `endpoint` is the route template, e.g.
    `/v1/playlists/{playlist_id}/items` (the raw path for unknown routes). `body` is the parsed
    JSON body, the form fields for form posts, or None. `fault` is the id of the Fault that fired.
    """

    method: str
    path: str
    query: dict[str, str]
    status: int
    body: Any
    at: float
    endpoint: str = ""
    fault: int | None = None
    duration: float = 0.0

    @property
    def is_spotify(self) -> bool:
        return self.path.startswith("/v1/")

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def record_matches(record: RequestRecord, method: str | None, path: str | None) -> bool:
    if method is not None and record.method != method.upper():
        return False
    if path is None:
        return True
    if "{" in path:
        return path_matches(path, record.endpoint)
    return path_matches(path, record.path)
