"""Small helpers shared by the Home Assistant tests."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
import copy
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlparse

import aiohttp

from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.spotifreak.const import DOMAIN, SPOTIFY_SCOPES
from tests.core.sync_helpers import ITEMS, playlist_writes  # noqa: F401 - re-exported: defined with the core tests, which import no Home Assistant
from tests.emulator import Emulator

NEWEST_HA = "2026.10.4"  # the environment snapshots and generated translations are recorded in


REDIRECT_URI = "https://example.com/auth/external/callback"


async def authorize_in_browser(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    result: dict[str, Any],
) -> dict[str, Any]:
    """Follow a config flow's external step like a browser: the emulator's /authorize, then
    Home Assistant's callback (the test needs the `current_request_with_host` fixture)."""
    assert result["type"] is FlowResultType.EXTERNAL_STEP
    url = urlparse(result["url"])
    query = parse_qs(url.query)
    assert query["redirect_uri"] == [REDIRECT_URI]
    assert set(query["scope"][0].split()) == set(SPOTIFY_SCOPES)
    async with (
        aiohttp.ClientSession() as browser,
        browser.get(result["url"], allow_redirects=False) as response,
    ):
        assert response.status == 302
        location = urlparse(response.headers["Location"])
    callback = parse_qs(location.query)
    assert callback["state"] == query["state"]
    client = await hass_client_no_auth()
    response = await client.get(f"{location.path}?{location.query}")
    assert response.status == 200
    return dict(await hass.config_entries.flow.async_configure(result["flow_id"]))


async def add_sync(
    hass: HomeAssistant, entry: MockConfigEntry, kind: str, data: dict[str, Any]
) -> dict[str, Any]:
    """Fill in and submit the form of a new configured sync; return the flow's result (a form
    with its errors when the data is refused)."""
    result = await hass.config_entries.subentries.async_init(
        (entry.entry_id, kind), context={"source": "user"}
    )
    assert result["type"] is FlowResultType.FORM
    return dict(await hass.config_entries.subentries.async_configure(result["flow_id"], data))


def entity_id(
    hass: HomeAssistant, entry: MockConfigEntry, key: str, platform: str = "sensor"
) -> str:
    """The entity id of an account entity, found through the registry by unique id."""
    registry = er.async_get(hass)
    found = registry.async_get_entity_id(platform, DOMAIN, f"{entry.unique_id}_{key}")
    assert found is not None, f"no {platform} entity with key {key}"
    return found


def device_by_identifier(
    registry: dr.DeviceRegistry, entry: MockConfigEntry, value: str
) -> dr.DeviceEntry | None:
    """The entry's device with identifier (DOMAIN, value).

    `async_get_device(identifiers=...)` is deprecated from 2026.11 (it raises in tests); 2025.4
    has only that.
    """
    if hasattr(registry, "async_get_device_by_identifier"):
        found: dr.DeviceEntry | None = registry.async_get_device_by_identifier(
            (DOMAIN, value), entry.entry_id
        )
        return found
    return registry.async_get_device(identifiers={(DOMAIN, value)})


def cache_state(
    hass: HomeAssistant, entry: MockConfigEntry, key: str, platform: str = "sensor"
) -> str:
    """The state of an account entity."""
    state = hass.states.get(entity_id(hass, entry, key, platform))
    assert state is not None
    return state.state


def stored_cache(
    hass_storage: dict[str, Any],
    entry: MockConfigEntry,
    emulator: Emulator,
    *,
    age: timedelta,
    playlists: int,
) -> list[dict[str, Any]]:
    """Put a stored cache of `playlists` records, `age` old, where the coordinator loads it."""
    records = [
        {
            "id": f"stored{index:016d}",
            "uri": f"spotify:playlist:stored{index:016d}",
            "name": f"Stored {index}",
            "owner": emulator.library.user_id,
            "collaborative": False,
            "public": True,
            "snapshot_id": "c3RvcmVk",
            "tracks_total": index,
        }
        for index in range(playlists)
    ]
    key = f"{DOMAIN}.{entry.entry_id}.cache"
    hass_storage[key] = {
        "version": 1,
        "minor_version": 1,
        "key": key,
        "data": {
            "user_id": emulator.library.user_id,
            "last_refreshed": (dt_util.utcnow() - age).isoformat(),
            "playlists": records,
        },
    }
    return records


async def restart_from(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    hass_storage: dict[str, Any],
    saved: dict[str, Any],
) -> None:
    """Set an entry up again from `saved`, a copy of the storage taken at the moment of a power
    loss or a kill: what an unclean stop leaves on disk. Nothing held in memory survives (the
    entry is unloaded first so that its tasks stop; what the unload writes is thrown away)."""
    from custom_components.spotifreak.api import BLOCKED_UNTIL, QUOTA_UNTIL

    await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    hass_storage.clear()
    hass_storage.update(copy.deepcopy(saved))
    hass.data.pop(BLOCKED_UNTIL, None)
    hass.data.pop(QUOTA_UNTIL, None)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()


def in_flight(emulator: Emulator) -> int:
    """How many requests the emulator has received and not answered (status 0: in flight)."""
    return sum(1 for r in emulator.requests if r.status == 0)


async def until(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    """Wait, letting the event loop run, until `condition()` holds (at most `timeout` seconds)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "not reached in time"
        await asyncio.sleep(0.01)


# What users must never read: spotipy's and Python's words (endpoint templates, exception names).
NOT_OUR_WORDS = (
    "Max Retries",
    "{id}",
    "me/playlists",
    "playlists/",
    "me/tracks",
    "spotipy",
    "Exception",
    "Error:",
    "Traceback",
    "HTTPError",
    "ConnectionError",
    "RemoteDisconnected",
    "AttributeError",
    "KeyError",
    "http_status",
)


def foreign_words(text: str) -> list[str]:
    """Return the fragments of `text` that are spotipy's or Python's words, not the project's."""
    return [fragment for fragment in NOT_OUR_WORDS if fragment in text]


async def call_action(hass: HomeAssistant, action: str, data: dict[str, Any]) -> dict[str, Any]:
    """Call a Spotifreak action as an automation would, and return its response."""
    response = await hass.services.async_call(
        DOMAIN, action, data, blocking=True, return_response=True
    )
    assert response is not None
    return dict(response)
