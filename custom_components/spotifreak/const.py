"""Constants of the Spotifreak integration."""

from __future__ import annotations

import logging
from typing import Final

DOMAIN: Final = "spotifreak"
LOGGER = logging.getLogger(__package__)

# Endpoint overrides, read from the environment at setup (defaults are the real services).
ENV_SPOTIFY_API_URL: Final = "SPOTIFREAK_SPOTIFY_API_URL"
ENV_SPOTIFY_ACCOUNTS_URL: Final = "SPOTIFREAK_SPOTIFY_ACCOUNTS_URL"
ENV_LASTFM_API_URL: Final = "SPOTIFREAK_LASTFM_API_URL"
DEFAULT_SPOTIFY_API_URL: Final = "https://api.spotify.com/v1/"
DEFAULT_SPOTIFY_ACCOUNTS_URL: Final = "https://accounts.spotify.com"
DEFAULT_LASTFM_API_URL: Final = "https://ws.audioscrobbler.com/2.0/"
# Pages named in the UI's texts (translations may not contain URLs: they are placeholders).
LASTFM_API_CREATE_URL: Final = "https://www.last.fm/api/account/create"
LASTFM_API_ACCOUNTS_URL: Final = "https://www.last.fm/api/accounts"

SPOTIFY_SCOPES: Final = (
    "playlist-read-private",
    "playlist-read-collaborative",
    "playlist-modify-public",
    "playlist-modify-private",
    "user-library-read",
    "user-read-private",
)

# Options
CONF_REFRESH_INTERVAL: Final = "refresh_interval"
CONF_INCLUDE_PUBLIC: Final = "include_public"
CONF_INCLUDE_PRIVATE: Final = "include_private"
CONF_INCLUDE_COLLABORATIVE: Final = "include_collaborative"
CONF_OWNERS: Final = "owners"
CONF_STALE_AFTER: Final = "stale_after"
CONF_STALE_POLICY: Final = "stale_policy"
CONF_EXPORT_PATH: Final = "export_path"
CONF_LASTFM_API_KEY: Final = "lastfm_api_key"
CONF_LASTFM_USERNAME: Final = "lastfm_username"
CONF_HISTORY_VERSIONS: Final = "history_versions"
CONF_HISTORY_MAX_BYTES: Final = "history_max_bytes"
CONF_DAILY_CALL_BUDGET: Final = "daily_call_budget"
CONF_AUTHORIZATION_LIFETIME: Final = "authorization_lifetime_months"

# Entry data: when the account authorized Spotifreak (setup, reauth, reconfigure), ISO 8601.
DATA_AUTHORIZED_AT: Final = "authorized_at"

DEFAULT_REFRESH_INTERVAL: Final = 30  # minutes
MIN_REFRESH_INTERVAL: Final = 5
MAX_REFRESH_INTERVAL: Final = 1440
STALE_POLICY_FETCH: Final = "fetch"
STALE_POLICY_WARN: Final = "warn"
STALE_POLICIES: Final = (STALE_POLICY_FETCH, STALE_POLICY_WARN)
# The playlist history's bounds (defaults in core/history.py).
MIN_HISTORY_VERSIONS: Final = 1
MAX_HISTORY_VERSIONS: Final = 100
MIN_HISTORY_MAX_BYTES: Final = 100_000
MAX_HISTORY_MAX_BYTES: Final = 100_000_000
MIN_DAILY_CALL_BUDGET: Final = 10
MAX_DAILY_CALL_BUDGET: Final = 1_000_000

# Action fields
ATTR_CONFIG_ENTRY_ID: Final = "config_entry_id"
ATTR_PLAYLIST: Final = "playlist"
ATTR_DRY_RUN: Final = "dry_run"

# Events
EVENT_CACHE_REFRESHED: Final = "spotifreak_cache_refreshed"
EVENT_SYNC_FINISHED: Final = "spotifreak_sync_finished"
EVENT_PLAYLIST_SNAPSHOT: Final = "spotifreak_playlist_snapshot"

STORAGE_VERSION: Final = 1
