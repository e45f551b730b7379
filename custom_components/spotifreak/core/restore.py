"""Playlist history at work: back up a playlist, list its versions, restore one.

A restore is a run like a sync's (sync type `playlist_restore`, through `AccountSyncs`): it has a
run record, counts its calls and can be a dry run. It reads the playlist (⌈N/50⌉ requests), and
writes the version's tracks and episodes in the version's order with `TargetWriter.replace` — a
PUT of the first 100, POSTs for the rest — which first keeps what the playlist holds now as a
version of its own (`before_restore`: restoring that one undoes the restore, at no extra call:
the writer has just read the entries). Local files and unavailable entries cannot be added by
URI: they are listed as `unrestorable`, never dropped silently, and the run is `partial`. A
playlist that holds local files now is not overwritten unless `allow_local_loss`.

Should a write fail after the PUT, the run fails: the version is still whole in the history and
restoring again completes it (without a version number a restore brings back the newest version
that was not taken by a restore, so that second restore aims at the same version).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar, Final

from .context import SyncContext
from .directory import PlaylistDirectory
from .engine import SyncInputError
from .history import (
    REASON_BEFORE_RESTORE,
    REASON_MANUAL,
    HistoryKeeper,
    PlaylistVersion,
    changes_since,
    holds_local_files,
)
from .options import Option, OptionsSpec, OptionType, SyncOptions
from .reasons import REASON_UNCHANGED, REASON_UNRESTORABLE
from .records import PlaylistRecord
from .runs import RunRecord, RunStatus
from .spotify import PlaylistItem, SpotifyClient, SpotifyRunner
from .target_contents import ContentsOfOnePlaylist
from .target_open import open_target
from .target_writer import TargetWriter
from .targets import (
    Target,
    TargetStatus,
    conclude_one_target,
    refuse_unwritable,
    resolve_playlist,
    target_errors,
)

SYNC_TYPE: Final = "playlist_restore"

RESTORE_OPTIONS: Final = OptionsSpec(
    Option("playlist", OptionType.TEXT, required=True),
    Option("version", OptionType.INTEGER, minimum=1),
    Option("allow_local_loss", OptionType.BOOLEAN, default=False),
)


@dataclass(frozen=True, slots=True)
class RestoreOptions(SyncOptions):
    """What `spotifreak.restore_playlist` restores: a playlist, and which version (or the default)."""

    spec: ClassVar[OptionsSpec] = RESTORE_OPTIONS

    playlist: str
    version: int | None = RESTORE_OPTIONS.default("version")
    allow_local_loss: bool = RESTORE_OPTIONS.default("allow_local_loss")


def _items_job(playlist_id: str) -> Callable[[SpotifyClient], list[PlaylistItem]]:
    return lambda client: client.playlist_items(playlist_id)


async def snapshot_playlist(
    playlists: PlaylistDirectory,
    run_spotify: SpotifyRunner,
    keeper: HistoryKeeper,
    reference: str,
    now: datetime,
) -> PlaylistVersion:
    """Read a playlist (⌈N/50⌉ requests) and keep it as a version (`manual`); return it."""
    record = await resolve_playlist(playlists, reference)
    items = await run_spotify(_items_job(record.id))
    return await keeper.keep(record, items, reason=REASON_MANUAL, taken_at=now)


async def list_versions(
    playlists: PlaylistDirectory,
    run_spotify: SpotifyRunner,
    keeper: HistoryKeeper,
    reference: str,
) -> tuple[PlaylistRecord, list[dict[str, Any]]]:
    """Return a playlist's versions, newest first, each with how the playlist changed since.

    Comparing needs what the playlist holds now: one read (⌈N/50⌉ requests), none when the
    history has no version of it.
    """
    record = await resolve_playlist(playlists, reference)
    versions = keeper.history.versions(record.id)
    if not versions:
        return record, []
    items = await run_spotify(_items_job(record.id))
    now = [item.uri for item in items]
    listed: list[dict[str, Any]] = []
    for version in versions:
        added, removed = changes_since(version, now)
        listed.append({**version.summary(), "added_since": added, "removed_since": removed})
    return record, listed


async def run_restore(ctx: SyncContext, options: RestoreOptions, record: RunRecord) -> None:
    """Restore a version of a playlist, filling `record` (see the module docstring).

    Raises `SyncInputError` before anything is written for an unknown playlist or version, a
    playlist without versions, and a playlist holding local files without `allow_local_loss`.
    """
    playlist = await resolve_playlist(ctx.playlists, options.playlist)
    version = _version(ctx, options, playlist)
    target = Target(spec=options.playlist.strip(), name=playlist.name, record=playlist)
    target.reports_removed = True
    target.details = {
        "version": version.version,
        "unrestorable": [item.as_dict() for item in version.unrestorable],
    }
    if refuse_unwritable(ctx, target):
        _conclude(record, target, version)
        return
    contents = ContentsOfOnePlaylist({}, "restore")  # always read: the version before needs it
    try:
        with target_errors(target):
            async with open_target(ctx, target, contents, public=False, exact=True) as writer:
                if writer is not None:
                    await _restore(writer, target, version, options)
    finally:
        _conclude(record, target, version)


def _version(
    ctx: SyncContext, options: RestoreOptions, playlist: PlaylistRecord
) -> PlaylistVersion:
    history = ctx.playlist_history.history
    if options.version is None:
        found = history.default_for_restore(playlist.id)
        if found is None:
            raise SyncInputError(
                "no_versions",
                f"The history holds no version of {playlist.name!r}",
                {"playlist": playlist.name},
            )
        return found
    found = history.get(options.version)
    if found is None or found.playlist_id != playlist.id:
        raise SyncInputError(
            "version_not_found",
            f"The history holds no version {options.version} of {playlist.name!r}",
            {"version": str(options.version), "playlist": playlist.name},
        )
    return found


async def _restore(
    writer: TargetWriter, target: Target, version: PlaylistVersion, options: RestoreOptions
) -> None:
    wanted = version.restorable_uris
    current = await writer.contents_unless(wanted)
    if current == wanted:
        target.status, target.reason = TargetStatus.NOOP, REASON_UNCHANGED
        return
    if holds_local_files(current) and not options.allow_local_loss:
        raise SyncInputError(
            "restore_loses_local_files",
            f"{target.name!r} holds local files now, which a restore would lose",
            {"playlist": target.name},
        )
    await writer.replace(wanted, reason=REASON_BEFORE_RESTORE)


def _conclude(record: RunRecord, target: Target, version: PlaylistVersion) -> None:
    """Set the run's status: `partial` when something could not be restored.

    A restore that failed after its first write is `failed`, not `partial`: the playlist is
    neither as it was nor as asked, and restoring again completes it.
    """
    conclude_one_target(record, target, unchanged=RunStatus.UNCHANGED)
    if version.unrestorable and record.status in (RunStatus.SUCCESS, RunStatus.UNCHANGED):
        record.status, record.reason = RunStatus.PARTIAL, REASON_UNRESTORABLE
    elif target.status is TargetStatus.FAILED and (target.added or target.removed):
        record.status = RunStatus.FAILED
        record.error = f"{target.error} (restore again to complete it)"
