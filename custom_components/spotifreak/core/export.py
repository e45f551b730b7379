"""The cache's export file, written safely. Blocking: run every function in an executor.

- The path is relative to Home Assistant's configuration directory and is resolved, links
  followed, at every write: it must stay inside that directory and outside the folders Home
  Assistant keeps for itself (`.storage`, `custom_components`, `blueprints`) or serves without
  authentication (`www`).
- An existing file is replaced only if Spotifreak wrote it: the export remembers the path and
  a hash of what it last wrote (`ExportMark`, kept in the cache's Store); a file that is not
  that, or a file Spotifreak never wrote, is left alone.
- The new content goes to a temporary file created in the same directory without following
  links (`O_EXCL | O_NOFOLLOW`, a random name), is flushed to disk, then renamed over the
  export: a failure at any point leaves the previous file as it was and no temporary file.
- Removing the entry deletes the export only if it is still what Spotifreak wrote.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
import hashlib
import os
from pathlib import PurePath
import secrets
from typing import Any, Final

from .errors import SpotifreakError

# Folders of the configuration directory an export may not be written into (first component).
RESERVED: Final = (".storage", "custom_components", "www", "blueprints")

# Why an export path is refused (translation keys of the options form).
INVALID: Final = "invalid_export_path"  # not a relative `.json` path, or it climbs out with `..`
RESERVED_FOLDER: Final = "export_path_reserved"
OUTSIDE: Final = "export_path_outside"  # a link leads out of the configuration directory
NOT_OURS: Final = "export_path_exists"  # a file (or folder) Spotifreak did not write is there

_O_NOFOLLOW: Final = getattr(os, "O_NOFOLLOW", 0)
_O_DIRECTORY: Final = getattr(os, "O_DIRECTORY", 0)
_O_CLOEXEC: Final = getattr(os, "O_CLOEXEC", 0)


class ExportError(SpotifreakError):
    """The export was not written (or removed): `problem` says why (the constants above)."""

    def __init__(self, problem: str, message: str) -> None:
        """Initialize the error with its problem key."""
        super().__init__(message)
        self.problem = problem


@dataclass(frozen=True, slots=True)
class ExportMark:
    """What Spotifreak last wrote: where (resolved, relative to the configuration directory).

    `sha256` is the hash of the content written.
    """

    path: str
    sha256: str

    def as_dict(self) -> dict[str, str]:
        """Return the stored form."""
        return {"path": self.path, "sha256": self.sha256}

    @classmethod
    def from_dict(cls, data: Any) -> ExportMark | None:
        """Read the stored form (None when there is none, or it is unreadable)."""
        if not isinstance(data, dict):
            return None
        path, sha = data.get("path"), data.get("sha256")
        if not isinstance(path, str) or not isinstance(sha, str):
            return None
        return cls(path, sha)


def _text_problem(relative: str) -> str | None:
    pure = PurePath(relative)
    if (
        not relative.strip()
        or pure.is_absolute()
        or relative.startswith(("/", "\\"))
        or ".." in pure.parts
        or pure.suffix.lower() != ".json"
    ):
        return INVALID
    if pure.parts and pure.parts[0].casefold() == ".storage":
        return INVALID  # Home Assistant's own files: refused since the first release
    if pure.parts and pure.parts[0].casefold() in RESERVED:
        return RESERVED_FOLDER
    return None


def _resolve(config_dir: str, relative: str) -> tuple[str, str]:
    """Return the real path of the export and that path relative to the real config dir.

    Raises `ExportError` for a path a text check or the resolved location refuses.
    """
    if problem := _text_problem(relative):
        raise ExportError(problem, f"{relative!r} is not a usable export path")
    root = os.path.realpath(config_dir)
    real = os.path.realpath(os.path.join(root, relative))
    if os.path.commonpath([root, real]) != root or real == root:
        raise ExportError(OUTSIDE, f"{relative!r} leads out of the configuration directory")
    inside = os.path.relpath(real, root)
    if PurePath(inside).parts[0].casefold() in RESERVED:
        raise ExportError(RESERVED_FOLDER, f"{relative!r} leads into {PurePath(inside).parts[0]}")
    return real, inside


def _sha256(path: str) -> str | None:
    digest = hashlib.sha256()
    try:
        fd = os.open(path, os.O_RDONLY | _O_NOFOLLOW | _O_CLOEXEC)
    except OSError:
        return None
    with os.fdopen(fd, "rb") as file:
        for block in iter(lambda: file.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest()


def _ours(real: str, inside: str, mark: ExportMark | None) -> bool:
    """Return whether the file at `real` is exactly what Spotifreak last wrote there."""
    return mark is not None and mark.path == inside and _sha256(real) == mark.sha256


def export_path_problem(config_dir: str, relative: str, mark: ExportMark | None) -> str | None:
    """Return why an export path cannot be written (a constant above), or None when it can."""
    try:
        real, inside = _resolve(config_dir, relative)
    except ExportError as err:
        return err.problem
    if os.path.lexists(real) and (not os.path.isfile(real) or not _ours(real, inside, mark)):
        return NOT_OURS
    return None


def write_export(
    config_dir: str, relative: str, content: bytes, mark: ExportMark | None
) -> ExportMark:
    """Write `content` to the export path atomically and return the new mark.

    Raises `ExportError` when the path is refused, `OSError` when writing failed (the previous
    file is then unchanged and no temporary file is left).
    """
    real, inside = _resolve(config_dir, relative)
    if os.path.lexists(real) and (not os.path.isfile(real) or not _ours(real, inside, mark)):
        raise ExportError(NOT_OURS, f"{inside!r} exists and was not written by Spotifreak")
    parent, name = os.path.split(real)
    os.makedirs(parent, exist_ok=True)
    directory = os.open(parent, os.O_RDONLY | _O_DIRECTORY | _O_NOFOLLOW | _O_CLOEXEC)
    try:
        if os.path.realpath(parent) != parent or not os.path.samestat(
            os.fstat(directory), os.stat(parent)
        ):
            raise ExportError(OUTSIDE, f"{inside!r} changed while it was written")
        temporary = f".{name}.{secrets.token_hex(8)}.tmp"
        fd = os.open(
            temporary,
            os.O_WRONLY | os.O_CREAT | os.O_EXCL | _O_NOFOLLOW | _O_CLOEXEC,
            0o644,
            dir_fd=directory,
        )
        try:
            with os.fdopen(fd, "wb") as file:
                write_all(file.fileno(), content)
                file.flush()
                os.fsync(file.fileno())
            os.replace(temporary, name, src_dir_fd=directory, dst_dir_fd=directory)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temporary, dir_fd=directory)
            raise
    finally:
        os.close(directory)
    return ExportMark(inside, hashlib.sha256(content).hexdigest())


def write_all(fd: int, content: bytes) -> None:
    """Write every byte of `content` to a file descriptor."""
    view = memoryview(content)
    while view:
        view = view[os.write(fd, view) :]


def remove_export(config_dir: str, mark: ExportMark | None) -> bool:
    """Delete the export if it is still what Spotifreak wrote; return whether it was deleted."""
    if mark is None:
        return False
    try:
        real, inside = _resolve(config_dir, mark.path)
    except ExportError:
        return False
    if not os.path.isfile(real) or not _ours(real, inside, mark):
        return False
    os.unlink(real)
    return True
