"""Entity states of the account's device (snapshot: the states are the contract)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from unittest.mock import patch

from freezegun.api import FrozenDateTimeFactory
import pytest
from syrupy.assertion import SnapshotAssertion

from homeassistant.const import Platform, __version__ as ha_version
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry, snapshot_platform

from tests.emulator import Emulator

from .helpers import NEWEST_HA, cache_state


@pytest.mark.skipif(
    ha_version != NEWEST_HA,
    reason="entity snapshots are recorded against the newest Home Assistant",
)
@pytest.mark.freeze_time("2026-11-20 12:00:00+00:00")
@pytest.mark.parametrize("platform", [Platform.SENSOR, Platform.BINARY_SENSOR])
@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_entities(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    emulator: Emulator,
    setup_entry: Callable[[], Awaitable[MockConfigEntry]],
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
    platform: Platform,
) -> None:
    """Every entity of the account, its registry entry and state."""
    with patch("custom_components.spotifreak.PLATFORMS", [platform]):
        entry = await setup_entry()
    await snapshot_platform(hass, entity_registry, snapshot, entry.entry_id)


async def test_noisy_counters_disabled_by_default(
    hass: HomeAssistant, init_integration: MockConfigEntry, entity_registry: er.EntityRegistry
) -> None:
    """Cache hits and misses are diagnostic and disabled by default; API calls are enabled."""
    for key, disabled in (("cache_hits", True), ("cache_misses", True), ("api_calls", False)):
        entity_id = entity_registry.async_get_entity_id(
            "sensor", "spotifreak", f"{init_integration.unique_id}_{key}"
        )
        assert entity_id is not None
        entry = entity_registry.async_get(entity_id)
        assert entry is not None
        assert (entry.disabled_by is not None) is disabled
        assert entry.entity_category is not None


async def test_entity_states(
    hass: HomeAssistant, emulator: Emulator, init_integration: MockConfigEntry
) -> None:
    """The account's entities show the cache (in every Home Assistant version)."""
    entry = init_integration
    assert cache_state(hass, entry, "playlist_count") == str(
        len(entry.runtime_data.coordinator.data)
    )
    assert float(cache_state(hass, entry, "cache_age")) == 0
    assert cache_state(hass, entry, "cache_stale", "binary_sensor") == "off"
    assert cache_state(hass, entry, "api_calls") == str(emulator.spotify_calls)
