"""The export file's rules, on a real file system (a temporary configuration directory)."""

from __future__ import annotations

from pathlib import Path

import pytest

from custom_components.spotifreak.core.export import (
    INVALID,
    NOT_OURS,
    OUTSIDE,
    RESERVED_FOLDER,
    ExportError,
    ExportMark,
    export_path_problem,
    remove_export,
    write_export,
)


def test_write_replace_and_remove(tmp_path: Path) -> None:
    mark = write_export(str(tmp_path), "a/b/cache.json", b"{}", None)
    assert mark == ExportMark.from_dict(mark.as_dict())
    assert (tmp_path / "a/b/cache.json").read_bytes() == b"{}"
    assert export_path_problem(str(tmp_path), "a/b/cache.json", mark) is None
    assert export_path_problem(str(tmp_path), "a/b/cache.json", None) == NOT_OURS
    mark = write_export(str(tmp_path), "a/b/cache.json", b"[]", mark)
    with pytest.raises(ExportError) as raised:
        write_export(str(tmp_path), "a/b/cache.json", b"{}", None)
    assert raised.value.problem == NOT_OURS
    assert remove_export(str(tmp_path), mark)
    assert not (tmp_path / "a/b/cache.json").exists()
    assert not remove_export(str(tmp_path), mark)  # gone already
    assert not remove_export(str(tmp_path), None)
    assert [p.name for p in (tmp_path / "a/b").iterdir()] == []


@pytest.mark.parametrize(
    ("path", "problem"),
    [
        ("", INVALID),
        ("/abs.json", INVALID),
        ("../x.json", INVALID),
        ("x.yaml", INVALID),
        (".storage/x.json", INVALID),
        ("www/x.json", RESERVED_FOLDER),
        ("Blueprints/x.json", RESERVED_FOLDER),
        ("ok/x.json", None),
    ],
)
def test_path_problems(tmp_path: Path, path: str, problem: str | None) -> None:
    assert export_path_problem(str(tmp_path), path, None) == problem


def test_links(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    (tmp_path / "out").symlink_to(tmp_path_factory.mktemp("out"), target_is_directory=True)
    (tmp_path / "web").symlink_to(tmp_path / "www", target_is_directory=True)
    (tmp_path / "www").mkdir()
    assert export_path_problem(str(tmp_path), "out/x.json", None) == OUTSIDE
    assert export_path_problem(str(tmp_path), "web/x.json", None) == RESERVED_FOLDER
    assert not remove_export(str(tmp_path), ExportMark("../elsewhere.json", "0"))


@pytest.mark.parametrize("data", [None, "x", {"path": 1, "sha256": "a"}, {"path": "a"}])
def test_unreadable_marks(data: object) -> None:
    assert ExportMark.from_dict(data) is None
