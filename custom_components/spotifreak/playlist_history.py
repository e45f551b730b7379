"""The playlist history inside Home Assistant: its Store, its event and its sensor's signal.

The history itself lives in core (`core/history.py`); here it is kept in a Store per account
(`spotifreak.<entry_id>.history`). Every version is saved — the save awaited — before the write
that needed it is sent; `spotifreak_playlist_snapshot` announces it. The playlists Spotifreak
created are saved soon after (a delayed save), and on unload.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.dispatcher import async_dispatcher_send

from .const import (
    CONF_HISTORY_MAX_BYTES,
    CONF_HISTORY_VERSIONS,
    DOMAIN,
    EVENT_PLAYLIST_SNAPSHOT,
    LOGGER,
)
from .core.history import (
    DEFAULT_MAX_BYTES,
    DEFAULT_MAX_VERSIONS,
    HistoryKeeper,
    PlaylistHistory,
    PlaylistVersion,
)
from .core.lastfm_sync import STATE_TARGET
from .stores import EntryStore, entry_store

HISTORY_SAVE_DELAY: Final = 1


def history_store(hass: HomeAssistant, entry_id: str) -> EntryStore:
    """Return the Store of an account's playlist history (serialised off the event loop).

    Safe to serialise in a thread: the stored form shares only versions, which never change.
    """
    return entry_store(hass, f"{DOMAIN}.{entry_id}.history", off_loop=True)


def signal_history_changed(entry_id: str) -> str:
    """Return the dispatcher signal sent when an account's playlist history changed."""
    return f"{DOMAIN}_{entry_id}_history_changed"


class HistoryStore:
    """Keeps an account's playlist history in its Store and announces its versions."""

    def __init__(self, hass: HomeAssistant, entry: ConfigEntry[Any]) -> None:
        """Initialize the store of the entry's playlist history (load it with `async_load`)."""
        self._hass = hass
        self._entry = entry
        self._store = history_store(hass, entry.entry_id)
        self.keeper = HistoryKeeper()
        self._dirty = False

    async def async_load(self, states: Mapping[str, Mapping[str, Any]]) -> HistoryKeeper:
        """Load the history with the entry's bounds and return its keeper.

        The first time (no stored history yet), the playlists the Last.fm syncs already keep
        count as Spotifreak's: they were replaced before this version without being asked.
        """
        options = self._entry.options
        try:
            stored = await self._store.async_load()
        except (HomeAssistantError, ValueError) as err:
            LOGGER.warning("The stored playlist history could not be read; starting afresh")
            LOGGER.debug("Reading the stored playlist history failed: %r", err)
            stored = None
        # Megabytes of versions are parsed in the executor: the loaded dict is nobody else's.
        history = await self._hass.async_add_executor_job(
            PlaylistHistory.from_store,
            stored,
            int(options.get(CONF_HISTORY_VERSIONS, DEFAULT_MAX_VERSIONS)),
            int(options.get(CONF_HISTORY_MAX_BYTES, DEFAULT_MAX_BYTES)),
        )
        if stored is None:
            for state in states.values():
                target = state.get(STATE_TARGET)
                if isinstance(target, Mapping) and target.get("playlist_id"):
                    history.mark_created(str(target["playlist_id"]))
            self._dirty = bool(history.created)
        self.keeper = HistoryKeeper(
            history, persist=self._async_persist, on_kept=self._kept, on_changed=self._changed
        )
        if self._dirty:
            self._changed()
        return self.keeper

    async def _async_persist(self, data: dict[str, Any]) -> None:
        """Save a version before the write that needs it: raise unless it reached the disk."""
        await self._store.async_save_checked(data)
        self._dirty = False

    @callback
    def _kept(self, version: PlaylistVersion) -> None:
        self._hass.bus.async_fire(
            EVENT_PLAYLIST_SNAPSHOT,
            {
                "entry_id": self._entry.entry_id,
                "playlist": version.playlist_id,
                "name": version.name,
                "version": version.version,
                "reason": version.reason,
                "tracks": len(version.items),
                "run_id": version.run_id,
                "sync_id": version.sync_id,
            },
        )
        async_dispatcher_send(self._hass, signal_history_changed(self._entry.entry_id))

    @callback
    def _changed(self) -> None:
        self._dirty = True
        self._store.async_delay_save(self.keeper.history.to_store, HISTORY_SAVE_DELAY)

    async def async_flush(self) -> None:
        """Save what is not saved yet (the entry unloads)."""
        if self._dirty:
            await self._store.async_save(self.keeper.history.to_store())
            self._dirty = False


async def async_remove_history_store(hass: HomeAssistant, entry_id: str) -> None:
    """Delete an account's playlist history (the account was removed)."""
    await history_store(hass, entry_id).async_remove()
