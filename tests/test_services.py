"""The cache actions: refresh_playlist_cache and resolve_playlist, through real service calls."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import timedelta
from math import ceil
from typing import Any

from freezegun.api import FrozenDateTimeFactory
import pytest

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import issue_registry as ir
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.spotifreak.const import CONF_STALE_POLICY, DOMAIN
from custom_components.spotifreak.issues import ISSUE_CACHE_STALE, issue_id
from tests.emulator import Emulator, Fault

from .helpers import entity_id


async def _resolve(hass: HomeAssistant, playlist: str, **extra: str) -> dict:
    response = await hass.services.async_call(
        DOMAIN,
        "resolve_playlist",
        {"playlist": playlist, **extra},
        blocking=True,
        return_response=True,
    )
    assert response is not None
    return dict(response)


async def test_refresh_action_response(
    hass: HomeAssistant, emulator: Emulator, init_integration: MockConfigEntry
) -> None:
    """The refresh action reports playlists, calls spent and duration."""
    emulator.reset_log()
    response = await hass.services.async_call(
        DOMAIN, "refresh_playlist_cache", {}, blocking=True, return_response=True
    )
    assert response is not None
    listed = sum(1 for item in emulator.library.me_playlists if item is not None)
    assert response["playlists"] == len(init_integration.runtime_data.coordinator.data)
    assert response["api_calls"] == ceil(len(emulator.library.me_playlists) / 50)
    assert response["api_calls"] == emulator.spotify_calls
    assert isinstance(response["duration_ms"], int)
    assert listed >= response["playlists"]


async def test_refresh_action_without_response(
    hass: HomeAssistant, emulator: Emulator, init_integration: MockConfigEntry
) -> None:
    """The refresh action can be called without asking for a response."""
    emulator.reset_log()
    await hass.services.async_call(DOMAIN, "refresh_playlist_cache", {}, blocking=True)
    assert emulator.count("GET", "/v1/me/playlists") >= 1


async def test_refresh_action_failure_is_translated(
    hass: HomeAssistant, emulator: Emulator, init_integration: MockConfigEntry
) -> None:
    """A failing refresh raises a translated HomeAssistantError; the cache stays."""
    before = len(init_integration.runtime_data.coordinator.data)
    emulator.inject(Fault(status=502, path="/v1/me/playlists", times=None))
    with pytest.raises(HomeAssistantError) as raised:
        await hass.services.async_call(DOMAIN, "refresh_playlist_cache", {}, blocking=True)
    assert raised.value.translation_key == "spotify_unavailable"
    assert len(init_integration.runtime_data.coordinator.data) == before


async def test_resolve_every_form(
    hass: HomeAssistant, emulator: Emulator, init_integration: MockConfigEntry
) -> None:
    """Name (any case, padded), URI, URL with ?si= and bare id resolve from the cache, no call."""
    coordinator = init_integration.runtime_data.coordinator
    record = next(
        r for r in coordinator.data.records.values() if len(coordinator.data.named(r.name)) == 1
    )
    emulator.reset_log()
    forms = [
        f"  {record.name.upper()}  ",
        record.uri,
        f"https://open.spotify.com/playlist/{record.id}?si=abc123",
        record.id,
    ]
    for form in forms:
        response = await _resolve(hass, form)
        assert response["playlist"]["id"] == record.id
        assert response["source"] == "cache"
        assert response["ambiguous"] is False
        assert response["cache_age_seconds"] >= 0
    assert emulator.spotify_calls == 0
    assert coordinator.directory.hits == len(forms)


async def test_resolve_unicode_normalised(
    hass: HomeAssistant, emulator: Emulator, setup_entry: Callable[[], Awaitable[MockConfigEntry]]
) -> None:
    """A decomposed "Crème" finds the composed one."""
    playlist = emulator.library.create_playlist("Crème Brûlée")
    await setup_entry()
    response = await _resolve(hass, "cre\u0300me bru\u0302le\u0301e")
    assert response["playlist"]["id"] == playlist.id


async def test_resolve_ambiguous(
    hass: HomeAssistant, emulator: Emulator, setup_entry: Callable[[], Awaitable[MockConfigEntry]]
) -> None:
    """Duplicates: the account's own first, then the fullest; all candidates listed."""
    library = emulator.library
    small = library.create_playlist("Twins", items=[library.catalogue[0].uri])
    big = library.create_playlist("Twins", items=[t.uri for t in library.catalogue[:5]])
    followed = library.create_playlist(
        "twins", owner="someone_else", items=[t.uri for t in library.catalogue[:9]]
    )
    await setup_entry()
    response = await _resolve(hass, "TWINS")
    assert response["ambiguous"] is True
    assert response["playlist"]["id"] == big.id
    assert [c["id"] for c in response["candidates"]] == [big.id, small.id, followed.id]


async def test_resolve_id_miss_fetches_and_writes_back(
    hass: HomeAssistant, emulator: Emulator, init_integration: MockConfigEntry
) -> None:
    """An id not in the cache: one GET /playlists/{id}, then the cache knows it."""
    coordinator = init_integration.runtime_data.coordinator
    late = emulator.library.create_playlist("Created after the refresh")
    emulator.reset_log()
    response = await _resolve(hass, late.uri)
    assert response["source"] == "fetch"
    assert response["playlist"]["name"] == "Created after the refresh"
    assert emulator.count("GET", f"/v1/playlists/{late.id}") == 1
    assert coordinator.directory.misses == 1
    response = await _resolve(hass, "created after the refresh")
    assert response["source"] == "cache"
    assert emulator.spotify_calls == 1


async def test_resolve_name_miss_refreshes_once(
    hass: HomeAssistant,
    emulator: Emulator,
    freezer: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
) -> None:
    """A name miss costs one shared refresh, however many callers ask at once."""
    freezer.tick(timedelta(minutes=5))
    emulator.library.create_playlist("Late Night")
    emulator.reset_log()
    responses = await asyncio.gather(*(_resolve(hass, "late night") for _ in range(3)))
    assert {r["playlist"]["name"] for r in responses} == {"Late Night"}
    assert {r["source"] for r in responses} == {"fetch"}
    pages = ceil(len(emulator.library.me_playlists) / 50)
    assert emulator.count("GET", "/v1/me/playlists") == pages


async def test_resolve_unknown_is_validation_error(
    hass: HomeAssistant, emulator: Emulator, init_integration: MockConfigEntry
) -> None:
    """An unknown playlist is the user's mistake: a translated ServiceValidationError."""
    with pytest.raises(ServiceValidationError) as raised:
        await _resolve(hass, "spotify:playlist:0000000000000000000000")
    assert raised.value.translation_key == "playlist_not_found"
    assert raised.value.translation_placeholders == {
        "playlist": "spotify:playlist:0000000000000000000000"
    }


@pytest.mark.parametrize("entry_options", [{CONF_STALE_POLICY: "warn"}])
async def test_resolve_warn_policy_makes_no_call(
    hass: HomeAssistant, emulator: Emulator, init_integration: MockConfigEntry
) -> None:
    """With the warn policy a miss stays a miss: no live lookup."""
    late = emulator.library.create_playlist("Not yet cached")
    emulator.reset_log()
    with pytest.raises(ServiceValidationError):
        await _resolve(hass, late.id)
    assert emulator.spotify_calls == 0


async def test_spotify_owned_playlist_is_not_found(
    hass: HomeAssistant, emulator: Emulator, init_integration: MockConfigEntry
) -> None:
    """Spotify-owned playlists answer 404 to apps: reported as not found."""
    editorial = emulator.library.create_playlist(
        "Today's Top Hits", owner="spotify", spotify_owned=True, followed=False
    )
    with pytest.raises(ServiceValidationError):
        await _resolve(hass, editorial.uri)


async def test_entry_selection(
    hass: HomeAssistant, emulator: Emulator, init_integration: MockConfigEntry
) -> None:
    """config_entry_id may name the entry; unknown ids are validation errors."""
    record = next(iter(init_integration.runtime_data.coordinator.data.records.values()))
    response = await _resolve(hass, record.id, config_entry_id=init_integration.entry_id)
    assert response["playlist"]["id"] == record.id
    with pytest.raises(ServiceValidationError) as raised:
        await _resolve(hass, record.id, config_entry_id="nope")
    assert raised.value.translation_key == "entry_not_found"


async def test_no_entry_loaded(
    hass: HomeAssistant, emulator: Emulator, setup_credentials: None
) -> None:
    """Actions exist without an account and say so clearly."""
    from homeassistant.setup import async_setup_component

    assert await async_setup_component(hass, DOMAIN, {})
    with pytest.raises(ServiceValidationError) as raised:
        await _resolve(hass, "anything")
    assert raised.value.translation_key == "no_entry"


async def test_a_missing_name_costs_one_refresh_per_cache_lifetime(
    hass: HomeAssistant,
    emulator: Emulator,
    freezer: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
) -> None:
    """A name that is not on the account refreshes the cache once; asked again it is known to be
    missing until the next refresh, however long the cache has aged. A name never looked up
    still gets its refresh (at most one a minute), so a playlist made elsewhere is found."""
    freezer.tick(timedelta(minutes=2))
    emulator.reset_log()
    for _ in range(3):
        with pytest.raises(ServiceValidationError):
            await _resolve(hass, "Junk name 4711")
        freezer.tick(timedelta(minutes=2))
    pages = ceil(len(emulator.library.me_playlists) / 50)
    assert emulator.count("GET", "/v1/me/playlists") == pages

    emulator.library.create_playlist("Made in the app")
    response = await _resolve(hass, "made in the app")  # never looked up: its one refresh
    assert response["source"] == "fetch"
    assert emulator.count("GET", "/v1/me/playlists") == 2 * pages

    with pytest.raises(ServiceValidationError):  # a refresh forgets what was missing...
        await _resolve(hass, "Junk name 4711")
    assert emulator.count("GET", "/v1/me/playlists") == 2 * pages  # ...but within the minute

    emulator.library.create_playlist("Junk name 4711")
    freezer.tick(timedelta(minutes=2))
    assert (await _resolve(hass, "junk name 4711"))["source"] == "fetch"  # its one refresh
    assert emulator.count("GET", "/v1/me/playlists") == 3 * pages

    freezer.tick(timedelta(minutes=2))
    with pytest.raises(ServiceValidationError):
        await _resolve(hass, "Made a moment later")
    emulator.library.create_playlist("Made a moment later")
    freezer.tick(timedelta(minutes=2))
    with pytest.raises(ServiceValidationError):  # remembered as missing until a refresh
        await _resolve(hass, "Made a moment later")
    assert emulator.count("GET", "/v1/me/playlists") == 4 * pages
    await hass.services.async_call(DOMAIN, "refresh_playlist_cache", {}, blocking=True)
    assert (await _resolve(hass, "made a moment later"))["source"] == "cache"


async def test_a_playlist_fetched_by_id_is_a_cache_hit_from_then_on(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    emulator: Emulator,
    init_integration: MockConfigEntry,
) -> None:
    """The resolver's write-back, counted at the emulator: a playlist looked up by its link is
    fetched once; by id, URI or as a sync's target it is a cache hit, and it is stored."""
    late = emulator.library.create_playlist("Fetched once")
    emulator.reset_log()
    assert (await _resolve(hass, f"https://open.spotify.com/playlist/{late.id}?si=x"))[
        "source"
    ] == "fetch"
    assert (await _resolve(hass, late.id))["source"] == "cache"
    assert (await _resolve(hass, late.uri))["source"] == "cache"
    await hass.services.async_call(
        DOMAIN,
        "mirror_playlist",
        {"source": "liked_songs", "targets": [late.uri], "max_tracks": 2},
        blocking=True,
    )
    assert emulator.count("GET", "/v1/playlists/{playlist_id}") == 1
    assert emulator.count("GET", "/v1/me/playlists") == 0
    await init_integration.runtime_data.coordinator.async_flush()
    stored = hass_storage[f"{DOMAIN}.{init_integration.entry_id}.cache"]["data"]["playlists"]
    assert late.id in {record["id"] for record in stored}


async def test_a_stale_cache_is_refreshed_before_use(
    hass: HomeAssistant,
    emulator: Emulator,
    freezer: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    issue_registry: ir.IssueRegistry,
) -> None:
    """Staleness end to end: refreshes failing for longer than stale_after turn the sensor and
    the repair issue on; once Spotify answers again, the next lookup (fetch policy) refreshes
    the stale cache first, and both clear without waiting for the schedule."""
    entry = init_integration
    emulator.inject(Fault(status=503, path="/v1/me/playlists", times=None))
    for _ in range(62):
        freezer.tick(timedelta(minutes=1))
        async_fire_time_changed(hass)
        await hass.async_block_till_done(wait_background_tasks=True)
    stale = entity_id(hass, entry, "cache_stale", "binary_sensor")
    assert hass.states.get(stale).state == "on"  # type: ignore[union-attr]
    issue = issue_id(ISSUE_CACHE_STALE, entry.entry_id)
    assert issue_registry.async_get_issue(DOMAIN, issue) is not None
    name = next(iter(entry.runtime_data.coordinator.data.records.values())).name
    emulator.clear_faults()
    emulator.reset_log()
    assert (await _resolve(hass, name))["source"] == "cache"
    assert emulator.count("GET", "/v1/me/playlists") == ceil(
        len(emulator.library.me_playlists) / 50
    )
    await hass.async_block_till_done()
    assert hass.states.get(stale).state == "off"  # type: ignore[union-attr]
    assert issue_registry.async_get_issue(DOMAIN, issue) is None
