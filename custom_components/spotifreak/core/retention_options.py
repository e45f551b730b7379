"""The options of a playlist retention (a configured sync's or `spotifreak.prune_playlist`'s)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Final

from .engine import SyncInputError
from .options import Option, OptionsSpec, OptionType, SyncOptions

SYNC_TYPE: Final = "playlist_retention"
MAX_AGE_DAYS_MAX: Final = 3650  # ten years, as the action's selector offers (no date overflow)

RETENTION_OPTIONS: Final = OptionsSpec(
    Option("playlist", OptionType.TEXT, required=True),  # name, URI, URL, id or date pattern
    # remove tracks added longer ago
    Option("max_age_days", OptionType.INTEGER, minimum=1, maximum=MAX_AGE_DAYS_MAX),
    Option("max_tracks", OptionType.INTEGER, minimum=1),  # keep the newest this many
    Option("min_tracks", OptionType.INTEGER, minimum=0),  # never fewer than this many
    Option("archive", OptionType.TEXT),  # a playlist or date pattern; created when missing
)


@dataclass(frozen=True, slots=True)
class RetentionOptions(SyncOptions):
    """What a retention removes from `playlist`, and where it keeps what it removed.

    `max_age_days`: entries added longer ago go. `max_tracks`: only the newest this many stay.
    `min_tracks`: the playlist never ends a run with fewer entries (the newest of those that
    would go stay). `archive`: removed tracks are added there first (without duplicates) and
    removed from the playlist only once that write went through.
    """

    spec: ClassVar[OptionsSpec] = RETENTION_OPTIONS

    playlist: str
    max_age_days: int | None = RETENTION_OPTIONS.default("max_age_days")
    max_tracks: int | None = RETENTION_OPTIONS.default("max_tracks")
    min_tracks: int | None = RETENTION_OPTIONS.default("min_tracks")
    archive: str | None = RETENTION_OPTIONS.default("archive")

    @property
    def archive_spec(self) -> str | None:
        """Return the archive as given, trimmed; None when there is none."""
        return self.archive.strip() if self.archive and self.archive.strip() else None

    def check(self) -> None:
        """Raise `SyncInputError` for options no run can use (no call needed)."""
        if not self.playlist or not self.playlist.strip():
            raise SyncInputError(
                "playlist_not_found", "No playlist was given", {"playlist": self.playlist or ""}
            )
        self.check_bounds("max_age_days", "max_tracks", "min_tracks")
        if self.max_age_days is None and self.max_tracks is None:
            raise SyncInputError(
                "no_retention_rule", "Name max_age_days or max_tracks: nothing says what goes"
            )
        if (self.min_tracks or 0) > (self.max_tracks or float("inf")):
            raise SyncInputError(
                "invalid_option",
                "min_tracks cannot be more than max_tracks",
                {"option": "min_tracks", "value": str(self.min_tracks)},
            )
