"""Fixtures shared by the Home Assistant tests: credentials, a config entry, a loaded integration.

Everything talks to the project's emulator over real HTTP (`tests.emulator`); nothing mocks spotipy.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Generator
from pathlib import Path
from typing import Any
from unittest.mock import PropertyMock, patch

import pytest
from syrupy.assertion import SnapshotAssertion

from homeassistant import block_async_io
from homeassistant.components.application_credentials import (
    ClientCredential,
    async_import_client_credential,
)
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.syrupy import HomeAssistantSnapshotExtension

# Home Assistant's loader must find this project's custom_components before the harness's own.
import custom_components.spotifreak  # noqa: F401
from custom_components.spotifreak.const import DOMAIN
from custom_components.spotifreak.core import spotify as spotify_module
from tests.emulator import Emulator

pytest_plugins = ["tests.emulator.pytest_plugin"]


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: None) -> None:
    """Let Home Assistant load custom integrations in every test."""


# Lines Home Assistant logs when an integration blocks the event loop or uses a deprecated API.
FORBIDDEN_LOG_LINES = ("Detected blocking call", "Detected that custom integration")


@pytest.fixture(autouse=True)
def detect_blocking_calls(
    request: pytest.FixtureRequest, caplog: pytest.LogCaptureFixture
) -> Generator[None]:
    """Switch Home Assistant's blocking-call detection on for every test with `hass`.

    The harness leaves it off (production turns it on at start-up). A blocking call in the event
    loop, or a deprecation report about this integration, fails the test.
    """
    if "hass" not in request.fixturenames:
        yield
        return
    request.getfixturevalue("disable_block_async_io")  # restores the functions afterwards
    block_async_io.enable()
    yield
    reported = [
        record.getMessage()
        for record in caplog.get_records("call") + caplog.get_records("setup")
        if record.getMessage().startswith(FORBIDDEN_LOG_LINES)
    ]
    assert not reported, reported


@pytest.fixture(autouse=True)
def fast_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    """Retries of failed reads wait milliseconds, not seconds (their count is what tests check)."""
    monkeypatch.setattr(spotify_module, "BACKOFF_SECONDS", (0.001, 0.001))


@pytest.fixture
def snapshot(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    """Snapshots in Home Assistant's format, under tests/snapshots/.

    Defined here because the harness's own override of syrupy's fixture loses to syrupy's on
    the newest releases (pytest's plugin order).
    """
    return snapshot.use_extension(HomeAssistantSnapshotExtension)


@pytest.fixture
def entity_registry_enabled_by_default() -> Generator[None]:
    """Create entities that are disabled by default as enabled (for entity snapshots)."""
    with patch(
        "homeassistant.helpers.entity.Entity.entity_registry_enabled_default",
        return_value=True,
        new_callable=PropertyMock,
    ):
        yield


@pytest.fixture
async def setup_credentials(hass: HomeAssistant, emulator: Emulator) -> None:
    """The emulator's OAuth app, imported as application credentials."""
    assert await async_setup_component(hass, "application_credentials", {})
    await async_import_client_credential(
        hass, DOMAIN, ClientCredential(emulator.client_id, emulator.client_secret), DOMAIN
    )


@pytest.fixture
def config_dir(hass: HomeAssistant, tmp_path: Path) -> Path:
    """A configuration directory of the test's own (exports are written there, not into the
    test harness's shared one)."""
    hass.config.config_dir = str(tmp_path)
    return tmp_path


@pytest.fixture
def entry_options() -> dict[str, Any]:
    """Options of the test entry (override in a module or test)."""
    return {}


@pytest.fixture
def config_entry(emulator: Emulator, entry_options: dict[str, Any]) -> MockConfigEntry:
    """A config entry for the emulator's account with a valid token."""
    return MockConfigEntry(
        domain=DOMAIN,
        title=emulator.library.display_name,
        unique_id=emulator.library.user_id,
        data={"auth_implementation": DOMAIN, "token": emulator.issue_tokens()},
        options=entry_options,
    )


@pytest.fixture
def setup_entry(
    hass: HomeAssistant, setup_credentials: None, config_entry: MockConfigEntry
) -> Callable[[], Awaitable[MockConfigEntry]]:
    """Add the entry and set it up (call it after arranging the emulator)."""

    async def _setup() -> MockConfigEntry:
        config_entry.add_to_hass(hass)
        await hass.config_entries.async_setup(config_entry.entry_id)
        await hass.async_block_till_done()
        return config_entry

    return _setup


@pytest.fixture
async def init_integration(
    setup_entry: Callable[[], Awaitable[MockConfigEntry]],
) -> MockConfigEntry:
    """The integration set up with the default emulator library."""
    return await setup_entry()
