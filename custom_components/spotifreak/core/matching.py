"""Matching a Last.fm (artist, title) to a Spotify track.

A search result is only ever accepted when its normalised title and its primary artist match the
Last.fm track; otherwise the track is reported as unmatched (adding the first result would add
wrong songs).

Normalisation (`fold`): Unicode compatibility form, diacritics removed, case folded, curly quotes
straightened, apostrophes dropped, "&" read as "and", every other punctuation mark a space.
`normalise_title` also drops "feat."/"ft."/"featuring"/"with" parts and version suffixes, bracketed
("(Live)", "[Remastered]") or dashed ("- Remastered 2011", "- Radio Edit"); `normalise_artist`
drops a "feat." part and a leading "the".

A suffix that is not a version note ("(Part 2)", "- Skrillex Remix") is distinctive: both titles
must then carry the same one, so "Song (Part 2)" never matches "Song (Part 1)".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
import re
from typing import Any, Final
import unicodedata

# -- normalisation ------------------------------------------------------------------------------

_QUOTES: Final = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "`": "'",
        "\u00b4": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u2013": "-",
        "\u2014": "-",
        "\u2212": "-",
    }
)
# Letters that NFKD does not decompose into a base letter and a combining mark.
_LETTERS: Final = str.maketrans(
    {
        "ø": "o",
        "Ø": "o",
        "æ": "ae",
        "Æ": "ae",
        "œ": "oe",
        "Œ": "oe",
        "đ": "d",
        "Đ": "d",
        "ł": "l",
        "Ł": "l",
        "ð": "d",
        "Ð": "d",
        "þ": "th",
        "Þ": "th",
        "\u0131": "i",  # dotless i
    }
)
_NON_WORD: Final = re.compile(r"[^\w]+")
_APOSTROPHE: Final = re.compile(r"'")
_SPACES: Final = re.compile(r"\s+")

# "Song (feat. X)", "Song [ft. X]", "Song (with X)"
_FEAT_BRACKET: Final = re.compile(
    r"[\(\[\{]\s*(?:feat\.?|ft\.?|featuring|with)\s[^\)\]\}]*[\)\]\}]", re.IGNORECASE
)
# "Song feat. X", "Song ft. X", "Song featuring X" (a bare "with" is part of many titles)
_FEAT_BARE: Final = re.compile(r"\s(?:feat\.|ft\.|featuring\s|feat\s|ft\s).*$", re.IGNORECASE)
# a trailing bracketed part: "(Live)", "[Remastered]", "{Demo}"
_BRACKET_SUFFIX: Final = re.compile(r"\s*[\(\[\{]([^\(\)\[\]\{\}]*)[\)\]\}]\s*$")
# a dashed part: "Song - Remastered 2011"; a hyphen inside a word ("Re-Wind") is not one
_DASH_SUFFIX: Final = re.compile(r"\s+-\s+(.*)$")
_LEADING_THE: Final = re.compile(r"^the\s+(?=\S)")

# Words that mark a suffix as a version note (the same song), after folding.
_VERSION_WORDS: Final = frozenset(
    {
        "remaster",
        "remastered",
        "remasters",
        "live",
        "edit",
        "radio",
        "version",
        "mono",
        "stereo",
        "single",
        "album",
        "deluxe",
        "edition",
        "bonus",
        "explicit",
        "clean",
        "original",
        "mix",
        "mixed",
        "acoustic",
        "demo",
        "instrumental",
        "unplugged",
        "session",
        "sessions",
        "recorded",
        "from",
        "soundtrack",
        "anniversary",
        "expanded",
        "extended",
        "reissue",
        "feat",
        "ft",
        "featuring",
        "with",
        "rerecorded",
        "rework",
    }
)
# Words that make a suffix distinctive (another song or another track) even beside version words.
_DISTINCT_WORDS: Final = frozenset(
    {
        "remix",
        "rmx",
        "part",
        "pt",
        "vol",
        "volume",
        "chapter",
        "reprise",
        "interlude",
        "intro",
        "outro",
    }
)
_YEAR: Final = re.compile(r"^(?:(?:19|20)\d\d|\d\d)s?$")
# Version notes that describe a different recording: preferred when both sides have them.
_FLAVOUR_WORDS: Final = {
    "remaster": "remaster",
    "remastered": "remaster",
    "remasters": "remaster",
    "live": "live",
    "unplugged": "live",
    "edit": "edit",
    "mono": "mono",
    "acoustic": "acoustic",
    "demo": "demo",
    "instrumental": "instrumental",
    "extended": "extended",
}


def fold(text: str) -> str:
    """Return the case-, diacritic- and punctuation-free form: "Don't Stop - Live" → "dont stop live".

    Text made only of punctuation or symbols folds to itself, trimmed and case folded, so that
    "?" and "!" stay different titles.
    """
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES).translate(_LETTERS)
    decomposed = unicodedata.normalize("NFKD", text)
    # Only the Latin-script diacritics: Japanese voicing marks (U+3099/309A) change the word.
    stripped = unicodedata.normalize(
        "NFC", "".join(ch for ch in decomposed if not "\u0300" <= ch <= "\u036f")
    )
    lowered = stripped.casefold().replace("&", " and ")
    words = _NON_WORD.sub(" ", _APOSTROPHE.sub("", lowered))
    result = _SPACES.sub(" ", words).strip()
    if not result:
        return _SPACES.sub(" ", text).strip().casefold()
    return result


@dataclass(frozen=True, slots=True)
class TitleParts:
    """A title split into its core and the suffixes that were removed (each folded)."""

    core: str
    suffixes: tuple[str, ...]

    @property
    def distinctive(self) -> frozenset[str]:
        """Return the suffixes that are not version notes: "(Part 2)", "- Skrillex Remix"."""
        return frozenset(suffix for suffix in self.suffixes if not _is_version_note(suffix))

    @property
    def flavours(self) -> frozenset[str]:
        """Return the kinds of recording the version notes describe ("live", "remaster", ...)."""
        return frozenset(
            _FLAVOUR_WORDS[word]
            for suffix in self.suffixes
            for word in suffix.split()
            if word in _FLAVOUR_WORDS
        )


def _is_version_note(folded_suffix: str) -> bool:
    words = folded_suffix.split()
    if not words:
        return True
    if any(word in _DISTINCT_WORDS for word in words):
        return False  # "Part 2" is another song; someone else's remix is another track
    return any(word in _VERSION_WORDS or _YEAR.match(word) for word in words)


def split_title(title: str) -> TitleParts:
    """Split off "feat." parts and bracketed or dashed suffixes, repeatedly, from the end."""
    text = unicodedata.normalize("NFKC", title).translate(_QUOTES).strip()
    text = _FEAT_BRACKET.sub(" ", text)
    text = _FEAT_BARE.sub("", text).strip()
    suffixes: list[str] = []
    while True:
        match = _BRACKET_SUFFIX.search(text)
        if match and match.start() > 0:
            suffixes.append(fold(match.group(1)))
            text = text[: match.start()].rstrip()
            continue
        match = _DASH_SUFFIX.search(text)
        if match and match.start() > 0:
            suffixes.append(fold(match.group(1)))
            text = text[: match.start()].rstrip()
            continue
        break
    core = fold(text)
    if not core:
        core = fold(title)
    return TitleParts(core=core, suffixes=tuple(s for s in reversed(suffixes) if s))


def normalise_title(title: str) -> str:
    """Return the comparable core of a title: "Heroes - 2017 Remaster" → "heroes"."""
    return split_title(title).core


def primary_artist_text(artist: str) -> str:
    """Return a Last.fm artist without its "feat." part, as written: "A feat. B" → "A"."""
    text = unicodedata.normalize("NFKC", artist).strip()
    text = _FEAT_BRACKET.sub(" ", text)
    stripped = _FEAT_BARE.sub("", text).strip()
    return stripped or artist.strip()


def normalise_artist(artist: str) -> str:
    """Return the comparable form of an artist: "The Beatles feat. Billy Preston" → "beatles"."""
    folded = fold(primary_artist_text(artist))
    return _LEADING_THE.sub("", folded) or folded


_ARTIST_SEPARATORS: Final = re.compile(
    r"\s*(?:,|;|/|\s&\s|\sand\s|\sx\s|\svs\.?\s)\s*", re.IGNORECASE
)


def artist_variants(artist: str) -> frozenset[str]:
    """Return the ways a Last.fm artist may name a Spotify primary artist.

    The whole name ("Amadou & Mariam" is one act), and the first of several credited artists
    ("Calvin Harris & Dua Lipa" is Calvin Harris with a guest).
    """
    variants = {normalise_artist(artist)}
    first = _ARTIST_SEPARATORS.split(primary_artist_text(artist), maxsplit=1)[0]
    if first:
        variants.add(normalise_artist(first))
    return frozenset(variant for variant in variants if variant)


_ISRC: Final = re.compile(r"^[A-Z]{2}[A-Z0-9]{3}[0-9]{7}$")


def normalise_isrc(value: Any) -> str:
    """Return an ISRC in its 12-character form ("US-RC1-76-07839" → "USRC17607839"); "" if none."""
    text = str(value or "").replace("-", "").replace(" ", "").upper()
    return text if _ISRC.match(text) else ""


def candidate_isrc(candidate: Mapping[str, Any]) -> str:
    """Return a Spotify TrackObject's ISRC (`external_ids.isrc`, back since March 2026)."""
    external = candidate.get("external_ids")
    return normalise_isrc(external.get("isrc")) if isinstance(external, Mapping) else ""


# -- queries ------------------------------------------------------------------------------------


def _quoted(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def strict_query(artist: str, title: str) -> str:
    """Return `track:"…" artist:"…"` with the title as Last.fm has it (quotes escaped)."""
    return f"track:{_quoted(title.strip())} artist:{_quoted(primary_artist_text(artist))}"


def relaxed_query(artist: str, title: str) -> str:
    """Return free text: the title without "feat." parts and suffixes, then the primary artist.

    Quotes and field prefixes are removed so that nothing in the names is read as syntax.
    """
    text = unicodedata.normalize("NFKC", title).translate(_QUOTES).strip()
    text = _FEAT_BRACKET.sub(" ", text)
    text = _FEAT_BARE.sub("", text).strip()
    while True:
        match = _BRACKET_SUFFIX.search(text)
        if match and match.start() > 0:
            text = text[: match.start()].rstrip()
            continue
        match = _DASH_SUFFIX.search(text)
        if match and match.start() > 0:
            text = text[: match.start()].rstrip()
            continue
        break
    words = f"{text or title} {primary_artist_text(artist)}".replace('"', " ").replace(":", " ")
    return _SPACES.sub(" ", words).strip()


def search_queries(artist: str, title: str) -> list[str]:
    """Return the queries to try, in order (the relaxed one only when it differs)."""
    queries = [strict_query(artist, title)]
    relaxed = relaxed_query(artist, title)
    if relaxed not in queries:
        queries.append(relaxed)
    return queries


# -- accepting a candidate -----------------------------------------------------------------------


def _candidate_artists(candidate: Mapping[str, Any]) -> list[str]:
    return [
        str(artist.get("name") or "")
        for artist in candidate.get("artists") or []
        if isinstance(artist, Mapping)
    ]


def is_match(artist: str, title: str, candidate: Mapping[str, Any]) -> bool:
    """Return whether a Spotify TrackObject is the Last.fm track.

    Its normalised title and its primary (first) artist must match; a distinctive suffix
    ("(Part 2)", "- X Remix") must be present on both sides. Local files and episodes never match.
    """
    uri = str(candidate.get("uri") or "")
    if not uri.startswith("spotify:track:") or candidate.get("is_local"):
        return False
    if candidate.get("type") not in (None, "track"):
        return False
    names = _candidate_artists(candidate)
    if not names or not names[0]:
        return False
    wanted = split_title(title)
    found = split_title(str(candidate.get("name") or ""))
    if wanted.core != found.core or wanted.distinctive != found.distinctive:
        return False
    primary = normalise_artist(names[0])
    if primary in artist_variants(artist):
        return True
    # Last.fm sometimes credits every artist: "A & B" for Spotify's [A, B].
    joined = fold(" ".join(names))
    return fold(primary_artist_text(artist)).replace(" and ", " ") == joined.replace(" and ", " ")


def _rank(
    artist: str, title: str, duration: int, isrc: str, candidate: Mapping[str, Any], index: int
) -> tuple[int, int, int, int, int, int, int]:
    other_recording = 1 if isrc and candidate_isrc(candidate) != isrc else 0
    name = str(candidate.get("name") or "")
    wanted = split_title(title)
    found = split_title(name)
    exact = 0 if fold(title) == fold(name) else 1
    flavour_gap = len(wanted.flavours ^ found.flavours)
    unplayable = 1 if candidate.get("is_playable") is False else 0
    credited = f" {fold(artist)} {fold(title)} "
    uncredited = sum(
        1 for guest in _candidate_artists(candidate)[1:] if f" {fold(guest)} " not in credited
    )
    length = _int(candidate.get("duration_ms")) // 1000
    duration_gap = abs(length - duration) if duration > 0 and length > 0 else 0
    return (other_recording, exact, flavour_gap, unplayable, uncredited, duration_gap, index)


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def best_candidate(
    artist: str,
    title: str,
    candidates: Sequence[Mapping[str, Any]],
    *,
    duration: int = 0,
    isrc: str = "",
) -> Mapping[str, Any] | None:
    """Return the best accepted candidate, or None — never an arbitrary first result.

    Among accepted candidates: the recording the Last.fm track names by `isrc`, when it names
    one (`external_ids.isrc`); then the exact title, then the one whose version notes describe
    the same kind of recording ("Live", "Remaster"), then a playable one, then one without guest
    artists Last.fm does not name, then the closest length (`duration` in seconds, 0 = unknown),
    then search order.
    """
    accepted = [
        (_rank(artist, title, duration, isrc, candidate, index), candidate)
        for index, candidate in enumerate(candidates)
        if candidate and is_match(artist, title, candidate)
    ]
    if not accepted:
        return None
    return min(accepted, key=lambda pair: pair[0])[1]
