"""The options of the Last.fm top-tracks sync (a configured sync's or `spotifreak.lastfm_top_tracks`')."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from .engine import SyncInputError
from .lastfm import PERIODS

SYNC_TYPE: Final = "lastfm_top_tracks"
LIMIT_MIN: Final = 1
LIMIT_MAX: Final = 100
MODE_REPLACE: Final = "replace"
MODE_APPEND: Final = "append"
MODES: Final = (MODE_REPLACE, MODE_APPEND)


@dataclass(frozen=True, slots=True)
class LastfmOptions:
    """The options of `spotifreak.lastfm_top_tracks` and of the configured sync."""

    playlist: str  # name, URI, URL, id or date pattern
    username: str | None = None  # None or "": the account's default Last.fm user
    period: str = "7day"
    limit: int = 10
    mode: str = MODE_REPLACE
    create_missing: bool = True
    public: bool = False

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> LastfmOptions:
        """Build from an action call's or a subentry's data (unknown keys are ignored)."""
        username = data.get("username")
        return cls(
            playlist=str(data.get("playlist") or ""),
            username=str(username) if username else None,
            period=str(data.get("period") or "7day"),
            limit=int(data.get("limit", 10)),
            mode=str(data.get("mode") or MODE_REPLACE),
            create_missing=bool(data.get("create_missing", True)),
            public=bool(data.get("public", False)),
        )

    def as_dict(self) -> dict[str, Any]:
        """Return the stored form (subentry data)."""
        return {
            "playlist": self.playlist,
            "username": self.username,
            "period": self.period,
            "limit": self.limit,
            "mode": self.mode,
            "create_missing": self.create_missing,
            "public": self.public,
        }

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
        if self.mode not in MODES:
            raise SyncInputError(
                "invalid_option",
                f"Unknown mode {self.mode!r} (one of {', '.join(MODES)})",
                {"option": "mode", "value": str(self.mode)},
            )
        if not self.playlist or not self.playlist.strip():
            raise SyncInputError(
                "unknown_target", "No playlist was given", {"target": self.playlist or ""}
            )
