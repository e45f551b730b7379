"""Python's garbage collector frozen for a large cache (`gc_freeze.py`), and given back.

The newest test harness freezes the collector itself at the start of every test module (after a
collection): each test starts from nothing frozen.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
import gc

import pytest

from homeassistant.const import EVENT_HOMEASSISTANT_STARTED
from homeassistant.core import CoreState, HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.spotifreak.gc_freeze import FREEZE_FROM_PLAYLISTS, CollectorFreeze
from tests.emulator import Emulator


@pytest.mark.emulator(playlists=FREEZE_FROM_PLAYLISTS + 50, liked=5, catalogue=100)
async def test_a_large_cache_freezes_the_collector_until_unloaded(
    hass: HomeAssistant,
    emulator: Emulator,
    setup_entry: Callable[[], Awaitable[MockConfigEntry]],
) -> None:
    """Once a cache of that size is listed, every object then tracked is frozen (full
    collections skip them); unloading the entry gives them back."""
    gc.unfreeze()
    entry = await setup_entry()
    assert len(entry.runtime_data.coordinator.data) >= FREEZE_FROM_PLAYLISTS
    assert gc.get_freeze_count() > 0
    assert await hass.config_entries.async_unload(entry.entry_id)
    assert gc.get_freeze_count() == 0


async def test_a_small_cache_leaves_the_collector_alone(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """Below the size, Home Assistant's garbage collection is not touched."""
    gc.unfreeze()
    await init_integration.runtime_data.coordinator.async_refresh()
    assert len(init_integration.runtime_data.coordinator.data) < FREEZE_FROM_PLAYLISTS
    assert gc.get_freeze_count() == 0


async def test_frozen_once_started_and_until_the_last_account_goes(hass: HomeAssistant) -> None:
    """Not before Home Assistant has started (its start-up is frozen with the rest); unfrozen
    when the last of the accounts that froze is unloaded."""
    gc.unfreeze()
    hass.set_state(CoreState.starting)
    first, second = CollectorFreeze(hass, "first"), CollectorFreeze(hass, "second")
    first.async_cache_size(FREEZE_FROM_PLAYLISTS)
    assert gc.get_freeze_count() == 0
    hass.set_state(CoreState.running)
    hass.bus.async_fire(EVENT_HOMEASSISTANT_STARTED)
    await hass.async_block_till_done()
    assert gc.get_freeze_count() > 0
    second.async_cache_size(FREEZE_FROM_PLAYLISTS + 1)
    first.async_release()
    assert gc.get_freeze_count() > 0
    second.async_release()
    second.async_release()
    assert gc.get_freeze_count() == 0
