"""Reading the ISO 8601 times that Spotify sends and that the stores keep."""

from __future__ import annotations

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
