"""Diagnostics: the contract is the output, so it is snapshot-tested; secrets must not appear."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
import json

import pytest
from syrupy.assertion import SnapshotAssertion
from syrupy.filters import props

from homeassistant.const import __version__ as ha_version
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.spotifreak.const import CONF_LASTFM_API_KEY, CONF_LASTFM_USERNAME
from tests.emulator import Emulator

from .helpers import NEWEST_HA, add_sync


@pytest.mark.parametrize(
    "entry_options", [{CONF_LASTFM_API_KEY: "secret-lastfm-key", CONF_LASTFM_USERNAME: "rj"}]
)
async def test_diagnostics(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    emulator: Emulator,
    setup_entry: Callable[[], Awaitable[MockConfigEntry]],
    snapshot: SnapshotAssertion,
) -> None:
    """Diagnostics describe the cache and the account's API use, with every secret redacted."""
    entry = await setup_entry()
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, entry)

    text = json.dumps(diagnostics)
    token = entry.data["token"]
    for secret in (token["access_token"], token["refresh_token"], "secret-lastfm-key"):
        assert secret not in text
    assert emulator.library.email not in text
    assert diagnostics["cache"]["playlists"] == len(entry.runtime_data.coordinator.data)
    assert diagnostics["spotify"]["api_calls"] == emulator.spotify_calls
    assert diagnostics["cache"]["last_refreshed"] is not None
    assert diagnostics["entry"]["options"][CONF_LASTFM_API_KEY] == "**REDACTED**"
    assert diagnostics["entry"]["data"]["token"] == "**REDACTED**"
    if ha_version != NEWEST_HA:
        return  # snapshots are recorded with the newest Home Assistant's syrupy
    assert diagnostics == snapshot(
        exclude=props("api_url", "expires_at", "last_refreshed", "age_seconds")
    )


@pytest.mark.parametrize(
    "entry_options",
    [{CONF_LASTFM_API_KEY: "secret-lastfm-key", CONF_LASTFM_USERNAME: "private_listener"}],
)
async def test_diagnostics_redact_lastfm_user_names(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    emulator: Emulator,
    setup_entry: Callable[[], Awaitable[MockConfigEntry]],
) -> None:
    """Last.fm user names (the options' and each configured sync's) identify a person."""
    entry = await setup_entry()
    await add_sync(
        hass,
        entry,
        "lastfm_top_tracks",
        {
            "name": "Friend's week",
            "playlist": "Friend weekly",
            "username": "friend_listener",
            "period": "7day",
            "limit": 10,
            "mode": "replace",
            "create_missing": True,
            "public": False,
        },
    )
    await hass.async_block_till_done()
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, entry)
    text = json.dumps(diagnostics)
    assert "private_listener" not in text
    assert "friend_listener" not in text
    assert "secret-lastfm-key" not in text
    assert diagnostics["entry"]["options"][CONF_LASTFM_USERNAME] == "**REDACTED**"
    (sync,) = diagnostics["syncs"]["configured"]
    assert sync["options"]["username"] == "**REDACTED**"
    assert sync["options"]["playlist"] == "Friend weekly"
