"""Date patterns for target names (pure)."""

from __future__ import annotations

from datetime import datetime
import locale
from zoneinfo import ZoneInfo

import pytest

from custom_components.spotifreak.core.errors import SpotifreakError
from custom_components.spotifreak.core.patterns import (
    DIRECTIVES,
    TOKENS,
    PatternError,
    is_pattern,
    render,
    validate,
)

BERLIN = ZoneInfo("Europe/Berlin")
# A Friday in October 2025, early morning in Berlin (still Thursday evening in New York).
WHEN = datetime(2025, 10, 3, 7, 5, 9, tzinfo=BERLIN)


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("%b%y", "Oct25"),
        ("%B %Y", "October 2025"),
        ("%Y-%m", "2025-10"),
        ("%Y-%m-%d", "2025-10-03"),
        ("%F", "2025-10-03"),
        ("%a %A", "Fri Friday"),
        ("%h", "Oct"),
        ("%d.%m.", "03.10."),
        ("%-d.%-m.", "3.10."),
        ("Day%e", "Day 3"),
        ("%H:%M:%S", "07:05:09"),
        ("%-H:%-M", "7:5"),
        ("%I %p", "07 AM"),
        ("%j", "276"),
        ("%-j", "276"),
        ("%u %w", "5 5"),
        ("%V %G", "40 2025"),
        ("%U %W", "39 39"),
        ("%C", "20"),
        ("%z", "+0200"),
        ("%Z", "CEST"),
        ("${month_abbr}${year_short}", "Oct25"),
        ("${month_full} ${year_full}", "October 2025"),
        ("${weekday}", "Friday"),
        ("Liked ${month_abbr} %Y", "Liked Oct 2025"),
        ("100%% ${month_abbr}", "100% Oct"),
        ("$$ %b", "$ Oct"),
        ("Cash $ %b", "Cash $ Oct"),
        ("  %b%y  ", "Oct25"),
        ("Crème %B", "Crème October"),
    ],
)
def test_render(pattern: str, expected: str) -> None:
    assert is_pattern(pattern)
    assert render(pattern, WHEN) == expected


def test_title_case_not_the_daemons_upper_case() -> None:
    """The standalone daemon rendered `${month_abbr}` as "OCT"; users name playlists "Oct25"."""
    assert render("${month_abbr}${year_short}", WHEN) == "Oct25"
    assert render("${month_abbr}", datetime(2026, 5, 1, tzinfo=BERLIN)) == "May"


def test_every_month_and_weekday_is_english() -> None:
    months = [render("%b|%B", datetime(2025, month, 1, tzinfo=BERLIN)) for month in range(1, 13)]
    assert months[0] == "Jan|January"
    assert months[8] == "Sep|September"
    assert months[11] == "Dec|December"
    days = [render("%a|${weekday}", datetime(2025, 9, day, tzinfo=BERLIN)) for day in range(1, 8)]
    assert days == [
        "Mon|Monday",
        "Tue|Tuesday",
        "Wed|Wednesday",
        "Thu|Thursday",
        "Fri|Friday",
        "Sat|Saturday",
        "Sun|Sunday",
    ]


def test_locale_independent() -> None:
    """Month names stay English even when the process locale is another one."""
    previous = locale.setlocale(locale.LC_TIME)
    for candidate in ("de_DE.UTF-8", "fr_FR.UTF-8", "C.UTF-8"):
        try:
            locale.setlocale(locale.LC_TIME, candidate)
            break
        except locale.Error:
            continue
    try:
        assert render("%b %B %a %p", WHEN) == "Oct October Fri AM"
    finally:
        locale.setlocale(locale.LC_TIME, previous)


def test_the_moment_is_used_as_given() -> None:
    """The caller passes Home Assistant's local time: New Year's Eve 23:30 in Berlin is still
    December there, whatever UTC says."""
    late = datetime(2025, 12, 31, 23, 30, tzinfo=BERLIN)
    assert render("%b%y", late) == "Dec25"
    assert render("%b%y", late.astimezone(ZoneInfo("UTC"))) == "Dec25"
    assert render("%b%y", late.astimezone(ZoneInfo("Asia/Tokyo"))) == "Jan26"


def test_twelve_hour_clock() -> None:
    assert render("%I%p", datetime(2025, 1, 1, 0, 0, tzinfo=BERLIN)) == "12AM"
    assert render("%-I%p", datetime(2025, 1, 1, 13, 0, tzinfo=BERLIN)) == "1PM"
    assert render("%I%p", datetime(2025, 1, 1, 12, 0, tzinfo=BERLIN)) == "12PM"


@pytest.mark.parametrize(
    "text",
    ["Road Trip", "100% Hits", "Best of 50%", "Cash $ Money", "$5 Songs", "Oct25", "spotify:x"],
)
def test_plain_names_are_not_patterns(text: str) -> None:
    assert not is_pattern(text)


@pytest.mark.parametrize(
    ("pattern", "problem"),
    [
        ("%Q", "%Q"),
        ("Mix %c", "%c"),  # locale-dependent: refused
        ("%x", "%x"),
        ("%X", "%X"),
        ("%f", "%f"),
        ("%-B", "%-B"),  # '-' only on numbers
        ("%-", "%-"),
        ("Mix %b %", "%"),
        ("${month}", "${month}"),
        ("${MONTH_ABBR}", "${MONTH_ABBR}"),
        ("${month_abbr", "${month_abbr"),
        ("${}", "${}"),
    ],
)
def test_invalid_patterns(pattern: str, problem: str) -> None:
    assert is_pattern(pattern)
    with pytest.raises(PatternError) as info:
        render(pattern, WHEN)
    assert info.value.problem == problem
    assert info.value.pattern == pattern
    assert isinstance(info.value, ValueError)
    assert isinstance(info.value, SpotifreakError)
    with pytest.raises(PatternError):
        validate(pattern)


def test_empty_rendering_is_refused() -> None:
    with pytest.raises(PatternError):
        render("  %%  ".replace("%%", ""), WHEN)


def test_escapes_only() -> None:
    assert render("100%%", WHEN) == "100%"
    assert render("$$%%", WHEN) == "$%"


def test_supported_lists_are_explicit() -> None:
    assert set(TOKENS) == {"month_abbr", "month_full", "year_short", "year_full", "weekday"}
    assert {"a", "A", "b", "B", "d", "m", "y", "Y", "H", "M", "S"} <= set(DIRECTIVES)
    assert not {"c", "x", "X"} & set(DIRECTIVES)
