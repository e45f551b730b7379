"""No secret ever reaches a log, a run record or an event (issue 12, "tests the suite lacks").

Every Spotifreak and spotipy logger is set to DEBUG while the integration is set up through the
real OAuth flow (which reads the account, e-mail included), refreshes, renews its access token
after a 401 and runs syncs; then nothing logged may hold an access or refresh token, the app's
client secret, the Last.fm API key or the account's e-mail. And on every Last.fm failure path the
Last.fm key is absent from the run record, the event, the error and the log.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest

from homeassistant.config_entries import SOURCE_USER
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.exceptions import HomeAssistantError
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_capture_events
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.spotifreak.const import (
    CONF_LASTFM_API_KEY,
    CONF_LASTFM_USERNAME,
    DOMAIN,
    EVENT_SYNC_FINISHED,
)
from custom_components.spotifreak.core import lastfm as lastfm_module
from tests.emulator import Emulator, Fault
from tests.emulator.library import LASTFM_API_KEY

from .test_config_flow import _authorize

OURS = ("custom_components.spotifreak", "spotipy")


def _debug_everywhere(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    for name in OURS:
        caplog.set_level(logging.DEBUG, logger=name)


def _logged(caplog: pytest.LogCaptureFixture) -> str:
    """Everything Spotifreak and spotipy logged, rendered as a log handler would."""
    return "\n".join(
        f"{record.getMessage()} {record.exc_text or ''}"
        for record in caplog.records
        if record.name.startswith(OURS)
    )


@pytest.mark.usefixtures("current_request_with_host", "setup_credentials")
async def test_debug_logs_hold_no_secret(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    emulator: Emulator,
    caplog: pytest.LogCaptureFixture,
) -> None:
    _debug_everywhere(caplog)
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await _authorize(hass, hass_client_no_auth, dict(result))
    assert result["type"] is FlowResultType.CREATE_ENTRY
    entry = result["result"]
    await hass.async_block_till_done()
    user = emulator.library.lastfm_users[0]
    options = await hass.config_entries.options.async_init(entry.entry_id)
    options = await hass.config_entries.options.async_configure(
        options["flow_id"],
        {"refresh_interval": 30, CONF_LASTFM_API_KEY: LASTFM_API_KEY, CONF_LASTFM_USERNAME: user},
    )
    assert options["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()

    emulator.expire_access_tokens()  # the next call answers 401: the token is renewed
    await hass.services.async_call(DOMAIN, "refresh_playlist_cache", {}, blocking=True)
    await hass.services.async_call(
        DOMAIN,
        "mirror_playlist",
        {"source": "liked_songs", "targets": ["Secrets test"], "max_tracks": 120},
        blocking=True,
    )
    await hass.services.async_call(
        DOMAIN, "lastfm_top_tracks", {"playlist": "Secret top", "limit": 5}, blocking=True
    )
    assert emulator.count("POST", "/api/token") >= 2  # the code, then the renewal

    text = _logged(caplog)
    assert "GET /v1/me" in text or "RESULTS" in text  # DEBUG really was on
    secrets = [
        *emulator.accounts.access,
        *emulator.accounts.refresh,
        emulator.client_secret,
        LASTFM_API_KEY,
        emulator.library.email,
    ]
    leaked = [secret[:6] for secret in secrets if secret in text]
    assert not leaked, leaked


LASTFM_FAILURES = [
    pytest.param(Fault(path="/2.0/", status=500, times=None), id="500"),
    pytest.param(Fault(path="/2.0/", status=503, times=None), id="503"),
    pytest.param(Fault(path="/2.0/", status=429, times=None), id="429"),
    pytest.param(Fault(path="/2.0/", lastfm_error=16, status=200, times=None), id="16-under-200"),
    pytest.param(Fault(path="/2.0/", lastfm_error=10, times=None), id="invalid-key"),
    pytest.param(Fault(path="/2.0/", lastfm_error=26, times=None), id="suspended-key"),
    pytest.param(
        Fault(path="/2.0/", lastfm_error=8, message=f"bad key {LASTFM_API_KEY}", times=None),
        id="key-echoed-in-the-message",
    ),
    pytest.param(Fault(path="/2.0/", status=200, body="<html/>", times=None), id="not-json"),
    pytest.param(
        Fault(path="/2.0/", status=503, body="<html>Service unavailable</html>", times=None),
        id="503-html",
    ),
    pytest.param(Fault(path="/2.0/", status=429, body="Slow down", times=None), id="429-text"),
    pytest.param(Fault(path="/2.0/", drop=True, times=None), id="dropped"),
    pytest.param(Fault(path="/2.0/", delay=0.3, times=None), id="timeout"),
    pytest.param(
        Fault(
            path="/2.0/",
            status=302,
            headers={"Location": f"/2.0/?api_key={LASTFM_API_KEY}&method=x"},
            body={},
            times=None,
        ),
        id="redirect-loop-with-the-key",
    ),
]


@pytest.mark.parametrize("fault", LASTFM_FAILURES)
@pytest.mark.parametrize(
    "entry_options", [{CONF_LASTFM_API_KEY: LASTFM_API_KEY, CONF_LASTFM_USERNAME: "emulator_fm"}]
)
async def test_the_lastfm_key_is_never_told(
    hass: HomeAssistant,
    emulator: Emulator,
    init_integration: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
    fault: Fault,
) -> None:
    monkeypatch.setattr(lastfm_module, "REQUEST_TIMEOUT", 0.1)
    monkeypatch.setattr(lastfm_module, "BACKOFF_SECONDS", (0.001, 0.001))
    await hass.config_entries.async_reload(init_integration.entry_id)  # clients built anew
    await hass.async_block_till_done()
    _debug_everywhere(caplog)
    events = async_capture_events(hass, EVENT_SYNC_FINISHED)
    emulator.inject(fault)
    with pytest.raises(HomeAssistantError) as raised:
        await hass.services.async_call(
            DOMAIN, "lastfm_top_tracks", {"playlist": "Weekly", "limit": 5}, blocking=True
        )
    history = await hass.services.async_call(
        DOMAIN, "get_run_history", {}, blocking=True, return_response=True
    )
    told: dict[str, Any] = {
        "error": str(raised.value),
        "placeholders": raised.value.translation_placeholders,
        "history": history,
        "events": [event.data for event in events],
        "log": "\n".join(f"{r.name} {r.getMessage()} {r.exc_text or ''}" for r in caplog.records),
    }
    assert events  # the run was recorded and announced
    assert LASTFM_API_KEY not in json.dumps(told, default=str)
