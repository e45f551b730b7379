"""The config flow: OAuth against the emulator's accounts service, reauth, reconfigure, options."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from homeassistant.config_entries import SOURCE_USER, ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType, InvalidData
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.spotifreak.const import (
    CONF_AUTHORIZATION_LIFETIME,
    CONF_DAILY_CALL_BUDGET,
    CONF_EXPORT_PATH,
    CONF_INCLUDE_COLLABORATIVE,
    CONF_INCLUDE_PRIVATE,
    CONF_INCLUDE_PUBLIC,
    CONF_OWNERS,
    CONF_REFRESH_INTERVAL,
    CONF_STALE_AFTER,
    CONF_STALE_POLICY,
    DOMAIN,
)
from tests.emulator import Emulator, Fault

from .helpers import authorize_in_browser as _authorize

pytestmark = pytest.mark.usefixtures("current_request_with_host", "setup_credentials")


async def test_full_flow(
    hass: HomeAssistant, hass_client_no_auth: ClientSessionGenerator, emulator: Emulator
) -> None:
    """Authorize, read /me, create an entry titled with the display name, keyed by user id."""
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await _authorize(hass, hass_client_no_auth, dict(result))

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == emulator.library.display_name
    entry = result["result"]
    assert entry.unique_id == emulator.library.user_id
    assert entry.data["auth_implementation"] == DOMAIN
    assert entry.data["token"]["refresh_token"]
    assert emulator.count("GET", "/v1/me/") == 1
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED


async def test_already_configured(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    config_entry: MockConfigEntry,
) -> None:
    """A second setup of the same account aborts."""
    config_entry.add_to_hass(hass)
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await _authorize(hass, hass_client_no_auth, dict(result))
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


async def test_cannot_connect(
    hass: HomeAssistant, hass_client_no_auth: ClientSessionGenerator, emulator: Emulator
) -> None:
    """Spotify failing while reading the account aborts with cannot_connect, no entry."""
    emulator.inject(Fault(status=503, method="GET", path="/v1/me*", times=None))
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await _authorize(hass, hass_client_no_auth, dict(result))
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "cannot_connect"
    assert not hass.config_entries.async_entries(DOMAIN)


async def test_reauth(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    setup_entry: Callable[[], Awaitable[MockConfigEntry]],
    emulator: Emulator,
) -> None:
    """Reauth replaces the token of the same account and reloads."""
    entry = await setup_entry()
    old_refresh = entry.data["token"]["refresh_token"]
    result = await entry.start_reauth_flow(hass)
    assert result["step_id"] == "reauth_confirm"
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    result = await _authorize(hass, hass_client_no_auth, dict(result))
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    assert entry.data["token"]["refresh_token"] != old_refresh
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED


async def test_reauth_wrong_account(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    emulator: Emulator,
) -> None:
    """Authorizing another account during reauth aborts and leaves the entry alone."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Someone else",
        unique_id="someone_else",
        data={"auth_implementation": DOMAIN, "token": emulator.issue_tokens()},
    )
    entry.add_to_hass(hass)
    result = await entry.start_reauth_flow(hass)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    result = await _authorize(hass, hass_client_no_auth, dict(result))
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "wrong_account"
    assert entry.unique_id == "someone_else"


async def test_reconfigure(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    setup_entry: Callable[[], Awaitable[MockConfigEntry]],
) -> None:
    """Reconfigure authorizes the same account again."""
    entry = await setup_entry()
    old_access = entry.data["token"]["access_token"]
    result = await entry.start_reconfigure_flow(hass)
    result = await _authorize(hass, hass_client_no_auth, dict(result))
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert entry.data["token"]["access_token"] != old_access


async def test_reconfigure_wrong_account(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    emulator: Emulator,
) -> None:
    """Reconfiguring with another account aborts."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id="someone_else",
        data={"auth_implementation": DOMAIN, "token": emulator.issue_tokens()},
    )
    entry.add_to_hass(hass)
    result = await entry.start_reconfigure_flow(hass)
    result = await _authorize(hass, hass_client_no_auth, dict(result))
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "wrong_account"


def _options(**changes: Any) -> dict[str, Any]:
    options: dict[str, Any] = {
        CONF_REFRESH_INTERVAL: 30,
        CONF_STALE_POLICY: "fetch",
        CONF_INCLUDE_PUBLIC: True,
        CONF_INCLUDE_PRIVATE: True,
        CONF_INCLUDE_COLLABORATIVE: True,
        CONF_OWNERS: [],
    }
    options.update(changes)
    return options


async def test_options_saved_and_reloaded(
    hass: HomeAssistant, config_dir: Path, setup_entry: Callable[[], Awaitable[MockConfigEntry]]
) -> None:
    """Valid options are stored and the entry reloads with them."""
    entry = await setup_entry()
    coordinator_before = entry.runtime_data.coordinator
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["type"] is FlowResultType.FORM
    # The link in the Last.fm key's description is a placeholder (no URLs in translations).
    assert result["description_placeholders"] == {
        "lastfm_api_url": "https://www.last.fm/api/account/create"
    }
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        _options(
            **{
                CONF_REFRESH_INTERVAL: 60,
                CONF_STALE_AFTER: 180,
                CONF_STALE_POLICY: "warn",
                CONF_INCLUDE_COLLABORATIVE: False,
                CONF_OWNERS: ["self", " friend "],
                CONF_EXPORT_PATH: "spotifreak/cache.json",
            }
        ),
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert entry.options[CONF_REFRESH_INTERVAL] == 60
    assert entry.options[CONF_STALE_AFTER] == 180
    assert entry.options[CONF_OWNERS] == ["self", "friend"]
    assert entry.options[CONF_EXPORT_PATH] == "spotifreak/cache.json"
    coordinator = entry.runtime_data.coordinator
    assert coordinator is not coordinator_before
    assert coordinator.refresh_interval.total_seconds() == 3600
    assert coordinator.stale_policy == "warn"


async def test_options_clearing_optional_fields(
    hass: HomeAssistant, setup_entry: Callable[[], Awaitable[MockConfigEntry]]
) -> None:
    """Leaving stale_after and export_path empty removes them (defaults apply)."""
    entry = await setup_entry()
    hass.config_entries.async_update_entry(
        entry, options={CONF_STALE_AFTER: 100, CONF_EXPORT_PATH: "x.json"}
    )
    result = await hass.config_entries.options.async_init(entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], _options(**{CONF_EXPORT_PATH: "  "})
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert CONF_STALE_AFTER not in entry.options
    assert CONF_EXPORT_PATH not in entry.options


@pytest.mark.parametrize(
    ("changes", "field", "error"),
    [
        ({CONF_STALE_AFTER: 20}, CONF_STALE_AFTER, "stale_after_below_interval"),
        ({CONF_EXPORT_PATH: "/etc/passwd"}, CONF_EXPORT_PATH, "invalid_export_path"),
        ({CONF_EXPORT_PATH: "../outside.json"}, CONF_EXPORT_PATH, "invalid_export_path"),
        ({CONF_EXPORT_PATH: "secrets.yaml"}, CONF_EXPORT_PATH, "invalid_export_path"),
        (
            {CONF_EXPORT_PATH: ".storage/core.config_entries.json"},
            CONF_EXPORT_PATH,
            "invalid_export_path",
        ),
    ],
)
async def test_options_validation(
    hass: HomeAssistant,
    setup_entry: Callable[[], Awaitable[MockConfigEntry]],
    changes: dict[str, Any],
    field: str,
    error: str,
) -> None:
    """Invalid combinations are shown in the form and nothing is saved."""
    entry = await setup_entry()
    result = await hass.config_entries.options.async_init(entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], _options(**changes)
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {field: error}
    assert entry.options == {}


@pytest.mark.parametrize("interval", [4, 1441])
async def test_options_interval_range(
    hass: HomeAssistant, setup_entry: Callable[[], Awaitable[MockConfigEntry]], interval: int
) -> None:
    """The refresh interval must lie between 5 and 1440 minutes."""
    entry = await setup_entry()
    result = await hass.config_entries.options.async_init(entry.entry_id)
    with pytest.raises(InvalidData):
        await hass.config_entries.options.async_configure(
            result["flow_id"], _options(**{CONF_REFRESH_INTERVAL: interval})
        )
    assert entry.options == {}


async def test_options_daily_budget_and_authorization_lifetime(
    hass: HomeAssistant, setup_entry: Callable[[], Awaitable[MockConfigEntry]]
) -> None:
    """Both are saved and used; the budget is optional (left empty: none)."""
    entry = await setup_entry()
    result = await hass.config_entries.options.async_init(entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        _options(**{CONF_DAILY_CALL_BUDGET: 800, CONF_AUTHORIZATION_LIFETIME: 5}),
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert entry.options[CONF_DAILY_CALL_BUDGET] == 800
    assert entry.options[CONF_AUTHORIZATION_LIFETIME] == 5
    assert entry.runtime_data.health.daily_call_budget == 800
    assert entry.runtime_data.health.lifetime_months == 5

    result = await hass.config_entries.options.async_init(entry.entry_id)
    result = await hass.config_entries.options.async_configure(result["flow_id"], _options())
    await hass.async_block_till_done()
    assert CONF_DAILY_CALL_BUDGET not in entry.options
    assert entry.options[CONF_AUTHORIZATION_LIFETIME] == 5  # the form starts from the current


@pytest.mark.parametrize(
    "changes",
    [
        {CONF_DAILY_CALL_BUDGET: 9},
        {CONF_AUTHORIZATION_LIFETIME: 0},
        {CONF_AUTHORIZATION_LIFETIME: 25},
    ],
)
async def test_options_budget_and_lifetime_ranges(
    hass: HomeAssistant,
    setup_entry: Callable[[], Awaitable[MockConfigEntry]],
    changes: dict[str, Any],
) -> None:
    """A budget under 10 calls, or a lifetime outside 1 to 24 months, is refused."""
    entry = await setup_entry()
    result = await hass.config_entries.options.async_init(entry.entry_id)
    with pytest.raises(InvalidData):
        await hass.config_entries.options.async_configure(result["flow_id"], _options(**changes))
    assert entry.options == {}
