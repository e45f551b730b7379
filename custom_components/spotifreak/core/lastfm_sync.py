"""The Last.fm top-tracks sync: a user's top tracks, matched on Spotify, into one playlist.

The standalone daemon's `lastfm_top_tracks`, without its flaws: `append` never clears the
playlist, a track with no matching search result is reported as unmatched instead of being
replaced by the first result, and an empty or wholly unmatched list never empties the playlist.

What the run is given in `ctx.extras` (the glue fills them; the keys are the constants below):
- `EXTRA_LASTFM_CLIENT` ("lastfm_client"): a `LastfmClient` with the configured API key.
  Missing, or without a key → `lastfm_not_configured`.
- `EXTRA_LASTFM_USERNAME` ("lastfm_username"): the default Last.fm user from the entry's options,
  used when `LastfmOptions.username` is empty (neither → `lastfm_not_configured`).
- `EXTRA_MATCH_CACHE` ("lastfm_match_cache"): a `MatchCache` shared by the account's Last.fm
  syncs (optional: without one every track is searched). The glue persists it after every run,
  failed ones included (`cache.dirty` says whether it changed).

What the run keeps in `ctx.state` (JSON-ready, persisted by the glue per sync):
- `STATE_TARGET` ("target"): `{"playlist_id", "snapshot_id", "uris"}` — what the playlist held
  at that snapshot, as this sync last wrote (or read) it. While the playlist cache still shows
  that snapshot the contents are known without reading the playlist, so an unchanged weekly run
  costs no Spotify call at all once its tracks are in the match cache. After a write whose
  outcome is unknown the entry is dropped, so the next run reads the playlist.

Order of work, so that bad input never writes anything: the options are checked, the playlist
resolved (a URI that is not found, or a name with `create_missing` off → `unknown_target`),
Last.fm asked (an unknown user → `lastfm_user_not_found`), the tracks matched, and only then is
the playlist created if missing and written — under the target's lock.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
import logging
from typing import Any, Final

from .context import SyncContext
from .engine import SyncInputError, apply_error
from .errors import (
    LastfmUserNotFoundError,
    SpotifreakError,
    SpotifyAuthError,
    SpotifyError,
    SpotifyForbiddenError,
    SpotifyNotFoundError,
)
from .lastfm import PERIODS, LastfmClient, LastfmTopTrack
from .matching import MatchCache, best_candidate, search_queries
from .patterns import PatternError, is_pattern, render
from .records import PlaylistRecord
from .references import name_key, parse_reference
from .runs import RunRecord, RunStatus
from .spotify import SEARCH_LIMIT_MAX, SpotifyClient, chunked

_LOGGER = logging.getLogger(__name__)

SYNC_TYPE: Final = "lastfm_top_tracks"
EXTRA_LASTFM_CLIENT: Final = "lastfm_client"
EXTRA_LASTFM_USERNAME: Final = "lastfm_username"
EXTRA_MATCH_CACHE: Final = "lastfm_match_cache"
STATE_TARGET: Final = "target"

LIMIT_MIN: Final = 1
LIMIT_MAX: Final = 100
MODE_REPLACE: Final = "replace"
MODE_APPEND: Final = "append"
MODES: Final = (MODE_REPLACE, MODE_APPEND)
PLAYLIST_DESCRIPTION: Final = "Last.fm top tracks of {username} ({period}), kept by Spotifreak."

# Reasons (short slugs) a run can end with, besides the engine's.
REASON_UNCHANGED: Final = "unchanged"
REASON_ALREADY_PRESENT: Final = "already_present"
REASON_NO_TOP_TRACKS: Final = "no_top_tracks"
REASON_NOTHING_MATCHED: Final = "nothing_matched"
REASON_TARGET_FORBIDDEN: Final = "target_forbidden"
REASON_TARGET_NOT_FOUND: Final = "target_not_found"


@dataclass(frozen=True, slots=True)
class LastfmOptions:
    """The options of `spotifreak.lastfm_top_tracks` and of the configured sync."""

    playlist: str  # name, URI, URL, id or date pattern
    username: str | None = None  # None or "" → the entry's default (EXTRA_LASTFM_USERNAME)
    period: str = "7day"
    limit: int = 10
    mode: str = MODE_REPLACE
    create_missing: bool = True
    public: bool = False

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> LastfmOptions:
        """Build from an action call's or a subentry's data (unknown keys are ignored)."""
        username = data.get("username")
        return cls(
            playlist=str(data.get("playlist") or ""),
            username=str(username) if username else None,
            period=str(data.get("period") or "7day"),
            limit=int(data.get("limit", 10)),
            mode=str(data.get("mode") or MODE_REPLACE),
            create_missing=bool(data.get("create_missing", True)),
            public=bool(data.get("public", False)),
        )

    def as_dict(self) -> dict[str, Any]:
        """The stored form (subentry data)."""
        return {
            "playlist": self.playlist,
            "username": self.username,
            "period": self.period,
            "limit": self.limit,
            "mode": self.mode,
            "create_missing": self.create_missing,
            "public": self.public,
        }

    def check(self) -> None:
        """Raise `SyncInputError` for options no run can use (no call needed)."""
        if self.period not in PERIODS:
            raise SyncInputError(
                "unknown_period",
                f"Unknown Last.fm period {self.period!r} (one of {', '.join(PERIODS)})",
                {"period": str(self.period), "periods": ", ".join(PERIODS)},
            )
        if isinstance(self.limit, bool) or not LIMIT_MIN <= self.limit <= LIMIT_MAX:
            raise SyncInputError(
                "limit_out_of_range",
                f"The limit must be between {LIMIT_MIN} and {LIMIT_MAX}, not {self.limit}",
                {"limit": str(self.limit), "min": str(LIMIT_MIN), "max": str(LIMIT_MAX)},
            )
        if self.mode not in MODES:
            raise SyncInputError(
                "invalid_option",
                f"Unknown mode {self.mode!r} (one of {', '.join(MODES)})",
                {"option": "mode", "value": str(self.mode)},
            )
        if not self.playlist or not self.playlist.strip():
            raise SyncInputError(
                "unknown_target", "No playlist was given", {"target": self.playlist or ""}
            )


@dataclass(slots=True)
class MatchOutcome:
    """The top tracks matched: URIs in rank order (duplicates dropped) and what did not match."""

    uris: list[str] = field(default_factory=list)
    unmatched: list[LastfmTopTrack] = field(default_factory=list)
    duplicates: int = 0  # two Last.fm entries for one Spotify track (e.g. a remaster)
    searched: int = 0  # tracks the match cache could not answer


@dataclass(slots=True)
class _Target:
    """The run's playlist and what happened to it (`record.targets`, the mirror's shape)."""

    name: str  # the reference after rendering a pattern
    record: PlaylistRecord | None = None
    created: bool = False
    status: str = "not_attempted"
    added: int = 0
    removed: int = 0
    reason: str | None = None
    error: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "playlist": self.record.id if self.record else None,
            "name": self.record.name if self.record else self.name,
            "status": self.status,
            "added": self.added,
            "removed": self.removed,
            "created": self.created,
            "reason": self.reason,
            "error": self.error,
        }


# -- the run ---------------------------------------------------------------------------------------


async def run_lastfm_top_tracks(
    ctx: SyncContext, options: LastfmOptions, record: RunRecord
) -> None:
    """Run the sync once, filling `record` (status, reason, counts, unmatched, targets).

    Raises `SyncInputError` before anything is written for bad input. Last.fm failures and
    Spotify failures before the first write escape to the engine, which maps them; a failure
    while writing ends the run `rate_limited`, `partial` or `failed` with the target's details.
    """
    options.check()
    client = ctx.extras.get(EXTRA_LASTFM_CLIENT)
    username = (options.username or ctx.extras.get(EXTRA_LASTFM_USERNAME) or "").strip()
    if not isinstance(client, LastfmClient) or not client.configured or not username:
        raise SyncInputError(
            "lastfm_not_configured",
            "Last.fm is not configured: set the API key and user name in the options",
        )
    cache = ctx.extras.get(EXTRA_MATCH_CACHE)
    match_cache = cache if isinstance(cache, MatchCache) else None

    target = _Target(name=render_playlist(options.playlist, ctx))
    resolution = await ctx.playlists.resolve(target.name)
    if resolution is None and not _creatable(target.name, options):
        raise SyncInputError(
            "unknown_target", f"Playlist {target.name!r} was not found", {"target": target.name}
        )
    if resolution is not None:
        target.record = resolution.record
        if not _writable(ctx, resolution.record):
            _fail_target(
                record,
                target,
                REASON_TARGET_FORBIDDEN,
                f"{resolution.record.name!r} belongs to {resolution.record.owner} "
                "and is not collaborative",
            )
            return

    try:
        top = await client.top_tracks(username, options.period, options.limit)
    except LastfmUserNotFoundError:
        raise SyncInputError(
            "lastfm_user_not_found", f"Last.fm user {username!r} not found", {"username": username}
        ) from None

    outcome = await match_tracks(ctx, top, match_cache)
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
    if not outcome.uris:
        # Never empty a playlist because Last.fm had nothing (or nothing matched).
        record.status = RunStatus.NOOP
        record.reason = REASON_NO_TOP_TRACKS if not top else REASON_NOTHING_MATCHED
        return

    if target.record is None:
        await _ensure_target(ctx, options, target, username)
    assert target.record is not None
    async with ctx.target_lock(target.record.id):
        try:
            if options.mode == MODE_REPLACE:
                await _replace(ctx, target, outcome.uris)
            else:
                await _append(ctx, target, outcome.uris, record)
        except SpotifyAuthError:
            raise
        except SpotifyError as err:
            _spotify_failure(record, target, err)
        finally:
            record.added = target.added
            record.removed = target.removed
            record.targets = [target.as_dict()]
    if target.status == "success":
        record.status, record.reason = RunStatus.SUCCESS, None
    elif target.status == "noop":
        record.status = RunStatus.UNCHANGED if options.mode == MODE_REPLACE else RunStatus.NOOP
        record.reason = target.reason


async def match_tracks(
    ctx: SyncContext, tracks: Sequence[LastfmTopTrack], cache: MatchCache | None
) -> MatchOutcome:
    """Match each track: the match cache first, then one executor job per track that searches
    strictly, then relaxed. New answers (matches and misses) go into the cache as they come, so a
    run stopped by a rate limit keeps what it learnt."""
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
    client: SpotifyClient, artist: str, title: str, *, duration: int = 0
) -> str | None:
    """Blocking: the URI of the matching track (strict query, then relaxed), or None."""
    for query in search_queries(artist, title):
        candidates = client.search_tracks(query, limit=SEARCH_LIMIT_MAX)
        found = best_candidate(artist, title, candidates, duration=duration)
        if found is not None:
            return str(found["uri"])
    return None


def _search_job(track: LastfmTopTrack) -> Callable[[SpotifyClient], str | None]:
    return lambda client: search_track(client, track.artist, track.title, duration=track.duration)


def _put_job(playlist_id: str, uris: list[str]) -> Callable[[SpotifyClient], str]:
    return lambda client: client.replace_items(playlist_id, uris)


def _post_job(playlist_id: str, uris: list[str]) -> Callable[[SpotifyClient], str]:
    return lambda client: client.add_items(playlist_id, uris)


# -- the target playlist ---------------------------------------------------------------------------


def render_playlist(reference: str, ctx: SyncContext) -> str:
    """The playlist reference, a date pattern rendered for `ctx.now()` (`invalid_pattern`)."""
    if not is_pattern(reference):
        return reference.strip()
    try:
        return render(reference, ctx.now())
    except PatternError as err:
        raise SyncInputError(
            "invalid_pattern", str(err), {"pattern": reference, "problem": err.problem}
        ) from None


def _creatable(reference: str, options: LastfmOptions) -> bool:
    """Only a name can be created; a URI, URL or id that is not found is a mistake."""
    return options.create_missing and parse_reference(reference).playlist_id is None


def _writable(ctx: SyncContext, playlist: PlaylistRecord) -> bool:
    """Owned, or collaborative (the account may be a collaborator): worth trying."""
    return playlist.collaborative or not playlist.owner or playlist.owner == ctx.playlists.user_id


async def _ensure_target(
    ctx: SyncContext, options: LastfmOptions, target: _Target, username: str
) -> None:
    """Create the missing playlist, unless a concurrent run created it meanwhile."""
    async with ctx.target_lock(f"create:{name_key(target.name)}"):
        resolution = await ctx.playlists.resolve(target.name)
        if resolution is not None:
            target.record = resolution.record
            return
        description = PLAYLIST_DESCRIPTION.format(username=username, period=options.period)
        created = await ctx.run_spotify(
            lambda client: client.create_playlist(
                target.name, public=options.public, description=description
            )
        )
        new = PlaylistRecord.from_api(created)
        if new is None:
            raise SpotifreakError("Spotify created a playlist without an id")
        if not new.owner:
            new = replace(new, owner=ctx.playlists.user_id)
        ctx.playlists.remember(new)
        _know(ctx, new, [], new.snapshot_id)
        target.record = new
        target.created = True
        _LOGGER.debug("Created playlist %r (%s)", new.name, new.id)


def _known(ctx: SyncContext, playlist_id: str) -> list[str] | None:
    """The contents kept in the state, if the playlist cache still reports their snapshot."""
    known = ctx.state.get(STATE_TARGET)
    cached = ctx.playlists.cached(playlist_id)
    if (
        isinstance(known, Mapping)
        and known.get("playlist_id") == playlist_id
        and isinstance(known.get("uris"), list)
        and cached is not None
        and known.get("snapshot_id")
        and known.get("snapshot_id") == cached.snapshot_id
    ):
        return [str(uri) for uri in known["uris"]]
    return None


async def _contents(ctx: SyncContext, playlist: PlaylistRecord) -> list[str | None]:
    """What the playlist holds, in order (None for unavailable entries): the state's copy while
    the cache confirms it, otherwise read (and kept, with the cache's snapshot: at worst that
    costs one more read later)."""
    known = _known(ctx, playlist.id)
    if known is not None:
        return list(known)
    items = await ctx.run_spotify(lambda client: client.playlist_items(playlist.id))
    uris = [item.uri if item.kind != "unavailable" else None for item in items]
    cached = ctx.playlists.cached(playlist.id)
    _know(ctx, playlist, uris, cached.snapshot_id if cached is not None else "")
    return uris


def _know(
    ctx: SyncContext, playlist: PlaylistRecord, uris: Sequence[str | None], snapshot_id: str
) -> None:
    """Keep the contents of the playlist at `snapshot_id` (or forget them when not exact)."""
    if snapshot_id and all(uri is not None for uri in uris):
        ctx.state[STATE_TARGET] = {
            "playlist_id": playlist.id,
            "snapshot_id": snapshot_id,
            "uris": [str(uri) for uri in uris],
        }
    else:
        ctx.state.pop(STATE_TARGET, None)


def _wrote(ctx: SyncContext, target: _Target, snapshot_id: str, size: int) -> None:
    """Tell the playlist cache the snapshot and size after a write."""
    assert target.record is not None
    base = ctx.playlists.cached(target.record.id) or target.record
    target.record = replace(
        base, snapshot_id=snapshot_id or base.snapshot_id, tracks_total=max(0, size)
    )
    if snapshot_id:
        ctx.playlists.remember(target.record)


async def _replace(ctx: SyncContext, target: _Target, wanted: list[str]) -> None:
    """Make the playlist hold exactly `wanted`, in order: PUT the first 100, POST the rest."""
    assert target.record is not None
    playlist = target.record
    current = [] if target.created else await _contents(ctx, playlist)
    if current == wanted:
        target.status, target.reason = "noop", REASON_UNCHANGED
        return
    present = {uri for uri in current if uri is not None}
    wanted_set = set(wanted)
    added = sum(1 for uri in wanted if uri not in present)
    removed = sum(1 for uri in current if uri not in wanted_set)
    written = 0
    try:
        for index, chunk in enumerate(chunked(wanted)):
            job = _put_job if index == 0 else _post_job
            snapshot = await ctx.run_spotify(job(playlist.id, chunk))
            written += len(chunk)
            if index == 0:
                target.added, target.removed = added, removed  # the PUT did that much
            _wrote(ctx, target, snapshot, written)
    except BaseException:
        ctx.state.pop(STATE_TARGET, None)  # a write may have been applied: read next time
        raise
    _know(ctx, playlist, wanted, target.record.snapshot_id)
    target.status = "success"


async def _append(ctx: SyncContext, target: _Target, wanted: list[str], record: RunRecord) -> None:
    """Add the wanted tracks the playlist does not hold yet, at its end, in rank order."""
    assert target.record is not None
    playlist = target.record
    current = [] if target.created else await _contents(ctx, playlist)
    present = {uri for uri in current if uri is not None}
    missing = [uri for uri in wanted if uri not in present]
    record.skipped += len(wanted) - len(missing)
    if not missing:
        target.status, target.reason = "noop", REASON_ALREADY_PRESENT
        return
    contents = list(current)
    try:
        for chunk in chunked(missing):
            snapshot = await ctx.run_spotify(_post_job(playlist.id, chunk))
            contents.extend(chunk)
            target.added += len(chunk)
            _wrote(ctx, target, snapshot, len(contents))
    except BaseException:
        ctx.state.pop(STATE_TARGET, None)  # a write may have been applied: read next time
        raise
    _know(ctx, playlist, contents, target.record.snapshot_id)
    target.status = "success"


# -- failures ----------------------------------------------------------------------------------------


def _fail_target(record: RunRecord, target: _Target, reason: str, error: str) -> None:
    target.status, target.reason, target.error = "failed", reason, error
    record.status, record.reason, record.error = RunStatus.FAILED, reason, error
    record.targets = [target.as_dict()]


def _spotify_failure(record: RunRecord, target: _Target, err: SpotifyError) -> None:
    """A Spotify error while reading or writing the playlist: the engine's mapping, with the
    target's reasons for 403/404, and `partial` when something was already written."""
    apply_error(record, err)
    if isinstance(err, SpotifyForbiddenError):
        record.reason = REASON_TARGET_FORBIDDEN
    elif isinstance(err, SpotifyNotFoundError):
        record.reason = REASON_TARGET_NOT_FOUND
    if record.status is RunStatus.FAILED and (target.added or target.removed):
        record.status = RunStatus.PARTIAL
    target.status = "rate_limited" if record.status is RunStatus.RATE_LIMITED else "failed"
    target.reason, target.error = record.reason, record.error
