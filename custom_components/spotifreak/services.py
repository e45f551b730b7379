"""Spotifreak's actions: schemas and thin handlers over the coordinator and the syncs."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

import voluptuous as vol

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import (
    HomeAssistant,
    ServiceCall,
    ServiceResponse,
    SupportsResponse,
    callback,
)
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import (
    config_validation as cv,
    device_registry as dr,
    entity_registry as er,
)

from .const import ATTR_CONFIG_ENTRY_ID, ATTR_DRY_RUN, ATTR_PLAYLIST, DOMAIN
from .core.duplicates import DUPLICATES_OPTIONS, SYNC_TYPE as SYNC_TYPE_DUPLICATES
from .core.errors import SpotifyError
from .core.restore import SYNC_TYPE as SYNC_TYPE_RESTORE
from .core.runs import RunRecord
from .errors import spotify_error
from .models import SpotifreakConfigEntry
from .sync_types import SYNC_TYPES, action_fields

SERVICE_REFRESH_PLAYLIST_CACHE = "refresh_playlist_cache"
SERVICE_RESOLVE_PLAYLIST = "resolve_playlist"
SERVICE_RUN_SYNC = "run_sync"
SERVICE_GET_RUN_HISTORY = "get_run_history"
SERVICE_SNAPSHOT_PLAYLIST = "snapshot_playlist"
SERVICE_LIST_PLAYLIST_VERSIONS = "list_playlist_versions"
SERVICE_RESTORE_PLAYLIST = "restore_playlist"
SERVICE_REMOVE_DUPLICATES = "remove_duplicates"
SERVICE_SET_LASTFM_MATCH = "set_lastfm_match"

ATTR_SYNC_ID = "sync_id"
HISTORY_LIMIT_DEFAULT = 20
HISTORY_LIMIT_MAX = 50

ENTRY_SCHEMA: dict[vol.Marker, Any] = {vol.Optional(ATTR_CONFIG_ENTRY_ID): cv.string}
DRY_RUN_SCHEMA: dict[vol.Marker, Any] = {vol.Optional(ATTR_DRY_RUN, default=False): cv.boolean}

REFRESH_SCHEMA = vol.Schema(ENTRY_SCHEMA)
RESOLVE_SCHEMA = vol.Schema({vol.Required(ATTR_PLAYLIST): cv.string, **ENTRY_SCHEMA})
# The actions that run a sync with inline options take its options (`sync_types.py`).
SYNC_SCHEMAS: dict[str, vol.Schema] = {
    key: vol.Schema(
        {
            **sync_type.action_fields(),
            vol.Optional(ATTR_SYNC_ID): cv.string,
            **DRY_RUN_SCHEMA,
            **ENTRY_SCHEMA,
        }
    )
    for key, sync_type in SYNC_TYPES.items()
}
RUN_SYNC_SCHEMA = vol.Schema(
    {
        vol.Optional(ATTR_SYNC_ID): cv.string,
        vol.Optional("entity_id"): cv.entity_ids,
        vol.Optional("device_id"): vol.All(cv.ensure_list, [cv.string]),
        **DRY_RUN_SCHEMA,
    }
)
PLAYLIST_SCHEMA = RESOLVE_SCHEMA
RESTORE_SCHEMA = vol.Schema(
    {
        vol.Required(ATTR_PLAYLIST): cv.string,
        vol.Optional("version"): vol.All(vol.Coerce(int), vol.Range(min=1)),
        vol.Optional("allow_local_loss", default=False): cv.boolean,
        **DRY_RUN_SCHEMA,
        **ENTRY_SCHEMA,
    }
)
DUPLICATES_SCHEMA = vol.Schema(
    {**action_fields(DUPLICATES_OPTIONS), **DRY_RUN_SCHEMA, **ENTRY_SCHEMA}
)
MATCH_SCHEMA = vol.Schema(
    {
        vol.Required("artist"): cv.string,
        vol.Required("title"): cv.string,
        vol.Required("track"): cv.string,
        **ENTRY_SCHEMA,
    }
)
HISTORY_SCHEMA = vol.Schema(
    {
        vol.Optional(ATTR_SYNC_ID): cv.string,
        vol.Optional("limit", default=HISTORY_LIMIT_DEFAULT): vol.All(
            vol.Coerce(int), vol.Range(min=1, max=HISTORY_LIMIT_MAX)
        ),
        **ENTRY_SCHEMA,
    }
)


@callback
def async_get_entry(hass: HomeAssistant, call: ServiceCall) -> SpotifreakConfigEntry:
    """Return the entry an action is for: the given one, or the only loaded one."""
    if entry_id := call.data.get(ATTR_CONFIG_ENTRY_ID):
        entry: SpotifreakConfigEntry | None = hass.config_entries.async_get_entry(entry_id)
        if entry is None or entry.domain != DOMAIN:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="entry_not_found",
                translation_placeholders={"entry_id": entry_id},
            )
        if entry.state is not ConfigEntryState.LOADED:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="entry_not_loaded",
                translation_placeholders={"entry_id": entry_id},
            )
        return entry
    loaded: list[SpotifreakConfigEntry] = hass.config_entries.async_loaded_entries(DOMAIN)
    if len(loaded) != 1:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="no_entry" if not loaded else "entry_required",
        )
    return loaded[0]


async def _async_refresh_playlist_cache(call: ServiceCall) -> ServiceResponse:
    coordinator = async_get_entry(call.hass, call).runtime_data.coordinator
    await coordinator.async_refresh_or_raise()
    return {
        "playlists": len(coordinator.data),
        "api_calls": coordinator.last_refresh_calls,
        "duration_ms": coordinator.last_refresh_duration_ms,
    }


async def _async_resolve_playlist(call: ServiceCall) -> ServiceResponse:
    coordinator = async_get_entry(call.hass, call).runtime_data.coordinator
    reference: str = call.data[ATTR_PLAYLIST]
    try:
        resolution = await coordinator.directory.resolve(reference)
    except SpotifyError as err:
        raise spotify_error(err) from err
    if resolution is None:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="playlist_not_found",
            translation_placeholders={"playlist": reference},
        )
    age = coordinator.cache_age
    result: dict[str, Any] = {
        "playlist": resolution.record.as_dict(),
        "source": resolution.source,
        "cache_age_seconds": int(age.total_seconds()) if age is not None else None,
        "ambiguous": resolution.ambiguous,
        "candidates": [record.as_dict() for record in resolution.candidates],
    }
    return result


def _sync_options(call: ServiceCall) -> dict[str, Any]:
    return {
        key: value
        for key, value in call.data.items()
        if key not in (ATTR_CONFIG_ENTRY_ID, ATTR_SYNC_ID, ATTR_DRY_RUN)
    }


def _sync_action(sync_type: str) -> Callable[[ServiceCall], Coroutine[Any, Any, ServiceResponse]]:
    """Return the handler of an action that runs a sync with inline options."""

    async def handle(call: ServiceCall) -> ServiceResponse:
        syncs = async_get_entry(call.hass, call).runtime_data.syncs
        record = await syncs.async_run(
            sync_type,
            _sync_options(call),
            sync_id=call.data.get(ATTR_SYNC_ID),
            dry_run=call.data[ATTR_DRY_RUN],
        )
        return record.as_dict()

    return handle


async def _async_snapshot_playlist(call: ServiceCall) -> ServiceResponse:
    syncs = async_get_entry(call.hass, call).runtime_data.syncs
    version = await syncs.async_snapshot(call.data[ATTR_PLAYLIST])
    return {
        "version": version.version,
        "tracks": len(version.items),
        "playlist": version.playlist_id,
        "name": version.name,
        "taken_at": version.taken_at.isoformat(),
        "unrestorable": len(version.unrestorable),
    }


async def _async_list_playlist_versions(call: ServiceCall) -> ServiceResponse:
    syncs = async_get_entry(call.hass, call).runtime_data.syncs
    record, versions = await syncs.async_versions(call.data[ATTR_PLAYLIST])
    result: dict[str, Any] = {"playlist": record.id, "name": record.name, "versions": versions}
    return result


def _playlist_action(sync_type: str) -> Callable[[ServiceCall], Awaitable[RunRecord]]:
    """Return the runner of an action on one playlist, recorded under its own sync id."""

    async def run(call: ServiceCall) -> RunRecord:
        syncs = async_get_entry(call.hass, call).runtime_data.syncs
        return await syncs.async_run(
            sync_type, _sync_options(call), sync_id=sync_type, dry_run=call.data[ATTR_DRY_RUN]
        )

    return run


async def _async_remove_duplicates(call: ServiceCall) -> ServiceResponse:
    return (await _playlist_action(SYNC_TYPE_DUPLICATES)(call)).as_dict()


async def _async_restore_playlist(call: ServiceCall) -> ServiceResponse:
    record = await _playlist_action(SYNC_TYPE_RESTORE)(call)
    target = record.targets[0] if record.targets else {}
    return {
        **record.as_dict(),
        "version": target.get("version"),
        "unrestorable": target.get("unrestorable", []),
    }


@callback
def _configured_syncs(
    hass: HomeAssistant, call: ServiceCall
) -> list[tuple[SpotifreakConfigEntry, str]]:
    """Return the (entry, subentry id) pairs a run_sync call names: sync_id, entity or device.

    Plain fields rather than a service target, so that one call can also name a sync by its
    id (a target selector with a `device` filter would be valid on every supported release).
    """
    entries: list[SpotifreakConfigEntry] = hass.config_entries.async_loaded_entries(DOMAIN)
    wanted: list[str] = []
    if sync_id := call.data.get(ATTR_SYNC_ID):
        wanted.append(sync_id)
    entity_registry = er.async_get(hass)
    for entity_id in call.data.get("entity_id", []):
        entity = entity_registry.async_get(entity_id)
        if entity is not None and entity.platform == DOMAIN and entity.config_subentry_id:
            wanted.append(entity.config_subentry_id)
    device_registry = dr.async_get(hass)
    for device_id in call.data.get("device_id", []):
        device = device_registry.async_get(device_id)
        if device is not None:
            wanted.extend(value for domain, value in device.identifiers if domain == DOMAIN)
    found: list[tuple[SpotifreakConfigEntry, str]] = []
    for sync in dict.fromkeys(wanted):
        owner = next((entry for entry in entries if sync in entry.subentries), None)
        if owner is not None:
            found.append((owner, sync))
    if not found:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="sync_not_found",
            translation_placeholders={"sync_id": ", ".join(wanted) or "-"},
        )
    return found


async def _async_run_sync(call: ServiceCall) -> ServiceResponse:
    runs: list[RunRecord] = []
    for entry, sync_id in _configured_syncs(call.hass, call):
        runs.append(
            await entry.runtime_data.syncs.async_run_configured(
                sync_id, dry_run=call.data[ATTR_DRY_RUN]
            )
        )
    return {"runs": [run.as_dict() for run in runs]}


async def _async_get_run_history(call: ServiceCall) -> ServiceResponse:
    syncs = async_get_entry(call.hass, call).runtime_data.syncs
    runs = syncs.history.runs(call.data.get(ATTR_SYNC_ID), call.data["limit"])
    return {"runs": [run.as_dict() for run in runs]}


async def _async_set_lastfm_match(call: ServiceCall) -> ServiceResponse:
    syncs = async_get_entry(call.hass, call).runtime_data.syncs
    artist, title = call.data["artist"].strip(), call.data["title"].strip()
    uri = await syncs.async_set_lastfm_match(artist, title, call.data["track"])
    return {"artist": artist, "title": title, "track": uri}


@callback
def async_setup_services(hass: HomeAssistant) -> None:
    """Register the actions (from `async_setup`, once)."""
    hass.services.async_register(
        DOMAIN,
        SERVICE_REFRESH_PLAYLIST_CACHE,
        _async_refresh_playlist_cache,
        schema=REFRESH_SCHEMA,
        supports_response=SupportsResponse.OPTIONAL,
    )
    hass.services.async_register(
        DOMAIN,
        SERVICE_RESOLVE_PLAYLIST,
        _async_resolve_playlist,
        schema=RESOLVE_SCHEMA,
        supports_response=SupportsResponse.ONLY,
    )
    for key, sync_type in SYNC_TYPES.items():
        hass.services.async_register(
            DOMAIN,
            sync_type.action,
            _sync_action(key),
            schema=SYNC_SCHEMAS[key],
            supports_response=SupportsResponse.OPTIONAL,
        )
    hass.services.async_register(
        DOMAIN,
        SERVICE_RUN_SYNC,
        _async_run_sync,
        schema=RUN_SYNC_SCHEMA,
        supports_response=SupportsResponse.OPTIONAL,
    )
    hass.services.async_register(
        DOMAIN,
        SERVICE_GET_RUN_HISTORY,
        _async_get_run_history,
        schema=HISTORY_SCHEMA,
        supports_response=SupportsResponse.ONLY,
    )
    hass.services.async_register(
        DOMAIN,
        SERVICE_SNAPSHOT_PLAYLIST,
        _async_snapshot_playlist,
        schema=PLAYLIST_SCHEMA,
        supports_response=SupportsResponse.OPTIONAL,
    )
    hass.services.async_register(
        DOMAIN,
        SERVICE_LIST_PLAYLIST_VERSIONS,
        _async_list_playlist_versions,
        schema=PLAYLIST_SCHEMA,
        supports_response=SupportsResponse.ONLY,
    )
    hass.services.async_register(
        DOMAIN,
        SERVICE_RESTORE_PLAYLIST,
        _async_restore_playlist,
        schema=RESTORE_SCHEMA,
        supports_response=SupportsResponse.OPTIONAL,
    )
    hass.services.async_register(
        DOMAIN,
        SERVICE_REMOVE_DUPLICATES,
        _async_remove_duplicates,
        schema=DUPLICATES_SCHEMA,
        supports_response=SupportsResponse.OPTIONAL,
    )
    hass.services.async_register(
        DOMAIN,
        SERVICE_SET_LASTFM_MATCH,
        _async_set_lastfm_match,
        schema=MATCH_SCHEMA,
        supports_response=SupportsResponse.OPTIONAL,
    )
