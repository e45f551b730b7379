"""Spotifreak: one shared, persisted cache of a Spotify account's playlists, and playlist syncs."""

from __future__ import annotations

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ConfigEntryNotReady
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers.config_entry_oauth2_flow import (
    OAuth2Session,
    async_get_config_entry_implementation,
)
from homeassistant.helpers.typing import ConfigType

from .api import SpotifyAccount
from .clients import spotify_client
from .const import DOMAIN
from .coordinator import PlaylistCacheCoordinator, async_remove_stores
from .entity import async_register_account_device
from .gc_freeze import CollectorFreeze
from .health import AccountHealth, async_remove_usage_store
from .issues import async_delete_entry_issues
from .models import SpotifreakConfigEntry, SpotifreakData
from .playlist_history import async_remove_history_store
from .services import async_setup_services
from .syncs import SyncManager, async_remove_sync_store

IMPLEMENTATION_UNAVAILABLE: tuple[type[Exception], ...]
try:  # Home Assistant 2025.5+; 2025.4 has no such error
    from homeassistant.helpers.config_entry_oauth2_flow import ImplementationUnavailableError

    IMPLEMENTATION_UNAVAILABLE = (ImplementationUnavailableError,)
except ImportError:  # pragma: no cover
    IMPLEMENTATION_UNAVAILABLE = ()

PLATFORMS = [Platform.BINARY_SENSOR, Platform.BUTTON, Platform.SENSOR]
CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Register the actions (they exist whether or not an account is set up)."""
    async_setup_services(hass)
    return True


async def async_setup_entry(hass: HomeAssistant, entry: SpotifreakConfigEntry) -> bool:
    """Set up one Spotify account: its API access, the playlist cache, the entities."""
    try:
        implementation = await async_get_config_entry_implementation(hass, entry)
    except IMPLEMENTATION_UNAVAILABLE as err:
        raise ConfigEntryNotReady(
            translation_domain=DOMAIN, translation_key="implementation_unavailable"
        ) from err
    session = OAuth2Session(hass, entry, implementation)
    # Building spotipy's requests session touches the file system (certificates): executor.
    client = await hass.async_add_executor_job(spotify_client)
    spotify = SpotifyAccount(hass, entry, session, client)
    health = AccountHealth(hass, entry, spotify)
    await health.async_load()  # before the first call: the day's calls go on counting
    entry.async_on_unload(health.async_flush)
    assert entry.unique_id is not None
    coordinator = PlaylistCacheCoordinator(
        hass, entry, spotify, user_id=entry.unique_id, refresh_fits=health.refresh_fits
    )
    await coordinator.async_config_entry_first_refresh()
    # Python's garbage collector frozen once the cache is large (gc_freeze.py), until unloaded.
    gc_freeze = CollectorFreeze(hass, entry.entry_id)
    entry.async_on_unload(gc_freeze.async_release)
    entry.async_on_unload(
        coordinator.async_add_listener(lambda: gc_freeze.async_cache_size(coordinator.data.total))
    )
    gc_freeze.async_cache_size(coordinator.data.total)
    syncs = SyncManager(hass, entry, spotify, coordinator.directory)
    await syncs.async_load()
    health.async_start()
    entry.async_on_unload(coordinator.async_add_listener(health.async_judge))
    entry.runtime_data = SpotifreakData(
        spotify=spotify,
        coordinator=coordinator,
        syncs=syncs,
        health=health,
        account_device_id=async_register_account_device(hass, entry),
    )
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    return True


async def async_unload_entry(hass: HomeAssistant, entry: SpotifreakConfigEntry) -> bool:
    """Unload an account (running syncs are interrupted and recorded); the stores stay."""
    await entry.runtime_data.syncs.async_shutdown()
    await entry.runtime_data.coordinator.async_flush()
    return await hass.config_entries.async_unload_platforms(entry, PLATFORMS)


async def async_remove_entry(hass: HomeAssistant, entry: SpotifreakConfigEntry) -> None:
    """Delete what Spotifreak stored for a removed account, and its repair issues."""
    await async_remove_stores(hass, entry)
    await async_remove_sync_store(hass, entry.entry_id)
    await async_remove_history_store(hass, entry.entry_id)
    await async_remove_usage_store(hass, entry.entry_id)
    async_delete_entry_issues(hass, entry.entry_id)
