"""Account health in Home Assistant: the authorization's expiry (sensor, repair issues, their fix
flow starting the reauth), the calls of the last 24 hours, Spotify's quota and the daily budget.

Everything runs against the emulator over HTTP with a frozen clock.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
import pytest

from homeassistant.config_entries import (
    SOURCE_REAUTH,
    SOURCE_RECONFIGURE,
    SOURCE_USER,
    ConfigEntryState,
)
from homeassistant.const import EVENT_HOMEASSISTANT_FINAL_WRITE, EVENT_HOMEASSISTANT_STOP
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import issue_registry as ir
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import (
    CLIENT_ID,
    MockConfigEntry,
    MockUser,
    async_fire_time_changed,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.spotifreak.const import (
    CONF_AUTHORIZATION_LIFETIME,
    CONF_DAILY_CALL_BUDGET,
    DOMAIN,
)
from custom_components.spotifreak.issues import (
    ISSUE_AUTHORIZATION_DUE,
    ISSUE_AUTHORIZATION_SOON,
    ISSUE_CACHE_STALE,
    ISSUE_QUOTA_EXCEEDED,
    issue_id,
)
from tests.emulator import Emulator, Fault

from .helpers import authorize_in_browser, cache_state, entity_id, restart_from

NOW = "2026-07-01 12:00:00+00:00"
QUOTA_BODY = {"error": {"status": 429, "message": "Quota exceeded", "reason": "QUOTA_EXCEEDED"}}


async def _tick(hass: HomeAssistant, freezer: FrozenDateTimeFactory, delta: timedelta) -> None:
    """Let `delta` pass, and what fell due run (twice: timers set by the first run too, such as
    a delayed save of a Store)."""
    freezer.tick(delta)
    for _ in range(2):
        async_fire_time_changed(hass)
        await hass.async_block_till_done(wait_background_tasks=True)


def _issue(hass: HomeAssistant, kind: str, entry: MockConfigEntry) -> ir.IssueEntry | None:
    return ir.async_get(hass).async_get_issue(DOMAIN, issue_id(kind, entry.entry_id))


def _shown(moment: datetime) -> str:
    return dt_util.as_local(moment).strftime("%Y-%m-%d %H:%M")


def _authorized(entry: MockConfigEntry, hass: HomeAssistant, at: datetime) -> None:
    hass.config_entries.async_update_entry(
        entry, data={**entry.data, "authorized_at": at.isoformat()}
    )


# -- authorization expiry ----------------------------------------------------------------------


@pytest.mark.freeze_time(NOW)
@pytest.mark.usefixtures("current_request_with_host", "setup_credentials")
async def test_authorization_time_is_recorded_at_setup_reauth_and_reconfigure(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    hass_client_no_auth: ClientSessionGenerator,
    emulator: Emulator,
) -> None:
    """Each authorization records when it was given; the sensor shows six months later."""
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await authorize_in_browser(hass, hass_client_no_auth, dict(result))
    entry = result["result"]
    await hass.async_block_till_done()
    assert entry.data["authorized_at"] == dt_util.utcnow().isoformat()
    assert cache_state(hass, entry, "authorization_expires") == "2027-01-01T12:00:00+00:00"

    freezer.tick(timedelta(days=100))
    entry.async_start_reauth(hass)
    await hass.async_block_till_done()
    (flow,) = entry.async_get_active_flows(hass, {SOURCE_REAUTH})
    result = await hass.config_entries.flow.async_configure(flow["flow_id"], {})
    result = await authorize_in_browser(hass, hass_client_no_auth, dict(result))
    assert result["reason"] == "reauth_successful"
    await hass.async_block_till_done()
    assert entry.data["authorized_at"] == "2026-10-09T12:00:00+00:00"
    assert cache_state(hass, entry, "authorization_expires") == "2027-04-09T12:00:00+00:00"

    freezer.tick(timedelta(days=1))
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_RECONFIGURE, "entry_id": entry.entry_id}
    )
    result = await authorize_in_browser(hass, hass_client_no_auth, dict(result))
    assert result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done()
    assert entry.data["authorized_at"] == "2026-10-10T12:00:00+00:00"


@pytest.mark.freeze_time(NOW)
@pytest.mark.usefixtures("current_request_with_host")
async def test_expiry_repair_14_days_ahead_and_on_the_day_starts_reauth(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    hass_client: ClientSessionGenerator,
    hass_client_no_auth: ClientSessionGenerator,
    hass_admin_user: MockUser,
    emulator: Emulator,
    config_entry: MockConfigEntry,
    setup_entry: Callable[[], Awaitable[MockConfigEntry]],
) -> None:
    """Fifteen days before the authorization ends: no issue; fourteen: a fixable warning whose
    fix starts the reauth flow; on the day: an error; authorizing again clears both."""
    assert await async_setup_component(hass, "repairs", {})
    authorized = datetime(2026, 1, 16, 12, 0, tzinfo=dt_util.UTC)  # ends 16 July, 12:00 UTC
    config_entry.add_to_hass(hass)
    _authorized(config_entry, hass, authorized)
    entry = await setup_entry()
    expires = datetime(2026, 7, 16, 12, 0, tzinfo=dt_util.UTC)
    assert cache_state(hass, entry, "authorization_expires") == expires.isoformat()
    assert _issue(hass, ISSUE_AUTHORIZATION_SOON, entry) is None

    await _tick(hass, freezer, timedelta(days=1, minutes=1))
    issue = _issue(hass, ISSUE_AUTHORIZATION_SOON, entry)
    assert issue is not None
    assert (issue.severity, issue.is_fixable) == (ir.IssueSeverity.WARNING, True)
    assert issue.translation_placeholders == {"account": entry.title, "expires": _shown(expires)}
    assert _issue(hass, ISSUE_AUTHORIZATION_DUE, entry) is None

    # The fix flow, as the frontend drives it: a confirmation, then the reauth flow starts.
    refresh_token = await hass.auth.async_create_refresh_token(hass_admin_user, CLIENT_ID)
    client = await hass_client(hass.auth.async_create_access_token(refresh_token))
    response = await client.post(
        "/api/repairs/issues/fix", json={"handler": DOMAIN, "issue_id": issue.issue_id}
    )
    assert response.status == 200
    flow = await response.json()
    assert (flow["type"], flow["step_id"]) == ("form", "confirm")
    assert flow["description_placeholders"] == {"account": entry.title}
    assert not list(entry.async_get_active_flows(hass, {SOURCE_REAUTH}))
    response = await client.post(f"/api/repairs/issues/fix/{flow['flow_id']}", json={})
    finished = await response.json()
    assert (finished["type"], finished["reason"]) == ("abort", "reauth_started")
    await hass.async_block_till_done()
    reauth = list(entry.async_get_active_flows(hass, {SOURCE_REAUTH}))
    assert len(reauth) == 1
    assert _issue(hass, ISSUE_AUTHORIZATION_SOON, entry) is not None  # until it is done
    # The authorization still works meanwhile: actions are not held back as after a refusal.
    emulator.reset_log()
    await hass.services.async_call(DOMAIN, "refresh_playlist_cache", {}, blocking=True)
    assert emulator.count("GET", "/v1/me/playlists") == 1

    # Local midnight of the day it ends (Home Assistant's time zone in tests: US/Pacific).
    day = dt_util.as_local(expires).replace(hour=0, minute=0, second=30)
    await _tick(hass, freezer, day - dt_util.utcnow())
    due = _issue(hass, ISSUE_AUTHORIZATION_DUE, entry)
    assert due is not None
    assert (due.severity, due.is_fixable) == (ir.IssueSeverity.ERROR, True)
    assert _issue(hass, ISSUE_AUTHORIZATION_SOON, entry) is None

    # Finishing the reauth the fix started records a new authorization and clears the issue.
    result = await hass.config_entries.flow.async_configure(reauth[0]["flow_id"], {})
    result = await authorize_in_browser(hass, hass_client_no_auth, dict(result))
    assert result["reason"] == "reauth_successful"
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert _issue(hass, ISSUE_AUTHORIZATION_DUE, entry) is None
    assert _issue(hass, ISSUE_AUTHORIZATION_SOON, entry) is None
    renewed = datetime.fromisoformat(cache_state(hass, entry, "authorization_expires"))
    assert renewed - dt_util.utcnow() > timedelta(days=180)


@pytest.mark.freeze_time(NOW)
@pytest.mark.usefixtures("current_request_with_host")
async def test_a_refusal_while_an_early_reauth_is_open_still_fails_fast(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    emulator: Emulator,
    init_integration: MockConfigEntry,
) -> None:
    """The user started authorizing again from the reminder and left it open; when Spotify
    then refuses the token, actions fail at once with the reauth error, without calls."""
    entry = init_integration
    assert await async_setup_component(hass, "repairs", {})
    ir.async_create_issue(
        hass,
        DOMAIN,
        issue_id(ISSUE_AUTHORIZATION_SOON, entry.entry_id),
        is_fixable=True,
        severity=ir.IssueSeverity.WARNING,
        translation_key=ISSUE_AUTHORIZATION_SOON,
        translation_placeholders={"account": entry.title, "expires": "2026-07-16 05:00"},
        data={"entry_id": entry.entry_id},
    )
    client = await hass_client()
    response = await client.post(
        "/api/repairs/issues/fix",
        json={"handler": DOMAIN, "issue_id": issue_id(ISSUE_AUTHORIZATION_SOON, entry.entry_id)},
    )
    flow = await response.json()
    await client.post(f"/api/repairs/issues/fix/{flow['flow_id']}", json={})
    await hass.async_block_till_done()
    assert list(entry.async_get_active_flows(hass, {SOURCE_REAUTH}))
    emulator.expire_access_tokens()
    emulator.expire_refresh_tokens()
    with pytest.raises(HomeAssistantError) as raised:
        await hass.services.async_call(DOMAIN, "refresh_playlist_cache", {}, blocking=True)
    assert raised.value.translation_key == "reauth_required"
    emulator.reset_log()
    with pytest.raises(HomeAssistantError) as raised:
        await hass.services.async_call(DOMAIN, "refresh_playlist_cache", {}, blocking=True)
    assert raised.value.translation_key == "reauth_required"
    assert emulator.requests == []


async def test_the_fix_flow_of_a_removed_account_ends(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    init_integration: MockConfigEntry,
) -> None:
    """An issue left behind by an account that is gone: its fix says so and starts nothing."""
    assert await async_setup_component(hass, "repairs", {})
    ir.async_create_issue(
        hass,
        DOMAIN,
        "authorization_expiring_gone",
        is_fixable=True,
        severity=ir.IssueSeverity.WARNING,
        translation_key=ISSUE_AUTHORIZATION_SOON,
        translation_placeholders={"account": "Gone", "expires": "2026-07-16 05:00"},
        data={"entry_id": "gone"},
    )
    client = await hass_client()
    response = await client.post(
        "/api/repairs/issues/fix",
        json={"handler": DOMAIN, "issue_id": "authorization_expiring_gone"},
    )
    finished = await response.json()
    assert (finished["type"], finished["reason"]) == ("abort", "entry_removed")
    assert not list(init_integration.async_get_active_flows(hass, {SOURCE_REAUTH}))


@pytest.mark.freeze_time(NOW)
async def test_an_entry_without_a_recorded_authorization_says_unknown_and_raises_nothing(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
) -> None:
    """Entries set up before the time was recorded: the expiry is unknown, never guessed."""
    entry = init_integration
    assert "authorized_at" not in entry.data
    assert cache_state(hass, entry, "authorization_expires") == "unknown"
    await _tick(hass, freezer, timedelta(days=200))
    for kind in (ISSUE_AUTHORIZATION_SOON, ISSUE_AUTHORIZATION_DUE):
        assert _issue(hass, kind, entry) is None


@pytest.mark.freeze_time(NOW)
@pytest.mark.parametrize("entry_options", [{CONF_AUTHORIZATION_LIFETIME: 1}])
async def test_the_lifetime_is_an_option(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    setup_entry: Callable[[], Awaitable[MockConfigEntry]],
) -> None:
    """Should Spotify change the six months, the option moves the expiry (and its issues)."""
    config_entry.add_to_hass(hass)
    _authorized(config_entry, hass, datetime(2026, 6, 10, 12, 0, tzinfo=dt_util.UTC))
    entry = await setup_entry()
    assert cache_state(hass, entry, "authorization_expires") == "2026-07-10T12:00:00+00:00"
    assert _issue(hass, ISSUE_AUTHORIZATION_SOON, entry) is not None


# -- the calls of the last 24 hours ------------------------------------------------------------


@pytest.mark.freeze_time(NOW)
async def test_the_24_hour_counter_survives_a_restart_and_rolls(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    hass_storage: dict[str, Any],
    emulator: Emulator,
    init_integration: MockConfigEntry,
) -> None:
    """Calls are counted per minute, stored in batches (not on every call), kept across a
    restart, and drop out 24 hours later. The diagnostic counter starts again at every load."""
    entry = init_integration
    key = f"{DOMAIN}.{entry.entry_id}.usage"
    assert cache_state(hass, entry, "api_calls_24h") == "1"  # the first refresh
    for _ in range(3):
        await hass.services.async_call(DOMAIN, "refresh_playlist_cache", {}, blocking=True)
    assert emulator.spotify_calls == 4
    assert key not in hass_storage  # not written on every call

    await _tick(hass, freezer, timedelta(minutes=1))  # written at most once a minute
    assert sum(n for _minute, n in hass_storage[key]["data"]["minutes"]) == 4
    assert cache_state(hass, entry, "api_calls_24h") == "4"

    await _tick(hass, freezer, timedelta(hours=2))  # a scheduled refresh runs meanwhile
    await hass.services.async_call(DOMAIN, "refresh_playlist_cache", {}, blocking=True)
    made = emulator.spotify_calls
    assert made == 6
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert emulator.spotify_calls == made  # the reloaded cache is fresh: no call
    assert cache_state(hass, entry, "api_calls_24h") == "6"  # the unload stored the last calls
    assert cache_state(hass, entry, "api_calls") == "0"  # the diagnostic counter restarted

    # A kill keeps what was stored (a minute's calls at most are lost).
    await hass.services.async_call(DOMAIN, "refresh_playlist_cache", {}, blocking=True)
    await _tick(hass, freezer, timedelta(minutes=1))
    await restart_from(hass, entry, hass_storage, dict(hass_storage))
    assert cache_state(hass, entry, "api_calls_24h") == "7"

    before = emulator.spotify_calls
    await _tick(hass, freezer, timedelta(hours=24))  # every call so far is a day old now
    assert cache_state(hass, entry, "api_calls_24h") == str(emulator.spotify_calls - before)


async def test_counts_are_stored_when_home_assistant_stops_and_a_broken_store_is_no_failure(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    emulator: Emulator,
    config_entry: MockConfigEntry,
    setup_entry: Callable[[], Awaitable[MockConfigEntry]],
) -> None:
    """An unreadable stored count starts afresh; stopping Home Assistant writes the counts."""
    key = f"{DOMAIN}.{config_entry.entry_id}.usage"
    hass_storage[key] = {"data": "not a store"}  # no version: the store cannot be read
    entry = await setup_entry()
    assert entry.state is ConfigEntryState.LOADED
    assert cache_state(hass, entry, "api_calls_24h") == "1"
    del hass_storage[key]
    hass.bus.async_fire(EVENT_HOMEASSISTANT_STOP)
    await hass.async_block_till_done()
    hass.bus.async_fire(EVENT_HOMEASSISTANT_FINAL_WRITE)
    await hass.async_block_till_done()
    assert sum(n for _minute, n in hass_storage[key]["data"]["minutes"]) == 1


# -- Spotify's quota ---------------------------------------------------------------------------


@pytest.mark.freeze_time(NOW)
async def test_quota_exceeded_ends_runs_and_raises_a_repair_until_it_lifts(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    hass_storage: dict[str, Any],
    emulator: Emulator,
    init_integration: MockConfigEntry,
) -> None:
    """A QUOTA_EXCEEDED 429 ends the run as quota_exceeded and raises a repair issue saying when
    the wait ends; a restart raises it again; it clears once the wait is over."""
    entry = init_integration
    emulator.inject(Fault(status=429, retry_after=48925, body=QUOTA_BODY, path="/v1/me/tracks"))
    with pytest.raises(HomeAssistantError) as raised:
        await hass.services.async_call(
            DOMAIN,
            "mirror_playlist",
            {"source": "liked_songs", "targets": ["%b%y"]},
            blocking=True,
            return_response=True,
        )
    assert raised.value.translation_key == "quota_exceeded"
    history = await hass.services.async_call(
        DOMAIN, "get_run_history", {}, blocking=True, return_response=True
    )
    run = history["runs"][0]  # type: ignore[index]
    assert (run["status"], run["reason"], run["retry_after"]) == (
        "rate_limited",
        "quota_exceeded",
        48925,
    )
    lifts = dt_util.utcnow() + timedelta(seconds=48925)
    issue = _issue(hass, ISSUE_QUOTA_EXCEEDED, entry)
    assert issue is not None
    assert issue.severity is ir.IssueSeverity.ERROR
    assert issue.translation_placeholders == {"account": entry.title, "until": _shown(lifts)}

    # Nothing in memory survives a kill: the stored deadline raises the issue again.
    ir.async_delete_issue(hass, DOMAIN, issue.issue_id)
    await restart_from(hass, entry, hass_storage, dict(hass_storage))
    assert _issue(hass, ISSUE_QUOTA_EXCEEDED, entry) is not None
    emulator.reset_log()
    await _tick(hass, freezer, timedelta(hours=13))
    assert emulator.spotify_calls == 0  # still waiting
    assert _issue(hass, ISSUE_QUOTA_EXCEEDED, entry) is not None

    await _tick(hass, freezer, timedelta(seconds=48925) - timedelta(hours=13, seconds=-60))
    assert _issue(hass, ISSUE_QUOTA_EXCEEDED, entry) is None
    assert entry.runtime_data.spotify.quota_until is None


@pytest.mark.freeze_time(NOW)
async def test_the_first_good_refresh_after_the_wait_clears_the_quota_issue(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    emulator: Emulator,
    init_integration: MockConfigEntry,
) -> None:
    """Without waiting for the minute's check: the refresh that succeeds clears the issue."""
    entry = init_integration
    emulator.inject(Fault(status=429, retry_after=5, body=QUOTA_BODY, path="/v1/me/playlists"))
    with pytest.raises(HomeAssistantError) as raised:
        await hass.services.async_call(DOMAIN, "refresh_playlist_cache", {}, blocking=True)
    assert raised.value.translation_key == "quota_exceeded"
    assert _issue(hass, ISSUE_QUOTA_EXCEEDED, entry) is not None
    freezer.tick(timedelta(seconds=6))
    await hass.services.async_call(DOMAIN, "refresh_playlist_cache", {}, blocking=True)
    assert _issue(hass, ISSUE_QUOTA_EXCEEDED, entry) is None


async def test_a_plain_rate_limit_raises_no_quota_issue(
    hass: HomeAssistant, emulator: Emulator, init_integration: MockConfigEntry
) -> None:
    """Only Spotify's quota is worth a repair issue; a 429 of the 30-second window is not."""
    emulator.inject(Fault(status=429, retry_after=30, path="/v1/me/tracks"))
    with pytest.raises(HomeAssistantError) as raised:
        await hass.services.async_call(
            DOMAIN, "mirror_playlist", {"source": "liked_songs", "targets": ["%b%y"]}, blocking=True
        )
    assert raised.value.translation_key == "sync_rate_limited"
    assert _issue(hass, ISSUE_QUOTA_EXCEEDED, init_integration) is None


# -- the daily call budget ---------------------------------------------------------------------


async def _mirror(hass: HomeAssistant, target: str) -> dict[str, Any]:
    run = await hass.services.async_call(
        DOMAIN,
        "mirror_playlist",
        {"source": "liked_songs", "targets": [target], "only_new": False},
        blocking=True,
        return_response=True,
    )
    assert run is not None
    return dict(run)


@pytest.mark.freeze_time(NOW)
@pytest.mark.parametrize("entry_options", [{CONF_DAILY_CALL_BUDGET: 10}])
async def test_the_budget_skips_a_scheduled_refresh_and_no_sync_fails(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    emulator: Emulator,
    init_integration: MockConfigEntry,
) -> None:
    """Over the budget, the scheduled refresh and the stale cache's refresh before a sync are
    skipped (recorded as skipped, no repair issue for the staleness they cause), syncs run on
    the cache, and refreshes needed before a write or asked for still run."""
    entry = init_integration
    for _ in range(9):  # asked for: runs whatever the budget (10 calls in the last 24 h now)
        await hass.services.async_call(DOMAIN, "refresh_playlist_cache", {}, blocking=True)
    assert cache_state(hass, entry, "api_calls_24h") == "10"
    last_refreshed = entity_id(hass, entry, "last_refreshed")
    assert hass.states.get(last_refreshed).attributes["last_refresh_result"] == "success"  # type: ignore[union-attr]

    emulator.reset_log()
    await _tick(hass, freezer, timedelta(minutes=31))  # the refresh falls due
    assert emulator.count("GET", "/v1/me/playlists") == 0
    assert hass.states.get(last_refreshed).attributes["last_refresh_result"] == "skipped_budget"  # type: ignore[union-attr]

    # A sync on the (aging, stale) cache: it runs on the cache as it is, nothing fails.
    for _ in range(40):
        await _tick(hass, freezer, timedelta(minutes=1))
    assert cache_state(hass, entry, "cache_stale", "binary_sensor") == "on"
    assert _issue(hass, ISSUE_CACHE_STALE, entry) is None
    owned = next(
        record.name
        for record in entry.runtime_data.coordinator.data.records.values()
        if record.owner == entry.unique_id
        and len(emulator.library.playlists_named(record.name)) == 1
    )
    run = await _mirror(hass, owned)
    assert run["status"] == "success"
    assert emulator.count("GET", "/v1/me/playlists") == 0

    # A playlist the cache does not know is about to be created: the listing that makes sure
    # it does not exist yet runs whatever the budget (never a second playlist of that name).
    emulator.library.create_playlist("Budget Archive")  # made in the Spotify app meanwhile
    run = await _mirror(hass, "Budget Archive")
    assert run["status"] == "success"
    assert emulator.count("GET", "/v1/me/playlists") == 1
    assert len(emulator.library.playlists_named("Budget Archive")) == 1

    await hass.services.async_call(DOMAIN, "refresh_playlist_cache", {}, blocking=True)
    assert emulator.count("GET", "/v1/me/playlists") == 2
    assert hass.states.get(last_refreshed).attributes["last_refresh_result"] == "success"  # type: ignore[union-attr]
    assert cache_state(hass, entry, "cache_stale", "binary_sensor") == "off"


@pytest.mark.freeze_time(NOW)
@pytest.mark.parametrize("entry_options", [{CONF_DAILY_CALL_BUDGET: 10}])
async def test_a_failure_after_a_skip_still_raises_the_stale_issue(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    emulator: Emulator,
    init_integration: MockConfigEntry,
) -> None:
    """The budget hides no outage: once the calls of the day roll out, a failing refresh is a
    failure again and the stale cache raises its issue."""
    entry = init_integration
    for _ in range(9):
        await hass.services.async_call(DOMAIN, "refresh_playlist_cache", {}, blocking=True)
    await _tick(hass, freezer, timedelta(minutes=31))
    assert entry.runtime_data.coordinator.last_refresh_result == "skipped_budget"
    assert _issue(hass, ISSUE_CACHE_STALE, entry) is None
    emulator.inject(Fault(status=503, path="/v1/me/playlists", times=None))
    emulator.reset_log()
    await _tick(hass, freezer, timedelta(hours=24))
    for _ in range(6):
        await _tick(hass, freezer, timedelta(minutes=5))
    # The failures spent the day's budget again (three reads each): later ones were skipped.
    assert emulator.count("GET", "/v1/me/playlists") >= 3
    assert entry.runtime_data.coordinator.last_refresh_error is not None
    assert _issue(hass, ISSUE_CACHE_STALE, entry) is not None
