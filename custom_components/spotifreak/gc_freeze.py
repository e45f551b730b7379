"""Keeping Home Assistant's long-lived objects out of full garbage collections (`gc.freeze()`).

Python's cycle collector walks every object it tracks in a *full* collection and stops every
thread meanwhile, the event loop's too: 190-310 ms in Home Assistant 2026.11 with its default
integrations (about 370 000 objects) on the benchmark's machine. A full collection comes when
enough objects survived younger collections since the last one, whoever made them; a refresh of
a large account makes many (its pages, its event, its stored form), so it is often the one that
sets a full collection off. `gc.freeze()` moves every object tracked at that moment into a
permanent generation that collections skip: full collections then walk only what was made since
(1-12 ms in the benchmark's runs). It is process-wide:

- objects frozen while alive that later become unreachable *reference cycles* stay in memory
  until they are unfrozen (objects without cycles are freed as usual, by reference counting);
- `gc.unfreeze()` gives them back to the oldest generation; the next full collection walks them
  again (one long pause) and frees such cycles.

So Spotifreak freezes only for an account whose cache holds `FREEZE_FROM_PLAYLISTS` playlists or
more, once (when that cache is loaded or first listed, and not before Home Assistant has started:
everything its start-up built is frozen with it). It unfreezes when the last account that froze
is unloaded — also what anything else in the process froze; a reload freezes again at set-up.
Freezing and unfreezing are instant; counting the frozen objects (`gc.get_freeze_count`) is not.
"""

from __future__ import annotations

from collections.abc import Callable
import gc
from typing import Final

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.start import async_at_started
from homeassistant.util.hass_dict import HassKey

from .const import DOMAIN, LOGGER

FREEZE_FROM_PLAYLISTS: Final = 1000
# The entries whose freeze is in force: the last one unloaded unfreezes.
FREEZERS: HassKey[set[str]] = HassKey(f"{DOMAIN}_gc_freezers")


class CollectorFreeze:
    """One account's part in the process-wide freeze (see the module docstring)."""

    def __init__(self, hass: HomeAssistant, entry_id: str) -> None:
        """Initialize for an entry; nothing is frozen yet."""
        self._hass = hass
        self._entry_id = entry_id
        self._cancel: Callable[[], None] | None = None

    @callback
    def async_cache_size(self, playlists: int) -> None:
        """Freeze (once Home Assistant has started) when the cache is large enough, once."""
        if self._cancel is not None or playlists < FREEZE_FROM_PLAYLISTS:
            return
        self._hass.data.setdefault(FREEZERS, set()).add(self._entry_id)
        self._cancel = async_at_started(self._hass, _freeze)

    @callback
    def async_release(self) -> None:
        """Give up this account's part; unfreeze when no other account holds one."""
        if self._cancel is None:
            return
        self._cancel()
        self._cancel = None
        freezers = self._hass.data.get(FREEZERS, set())
        freezers.discard(self._entry_id)
        if not freezers:
            gc.unfreeze()
            LOGGER.debug("Python's garbage collector unfrozen")


@callback
def _freeze(_hass: HomeAssistant) -> None:
    """Freeze every object tracked now (O(1); `gc.get_freeze_count` would walk them all)."""
    gc.freeze()
    LOGGER.debug("Python's garbage collector frozen")
