"""The errors the core raises; the Home Assistant glue maps them to translated exceptions.

Their messages are what users read in run records and logs: the project's own words ("Spotify
did not answer (HTTP 503) while adding tracks to "Oct25""), never spotipy's or Python's. The
technical detail goes to the DEBUG log where the error is made.
"""

from __future__ import annotations


class SpotifreakError(Exception):
    """Base of every error the core raises."""


PLAYLIST: str = "{playlist}"  # where a message names the playlist it was about


class SpotifyError(SpotifreakError):
    """Spotify answered with an error, or could not be reached.

    A message may name a playlist it does not know yet (`{playlist}`): "a playlist" until a
    caller that knows which one says so with `about`.
    """

    def __init__(self, message: str, *, status: int | None = None, endpoint: str = "") -> None:
        """Initialize the error with its message, the HTTP status and the endpoint."""
        super().__init__(message.replace(PLAYLIST, "a playlist"))
        self.template = message
        self.status = status
        self.endpoint = endpoint

    def about(self, playlist: str) -> SpotifyError:
        """Name the playlist the failure was about in the message; return the error itself."""
        if PLAYLIST in self.template:
            self.args = (self.template.replace(PLAYLIST, f'"{playlist}"'),)
        return self


class SpotifyAuthError(SpotifyError):
    """401: the access token was refused (expired or revoked); refresh it once and retry."""


class SpotifyReauthError(SpotifyAuthError):
    """Spotify refused the refresh token (expired after six months, or revoked): authorize again."""


class SpotifyRateLimitError(SpotifyError):
    """429: no call to Spotify for this account before `retry_after` seconds have passed."""

    def __init__(self, message: str, *, retry_after: int, endpoint: str = "") -> None:
        """Initialize the error with Spotify's Retry-After."""
        super().__init__(message, status=429, endpoint=endpoint)
        self.retry_after = retry_after


class SpotifyQuotaError(SpotifyRateLimitError):
    """429 naming `QUOTA_EXCEEDED`: the quota of the app's developer is used up.

    Since July 2026 a developer's development-mode apps share one quota; Spotify may then block
    for hours. Still a rate limit: no call before `retry_after` seconds have passed.
    """


class SpotifyUnavailableError(SpotifyError):
    """5xx or a network failure, after the bounded retries allowed for reads."""


class SpotifyMalformedError(SpotifyUnavailableError):
    """An answer with HTTP 200 that is not what was asked: never taken for a short answer.

    Spotify, or something in between such as a captive portal, answered a body that is not
    JSON, a page without `items`, or a listing that ended before holding as many entries as its
    `total` said.
    """


class SpotifyNotFoundError(SpotifyError):
    """404: unknown id, or a Spotify-owned playlist that Spotify hides from newer apps."""


class SpotifyForbiddenError(SpotifyError):
    """403: the account may not read or modify this playlist (followed, not collaborative)."""


class SpotifyRequestError(SpotifyError):
    """Any other 4xx: the request itself was wrong."""


class LastfmError(SpotifreakError):
    """Last.fm answered with an error body (possibly under HTTP 200) or could not be reached."""

    def __init__(self, message: str, *, code: int | None = None) -> None:
        """Initialize the error with Last.fm's error code."""
        super().__init__(message)
        self.code = code


class LastfmUserNotFoundError(LastfmError):
    """Error 6: the user does not exist (or the parameters are invalid)."""


class LastfmAuthError(LastfmError):
    """Errors 10 and 26: the API key is invalid or suspended; the user must fix the options."""


class LastfmUnavailableError(LastfmError):
    """Errors 8, 11, 16, 29 or 5xx/network, after the bounded retries."""


class LocalSaveError(SpotifreakError):
    """What must be on disk before a write to Spotify could not be saved: nothing was written."""


class HistorySaveError(SpotifreakError):
    """A playlist's version could not be saved before a write that needed it: nothing was written."""
