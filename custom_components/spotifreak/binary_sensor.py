"""The cache stale binary sensor."""

from __future__ import annotations

from homeassistant.components.binary_sensor import (
    BinarySensorDeviceClass,
    BinarySensorEntity,
    BinarySensorEntityDescription,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .entity import SpotifreakEntity
from .models import SpotifreakConfigEntry

PARALLEL_UPDATES = 0  # coordinator-driven: no per-entity polling

STALE = BinarySensorEntityDescription(
    key="cache_stale",
    translation_key="cache_stale",
    device_class=BinarySensorDeviceClass.PROBLEM,
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: SpotifreakConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the stale sensor of an account."""
    async_add_entities([CacheStaleBinarySensor(entry.runtime_data.coordinator, STALE)])


class CacheStaleBinarySensor(SpotifreakEntity, BinarySensorEntity):
    """On when the cache is older than `stale_after` (or was never refreshed)."""

    @property
    def available(self) -> bool:
        """Return True: "never refreshed" is itself a problem worth showing."""
        return True

    @property
    def is_on(self) -> bool:
        """Return whether the cache is stale."""
        return self.coordinator.stale
