"""Application credentials: where Spotify's accounts service lives."""

from __future__ import annotations

import os

from homeassistant.components.application_credentials import AuthorizationServer
from homeassistant.core import HomeAssistant

from .const import DEFAULT_SPOTIFY_ACCOUNTS_URL, ENV_SPOTIFY_ACCOUNTS_URL


async def async_get_authorization_server(hass: HomeAssistant) -> AuthorizationServer:
    """Return Spotify's authorize and token URLs (overridable for the emulator)."""
    base = os.environ.get(ENV_SPOTIFY_ACCOUNTS_URL, DEFAULT_SPOTIFY_ACCOUNTS_URL).rstrip("/")
    return AuthorizationServer(authorize_url=f"{base}/authorize", token_url=f"{base}/api/token")


async def async_get_description_placeholders(hass: HomeAssistant) -> dict[str, str]:
    """Return the placeholders of the application credentials dialog."""
    return {
        "developer_dashboard_url": "https://developer.spotify.com/dashboard",
        "redirect_url": "https://my.home-assistant.io/redirect/oauth",
    }
