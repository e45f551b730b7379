"""Date patterns for target playlist names: `%b%y` → "Oct25", `${month_abbr}${year_short}` → "Oct25".

Two notations, mixable in one pattern:
- Python `strftime` directives, from an explicit list (`DIRECTIVES`). Names of months and weekdays
  are always English, whatever the host's locale; directives whose output depends on the locale
  (`%c`, `%x`, `%X`) or on the platform are refused. A `-` flag drops zero padding of the numeric
  ones (`%-d` → "5"), as glibc's strftime does, on every platform.
- Tokens: `${month_abbr}` ("Oct", in title case), `${month_full}` ("October"), `${year_short}`
  ("25"), `${year_full}` ("2025"), `${weekday}` ("Monday").

`%%` renders a literal `%`, `$$` a literal `$`; a `$` not followed by `{` or `$` is literal too.
The moment given to `render` is already in Home Assistant's time zone: nothing here converts it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
import re
from typing import Final

from .errors import SpotifreakError

MONTHS: Final = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
WEEKDAYS: Final = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


class PatternError(SpotifreakError, ValueError):
    """An invalid pattern: unknown `${token}`, unsupported `%` directive, dangling `%` or `${`."""

    def __init__(self, message: str, *, pattern: str, problem: str) -> None:
        """Initialize the error with the pattern and its offending piece."""
        super().__init__(message)
        self.pattern = pattern
        self.problem = problem  # the offending piece, e.g. "%Q", "${month}", "%"


def _hour12(when: datetime) -> int:
    return when.hour % 12 or 12


# directive letter → (renderer, zero-padded width for the `-` flag, or 0 when not numeric)
_Renderer = Callable[[datetime], str]
DIRECTIVES: Final[Mapping[str, tuple[_Renderer, int]]] = {
    "a": (lambda d: WEEKDAYS[d.weekday()][:3], 0),
    "A": (lambda d: WEEKDAYS[d.weekday()], 0),
    "b": (lambda d: MONTHS[d.month - 1][:3], 0),
    "h": (lambda d: MONTHS[d.month - 1][:3], 0),
    "B": (lambda d: MONTHS[d.month - 1], 0),
    "d": (lambda d: f"{d.day:02d}", 2),
    "e": (lambda d: f"{d.day:>2}", 0),
    "m": (lambda d: f"{d.month:02d}", 2),
    "y": (lambda d: f"{d.year % 100:02d}", 2),
    "Y": (lambda d: f"{d.year:04d}", 0),
    "C": (lambda d: f"{d.year // 100:02d}", 2),
    "H": (lambda d: f"{d.hour:02d}", 2),
    "I": (lambda d: f"{_hour12(d):02d}", 2),
    "p": (lambda d: "AM" if d.hour < 12 else "PM", 0),
    "M": (lambda d: f"{d.minute:02d}", 2),
    "S": (lambda d: f"{d.second:02d}", 2),
    "j": (lambda d: f"{d.timetuple().tm_yday:03d}", 3),
    "u": (lambda d: str(d.isoweekday()), 0),
    "w": (lambda d: str(d.isoweekday() % 7), 0),
    "U": (lambda d: d.strftime("%U"), 2),  # week numbers are locale-independent
    "W": (lambda d: d.strftime("%W"), 2),
    "V": (lambda d: f"{d.isocalendar().week:02d}", 2),
    "G": (lambda d: f"{d.isocalendar().year:04d}", 0),
    "F": (lambda d: f"{d.year:04d}-{d.month:02d}-{d.day:02d}", 0),
    "z": (lambda d: d.strftime("%z"), 0),
    "Z": (lambda d: d.strftime("%Z"), 0),
}

TOKENS: Final[Mapping[str, _Renderer]] = {
    "month_abbr": lambda d: MONTHS[d.month - 1][:3],
    "month_full": lambda d: MONTHS[d.month - 1],
    "year_short": lambda d: f"{d.year % 100:02d}",
    "year_full": lambda d: f"{d.year:04d}",
    "weekday": lambda d: WEEKDAYS[d.weekday()],
}

# What makes a text a pattern: a `%` directive (valid or not), an escaped `%%`, or a `${` token.
# "100% Hits" (a `%` followed by a space) or "50%" are plain names.
_LOOKS_LIKE_PATTERN = re.compile(r"%[-%A-Za-z]|\$\{")


def is_pattern(text: str) -> bool:
    """Return whether a target is meant as a date pattern, not a literal playlist name."""
    return bool(_LOOKS_LIKE_PATTERN.search(text))


def _scan(pattern: str, when: datetime | None) -> str:
    """Render (or, with `when` None, only check) a pattern."""
    out: list[str] = []
    index, length = 0, len(pattern)
    while index < length:
        char = pattern[index]
        if char == "%":
            flag = ""
            nxt = index + 1
            if nxt < length and pattern[nxt] == "-":
                flag, nxt = "-", nxt + 1
            if nxt >= length:
                raise PatternError(
                    f"Pattern {pattern!r} ends with an unfinished '%' (write '%%' for a percent sign)",
                    pattern=pattern,
                    problem=pattern[index:],
                )
            letter = pattern[nxt]
            piece = pattern[index : nxt + 1]
            if letter == "%" and not flag:
                out.append("%")
            elif letter in DIRECTIVES:
                render_one, width = DIRECTIVES[letter]
                if flag and not width:
                    raise PatternError(
                        f"Pattern {pattern!r}: '{piece}' is not supported ('-' only applies to numbers)",
                        pattern=pattern,
                        problem=piece,
                    )
                if when is not None:
                    text = render_one(when)
                    out.append((text.lstrip("0") or "0") if flag else text)
            else:
                raise PatternError(
                    f"Pattern {pattern!r}: '{piece}' is not a supported date directive",
                    pattern=pattern,
                    problem=piece,
                )
            index = nxt + 1
        elif char == "$" and index + 1 < length and pattern[index + 1] in "${":
            if pattern[index + 1] == "$":
                out.append("$")
                index += 2
                continue
            end = pattern.find("}", index + 2)
            if end < 0:
                raise PatternError(
                    f"Pattern {pattern!r} has an unfinished '${{' (write '$$' for a dollar sign)",
                    pattern=pattern,
                    problem=pattern[index:],
                )
            name = pattern[index + 2 : end]
            token = TOKENS.get(name.strip())
            if token is None:
                raise PatternError(
                    f"Pattern {pattern!r}: '${{{name}}}' is not a known token "
                    f"(known: {', '.join(sorted(TOKENS))})",
                    pattern=pattern,
                    problem=pattern[index : end + 1],
                )
            if when is not None:
                out.append(token(when))
            index = end + 1
        else:
            out.append(char)
            index += 1
    return "".join(out)


def validate(pattern: str) -> None:
    """Raise `PatternError` when the pattern cannot be rendered."""
    _scan(pattern, None)


def render(pattern: str, when: datetime) -> str:
    """Return the playlist name for `when` (already in Home Assistant's time zone), trimmed.

    Raises `PatternError` for an invalid pattern, and for one that renders to an empty name.
    """
    name = _scan(pattern, when).strip()
    if not name:
        raise PatternError(
            f"Pattern {pattern!r} renders to an empty name", pattern=pattern, problem=pattern
        )
    return name
