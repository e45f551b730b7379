"""The reasons a run or a target can end with: short slugs in run records, events and the UI.

They are part of the public surface (automations compare them), so each is declared here once.
"""

from __future__ import annotations

from typing import Final

from .errors import SpotifyQuotaError

# Set by the engine for failures that escape a sync.
REASON_INTERRUPTED: Final = "interrupted"
REASON_RATE_LIMITED: Final = "rate_limited"
REASON_QUOTA_EXCEEDED: Final = "quota_exceeded"  # a 429 naming QUOTA_EXCEEDED (status rate_limited)
REASON_SPOTIFY_UNAVAILABLE: Final = "spotify_unavailable"
REASON_SPOTIFY_AUTH: Final = "spotify_auth"
REASON_SPOTIFY_FORBIDDEN: Final = "spotify_forbidden"
REASON_SPOTIFY_NOT_FOUND: Final = "spotify_not_found"
REASON_SPOTIFY_ERROR: Final = "spotify_error"
REASON_LASTFM_AUTH: Final = "lastfm_auth"
REASON_LASTFM_USER_NOT_FOUND: Final = "lastfm_user_not_found"
REASON_LASTFM_UNAVAILABLE: Final = "lastfm_unavailable"
REASON_INTERNAL_ERROR: Final = "internal_error"

# A target playlist's outcome.
REASON_TARGET_NOT_FOUND: Final = "target_not_found"
REASON_TARGET_FORBIDDEN: Final = "target_forbidden"
REASON_TARGET_REJECTED: Final = "target_rejected"
REASON_CREATE_FAILED: Final = "create_failed"
REASON_ALREADY_PRESENT: Final = "already_present"
REASON_SNAPSHOT_FAILED: Final = "snapshot_failed"  # the version before a write was not saved
REASON_SAVE_FAILED: Final = "save_failed"  # the state before a write was not saved

# The mirror.
REASON_UP_TO_DATE: Final = "up_to_date"
REASON_SOURCE_EMPTY: Final = "source_empty"
REASON_NOTHING_ADDABLE: Final = "nothing_addable"
REASON_NOTHING_NEW: Final = "nothing_new"  # deduplication off: the source added nothing since
REASON_SOURCE_NOT_FOUND: Final = "source_not_found"
REASON_SOURCE_FORBIDDEN: Final = "source_forbidden"

# The Last.fm top tracks.
REASON_UNCHANGED: Final = "unchanged"
REASON_NO_TOP_TRACKS: Final = "no_top_tracks"
REASON_NOTHING_MATCHED: Final = "nothing_matched"

# The playlist rules (retention, duplicates).
REASON_NOTHING_TO_REMOVE: Final = "nothing_to_remove"
REASON_NO_DUPLICATES: Final = "no_duplicates"
REASON_NOT_PUT_BACK: Final = "not_put_back"  # a write failed after a DELETE: restore the version

# The playlist history.
REASON_UNRESTORABLE: Final = "unrestorable"  # local files (or unavailable entries) not put back


def rate_limit_reason(err: BaseException) -> str:
    """Return the reason of a run or target stopped by a 429: Spotify's quota, or a rate limit."""
    return REASON_QUOTA_EXCEEDED if isinstance(err, SpotifyQuotaError) else REASON_RATE_LIMITED
