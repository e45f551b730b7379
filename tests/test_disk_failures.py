"""A disk that cannot be written (full, read-only): what must precede a write is never skipped.

Home Assistant's `Store.async_save` logs a failed write and returns as if it had saved. The
failure is injected where Home Assistant writes the file (`Store._async_write_data`, raising the
`WriteError` that `write_utf8_file` raises on a full disk); each test checks that the write to
Spotify that needed the save was not sent, that the user is told, and that the next run on a
healthy disk does not duplicate anything.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from unittest.mock import patch

import pytest

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.storage import Store
from homeassistant.util.file import WriteError
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.spotifreak.const import CONF_LASTFM_API_KEY, CONF_LASTFM_USERNAME
from tests.emulator import Emulator
from tests.emulator.library import LASTFM_API_KEY
from tests.helpers import cache_state, call_action, playlist_writes

LASTFM_OPTIONS = {CONF_LASTFM_API_KEY: LASTFM_API_KEY, CONF_LASTFM_USERNAME: "emulator_fm"}
REPLACE = {
    "playlist": "Summer road trip",
    "period": "7day",
    "limit": 10,
    "allow_replace": True,
    "allow_local_loss": True,
}


@contextmanager
def disk_full(store_suffix: str) -> Iterator[list[str]]:
    """Fail every write of the Stores whose key ends with `store_suffix`; list the ones failed."""
    write = Store._async_write_data
    failed: list[str] = []

    async def failing(store: Store[Any], *args: Any) -> None:
        if store.key.endswith(store_suffix):
            failed.append(store.key)
            raise WriteError(OSError(28, "No space left on device"))
        await write(store, *args)

    with patch.object(Store, "_async_write_data", failing):
        yield failed


def _mirror(target: str) -> dict[str, Any]:
    return {
        "source": "liked_songs",
        "targets": [target],
        "sync_id": "archive",
        "create_missing": True,
    }


@pytest.mark.parametrize("entry_options", [LASTFM_OPTIONS])
async def test_a_version_not_written_to_disk_stops_the_replace(
    hass: HomeAssistant, emulator: Emulator, init_integration: MockConfigEntry
) -> None:
    """The playlist's version is on disk before a replace is sent, or the replace is not sent."""
    tracks = [t.uri for t in emulator.library.catalogue if t.is_playable][:30]
    playlist = emulator.library.create_playlist("Summer road trip", items=tracks)
    await init_integration.runtime_data.coordinator.async_refresh()
    emulator.reset_log()

    with disk_full(".history") as failed, pytest.raises(HomeAssistantError) as raised:
        await call_action(hass, "lastfm_top_tracks", REPLACE)
    assert failed, "the version's save was attempted"
    assert raised.value.translation_key == "snapshot_failed"
    assert "No space left on device" in raised.value.translation_placeholders["error"]
    assert playlist_writes(emulator) == 0
    assert emulator.library.playlist_uris(playlist.id) == tracks
    assert cache_state(hass, init_integration, "playlist_versions") == "0"

    # The disk has room again: the same replace is sent, after its version is saved.
    response = await call_action(hass, "lastfm_top_tracks", REPLACE)
    assert response["status"] == "success"
    assert cache_state(hass, init_integration, "playlist_versions") == "1"
    assert emulator.library.playlist_uris(playlist.id) != tracks


async def test_a_mark_not_written_to_disk_stops_the_append(
    hass: HomeAssistant, emulator: Emulator, init_integration: MockConfigEntry
) -> None:
    """A target is marked as being written, on disk, before its first write, or not written."""
    target = emulator.library.create_playlist("Liked backup", items=[])
    await init_integration.runtime_data.coordinator.async_refresh()
    emulator.reset_log()

    with disk_full(".syncs"), pytest.raises(HomeAssistantError) as raised:
        await call_action(hass, "mirror_playlist", _mirror("Liked backup"))
    assert raised.value.translation_key == "save_failed"
    assert playlist_writes(emulator) == 0
    assert emulator.library.playlist_uris(target.id) == []
    runs = await call_action(hass, "get_run_history", {})
    assert (runs["runs"][0]["status"], runs["runs"][0]["reason"]) == ("failed", "save_failed")

    response = await call_action(hass, "mirror_playlist", _mirror("Liked backup"))
    assert response["status"] == "success"
    written = emulator.library.playlist_uris(target.id)
    assert response["added"] == len(written) == len(set(written)) > 0


async def test_a_created_playlist_not_written_to_disk_is_not_created_again(
    hass: HomeAssistant, emulator: Emulator, init_integration: MockConfigEntry
) -> None:
    """A playlist a sync created is in the cache on disk before it is written, or not written.

    Its creation was marked in the sync state first: the next run lists the playlists, finds
    it and fills it, instead of creating a second one.
    """
    emulator.reset_log()
    with disk_full(".cache"), pytest.raises(HomeAssistantError) as raised:
        await call_action(hass, "mirror_playlist", _mirror("Liked backup"))
    assert raised.value.translation_key == "save_failed"
    [created] = emulator.library.playlists_named("Liked backup")
    assert emulator.library.playlist_uris(created.id) == []
    assert playlist_writes(emulator) == 1  # the creation only

    response = await call_action(hass, "mirror_playlist", _mirror("Liked backup"))
    assert response["status"] == "success"
    assert [p.id for p in emulator.library.playlists_named("Liked backup")] == [created.id]
    written = emulator.library.playlist_uris(created.id)
    assert response["added"] == len(written) == len(set(written)) > 0


@pytest.mark.parametrize("entry_options", [LASTFM_OPTIONS])
async def test_a_lastfm_match_not_written_to_disk_is_reported(
    hass: HomeAssistant, emulator: Emulator, init_integration: MockConfigEntry
) -> None:
    """`set_lastfm_match` says so when the match could not be kept on disk."""
    track = next(t for t in emulator.library.catalogue if t.is_playable)
    with disk_full(".syncs"), pytest.raises(HomeAssistantError) as raised:
        await call_action(
            hass, "set_lastfm_match", {"artist": "The Glow", "title": "Lost", "track": track.uri}
        )
    assert raised.value.translation_key == "save_failed"
