"""The export file: written off the event loop, only inside the configuration directory, never
over a file Spotifreak did not write, atomically; removed only if Spotifreak wrote it (issue 12,
items 8 and 16, and the export failing half-way)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
import errno
import json
import os
from pathlib import Path
import threading
from typing import Any

import pytest

from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.spotifreak.const import CONF_EXPORT_PATH
from custom_components.spotifreak.core import export as export_module
from custom_components.spotifreak.core.cache import PlaylistCache
from tests.emulator import Emulator

EXPORT = "exports/playlist-cache.json"


def _files(root: Path) -> set[str]:
    return {str(path.relative_to(root)) for path in root.rglob("*") if not path.is_dir()}


@pytest.mark.parametrize("entry_options", [{CONF_EXPORT_PATH: EXPORT}])
async def test_the_export_is_serialised_off_the_event_loop(
    hass: HomeAssistant,
    config_dir: Path,
    emulator: Emulator,
    setup_entry: Callable[[], Awaitable[MockConfigEntry]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Turning thousands of records into JSON takes tens of milliseconds: not in the loop."""
    threads: list[bool] = []
    to_export = PlaylistCache.to_export

    def spy(cache: PlaylistCache) -> dict[str, Any]:
        threads.append(threading.get_ident() == hass.loop_thread_id)
        return to_export(cache)

    monkeypatch.setattr(PlaylistCache, "to_export", spy)
    entry = await setup_entry()
    await entry.runtime_data.coordinator.async_refresh()
    assert threads == [False, False]
    assert json.loads((config_dir / EXPORT).read_text())["playlists"]


@pytest.mark.parametrize(
    "path",
    [
        ".storage/spotifreak.json",
        "custom_components/spotifreak/cache.json",
        "www/playlists.json",
        "WWW/playlists.json",
        "blueprints/cache.json",
        "ABSOLUTE",
        "../outside.json",
        "secrets.yaml",
    ],
)
async def test_stored_options_cannot_write_where_they_must_not(
    hass: HomeAssistant,
    config_dir: Path,
    emulator: Emulator,
    config_entry: MockConfigEntry,
    tmp_path_factory: pytest.TempPathFactory,
    path: str,
) -> None:
    """Options stored by hand (or by an older version) are checked again at every write."""
    absolute = tmp_path_factory.mktemp("elsewhere") / "absolute.json"
    path = str(absolute) if path == "ABSOLUTE" else path
    (config_dir / "secrets.yaml").write_text("token: keep\n")
    before = _files(config_dir)
    config_entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(config_entry, options={CONF_EXPORT_PATH: path})
    await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    assert _files(config_dir) - {".storage"} <= before | {".storage"}
    assert not any(
        name.endswith("cache.json") or "playlists" in name for name in _files(config_dir)
    )
    assert (config_dir / "secrets.yaml").read_text() == "token: keep\n"
    assert not absolute.exists()


@pytest.mark.parametrize("entry_options", [{CONF_EXPORT_PATH: "linked/cache.json"}])
async def test_a_linked_folder_leading_out_is_not_followed(
    hass: HomeAssistant,
    config_dir: Path,
    tmp_path_factory: pytest.TempPathFactory,
    emulator: Emulator,
    setup_entry: Callable[[], Awaitable[MockConfigEntry]],
) -> None:
    outside = tmp_path_factory.mktemp("outside")
    (config_dir / "linked").symlink_to(outside, target_is_directory=True)
    await setup_entry()
    assert list(outside.iterdir()) == []


@pytest.mark.parametrize("entry_options", [{CONF_EXPORT_PATH: "data/cache.json"}])
async def test_a_linked_folder_leading_into_storage_is_not_followed(
    hass: HomeAssistant,
    config_dir: Path,
    emulator: Emulator,
    setup_entry: Callable[[], Awaitable[MockConfigEntry]],
) -> None:
    (config_dir / ".storage").mkdir(exist_ok=True)
    (config_dir / "data").symlink_to(config_dir / ".storage", target_is_directory=True)
    await setup_entry()
    assert not (config_dir / ".storage" / "cache.json").exists()


@pytest.mark.parametrize("entry_options", [{CONF_EXPORT_PATH: "cache.json"}])
async def test_a_planted_temporary_file_link_is_not_followed(
    hass: HomeAssistant,
    config_dir: Path,
    tmp_path_factory: pytest.TempPathFactory,
    emulator: Emulator,
    setup_entry: Callable[[], Awaitable[MockConfigEntry]],
) -> None:
    """A link planted where a temporary file might be written leads nowhere."""
    victim = tmp_path_factory.mktemp("victim") / "victim.txt"
    victim.write_text("precious")
    (config_dir / ".cache.json.tmp").symlink_to(victim)
    await setup_entry()
    assert victim.read_text() == "precious"
    assert json.loads((config_dir / "cache.json").read_text())["playlists"]


@pytest.mark.parametrize("entry_options", [{CONF_EXPORT_PATH: "notes.json"}])
async def test_a_file_spotifreak_did_not_write_is_neither_replaced_nor_removed(
    hass: HomeAssistant,
    config_dir: Path,
    emulator: Emulator,
    setup_entry: Callable[[], Awaitable[MockConfigEntry]],
) -> None:
    (config_dir / "notes.json").write_text('{"mine": true}')
    entry = await setup_entry()
    await entry.runtime_data.coordinator.async_refresh()
    assert (config_dir / "notes.json").read_text() == '{"mine": true}'
    await hass.config_entries.async_remove(entry.entry_id)
    await hass.async_block_till_done()
    assert (config_dir / "notes.json").read_text() == '{"mine": true}'


@pytest.mark.parametrize("entry_options", [{CONF_EXPORT_PATH: EXPORT}])
async def test_removal_deletes_only_what_spotifreak_wrote(
    hass: HomeAssistant,
    config_dir: Path,
    emulator: Emulator,
    setup_entry: Callable[[], Awaitable[MockConfigEntry]],
) -> None:
    """Spotifreak's own export is replaced at each refresh and deleted with the entry; once
    someone else changed the file, it is theirs and stays."""
    entry = await setup_entry()
    first = (config_dir / EXPORT).read_text()
    emulator.library.create_playlist("One more")
    await entry.runtime_data.coordinator.async_refresh()
    assert (config_dir / EXPORT).read_text() != first  # its own file is replaced
    await hass.config_entries.async_remove(entry.entry_id)
    await hass.async_block_till_done()
    assert not (config_dir / EXPORT).exists()


@pytest.mark.parametrize("entry_options", [{CONF_EXPORT_PATH: EXPORT}])
async def test_a_file_changed_by_someone_else_is_kept(
    hass: HomeAssistant,
    config_dir: Path,
    emulator: Emulator,
    setup_entry: Callable[[], Awaitable[MockConfigEntry]],
) -> None:
    entry = await setup_entry()
    (config_dir / EXPORT).write_text('{"edited": true}')
    await entry.runtime_data.coordinator.async_refresh()
    assert (config_dir / EXPORT).read_text() == '{"edited": true}'
    await hass.config_entries.async_remove(entry.entry_id)
    await hass.async_block_till_done()
    assert (config_dir / EXPORT).read_text() == '{"edited": true}'


@pytest.mark.parametrize("entry_options", [{CONF_EXPORT_PATH: EXPORT}])
async def test_an_export_failing_half_way_keeps_the_previous_file(
    hass: HomeAssistant,
    config_dir: Path,
    emulator: Emulator,
    setup_entry: Callable[[], Awaitable[MockConfigEntry]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The disk fills up half-way through the write: the previous export is intact and no
    temporary file is left behind."""
    entry = await setup_entry()
    previous = (config_dir / EXPORT).read_bytes()

    def half_then_full(fd: int, content: bytes) -> None:
        os.write(fd, content[: len(content) // 2])
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(export_module, "write_all", half_then_full)
    emulator.library.create_playlist("Does not fit")
    await entry.runtime_data.coordinator.async_refresh()
    assert entry.runtime_data.coordinator.last_update_success
    assert (config_dir / EXPORT).read_bytes() == previous
    assert sorted(p.name for p in (config_dir / EXPORT).parent.iterdir()) == ["playlist-cache.json"]


@pytest.mark.parametrize(
    ("path", "error"),
    [
        (".storage/core.json", "invalid_export_path"),
        ("www/cache.json", "export_path_reserved"),
        ("custom_components/cache.json", "export_path_reserved"),
        ("blueprints/automation/cache.json", "export_path_reserved"),
        ("linked/cache.json", "export_path_outside"),
        ("existing.json", "export_path_exists"),
        ("a_folder.json", "export_path_exists"),
    ],
)
async def test_options_form_refuses_unsafe_export_paths(
    hass: HomeAssistant,
    config_dir: Path,
    tmp_path_factory: pytest.TempPathFactory,
    init_integration: MockConfigEntry,
    path: str,
    error: str,
) -> None:
    (config_dir / "linked").symlink_to(tmp_path_factory.mktemp("away"), target_is_directory=True)
    (config_dir / "existing.json").write_text("{}")
    (config_dir / "a_folder.json").mkdir()
    result = await hass.config_entries.options.async_init(init_integration.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"refresh_interval": 30, CONF_EXPORT_PATH: path}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {CONF_EXPORT_PATH: error}
