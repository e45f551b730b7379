"""When Spotify ends the account's authorization, and when to say so.

Since 2026-06-18 for new apps and 2026-07-20 for existing ones a refresh token expires six months
after the user authorized; refreshing does not extend it, and the token endpoint then answers
`invalid_grant`. The lifetime is an option (`authorization_lifetime_months`) in case Spotify
changes it. Months are calendar months: authorized on 31 August, six months later is the last day
of February.
"""

from __future__ import annotations

import calendar
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Final

DEFAULT_LIFETIME_MONTHS: Final = 6
LIFETIME_MONTHS_MIN: Final = 1
LIFETIME_MONTHS_MAX: Final = 24
NOTICE_AHEAD: Final = timedelta(days=14)


class ExpiryNotice(StrEnum):
    """What to tell the user about the authorization now."""

    NONE = "none"  # more than `NOTICE_AHEAD` away, or unknown
    SOON = "soon"  # within `NOTICE_AHEAD`
    DUE = "due"  # on the day it expires, or later


def add_months(moment: datetime, months: int) -> datetime:
    """Return the same time `months` calendar months later (the month's last day at most)."""
    index = moment.month - 1 + months
    year, month = moment.year + index // 12, index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def expires_at(authorized_at: datetime | None, months: int) -> datetime | None:
    """Return when an authorization given at `authorized_at` ends (None: unknown)."""
    if authorized_at is None:
        return None
    return add_months(authorized_at, months)


def expiry_notice(expires: datetime | None, now: datetime) -> ExpiryNotice:
    """Return the notice due at `now` (an aware time in the user's time zone).

    The day of expiry is judged in `now`'s time zone: from that day's midnight on, it is due.
    """
    if expires is None:
        return ExpiryNotice.NONE
    local = expires.astimezone(now.tzinfo)
    if now.date() >= local.date():
        return ExpiryNotice.DUE
    if expires - now <= NOTICE_AHEAD:
        return ExpiryNotice.SOON
    return ExpiryNotice.NONE
