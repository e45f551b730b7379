"""The options of a playlist mirror (a configured sync's or `spotifreak.mirror_playlist`'s)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar, Final

from .engine import SyncInputError
from .options import Option, OptionsSpec, OptionType, SyncOptions
from .references import MAX_PLAYLIST_NAME, NOT_A_PLAYLIST, reference_problem, shown

SYNC_TYPE: Final = "playlist_mirror"
SOURCE_LIKED_SONGS: Final = "liked_songs"
LOOKBACK_DAYS_MAX: Final = 3650  # ten years, as the action's selector offers
MODE_APPEND: Final = "append"
MODE_EXACT: Final = "exact"
MODES: Final = (MODE_APPEND, MODE_EXACT)

MIRROR_OPTIONS: Final = OptionsSpec(
    Option("source", OptionType.TEXT, required=True, suggested=SOURCE_LIKED_SONGS),
    Option("targets", OptionType.TEXTS, required=True),
    Option("create_missing", OptionType.BOOLEAN, default=True),
    Option("public", OptionType.BOOLEAN, default=False),
    Option("deduplicate", OptionType.BOOLEAN, default=True),
    Option("only_new", OptionType.BOOLEAN, default=True),
    Option("max_tracks", OptionType.INTEGER, minimum=1),
    Option("lookback_days", OptionType.INTEGER, minimum=1, maximum=LOOKBACK_DAYS_MAX),
    Option(
        "mode",
        OptionType.CHOICE,
        default=MODE_APPEND,
        choices=MODES,
        translation_key="mirror_mode",
    ),
)


@dataclass(frozen=True, slots=True)
class MirrorOptions(SyncOptions):
    """The options of a playlist mirror.

    `source`: a playlist name, URI, URL or id, or `liked_songs`. `targets`: playlist names, URIs,
    ids or date patterns. `max_tracks`: read at most this many of the newest source items per run.
    `lookback_days`: only source items added within this many days. `mode`: `append` adds what
    a target lacks; `exact` makes each target hold exactly the source's tracks in the source's
    order (what is not in the source is removed, a version kept first).
    """

    spec: ClassVar[OptionsSpec] = MIRROR_OPTIONS

    source: str
    targets: Sequence[str]
    create_missing: bool = MIRROR_OPTIONS.default("create_missing")
    public: bool = MIRROR_OPTIONS.default("public")
    deduplicate: bool = MIRROR_OPTIONS.default("deduplicate")
    only_new: bool = MIRROR_OPTIONS.default("only_new")
    max_tracks: int | None = MIRROR_OPTIONS.default("max_tracks")
    lookback_days: int | None = MIRROR_OPTIONS.default("lookback_days")
    mode: str = MIRROR_OPTIONS.default("mode")

    def __post_init__(self) -> None:
        """Keep the targets as a tuple (one string alone is one target).

        `check` refuses any that is not text.
        """
        targets = (self.targets,) if isinstance(self.targets, str) else self.targets
        object.__setattr__(self, "targets", tuple(targets))

    @property
    def liked_songs(self) -> bool:
        """Return whether the source is the account's liked songs."""
        return self.source.strip().casefold() == SOURCE_LIKED_SONGS

    @property
    def exact(self) -> bool:
        """Return whether the targets are made exact copies (`mode: exact`)."""
        return self.mode == MODE_EXACT

    @property
    def target_specs(self) -> list[str]:
        """Return the targets as given, trimmed, blank ones dropped."""
        return [spec.strip() for spec in self.targets if spec and spec.strip()]

    def check(self) -> None:
        """Raise `SyncInputError` for options no run can use (no call needed)."""
        if not self.source.strip():
            raise SyncInputError("unknown_source", "No source given", {"source": self.source})
        if not self.liked_songs and reference_problem(self.source) == NOT_A_PLAYLIST:
            raise SyncInputError(
                "source_not_a_playlist",
                f"The source {shown(self.source)!r} is not a playlist",
                {"source": shown(self.source)},
            )
        self.check_bounds("max_tracks", "lookback_days")
        self.check_choices("mode")
        for target in self.targets:
            if not isinstance(target, str):
                raise SyncInputError(
                    "target_not_a_playlist",
                    f"Target {target!r} is not text",
                    {"target": shown(target), "max": str(MAX_PLAYLIST_NAME)},
                )
        if not self.target_specs:
            raise SyncInputError("no_targets", "No target playlists given")
