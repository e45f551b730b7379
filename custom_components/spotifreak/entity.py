"""Base entities: the account's device, and each configured sync's device."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from homeassistant.config_entries import (
    SIGNAL_CONFIG_ENTRY_CHANGED,
    ConfigEntry,
    ConfigEntryChange,
    ConfigSubentry,
)
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.device_registry import DeviceEntryType
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.helpers.entity import Entity, EntityDescription
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .compat import device_info
from .const import DOMAIN
from .coordinator import PlaylistCacheCoordinator
from .core.runs import RunRecord
from .models import SpotifreakConfigEntry
from .sync_types import SYNC_TYPES
from .syncs import SyncManager, signal_sync_finished


def account_device(user_id: str, title: str) -> dict[str, Any]:
    """Return the fields of the account's device (a service device, one per entry)."""
    return {
        "identifiers": {(DOMAIN, user_id)},
        "name": title,
        "manufacturer": "Spotify",
        "model": "Spotify account",
        "entry_type": DeviceEntryType.SERVICE,
        "configuration_url": f"https://open.spotify.com/user/{user_id}",
    }


@callback
def async_register_account_device(hass: HomeAssistant, entry: SpotifreakConfigEntry) -> str:
    """Register the account's device before any entity, and return its registry id.

    The syncs' devices name it as their parent by this id (`via_device_id`).
    """
    device = dr.async_get(hass).async_get_or_create(
        config_entry_id=entry.entry_id, **account_device(str(entry.unique_id), entry.title)
    )
    return device.id


class SpotifreakEntity(CoordinatorEntity[PlaylistCacheCoordinator]):
    """An entity of the account's device ("Spotify account" service device)."""

    _attr_has_entity_name = True

    def __init__(
        self, coordinator: PlaylistCacheCoordinator, description: EntityDescription
    ) -> None:
        """Initialize the entity on the account's device."""
        super().__init__(coordinator)
        self.entity_description = description
        user_id = coordinator.user_id
        self._attr_unique_id = f"{user_id}_{description.key}"
        self._attr_device_info = device_info(
            **account_device(user_id, coordinator.config_entry.title)
        )

    @property
    def available(self) -> bool:
        """Return whether a cache exists: a failed refresh keeps showing the last good data.

        Whether that data is still fresh is what the cache stale binary sensor says.
        """
        return self.coordinator.data.last_refreshed is not None


class SyncEntity(Entity):
    """An entity of a configured sync's own device (one device per config subentry)."""

    _attr_has_entity_name = True
    _attr_should_poll = False

    def __init__(
        self,
        manager: SyncManager,
        entry: SpotifreakConfigEntry,
        subentry: ConfigSubentry,
        description: EntityDescription,
    ) -> None:
        """Initialize the entity on the configured sync's device."""
        self.entity_description = description
        self.manager = manager
        self.sync_id = subentry.subentry_id
        self._entry_id = entry.entry_id
        self._attr_unique_id = f"{subentry.subentry_id}_{description.key}"
        self._attr_device_info = device_info(
            identifiers={(DOMAIN, subentry.subentry_id)},
            name=subentry.title,
            manufacturer="Spotifreak",
            model=SYNC_TYPES[subentry.subentry_type].model,
            entry_type=DeviceEntryType.SERVICE,
            parent=(str(entry.unique_id), entry.runtime_data.account_device_id),
        )

    @property
    def last_run(self) -> RunRecord | None:
        """Return the sync's newest finished run."""
        return self.manager.last_run(self.sync_id)

    async def async_added_to_hass(self) -> None:
        """Update after every run of the account's syncs."""
        self.async_on_remove(
            async_dispatcher_connect(
                self.hass, signal_sync_finished(self._entry_id), self.async_write_ha_state
            )
        )


@callback
def async_add_sync_entities(
    hass: HomeAssistant,
    entry: SpotifreakConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
    build: Callable[[SyncManager, ConfigSubentry], list[SyncEntity]],
) -> None:
    """Add each configured sync's entities now, and those of syncs added later, without a reload.

    Removed syncs need nothing here: Home Assistant removes a subentry's devices and entities.
    """
    manager = entry.runtime_data.syncs
    known: set[str] = set()

    @callback
    def add_new() -> None:
        for subentry_id, subentry in entry.subentries.items():
            if subentry_id in known or subentry.subentry_type not in SYNC_TYPES:
                continue
            known.add(subentry_id)
            async_add_entities(build(manager, subentry), config_subentry_id=subentry_id)

    @callback
    def changed(change: ConfigEntryChange, changed_entry: ConfigEntry[Any]) -> None:
        if changed_entry.entry_id == entry.entry_id and change is ConfigEntryChange.UPDATED:
            known.intersection_update(entry.subentries)
            add_new()

    add_new()
    entry.async_on_unload(async_dispatcher_connect(hass, SIGNAL_CONFIG_ENTRY_CHANGED, changed))
