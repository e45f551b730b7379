"""The playlist cache coordinator against the emulator: paging economy, filters, failures, freshness."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
import json
from math import ceil
from pathlib import Path
from typing import Any

from freezegun.api import FrozenDateTimeFactory
import pytest

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import issue_registry as ir
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
    async_fire_time_changed,
)

from custom_components.spotifreak.const import (
    CONF_EXPORT_PATH,
    CONF_INCLUDE_COLLABORATIVE,
    CONF_INCLUDE_PRIVATE,
    CONF_INCLUDE_PUBLIC,
    CONF_OWNERS,
    DOMAIN,
    EVENT_CACHE_REFRESHED,
)
from custom_components.spotifreak.core.references import name_key
from custom_components.spotifreak.issues import ISSUE_CACHE_STALE, issue_id
from tests.emulator import Emulator, Fault, Library

from .helpers import cache_state, entity_id


@pytest.mark.parametrize("count", [0, 1, 50, 51, 1234])
async def test_refresh_pages_with_limit_50(
    hass: HomeAssistant,
    emulator: Emulator,
    setup_entry: Callable[[], Awaitable[MockConfigEntry]],
    count: int,
) -> None:
    """P playlists cost exactly max(1, ⌈P/50⌉) list calls, and all of them are cached."""
    library = Library.empty(user_id=emulator.library.user_id)
    for index in range(count):
        library.create_playlist(f"Playlist {index}")
    emulator.library = library
    entry = await setup_entry()
    assert emulator.count("GET", "/v1/me/playlists") == max(1, ceil(count / 50))
    assert all(
        record.query.get("limit") in ("50", ["50"])
        for record in emulator.requests
        if record.path == "/v1/me/playlists"
    )
    assert cache_state(hass, entry, "playlist_count") == str(count)
    assert len(entry.runtime_data.coordinator.data) == count


async def test_null_entries_duplicates_unicode_followed(
    hass: HomeAssistant, emulator: Emulator, init_integration: MockConfigEntry
) -> None:
    """Every non-null entry of the generated library is cached, odd names included."""
    cache = init_integration.runtime_data.coordinator.data
    listed = [item for item in emulator.library.me_playlists if item is not None]
    assert None in emulator.library.me_playlists  # the library does contain a literal null
    assert len(cache) == len({playlist.id for playlist in listed})
    names = [record.name for record in cache.records.values()]
    assert len(names) > len(set(names))  # duplicate names are all kept
    assert any(not name.isascii() for name in names)
    assert any(record.owner != emulator.library.user_id for record in cache.records.values())
    assert any(record.collaborative for record in cache.records.values())


@pytest.mark.parametrize(
    ("entry_options", "keep"),
    [
        ({CONF_INCLUDE_PUBLIC: False}, lambda p, me: p.collaborative or not p.public),
        ({CONF_INCLUDE_PRIVATE: False}, lambda p, me: p.collaborative or bool(p.public)),
        ({CONF_INCLUDE_COLLABORATIVE: False}, lambda p, me: not p.collaborative),
        ({CONF_OWNERS: ["self"]}, lambda p, me: p.owner_id == me),
        ({CONF_OWNERS: ["spotify"]}, lambda p, me: p.owner_id == "spotify"),
    ],
)
async def test_filters(
    hass: HomeAssistant,
    emulator: Emulator,
    setup_entry: Callable[[], Awaitable[MockConfigEntry]],
    keep: Callable[[Any, str], bool],
) -> None:
    """Each filter option keeps exactly the playlists it describes."""
    entry = await setup_entry()
    me = emulator.library.user_id
    expected = {
        playlist.id
        for playlist in emulator.library.me_playlists
        if playlist is not None and keep(playlist, me)
    }
    assert expected  # the library has such playlists: the test can fail
    assert set(entry.runtime_data.coordinator.data.records) == expected


async def test_rate_limited_refresh_keeps_data_and_waits(
    hass: HomeAssistant,
    emulator: Emulator,
    freezer: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
) -> None:
    """A 429 keeps the cache and entity values; no call before Retry-After has passed."""
    entry = init_integration
    coordinator = entry.runtime_data.coordinator
    count_before = cache_state(hass, entry, "playlist_count")
    emulator.inject(Fault(status=429, retry_after=600, path="/v1/me/playlists", times=1))
    emulator.reset_log()

    await coordinator.async_refresh()
    assert emulator.spotify_calls == 1
    assert not coordinator.last_update_success
    assert cache_state(hass, entry, "playlist_count") == count_before

    # Neither the schedule nor a user's refresh calls Spotify before Retry-After.
    for _ in range(5):
        freezer.tick(timedelta(minutes=1))
        async_fire_time_changed(hass)
        await hass.async_block_till_done(wait_background_tasks=True)
    with pytest.raises(HomeAssistantError) as raised:
        await coordinator.async_refresh_or_raise()
    assert raised.value.translation_key == "rate_limited"
    assert emulator.spotify_calls == 1

    freezer.tick(timedelta(minutes=6))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert emulator.spotify_calls > 1
    assert coordinator.last_update_success


async def test_401_mid_refresh_recovers(
    hass: HomeAssistant, emulator: Emulator, init_integration: MockConfigEntry
) -> None:
    """Spotify refusing the token mid-refresh: one token refresh, the refresh succeeds."""
    coordinator = init_integration.runtime_data.coordinator
    emulator.inject(Fault(status=401, path="/v1/me/playlists", times=1))
    emulator.reset_log()
    await coordinator.async_refresh()
    assert coordinator.last_update_success
    assert emulator.count("POST", "/api/token") == 1


async def test_stale_sensor_and_repair_issue(
    hass: HomeAssistant,
    emulator: Emulator,
    freezer: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    issue_registry: ir.IssueRegistry,
) -> None:
    """Older than stale_after → binary sensor on and a repair issue; a good refresh clears both."""
    entry = init_integration
    assert cache_state(hass, entry, "cache_stale", "binary_sensor") == "off"
    emulator.inject(Fault(status=503, path="/v1/me/playlists", times=None))
    for _ in range(62):
        freezer.tick(timedelta(minutes=1))
        async_fire_time_changed(hass)
        await hass.async_block_till_done(wait_background_tasks=True)
    assert cache_state(hass, entry, "cache_stale", "binary_sensor") == "on"
    assert float(cache_state(hass, entry, "cache_age")) >= 60
    issue = issue_registry.async_get_issue(DOMAIN, issue_id(ISSUE_CACHE_STALE, entry.entry_id))
    assert issue is not None
    assert issue.translation_key == "cache_stale"

    emulator.clear_faults()
    await entry.runtime_data.coordinator.async_refresh()
    await hass.async_block_till_done()
    assert cache_state(hass, entry, "cache_stale", "binary_sensor") == "off"
    assert (
        issue_registry.async_get_issue(DOMAIN, issue_id(ISSUE_CACHE_STALE, entry.entry_id)) is None
    )


async def test_cache_age_ticks_without_calls(
    hass: HomeAssistant,
    emulator: Emulator,
    freezer: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
) -> None:
    """Cache age advances every minute with no API call."""
    emulator.reset_log()
    assert float(cache_state(hass, init_integration, "cache_age")) < 1
    for _ in range(5):
        freezer.tick(timedelta(minutes=1))
        async_fire_time_changed(hass)
        await hass.async_block_till_done(wait_background_tasks=True)
    assert 4 <= float(cache_state(hass, init_integration, "cache_age")) <= 5
    assert emulator.spotify_calls == 0


async def test_a_refresh_asked_for_during_a_scheduled_one_joins_it(
    hass: HomeAssistant,
    emulator: Emulator,
    freezer: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
) -> None:
    """The refresh action while the scheduled refresh is listing makes one listing, not two in a
    row: one ⌈P/50⌉ set of calls, one refreshed event."""
    coordinator = init_integration.runtime_data.coordinator
    events = async_capture_events(hass, EVENT_CACHE_REFRESHED)
    emulator.library.create_playlist("New since")
    emulator.reset_log()
    freezer.tick(coordinator.refresh_interval)
    async_fire_time_changed(hass)
    assert coordinator.directory.listing  # the scheduled refresh started listing
    await hass.services.async_call(DOMAIN, "refresh_playlist_cache", {}, blocking=True)
    await hass.async_block_till_done()
    assert emulator.count("GET", "/v1/me/playlists") == ceil(
        len(emulator.library.me_playlists) / 50
    )
    assert len(events) == 1
    assert [item["name"] for item in events[0].data["added"]] == ["New since"]
    assert coordinator.data.named("New since")


async def test_an_entity_update_during_a_refresh_joins_it(
    hass: HomeAssistant, emulator: Emulator, init_integration: MockConfigEntry
) -> None:
    """homeassistant.update_entity on a cache entity while a refresh is listing (Home Assistant
    2025.4 runs that update beside the refresh; later releases drop it), and a refresh of the
    coordinator while the directory lists: still one listing, one event."""
    coordinator = init_integration.runtime_data.coordinator
    events = async_capture_events(hass, EVENT_CACHE_REFRESHED)
    await async_setup_component(hass, "homeassistant", {})
    emulator.reset_log()
    listing = hass.async_create_task(coordinator.async_refresh())
    assert coordinator.directory.listing
    await hass.services.async_call(
        "homeassistant",
        "update_entity",
        {"entity_id": entity_id(hass, init_integration, "playlist_count")},
        blocking=True,
    )
    await listing
    await hass.async_block_till_done()
    pages = ceil(len(emulator.library.me_playlists) / 50)
    assert emulator.count("GET", "/v1/me/playlists") == pages
    assert len(events) == 1

    emulator.reset_log()
    direct = hass.async_create_task(coordinator.directory.refresh())
    await coordinator.async_refresh()
    assert await direct is not None
    assert emulator.count("GET", "/v1/me/playlists") == pages
    assert coordinator.last_update_success
    assert len(events) == 1  # the directory's own refresh fires no event: nothing else did


async def test_refreshed_event_reports_changes(
    hass: HomeAssistant, emulator: Emulator, init_integration: MockConfigEntry
) -> None:
    """The event lists added, removed and changed (moved snapshot) playlists."""
    events = async_capture_events(hass, EVENT_CACHE_REFRESHED)
    library = emulator.library
    owned = [p for p in library.me_playlists if p is not None and p.owner_id == library.user_id]
    changed, removed = owned[0], owned[1]
    library.add_items(changed.id, [library.catalogue[0].uri])
    library.delete_playlist(removed.id)
    added = library.create_playlist("Brand new")
    await init_integration.runtime_data.coordinator.async_refresh()
    await hass.async_block_till_done()
    assert len(events) == 1
    data = events[0].data
    assert data["entry_id"] == init_integration.entry_id
    assert [item["id"] for item in data["added"]] == [added.id]
    assert [item["id"] for item in data["removed"]] == [removed.id]
    assert [item["id"] for item in data["changed"]] == [changed.id]


@pytest.mark.parametrize("entry_options", [{CONF_EXPORT_PATH: "spotifreak/playlist-cache.json"}])
async def test_export_file_matches_seed_format(
    hass: HomeAssistant,
    config_dir: Path,
    emulator: Emulator,
    setup_entry: Callable[[], Awaitable[MockConfigEntry]],
) -> None:
    """export_path gets the seed's JSON: last_refreshed and records keyed by name and URI."""
    entry = await setup_entry()
    path = hass.config.path("spotifreak/playlist-cache.json")
    data = await hass.async_add_executor_job(
        lambda: json.loads(Path(path).read_text(encoding="utf-8"))
    )
    cache = entry.runtime_data.coordinator.data
    assert data["last_refreshed"].endswith("Z")
    for record in cache.records.values():
        assert data["playlists"][record.uri]["id"] == record.id
        key = name_key(record.name)
        assert name_key(data["playlists"][key]["name"]) == key
    assert set(data["playlists"][next(iter(cache.records.values())).uri]) == {
        "id",
        "uri",
        "name",
        "owner",
        "collaborative",
        "public",
        "snapshot_id",
        "tracks_total",
    }


@pytest.mark.parametrize(
    "fault",
    [
        pytest.param(Fault(status=200, body="<html>Captive portal</html>", after=1), id="html"),
        pytest.param(Fault(status=200, body={}), id="empty-object"),
        pytest.param(Fault(items_dropped=10, after=1), id="fewer-entries-than-total"),
        pytest.param(Fault(body_patch={"next": None}), id="ends-early"),
    ],
)
@pytest.mark.parametrize("entry_options", [{CONF_EXPORT_PATH: "playlist-cache.json"}])
@pytest.mark.emulator(playlists=120)
async def test_malformed_listing_keeps_the_cache(
    hass: HomeAssistant,
    config_dir: Path,
    hass_storage: dict[str, Any],
    emulator: Emulator,
    setup_entry: Callable[[], Awaitable[MockConfigEntry]],
    fault: Fault,
) -> None:
    """A listing answered with HTTP 200 but malformed is a failed refresh: the cache, its Store,
    the export and the entities stay, no event says playlists were removed, and a mirror with
    create_missing does not create a second playlist of a name that exists."""
    entry = await setup_entry()
    coordinator = entry.runtime_data.coordinator
    await entry.runtime_data.coordinator.async_flush()
    export = Path(hass.config.path("playlist-cache.json"))
    exported = await hass.async_add_executor_job(export.read_text)
    stored = json.dumps(hass_storage[f"{DOMAIN}.{entry.entry_id}.cache"]["data"]["playlists"])
    before = dict(coordinator.data.records)
    count = cache_state(hass, entry, "playlist_count")
    listing = emulator.library.me_playlists
    last_on_page_3 = next(
        p for p in reversed(listing) if p is not None and p.owner_id == emulator.library.user_id
    )
    assert listing.index(last_on_page_3) >= len(listing) - 10  # among the entries lost
    assert len(coordinator.data.named(last_on_page_3.name)) == 1
    events = async_capture_events(hass, EVENT_CACHE_REFRESHED)
    fault.path, fault.times = "/v1/me/playlists", None
    emulator.inject(fault)

    with pytest.raises(HomeAssistantError):
        await hass.services.async_call(DOMAIN, "refresh_playlist_cache", {}, blocking=True)
    await hass.async_block_till_done()
    assert not coordinator.last_update_success
    assert coordinator.data.records == before
    assert cache_state(hass, entry, "playlist_count") == count
    assert not events
    await coordinator.async_flush()
    assert (
        json.dumps(hass_storage[f"{DOMAIN}.{entry.entry_id}.cache"]["data"]["playlists"]) == stored
    )
    assert await hass.async_add_executor_job(export.read_text) == exported

    library = emulator.library
    named = [p.id for p in library.me_playlists if p is not None and p.name == last_on_page_3.name]
    await hass.services.async_call(
        DOMAIN,
        "mirror_playlist",
        {"source": "liked_songs", "targets": [last_on_page_3.name], "max_tracks": 2},
        blocking=True,
    )
    assert [
        p.id for p in library.me_playlists if p is not None and p.name == last_on_page_3.name
    ] == named


@pytest.mark.emulator(playlists=120)
async def test_an_entry_with_odd_types_does_not_fail_the_refresh(
    hass: HomeAssistant, emulator: Emulator, init_integration: MockConfigEntry
) -> None:
    """One listed playlist with odd types (owner a string, total "many") is skipped like a null
    entry: the refresh succeeds with every other playlist (a cached record of it is kept)."""
    coordinator = init_integration.runtime_data.coordinator
    listed = [p for p in emulator.library.me_playlists[:50] if p is not None]
    odd = listed[3]
    emulator.inject(
        Fault(
            item_patch={
                "owner": "someone",
                "items": {"total": "many"},
                "tracks": {"total": "many"},
            },
            item_index=emulator.library.me_playlists.index(odd),
            path="/v1/me/playlists",
            times=None,
        )
    )
    fresh = emulator.library.create_playlist("Fresh one")
    await coordinator.async_refresh()
    assert coordinator.last_update_success
    assert coordinator.data.get(fresh.id) is not None
    kept = coordinator.data.get(odd.id)
    assert kept is not None  # the record the cache had
    assert kept.owner == odd.owner_id
    expected = {p.id for p in emulator.library.me_playlists if p is not None}
    assert set(coordinator.data.records) == expected
