"""Runtime data of a Spotifreak config entry."""

from __future__ import annotations

from dataclasses import dataclass

from homeassistant.config_entries import ConfigEntry

from .api import SpotifyAccount
from .coordinator import PlaylistCacheCoordinator
from .health import AccountHealth
from .syncs import SyncManager


@dataclass(slots=True)
class SpotifreakData:
    """What a loaded entry keeps in `entry.runtime_data`."""

    spotify: SpotifyAccount
    coordinator: PlaylistCacheCoordinator
    syncs: SyncManager
    health: AccountHealth
    account_device_id: str


type SpotifreakConfigEntry = ConfigEntry[SpotifreakData]
