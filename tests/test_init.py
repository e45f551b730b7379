"""Setting an account up and down: start-up economy, stored cache, token failures."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
import copy
from datetime import timedelta
import logging
from types import MappingProxyType
from typing import Any

from freezegun.api import FrozenDateTimeFactory
import pytest

from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntryState, ConfigSubentry
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import issue_registry as ir
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.spotifreak.const import CONF_LASTFM_API_KEY, CONF_LASTFM_USERNAME, DOMAIN
from custom_components.spotifreak.issues import ISSUE_CACHE_STALE, issue_id
from tests.emulator import Emulator, Fault
from tests.emulator.library import LASTFM_API_KEY

from .helpers import cache_state, foreign_words, restart_from, stored_cache


def _add_with_expired_access_token(
    hass: HomeAssistant, config_entry: MockConfigEntry
) -> dict[str, Any]:
    """Add the entry with an access token past its expiry (setup must refresh it first)."""
    token = dict(config_entry.data["token"])
    token["expires_at"] = dt_util.utcnow().timestamp() - 60
    config_entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(config_entry, data={**config_entry.data, "token": token})
    return token


async def test_setup_and_unload(hass: HomeAssistant, init_integration: MockConfigEntry) -> None:
    """An entry loads, reads the playlists once, and unloads cleanly."""
    entry = init_integration
    assert entry.state is ConfigEntryState.LOADED
    assert len(entry.runtime_data.coordinator.data) > 0
    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.NOT_LOADED


async def test_fresh_stored_cache_makes_no_call(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    config_entry: MockConfigEntry,
    setup_entry: Callable[[], Awaitable[MockConfigEntry]],
    emulator: Emulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A cache fresher than the interval is served as stored; the refresh comes when it is due."""
    stored_cache(hass_storage, config_entry, emulator, age=timedelta(minutes=10), playlists=3)
    await setup_entry()
    assert emulator.spotify_calls == 0
    assert cache_state(hass, config_entry, "playlist_count") == "3"

    freezer.tick(timedelta(minutes=19))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert emulator.spotify_calls == 0

    freezer.tick(timedelta(minutes=2))  # 31 minutes old: due
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert emulator.count("GET", "/v1/me/playlists") >= 1
    expected = sum(1 for item in emulator.library.me_playlists if item is not None)
    assert cache_state(hass, config_entry, "playlist_count") == str(expected)


async def test_old_stored_cache_refreshes_at_start(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    config_entry: MockConfigEntry,
    setup_entry: Callable[[], Awaitable[MockConfigEntry]],
    emulator: Emulator,
) -> None:
    """A cache older than the interval is refreshed during setup."""
    stored_cache(hass_storage, config_entry, emulator, age=timedelta(minutes=45), playlists=3)
    await setup_entry()
    assert emulator.count("GET", "/v1/me/playlists") >= 1
    assert cache_state(hass, config_entry, "playlist_count") != "3"


@pytest.mark.parametrize("entry_options", [{"include_private": False}])
@pytest.mark.parametrize(
    ("stored_filter", "listings", "count"),
    [(None, 0, "2"), ([True, True, True, []], 1, None)],
    ids=["every_playlist_stored", "stored_filtered_by_other_options"],
)
async def test_options_filter_applies_to_the_stored_cache_at_start(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    config_entry: MockConfigEntry,
    setup_entry: Callable[[], Awaitable[MockConfigEntry]],
    emulator: Emulator,
    stored_filter: list[Any] | None,
    listings: int,
    count: str | None,
) -> None:
    """A fresh stored cache holds every playlist: the options' filter shows some at start-up,
    with no call. One stored filtered under other options (earlier versions) is listed again."""
    records = stored_cache(
        hass_storage, config_entry, emulator, age=timedelta(minutes=10), playlists=3
    )
    records[0]["public"] = False
    if stored_filter is not None:
        hass_storage[f"{DOMAIN}.{config_entry.entry_id}.cache"]["data"]["filter"] = stored_filter
    await setup_entry()
    assert emulator.count("GET", "/v1/me/playlists") == listings
    coordinator = config_entry.runtime_data.coordinator
    if count is not None:
        assert cache_state(hass, config_entry, "playlist_count") == count
        assert coordinator.directory.cached(records[0]["id"]) is not None  # held, not shown


async def test_stored_cache_served_when_spotify_is_down_at_start(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    config_entry: MockConfigEntry,
    setup_entry: Callable[[], Awaitable[MockConfigEntry]],
    emulator: Emulator,
) -> None:
    """An old stored cache still loads the entry when Spotify fails; the data stays visible."""
    stored_cache(hass_storage, config_entry, emulator, age=timedelta(minutes=45), playlists=4)
    emulator.inject(Fault(status=503, path="/v1/me/playlists", times=None))
    entry = await setup_entry()
    assert entry.state is ConfigEntryState.LOADED
    assert cache_state(hass, config_entry, "playlist_count") == "4"


async def test_start_up_failure_is_told_in_our_words(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    config_entry: MockConfigEntry,
    setup_entry: Callable[[], Awaitable[MockConfigEntry]],
    emulator: Emulator,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The start-up warning says what failed in the project's words (item 13 of issue 12)."""
    stored_cache(hass_storage, config_entry, emulator, age=timedelta(minutes=45), playlists=4)
    emulator.inject(Fault(status=503, path="/v1/me/playlists", times=None))
    with caplog.at_level(logging.WARNING):
        await setup_entry()
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert any("HTTP 503" in line for line in warnings), warnings
    assert not foreign_words("\n".join(warnings)), warnings


async def test_no_cache_and_spotify_down_retries_setup(
    hass: HomeAssistant,
    setup_entry: Callable[[], Awaitable[MockConfigEntry]],
    emulator: Emulator,
) -> None:
    """Without any cache a failing first refresh means "not ready": Home Assistant retries."""
    emulator.inject(Fault(status=500, path="/v1/me/playlists", times=None))
    entry = await setup_entry()
    assert entry.state is ConfigEntryState.SETUP_RETRY


async def test_corrupt_store_starts_empty(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    config_entry: MockConfigEntry,
    setup_entry: Callable[[], Awaitable[MockConfigEntry]],
    emulator: Emulator,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A stored cache that cannot be read is a warning, never a crash."""
    hass_storage[f"{DOMAIN}.{config_entry.entry_id}.cache"] = {
        "version": 1,
        "minor_version": 1,
        "key": f"{DOMAIN}.{config_entry.entry_id}.cache",
        "data": {"user_id": emulator.library.user_id, "playlists": [{"no": "id"}]},
    }
    with caplog.at_level(logging.WARNING):
        entry = await setup_entry()
    assert entry.state is ConfigEntryState.LOADED
    assert "could not be read" in caplog.text
    assert emulator.count("GET", "/v1/me/playlists") >= 1


async def test_expired_refresh_token_starts_reauth(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    setup_entry: Callable[[], Awaitable[MockConfigEntry]],
    emulator: Emulator,
) -> None:
    """invalid_grant (refresh token expired after six months) → ConfigEntryAuthFailed → reauth."""
    _add_with_expired_access_token(hass, config_entry)
    emulator.expire_refresh_tokens()
    await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    assert config_entry.state is ConfigEntryState.SETUP_ERROR
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == [SOURCE_REAUTH]
    assert emulator.spotify_calls == 0


async def test_token_endpoint_down_is_not_ready(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    setup_credentials: None,
    emulator: Emulator,
) -> None:
    """A token endpoint answering 5xx is transient: setup is retried, no reauth."""
    _add_with_expired_access_token(hass, config_entry)
    emulator.inject(Fault(status=503, method="POST", path="/api/token", times=None))
    await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    assert config_entry.state is ConfigEntryState.SETUP_RETRY
    assert not hass.config_entries.flow.async_progress_by_handler(DOMAIN)


async def test_expired_access_token_is_refreshed(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    setup_entry: Callable[[], Awaitable[MockConfigEntry]],
    emulator: Emulator,
) -> None:
    """An access token past its expiry is refreshed before the first call."""
    token = _add_with_expired_access_token(hass, config_entry)
    await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    assert config_entry.state is ConfigEntryState.LOADED
    assert emulator.count("POST", "/api/token") == 1
    assert config_entry.data["token"]["access_token"] != token["access_token"]


async def test_remove_entry_deletes_store(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    init_integration: MockConfigEntry,
) -> None:
    """Removing the account deletes its stored cache."""
    entry = init_integration
    key = f"{DOMAIN}.{entry.entry_id}.cache"
    await hass.async_block_till_done()
    await entry.runtime_data.coordinator.async_shutdown()
    assert key in hass_storage
    await hass.config_entries.async_remove(entry.entry_id)
    await hass.async_block_till_done()
    assert key not in hass_storage


async def test_rate_limited_first_refresh_waits_across_setup_retries(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    setup_entry: Callable[[], Awaitable[MockConfigEntry]],
    emulator: Emulator,
) -> None:
    """A 429 at the very first refresh: setup is retried, but Spotify is not called before Retry-After."""
    emulator.inject(Fault(status=429, retry_after=120, path="/v1/me/playlists", times=1))
    entry = await setup_entry()
    assert entry.state is ConfigEntryState.SETUP_RETRY
    assert emulator.spotify_calls == 1

    for _ in range(6):  # Home Assistant retries setup after a few seconds, again and again
        freezer.tick(timedelta(seconds=15))
        async_fire_time_changed(hass)
        await hass.async_block_till_done(wait_background_tasks=True)
    assert emulator.spotify_calls == 1
    assert entry.state is ConfigEntryState.SETUP_RETRY

    freezer.tick(timedelta(minutes=3))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert entry.state is ConfigEntryState.LOADED
    assert emulator.spotify_calls >= 2


@pytest.mark.parametrize(
    "body", [{"error": "QUOTA_EXCEEDED"}, ["QUOTA_EXCEEDED"], "<html>QUOTA_EXCEEDED</html>"]
)
async def test_quota_at_the_first_refresh_waits(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    setup_entry: Callable[[], Awaitable[MockConfigEntry]],
    emulator: Emulator,
    body: Any,
) -> None:
    """Spotify's quota answered in a body spotipy cannot read: setup waits for Retry-After."""
    emulator.inject(
        Fault(status=429, retry_after=600, body=body, path="/v1/me/playlists", times=None)
    )
    entry = await setup_entry()
    assert entry.state is ConfigEntryState.SETUP_RETRY
    assert emulator.spotify_calls == 1
    for _ in range(8):
        freezer.tick(timedelta(seconds=60))
        async_fire_time_changed(hass)
        await hass.async_block_till_done(wait_background_tasks=True)
    assert emulator.spotify_calls == 1
    emulator.clear_faults()
    freezer.tick(timedelta(minutes=5))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert entry.state is ConfigEntryState.LOADED


async def test_reload_reuses_the_fresh_cache(
    hass: HomeAssistant, emulator: Emulator, init_integration: MockConfigEntry
) -> None:
    """A reload (e.g. after changing options) serves the stored cache without calling Spotify."""
    entry = init_integration
    before = dict(entry.runtime_data.coordinator.data.records)
    await hass.async_block_till_done()
    emulator.reset_log()
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert emulator.spotify_calls == 0
    assert entry.runtime_data.coordinator.data.records == before


async def test_failed_refreshes_log_once(
    hass: HomeAssistant,
    emulator: Emulator,
    init_integration: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Repeated failing refreshes log one error, and one line when they recover."""
    coordinator = init_integration.runtime_data.coordinator
    emulator.inject(Fault(status=503, path="/v1/me/playlists", times=None))
    with caplog.at_level(logging.INFO):
        for _ in range(3):
            await coordinator.async_refresh()
        emulator.clear_faults()
        await coordinator.async_refresh()
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1
    assert "recovered" in caplog.text


async def test_retry_after_survives_a_restart(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    emulator: Emulator,
    init_integration: MockConfigEntry,
) -> None:
    """The Retry-After deadline is stored with the cache: a restart does not call Spotify early."""
    from custom_components.spotifreak.api import BLOCKED_UNTIL

    entry = init_integration
    coordinator = entry.runtime_data.coordinator
    emulator.inject(Fault(status=429, retry_after=3600, path="/v1/me/playlists"))
    await coordinator.async_refresh()
    assert await hass.config_entries.async_unload(entry.entry_id)
    hass.data.pop(BLOCKED_UNTIL)  # what a restart forgets
    stored = hass_storage[f"{DOMAIN}.{entry.entry_id}.cache"]["data"]
    assert stored["blocked_until"]
    stored["last_refreshed"] = (dt_util.utcnow() - timedelta(hours=2)).isoformat()  # overdue
    emulator.reset_log()
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert emulator.spotify_calls == 0
    assert entry.runtime_data.spotify.retry_after is not None


async def test_remove_entry_deletes_its_repair_issues(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    config_entry: MockConfigEntry,
    setup_entry: Callable[[], Awaitable[MockConfigEntry]],
    emulator: Emulator,
    issue_registry: ir.IssueRegistry,
) -> None:
    """A removed account leaves no repair issue behind (on every supported release)."""
    stored_cache(hass_storage, config_entry, emulator, age=timedelta(hours=3), playlists=3)
    emulator.inject(Fault(status=503, path="/v1/me/playlists", times=None))
    entry = await setup_entry()
    assert entry.state is ConfigEntryState.LOADED  # the stored cache is served
    stale = issue_id(ISSUE_CACHE_STALE, entry.entry_id)
    assert issue_registry.async_get_issue(DOMAIN, stale) is not None

    await hass.config_entries.async_remove(entry.entry_id)
    await hass.async_block_till_done()
    assert issue_registry.async_get_issue(DOMAIN, stale) is None


@pytest.mark.parametrize("during", ["refresh", "sync"])
async def test_retry_after_is_stored_at_once_and_honoured_after_a_power_loss(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    emulator: Emulator,
    freezer: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    during: str,
) -> None:
    """The deadline of a 429 is on disk as soon as it is known (Home Assistant's stop does not
    unload entries): after an unclean stop the account makes no call before it has passed, the
    entry loads from the stored cache and its entities show it."""
    entry = init_integration
    key = f"{DOMAIN}.{entry.entry_id}.cache"
    count = cache_state(hass, entry, "playlist_count")
    if during == "refresh":
        emulator.inject(Fault(status=429, retry_after=3600, path="/v1/me/playlists"))
        await entry.runtime_data.coordinator.async_refresh()
    else:
        emulator.inject(Fault(status=429, retry_after=3600, path="/v1/me/tracks"))
        with pytest.raises(HomeAssistantError):
            await hass.services.async_call(
                DOMAIN,
                "mirror_playlist",
                {"source": "liked_songs", "targets": ["%b%y"]},
                blocking=True,
            )
    assert hass_storage[key]["data"]["blocked_until"]  # no delay, no unload needed
    saved = copy.deepcopy(hass_storage)

    freezer.tick(timedelta(minutes=50))
    saved[key]["data"]["last_refreshed"] = (dt_util.utcnow() - timedelta(hours=2)).isoformat()
    emulator.reset_log()
    await restart_from(hass, entry, hass_storage, saved)
    assert entry.state is ConfigEntryState.LOADED
    assert emulator.spotify_calls == 0
    assert emulator.count("POST", "/api/token") == 0
    assert cache_state(hass, entry, "playlist_count") == count
    assert entry.runtime_data.spotify.retry_after is not None
    for _ in range(5):
        freezer.tick(timedelta(minutes=1))
        async_fire_time_changed(hass)
        await hass.async_block_till_done(wait_background_tasks=True)
    assert emulator.spotify_calls == 0
    freezer.tick(timedelta(minutes=10))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert emulator.count("GET", "/v1/me/playlists") >= 1


async def test_blocked_at_start_without_a_cache_is_not_ready(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    config_entry: MockConfigEntry,
    setup_entry: Callable[[], Awaitable[MockConfigEntry]],
    emulator: Emulator,
) -> None:
    """A stored deadline and no stored playlists: setup waits (not ready), with no call."""
    stored_cache(hass_storage, config_entry, emulator, age=timedelta(0), playlists=0)
    data = hass_storage[f"{DOMAIN}.{config_entry.entry_id}.cache"]["data"]
    data["last_refreshed"] = None
    data["blocked_until"] = (dt_util.utcnow() + timedelta(minutes=30)).isoformat()
    entry = await setup_entry()
    assert entry.state is ConfigEntryState.SETUP_RETRY
    assert emulator.spotify_calls == 0


async def test_start_up_makes_no_call_of_any_kind(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    config_entry: MockConfigEntry,
    setup_credentials: None,
    emulator: Emulator,
) -> None:
    """A fresh stored cache, configured syncs, Last.fm set up and an access token that has
    expired: starting makes no request at all, not even the token's renewal, and every entity
    shows the stored state."""
    stored_cache(hass_storage, config_entry, emulator, age=timedelta(minutes=5), playlists=7)
    _add_with_expired_access_token(hass, config_entry)
    hass.config_entries.async_update_entry(
        config_entry,
        options={CONF_LASTFM_API_KEY: LASTFM_API_KEY, CONF_LASTFM_USERNAME: "emulator_fm"},
    )
    hass.config_entries.async_add_subentry(
        config_entry,
        ConfigSubentry(
            data=MappingProxyType({"source": "liked_songs", "targets": ["%b%y"]}),
            subentry_type="playlist_mirror",
            title="Archive",
            unique_id=None,
        ),
    )
    await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    assert config_entry.state is ConfigEntryState.LOADED
    assert emulator.requests == []  # Spotify, its accounts service and Last.fm alike
    assert cache_state(hass, config_entry, "playlist_count") == "7"
