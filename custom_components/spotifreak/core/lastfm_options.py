"""The options of the Last.fm top-tracks sync (a configured sync's or `spotifreak.lastfm_top_tracks`')."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Final

from .engine import SyncInputError
from .lastfm import DEFAULT_PERIOD, PERIODS, USERNAME_MAX, valid_username
from .options import Option, OptionsSpec, OptionType, SyncOptions
from .references import shown

SYNC_TYPE: Final = "lastfm_top_tracks"
LIMIT_MIN: Final = 1
LIMIT_MAX: Final = 100
MODE_REPLACE: Final = "replace"
MODE_APPEND: Final = "append"
MODES: Final = (MODE_REPLACE, MODE_APPEND)

LASTFM_OPTIONS: Final = OptionsSpec(
    Option("playlist", OptionType.TEXT, required=True),  # name, URI, URL, id or date pattern
    Option("username", OptionType.TEXT),  # left out: the account's default Last.fm user
    Option("period", OptionType.CHOICE, default=DEFAULT_PERIOD, choices=PERIODS),
    Option("limit", OptionType.INTEGER, default=10, minimum=LIMIT_MIN, maximum=LIMIT_MAX),
    Option("mode", OptionType.CHOICE, default=MODE_REPLACE, choices=MODES),
    Option("create_missing", OptionType.BOOLEAN, default=True),
    Option("public", OptionType.BOOLEAN, default=False),
    # Replace only a playlist Spotifreak created, unless the user named this one and allowed it.
    Option("allow_replace", OptionType.BOOLEAN, default=False),
    # Never replace a playlist holding local files (no write can put them back) unless allowed.
    Option("allow_local_loss", OptionType.BOOLEAN, default=False),
)


@dataclass(frozen=True, slots=True)
class LastfmOptions(SyncOptions):
    """The options of `spotifreak.lastfm_top_tracks` and of the configured sync."""

    spec: ClassVar[OptionsSpec] = LASTFM_OPTIONS

    playlist: str
    username: str | None = LASTFM_OPTIONS.default("username")
    period: str = LASTFM_OPTIONS.default("period")
    limit: int = LASTFM_OPTIONS.default("limit")
    mode: str = LASTFM_OPTIONS.default("mode")
    create_missing: bool = LASTFM_OPTIONS.default("create_missing")
    public: bool = LASTFM_OPTIONS.default("public")
    allow_replace: bool = LASTFM_OPTIONS.default("allow_replace")
    allow_local_loss: bool = LASTFM_OPTIONS.default("allow_local_loss")

    def check(self) -> None:
        """Raise `SyncInputError` for options no run can use (no call needed)."""
        if self.period not in PERIODS:
            raise SyncInputError(
                "unknown_period",
                f"Unknown Last.fm period {self.period!r} (one of {', '.join(PERIODS)})",
                {"period": str(self.period), "periods": ", ".join(PERIODS)},
            )
        if isinstance(self.limit, bool) or not LIMIT_MIN <= self.limit <= LIMIT_MAX:
            raise SyncInputError(
                "limit_out_of_range",
                f"The limit must be between {LIMIT_MIN} and {LIMIT_MAX}, not {self.limit}",
                {"limit": str(self.limit), "min": str(LIMIT_MIN), "max": str(LIMIT_MAX)},
            )
        self.check_choices("mode")
        if not self.playlist or not self.playlist.strip():
            raise SyncInputError(
                "unknown_target", "No playlist was given", {"target": self.playlist or ""}
            )
        if self.username and not valid_username(self.username):
            raise SyncInputError(
                "invalid_lastfm_username",
                f"{shown(self.username)!r} is not a Last.fm user name",
                {"username": shown(self.username), "max": str(USERNAME_MAX)},
            )
