"""Translated errors for Spotify's failures: one key per kind of failure, Retry-After kept."""

from __future__ import annotations

import pytest

from custom_components.spotifreak.const import DOMAIN
from custom_components.spotifreak.core.errors import (
    SpotifyError,
    SpotifyForbiddenError,
    SpotifyNotFoundError,
    SpotifyQuotaError,
    SpotifyRateLimitError,
    SpotifyReauthError,
    SpotifyUnavailableError,
)
from custom_components.spotifreak.errors import spotify_error


@pytest.mark.parametrize(
    ("error", "key", "retry_after"),
    [
        (SpotifyReauthError("400", status=400), "reauth_required", "0"),
        (SpotifyRateLimitError("429", retry_after=42), "rate_limited", "42"),
        (SpotifyQuotaError("429", retry_after=7200), "quota_exceeded", "7200"),
        (SpotifyForbiddenError("403", status=403), "spotify_forbidden", "0"),
        (SpotifyNotFoundError("404", status=404), "spotify_not_found", "0"),
        (SpotifyUnavailableError("503", status=503), "spotify_unavailable", "0"),
        (SpotifyError("?"), "spotify_unavailable", "0"),
    ],
)
def test_each_failure_has_its_message(error: SpotifyError, key: str, retry_after: str) -> None:
    raised = spotify_error(error)
    assert raised.translation_domain == DOMAIN
    assert raised.translation_key == key
    assert raised.translation_placeholders == {"retry_after": retry_after}
