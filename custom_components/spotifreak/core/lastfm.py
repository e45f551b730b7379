"""An async Last.fm client for `user.getTopTracks`, on Home Assistant's shared aiohttp session.

Last.fm's JSON is loose: every number is a string, a single result may come as an object instead
of a one-element list, an empty result is `"track": []`, and errors (`{"error": code, "message"}`)
arrive with an error status or with HTTP 200. All of that is read here, so callers get typed
`LastfmTopTrack`s or one of the core's `LastfmError`s:

- 6 → `LastfmUserNotFoundError` (invalid parameters: for this method, an unknown user);
- 10, 26 → `LastfmAuthError` (invalid or suspended API key);
- 8, 11, 16, 29, HTTP 5xx/429, timeouts and network errors → retried a bounded number of times with
  backoff, then `LastfmUnavailableError`;
- anything else → `LastfmError`.

The API key travels in the query string, so it is in every URL aiohttp puts into its exceptions:
no URL is ever logged or put into a message, and messages are scrubbed of the key before use.
Errors are raised `from None` for the same reason (a chained aiohttp error would print the URL).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
import logging
import re
from typing import Any, Final

import aiohttp

from .errors import LastfmAuthError, LastfmError, LastfmUnavailableError, LastfmUserNotFoundError
from .matching import normalise_isrc

_LOGGER = logging.getLogger(__name__)

DEFAULT_API_URL: Final = "https://ws.audioscrobbler.com/2.0/"
PERIODS: Final = ("overall", "7day", "1month", "3month", "6month", "12month")
DEFAULT_PERIOD: Final = "7day"
DEFAULT_PAGE_SIZE: Final = 200  # per request; a limit up to this is one request
MAX_PAGES: Final = 50  # a guard against a server that never stops paging
ATTEMPTS: Final = 3
BACKOFF_SECONDS: tuple[float, ...] = (1.0, 4.0)  # between attempts; tests shorten it
REQUEST_TIMEOUT: float = 20.0  # seconds per request; tests shorten it

USER_NOT_FOUND_CODES: Final = frozenset({6})
AUTH_CODES: Final = frozenset({10, 26})
RETRY_CODES: Final = frozenset({8, 11, 16, 29})

_KEY_IN_URL: Final = re.compile(r"(api_key=)[^&\s'\"]+", re.IGNORECASE)
# Last.fm's sign-up allows 2 to 15 letters, digits, "-" and "_"; older accounts may differ, so
# names are only kept printable, without spaces, and short enough to be a name.
USERNAME_MAX: Final = 64


def valid_username(name: str) -> bool:
    """Return whether `name` can be a Last.fm user name (see `USERNAME_MAX`)."""
    name = name.strip()
    return (
        0 < len(name) <= USERNAME_MAX
        and name.isprintable()
        and not any(char.isspace() for char in name)
    )


@dataclass(frozen=True, slots=True)
class LastfmTopTrack:
    """One ranked top track (numbers converted from Last.fm's strings)."""

    rank: int
    title: str
    artist: str
    playcount: int = 0
    duration: int = 0  # seconds; 0 when Last.fm does not know
    mbid: str = ""
    url: str = ""
    # Last.fm's `user.getTopTracks` documents no ISRC (its `mbid` is MusicBrainz's recording id,
    # not an ISRC); a payload that names one (`isrc`) breaks ties between Spotify candidates.
    isrc: str = ""

    def as_dict(self) -> dict[str, str]:
        """Return the run record's form of an unmatched track."""
        return {"artist": self.artist, "title": self.title}


def _int(value: Any, default: int = 0) -> int:
    """Return a number Last.fm sends as a string ("12"), possibly empty or missing."""
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return default


def _as_list(value: Any) -> list[Any]:
    """Return a list as Last.fm may send it: a list, one object, nothing, or an empty string."""
    if isinstance(value, list):
        return value
    if isinstance(value, Mapping):
        return [value]
    return []


def _text(value: Any) -> str:
    """Return a name that may be a string or an object with `name` or `#text`."""
    if isinstance(value, Mapping):
        value = value.get("name") or value.get("#text") or ""
    return str(value or "").strip()


def parse_top_tracks(body: Mapping[str, Any]) -> tuple[list[LastfmTopTrack], int, int]:
    """Return the tracks, page and total pages of a checked `user.getTopTracks` body.

    Entries without a title or artist are skipped; a missing rank falls back to the position.
    Raises `LastfmError` when the body is not a top-tracks answer at all.
    """
    top = body.get("toptracks")
    if not isinstance(top, Mapping):
        raise LastfmError("Last.fm answered without a toptracks object")
    raw_attrs = top.get("@attr")
    attrs: Mapping[str, Any] = raw_attrs if isinstance(raw_attrs, Mapping) else {}
    page = max(1, _int(attrs.get("page"), 1))
    per_page = _int(attrs.get("perPage"), 0)
    total_pages = _int(attrs.get("totalPages"), page)
    tracks: list[LastfmTopTrack] = []
    for position, entry in enumerate(_as_list(top.get("track"))):
        if not isinstance(entry, Mapping):
            continue
        title = _text(entry.get("name"))
        artist = _text(entry.get("artist"))
        if not title or not artist:
            continue
        raw_entry_attrs = entry.get("@attr")
        entry_attrs: Mapping[str, Any] = (
            raw_entry_attrs if isinstance(raw_entry_attrs, Mapping) else {}
        )
        fallback = (page - 1) * per_page + position + 1 if per_page else position + 1
        tracks.append(
            LastfmTopTrack(
                rank=_int(entry_attrs.get("rank"), fallback) or fallback,
                title=title,
                artist=artist,
                playcount=_int(entry.get("playcount")),
                duration=max(0, _int(entry.get("duration"))),
                mbid=str(entry.get("mbid") or ""),
                url=str(entry.get("url") or ""),
                isrc=normalise_isrc(entry.get("isrc")),
            )
        )
    return tracks, page, total_pages


def error_for(code: int, message: str) -> LastfmError:
    """Return the core error for a Last.fm error code."""
    text = f"Last.fm error {code}: {message}" if message else f"Last.fm error {code}"
    if code in USER_NOT_FOUND_CODES:
        return LastfmUserNotFoundError(text, code=code)
    if code in AUTH_CODES:
        return LastfmAuthError(text, code=code)
    if code in RETRY_CODES:
        return LastfmUnavailableError(text, code=code)
    return LastfmError(text, code=code)


class LastfmClient:
    """Last.fm's web service for one API key, through an injected `aiohttp.ClientSession`.

    `sleep` is awaited between retries (tests pass one that does not wait).
    """

    def __init__(
        self,
        session: aiohttp.ClientSession,
        api_key: str,
        *,
        base_url: str = DEFAULT_API_URL,
        attempts: int = ATTEMPTS,
        backoff: Sequence[float] | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        timeout: float | None = None,
    ) -> None:
        """Initialize the client for one API key."""
        self._session = session
        self._api_key = api_key.strip()
        self.base_url = base_url if base_url.endswith("/") else f"{base_url}/"
        self._attempts = max(1, attempts)
        self._backoff = tuple(BACKOFF_SECONDS if backoff is None else backoff)
        self._sleep = sleep
        self._timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT if timeout is None else timeout)
        self.requests = 0  # requests sent, retries included

    def __repr__(self) -> str:
        """Return a representation without the API key."""
        return f"LastfmClient(base_url={self.base_url!r}, api_key=<redacted>)"

    @property
    def configured(self) -> bool:
        """Return whether an API key was given."""
        return bool(self._api_key)

    def scrub(self, text: str, *, api_key: str | None = None) -> str:
        """Return `text` without the API key (also inside URLs)."""
        for key in (self._api_key, api_key):
            if key:
                text = text.replace(key, "**REDACTED**")
        return _KEY_IN_URL.sub(r"\1**REDACTED**", text)

    async def top_tracks(
        self,
        username: str,
        period: str = DEFAULT_PERIOD,
        limit: int = 50,
        *,
        page_size: int | None = None,
    ) -> list[LastfmTopTrack]:
        """Return the user's top `limit` tracks for `period`, in rank order, paging as needed.

        `page_size` is the `limit` sent per request (default: `limit`, at most 200). Pages are
        joined by rank, so a server that pages by a smaller size than asked is read correctly.
        """
        if period not in PERIODS:
            raise ValueError(f"unknown Last.fm period {period!r}")
        if limit < 1:
            raise ValueError("limit must be at least 1")
        if not self._api_key:
            raise LastfmAuthError("No Last.fm API key is configured")
        per_request = max(1, min(page_size or limit, DEFAULT_PAGE_SIZE))
        collected: list[LastfmTopTrack] = []
        last_rank = 0
        page = 1
        while len(collected) < limit and page <= MAX_PAGES:
            body = await self._call(
                self._api_key,
                {
                    "method": "user.gettoptracks",
                    "user": username,
                    "period": period,
                    "limit": str(per_request),
                    "page": str(page),
                },
            )
            tracks, served_page, total_pages = parse_top_tracks(body)
            fresh = [track for track in tracks if track.rank > last_rank]
            fresh.sort(key=lambda track: track.rank)
            collected.extend(fresh)
            if fresh:
                last_rank = fresh[-1].rank
            if not fresh or served_page >= total_pages:
                break
            page = served_page + 1
        _LOGGER.debug(
            "Last.fm top tracks of %s (%s): %d of %d wanted",
            username,
            period,
            len(collected),
            limit,
        )
        return collected[:limit]

    async def validate(self, api_key: str, username: str) -> None:
        """Check an API key and user (for the options flow) with one cheap request.

        Raises `LastfmAuthError`, `LastfmUserNotFoundError`, `LastfmUnavailableError` or
        `LastfmError`; returns when both are good.
        """
        body = await self._call(
            api_key.strip(),
            {
                "method": "user.gettoptracks",
                "user": username.strip(),
                "period": "overall",
                "limit": "1",
                "page": "1",
            },
        )
        parse_top_tracks(body)

    # -- one request, with the error check and bounded retries -----------------------------------

    async def _call(self, api_key: str, params: Mapping[str, str]) -> Mapping[str, Any]:
        if not api_key:
            raise LastfmAuthError("No Last.fm API key is configured")
        query = {**params, "api_key": api_key, "format": "json"}
        method = params.get("method", "")
        for attempt in range(self._attempts):
            outcome = await self._attempt(api_key, query)
            if not isinstance(outcome, LastfmError):
                return outcome
            error = outcome
            if not isinstance(error, LastfmUnavailableError) or attempt + 1 >= self._attempts:
                raise error from None
            delay = self._backoff[min(attempt, len(self._backoff) - 1)] if self._backoff else 0.0
            _LOGGER.debug("Last.fm %s failed (%s); retrying in %.1fs", method, error, delay)
            await self._sleep(delay)
        raise AssertionError("unreachable")  # pragma: no cover

    async def _attempt(
        self, api_key: str, query: Mapping[str, str]
    ) -> Mapping[str, Any] | LastfmError:
        """Send one request; return the body, or the error it amounts to (not raised)."""
        self.requests += 1
        try:
            async with self._session.get(
                self.base_url, params=query, timeout=self._timeout
            ) as response:
                status = response.status
                try:
                    body: Any = await response.json(content_type=None)
                except (ValueError, aiohttp.ContentTypeError):
                    body = None
        except TimeoutError:
            return LastfmUnavailableError("Last.fm did not answer in time")
        except aiohttp.ClientError as err:
            _LOGGER.debug(
                "Last.fm could not be reached: %s", self.scrub(repr(err), api_key=api_key)
            )
            return LastfmUnavailableError("Last.fm could not be reached")
        if isinstance(body, Mapping) and "error" in body:
            code = _int(body.get("error"), -1)
            message = self.scrub(str(body.get("message") or ""), api_key=api_key)
            return error_for(code, message)
        if status == 429 or status >= 500:
            return LastfmUnavailableError(f"Last.fm answered HTTP {status}")
        if status >= 400:
            return LastfmError(f"Last.fm answered HTTP {status}")
        if not isinstance(body, Mapping):
            return LastfmUnavailableError("Last.fm answered with something that is not JSON")
        return body
