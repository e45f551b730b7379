"""Playlist references as users write them: names, URIs, open.spotify.com URLs, bare ids."""

from __future__ import annotations

from dataclasses import dataclass
import re
import unicodedata
from urllib.parse import urlparse

_ID = re.compile(r"^[0-9A-Za-z]{22}$")
_URI = re.compile(r"^spotify:(?:user:[^:]+:)?playlist:([0-9A-Za-z]{22})$")
_WHITESPACE = re.compile(r"\s+")


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

    @property
    def name_key(self) -> str | None:
        """Return the lookup key of the name form, if any."""
        return name_key(self.name) if self.name is not None else None


def parse_reference(text: str) -> PlaylistReference:
    """Parse `spotify:playlist:ID`, `https://open.spotify.com/[intl-xx/]playlist/ID?si=…`, an id, or a name."""
    raw = text
    text = text.strip()
    if match := _URI.match(text):
        return PlaylistReference(raw=raw, playlist_id=match.group(1), name=None)
    if text.lower().startswith(("http://", "https://", "open.spotify.com/")):
        url = urlparse(text if "://" in text else f"https://{text}")
        if url.hostname and url.hostname.endswith("spotify.com"):
            parts = [part for part in url.path.split("/") if part]
            if "playlist" in parts:
                index = parts.index("playlist")
                if index + 1 < len(parts) and is_playlist_id(parts[index + 1]):
                    return PlaylistReference(raw=raw, playlist_id=parts[index + 1], name=None)
    if is_playlist_id(text):
        return PlaylistReference(raw=raw, playlist_id=text, name=text)
    return PlaylistReference(raw=raw, playlist_id=None, name=text)
