"""Diagnostics: the entry, the cache's health and a sample of it, secrets redacted."""

from __future__ import annotations

from datetime import datetime
from itertools import islice
from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.core import HomeAssistant

from .api import SpotifyAccount
from .const import CONF_LASTFM_API_KEY, CONF_LASTFM_USERNAME
from .coordinator import PlaylistCacheCoordinator
from .health import AccountHealth
from .models import SpotifreakConfigEntry, SpotifreakData

TO_REDACT = {
    "access_token",
    "refresh_token",
    "token",
    "email",
    "client_secret",
    CONF_LASTFM_API_KEY,
    CONF_LASTFM_USERNAME,  # a Last.fm user name identifies a person
    "username",  # a Last.fm sync's user
}
SAMPLE_SIZE = 5


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: SpotifreakConfigEntry
) -> dict[str, Any]:
    """Return what a bug report needs, without secrets."""
    return {
        "entry": {
            "title": entry.title,
            "data": async_redact_data(dict(entry.data), TO_REDACT),
            "options": async_redact_data(dict(entry.options), TO_REDACT),
        },
        "cache": _cache(entry.runtime_data.coordinator),
        "spotify": _spotify(entry.runtime_data.spotify, entry.runtime_data.coordinator),
        "health": _health(entry.runtime_data.health, entry.runtime_data),
        "syncs": _syncs(entry),
    }


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def _health(health: AccountHealth, data: SpotifreakData) -> dict[str, Any]:
    coordinator = data.coordinator
    result = coordinator.last_refresh_result
    return {
        "authorized_at": _iso(health.authorized_at),
        "authorization_expires": _iso(health.expires_at),
        "authorization_lifetime_months": health.lifetime_months,
        "api_calls_24h": health.calls_24h(),
        "daily_call_budget": health.daily_call_budget,
        "last_refresh_result": str(result) if result is not None else None,
        "quota_until": _iso(data.spotify.quota_until),
    }


def _cache(coordinator: PlaylistCacheCoordinator) -> dict[str, Any]:
    cache = coordinator.data
    age = coordinator.cache_age
    return {
        "playlists": len(cache),
        "last_refreshed": cache.last_refreshed.isoformat() if cache.last_refreshed else None,
        "age_seconds": int(age.total_seconds()) if age is not None else None,
        "stale": coordinator.stale,
        "stale_after_minutes": int(coordinator.stale_after.total_seconds() // 60),
        "refresh_interval_minutes": int(coordinator.refresh_interval.total_seconds() // 60),
        "stale_policy": coordinator.stale_policy,
        "last_update_success": coordinator.last_update_success,
        "last_error": repr(coordinator.last_exception) if coordinator.last_exception else None,
        "last_refresh_calls": coordinator.last_refresh_calls,
        "sample": [record.as_dict() for record in islice(cache.records.values(), SAMPLE_SIZE)],
    }


def _spotify(spotify: SpotifyAccount, coordinator: PlaylistCacheCoordinator) -> dict[str, Any]:
    counter = spotify.client.counter
    return {
        "api_url": spotify.client.api_url,
        "api_calls": counter.total,
        "api_calls_by_endpoint": dict(sorted(counter.by_endpoint.items())),
        "retry_after_seconds": spotify.retry_after,
        "cache_hits": coordinator.directory.hits,
        "cache_misses": coordinator.directory.misses,
    }


def _syncs(entry: SpotifreakConfigEntry) -> dict[str, Any]:
    syncs = entry.runtime_data.syncs
    return {
        "configured": [
            {
                "type": subentry.subentry_type,
                "title": subentry.title,
                "options": async_redact_data(dict(subentry.data), TO_REDACT),
            }
            for subentry in entry.subentries.values()
        ],
        "match_cache_entries": len(syncs.runs.match_cache),
        "match_overrides": syncs.runs.match_cache.overrides(),
        "last_runs": [
            {
                key: run.as_dict()[key]
                for key in ("sync_type", "status", "reason", "added", "skipped", "api_calls")
            }
            for run in syncs.history.runs(limit=10)
        ],
    }
