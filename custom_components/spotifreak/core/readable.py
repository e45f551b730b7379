"""Which playlists a sync may read: the one check every sync that reads a playlist makes.

Since February 2026 a development-mode app can read the items of a playlist only when the account
owns it or collaborates on it: Spotify-owned playlists (editorial and personalised ones such as
"Today's Top Hits" or "Discover Weekly") answer 404, other users' playlists 403. The liked songs
are always readable. This is judged from the cached record (its owner and whether it is
collaborative), without a call, so a form and an action refuse such a source before anything is
written — the same way for a mirror's source and for a playlist a retention prunes or whose
duplicates are removed (both read the playlist before they edit it).
"""

from __future__ import annotations

from typing import Final

from .engine import SyncInputError
from .records import PlaylistRecord

SPOTIFY_OWNER: Final = "spotify"  # the owner id of Spotify's own playlists

# Why a playlist cannot be read: translation keys of the form errors and the action errors.
UNREADABLE_SPOTIFY_OWNED: Final = "unreadable_spotify_owned"
UNREADABLE_OTHER_USERS: Final = "unreadable_other_users"
UNREADABLE_NOT_FOUND: Final = "unreadable_not_found"  # forms only: actions say `unknown_source`


def unreadable(record: PlaylistRecord | None, user_id: str) -> str | None:
    """Return why the account cannot read a playlist's items (a key above), or None if it can.

    None as `record` is a playlist the cache and Spotify do not know (or hide).
    """
    if record is None:
        return UNREADABLE_NOT_FOUND
    if record.owner == SPOTIFY_OWNER:
        return UNREADABLE_SPOTIFY_OWNED
    if record.closed_to(user_id):
        return UNREADABLE_OTHER_USERS
    return None


def check_readable(record: PlaylistRecord, user_id: str) -> None:
    """Raise `SyncInputError` (nothing written yet) unless the account can read the playlist."""
    problem = unreadable(record, user_id)
    if problem is None:
        return
    whose = "Spotify's own" if problem == UNREADABLE_SPOTIFY_OWNED else f"{record.owner}'s"
    raise SyncInputError(
        problem,
        f"The playlist {record.name!r} is {whose}: Spotify lets this app read only playlists "
        "the account owns or collaborates on",
        {"playlist": record.name, "owner": record.owner},
    )
