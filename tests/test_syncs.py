"""Syncs inside Home Assistant: configured syncs (subentries), actions, run records, events."""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from freezegun.api import FrozenDateTimeFactory
import pytest

from homeassistant.config_entries import ConfigSubentryData
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import (
    device_registry as dr,
    entity_registry as er,
    issue_registry as ir,
)
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_capture_events

from custom_components.spotifreak import syncs as syncs_module
from custom_components.spotifreak.const import (
    CONF_LASTFM_API_KEY,
    CONF_LASTFM_USERNAME,
    DOMAIN,
    EVENT_SYNC_FINISHED,
)
from custom_components.spotifreak.issues import ISSUE_LASTFM_AUTH, issue_id
from tests.emulator import Emulator, Fault, Playlist
from tests.emulator.library import LASTFM_API_KEY, LASTFM_SUSPENDED_API_KEY
from tests.helpers import (
    add_sync,
    cache_state,
    call_action as _call,
    device_by_identifier,
    foreign_words,
)


def _sync_entity(hass: HomeAssistant, subentry_id: str, key: str, platform: str = "sensor") -> str:
    entity_id = er.async_get(hass).async_get_entity_id(platform, DOMAIN, f"{subentry_id}_{key}")
    assert entity_id is not None, key
    return entity_id


async def _add_mirror(hass: HomeAssistant, entry: MockConfigEntry, **data: Any) -> str:
    result = await hass.config_entries.subentries.async_init(
        (entry.entry_id, "playlist_mirror"), context={"source": "user"}
    )
    assert result["type"] is FlowResultType.FORM
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"],
        {
            "name": data.pop("name", "Monthly archive"),
            "source": "liked_songs",
            "targets": ["%b%y"],
            "create_missing": True,
            "public": False,
            "deduplicate": True,
            "only_new": True,
            **data,
        },
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    return next(
        subentry_id
        for subentry_id, subentry in entry.subentries.items()
        if subentry.title == result["title"]
    )


async def test_liked_songs_into_monthly_archive(
    hass: HomeAssistant, emulator: Emulator, init_integration: MockConfigEntry
) -> None:
    """mirror_playlist: liked songs into "%b%y", created on the fly; a re-run is up to date."""
    library = emulator.library
    events = async_capture_events(hass, EVENT_SYNC_FINISHED)
    record = await _call(
        hass,
        "mirror_playlist",
        {"source": "liked_songs", "targets": ["%b%y"], "max_tracks": 30},
    )
    name = dt_util.now().strftime("%b%y")
    created = library.playlists_named(name)
    assert len(created) == 1
    newest = [library.item(saved.uri) for saved in reversed(library.liked[:30])]
    expected = [
        item.uri for item in newest if item is not None and getattr(item, "is_playable", True)
    ]
    assert library.playlist_uris(created[0].id) == expected
    assert record["status"] == "success"
    assert record["added"] == len(expected)
    assert record["api_calls"] > 0
    assert events[-1].data["run_id"] == record["run_id"]
    assert events[-1].data["entry_id"] == init_integration.entry_id

    emulator.reset_log()
    again = await _call(
        hass, "mirror_playlist", {"source": "liked_songs", "targets": ["%b%y"], "max_tracks": 30}
    )
    assert again["status"] == "up_to_date"
    assert emulator.spotify_calls == again["api_calls"] == 1
    history = await _call(hass, "get_run_history", {"limit": 5})
    assert [run["run_id"] for run in history["runs"]] == [again["run_id"], record["run_id"]]


async def test_playlist_source_unchanged_costs_nothing(
    hass: HomeAssistant, emulator: Emulator, init_integration: MockConfigEntry
) -> None:
    """A playlist source whose cached snapshot has not moved: up_to_date with zero calls."""
    library = emulator.library
    source = library.create_playlist("Source mix", items=[t.uri for t in library.catalogue[:12]])
    target = library.create_playlist("Mirror of source mix")
    await init_integration.runtime_data.coordinator.async_refresh()
    data = {"source": "Source mix", "targets": ["Mirror of source mix"], "sync_id": "mix"}
    first = await _call(hass, "mirror_playlist", data)
    assert first["status"] == "success"
    assert library.playlist_uris(target.id) == library.playlist_uris(source.id)

    emulator.reset_log()
    second = await _call(hass, "mirror_playlist", data)
    assert second["status"] == "up_to_date"
    assert second["api_calls"] == 0
    assert emulator.spotify_calls == 0


async def test_input_errors_are_translated_and_write_nothing(
    hass: HomeAssistant, emulator: Emulator, init_integration: MockConfigEntry
) -> None:
    """Unknown source, target = source, empty targets, invalid pattern: nothing written."""
    library = emulator.library
    mine = library.create_playlist("Mine")
    await init_integration.runtime_data.coordinator.async_refresh()
    cases = [
        ({"source": "No such playlist anywhere", "targets": ["Mine"]}, "unknown_source"),
        ({"source": "Mine", "targets": [mine.uri]}, "target_is_source"),
        ({"source": "liked_songs", "targets": []}, "no_targets"),
        ({"source": "liked_songs", "targets": ["${nonsense}"]}, "invalid_pattern"),
    ]
    changes = len(library.changes)
    for data, key in cases:
        with pytest.raises(ServiceValidationError) as raised:
            await _call(hass, "mirror_playlist", data)
        assert raised.value.translation_key == key
    assert len(library.changes) == changes


async def test_spotify_failure_is_a_translated_error(
    hass: HomeAssistant, emulator: Emulator, init_integration: MockConfigEntry
) -> None:
    """A 5xx on every write: the action raises; the run record says failed."""
    emulator.inject(Fault(status=503, method="POST", path="/v1/playlists/*", times=None))
    emulator.library.create_playlist("Target A")
    await init_integration.runtime_data.coordinator.async_refresh()
    with pytest.raises(HomeAssistantError) as raised:
        await _call(hass, "mirror_playlist", {"source": "liked_songs", "targets": ["Target A"]})
    assert raised.value.translation_key == "sync_failed"
    assert not isinstance(raised.value, ServiceValidationError)
    history = await _call(hass, "get_run_history", {})
    assert history["runs"][0]["status"] == "failed"


async def test_rate_limited_run(
    hass: HomeAssistant, emulator: Emulator, init_integration: MockConfigEntry
) -> None:
    """A 429 stops the run: rate_limited with retry_after, and the account waits."""
    emulator.inject(Fault(status=429, retry_after=90, path="/v1/me/tracks"))
    with pytest.raises(HomeAssistantError) as raised:
        await _call(hass, "mirror_playlist", {"source": "liked_songs", "targets": ["%b%y"]})
    assert raised.value.translation_key == "sync_rate_limited"
    run = (await _call(hass, "get_run_history", {}))["runs"][0]
    assert run["status"] == "rate_limited"
    assert run["retry_after"] == 90
    emulator.reset_log()
    with pytest.raises(HomeAssistantError):
        await _call(hass, "mirror_playlist", {"source": "liked_songs", "targets": ["%b%y"]})
    assert emulator.spotify_calls == 0


@pytest.mark.parametrize(
    ("body", "reason", "key"),
    [
        ({"error": "QUOTA_EXCEEDED"}, "quota_exceeded", "quota_exceeded"),
        (
            {"error": {"status": 429, "message": "Quota", "reason": "QUOTA_EXCEEDED"}},
            "quota_exceeded",
            "quota_exceeded",
        ),
        ("<html>Too many requests</html>", "rate_limited", "sync_rate_limited"),
        ([], "rate_limited", "sync_rate_limited"),
    ],
)
async def test_429_of_any_body_is_a_rate_limit(
    hass: HomeAssistant,
    emulator: Emulator,
    init_integration: MockConfigEntry,
    body: Any,
    reason: str,
    key: str,
) -> None:
    """Every 429 stops the run as rate_limited with its Retry-After, whatever its body; one that
    names QUOTA_EXCEEDED says so in its reason. The account then waits."""
    emulator.inject(Fault(status=429, retry_after=3600, body=body, path="/v1/me/tracks"))
    with pytest.raises(HomeAssistantError) as raised:
        await _call(hass, "mirror_playlist", {"source": "liked_songs", "targets": ["%b%y"]})
    assert raised.value.translation_key == key
    assert raised.value.translation_placeholders["retry_after"] == "3600"
    run = (await _call(hass, "get_run_history", {}))["runs"][0]
    assert (run["status"], run["reason"], run["retry_after"]) == ("rate_limited", reason, 3600)
    emulator.reset_log()
    with pytest.raises(HomeAssistantError):
        await _call(hass, "resolve_playlist", {"playlist": "spotify:playlist:" + "x" * 22})
    assert emulator.spotify_calls == 0


async def test_configured_sync_lifecycle(
    hass: HomeAssistant,
    emulator: Emulator,
    init_integration: MockConfigEntry,
    device_registry: dr.DeviceRegistry,
    entity_registry: er.EntityRegistry,
) -> None:
    """Add a sync: its device and entities appear; Run works; reconfigure; remove cleans up."""
    entry = init_integration
    sync_id = await _add_mirror(hass, entry, max_tracks=20)
    device = device_by_identifier(device_registry, entry, sync_id)
    assert device is not None
    assert device.name == "Monthly archive"
    account = device_by_identifier(device_registry, entry, str(entry.unique_id))
    assert account is not None
    assert device.via_device_id == account.id
    result_id = _sync_entity(hass, sync_id, "last_result")
    assert hass.states.get(result_id).state == "unknown"  # type: ignore[union-attr]

    await hass.services.async_call(
        "button",
        "press",
        {"entity_id": _sync_entity(hass, sync_id, "run", "button")},
        blocking=True,
    )
    await hass.async_block_till_done()
    assert hass.states.get(result_id).state == "success"  # type: ignore[union-attr]
    assert int(hass.states.get(_sync_entity(hass, sync_id, "tracks_added")).state) > 0  # type: ignore[union-attr]
    assert hass.states.get(_sync_entity(hass, sync_id, "last_run")).state not in (
        "unknown",
        "unavailable",
    )  # type: ignore[union-attr]

    by_id = await _call(hass, "run_sync", {"sync_id": sync_id})
    by_entity = await _call(hass, "run_sync", {"entity_id": result_id})
    by_device = await _call(hass, "run_sync", {"device_id": device.id})
    for response in (by_id, by_entity, by_device):
        assert [run["sync_id"] for run in response["runs"]] == [sync_id]
        assert response["runs"][0]["status"] == "up_to_date"

    subentry = entry.subentries[sync_id]
    result = await hass.config_entries.subentries.async_init(
        (entry.entry_id, "playlist_mirror"),
        context={"source": "reconfigure", "subentry_id": sync_id},
    )
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {**subentry.data, "name": "Archive", "max_tracks": 5}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert entry.subentries[sync_id].data["max_tracks"] == 5

    assert hass.config_entries.async_remove_subentry(entry, sync_id)
    await hass.async_block_till_done()
    assert device_by_identifier(device_registry, entry, sync_id) is None
    assert entity_registry.async_get(result_id) is None
    assert not (await _call(hass, "get_run_history", {"sync_id": sync_id}))["runs"]
    with pytest.raises(ServiceValidationError):
        await _call(hass, "run_sync", {"sync_id": sync_id})


async def test_subentry_flow_validation(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """The mirror form refuses empty targets, bad patterns and target = source."""
    for targets, source, error in (
        ([], "liked_songs", "no_targets"),
        (["${bogus}"], "liked_songs", "invalid_pattern"),
        (["My list"], "my list", "target_is_source"),
    ):
        result = await hass.config_entries.subentries.async_init(
            (init_integration.entry_id, "playlist_mirror"), context={"source": "user"}
        )
        result = await hass.config_entries.subentries.async_configure(
            result["flow_id"],
            {
                "name": "x",
                "source": source,
                "targets": targets,
                "create_missing": True,
                "public": False,
                "deduplicate": True,
                "only_new": True,
            },
        )
        assert result["type"] is FlowResultType.FORM
        assert result["errors"] == {"targets": error}


async def test_interrupted_run_is_recorded(
    hass: HomeAssistant, emulator: Emulator, init_integration: MockConfigEntry
) -> None:
    """Unloading while a sync runs records it as failed (interrupted), never as running."""
    emulator.inject(Fault(delay=2.0, path="/v1/me/tracks", times=None))
    syncs = init_integration.runtime_data.syncs
    task = hass.async_create_task(
        _call(hass, "mirror_playlist", {"source": "liked_songs", "targets": ["%b%y"]})
    )
    await asyncio.sleep(0.2)
    await hass.config_entries.async_unload(init_integration.entry_id)
    with pytest.raises(HomeAssistantError) as raised:
        await task
    assert raised.value.translation_key == "sync_failed"
    assert raised.value.translation_placeholders["reason"] == "interrupted"
    runs = syncs.history.runs()
    assert runs[0].status == "failed"
    assert runs[0].reason == "interrupted"


@pytest.mark.parametrize("entry_options", [{CONF_LASTFM_API_KEY: LASTFM_API_KEY}])
async def test_lastfm_top_tracks_action(
    hass: HomeAssistant, emulator: Emulator, init_integration: MockConfigEntry
) -> None:
    """The action fills a new playlist with the matched top tracks, in rank order."""
    user = emulator.library.lastfm_users[0]
    record = await _call(
        hass,
        "lastfm_top_tracks",
        {"playlist": "Weekly top", "username": user, "period": "7day", "limit": 10},
    )
    assert record["status"] == "success"
    playlist = emulator.library.playlists_named("Weekly top")[0]
    uris = emulator.library.playlist_uris(playlist.id)
    assert len(uris) == record["added"] > 0
    assert len(uris) + len(record["unmatched"]) <= 10

    emulator.reset_log()
    again = await _call(
        hass,
        "lastfm_top_tracks",
        {"playlist": "Weekly top", "username": user, "period": "7day", "limit": 10},
    )
    assert again["status"] == "unchanged"
    assert emulator.count("GET", "/v1/search") == 0


async def test_lastfm_not_configured(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """Without an API key the action is a validation error."""
    with pytest.raises(ServiceValidationError) as raised:
        await _call(hass, "lastfm_top_tracks", {"playlist": "x", "username": "someone"})
    assert raised.value.translation_key == "lastfm_not_configured"


@pytest.mark.parametrize(
    "entry_options", [{CONF_LASTFM_API_KEY: LASTFM_SUSPENDED_API_KEY, CONF_LASTFM_USERNAME: "x"}]
)
async def test_lastfm_suspended_key_raises_repair(
    hass: HomeAssistant,
    emulator: Emulator,
    init_integration: MockConfigEntry,
    issue_registry: ir.IssueRegistry,
) -> None:
    """Error 26 (suspended key) → a repair issue explaining what to do, and an error."""
    user = emulator.library.lastfm_users[0]
    with pytest.raises(HomeAssistantError):
        await _call(hass, "lastfm_top_tracks", {"playlist": "Weekly", "username": user})
    issue = issue_registry.async_get_issue(
        DOMAIN, issue_id(ISSUE_LASTFM_AUTH, init_integration.entry_id)
    )
    assert issue is not None
    assert issue.translation_placeholders == {
        "account": init_integration.title,
        "lastfm_api_url": "https://www.last.fm/api/accounts",
    }


@pytest.mark.parametrize(
    ("api_key", "username", "errors"),
    [
        ("wrong-key", "", {CONF_LASTFM_API_KEY: "lastfm_invalid_key"}),
        (LASTFM_API_KEY, "nobody_by_that_name", {CONF_LASTFM_USERNAME: "lastfm_user_not_found"}),
        ("", "someone", {CONF_LASTFM_USERNAME: "lastfm_key_required"}),
    ],
)
async def test_options_lastfm_validation(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    api_key: str,
    username: str,
    errors: dict[str, str],
) -> None:
    """A wrong Last.fm key or user is shown in the form and not saved."""
    result = await hass.config_entries.options.async_init(init_integration.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {"refresh_interval": 30, CONF_LASTFM_API_KEY: api_key, CONF_LASTFM_USERNAME: username},
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == errors
    assert CONF_LASTFM_API_KEY not in init_integration.options


async def test_options_lastfm_saved(
    hass: HomeAssistant, emulator: Emulator, init_integration: MockConfigEntry
) -> None:
    """A good key and user are saved; the subentry flow then accepts a Last.fm sync."""
    user = emulator.library.lastfm_users[0]
    result = await hass.config_entries.options.async_init(init_integration.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {"refresh_interval": 30, CONF_LASTFM_API_KEY: LASTFM_API_KEY, CONF_LASTFM_USERNAME: user},
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert init_integration.options[CONF_LASTFM_USERNAME] == user
    result = await add_sync(
        hass,
        init_integration,
        "lastfm_top_tracks",
        {
            "name": "Weekly Last.fm",
            "playlist": "Last.fm weekly",
            "period": "7day",
            "limit": 10,
            "mode": "replace",
            "create_missing": True,
            "public": False,
        },
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_stored_subentry_has_entities_at_start(
    hass: HomeAssistant,
    emulator: Emulator,
    config_entry: MockConfigEntry,
    setup_entry: Any,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A configured sync that existed before start-up gets its entities during setup."""
    config_entry.subentries = {}  # type: ignore[misc]
    entry = MockConfigEntry(
        domain=DOMAIN,
        title=config_entry.title,
        unique_id=config_entry.unique_id,
        data=dict(config_entry.data),
        subentries_data=[
            ConfigSubentryData(
                data={"source": "liked_songs", "targets": ["Archive"]},
                subentry_type="playlist_mirror",
                title="Archive",
                unique_id=None,
            )
        ],
    )
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    (sync_id,) = entry.subentries
    assert hass.states.get(_sync_entity(hass, sync_id, "run", "button")) is not None


async def test_options_lastfm_key_without_user_and_lastfm_down(
    hass: HomeAssistant, emulator: Emulator, init_integration: MockConfigEntry
) -> None:
    """A key alone is checked and saved; Last.fm being down is a form error."""
    emulator.inject(Fault(status=503, path="/2.0/*", times=None))
    result = await hass.config_entries.options.async_init(init_integration.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"refresh_interval": 30, CONF_LASTFM_API_KEY: LASTFM_API_KEY}
    )
    assert result["errors"] == {"base": "lastfm_cannot_connect"}
    emulator.clear_faults()
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"refresh_interval": 30, CONF_LASTFM_API_KEY: LASTFM_API_KEY}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert init_integration.options[CONF_LASTFM_API_KEY] == LASTFM_API_KEY


@pytest.mark.parametrize(
    ("entry_options", "data", "errors"),
    [
        ({}, {"playlist": "Weekly"}, {"base": "lastfm_not_configured"}),
        (
            {CONF_LASTFM_API_KEY: LASTFM_API_KEY},
            {"playlist": "Weekly"},
            {"username": "lastfm_username_required"},
        ),
        ({CONF_LASTFM_API_KEY: LASTFM_API_KEY}, {"playlist": "  "}, {"playlist": "required"}),
        (
            {CONF_LASTFM_API_KEY: LASTFM_API_KEY},
            {"playlist": "Top ${bogus}"},
            {"playlist": "invalid_pattern"},
        ),
        (
            {CONF_LASTFM_API_KEY: LASTFM_API_KEY},
            {"playlist": "spotify:track:6akEvsycLGftJxYudPjmqK"},  # an album's track, not a list
            {"playlist": "target_not_a_playlist"},
        ),
        (
            {CONF_LASTFM_API_KEY: LASTFM_API_KEY},
            {"playlist": "Top " + "q" * 100},
            {"playlist": "target_name_too_long"},
        ),
        (
            {CONF_LASTFM_API_KEY: LASTFM_API_KEY},
            {"playlist": "Top", "username": "u" * 65},
            {"username": "invalid_lastfm_username"},
        ),
    ],
)
async def test_lastfm_subentry_validation(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    data: dict[str, Any],
    errors: dict[str, str],
) -> None:
    """The Last.fm sync form needs Last.fm configured, a valid user, and a usable playlist."""
    result = await add_sync(
        hass,
        init_integration,
        "lastfm_top_tracks",
        {
            "name": "Weekly",
            "period": "7day",
            "limit": 10,
            "mode": "replace",
            "create_missing": True,
            "public": False,
            **data,
        },
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == errors


async def test_mirror_subentry_requires_source(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """An empty source is refused."""
    result = await hass.config_entries.subentries.async_init(
        (init_integration.entry_id, "playlist_mirror"), context={"source": "user"}
    )
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"],
        {
            "name": "x",
            "source": " ",
            "targets": ["A"],
            "create_missing": True,
            "public": False,
            "deduplicate": True,
            "only_new": True,
        },
    )
    assert result["errors"] == {"source": "required"}


async def test_action_sync_id_survives_entry_updates(
    hass: HomeAssistant, emulator: Emulator, init_integration: MockConfigEntry
) -> None:
    """A sync_id chosen in an action is not a subentry: token refreshes must not purge it."""
    emulator.library.create_playlist("Keep target")
    await init_integration.runtime_data.coordinator.async_refresh()
    data = {
        "source": "liked_songs",
        "targets": ["Keep target"],
        "sync_id": "monthly",
        "max_tracks": 5,
    }
    await _call(hass, "mirror_playlist", data)
    hass.config_entries.async_update_entry(
        init_integration, data={**init_integration.data, "note": "token refreshed"}
    )
    await hass.async_block_till_done()
    history = await _call(hass, "get_run_history", {"sync_id": "monthly"})
    assert len(history["runs"]) == 1
    emulator.reset_log()
    again = await _call(hass, "mirror_playlist", data)
    assert again["status"] == "up_to_date"  # the cursor survived
    assert emulator.count("GET", "/v1/me/tracks") == 1


async def test_outage_during_a_name_miss_is_not_a_missing_playlist(
    hass: HomeAssistant, emulator: Emulator, init_integration: MockConfigEntry, freezer: Any
) -> None:
    """A name not yet cached while Spotify is down: a Spotify error, and no duplicate created."""
    library = emulator.library
    library.create_playlist("Made in the app")  # after the last refresh
    freezer.tick(120)
    emulator.inject(Fault(status=503, path="/v1/me/playlists", times=None))
    with pytest.raises(HomeAssistantError) as raised:
        await _call(
            hass, "mirror_playlist", {"source": "liked_songs", "targets": ["Made in the app"]}
        )
    assert not isinstance(raised.value, ServiceValidationError)
    assert len(library.playlists_named("Made in the app")) == 1
    with pytest.raises(HomeAssistantError) as resolved:
        await _call(hass, "resolve_playlist", {"playlist": "Made in the app"})
    assert not isinstance(resolved.value, ServiceValidationError)
    assert resolved.value.translation_key == "spotify_unavailable"


async def test_refresh_in_flight_keeps_records_remembered_meanwhile(
    hass: HomeAssistant, emulator: Emulator, init_integration: MockConfigEntry
) -> None:
    """A playlist created while a refresh's listing is in flight stays in the cache."""
    coordinator = init_integration.runtime_data.coordinator
    emulator.inject(Fault(delay=0.5, path="/v1/me/playlists", times=1))
    refresh = hass.async_create_task(coordinator.async_refresh())
    await asyncio.sleep(0.1)
    record = await _call(
        hass,
        "mirror_playlist",
        {"source": "liked_songs", "targets": ["Made meanwhile"], "max_tracks": 3},
    )
    assert record["status"] == "success"
    await refresh
    assert coordinator.data.named("Made meanwhile")
    emulator.reset_log()
    await _call(hass, "resolve_playlist", {"playlist": "Made meanwhile"})
    assert emulator.spotify_calls == 0


async def test_refused_refresh_token_during_a_sync_starts_reauth(
    hass: HomeAssistant, emulator: Emulator, init_integration: MockConfigEntry
) -> None:
    """invalid_grant in the middle of a sync: the run fails as spotify_auth and reauth starts."""
    emulator.expire_access_tokens()
    emulator.expire_refresh_tokens()
    with pytest.raises(HomeAssistantError):
        await _call(hass, "mirror_playlist", {"source": "liked_songs", "targets": ["%b%y"]})
    run = (await _call(hass, "get_run_history", {}))["runs"][0]
    assert run["reason"] == "spotify_auth"
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == ["reauth"]


@pytest.mark.parametrize(
    ("fault", "says"),
    [
        pytest.param(
            Fault(status=503, method="POST", path="/v1/playlists/*", times=None),
            'Spotify did not answer (HTTP 503) while adding tracks to "Words target"',
            id="503-write",
        ),
        pytest.param(
            Fault(drop=True, method="POST", path="/v1/playlists/*", times=None),
            'Spotify could not be reached while adding tracks to "Words target"',
            id="dropped-write",
        ),
        pytest.param(
            Fault(status=502, path="/v1/me/tracks", times=None),
            "Spotify did not answer (HTTP 502) while reading the liked songs",
            id="502-read",
        ),
        pytest.param(
            Fault(status=400, body={"error": "nope"}, method="POST", path="/v1/playlists/*"),
            'Spotify refused the request (HTTP 400) while adding tracks to "Words target"',
            id="400-odd-body",
        ),
    ],
)
async def test_failures_are_told_in_our_words(
    hass: HomeAssistant,
    emulator: Emulator,
    init_integration: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
    fault: Fault,
    says: str,
) -> None:
    """The run record's error, the action's error and the log say what happened in the
    project's words: no spotipy endpoint templates, no "Max Retries", no exception names."""
    emulator.library.create_playlist("Words target")
    await init_integration.runtime_data.coordinator.async_refresh()
    emulator.inject(fault)
    with pytest.raises(HomeAssistantError) as raised:
        await _call(
            hass,
            "mirror_playlist",
            {"source": "liked_songs", "targets": ["Words target"], "max_tracks": 5},
        )
    run = (await _call(hass, "get_run_history", {}))["runs"][0]
    assert says in run["error"]
    assert not foreign_words(run["error"])
    assert not foreign_words(str(raised.value))
    assert not foreign_words(json.dumps(run["targets"]))
    loud = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert not foreign_words("\n".join(loud)), loud


async def test_an_action_cannot_take_a_configured_syncs_id(
    hass: HomeAssistant, emulator: Emulator, init_integration: MockConfigEntry
) -> None:
    """An action's sync_id that is a configured sync's id is refused: the configured sync's
    state and history are its own."""
    sync_id = await _add_mirror(hass, init_integration, max_tracks=3)
    await _call(hass, "run_sync", {"sync_id": sync_id})
    history = await _call(hass, "get_run_history", {"sync_id": sync_id})
    emulator.reset_log()
    with pytest.raises(ServiceValidationError) as raised:
        await _call(
            hass,
            "mirror_playlist",
            {"source": "liked_songs", "targets": ["Elsewhere"], "sync_id": sync_id},
        )
    assert raised.value.translation_key == "sync_id_configured"
    assert emulator.spotify_calls == 0
    assert await _call(hass, "get_run_history", {"sync_id": sync_id}) == history


async def test_ad_hoc_syncs_are_kept_within_a_bound(
    hass: HomeAssistant,
    emulator: Emulator,
    init_integration: MockConfigEntry,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The state and history of ad hoc syncs (action sync_ids) are pruned to the most recently
    run ones; configured syncs are never pruned."""
    monkeypatch.setattr(syncs_module, "ADHOC_SYNCS_KEPT", 3)
    configured = await _add_mirror(hass, init_integration, max_tracks=2)
    await _call(hass, "run_sync", {"sync_id": configured})
    for index in range(5):
        await _call(
            hass,
            "mirror_playlist",
            {
                "source": "liked_songs",
                "targets": ["Pruned"],
                "max_tracks": 1,
                "sync_id": f"adhoc_{index}",
            },
        )
    runs = init_integration.runtime_data.syncs.runs
    assert set(runs.history.sync_ids) == {configured, "adhoc_2", "adhoc_3", "adhoc_4"}
    assert set(runs.states) == {configured, "adhoc_2", "adhoc_3", "adhoc_4"}


@pytest.mark.parametrize("entry_options", [{CONF_LASTFM_API_KEY: LASTFM_API_KEY}])
async def test_while_reauth_is_pending_actions_fail_fast(
    hass: HomeAssistant,
    emulator: Emulator,
    init_integration: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """After invalid_grant, until the user authorizes again, every action that needs Spotify
    fails at once with the translated reauth error: no token refresh, no call, no error logged.
    What the cache answers is still answered."""
    emulator.expire_access_tokens()
    emulator.expire_refresh_tokens()
    with pytest.raises(HomeAssistantError):
        await _call(hass, "mirror_playlist", {"source": "liked_songs", "targets": ["%b%y"]})
    assert [
        f["context"]["source"] for f in hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    ] == ["reauth"]
    cached = next(iter(init_integration.runtime_data.coordinator.data.records.values()))
    emulator.reset_log()
    caplog.clear()
    calls: list[tuple[str, dict[str, Any]]] = [
        ("refresh_playlist_cache", {}),
        ("resolve_playlist", {"playlist": "spotify:playlist:" + "Z" * 22}),
        ("mirror_playlist", {"source": "liked_songs", "targets": ["%b%y"]}),
        ("lastfm_top_tracks", {"playlist": "Weekly", "username": "emulator_fm"}),
    ]
    for action, data in calls:
        with pytest.raises(HomeAssistantError) as raised:
            await hass.services.async_call(
                DOMAIN, action, data, blocking=True, return_response=action == "resolve_playlist"
            )
        assert raised.value.translation_key == "reauth_required", action
    assert (await _call(hass, "resolve_playlist", {"playlist": cached.uri}))["source"] == "cache"
    assert emulator.requests == []
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert not errors, errors


async def _source_and_target_in_flight(
    emulator: Emulator, entry: MockConfigEntry, name: str, count: int
) -> tuple[list[str], Playlist]:
    """Create "<name> source" with `count` playable tracks and an empty "<name> target", known to
    the cache, with a latency that keeps runs started together in flight at the same time."""
    library = emulator.library
    tracks = [t.uri for t in library.catalogue if t.is_playable][:count]
    library.create_playlist(f"{name} source", items=tracks)
    target = library.create_playlist(f"{name} target")
    await entry.runtime_data.coordinator.async_refresh()
    emulator.latency = 0.02
    return tracks, target


async def test_two_runs_on_one_target_at_once_add_nothing_twice(
    hass: HomeAssistant, emulator: Emulator, init_integration: MockConfigEntry
) -> None:
    """Two syncs started together on the same target playlist: one waits for the other and
    then sees what it wrote (the per-playlist lock), so no track is added twice."""
    library = emulator.library
    tracks, target = await _source_and_target_in_flight(emulator, init_integration, "Shared", 150)
    first, second = await asyncio.gather(
        *(
            _call(
                hass,
                "mirror_playlist",
                {"source": "Shared source", "targets": ["Shared target"], "sync_id": sync_id},
            )
            for sync_id in ("one", "two")
        )
    )
    uris = library.playlist_uris(target.id)
    assert sorted(uris) == sorted(set(tracks))
    assert first["added"] + second["added"] == len(set(tracks))


async def test_a_target_the_options_filter_hides_is_not_created_again(
    hass: HomeAssistant, emulator: Emulator, init_integration: MockConfigEntry
) -> None:
    """Options saved through the options flow with private playlists left out: the mirror's
    target (created private) is not counted, and later runs find it instead of creating another
    playlist of that name. Changing the options costs no listing: the stored cache holds every
    playlist."""
    library, entry = emulator.library, init_integration
    tracks = [t.uri for t in library.catalogue if t.is_playable]
    source = library.create_playlist("Public source", items=tracks[:5], public=True)
    await _call(hass, "refresh_playlist_cache", {})
    emulator.reset_log()
    result = await hass.config_entries.options.async_init(entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"refresh_interval": 30, "include_private": False}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert emulator.count("GET", "/v1/me/playlists") == 0  # reloaded from the stored cache
    shown = sum(1 for p in library.me_playlists if p is not None and (p.collaborative or p.public))
    assert cache_state(hass, entry, "playlist_count") == str(shown)

    run = {"source": "Public source", "targets": ["Private backup"]}
    assert (await _call(hass, "mirror_playlist", run))["status"] == "success"
    (backup,) = library.playlists_named("Private backup")
    assert not backup.public
    library.add_items(source.id, tracks[5:8])
    assert (await _call(hass, "refresh_playlist_cache", {}))["playlists"] == shown
    emulator.reset_log()
    assert (await _call(hass, "mirror_playlist", run))["status"] == "success"
    assert [p.id for p in library.playlists_named("Private backup")] == [backup.id]
    assert library.playlist_uris(backup.id) == library.playlist_uris(source.id)
    assert emulator.count("GET", "/v1/me/playlists") == 0
    assert emulator.count("POST", "/v1/me/playlists") == 0
    assert cache_state(hass, entry, "playlist_count") == str(shown)


async def test_two_runs_of_one_sync_at_once_append_once(
    hass: HomeAssistant, emulator: Emulator, init_integration: MockConfigEntry
) -> None:
    """The same sync started twice together without deduplication: the second run waits for
    the first and starts from the state it kept, so the source is appended once."""
    library = emulator.library
    tracks, target = await _source_and_target_in_flight(emulator, init_integration, "Appended", 120)
    data = {
        "source": "Appended source",
        "targets": ["Appended target"],
        "deduplicate": False,
        "sync_id": "appended",
    }
    runs = await asyncio.gather(*(_call(hass, "mirror_playlist", data) for _ in range(2)))
    assert library.playlist_uris(target.id) == tracks
    assert sorted(run["added"] for run in runs) == [0, 120]
