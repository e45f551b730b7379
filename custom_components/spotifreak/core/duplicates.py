"""Duplicate removal (`spotifreak.remove_duplicates`): each track once in a playlist the account owns.

Two entries are the same track when they have the same URI, or with `match: isrc` also when
Spotify names the same recording (`external_ids.isrc`) under another URI (a single and its
album version, a re-release). Of each group the first entry stays (`keep: first`) or the last
(`keep: last`), at its position; the others go. Since Spotify's DELETE removes every occurrence
of a URI, an entry that stays with a URI that also went is put back at its position, stamped
with the time of the run (`core/playlist_edit.py`). Local files and unavailable entries are never
removed (no write could put them back). The playlist is kept in the playlist history first.

A run like a sync's (sync type `remove_duplicates`): a run record, its calls counted, dry runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar, Final

from .context import SyncContext
from .engine import SyncInputError
from .options import Option, OptionsSpec, OptionType, SyncOptions
from .playlist_edit import plan_keep, removable
from .readable import check_readable
from .reasons import REASON_NO_DUPLICATES
from .runs import RunRecord
from .spotify import PlaylistItem
from .target_contents import ContentsOfOnePlaylist
from .target_open import open_target
from .targets import (
    Target,
    TargetStatus,
    conclude_one_target,
    resolve_playlist,
    target_errors,
)

SYNC_TYPE: Final = "remove_duplicates"
KEEP_FIRST: Final = "first"
KEEP_LAST: Final = "last"
MATCH_URI: Final = "uri"
MATCH_ISRC: Final = "isrc"

DUPLICATES_OPTIONS: Final = OptionsSpec(
    Option("playlist", OptionType.TEXT, required=True),
    Option("keep", OptionType.CHOICE, default=KEEP_FIRST, choices=(KEEP_FIRST, KEEP_LAST)),
    Option("match", OptionType.CHOICE, default=MATCH_URI, choices=(MATCH_URI, MATCH_ISRC)),
)


@dataclass(frozen=True, slots=True)
class DuplicatesOptions(SyncOptions):
    """Which playlist, which entry of each group stays, and what counts as the same track."""

    spec: ClassVar[OptionsSpec] = DUPLICATES_OPTIONS

    playlist: str
    keep: str = DUPLICATES_OPTIONS.default("keep")
    match: str = DUPLICATES_OPTIONS.default("match")

    def check(self) -> None:
        """Raise `SyncInputError` for a choice no run can use (no call needed)."""
        self.check_choices("keep", "match")


def duplicates_keep(items: Sequence[PlaylistItem], options: DuplicatesOptions) -> list[bool]:
    """Return, per entry, whether it stays: one of each group of the same track."""
    chosen: dict[str, int] = {}  # the same track → the index that stays
    for index, item in enumerate(items):
        if not removable(item.entry):
            continue
        key = f"isrc:{item.isrc}" if options.match == MATCH_ISRC and item.isrc else str(item.uri)
        if key not in chosen or options.keep == KEEP_LAST:
            chosen[key] = index
    staying = set(chosen.values())
    return [index in staying or not removable(item.entry) for index, item in enumerate(items)]


async def run_remove_duplicates(
    ctx: SyncContext, options: DuplicatesOptions, record: RunRecord
) -> None:
    """Remove the playlist's duplicates, filling `record` (see the module docstring).

    Raises `SyncInputError` before anything is written for an unknown playlist, one the account
    cannot read (Spotify's own, another user's not collaborative: `core/readable.py`), or
    another user's collaborative one (`playlist_not_owned`).
    """
    options.check()
    found = await resolve_playlist(ctx.playlists, options.playlist)
    check_readable(found, ctx.playlists.user_id)
    if found.owner and found.owner != ctx.playlists.user_id:
        raise SyncInputError(
            "playlist_not_owned",
            f"The playlist {found.name!r} is {found.owner}'s (collaborative): Spotifreak removes "
            "duplicates only from playlists the account owns",
            {"playlist": found.name},
        )
    target = Target(spec=options.playlist.strip(), name=found.name, record=found)
    target.reports_removed = True
    try:
        with target_errors(target):
            async with open_target(
                ctx, target, ContentsOfOnePlaylist({}, "playlist"), public=False, exact=True
            ) as writer:
                if writer is not None:
                    items = await writer.entries()
                    plan = plan_keep(
                        [item.entry for item in items],
                        duplicates_keep(items, options),
                    )
                    if plan.changed:
                        await writer.edit(plan)
                    else:
                        target.status, target.reason = TargetStatus.NOOP, REASON_NO_DUPLICATES
    finally:
        conclude_one_target(record, target)
