"""Translated errors for failures of Spotify, raised by actions, buttons and refreshes."""

from __future__ import annotations

from homeassistant.exceptions import HomeAssistantError

from .const import DOMAIN
from .core.errors import (
    SpotifyError,
    SpotifyForbiddenError,
    SpotifyNotFoundError,
    SpotifyQuotaError,
    SpotifyRateLimitError,
    SpotifyReauthError,
)


def spotify_error_key(err: SpotifyError) -> str:
    """Return the translation key of a Spotify failure."""
    if isinstance(err, SpotifyReauthError):
        return "reauth_required"
    if isinstance(err, SpotifyQuotaError):
        return "quota_exceeded"
    if isinstance(err, SpotifyRateLimitError):
        return "rate_limited"
    if isinstance(err, SpotifyForbiddenError):
        return "spotify_forbidden"
    if isinstance(err, SpotifyNotFoundError):
        return "spotify_not_found"
    return "spotify_unavailable"


def spotify_error(err: SpotifyError) -> HomeAssistantError:
    """Return a translated error for a failure of Spotify (with its Retry-After, if any)."""
    return HomeAssistantError(
        translation_domain=DOMAIN,
        translation_key=spotify_error_key(err),
        translation_placeholders={"retry_after": str(getattr(err, "retry_after", 0) or 0)},
    )
