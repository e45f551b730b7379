"""One rule for reading times: ISO 8601, a time without an offset is UTC, anything else is None."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from custom_components.spotifreak.core.timestamps import parse_time


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2025-10-31T23:55:00Z", datetime(2025, 10, 31, 23, 55, tzinfo=UTC)),
        (
            "2025-10-31T23:55:00+01:00",
            datetime(2025, 10, 31, 23, 55, tzinfo=timezone(timedelta(hours=1))),
        ),
        ("2025-10-31T23:55:00", datetime(2025, 10, 31, 23, 55, tzinfo=UTC)),
        ("yesterday", None),
        ("", None),
        (None, None),
        (1730418900, None),
    ],
)
def test_parse_time(value: Any, expected: datetime | None) -> None:
    assert parse_time(value) == expected
