"""Playlist references as users write them: names, URIs, open.spotify.com URLs, bare ids."""

from __future__ import annotations

from dataclasses import dataclass
import re
from typing import Final
import unicodedata
from urllib.parse import urlparse

_ID = re.compile(r"^[0-9A-Za-z]{22}$")
_URI = re.compile(r"^spotify:(?:user:[^:]+:)?playlist:([0-9A-Za-z]{22})$")
_TRACK_URI = re.compile(r"^spotify:track:([0-9A-Za-z]{22})$")
_WHITESPACE = re.compile(r"\s+")

# Spotify does not document the longest playlist name it accepts. Its apps stop at 100
# characters (ListenBrainz truncates titles to 100 for Spotify); in 2017 names over 200
# characters made the API answer 500, later a 4xx. Names are kept to 100 characters.
MAX_PLAYLIST_NAME: Final = 100
# Invisible characters that change how text around them is shown: the bidirectional controls
# (U+202E "right-to-left override" makes "exe.txt" read "txt.exe") and the byte order mark.
# Zero-width joiners and variation selectors stay allowed: emoji are made of them.
_HIDDEN: Final = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\ufeff"
)
_UNPRINTABLE_CATEGORIES: Final = frozenset({"Cc", "Cs", "Zl", "Zp"})

# What is wrong with a reference (`reference_problem`).
NOT_A_PLAYLIST: Final = "not_a_playlist"
NAME_TOO_LONG: Final = "name_too_long"
NAME_NOT_PRINTABLE: Final = "name_not_printable"


def name_key(name: str) -> str:
    """Return the lookup key of a playlist name: normalised, case-folded, spaces collapsed.

    NFKC makes "Cre\u0300me" and "Crème" (and full-width letters) the same name; case folding
    handles "Straße" and "STRASSE"; collapsing runs of white space forgives double spaces.
    """
    return _WHITESPACE.sub(" ", unicodedata.normalize("NFKC", name)).strip().casefold()


def is_playlist_id(text: str) -> bool:
    """Return whether text has the shape of a Spotify id (22 base-62 characters)."""
    return bool(_ID.match(text))


@dataclass(frozen=True, slots=True)
class PlaylistReference:
    """A parsed reference.

    `playlist_id` is set for URIs, URLs and bare ids; `name` is set for anything that may be a
    name — including a bare id, because a playlist may be called by a 22-character word.
    """

    raw: str
    playlist_id: str | None
    name: str | None


def _link_id(text: str, kind: str) -> str | None:
    """Return the id in an `https://open.spotify.com/[intl-xx/]<kind>/ID?si=…` link, if it is one."""
    if not text.lower().startswith(("http://", "https://", "open.spotify.com/")):
        return None
    url = urlparse(text if "://" in text else f"https://{text}")
    host = url.hostname or ""
    if host == "spotify.com" or host.endswith(".spotify.com"):
        parts = [part for part in url.path.split("/") if part]
        if kind in parts:
            index = parts.index(kind)
            if index + 1 < len(parts) and is_playlist_id(parts[index + 1]):
                return parts[index + 1]
    return None


def parse_reference(text: str) -> PlaylistReference:
    """Parse `spotify:playlist:ID`, `https://open.spotify.com/[intl-xx/]playlist/ID?si=…`, an id, or a name."""
    raw = text
    text = text.strip()
    if match := _URI.match(text):
        return PlaylistReference(raw=raw, playlist_id=match.group(1), name=None)
    if (playlist_id := _link_id(text, "playlist")) is not None:
        return PlaylistReference(raw=raw, playlist_id=playlist_id, name=None)
    if is_playlist_id(text):
        return PlaylistReference(raw=raw, playlist_id=text, name=text)
    return PlaylistReference(raw=raw, playlist_id=None, name=text)


def track_uri(text: str) -> str | None:
    """Return the `spotify:track:ID` a track URI or `open.spotify.com/track/ID` link names."""
    text = text.strip()
    if _TRACK_URI.match(text):
        return text
    track_id = _link_id(text, "track")
    return f"spotify:track:{track_id}" if track_id is not None else None


def printable(text: str) -> bool:
    """Return whether a name holds only characters that show.

    No control characters (NUL, ESC, line breaks) and no invisible direction overrides; letters
    and emoji of any script are fine.
    """
    return not any(
        char in _HIDDEN or unicodedata.category(char) in _UNPRINTABLE_CATEGORIES for char in text
    )


def reference_problem(text: object) -> str | None:
    """Return what keeps `text` from naming a playlist, or None when it can.

    `NOT_A_PLAYLIST`: not text, or a Spotify URI or link of something else (an album, a track),
    or a link to another site. `NAME_NOT_PRINTABLE` / `NAME_TOO_LONG`: a name Spotify would not
    show as written, or longer than `MAX_PLAYLIST_NAME` characters.
    """
    if not isinstance(text, str):
        return NOT_A_PLAYLIST
    reference = parse_reference(text)
    stripped = text.strip()
    if reference.name is None:
        return None  # a playlist URI or link
    lowered = stripped.lower()
    if lowered.startswith(("spotify:", "http://", "https://", "open.spotify.com/")):
        return NOT_A_PLAYLIST
    if not printable(stripped):
        return NAME_NOT_PRINTABLE
    if len(stripped) > MAX_PLAYLIST_NAME:
        return NAME_TOO_LONG
    return None


def shown(text: object, limit: int = 40) -> str:
    """Return a reference as an error message may show it: printable and at most `limit` long."""
    value = "".join("\ufffd" if not printable(char) else char for char in str(text))
    return value if len(value) <= limit else f"{value[: limit - 1]}…"
