"""Playlist history in Home Assistant: versions before destructive writes, restore, dry runs.

Everything goes through real action calls, the integration's Stores and the emulator over HTTP.
The issue's scenario: a hand-made playlist of 120 tracks, a local file and a podcast episode,
named in a Last.fm sync with the default `mode: replace`, can never lose a track — the replace is
refused, or `restore_playlist` puts back exactly the previous list (the local file listed as
unrestorable).
"""

from __future__ import annotations

from typing import Any
from unittest.mock import patch

import pytest

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_capture_events

from custom_components.spotifreak.const import (
    CONF_HISTORY_VERSIONS,
    CONF_LASTFM_API_KEY,
    CONF_LASTFM_USERNAME,
    DOMAIN,
    EVENT_PLAYLIST_SNAPSHOT,
    EVENT_SYNC_FINISHED,
)
from tests.emulator import Emulator, Fault
from tests.emulator.library import LASTFM_API_KEY, Library, Playlist
from tests.helpers import (
    ITEMS,
    add_sync,
    cache_state,
    call_action as _call,
    playlist_writes as _writes,
)

LASTFM_OPTIONS = {CONF_LASTFM_API_KEY: LASTFM_API_KEY, CONF_LASTFM_USERNAME: "emulator_fm"}
pytestmark = pytest.mark.parametrize("entry_options", [LASTFM_OPTIONS])


def _hand_made(library: Library, name: str = "Summer road trip") -> tuple[Playlist, list[str]]:
    """A playlist of 120 tracks, a local file and a podcast episode, made by hand."""
    tracks = [track.uri for track in library.catalogue if track.is_playable][:120]
    local = library.add_local_track("Home Band", "Demo Tape", "Kitchen Song")
    episode = library.add_episode("Episode 42", "Night Talk")
    items = [*tracks[:40], local.uri, *tracks[40:80], episode.uri, *tracks[80:]]
    playlist = library.create_playlist(name, items=items)
    for index, entry in enumerate(playlist.entries):  # added over two years, by hand
        entry.added_at = f"{2024 + index // 61}-{1 + index % 12:02d}-{1 + index % 28:02d}T08:00:00Z"
    return playlist, items


async def _road_trip(
    hass: HomeAssistant, emulator: Emulator, entry: MockConfigEntry
) -> tuple[Playlist, list[str]]:
    playlist, items = _hand_made(emulator.library)
    await entry.runtime_data.coordinator.async_refresh()
    emulator.reset_log()
    return playlist, items


LASTFM = {"playlist": "Summer road trip", "period": "7day", "limit": 10}
REPLACE = {**LASTFM, "allow_replace": True, "allow_local_loss": True}  # with every leave


async def test_replace_is_refused_then_restored_exactly(
    hass: HomeAssistant, emulator: Emulator, init_integration: MockConfigEntry
) -> None:
    """The issue's scenario: refused twice without leave, replaced with it, restored exactly."""
    library = emulator.library
    playlist, items = await _road_trip(hass, emulator, init_integration)
    snapshots = async_capture_events(hass, EVENT_PLAYLIST_SNAPSHOT)

    with pytest.raises(ServiceValidationError) as refused:
        await _call(hass, "lastfm_top_tracks", LASTFM)
    assert refused.value.translation_key == "replace_not_allowed"
    assert refused.value.translation_placeholders == {"playlist": "Summer road trip"}
    assert emulator.count("GET", "/2.0/") == 0  # refused before Last.fm is asked
    with pytest.raises(ServiceValidationError) as refused:
        await _call(hass, "lastfm_top_tracks", {**LASTFM, "allow_replace": True})
    assert refused.value.translation_key == "replace_loses_local_files"
    assert _writes(emulator) == 0
    assert library.playlist_uris(playlist.id) == items
    assert snapshots == []
    assert emulator.count("GET", ITEMS) == 3  # ⌈122/50⌉: the local files had to be seen

    emulator.reset_log()
    replaced = await _call(hass, "lastfm_top_tracks", REPLACE)
    assert replaced["status"] == "success"
    top = library.playlist_uris(playlist.id)
    assert 0 < len(top) <= 10
    assert replaced["removed"] == len(set(items) - set(top))
    before_replace = replaced["targets"][0]["snapshot_version"]
    assert before_replace is not None
    assert [event.data["reason"] for event in snapshots] == ["before_replace"]
    assert snapshots[0].data["version"] == before_replace
    assert snapshots[0].data["playlist"] == playlist.id
    assert snapshots[0].data["tracks"] == 122
    # this run knew the contents from the refused one; the version needed the entries: ⌈122/50⌉
    assert emulator.count("GET", ITEMS) == 3
    assert replaced["api_calls"] == emulator.spotify_calls
    assert cache_state(hass, init_integration, "playlist_versions") == "1"

    listed = await _call(hass, "list_playlist_versions", {"playlist": "Summer road trip"})
    assert [version["version"] for version in listed["versions"]] == [before_replace]
    version = listed["versions"][0]
    assert (version["reason"], version["tracks"], version["unrestorable"]) == (
        "before_replace",
        122,
        1,
    )
    assert version["sync_id"] == replaced["sync_id"]
    assert version["run_id"] == replaced["run_id"]
    assert version["removed_since"] == len(items) - len([u for u in top if u in items])
    assert version["added_since"] == len([uri for uri in top if uri not in items])

    emulator.reset_log()
    restored = await _call(hass, "restore_playlist", {"playlist": "Summer road trip"})
    assert library.playlist_uris(playlist.id) == [
        uri for uri in items if not uri.startswith("spotify:local:")
    ]
    assert restored["status"] == "partial"
    assert restored["reason"] == "unrestorable"
    assert restored["version"] == before_replace
    assert restored["unrestorable"] == [
        {
            "uri": items[40],
            "added_at": "2024-05-13T08:00:00Z",
            "kind": "local",
            "name": "Kitchen Song",
            "artist": "Home Band",
        }
    ]
    assert restored["added"] == 121 - len(set(top) & set(items))
    # one read (the version before the restore reuses it), a PUT of 100, a POST of 21
    assert emulator.count("GET", ITEMS) == 1
    assert emulator.count("PUT", ITEMS) == 1
    assert emulator.count("POST", ITEMS) == 1
    assert restored["api_calls"] == 3
    before_restore = restored["targets"][0]["snapshot_version"]
    assert snapshots[-1].data["reason"] == "before_restore"
    assert cache_state(hass, init_integration, "playlist_versions") == "2"

    # a restore can be undone: its own version brings back the Last.fm list
    undone = await _call(
        hass, "restore_playlist", {"playlist": "Summer road trip", "version": before_restore}
    )
    assert undone["status"] == "success"
    assert library.playlist_uris(playlist.id) == top


async def test_a_failure_between_put_and_post_is_completed_by_restoring_again(
    hass: HomeAssistant, emulator: Emulator, init_integration: MockConfigEntry
) -> None:
    """Restore is a PUT of 100 and POSTs: a failed POST fails the run; restoring again ends it."""
    library = emulator.library
    playlist, items = await _road_trip(hass, emulator, init_integration)
    await _call(hass, "lastfm_top_tracks", REPLACE)
    emulator.inject(Fault(method="POST", path=f"/v1/playlists/{playlist.id}/items", status=503))
    with pytest.raises(HomeAssistantError) as failed:
        await _call(hass, "restore_playlist", {"playlist": "Summer road trip"})
    assert failed.value.translation_key == "sync_failed"
    assert failed.value.translation_placeholders["reason"] == "spotify_unavailable"
    restorable = [uri for uri in items if not uri.startswith("spotify:local:")]
    assert library.playlist_uris(playlist.id) == restorable[:100]
    runs = await _call(hass, "get_run_history", {"sync_id": "playlist_restore"})
    assert runs["runs"][0]["status"] == "failed"

    listed = await _call(hass, "list_playlist_versions", {"playlist": "Summer road trip"})
    whole = next(v for v in listed["versions"] if v["reason"] == "before_replace")
    assert whole["tracks"] == 122  # the version is still whole

    again = await _call(hass, "restore_playlist", {"playlist": "Summer road trip"})
    assert again["status"] == "partial"  # the local file, as before
    assert again["version"] == whole["version"]
    assert library.playlist_uris(playlist.id) == restorable


async def test_dry_runs_write_nothing_and_leave_no_trace(
    hass: HomeAssistant, emulator: Emulator, init_integration: MockConfigEntry
) -> None:
    """dry_run on mirror, Last.fm and restore: no write, no version, not in the run history."""
    library = emulator.library
    playlist, items = await _road_trip(hass, emulator, init_integration)
    finished = async_capture_events(hass, EVENT_SYNC_FINISHED)
    snapshots = async_capture_events(hass, EVENT_PLAYLIST_SNAPSHOT)

    mirror = {"source": "Summer road trip", "targets": ["Road trip copy"], "dry_run": True}
    dry = await _call(hass, "mirror_playlist", mirror)
    assert dry["status"] == "dry_run"
    tracks = [uri for uri in items if uri.startswith("spotify:track:")]  # what a mirror copies
    assert dry["added"] == len(set(tracks))
    target = dry["targets"][0]
    assert (target["status"], target["would_create"], target["created"]) == ("dry_run", True, False)
    assert target["added_uris"] == list(dict.fromkeys(tracks))
    assert library.playlists_named("Road trip copy") == []

    lastfm = await _call(
        hass,
        "lastfm_top_tracks",
        {**REPLACE, "dry_run": True},
    )
    assert lastfm["status"] == "dry_run"
    removed = lastfm["targets"][0]["removed_uris"]
    assert lastfm["removed"] == len(removed) > 100
    assert lastfm["targets"][0]["snapshot_version"] is None
    assert _writes(emulator) == 0
    assert library.playlist_uris(playlist.id) == items
    assert snapshots == []
    assert [event.data["status"] for event in finished] == ["dry_run", "dry_run"]
    assert (await _call(hass, "get_run_history", {}))["runs"] == []

    # the real run afterwards does what the dry run said: nothing was remembered in between
    real = await _call(hass, "mirror_playlist", {**mirror, "dry_run": False})
    assert real["status"] == "success"
    assert real["added"] == dry["added"]
    assert real["targets"][0]["added_uris"] == target["added_uris"]

    await _call(hass, "lastfm_top_tracks", REPLACE)
    emulator.reset_log()
    restore = await _call(
        hass, "restore_playlist", {"playlist": "Summer road trip", "dry_run": True}
    )
    assert restore["status"] == "dry_run"
    assert restore["reason"] == "unrestorable"
    assert len(restore["unrestorable"]) == 1
    assert restore["added"] > 100
    assert _writes(emulator) == 0
    assert emulator.count("GET", ITEMS) == 1
    assert cache_state(hass, init_integration, "playlist_versions") == "1"


async def test_a_configured_sync_dry_run_leaves_its_entities(
    hass: HomeAssistant, emulator: Emulator, init_integration: MockConfigEntry
) -> None:
    """run_sync with dry_run: the record comes back, the sync's last result does not move."""
    library = emulator.library
    await add_sync(
        hass,
        init_integration,
        "playlist_mirror",
        {"name": "Backup", "source": "liked_songs", "targets": ["Liked backup"]},
    )
    await hass.async_block_till_done()
    sync_id = next(iter(init_integration.subentries))
    response = await _call(hass, "run_sync", {"sync_id": sync_id, "dry_run": True})
    assert response["runs"][0]["status"] == "dry_run"
    assert response["runs"][0]["targets"][0]["would_create"] is True
    assert library.playlists_named("Liked backup") == []
    assert init_integration.runtime_data.syncs.last_run(sync_id) is None
    last_result = er.async_get(hass).async_get_entity_id("sensor", DOMAIN, f"{sync_id}_last_result")
    assert last_result is not None
    assert hass.states.get(last_result).state == "unknown"  # type: ignore[union-attr]
    real = await _call(hass, "run_sync", {"sync_id": sync_id})
    assert real["runs"][0]["added"] == response["runs"][0]["added"] > 0
    await hass.async_block_till_done()
    assert hass.states.get(last_result).state == "success"  # type: ignore[union-attr]


async def test_a_version_that_cannot_be_saved_stops_the_write(
    hass: HomeAssistant, emulator: Emulator, init_integration: MockConfigEntry
) -> None:
    """The version is saved (awaited) before the write: if the Store fails, nothing is written."""
    library = emulator.library
    playlist, items = await _road_trip(hass, emulator, init_integration)
    save = Store.async_save

    async def failing(store: Store[Any], data: Any) -> None:
        if store.key.endswith(".history"):
            raise OSError("No space left on device")
        await save(store, data)

    with (
        patch.object(Store, "async_save", failing),
        pytest.raises(HomeAssistantError) as failed,
    ):
        await _call(
            hass,
            "lastfm_top_tracks",
            REPLACE,
        )
    assert failed.value.translation_key == "snapshot_failed"
    assert _writes(emulator) == 0
    assert library.playlist_uris(playlist.id) == items
    assert cache_state(hass, init_integration, "playlist_versions") == "0"
    runs = await _call(hass, "get_run_history", {})
    assert (runs["runs"][0]["status"], runs["runs"][0]["reason"]) == ("failed", "snapshot_failed")

    with patch.object(Store, "async_save", failing), pytest.raises(HomeAssistantError) as failed:
        await _call(hass, "snapshot_playlist", {"playlist": "Summer road trip"})
    assert failed.value.translation_key == "snapshot_failed"


async def test_snapshot_list_and_bounds(
    hass: HomeAssistant,
    emulator: Emulator,
    init_integration: MockConfigEntry,
    hass_storage: dict[str, Any],
) -> None:
    """snapshot_playlist on demand; versions listed newest first with the changes since; the
    per-playlist bound drops the oldest; the Store keeps them across a reload."""
    library = emulator.library
    playlist, items = await _road_trip(hass, emulator, init_integration)
    hass.config_entries.async_update_entry(
        init_integration, options={**init_integration.options, CONF_HISTORY_VERSIONS: 2}
    )
    await hass.config_entries.async_reload(init_integration.entry_id)
    await hass.async_block_till_done()
    emulator.reset_log()
    events = async_capture_events(hass, EVENT_PLAYLIST_SNAPSHOT)

    first = await _call(hass, "snapshot_playlist", {"playlist": "Summer road trip"})
    assert first == {
        "version": first["version"],
        "tracks": 122,
        "playlist": playlist.id,
        "name": "Summer road trip",
        "taken_at": first["taken_at"],
        "unrestorable": 1,
    }
    assert emulator.count("GET", ITEMS) == 3  # ⌈122/50⌉, nothing else
    assert emulator.spotify_calls == 3
    assert events[0].data == {
        "entry_id": init_integration.entry_id,
        "playlist": playlist.id,
        "name": "Summer road trip",
        "version": first["version"],
        "reason": "manual",
        "tracks": 122,
        "run_id": None,
        "sync_id": None,
    }
    library.remove_items(playlist.id, items[:5])
    second = await _call(hass, "snapshot_playlist", {"playlist": playlist.uri})
    library.add_items(playlist.id, [items[0]])
    third = await _call(hass, "snapshot_playlist", {"playlist": playlist.id})
    assert first["version"] < second["version"] < third["version"]
    library.remove_items(playlist.id, items[5:7])

    emulator.reset_log()
    listed = await _call(hass, "list_playlist_versions", {"playlist": "Summer road trip"})
    assert emulator.spotify_calls == 3  # one read of the playlist now
    assert [v["version"] for v in listed["versions"]] == [third["version"], second["version"]]
    assert [(v["added_since"], v["removed_since"]) for v in listed["versions"]] == [(0, 2), (1, 2)]
    assert cache_state(hass, init_integration, "playlist_versions") == "2"
    stored = hass_storage[f"{DOMAIN}.{init_integration.entry_id}.history"]["data"]
    assert [v["version"] for v in stored["playlists"][playlist.id]] == [
        third["version"],
        second["version"],
    ]
    assert stored["playlists"][playlist.id][0]["items"][0] == {
        "uri": items[5],
        "added_at": "2024-06-06T08:00:00Z",
        "kind": "track",
        "name": library.item(items[5]).name,  # type: ignore[union-attr]
        "artist": ", ".join(a.name for a in library.item(items[5]).artists),  # type: ignore[union-attr]
    }

    await hass.config_entries.async_reload(init_integration.entry_id)
    await hass.async_block_till_done()
    again = await _call(hass, "list_playlist_versions", {"playlist": "Summer road trip"})
    assert [v["version"] for v in again["versions"]] == [third["version"], second["version"]]
    fourth = await _call(hass, "snapshot_playlist", {"playlist": "Summer road trip"})
    assert fourth["version"] > third["version"]  # numbers only grow, across restarts too


async def test_history_action_errors_are_translated(
    hass: HomeAssistant, emulator: Emulator, init_integration: MockConfigEntry
) -> None:
    """Unknown playlist, no version, a version of another playlist, local files now."""
    library = emulator.library
    playlist, _items = await _road_trip(hass, emulator, init_integration)
    other = library.create_playlist("Another list", items=[library.catalogue[0].uri])
    await init_integration.runtime_data.coordinator.async_refresh()
    cases: list[tuple[str, dict[str, Any], str]] = [
        ("snapshot_playlist", {"playlist": "Nothing by that name at all"}, "playlist_not_found"),
        ("list_playlist_versions", {"playlist": "Nothing by that name"}, "playlist_not_found"),
        ("restore_playlist", {"playlist": "Nothing by that name at all"}, "playlist_not_found"),
        ("restore_playlist", {"playlist": "Summer road trip"}, "no_versions"),
    ]
    for action, data, key in cases:
        with pytest.raises(ServiceValidationError) as raised:
            await _call(hass, action, data)
        assert raised.value.translation_key == key, action
    assert (await _call(hass, "list_playlist_versions", {"playlist": "Another list"})) == {
        "playlist": other.id,
        "name": "Another list",
        "versions": [],
    }
    version = (await _call(hass, "snapshot_playlist", {"playlist": "Another list"}))["version"]
    with pytest.raises(ServiceValidationError) as raised:
        await _call(hass, "restore_playlist", {"playlist": "Summer road trip", "version": version})
    assert raised.value.translation_key == "version_not_found"
    assert raised.value.translation_placeholders == {
        "version": str(version),
        "playlist": "Summer road trip",
    }
    # the hand-made playlist still holds its local file: a restore would remove it for good
    await _call(hass, "snapshot_playlist", {"playlist": "Summer road trip"})
    library.remove_items(playlist.id, [library.catalogue[0].uri, _items[0]])
    await init_integration.runtime_data.coordinator.async_refresh()
    emulator.reset_log()
    with pytest.raises(ServiceValidationError) as raised:
        await _call(hass, "restore_playlist", {"playlist": "Summer road trip"})
    assert raised.value.translation_key == "restore_loses_local_files"
    assert _writes(emulator) == 0
    restored = await _call(
        hass, "restore_playlist", {"playlist": "Summer road trip", "allow_local_loss": True}
    )
    assert restored["status"] == "partial"
    assert library.playlist_uris(playlist.id)[0] == _items[0]
    # Spotify's 403 for someone else's playlist is a translated error too
    theirs = library.create_playlist("Theirs", owner="anna.berg", items=[_items[0]])
    await init_integration.runtime_data.coordinator.async_refresh()
    with pytest.raises(HomeAssistantError) as raised:
        await _call(hass, "snapshot_playlist", {"playlist": theirs.id})
    assert raised.value.translation_key == "spotify_forbidden"


async def test_a_restore_into_someone_elses_playlist_fails(
    hass: HomeAssistant, emulator: Emulator, init_integration: MockConfigEntry
) -> None:
    """A version can only be restored into a playlist the account may write."""
    library = emulator.library
    theirs = library.create_playlist(
        "Shared but not mine", owner="anna.berg", items=[library.catalogue[0].uri]
    )
    await init_integration.runtime_data.coordinator.async_refresh()
    syncs = init_integration.runtime_data.syncs
    record = init_integration.runtime_data.coordinator.directory.cached(theirs.id)
    assert record is not None
    await syncs.runs.playlist_history.keep(record, [], reason="manual", taken_at=dt_util.now())
    with pytest.raises(HomeAssistantError) as raised:
        await _call(hass, "restore_playlist", {"playlist": theirs.id})
    assert raised.value.translation_placeholders["reason"] == "target_forbidden"
    assert _writes(emulator) == 0


async def test_the_subentry_form_refuses_to_replace_a_playlist_it_did_not_create(
    hass: HomeAssistant, emulator: Emulator, init_integration: MockConfigEntry
) -> None:
    """A Last.fm sync in replace mode naming an existing playlist needs allow_replace."""
    await _road_trip(hass, emulator, init_integration)
    await _call(hass, "lastfm_top_tracks", {**LASTFM, "playlist": "Made by Spotifreak"})
    form = {
        "name": "Weekly",
        "playlist": "Summer road trip",
        "period": "7day",
        "limit": 10,
        "mode": "replace",
        "create_missing": True,
        "public": False,
        "allow_replace": False,
        "allow_local_loss": False,
    }

    async def submit(**changes: Any) -> dict[str, Any]:
        return await add_sync(hass, init_integration, "lastfm_top_tracks", {**form, **changes})

    assert (await submit())["errors"] == {"allow_replace": "replace_not_allowed"}
    for changes in (
        {"mode": "append"},
        {"playlist": "Made by Spotifreak"},
        {"playlist": "Not there yet"},
        {"playlist": "Top %Y-%m"},
        {"allow_replace": True, "name": "Allowed"},
    ):
        assert (await submit(**changes))["type"] == "create_entry", changes


async def test_playlists_kept_before_the_history_count_as_spotifreaks(
    hass: HomeAssistant,
    emulator: Emulator,
    config_entry: MockConfigEntry,
    setup_entry: Any,
    hass_storage: dict[str, Any],
) -> None:
    """Upgrading: a playlist a Last.fm sync already keeps is not refused afterwards."""
    library = emulator.library
    kept = library.create_playlist("Kept weekly", items=[library.catalogue[0].uri])
    key = f"{DOMAIN}.{config_entry.entry_id}.syncs"
    state = {"target": {"playlist_id": kept.id, "snapshot_id": "old", "uris": []}}
    hass_storage[key] = {
        "version": 1,
        "minor_version": 1,
        "key": key,
        "data": {"history": {}, "states": {"weekly": state}, "match_cache": {}},
    }
    entry = await setup_entry()
    keeper = entry.runtime_data.syncs.runs.playlist_history
    assert keeper.is_created(kept.id)
    record = await _call(hass, "lastfm_top_tracks", {**LASTFM, "playlist": "Kept weekly"})
    assert record["status"] == "success"
    await hass.config_entries.async_unload(entry.entry_id)
    stored = hass_storage[f"{DOMAIN}.{entry.entry_id}.history"]["data"]
    assert kept.id in stored["created"]

    await hass.config_entries.async_remove(entry.entry_id)
    await hass.async_block_till_done()
    assert f"{DOMAIN}.{entry.entry_id}.history" not in hass_storage


async def test_an_append_lists_what_it_added(
    hass: HomeAssistant, emulator: Emulator, init_integration: MockConfigEntry
) -> None:
    """Appends take no version; the record lists the URIs, so removing them undoes it."""
    library = emulator.library
    playlist, items = await _road_trip(hass, emulator, init_integration)
    target = library.create_playlist("Appended to", items=items[:3])
    await init_integration.runtime_data.coordinator.async_refresh()
    record = await _call(
        hass, "mirror_playlist", {"source": "Summer road trip", "targets": ["Appended to"]}
    )
    added = record["targets"][0]["added_uris"]
    assert library.playlist_uris(target.id) == items[:3] + added
    assert cache_state(hass, init_integration, "playlist_versions") == "0"
    library.remove_items(target.id, added)
    assert library.playlist_uris(target.id) == items[:3]
    assert playlist.id != target.id


async def test_a_restore_with_nothing_to_do_and_one_that_is_rate_limited(
    hass: HomeAssistant, emulator: Emulator, init_integration: MockConfigEntry
) -> None:
    """Restoring what the playlist holds writes nothing; a 429 on the PUT is `rate_limited`."""
    library = emulator.library
    uris = [track.uri for track in library.catalogue[:3]]
    playlist = library.create_playlist("Three songs", items=uris)
    await init_integration.runtime_data.coordinator.async_refresh()
    version = await _call(hass, "snapshot_playlist", {"playlist": "Three songs"})
    emulator.reset_log()
    same = await _call(hass, "restore_playlist", {"playlist": "Three songs"})
    assert (same["status"], same["reason"], same["unrestorable"]) == ("unchanged", "unchanged", [])
    assert _writes(emulator) == 0
    library.remove_items(playlist.id, uris[:1])
    await init_integration.runtime_data.coordinator.async_refresh()
    emulator.inject(Fault(method="PUT", path="/v1/playlists/*", status=429, retry_after=60))
    with pytest.raises(HomeAssistantError) as raised:
        await _call(hass, "restore_playlist", {"playlist": "Three songs"})
    assert raised.value.translation_key == "sync_rate_limited"
    assert library.playlist_uris(playlist.id) == uris[1:]
    runs = (await _call(hass, "get_run_history", {"sync_id": "playlist_restore"}))["runs"]
    assert (runs[0]["status"], runs[0]["retry_after"]) == ("rate_limited", 60)
    assert runs[0]["targets"][0]["version"] == version["version"]
