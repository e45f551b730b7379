"""A real Home Assistant instance in this process, with the integration configured for the emulator.

Built the way the test harness builds one (`async_test_home_assistant` from
pytest-homeassistant-custom-component), but with a real configuration directory on disk so that
the stored playlist cache is read from `.storage` exactly as in production.

The custom_components trap (`../shared/docs/home-assistant.md`, "Test tooling"): the harness ships
its own top-level `custom_components` package, so this project's must be imported first — done at
the top of this module, which `bench` imports before starting any instance.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
import logging
import os
from pathlib import Path
import tempfile
import time
from typing import Any

from homeassistant import loader
from homeassistant.components.application_credentials import (
    ClientCredential,
    async_import_client_credential,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers.json import save_json
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import (  # type: ignore[import-untyped]
    MockConfigEntry,
    async_test_home_assistant,
)

# Import the project's integration before Home Assistant's loader looks for `custom_components`.
import custom_components.spotifreak  # noqa: F401
from custom_components.spotifreak.const import DOMAIN, STORAGE_VERSION
from custom_components.spotifreak.core.cache import CacheFilter, PlaylistCache

from .emulator_proc import RemoteEmulator


@dataclass(slots=True)
class HaSession:
    """A running instance and the (not yet set up) config entry of the emulated account."""

    hass: HomeAssistant
    entry: MockConfigEntry
    config_dir: Path
    emulator: RemoteEmulator

    @property
    def cache_key(self) -> str:
        """The Store key of the entry's playlist cache."""
        return f"{DOMAIN}.{self.entry.entry_id}.cache"

    def write_stored_cache(self, cache: PlaylistCache) -> Path:
        """Write the cache where the coordinator loads it, as the coordinator writes it (with the
        default options' filter key, no Retry-After), in Home Assistant's Store format."""
        path = self.config_dir / ".storage" / self.cache_key
        path.parent.mkdir(parents=True, exist_ok=True)
        data: dict[str, Any] = cache.to_store()
        # The stored filter tells the coordinator the options did not change.
        data |= {"filter": CacheFilter().key(), "blocked_until": None}
        save_json(
            str(path),
            {"version": STORAGE_VERSION, "minor_version": 1, "key": self.cache_key, "data": data},
        )
        return path

    async def setup_entry(self) -> float:
        """Set the entry up and wait until everything settled; seconds it took."""
        started = time.perf_counter()
        assert await self.hass.config_entries.async_setup(self.entry.entry_id)
        await self.hass.async_block_till_done()
        return time.perf_counter() - started


@asynccontextmanager
async def home_assistant(
    emulator: RemoteEmulator, *, options: Mapping[str, Any] | None = None
) -> AsyncIterator[HaSession]:
    """Start Home Assistant with application credentials for the emulator and an entry for its
    account (token issued by the emulator, options as given); stop it afterwards."""
    saved_env = {name: os.environ.get(name) for name in emulator.env}
    os.environ.update(emulator.env)
    for name in ("homeassistant", "custom_components.spotifreak"):
        logging.getLogger(name).setLevel(logging.ERROR)
    try:
        with tempfile.TemporaryDirectory(prefix="spotifreak-bench-") as config_dir:
            async with async_test_home_assistant(config_dir=config_dir) as hass:
                hass.data.pop(loader.DATA_CUSTOM_COMPONENTS, None)  # allow custom integrations
                assert await async_setup_component(hass, "application_credentials", {})
                await async_import_client_credential(
                    hass,
                    DOMAIN,
                    ClientCredential(emulator.client_id, emulator.client_secret),
                    DOMAIN,
                )
                user = emulator.state()["user"]
                entry = MockConfigEntry(
                    domain=DOMAIN,
                    title=user["display_name"] or user["id"],
                    unique_id=user["id"],
                    data={"auth_implementation": DOMAIN, "token": emulator.issue_tokens()},
                    options=dict(options or {}),
                )
                entry.add_to_hass(hass)
                try:
                    yield HaSession(hass, entry, Path(config_dir), emulator)
                finally:
                    await hass.async_stop(force=True)
    finally:
        for name, value in saved_env.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
