"""The integration's Stores, and a save that fails when the file was not written.

Home Assistant's `Store.async_save` logs a write that failed (a full or read-only disk, data that
cannot be serialised) and returns as if it had saved. What must be on disk before a write to
Spotify — a playlist's version, a target marked as being written, a playlist a sync created — is
saved with `EntryStore.async_save_checked` instead, so that the write is not sent when it is not.
"""

from __future__ import annotations

from typing import Any

from homeassistant.core import CoreState, HomeAssistant
from homeassistant.helpers.storage import Store

from .compat import STORE_SERIALIZE_OFF_LOOP
from .const import STORAGE_VERSION
from .core.errors import LocalSaveError


class EntryStore(Store[dict[str, Any]]):
    """A Store of one account's data whose checked save raises when the file was not written."""

    _write_failure: Exception | None = None

    async def _async_write_data(self, *args: Any) -> None:
        """Write as Home Assistant does, noting a failure before Home Assistant logs it."""
        try:
            await super()._async_write_data(*args)
        except Exception as err:
            self._write_failure = err
            raise

    async def async_save_checked(self, data: dict[str, Any]) -> None:
        """Save the data now; raise `LocalSaveError` unless it reached the file.

        While Home Assistant stops, a save waits for its final write: that is not on disk yet.
        """
        if self.hass.state is CoreState.stopping:
            raise LocalSaveError(f"{self.key} cannot be saved now: Home Assistant is stopping")
        self._write_failure = None
        await self.async_save(data)
        if (failure := self._write_failure) is not None:
            raise LocalSaveError(f"{self.key} could not be saved: {failure}") from failure


def entry_store(hass: HomeAssistant, key: str, *, off_loop: bool = False) -> EntryStore:
    """Return a Store; with `off_loop`, serialised in the executor where supported (not 2025.4).

    Only for data that is never mutated in place while a save may be running.
    """
    if off_loop and STORE_SERIALIZE_OFF_LOOP:
        return EntryStore(hass, STORAGE_VERSION, key, serialize_in_event_loop=False)
    return EntryStore(hass, STORAGE_VERSION, key)
