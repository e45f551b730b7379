"""Sensors of the playlist cache, of the account's standing with Spotify, and of each sync."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.config_entries import ConfigSubentry
from homeassistant.const import EntityCategory, UnitOfTime
from homeassistant.core import HomeAssistant
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .coordinator import PlaylistCacheCoordinator
from .core.runs import FINAL_STATUSES, RunRecord
from .entity import SpotifreakEntity, SyncEntity, async_add_sync_entities
from .health import AccountHealth
from .models import SpotifreakConfigEntry
from .playlist_history import signal_history_changed
from .sync_types import SYNC_TYPE_RETENTION
from .syncs import SyncManager

PARALLEL_UPDATES = 0  # coordinator-driven: no per-entity polling
UNMATCHED_SHOWN: Final = 25  # unmatched Last.fm tracks in the last result's attributes


@dataclass(frozen=True, kw_only=True)
class CacheSensorEntityDescription(SensorEntityDescription):
    """A cache sensor and how to read its value."""

    value_fn: Callable[[PlaylistCacheCoordinator], int | float | datetime | None]
    always_available: bool = False  # counters make sense before the first refresh too


def _age_minutes(coordinator: PlaylistCacheCoordinator) -> float | None:
    age = coordinator.cache_age
    return round(age.total_seconds() / 60, 1) if age is not None else None


SENSORS: tuple[CacheSensorEntityDescription, ...] = (
    CacheSensorEntityDescription(
        key="playlist_count",
        translation_key="playlist_count",
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda coordinator: len(coordinator.data),
    ),
    CacheSensorEntityDescription(
        key="last_refreshed",
        translation_key="last_refreshed",
        device_class=SensorDeviceClass.TIMESTAMP,
        value_fn=lambda coordinator: coordinator.data.last_refreshed,
    ),
    CacheSensorEntityDescription(
        key="cache_age",
        translation_key="cache_age",
        device_class=SensorDeviceClass.DURATION,
        native_unit_of_measurement=UnitOfTime.MINUTES,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=0,
        value_fn=_age_minutes,
    ),
    CacheSensorEntityDescription(
        key="api_calls",
        translation_key="api_calls",
        entity_category=EntityCategory.DIAGNOSTIC,
        state_class=SensorStateClass.TOTAL_INCREASING,
        value_fn=lambda coordinator: coordinator.spotify.client.counter.total,
        always_available=True,
    ),
    CacheSensorEntityDescription(
        key="cache_hits",
        translation_key="cache_hits",
        entity_category=EntityCategory.DIAGNOSTIC,
        state_class=SensorStateClass.TOTAL_INCREASING,
        entity_registry_enabled_default=False,
        value_fn=lambda coordinator: coordinator.directory.hits,
        always_available=True,
    ),
    CacheSensorEntityDescription(
        key="cache_misses",
        translation_key="cache_misses",
        entity_category=EntityCategory.DIAGNOSTIC,
        state_class=SensorStateClass.TOTAL_INCREASING,
        entity_registry_enabled_default=False,
        value_fn=lambda coordinator: coordinator.directory.misses,
        always_available=True,
    ),
)


PLAYLIST_VERSIONS = SensorEntityDescription(
    key="playlist_versions",
    translation_key="playlist_versions",
    entity_category=EntityCategory.DIAGNOSTIC,
    state_class=SensorStateClass.MEASUREMENT,
)


@dataclass(frozen=True, kw_only=True)
class HealthSensorEntityDescription(SensorEntityDescription):
    """A sensor of the account's standing with Spotify (`health.py`)."""

    value_fn: Callable[[AccountHealth], int | datetime | None]


HEALTH_SENSORS: tuple[HealthSensorEntityDescription, ...] = (
    HealthSensorEntityDescription(
        key="authorization_expires",
        translation_key="authorization_expires",
        device_class=SensorDeviceClass.TIMESTAMP,
        value_fn=lambda health: health.expires_at,
    ),
    HealthSensorEntityDescription(
        key="api_calls_24h",
        translation_key="api_calls_24h",
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda health: health.calls_24h(),
    ),
)


@dataclass(frozen=True, kw_only=True)
class SyncSensorEntityDescription(SensorEntityDescription):
    """A sensor of a configured sync, read from its last run (of some sync types only, or all)."""

    value_fn: Callable[[RunRecord], str | int | datetime | None]
    sync_types: frozenset[str] | None = None


SYNC_SENSORS: tuple[SyncSensorEntityDescription, ...] = (
    SyncSensorEntityDescription(
        key="last_run",
        translation_key="last_run",
        device_class=SensorDeviceClass.TIMESTAMP,
        value_fn=lambda run: run.finished_at,
    ),
    SyncSensorEntityDescription(
        key="last_result",
        translation_key="last_result",
        device_class=SensorDeviceClass.ENUM,
        options=[str(status) for status in FINAL_STATUSES],
        value_fn=lambda run: str(run.status),
    ),
    SyncSensorEntityDescription(
        key="tracks_added",
        translation_key="tracks_added",
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda run: run.added,
    ),
    SyncSensorEntityDescription(
        key="tracks_removed",
        translation_key="tracks_removed",
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda run: run.removed,
        sync_types=frozenset({SYNC_TYPE_RETENTION}),
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: SpotifreakConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the cache sensors of an account and the sensors of each configured sync."""
    coordinator = entry.runtime_data.coordinator
    async_add_entities(CacheSensor(coordinator, description) for description in SENSORS)
    async_add_entities([PlaylistVersionsSensor(coordinator, entry.runtime_data.syncs)])
    health = entry.runtime_data.health
    async_add_entities(
        HealthSensor(coordinator, health, description) for description in HEALTH_SENSORS
    )

    def build(manager: SyncManager, subentry: ConfigSubentry) -> list[SyncEntity]:
        return [
            SyncSensor(manager, entry, subentry, description)
            for description in SYNC_SENSORS
            if description.sync_types is None or subentry.subentry_type in description.sync_types
        ]

    async_add_sync_entities(hass, entry, async_add_entities, build)


class CacheSensor(SpotifreakEntity, SensorEntity):
    """A sensor of the playlist cache."""

    entity_description: CacheSensorEntityDescription

    @property
    def available(self) -> bool:
        """Return True for counters; for cache values, whether a cache exists."""
        return self.entity_description.always_available or super().available

    @property
    def native_value(self) -> int | float | datetime | None:
        """Return the value, read from the coordinator."""
        return self.entity_description.value_fn(self.coordinator)

    @property
    def extra_state_attributes(self) -> dict[str, Any] | None:
        """Return how the last refresh attempt ended (only on the last refreshed sensor)."""
        if self.entity_description.key != "last_refreshed":
            return None
        result = self.coordinator.last_refresh_result
        return {"last_refresh_result": str(result) if result is not None else None}


class HealthSensor(SpotifreakEntity, SensorEntity):
    """When the authorization expires, or the calls of the last day (ticking every minute)."""

    entity_description: HealthSensorEntityDescription

    def __init__(
        self,
        coordinator: PlaylistCacheCoordinator,
        health: AccountHealth,
        description: HealthSensorEntityDescription,
    ) -> None:
        """Initialize the sensor on the account's device."""
        super().__init__(coordinator, description)
        self.health = health

    @property
    def available(self) -> bool:
        """Return True: the account's standing does not depend on the cache."""
        return True

    @property
    def native_value(self) -> int | datetime | None:
        """Return the value (unknown: an authorization given before it was recorded)."""
        return self.entity_description.value_fn(self.health)


class PlaylistVersionsSensor(SpotifreakEntity, SensorEntity):
    """How many playlist versions the account's history keeps (diagnostic)."""

    def __init__(self, coordinator: PlaylistCacheCoordinator, manager: SyncManager) -> None:
        """Initialize the sensor on the account's device."""
        super().__init__(coordinator, PLAYLIST_VERSIONS)
        self._manager = manager

    @property
    def available(self) -> bool:
        """Return True: the history does not depend on the cache."""
        return True

    @property
    def native_value(self) -> int:
        """Return the number of versions kept."""
        return self._manager.playlist_versions

    async def async_added_to_hass(self) -> None:
        """Update whenever the history changes."""
        await super().async_added_to_hass()
        self.async_on_remove(
            async_dispatcher_connect(
                self.hass,
                signal_history_changed(self.coordinator.config_entry.entry_id),
                self.async_write_ha_state,
            )
        )


class SyncSensor(SyncEntity, SensorEntity):
    """Last run, last result or tracks added of a configured sync (unknown before its first run)."""

    entity_description: SyncSensorEntityDescription

    @property
    def native_value(self) -> str | int | datetime | None:
        """Return the value, read from the sync's newest run."""
        run = self.last_run
        return self.entity_description.value_fn(run) if run is not None else None

    @property
    def extra_state_attributes(self) -> dict[str, Any] | None:
        """Return why the last run ended as it did (only on the result sensor).

        Also the Last.fm tracks the run could not match (the first 25, and how many there
        were): what `spotifreak.set_lastfm_match` can fix.
        """
        run = self.last_run
        if self.entity_description.key != "last_result" or run is None:
            return None
        return {
            "reason": run.reason,
            "run_id": run.run_id,
            "unmatched": run.unmatched[:UNMATCHED_SHOWN],
            "unmatched_count": len(run.unmatched),
        }
