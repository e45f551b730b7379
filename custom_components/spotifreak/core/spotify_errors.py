"""Spotify's failures in the project's words: one mapping from what came back to the core's errors.

- An error answer is read before spotipy parses it (a requests response hook on spotipy's
  session): spotipy 2.26.0 raises `AttributeError` on an error body whose `error` is a string or
  a list, as Spotify's quota answer may be, losing the status and `Retry-After`.
- Every 429 is a rate limit with its `Retry-After`, whatever its body; one naming
  `QUOTA_EXCEEDED` is Spotify's quota (`is_quota_exceeded`, the one place that recognises it).
- A 5xx still surfaces as spotipy's "Max Retries" (urllib3 raises before any hook sees the
  answer); its real status is read back from urllib3's reason.
- Messages say what happened and what was being done ("Spotify did not answer (HTTP 503) while
  adding tracks to a playlist"); spotipy's words, endpoint templates and Python's exception
  names go to the DEBUG log only.
- spotipy's own log is kept clean: tokens redacted, its answers (the account's e-mail among
  them) left out, its per-error lines and its "rate/request limit" warning for every 5xx
  lowered to DEBUG.
"""

from __future__ import annotations

from collections.abc import Mapping
import logging
import re
from typing import Any, Final

import requests
import spotipy

from .errors import (
    PLAYLIST,
    SpotifyAuthError,
    SpotifyError,
    SpotifyForbiddenError,
    SpotifyMalformedError,
    SpotifyNotFoundError,
    SpotifyQuotaError,
    SpotifyRateLimitError,
    SpotifyRequestError,
    SpotifyUnavailableError,
)

_LOGGER = logging.getLogger(__name__)

DEFAULT_RETRY_AFTER: Final = 30
# What the client was doing, by endpoint (the names `SpotifyClient` counts calls by).
ACTIONS: Final = {
    "GET me": "reading the Spotify account",
    "GET me/playlists": "listing the account's playlists",
    "GET playlists/{id}": f"reading {PLAYLIST}",
    "GET playlists/{id}/items": f"reading the tracks of {PLAYLIST}",
    "GET me/tracks": "reading the liked songs",
    "GET search": "searching for a track",
    "POST me/playlists": f"creating {PLAYLIST}",
    "POST playlists/{id}/items": f"adding tracks to {PLAYLIST}",
    "PUT playlists/{id}/items": f"replacing the tracks of {PLAYLIST}",
    "DELETE playlists/{id}/items": f"removing tracks from {PLAYLIST}",
}
_MAX_RETRIES_STATUS = re.compile(r"too many (\d{3}) error responses")
_BEARER = re.compile(r"(Bearer\s+)[A-Za-z0-9._~+/=-]+")


def told(problem: str, endpoint: str) -> str:
    """Return a message: the problem, and what the client was doing when it happened."""
    action = ACTIONS.get(endpoint)
    return f"{problem} while {action}" if action else problem


def is_quota_exceeded(body: str) -> bool:
    """Return whether a 429's body names Spotify's `QUOTA_EXCEEDED`, in whatever shape.

    Spotify does not publish the body: it has been seen as `{"error": {"status": 429,
    "message": ..., "reason": "QUOTA_EXCEEDED"}}`, and may be a string, a list, an HTML page or
    nothing.
    """
    return "QUOTA_EXCEEDED" in body.upper()


def _retry_after(headers: Mapping[str, str] | None) -> int:
    raw = (headers or {}).get("Retry-After") or (headers or {}).get("retry-after")
    try:
        return max(1, int(float(raw))) if raw is not None else DEFAULT_RETRY_AFTER
    except ValueError:
        return DEFAULT_RETRY_AFTER


def error_for_status(
    status: int | None,
    endpoint: str,
    *,
    headers: Mapping[str, str] | None = None,
    body: str = "",
) -> SpotifyError:
    """Return the project's error for an HTTP error status (every 429 is a rate limit)."""
    if status == 429:
        wait = _retry_after(headers)
        if is_quota_exceeded(body):
            problem = f"Spotify's quota for this app is used up for {wait} s"
            return SpotifyQuotaError(told(problem, endpoint), retry_after=wait, endpoint=endpoint)
        problem = f"Spotify is rate limiting this account for {wait} s"
        return SpotifyRateLimitError(told(problem, endpoint), retry_after=wait, endpoint=endpoint)
    kinds: dict[int, tuple[type[SpotifyError], str]] = {
        401: (SpotifyAuthError, "Spotify refused the access token"),
        403: (SpotifyForbiddenError, "Spotify does not allow this account to do that (HTTP 403)"),
        404: (SpotifyNotFoundError, "Spotify does not know it (HTTP 404)"),
    }
    if status in kinds:
        kind, problem = kinds[status]
    elif status is None or status >= 500:
        kind = SpotifyUnavailableError
        problem = f"Spotify did not answer (HTTP {status})" if status else "Spotify did not answer"
    else:
        kind, problem = SpotifyRequestError, f"Spotify refused the request (HTTP {status})"
    return kind(told(problem, endpoint), status=status, endpoint=endpoint)


def map_spotify_exception(err: spotipy.SpotifyException, endpoint: str) -> SpotifyError:
    """Turn spotipy's exception into this project's, recovering the real status.

    With `retries=0` and 5xx in `status_forcelist`, spotipy reports a 5xx as a 429 without headers
    ("Max Retries", reason "too many 500 error responses"); a real 429 keeps its headers.
    """
    status = err.http_status
    reason = str(err.reason or "")
    _LOGGER.debug("%s failed: spotipy raised %s, %s (%s)", endpoint, status, err.msg, reason)
    if status == 429 and "Max Retries" in str(err.msg):
        match = _MAX_RETRIES_STATUS.search(reason)
        real = int(match.group(1)) if match else None
        if real is None or real >= 500:
            return error_for_status(real, endpoint)
    return error_for_status(status, endpoint, headers=err.headers or {}, body=reason)


def connection_error(err: requests.RequestException, endpoint: str) -> SpotifyUnavailableError:
    """Return the project's error for a request that got no answer (dropped, refused, timed out).

    Such a write may or may not have been applied.
    """
    _LOGGER.debug("%s failed: %r", endpoint, err)
    if isinstance(err, requests.Timeout):
        return SpotifyUnavailableError(
            told("Spotify did not answer in time", endpoint), endpoint=endpoint
        )
    return SpotifyUnavailableError(
        told("Spotify could not be reached", endpoint), endpoint=endpoint
    )


def malformed_error(endpoint: str, detail: str) -> SpotifyMalformedError:
    """Return the project's error for an answer with HTTP 200 that is not what was asked."""
    _LOGGER.debug("%s answered something malformed: %s", endpoint, detail)
    problem = "Spotify's answer could not be read (a proxy or a captive portal in between?)"
    return SpotifyMalformedError(told(problem, endpoint), endpoint=endpoint)


class UnparsedAnswerError(Exception):
    """An error answer, read before spotipy parses it (spotipy 2.26.0 cannot parse them all)."""

    def __init__(self, status: int, headers: Mapping[str, str], body: str) -> None:
        """Initialize the answer with its status, headers and body text."""
        super().__init__(status)
        self.status = status
        self.headers = dict(headers)
        self.body = body

    def error(self, endpoint: str) -> SpotifyError:
        """Return the project's error for this answer."""
        _LOGGER.debug("%s failed: HTTP %s, %s", endpoint, self.status, self.body[:500])
        return error_for_status(self.status, endpoint, headers=self.headers, body=self.body)


def intercept_error_answers(response: requests.Response, *_args: Any, **_kwargs: Any) -> None:
    """Raise `UnparsedAnswerError` for an error status (a response hook on spotipy's session)."""
    if response.status_code >= 400:
        raise UnparsedAnswerError(response.status_code, response.headers, response.text)


class _SpotipyLogFilter(logging.Filter):
    """Keep tokens and the account out of spotipy's log, and its misleading lines out of the log.

    spotipy logs request headers (the bearer token) and every answer (`RESULTS:`, the account's
    e-mail among them) at DEBUG, every HTTP error at ERROR, and every 5xx as "a rate/request
    limit" at WARNING; the client reports errors itself, once, so spotipy's copies only appear
    when debugging.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if message.startswith("RESULTS:"):
            record.msg, record.args = "RESULTS: (left out by Spotifreak)", None
            return True
        if "Bearer" in message:
            record.msg = _BEARER.sub(r"\1**REDACTED**", message)
            record.args = None
        if record.levelno >= logging.WARNING and (
            message.startswith(("HTTP Error for", "Max Retries", "Your application has reached"))
        ):
            if not logging.getLogger("spotipy").isEnabledFor(logging.DEBUG):
                return False
            record.levelno, record.levelname = logging.DEBUG, "DEBUG"
        return True


_SPOTIPY_FILTER: Final = _SpotipyLogFilter()
for _name in ("spotipy.client", "spotipy.util"):
    if _SPOTIPY_FILTER not in logging.getLogger(_name).filters:
        logging.getLogger(_name).addFilter(_SPOTIPY_FILTER)
