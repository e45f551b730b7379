"""The Last.fm top-tracks sync: a user's top tracks, matched on Spotify, into one playlist.

`append` never clears the playlist; a track with no matching search result is reported as
unmatched, never replaced by another song; an empty or wholly unmatched list never empties the
playlist.

What the run is given in `ctx.lastfm` (a `LastfmContext`): the Last.fm client (without one, or
without an API key → `lastfm_not_configured`), the account's default Last.fm user (used when
`LastfmOptions.username` is empty; neither → `lastfm_not_configured`), and the match cache
shared by the account's Last.fm syncs (optional: without one every track is searched; the glue
persists it after every run, failed ones included).

What the run keeps in `ctx.state` (JSON-ready, persisted by the glue per sync):
- `STATE_TARGET` ("target"): `{"playlist_id", "snapshot_id", "uris"}` — what the playlist held
  at that snapshot, in order, as this sync last wrote (or read) it. While the playlist cache
  still shows that snapshot the contents are known without reading the playlist, so an unchanged
  weekly run costs no Spotify call at all once its tracks are in the match cache
  (`core/targets.py`).

Order of work, so that bad input never writes anything: the options are checked, the playlist
resolved (a URI that is not found, or a name with `create_missing` off → `unknown_target`),
Last.fm asked (an unknown user → `lastfm_user_not_found`), the tracks matched, and only then is
the playlist created if missing and written — under the target's lock.

Replacing is destructive, so `replace` is guarded: it replaces only a playlist Spotifreak created
(the playlist history knows which) or one the options allow (`allow_replace`) —
`replace_not_allowed` otherwise, before Last.fm is asked; and never a playlist holding local
files, which no write can put back, unless `allow_local_loss` — `replace_loses_local_files`,
once its contents are known, before anything is written. What a replace removes is kept as a
version in the playlist history first (`target_writer.py`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
import logging
from typing import Final

from .context import SyncContext
from .engine import SyncInputError
from .errors import LastfmUserNotFoundError
from .history import holds_local_files
from .lastfm import LastfmClient, LastfmTopTrack
from .lastfm_options import MODE_REPLACE, LastfmOptions
from .match_cache import MatchCache
from .matching import best_candidate, search_queries
from .reasons import (
    REASON_ALREADY_PRESENT,
    REASON_NO_TOP_TRACKS,
    REASON_NOTHING_MATCHED,
    REASON_UNCHANGED,
)
from .runs import RunRecord, RunStatus
from .spotify import SEARCH_LIMIT_MAX, SpotifyClient
from .target_contents import Contents, ContentsOfOnePlaylist
from .target_open import open_target
from .target_writer import TargetWriter
from .targets import (
    Target,
    TargetStatus,
    conclude_one_target,
    find_target,
    refuse_unwritable,
    render_target,
    target_errors,
)

_LOGGER = logging.getLogger(__name__)

STATE_TARGET: Final = "target"
PLAYLIST_DESCRIPTION: Final = "Last.fm top tracks of {username} ({period}), kept by Spotifreak."


@dataclass(slots=True)
class MatchOutcome:
    """The top tracks matched: URIs in rank order (duplicates dropped) and what did not match."""

    uris: list[str] = field(default_factory=list)
    unmatched: list[LastfmTopTrack] = field(default_factory=list)
    duplicates: int = 0  # two Last.fm entries for one Spotify track (e.g. a remaster)
    searched: int = 0  # tracks the match cache could not answer


async def run_lastfm_top_tracks(
    ctx: SyncContext, options: LastfmOptions, record: RunRecord
) -> None:
    """Run the sync once, filling `record` (status, reason, counts, unmatched, targets).

    Raises `SyncInputError` before anything is written for bad input. Last.fm failures and
    Spotify failures before the first write escape to the engine, which maps them; a failure
    while writing ends the run `rate_limited`, `partial` or `failed` with the target's details.
    """
    options.check()
    client, username, match_cache = _lastfm(ctx, options)
    target = render_target(options.playlist, ctx.now())
    target.reports_removed = True
    await find_target(ctx, target, create_missing=options.create_missing)
    if refuse_unwritable(ctx, target):
        _conclude(record, target, options)
        return
    _check_replace_allowed(ctx, options, target)
    try:
        top = await client.top_tracks(username, options.period, options.limit)
    except LastfmUserNotFoundError:
        raise SyncInputError(
            "lastfm_user_not_found", f"Last.fm user {username!r} not found", {"username": username}
        ) from None
    outcome = await match_tracks(ctx, top, match_cache)
    _record_matches(record, outcome, top, username)
    if not outcome.uris:
        # Never empty a playlist because Last.fm had nothing (or nothing matched).
        record.status = RunStatus.NOOP
        record.reason = REASON_NO_TOP_TRACKS if not top else REASON_NOTHING_MATCHED
        return
    try:
        with target_errors(target):
            await _write(ctx, options, target, outcome.uris, username, record)
    finally:
        _conclude(record, target, options)


def _lastfm(
    ctx: SyncContext, options: LastfmOptions
) -> tuple[LastfmClient, str, MatchCache | None]:
    """Return the Last.fm client, the user and the match cache (`lastfm_not_configured`)."""
    client = ctx.lastfm.client
    username = (options.username or ctx.lastfm.username or "").strip()
    if not isinstance(client, LastfmClient) or not client.configured or not username:
        raise SyncInputError(
            "lastfm_not_configured",
            "Last.fm is not configured: set the API key and user name in the options",
        )
    return client, username, ctx.lastfm.match_cache


def _check_replace_allowed(ctx: SyncContext, options: LastfmOptions, target: Target) -> None:
    """Refuse to replace an existing playlist Spotifreak did not create, unless it is allowed."""
    record = target.record
    if (
        options.mode != MODE_REPLACE
        or record is None
        or options.allow_replace
        or ctx.playlist_history.is_created(record.id)
    ):
        return
    raise SyncInputError(
        "replace_not_allowed",
        f"{record.name!r} was not created by Spotifreak: replacing it needs allow_replace",
        {"playlist": record.name},
    )


def _record_matches(
    record: RunRecord, outcome: MatchOutcome, top: Sequence[LastfmTopTrack], username: str
) -> None:
    record.unmatched = [track.as_dict() for track in outcome.unmatched]
    record.skipped = outcome.duplicates
    _LOGGER.debug(
        "%s: %d top tracks of %s, %d matched, %d unmatched, %d searched",
        record.sync_id,
        len(top),
        username,
        len(outcome.uris),
        len(outcome.unmatched),
        outcome.searched,
    )


async def match_tracks(
    ctx: SyncContext, tracks: Sequence[LastfmTopTrack], cache: MatchCache | None
) -> MatchOutcome:
    """Match each track: the match cache first, then one executor job per track.

    The job searches strictly, then relaxed. New answers (matches and misses) go into the cache
    as they come, so a run stopped by a rate limit keeps what it learnt.
    """
    outcome = MatchOutcome()
    seen: set[str] = set()
    for track in tracks:
        cached = cache.lookup(track.artist, track.title) if cache is not None else None
        if cached is not None:
            uri = cached.uri
        else:
            outcome.searched += 1
            uri = await ctx.run_spotify(_search_job(track))
            if cache is not None:
                if uri is None:
                    cache.remember_miss(track.artist, track.title)
                else:
                    cache.remember_match(track.artist, track.title, uri)
        if uri is None:
            outcome.unmatched.append(track)
        elif uri in seen:
            outcome.duplicates += 1
        else:
            seen.add(uri)
            outcome.uris.append(uri)
    return outcome


def search_track(
    client: SpotifyClient, artist: str, title: str, *, duration: int = 0, isrc: str = ""
) -> str | None:
    """Return the URI of the matching track (strict query, then relaxed), or None. Blocking."""
    for query in search_queries(artist, title):
        candidates = client.search_tracks(query, limit=SEARCH_LIMIT_MAX)
        found = best_candidate(artist, title, candidates, duration=duration, isrc=isrc)
        if found is not None:
            return str(found["uri"])
    return None


def _search_job(track: LastfmTopTrack) -> Callable[[SpotifyClient], str | None]:
    return lambda client: search_track(
        client, track.artist, track.title, duration=track.duration, isrc=track.isrc
    )


async def _write(
    ctx: SyncContext,
    options: LastfmOptions,
    target: Target,
    wanted: list[str],
    username: str,
    record: RunRecord,
) -> None:
    """Create the playlist if missing, then replace or append to its contents under its lock."""
    contents = ContentsOfOnePlaylist(ctx.state, STATE_TARGET)
    description = PLAYLIST_DESCRIPTION.format(username=username, period=options.period)
    async with open_target(
        ctx, target, contents, public=options.public, description=description, exact=True
    ) as writer:
        if writer is None:
            return
        if options.mode == MODE_REPLACE:
            current = await writer.contents_unless(wanted)
            if holds_local_files(current) and not options.allow_local_loss:
                raise SyncInputError(
                    "replace_loses_local_files",
                    f"{target.name!r} holds local files, which a replace would lose",
                    {"playlist": target.name},
                )
            await _replace(writer, target, current, wanted)
        else:
            await _append(writer, target, await writer.contents(), wanted, record)


async def _replace(
    writer: TargetWriter, target: Target, current: Contents, wanted: list[str]
) -> None:
    """Make the playlist hold exactly `wanted`, in order, unless it already does."""
    if current == wanted:
        target.status, target.reason = TargetStatus.NOOP, REASON_UNCHANGED
    else:
        await writer.replace(wanted)


async def _append(
    writer: TargetWriter,
    target: Target,
    current: Contents,
    wanted: list[str],
    record: RunRecord,
) -> None:
    """Add the wanted tracks the playlist does not hold yet, at its end, in rank order."""
    present = {uri for uri in current if uri is not None}
    missing = [uri for uri in wanted if uri not in present]
    record.skipped += len(wanted) - len(missing)
    if missing:
        await writer.add(missing)
    else:
        target.status, target.reason = TargetStatus.NOOP, REASON_ALREADY_PRESENT


def _conclude(record: RunRecord, target: Target, options: LastfmOptions) -> None:
    """Set the run's status from its playlist's outcome (a replace that changed nothing: unchanged)."""
    unchanged = RunStatus.UNCHANGED if options.mode == MODE_REPLACE else RunStatus.NOOP
    conclude_one_target(record, target, unchanged=unchanged)
