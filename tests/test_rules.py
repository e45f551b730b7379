"""Playlist rules in Home Assistant: retention (configured sync and action), exact mirrors and
duplicate removal, through real subentry flows and action calls against the emulator over HTTP.

The issue's "done when": a retention sync removes exactly the tracks older than N days and only
those (a URI that occurs twice at different ages keeps its newer occurrence, at its position);
it moves them to the archive without loss when a fault strikes between the archive write and the
removal (the re-run completes it with no duplicate in the archive); every removal can be
restored from the playlist history; an exact mirror and `remove_duplicates` behave as
documented, with dry runs that write nothing.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import entity_registry as er
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_capture_events

from custom_components.spotifreak.const import DOMAIN, EVENT_PLAYLIST_SNAPSHOT
from tests.emulator import Emulator, Fault
from tests.emulator.library import Library, Playlist, iso
from tests.helpers import ITEMS, add_sync, call_action as _call, playlist_writes as _writes


def _tracks(library: Library, count: int, start: int = 0) -> list[str]:
    playable = [t.uri for t in library.catalogue if t.is_playable and not t.is_local]
    return playable[start : start + count]


def _aged(library: Library, name: str, entries: list[tuple[str, int]]) -> Playlist:
    """A playlist whose entries were added `days` ago each."""
    playlist = library.create_playlist(name, items=[uri for uri, _days in entries])
    for entry, (_uri, days) in zip(playlist.entries, entries, strict=True):
        entry.added_at = iso(dt_util.utcnow() - timedelta(days=days, hours=1))
    playlist.bump()
    return playlist


async def _refresh(entry: MockConfigEntry, emulator: Emulator) -> None:
    await entry.runtime_data.coordinator.async_refresh()
    emulator.reset_log()


async def _add_retention(hass: HomeAssistant, entry: MockConfigEntry, **data: Any) -> str:
    result = await add_sync(hass, entry, "playlist_retention", {"name": "Rolling", **data})
    assert result["type"] is FlowResultType.CREATE_ENTRY, result
    await hass.async_block_till_done()
    return next(sid for sid, sub in entry.subentries.items() if sub.title == "Rolling")


async def test_a_retention_sync_archives_then_prunes_exactly_and_is_restorable(
    hass: HomeAssistant, emulator: Emulator, init_integration: MockConfigEntry
) -> None:
    """The issue's scenario, through a configured sync, its Run, its entities and a fault."""
    library = emulator.library
    a, b, c, d, e, f = _tracks(library, 6)
    archive = library.create_playlist("Rolling archive", items=[f])
    playlist = _aged(
        library, "Rolling 30", [(a, 45), (b, 12), (c, 31), (a, 2), (d, 29), (e, 400), (f, 50)]
    )
    before = library.playlist_uris(playlist.id)
    await _refresh(init_integration, emulator)
    sync_id = await _add_retention(
        hass, init_integration, playlist="Rolling 30", max_age_days=30, archive="Rolling archive"
    )
    registry = er.async_get(hass)
    removed_sensor = registry.async_get_entity_id("sensor", DOMAIN, f"{sync_id}_tracks_removed")
    button = registry.async_get_entity_id("button", DOMAIN, f"{sync_id}_run")
    assert removed_sensor is not None and button is not None

    # a fault between the archive write and the removal
    emulator.inject(Fault(method="DELETE", path=f"/v1/playlists/{playlist.id}/items", status=503))
    first = (await _call(hass, "run_sync", {"sync_id": sync_id}))["runs"][0]
    assert (first["status"], first["reason"]) == ("partial", "spotify_unavailable")
    assert library.playlist_uris(archive.id) == [f, a, c, e]  # archived, f was there already
    assert library.playlist_uris(playlist.id) == before  # nothing removed

    # the re-run completes it, without a duplicate in the archive
    emulator.reset_log()
    await hass.services.async_call("button", "press", {"entity_id": button}, blocking=True)
    await hass.async_block_till_done()
    second = init_integration.runtime_data.syncs.last_run(sync_id)
    assert second is not None
    assert second.status == "success"
    assert library.playlist_uris(archive.id) == [f, a, c, e]
    # exactly the entries older than 30 days went; a's newer occurrence stays at its place
    assert library.playlist_uris(playlist.id) == [b, a, d]
    assert second.removed == 4
    assert emulator.count("POST", ITEMS) == 1  # a put back; nothing archived again
    put_back = library.playlists[playlist.id].entries[1]
    assert put_back.uri == a
    assert put_back.added_at is not None
    assert put_back.added_at >= iso(dt_util.utcnow() - timedelta(minutes=5))
    assert hass.states.get(removed_sensor).state == "4"  # type: ignore[union-attr]

    # every removal can be restored from the playlist history
    version = second.targets[0]["snapshot_version"]
    listed = await _call(hass, "list_playlist_versions", {"playlist": "Rolling 30"})
    assert version in [v["version"] for v in listed["versions"]]
    assert next(v for v in listed["versions"] if v["version"] == version)["reason"] == (
        "before_remove"
    )
    restored = await _call(hass, "restore_playlist", {"playlist": "Rolling 30", "version": version})
    assert restored["status"] == "success"
    assert library.playlist_uris(playlist.id) == before

    # nothing due: noop, and no call while the playlist has not moved
    library.remove_items(playlist.id, [a, c, e, f])
    await _refresh(init_integration, emulator)
    noop = (await _call(hass, "run_sync", {"sync_id": sync_id}))["runs"][0]
    assert (noop["status"], noop["reason"]) == ("noop", "nothing_to_remove")
    again = (await _call(hass, "run_sync", {"sync_id": sync_id}))["runs"][0]
    assert (again["status"], again["api_calls"]) == ("noop", 0)


async def test_prune_playlist_action_by_size_and_dry_run(
    hass: HomeAssistant, emulator: Emulator, init_integration: MockConfigEntry
) -> None:
    """prune_playlist with max_tracks/min_tracks; a dry run writes nothing, creates nothing."""
    library = emulator.library
    uris = _tracks(library, 8)
    playlist = _aged(library, "Newest five", [(uri, 20 - i) for i, uri in enumerate(uris)])
    await _refresh(init_integration, emulator)
    snapshots = async_capture_events(hass, EVENT_PLAYLIST_SNAPSHOT)
    request = {"playlist": "Newest five", "max_tracks": 5, "archive": "Pruned %Y"}
    dry = await _call(hass, "prune_playlist", {**request, "dry_run": True})
    assert (dry["status"], dry["removed"], dry["added"]) == ("dry_run", 3, 3)
    assert dry["targets"][0]["removed_uris"] == uris[:3]
    assert dry["targets"][1]["would_create"] is True
    assert _writes(emulator) == 0
    assert snapshots == []
    real = await _call(hass, "prune_playlist", request)
    assert real["status"] == "success"
    assert library.playlist_uris(playlist.id) == uris[3:]
    year = dt_util.now().strftime("Pruned %Y")
    assert library.playlist_uris(library.playlists_named(year)[0].id) == uris[:3]
    assert [event.data["reason"] for event in snapshots] == ["before_remove"]
    kept = await _call(
        hass, "prune_playlist", {"playlist": "Newest five", "max_age_days": 1, "min_tracks": 5}
    )
    assert (kept["status"], kept["reason"]) == ("noop", "nothing_to_remove")


async def test_retention_errors_are_translated_and_write_nothing(
    hass: HomeAssistant, emulator: Emulator, init_integration: MockConfigEntry
) -> None:
    """Input a user can fix is refused before anything is written, in the action and the form."""
    library = emulator.library
    _aged(library, "Mine", [(_tracks(library, 1)[0], 40)])
    library.create_playlist("Anna's", owner="anna.berg", items=_tracks(library, 2))
    await _refresh(init_integration, emulator)
    cases: list[tuple[dict[str, Any], str]] = [
        ({"playlist": "Mine"}, "no_retention_rule"),
        ({"playlist": "Not there at all", "max_age_days": 3}, "playlist_not_found"),
        ({"playlist": "Mine", "max_age_days": 3, "archive": "Mine"}, "archive_is_playlist"),
        ({"playlist": "Mine", "max_tracks": 2, "min_tracks": 3}, "invalid_option"),
    ]
    for data, key in cases:
        with pytest.raises(ServiceValidationError) as raised:
            await _call(hass, "prune_playlist", data)
        assert raised.value.translation_key == key, data
    assert _writes(emulator) == 0

    async def form(**data: Any) -> dict[str, Any]:
        return await add_sync(
            hass, init_integration, "playlist_retention", {"name": "Form", **data}
        )

    assert (await form(playlist="Mine"))["errors"] == {"base": "no_retention_rule"}
    assert (await form(playlist="Mine", max_tracks=2, min_tracks=3))["errors"] == {
        "min_tracks": "min_above_max"
    }
    assert (await form(playlist="Mine", max_age_days=3, archive="mine"))["errors"] == {
        "archive": "archive_is_playlist"
    }
    assert (await form(playlist="Anna's", max_age_days=3))["errors"] == {
        "playlist": "unreadable_other_users"  # issue 15's reason (was playlist_not_writable)
    }
    assert (await form(playlist="%b%y", max_age_days=3, archive="${nope}"))["errors"] == {
        "archive": "invalid_pattern"
    }
    assert (await form(playlist=" ", max_age_days=3))["errors"] == {"playlist": "required"}
    assert (await form(playlist="${nope}", max_age_days=3))["errors"] == {
        "playlist": "invalid_pattern"
    }
    mine = library.playlists_named("Mine")[0]
    assert (await form(playlist=mine.uri, max_age_days=3, archive=mine.id))["errors"] == {
        "archive": "archive_is_playlist"
    }
    created = await form(playlist="Mine", max_age_days=3, archive=" ")
    assert created["type"] is FlowResultType.CREATE_ENTRY
    subentry_id = next(iter(init_integration.subentries))
    assert "archive" not in init_integration.subentries[subentry_id].data
    result = await hass.config_entries.subentries.async_init(
        (init_integration.entry_id, "playlist_retention"),
        context={"source": "reconfigure", "subentry_id": subentry_id},
    )
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {"name": "Form", "playlist": "Mine", "max_tracks": 10}
    )
    assert result["type"] is FlowResultType.ABORT
    assert dict(init_integration.subentries[subentry_id].data) == {
        "playlist": "Mine",
        "max_tracks": 10,
    }


async def test_an_exact_mirror_and_its_dry_run(
    hass: HomeAssistant, emulator: Emulator, init_integration: MockConfigEntry
) -> None:
    """mode exact: the target ends with exactly the source's tracks in the source's order."""
    library = emulator.library
    a, b, c, d, e = _tracks(library, 5)
    library.create_playlist("Exact source", items=[a, b, c, d])
    target = library.create_playlist("Exact copy", items=[e, c, a, b])
    await _refresh(init_integration, emulator)
    request = {"source": "Exact source", "targets": ["Exact copy"], "mode": "exact"}
    dry = await _call(hass, "mirror_playlist", {**request, "dry_run": True})
    assert dry["status"] == "dry_run"
    assert (dry["targets"][0]["added_uris"], dry["targets"][0]["removed_uris"]) == ([d], [e])
    assert _writes(emulator) == 0
    real = await _call(hass, "mirror_playlist", request)
    assert (real["status"], real["added"], real["removed"]) == ("success", 1, 1)
    assert library.playlist_uris(target.id) == [a, b, c, d]
    assert real["targets"][0]["snapshot_version"] is not None
    emulator.reset_log()
    library.add_items(target.id, [e])
    appended = await _call(hass, "mirror_playlist", {**request, "mode": "append"})
    assert appended["status"] == "noop"  # append, the default, never removes
    assert library.playlist_uris(target.id) == [a, b, c, d, e]


async def test_an_exact_mirror_from_the_subentry_form(
    hass: HomeAssistant, emulator: Emulator, init_integration: MockConfigEntry
) -> None:
    """The mirror form offers the mode; append is the default."""
    library = emulator.library
    a, b = _tracks(library, 2)
    library.create_playlist("Form source", items=[a])
    target = library.create_playlist("Form copy", items=[b])
    await _refresh(init_integration, emulator)
    result = await hass.config_entries.subentries.async_init(
        (init_integration.entry_id, "playlist_mirror"), context={"source": "user"}
    )
    schema = {str(key): key for key in result["data_schema"].schema}
    assert schema["mode"].default() == "append"
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"],
        {"name": "Copy", "source": "Form source", "targets": ["Form copy"], "mode": "exact"},
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    sync_id = next(iter(init_integration.subentries))
    run = (await _call(hass, "run_sync", {"sync_id": sync_id}))["runs"][0]
    assert run["status"] == "success"
    assert library.playlist_uris(target.id) == [a]


async def test_remove_duplicates_dry_run_then_real(
    hass: HomeAssistant, emulator: Emulator, init_integration: MockConfigEntry
) -> None:
    """The same URI, and with match isrc the same recording under another URI; keep last."""
    library = emulator.library
    a, b = _tracks(library, 2)
    single = library.add_catalogue_track("Same Song", "Same Band", isrc="QZSAME0000001")
    album = library.add_catalogue_track("Same Song", "Same Band", isrc="QZSAME0000001")
    playlist = library.create_playlist("Dupes", items=[a, single.uri, b, a, album.uri])
    await _refresh(init_integration, emulator)
    snapshots = async_capture_events(hass, EVENT_PLAYLIST_SNAPSHOT)
    request = {"playlist": "Dupes", "keep": "last", "match": "isrc"}
    dry = await _call(hass, "remove_duplicates", {**request, "dry_run": True})
    assert (dry["status"], dry["removed"]) == ("dry_run", 2)
    assert dry["targets"][0]["removed_uris"] == [a, single.uri]
    assert _writes(emulator) == 0
    assert snapshots == []
    real = await _call(hass, "remove_duplicates", request)
    assert (real["status"], real["removed"]) == ("success", 2)
    assert library.playlist_uris(playlist.id) == [b, a, album.uri]
    assert [event.data["reason"] for event in snapshots] == ["before_remove"]
    again = await _call(hass, "remove_duplicates", request)
    assert (again["status"], again["reason"]) == ("noop", "no_duplicates")
    history = await _call(hass, "get_run_history", {"sync_id": "remove_duplicates"})
    assert [run["status"] for run in history["runs"]] == ["noop", "success"]


async def test_remove_duplicates_refuses_a_playlist_the_account_does_not_own(
    hass: HomeAssistant, emulator: Emulator, init_integration: MockConfigEntry
) -> None:
    """Only the account's own playlists: a translated validation error, nothing written."""
    library = emulator.library
    a = _tracks(library, 1)[0]
    library.create_playlist("Shared", owner="anna.berg", collaborative=True, items=[a, a])
    await _refresh(init_integration, emulator)
    with pytest.raises(ServiceValidationError) as raised:
        await _call(hass, "remove_duplicates", {"playlist": "Shared"})
    assert raised.value.translation_key == "playlist_not_owned"
    assert raised.value.translation_placeholders == {"playlist": "Shared"}
    with pytest.raises(ServiceValidationError) as raised:
        await _call(hass, "remove_duplicates", {"playlist": "Shared", "keep": "middle"})
    assert raised.value.translation_key == "invalid_option"
    assert _writes(emulator) == 0
