"""A power loss or a kill in the middle of a sync: what is on disk must never make the next run
duplicate tracks or playlists (issue 12, items 4 and 6).

The kill is simulated by copying the storage at the moment of the kill and setting the entry up
again from that copy (`tests.helpers.restart_from`): nothing held in memory survives, writes
that were in flight land at the emulator as they would at Spotify.
"""

from __future__ import annotations

from collections import Counter
import copy
from typing import Any

import pytest

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.spotifreak.const import DOMAIN
from tests.emulator import Emulator, Fault

from .helpers import ITEMS, in_flight as _in_flight, restart_from, until as _until

pytestmark = pytest.mark.emulator(catalogue=800)


async def _mirror(hass: HomeAssistant, target: str, **extra: Any) -> dict[str, Any]:
    response = await hass.services.async_call(
        DOMAIN,
        "mirror_playlist",
        {"source": "liked_songs", "targets": [target], "sync_id": "archive", **extra},
        blocking=True,
        return_response=True,
    )
    assert response is not None
    return dict(response)


def _like_new(emulator: Emulator, count: int) -> None:
    """Like `count` playable catalogue tracks that were not liked yet."""
    library = emulator.library
    liked = set(library.liked_uris())
    fresh = [t.uri for t in library.catalogue if t.is_playable and t.uri not in liked]
    assert len(fresh) >= count
    library.add_liked(fresh[:count])


async def _kill_during_second_chunk(
    hass: HomeAssistant,
    emulator: Emulator,
    hass_storage: dict[str, Any],
    entry: MockConfigEntry,
    target: str,
    **extra: Any,
) -> None:
    """Start a mirror, 'kill' Home Assistant while its second chunk is in flight, let every
    write in flight land, and start again from what was on disk at the kill."""
    emulator.reset_log()
    emulator.inject(Fault(delay=0.5, method="POST", path="/v1/playlists/*", after=1, times=None))
    run = hass.async_create_task(_mirror(hass, target, **extra))
    await _until(lambda: emulator.count("POST", ITEMS) == 2 and _in_flight(emulator) == 1)
    saved = copy.deepcopy(hass_storage)  # what the disk holds at the kill
    await restart_from(hass, entry, hass_storage, saved)
    with pytest.raises(HomeAssistantError):
        await run  # interrupted by the (simulated) stop
    await _until(lambda: _in_flight(emulator) == 0)  # what was sent lands anyway
    emulator.clear_faults()


async def test_killed_while_filling_a_new_playlist(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    emulator: Emulator,
    init_integration: MockConfigEntry,
) -> None:
    """The playlist a killed run created is found after the restart, not created again, and
    the tracks that landed are not added twice."""
    library = emulator.library
    _like_new(emulator, 250)
    await _kill_during_second_chunk(hass, emulator, hass_storage, init_integration, "Kill target")
    (created,) = library.playlists_named("Kill target")
    landed = library.playlist_uris(created.id)
    assert len(landed) >= 200  # chunks 1 and 2 at least

    record = await _mirror(hass, "Kill target")
    assert record["status"] in ("success", "noop")
    assert len(library.playlists_named("Kill target")) == 1
    uris = library.playlist_uris(created.id)
    assert not [uri for uri, count in Counter(uris).items() if count > 1]
    assert set(landed) <= set(uris)


async def test_killed_while_adding_to_a_known_playlist(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    emulator: Emulator,
    init_integration: MockConfigEntry,
) -> None:
    """A target whose contents the sync remembers (saved, and the cache's snapshot saved with
    them) is read again after a kill mid-write instead of trusted: no track twice."""
    library = emulator.library
    first = await _mirror(hass, "%b%y", max_tracks=20)
    assert first["status"] == "success"
    # What the delayed saves of the cache and the syncs write a few seconds later.
    await init_integration.runtime_data.coordinator.async_flush()
    await init_integration.runtime_data.syncs.async_shutdown()
    (target,) = library.playlists_named(first["targets"][0]["name"])
    key = f"{DOMAIN}.{init_integration.entry_id}.cache"
    assert target.id in {p["id"] for p in hass_storage[key]["data"]["playlists"]}
    state = hass_storage[f"{DOMAIN}.{init_integration.entry_id}.syncs"]["data"]["states"]
    assert state["archive"]["targets"][target.id]["snapshot_id"] == target.snapshot_id
    _like_new(emulator, 250)

    await _kill_during_second_chunk(hass, emulator, hass_storage, init_integration, "%b%y")
    assert len(library.playlist_uris(target.id)) >= 220

    record = await _mirror(hass, "%b%y")
    assert record["status"] in ("success", "noop")
    uris = library.playlist_uris(target.id)
    assert not [uri for uri, count in Counter(uris).items() if count > 1]
    assert len(library.playlists_named(target.name)) == 1


async def test_killed_while_appending_without_deduplication(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    emulator: Emulator,
    init_integration: MockConfigEntry,
) -> None:
    """Without deduplication the chunk in flight at the kill was saved before it was sent: the
    next run finds it in the playlist and appends only what is missing, once."""
    library = emulator.library
    _like_new(emulator, 250)
    target = library.create_playlist("Kill append target")
    await init_integration.runtime_data.coordinator.async_refresh()
    await _kill_during_second_chunk(
        hass, emulator, hass_storage, init_integration, target.name, deduplicate=False
    )
    assert len(library.playlist_uris(target.id)) == 200

    record = await _mirror(hass, target.name, deduplicate=False)
    assert record["status"] == "success"
    uris = library.playlist_uris(target.id)
    assert not [uri for uri, count in Counter(uris).items() if count > 1]
    assert len(uris) == 200 + record["added"]


async def test_interrupted_write_is_reported_as_unknown(
    hass: HomeAssistant, emulator: Emulator, init_integration: MockConfigEntry
) -> None:
    """Home Assistant stopping while an add is in flight: the record says the chunk's outcome
    is unknown (it did land), never that it was not done."""
    library = emulator.library
    _like_new(emulator, 200)
    emulator.inject(Fault(delay=0.5, method="POST", path="/v1/playlists/*", after=1, times=None))
    syncs = init_integration.runtime_data.syncs
    run = hass.async_create_task(_mirror(hass, "Interrupted target"))
    await _until(lambda: emulator.count("POST", ITEMS) == 2 and _in_flight(emulator) == 1)
    await hass.config_entries.async_unload(init_integration.entry_id)
    with pytest.raises(HomeAssistantError) as raised:
        await run
    assert raised.value.translation_placeholders["reason"] == "interrupted"
    await _until(lambda: _in_flight(emulator) == 0)
    (playlist,) = library.playlists_named("Interrupted target")
    assert len(library.playlist_uris(playlist.id)) == 200  # the second chunk landed
    record = syncs.history.runs("archive")[0].as_dict()
    assert (record["status"], record["reason"]) == ("failed", "interrupted")
    assert record["added"] == 100
    assert record["unknown_outcome"] == 100
    assert "100 tracks may or may not have been written" in record["error"]


async def test_a_creation_answered_with_an_error_though_it_was_made(
    hass: HomeAssistant, emulator: Emulator, init_integration: MockConfigEntry
) -> None:
    """Spotify made the playlist but answered 503: the next run lists the playlists before
    creating, finds it, and fills it — one playlist, not two."""
    emulator.inject(Fault(method="POST", path="/v1/me/playlists", status=503, applied=True))
    with pytest.raises(HomeAssistantError):
        await _mirror(hass, "Made despite the error", max_tracks=5)
    assert len(emulator.library.playlists_named("Made despite the error")) == 1
    record = await _mirror(hass, "Made despite the error", max_tracks=5)
    assert record["status"] == "success"
    (made,) = emulator.library.playlists_named("Made despite the error")
    assert len(emulator.library.playlist_uris(made.id)) == 5


@pytest.mark.parametrize("deduplicate", [True, False])
async def test_a_write_answered_with_an_error_though_it_landed(
    hass: HomeAssistant, emulator: Emulator, init_integration: MockConfigEntry, deduplicate: bool
) -> None:
    """A chunk that landed although Spotify answered 503 is of unknown outcome: counted so, and
    the next run reads the playlist first, so it is not added again (with deduplication off
    too: the chunk is looked for where it was sent)."""
    _like_new(emulator, 150)
    emulator.inject(Fault(method="POST", path="/v1/playlists/*", status=503, applied=True))
    with pytest.raises(HomeAssistantError):
        await _mirror(hass, "Landed anyway", deduplicate=deduplicate)
    run = init_integration.runtime_data.syncs.history.runs("archive")[0]
    assert (run.added, run.unknown_outcome) == (0, 100)
    record = await _mirror(hass, "Landed anyway", deduplicate=deduplicate)
    (target,) = emulator.library.playlists_named("Landed anyway")
    uris = emulator.library.playlist_uris(target.id)
    assert len(uris) == len(set(uris))
    assert record["added"] == len(uris) - 100


async def test_a_restore_answered_with_an_error_though_it_landed(
    hass: HomeAssistant, emulator: Emulator, init_integration: MockConfigEntry
) -> None:
    """The restore's write is of unknown outcome too: counted and said, never `not done`."""
    library = emulator.library
    uris = [track.uri for track in library.catalogue if track.is_playable][:3]
    playlist = library.create_playlist("Restored anyway", items=uris)
    await init_integration.runtime_data.coordinator.async_refresh()
    await hass.services.async_call(
        DOMAIN,
        "snapshot_playlist",
        {"playlist": "Restored anyway"},
        blocking=True,
        return_response=True,
    )
    library.remove_items(playlist.id, uris[:1])
    await init_integration.runtime_data.coordinator.async_refresh()
    emulator.inject(Fault(method="PUT", path="/v1/playlists/*", status=503, applied=True))
    with pytest.raises(HomeAssistantError):
        await hass.services.async_call(
            DOMAIN, "restore_playlist", {"playlist": "Restored anyway"}, blocking=True
        )
    assert library.playlist_uris(playlist.id) == uris  # it landed
    run = init_integration.runtime_data.syncs.history.runs()[0]
    assert run.unknown_outcome == 3
    assert "3 tracks may or may not have been written" in str(run.error)
