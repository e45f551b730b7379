"""A real Home Assistant in this process, started as `hass` starts it, with the emulated account.

No test harness: this runs in the demo environment (`scripts/_demo.sh`: Home Assistant 2026.11.0,
what users run). A temporary configuration directory holds what an installation that set up
Spotifreak holds: `configuration.yaml`, and in `.storage` the application credentials and the
config entry (in the formats Home Assistant reads at start-up; it migrates them to its current
ones). Home Assistant is then set up by its own bootstrap (`bootstrap.async_setup_hass`: the
core, the default integrations with the frontend, the HTTP server on a free loopback port) and
started. The entry is stored disabled, so that its set-up can be measured on its own after the
start: `setup_entry` enables it, which sets it up exactly as at start-up. Every `.storage` file is
written before the start: Home Assistant notes at start-up which ones exist.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
import logging
import os
from pathlib import Path
import socket
import tempfile
import time
from typing import Any

from homeassistant import bootstrap, const as ha_const
from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.helpers.json import save_json
from homeassistant.runner import RuntimeConfig

from custom_components.spotifreak.const import DOMAIN, STORAGE_VERSION
from custom_components.spotifreak.core.cache import PlaylistCache

from .emulator_proc import RemoteEmulator

ENTRY_ID = "01BENCHSPOTIFREAKENTRY0000"
CONFIGURATION = """\
homeassistant:
  name: Spotifreak benchmark
  unit_system: metric
  time_zone: UTC
  country: US
  currency: USD
http:
  server_host: 127.0.0.1
  server_port: {port}
logger:
  default: error
"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def _write_store(config_dir: Path, key: str, data: Any, *, version: int = 1) -> Path:
    """Write `.storage/KEY` as the Store writes it (minor version 1: Home Assistant migrates)."""
    path = config_dir / ".storage" / key
    path.parent.mkdir(parents=True, exist_ok=True)
    save_json(str(path), {"version": version, "minor_version": 1, "key": key, "data": data})
    return path


def write_installation(
    config_dir: Path,
    emulator: RemoteEmulator,
    options: Mapping[str, Any],
    cache: PlaylistCache | None,
) -> None:
    """Write configuration.yaml, the application credentials, the (disabled) config entry and
    the entry's stored playlist cache."""
    (config_dir / "configuration.yaml").write_text(
        CONFIGURATION.format(port=_free_port()), encoding="utf-8"
    )
    _write_store(
        config_dir,
        "application_credentials",
        {
            "items": [
                {
                    "id": DOMAIN,
                    "domain": DOMAIN,
                    "client_id": emulator.client_id,
                    "client_secret": emulator.client_secret,
                    "auth_domain": DOMAIN,
                    "name": "Spotifreak benchmark",
                }
            ]
        },
    )
    user = emulator.state()["user"]
    _write_store(
        config_dir,
        "core.config_entries",
        {
            "entries": [
                {
                    "entry_id": ENTRY_ID,
                    "version": 1,
                    "domain": DOMAIN,
                    "title": user["display_name"] or user["id"],
                    "data": {"auth_implementation": DOMAIN, "token": emulator.issue_tokens()},
                    "options": dict(options),
                    "source": "user",
                    "unique_id": user["id"],
                    "disabled_by": "user",
                }
            ]
        },
    )
    if cache is not None:
        write_stored_cache(config_dir, cache)


def cache_key() -> str:
    """The Store key of the entry's playlist cache."""
    return f"{DOMAIN}.{ENTRY_ID}.cache"


def write_stored_cache(config_dir: Path, cache: PlaylistCache) -> Path:
    """Write the cache where the coordinator loads it, as the coordinator writes it (no
    Retry-After), in Home Assistant's Store format."""
    data: dict[str, Any] = cache.to_store()
    data |= {"blocked_until": None}
    return _write_store(config_dir, cache_key(), data, version=STORAGE_VERSION)


@dataclass(slots=True)
class HaSession:
    """A running instance and the (not yet set up) config entry of the emulated account."""

    hass: HomeAssistant
    config_dir: Path
    emulator: RemoteEmulator

    @property
    def version(self) -> str:
        """The Home Assistant release running."""
        return ha_const.__version__

    @property
    def entry(self) -> ConfigEntry[Any]:
        """The config entry of the emulated account."""
        entry = self.hass.config_entries.async_get_entry(ENTRY_ID)
        assert entry is not None
        return entry

    @property
    def stored_cache(self) -> Path:
        """The file of the entry's stored playlist cache."""
        return self.config_dir / ".storage" / cache_key()

    async def setup_entry(self) -> float:
        """Enable the entry (which sets it up) and wait until everything settled; seconds."""
        started = time.perf_counter()
        assert await self.hass.config_entries.async_set_disabled_by(ENTRY_ID, None)
        await self.hass.async_block_till_done()
        return time.perf_counter() - started


@asynccontextmanager
async def home_assistant(
    emulator: RemoteEmulator,
    *,
    options: Mapping[str, Any] | None = None,
    stored_cache: PlaylistCache | None = None,
) -> AsyncIterator[HaSession]:
    """Start Home Assistant from a fresh configuration directory for the emulator's account
    (with `stored_cache` as what an earlier run stored); stop it afterwards."""
    os.environ.update(emulator.env)
    with tempfile.TemporaryDirectory(prefix="spotifreak-bench-ha-") as folder:
        config_dir = Path(folder)
        await asyncio.to_thread(
            write_installation, config_dir, emulator, options or {}, stored_cache
        )
        hass = await bootstrap.async_setup_hass(
            RuntimeConfig(config_dir=str(config_dir), skip_pip=True, log_no_color=True)
        )
        assert hass is not None, "Home Assistant did not start (see home-assistant.log)"
        # bootstrap logs to stderr as well: keep the benchmark's output to its figures.
        for name in ("homeassistant", "custom_components.spotifreak"):
            logging.getLogger(name).setLevel(logging.ERROR)
        await hass.async_start()
        await hass.async_block_till_done()
        try:
            yield HaSession(hass, config_dir, emulator)
        finally:
            await hass.async_stop()
