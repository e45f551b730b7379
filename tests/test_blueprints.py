"""The automation blueprints in blueprints/automation/spotifreak/: valid, and they do their job.

Each blueprint is checked against Home Assistant's own blueprint schema, then an automation made
from it runs against the real integration on the emulator: its trigger fires (time moved with the
freezer, or a sensor changing) and the expected Spotifreak action runs.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
import shutil
from typing import Any

from freezegun.api import FrozenDateTimeFactory
import pytest

from homeassistant.components.automation.config import AUTOMATION_BLUEPRINT_SCHEMA
from homeassistant.components.blueprint.models import Blueprint
from homeassistant.core import Event, HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import entity_registry as er
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util, yaml as yaml_util
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
    async_fire_time_changed,
)
from pytest_homeassistant_custom_component.typing import WebSocketGenerator

from custom_components.spotifreak.const import (
    CONF_LASTFM_API_KEY,
    CONF_LASTFM_USERNAME,
    DOMAIN,
    EVENT_CACHE_REFRESHED,
    EVENT_PLAYLIST_SNAPSHOT,
    EVENT_SYNC_FINISHED,
)
from tests.emulator import Emulator, Fault
from tests.emulator.library import LASTFM_API_KEY, Library, iso
from tests.helpers import entity_id

BLUEPRINTS = Path(__file__).parent.parent / "blueprints" / "automation" / "spotifreak"
SOURCE_URL = (
    "https://github.com/spotifreak/spotifreak-home-assistant/blob/main/"
    "blueprints/automation/spotifreak/{name}"
)
ALL = (
    "run_sync_on_schedule.yaml",
    "cache_stale_alert.yaml",
    "weekly_lastfm_playlist.yaml",
    "liked_songs_monthly_archive.yaml",
    "back_up_playlists_weekly.yaml",
    "keep_a_rolling_playlist.yaml",
    "archive_and_prune_monthly.yaml",
)
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
AUTOMATION_ID = "blueprint_under_test"
TEST_ALERT = "spotifreak_test_alert"
TEST_FAILURE = "spotifreak_test_failure"
STALE_OPTIONS = {"refresh_interval": 5, "stale_after": 10}


def _load(name: str) -> Blueprint:
    data = yaml_util.load_yaml(str(BLUEPRINTS / name))
    assert isinstance(data, dict)
    return Blueprint(data, expected_domain="automation", schema=AUTOMATION_BLUEPRINT_SCHEMA)


def _selectors(inputs: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for spec in inputs.values():
        if spec and "input" in spec:  # a section
            yield from _selectors(spec["input"])
        elif spec and "selector" in spec:
            yield spec["selector"]


def test_the_seven_blueprints_are_there() -> None:
    """Exactly the seven documented blueprints ship."""
    assert sorted(path.name for path in BLUEPRINTS.glob("*.yaml")) == sorted(ALL)


@pytest.mark.parametrize("name", ALL)
def test_blueprint_schema(name: str) -> None:
    """Home Assistant's automation blueprint schema accepts it; metadata and inputs are tidy."""
    blueprint = _load(name)
    assert blueprint.domain == "automation"
    assert blueprint.validate() is None  # min_version is met by this Home Assistant
    assert blueprint.metadata["source_url"] == SOURCE_URL.format(name=name)
    assert blueprint.metadata["homeassistant"]["min_version"] == "2025.4.0"
    # Every declared input is used, every used input declared (the latter the model checks).
    used = yaml_util.extract_inputs(blueprint.data)
    assert used == set(blueprint.inputs)
    for key, spec in blueprint.inputs.items():
        assert spec.get("name"), f"input {key} has no name"
    # 2026.11 refuses target selectors filtered by device: entity selectors filter by integration.
    for selector in _selectors(blueprint.inputs):
        assert "target" not in selector
        for kind in ("entity", "device"):
            for item in (selector.get(kind) or {}).get("filter", []):
                assert item.get("integration") == DOMAIN


# -- exercising them ----------------------------------------------------------------------------


@pytest.fixture
def blueprint_dir(hass: HomeAssistant, tmp_path: Path) -> Path:
    """A configuration directory holding the blueprints where Home Assistant looks for them."""
    target = tmp_path / "blueprints" / "automation" / "spotifreak"
    shutil.copytree(BLUEPRINTS, target)
    hass.config.config_dir = str(tmp_path)
    return target


async def _automation(hass: HomeAssistant, blueprint: str, inputs: dict[str, Any]) -> str:
    """Set up an automation from a blueprint; return its entity id (it must be on)."""
    assert await async_setup_component(
        hass,
        "automation",
        {
            "automation": [
                {
                    "id": AUTOMATION_ID,
                    "alias": f"Test {blueprint}",
                    "use_blueprint": {"path": f"spotifreak/{blueprint}", "input": inputs},
                }
            ]
        },
    )
    await hass.async_block_till_done()
    automation = er.async_get(hass).async_get_entity_id("automation", "automation", AUTOMATION_ID)
    assert automation is not None
    state = hass.states.get(automation)
    assert state is not None
    assert state.state == "on", state.attributes
    return automation


async def _turn_off(hass: HomeAssistant, automation: str) -> None:
    """Detach the automation's time trigger (Home Assistant 2025.4's harness fails on its timer)."""
    await hass.services.async_call(
        "automation", "turn_off", {"entity_id": automation}, blocking=True
    )
    await hass.async_block_till_done()


async def _move_to(hass: HomeAssistant, freezer: FrozenDateTimeFactory, when: datetime) -> None:
    freezer.move_to(when)
    async_fire_time_changed(hass, when)
    await hass.async_block_till_done(wait_background_tasks=True)


def _next(hour: int, minute: int = 0) -> datetime:
    """The next local time hour:minute, at least a minute away."""
    now = dt_util.now()
    when = now.replace(hour=hour, minute=minute, second=0, microsecond=0)
    return when if when > now + timedelta(minutes=1) else when + timedelta(days=1)


async def _add_sync(
    hass: HomeAssistant, entry: MockConfigEntry, kind: str, data: dict[str, Any]
) -> str:
    """Add a configured sync through its subentry flow; return its id."""
    result = await hass.config_entries.subentries.async_init(
        (entry.entry_id, kind), context={"source": "user"}
    )
    assert result["type"] is FlowResultType.FORM
    result = await hass.config_entries.subentries.async_configure(result["flow_id"], data)
    assert result["type"] is FlowResultType.CREATE_ENTRY, result
    await hass.async_block_till_done()
    return next(
        subentry_id
        for subentry_id, subentry in entry.subentries.items()
        if subentry.title == data["name"]
    )


def _run_button(hass: HomeAssistant, sync_id: str) -> str:
    found = er.async_get(hass).async_get_entity_id("button", DOMAIN, f"{sync_id}_run")
    assert found is not None
    return found


MIRROR = {
    "name": "Monthly archive",
    "source": "liked_songs",
    "targets": ["%b%y"],
    "create_missing": True,
    "public": False,
    "deduplicate": True,
    "only_new": True,
    "max_tracks": 25,
}


async def test_run_sync_on_schedule(
    hass: HomeAssistant,
    emulator: Emulator,
    freezer: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    blueprint_dir: Path,
) -> None:
    """At the time, on a chosen weekday, the sync's Run button's sync runs (run_sync); not on others."""
    sync_id = await _add_sync(hass, init_integration, "playlist_mirror", MIRROR)
    first = _next(3)
    day = WEEKDAYS[first.weekday()]
    automation = await _automation(
        hass,
        "run_sync_on_schedule.yaml",
        {
            "sync": _run_button(hass, sync_id),
            "at": "03:00:00",
            "weekdays": [day],
            "on_failure": [{"event": TEST_FAILURE}],
        },
    )
    runs = async_capture_events(hass, EVENT_SYNC_FINISHED)
    failures = async_capture_events(hass, TEST_FAILURE)

    await _move_to(hass, freezer, first - timedelta(minutes=1))
    assert runs == []
    await _move_to(hass, freezer, first)
    assert [event.data["sync_id"] for event in runs] == [sync_id]
    assert runs[0].data["status"] == "success"
    assert runs[0].data["added"] > 0
    assert emulator.library.playlists_named(first.strftime("%b%y"))
    assert failures == []

    # The next day is another weekday: nothing runs.
    await _move_to(hass, freezer, first + timedelta(days=1))
    assert len(runs) == 1

    # A week later it runs again; a failing Spotify makes the failure actions run.
    emulator.inject(Fault(status=503, path="/v1/me/tracks", times=None))
    await _move_to(hass, freezer, first + timedelta(days=7))
    assert len(runs) == 2
    assert runs[1].data["status"] == "failed"
    assert len(failures) == 1
    await _turn_off(hass, automation)


@pytest.mark.parametrize("entry_options", [STALE_OPTIONS])
async def test_cache_stale_alert_notifies_and_dismisses(
    hass: HomeAssistant,
    emulator: Emulator,
    freezer: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    blueprint_dir: Path,
    hass_ws_client: WebSocketGenerator,
) -> None:
    """Stale long enough: a forced refresh (still failing), then the default notification;
    fresh again: the notification is dismissed."""
    entry = init_integration
    assert await async_setup_component(hass, "persistent_notification", {})
    stale = entity_id(hass, entry, "cache_stale", "binary_sensor")
    await _automation(
        hass,
        "cache_stale_alert.yaml",
        {"stale_sensor": stale, "stale_for": {"minutes": 2}, "force_refresh": True},
    )
    refreshes = async_capture_events(hass, EVENT_CACHE_REFRESHED)
    emulator.inject(Fault(status=503, path="/v1/me/playlists", times=None))

    async def tick(minutes: int) -> None:
        for _ in range(minutes):
            freezer.tick(timedelta(minutes=1))
            async_fire_time_changed(hass)
            await hass.async_block_till_done(wait_background_tasks=True)

    await tick(11)
    assert hass.states.get(stale).state == "on"  # type: ignore[union-attr]
    calls_when_stale = emulator.count("GET", "/v1/me/playlists")
    assert await _notifications(hass, hass_ws_client) == []

    await tick(2)  # stale for two minutes: the automation forces a refresh, then alerts
    assert emulator.count("GET", "/v1/me/playlists") > calls_when_stale
    notifications = await _notifications(hass, hass_ws_client)
    assert [item["notification_id"] for item in notifications] == ["spotifreak_cache_stale"]
    assert "stale" in notifications[0]["message"]

    emulator.clear_faults()
    await tick(6)  # the coordinator's retry succeeds: fresh again, notification dismissed
    assert refreshes
    assert hass.states.get(stale).state == "off"  # type: ignore[union-attr]
    assert await _notifications(hass, hass_ws_client) == []


async def _notifications(
    hass: HomeAssistant, hass_ws_client: WebSocketGenerator
) -> list[dict[str, Any]]:
    """The persistent notifications, read as the frontend reads them (a fresh connection: the
    frozen clock jumping minutes ahead closes idle ones)."""
    client = await hass_ws_client(hass)
    await client.send_json_auto_id({"type": "persistent_notification/get"})
    answer = await client.receive_json()
    assert answer["success"], answer
    return list(answer["result"])


@pytest.mark.parametrize("entry_options", [STALE_OPTIONS])
async def test_cache_stale_alert_forced_refresh_that_works_alerts_nobody(
    hass: HomeAssistant,
    emulator: Emulator,
    freezer: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    blueprint_dir: Path,
) -> None:
    """When the forced refresh makes the cache fresh again, the alert actions do not run."""
    entry = init_integration
    stale = entity_id(hass, entry, "cache_stale", "binary_sensor")
    await _automation(
        hass,
        "cache_stale_alert.yaml",
        {
            "stale_sensor": stale,
            "stale_for": {"minutes": 1},
            "force_refresh": True,
            "alert": [{"event": TEST_ALERT, "event_data": {"sensor": "{{ stale_sensor }}"}}],
        },
    )
    alerts = async_capture_events(hass, TEST_ALERT)
    refreshes = async_capture_events(hass, EVENT_CACHE_REFRESHED)
    emulator.inject(Fault(status=503, path="/v1/me/playlists", times=None))
    for _ in range(11):
        freezer.tick(timedelta(minutes=1))
        async_fire_time_changed(hass)
        await hass.async_block_till_done(wait_background_tasks=True)
    assert hass.states.get(stale).state == "on"  # type: ignore[union-attr]

    emulator.clear_faults()  # Spotify is back before the coordinator's next retry
    freezer.tick(timedelta(minutes=1))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert len(refreshes) == 1  # the automation's forced refresh
    assert hass.states.get(stale).state == "off"  # type: ignore[union-attr]
    assert alerts == []


@pytest.mark.parametrize("entry_options", [STALE_OPTIONS])
async def test_cache_stale_alert_without_forced_refresh(
    hass: HomeAssistant,
    emulator: Emulator,
    freezer: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    blueprint_dir: Path,
) -> None:
    """force_refresh off: the alert runs with no extra Spotify call, and knows the sensor."""
    entry = init_integration
    stale = entity_id(hass, entry, "cache_stale", "binary_sensor")
    await _automation(
        hass,
        "cache_stale_alert.yaml",
        {
            "stale_sensor": stale,
            "stale_for": {"minutes": 1},
            "force_refresh": False,
            "alert": [{"event": TEST_ALERT, "event_data": {"sensor": "{{ stale_sensor }}"}}],
        },
    )
    alerts: list[Event] = async_capture_events(hass, TEST_ALERT)
    emulator.inject(Fault(status=503, path="/v1/me/playlists", times=None))
    for _ in range(11):
        freezer.tick(timedelta(minutes=1))
        async_fire_time_changed(hass)
        await hass.async_block_till_done(wait_background_tasks=True)
    assert hass.states.get(stale).state == "on"  # type: ignore[union-attr]
    calls = emulator.count("GET", "/v1/me/playlists")
    freezer.tick(timedelta(minutes=1, seconds=5))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert [event.data["sensor"] for event in alerts] == [stale]
    assert emulator.count("GET", "/v1/me/playlists") == calls


@pytest.mark.parametrize(
    "entry_options", [{CONF_LASTFM_API_KEY: LASTFM_API_KEY, CONF_LASTFM_USERNAME: "emulator_fm"}]
)
async def test_weekly_lastfm_playlist(
    hass: HomeAssistant,
    emulator: Emulator,
    freezer: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    blueprint_dir: Path,
) -> None:
    """On the weekday at the time: lastfm_top_tracks fills the playlist (created on the fly)."""
    assert emulator.library.lastfm_users[0] == "emulator_fm"
    first = _next(8)
    automation = await _automation(
        hass,
        "weekly_lastfm_playlist.yaml",
        {
            "playlist": "My weekly top",
            "limit": 12,
            "period": "7day",
            "weekday": WEEKDAYS[first.weekday()],
            "at": "08:00:00",
        },
    )
    runs = async_capture_events(hass, EVENT_SYNC_FINISHED)
    await _move_to(hass, freezer, first)
    assert len(runs) == 1
    run = runs[0].data
    assert run["sync_type"] == "lastfm_top_tracks"
    assert run["status"] == "success"
    assert run["entry_id"] == init_integration.entry_id
    created = emulator.library.playlists_named("My weekly top")
    assert len(created) == 1
    assert 0 < len(emulator.library.playlist_uris(created[0].id)) <= 12
    assert run["added"] == len(emulator.library.playlist_uris(created[0].id))

    await _move_to(hass, freezer, first + timedelta(days=1))  # another weekday
    assert len(runs) == 1
    await _move_to(hass, freezer, first + timedelta(days=7))  # a week later: same top list
    assert len(runs) == 2
    assert runs[1].data["status"] == "unchanged"
    await _turn_off(hass, automation)


async def test_liked_songs_monthly_archive(
    hass: HomeAssistant,
    emulator: Emulator,
    freezer: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    blueprint_dir: Path,
) -> None:
    """Every day at the time: newly liked songs go into this month's playlist, never twice."""
    library = emulator.library
    first = _next(23, 55)
    while (first + timedelta(days=1)).month != first.month:  # keep both runs in one month
        first += timedelta(days=1)
    automation = await _automation(
        hass,
        "liked_songs_monthly_archive.yaml",
        {"pattern": "Archive %b %Y", "at": "23:55:00"},
    )
    runs = async_capture_events(hass, EVENT_SYNC_FINISHED)
    await _move_to(hass, freezer, first)
    assert len(runs) == 1
    assert runs[0].data["sync_type"] == "playlist_mirror"
    assert runs[0].data["status"] == "success"
    archive = library.playlists_named(first.strftime("Archive %b %Y"))
    assert len(archive) == 1
    archived = library.playlist_uris(archive[0].id)
    assert len(archived) == runs[0].data["added"] > 0

    # The next day, with two more liked songs: only those two are added.
    new = [
        track.uri
        for track in library.catalogue
        if track.uri not in set(archived) and getattr(track, "is_playable", True) is not False
    ][:2]
    library.add_liked(new)
    await _move_to(hass, freezer, first + timedelta(days=1))
    assert len(runs) == 2
    assert runs[1].data["status"] == "success"
    assert runs[1].data["added"] == 2
    uris = library.playlist_uris(archive[0].id)
    assert len(uris) == len(archived) + 2
    assert set(uris) == {*archived, *new}
    await _turn_off(hass, automation)


async def test_back_up_playlists_weekly(
    hass: HomeAssistant,
    emulator: Emulator,
    freezer: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    blueprint_dir: Path,
) -> None:
    """On the weekday at the time, each named playlist gets a version; one that cannot be
    backed up runs the failure actions with its name, and the others are still backed up."""
    library = emulator.library
    tracks = [track.uri for track in library.catalogue[:60]]
    one = library.create_playlist("Backed up weekly", items=tracks)
    two = library.create_playlist("Also backed up", items=tracks[:3])
    await init_integration.runtime_data.coordinator.async_refresh()
    first = _next(4)
    automation = await _automation(
        hass,
        "back_up_playlists_weekly.yaml",
        {
            "playlists": ["Backed up weekly", "No such playlist at all", two.uri],
            "weekday": WEEKDAYS[first.weekday()],
            "at": "04:00:00",
            "on_failure": [{"event": TEST_FAILURE, "event_data": {"playlist": "{{ playlist }}"}}],
        },
    )
    snapshots = async_capture_events(hass, EVENT_PLAYLIST_SNAPSHOT)
    failures = async_capture_events(hass, TEST_FAILURE)
    emulator.reset_log()
    await _move_to(hass, freezer, first)
    assert [(event.data["playlist"], event.data["reason"]) for event in snapshots] == [
        (one.id, "manual"),
        (two.id, "manual"),
    ]
    assert [event.data["tracks"] for event in snapshots] == [60, 3]
    assert [event.data["playlist"] for event in failures] == ["No such playlist at all"]
    assert emulator.count("GET", "/v1/playlists/{playlist_id}/items") == 2 + 1  # ⌈60/50⌉ + 1

    await _move_to(hass, freezer, first + timedelta(days=1))  # another weekday
    assert len(snapshots) == 2
    await _move_to(hass, freezer, first + timedelta(days=7))
    assert len(snapshots) == 4
    history = init_integration.runtime_data.syncs.runs.playlist_history.history
    assert len(history.versions(one.id)) == 2
    await _turn_off(hass, automation)


def _aged_playlist(library: Library, name: str, days: list[int]) -> tuple[str, list[str]]:
    """A playlist of tracks added `days` ago each (from the frozen now); its id and URIs."""
    uris = [t.uri for t in library.catalogue if t.is_playable and not t.is_local][: len(days)]
    playlist = library.create_playlist(name, items=uris)
    for entry, age in zip(playlist.entries, days, strict=True):
        entry.added_at = iso(dt_util.utcnow() - timedelta(days=age))
    playlist.bump()
    return playlist.id, uris


async def test_keep_a_rolling_playlist(
    hass: HomeAssistant,
    emulator: Emulator,
    freezer: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    blueprint_dir: Path,
) -> None:
    """Every day at the time: tracks older than the days go, the newest stay; a day later the
    tracks that aged out since go too."""
    library = emulator.library
    playlist_id, uris = _aged_playlist(library, "Last 30 days", [45, 31, 20, 29, 2])
    await init_integration.runtime_data.coordinator.async_refresh()
    first = _next(4, 30)
    automation = await _automation(
        hass,
        "keep_a_rolling_playlist.yaml",
        {"playlist": "Last 30 days", "max_age_days": 30, "min_tracks": 2, "at": "04:30:00"},
    )
    runs = async_capture_events(hass, EVENT_SYNC_FINISHED)
    await _move_to(hass, freezer, first)
    assert [(e.data["sync_type"], e.data["status"]) for e in runs] == [
        ("playlist_retention", "success")
    ]
    assert library.playlist_uris(playlist_id) == [uris[2], uris[3], uris[4]]
    await _move_to(hass, freezer, first + timedelta(days=2))  # uris[3] is 31 days old now
    assert library.playlist_uris(playlist_id) == [uris[2], uris[4]]
    await _move_to(hass, freezer, first + timedelta(days=20))  # never below two tracks
    assert library.playlist_uris(playlist_id) == [uris[2], uris[4]]
    assert [e.data["status"] for e in runs][-1] == "noop"
    await _turn_off(hass, automation)


async def test_archive_and_prune_monthly(
    hass: HomeAssistant,
    emulator: Emulator,
    freezer: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    blueprint_dir: Path,
) -> None:
    """On the last day of the month only: old tracks go into the month's archive, then out."""
    library = emulator.library
    last = _next(23, 30)
    while (last + timedelta(days=1)).day != 1:
        last += timedelta(days=1)
    freezer.move_to(last - timedelta(days=1, hours=1))
    playlist_id, uris = _aged_playlist(library, "Monthly mix", [60, 40, 10, 5])
    await init_integration.runtime_data.coordinator.async_refresh()
    automation = await _automation(
        hass,
        "archive_and_prune_monthly.yaml",
        {"playlist": "Monthly mix", "archive": "Archive %b%y", "max_age_days": 30},
    )
    runs = async_capture_events(hass, EVENT_SYNC_FINISHED)
    await _move_to(hass, freezer, last - timedelta(days=1))  # not the last day: nothing runs
    assert runs == []
    await _move_to(hass, freezer, last)
    assert [(e.data["sync_type"], e.data["status"]) for e in runs] == [
        ("playlist_retention", "success")
    ]
    archive = library.playlists_named(last.strftime("Archive %b%y"))
    assert len(archive) == 1
    assert library.playlist_uris(archive[0].id) == uris[:2]
    assert library.playlist_uris(playlist_id) == uris[2:]
    await _turn_off(hass, automation)
