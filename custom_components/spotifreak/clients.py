"""The clients of Spotify's Web API and of Last.fm, at their real addresses or the emulator's.

`SPOTIFREAK_SPOTIFY_API_URL` and `SPOTIFREAK_LASTFM_API_URL` point them elsewhere (development,
tests, the benchmark's Home Assistant); Spotify's accounts service is `application_credentials`'.
"""

from __future__ import annotations

import os

from homeassistant.core import HomeAssistant
from homeassistant.helpers.aiohttp_client import async_get_clientsession

from .const import (
    DEFAULT_LASTFM_API_URL,
    DEFAULT_SPOTIFY_API_URL,
    ENV_LASTFM_API_URL,
    ENV_SPOTIFY_API_URL,
)
from .core.lastfm import LastfmClient
from .core.spotify import SpotifyClient


def spotify_client() -> SpotifyClient:
    """Return a Web API client. Blocking: its requests session loads certificates."""
    return SpotifyClient(os.environ.get(ENV_SPOTIFY_API_URL, DEFAULT_SPOTIFY_API_URL))


def lastfm_client(hass: HomeAssistant, api_key: str) -> LastfmClient:
    """Return a Last.fm client for `api_key`, on Home Assistant's shared HTTP session."""
    base_url = os.environ.get(ENV_LASTFM_API_URL, DEFAULT_LASTFM_API_URL)
    return LastfmClient(async_get_clientsession(hass), api_key, base_url=base_url)
