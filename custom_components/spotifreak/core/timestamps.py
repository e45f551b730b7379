"""Reading the ISO 8601 times that Spotify sends and that the stores keep."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any


def parse_time(value: Any) -> datetime | None:
    """Return an ISO 8601 time as an aware datetime; None when absent or unreadable.

    A time without an offset is UTC: Spotify's times are, and so are the ones this integration
    writes.
    """
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def newest_first(times: Sequence[datetime | None]) -> list[int]:
    """Return the indexes of `times`, the newest first.

    An unknown time counts as the oldest; of equal times the later index comes first.
    """
    return sorted(
        range(len(times)),
        key=lambda index: (
            (moment := times[index]) is not None,
            moment.timestamp() if moment is not None else 0.0,
            index,
        ),
        reverse=True,
    )
