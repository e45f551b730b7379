"""The playlist rules' edits meet issue 12's unclean stop: a retention, an exact mirror or a
duplicate removal killed in the middle of its edit (DELETE, then POSTs that put entries back at
their positions) leaves the playlist marked as being written in the saved sync state, and the
next run reads the playlist again instead of trusting what was remembered before the edit.

The kill is simulated as in `tests/test_unclean_stop.py`: the storage is copied at the moment of
the kill, the entry set up again from that copy, and the write in flight lands at the emulator.
"""

from __future__ import annotations

from collections.abc import Callable
import copy
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.spotifreak.const import DOMAIN
from tests.emulator import Emulator, Fault
from tests.emulator.library import Library, iso

from .helpers import (
    ITEMS,
    call_action,
    in_flight as _in_flight,
    playlist_writes,
    restart_from,
    until as _until,
)


def _tracks(library: Library, count: int) -> list[str]:
    return [t.uri for t in library.catalogue if t.is_playable and not t.is_local][:count]


@dataclass
class _Case:
    """One rule's edit: the playlist it edits, the action that runs it, what it must end with.

    `last_post`: how many POSTs of the edit go through before the one the kill catches in
    flight (the last one: what a re-run trusting the old contents would send again).
    """

    action: str
    data: dict[str, Any]
    sync_id: str
    playlist: str
    expected: list[str]
    last_post: int


def _retention(library: Library) -> _Case:
    a, b, c, d = _tracks(library, 4)
    playlist = library.create_playlist("Rolling kill", items=[a, b, c, a, d])
    for entry, days in zip(playlist.entries, [40, 3, 45, 1, 2], strict=True):
        entry.added_at = iso(dt_util.utcnow() - timedelta(days=days, hours=1))
    playlist.bump()
    # a (40 days) and c go; a's newer occurrence is put back at its place
    data = {"playlist": "Rolling kill", "max_age_days": 30, "sync_id": "rolling_kill"}
    return _Case("prune_playlist", data, "rolling_kill", playlist.id, [b, a, d], 0)


def _exact(library: Library) -> _Case:
    a, b, c, x = _tracks(library, 4)
    library.create_playlist("Exact kill source", items=[a, b, c])
    playlist = library.create_playlist("Exact kill copy", items=[a, x, b, a])
    # DELETE a, x; POST a at 0 (put back), then POST c at 2 (new): the kill catches the second
    data = {
        "source": "Exact kill source",
        "targets": ["Exact kill copy"],
        "mode": "exact",
        "sync_id": "exact_kill",
    }
    return _Case("mirror_playlist", data, "exact_kill", playlist.id, [a, b, c], 1)


def _duplicates(library: Library) -> _Case:
    a, b = _tracks(library, 2)
    playlist = library.create_playlist("Dupes kill", items=[a, b, a, b, a])
    # DELETE a, b; POST [a, b] at 0 (put back)
    data = {"playlist": "Dupes kill"}
    return _Case("remove_duplicates", data, "remove_duplicates", playlist.id, [a, b], 0)


CASES = {"retention": _retention, "exact_mirror": _exact, "remove_duplicates": _duplicates}


@pytest.mark.parametrize("make", CASES.values(), ids=CASES.keys())
async def test_a_rule_killed_mid_edit_is_read_again(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    emulator: Emulator,
    init_integration: MockConfigEntry,
    make: Callable[[Library], _Case],
) -> None:
    """Killed while the edit's last POST is in flight (it lands): the saved state marks the
    playlist as being written, the re-run reads it and ends with the right playlist — no entry
    put back twice — and the mark is gone with the re-run's result."""
    library = emulator.library
    case = make(library)
    await init_integration.runtime_data.coordinator.async_refresh()
    # What the delayed save of the cache writes a few seconds later: the snapshot before the edit.
    await init_integration.runtime_data.coordinator.async_flush()
    emulator.reset_log()
    emulator.inject(
        Fault(delay=0.5, method="POST", path="/v1/playlists/*", after=case.last_post, times=None)
    )
    run = hass.async_create_task(call_action(hass, case.action, case.data))
    await _until(
        lambda: emulator.count("POST", ITEMS) == case.last_post + 1 and _in_flight(emulator) == 1
    )
    assert emulator.count("DELETE", ITEMS) == 1  # the edit is under way
    saved = copy.deepcopy(hass_storage)  # what the disk holds at the kill
    syncs_key = f"{DOMAIN}.{init_integration.entry_id}.syncs"
    assert case.playlist in saved[syncs_key]["data"]["states"][case.sync_id]["writing"]
    await restart_from(hass, init_integration, hass_storage, saved)
    with pytest.raises(HomeAssistantError):
        await run  # interrupted by the (simulated) stop
    await _until(lambda: _in_flight(emulator) == 0)  # the POST in flight lands anyway
    emulator.clear_faults()
    assert library.playlist_uris(case.playlist) == case.expected  # the edit did complete

    emulator.reset_log()
    record = await call_action(hass, case.action, case.data)
    assert record["status"] in ("success", "noop"), record
    assert emulator.count("GET", f"/v1/playlists/{case.playlist}/items") >= 1  # read again
    assert library.playlist_uris(case.playlist) == case.expected
    assert playlist_writes(emulator) == 0  # nothing put back twice
    await init_integration.runtime_data.syncs.async_shutdown()  # the delayed save, now
    assert "writing" not in hass_storage[syncs_key]["data"]["states"][case.sync_id]


@pytest.mark.parametrize("make", CASES.values(), ids=CASES.keys())
async def test_a_rules_dry_run_neither_marks_nor_saves(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    emulator: Emulator,
    init_integration: MockConfigEntry,
    make: Callable[[Library], _Case],
) -> None:
    """A dry run writes nothing, so it marks nothing: the sync store is not written at all."""
    case = make(emulator.library)
    await init_integration.runtime_data.coordinator.async_refresh()
    await init_integration.runtime_data.syncs.async_shutdown()
    syncs_key = f"{DOMAIN}.{init_integration.entry_id}.syncs"
    before = copy.deepcopy(hass_storage.get(syncs_key))
    emulator.reset_log()
    record = await call_action(hass, case.action, {**case.data, "dry_run": True})
    assert record["status"] == "dry_run"
    assert playlist_writes(emulator) == 0
    await hass.async_block_till_done()
    assert hass_storage.get(syncs_key) == before
    assert case.sync_id not in init_integration.runtime_data.syncs.runs.states
