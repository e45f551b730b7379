"""The options of a playlist mirror (a configured sync's or `spotifreak.mirror_playlist`'s)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from .engine import SyncInputError

SYNC_TYPE: Final = "playlist_mirror"
SOURCE_LIKED_SONGS: Final = "liked_songs"


@dataclass(frozen=True, slots=True)
class MirrorOptions:
    """The options of a playlist mirror.

    `source`: a playlist name, URI, URL or id, or `liked_songs`. `targets`: playlist names, URIs,
    ids or date patterns. `max_tracks`: read at most this many of the newest source items per run.
    `lookback_days`: only source items added within this many days.
    """

    source: str
    targets: Sequence[str]
    create_missing: bool = True
    public: bool = False
    deduplicate: bool = True
    only_new: bool = True
    max_tracks: int | None = None
    lookback_days: int | None = None

    def __post_init__(self) -> None:
        targets = (self.targets,) if isinstance(self.targets, str) else self.targets
        object.__setattr__(self, "targets", tuple(str(target) for target in targets))

    @property
    def liked_songs(self) -> bool:
        """Whether the source is the account's liked songs."""
        return self.source.strip().casefold() == SOURCE_LIKED_SONGS

    @property
    def target_specs(self) -> list[str]:
        """Return the targets as given, trimmed, blank ones dropped."""
        return [spec.strip() for spec in self.targets if spec and spec.strip()]

    def check(self) -> None:
        """Raise `SyncInputError` for options no run can use (no call needed)."""
        if not self.source.strip():
            raise SyncInputError("unknown_source", "No source given", {"source": self.source})
        for key, value in (("max_tracks", self.max_tracks), ("lookback_days", self.lookback_days)):
            if value is not None and value < 1:
                raise SyncInputError(
                    "invalid_option",
                    f"{key} must be at least 1",
                    {"option": key, "value": str(value)},
                )
        if not self.target_specs:
            raise SyncInputError("no_targets", "No target playlists given")

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> MirrorOptions:
        """Build from an action call's or a subentry's data (unknown keys are ignored)."""
        targets = data.get("targets") or ()
        return cls(
            source=str(data.get("source") or ""),
            targets=[targets] if isinstance(targets, str) else list(targets),
            create_missing=bool(data.get("create_missing", True)),
            public=bool(data.get("public", False)),
            deduplicate=bool(data.get("deduplicate", True)),
            only_new=bool(data.get("only_new", True)),
            max_tracks=_optional_int(data.get("max_tracks")),
            lookback_days=_optional_int(data.get("lookback_days")),
        )

    def as_dict(self) -> dict[str, Any]:
        """Return the stored form (subentry data)."""
        return {
            "source": self.source,
            "targets": list(self.targets),
            "create_missing": self.create_missing,
            "public": self.public,
            "deduplicate": self.deduplicate,
            "only_new": self.only_new,
            "max_tracks": self.max_tracks,
            "lookback_days": self.lookback_days,
        }


def _optional_int(value: Any) -> int | None:
    return None if value is None or value == "" else int(value)
