"""The Run button of each configured sync."""

from __future__ import annotations

from homeassistant.components.button import ButtonEntity, ButtonEntityDescription
from homeassistant.config_entries import ConfigSubentry
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .entity import SyncEntity, async_add_sync_entities
from .models import SpotifreakConfigEntry
from .syncs import SyncManager

PARALLEL_UPDATES = 0  # runs are serialised per target playlist by the sync manager's locks

RUN = ButtonEntityDescription(key="run", translation_key="run")


async def async_setup_entry(
    hass: HomeAssistant,
    entry: SpotifreakConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add a Run button to each configured sync."""

    def build(manager: SyncManager, subentry: ConfigSubentry) -> list[SyncEntity]:
        return [RunSyncButton(manager, entry, subentry, RUN)]

    async_add_sync_entities(hass, entry, async_add_entities, build)


class RunSyncButton(SyncEntity, ButtonEntity):
    """Runs the sync now; a failed run is reported as an error of the press."""

    async def async_press(self) -> None:
        """Run the configured sync."""
        await self.manager.async_run_configured(self.sync_id)
