"""Target playlists of a sync run: find or create them, read what they hold, write to them.

Every sync that writes into playlists goes through here, so that each rule exists once:
- a target is named as configured; a date pattern is rendered once per run (`render_target`);
- a missing target is created only when it is named by a name or a pattern (a URI, URL or id that
  is not found is a mistake, not a wish for a new playlist) and the run may create it; the creation
  happens under a lock on the name, so two runs naming the same new playlist create it once;
- someone else's playlist that is not collaborative is not written (`refuse_unwritable`);
- what a target holds is remembered in the sync's state as `{snapshot_id, uris}` and trusted only
  while the playlist cache reports that snapshot; otherwise the playlist is read;
- `TargetWriter` writes in chunks of 100 and keeps the remembered contents and the cache's record
  in step after every chunk; when a write's outcome is unknown (5xx, dropped connection,
  cancellation) or the playlist is gone (404) it forgets the contents, so the next run reads them;
- `target_errors` maps a Spotify failure to the target's outcome, the same way for every sync.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator, MutableMapping, Sequence
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
import logging
from typing import Any

from .context import SyncContext
from .engine import SyncInputError
from .errors import (
    SpotifyAuthError,
    SpotifyError,
    SpotifyForbiddenError,
    SpotifyNotFoundError,
    SpotifyRateLimitError,
    SpotifyUnavailableError,
)
from .patterns import PatternError, is_pattern, render
from .reasons import (
    REASON_CREATE_FAILED,
    REASON_INTERRUPTED,
    REASON_RATE_LIMITED,
    REASON_SPOTIFY_UNAVAILABLE,
    REASON_TARGET_FORBIDDEN,
    REASON_TARGET_NOT_FOUND,
    REASON_TARGET_REJECTED,
)
from .records import PlaylistRecord
from .references import name_key, parse_reference
from .spotify import PlaylistItem, SpotifyClient, chunked

_LOGGER = logging.getLogger(__name__)

type Contents = list[str | None]  # a playlist's URIs; None for an entry whose URI is unknown


class TargetStatus(StrEnum):
    """How one target of a run ended (`record.targets[].status`)."""

    SUCCESS = "success"  # something was written
    NOOP = "noop"  # nothing needed writing
    FAILED = "failed"  # `reason` and `error` say why
    RATE_LIMITED = "rate_limited"  # Spotify answered 429
    NOT_ATTEMPTED = "not_attempted"  # an earlier target stopped the run


@dataclass(slots=True)
class Target:
    """One target playlist of a run and what happened to it."""

    spec: str  # as configured
    name: str  # the reference, a date pattern rendered
    pattern: bool = False
    record: PlaylistRecord | None = None  # None: missing (to be created)
    created: bool = False
    status: TargetStatus = TargetStatus.NOT_ATTEMPTED
    added: int = 0
    removed: int = 0
    reason: str | None = None
    error: str | None = None
    cause: SpotifyError | None = None  # the failure that ended it, if any
    reports_removed: bool = False  # whether `as_dict` has `removed` (syncs that can remove)

    @property
    def creatable(self) -> bool:
        """Whether the target may be created: named by a name or a pattern, not an id."""
        return self.pattern or parse_reference(self.name).playlist_id is None

    @property
    def stops_run(self) -> bool:
        """Whether the run must not attempt further targets (Spotify rate limited or down)."""
        return isinstance(self.cause, (SpotifyRateLimitError, SpotifyUnavailableError))

    def fail(self, reason: str, error: str) -> None:
        """Mark the target failed with a reason slug and a human text."""
        self.status, self.reason, self.error = TargetStatus.FAILED, reason, error

    def as_dict(self) -> dict[str, Any]:
        """Return the run record's form (`record.targets[]`)."""
        data: dict[str, Any] = {
            "playlist": self.record.id if self.record else None,
            "name": self.record.name if self.record else self.name,
            "status": self.status.value,
            "added": self.added,
        }
        if self.reports_removed:
            data["removed"] = self.removed
        data.update(created=self.created, reason=self.reason, error=self.error)
        return data


def render_target(spec: str, now: datetime) -> Target:
    """Return the target a configured reference names at `now` (`invalid_pattern` if it cannot)."""
    spec = spec.strip()
    pattern = is_pattern(spec)
    try:
        name = render(spec, now) if pattern else spec
    except PatternError as err:
        raise SyncInputError(
            "invalid_pattern", str(err), {"pattern": spec, "problem": err.problem}
        ) from err
    return Target(spec=spec, name=name, pattern=pattern)


async def find_target(ctx: SyncContext, target: Target, *, create_missing: bool) -> None:
    """Resolve the target through the cache; a missing one must be one the run may create.

    Raises `SyncInputError` (`unknown_target`) before anything is written otherwise.
    """
    resolution = await ctx.playlists.resolve(target.name)
    if resolution is not None:
        target.record = resolution.record
    elif not (create_missing and target.creatable):
        raise SyncInputError(
            "unknown_target",
            f"Target playlist {target.name!r} was not found",
            {"target": target.name},
        )


def refuse_unwritable(ctx: SyncContext, target: Target) -> bool:
    """Fail the target if it is someone else's playlist that is not collaborative.

    A collaborative playlist is worth trying: the account may be one of its collaborators.
    """
    record = target.record
    if record is None or record.collaborative or record.owner in ("", ctx.playlists.user_id):
        return False
    target.fail(
        REASON_TARGET_FORBIDDEN,
        f"{record.name!r} belongs to {record.owner} and is not collaborative",
    )
    return True


def record_error(target: Target, err: SpotifyError, *, creating: bool = False) -> None:
    """Record a Spotify failure as the target's outcome: the one mapping every sync uses.

    A refused token (after one refresh) is re-raised: the run fails as `spotify_auth`. 429 and
    5xx end the target and stop the run (`Target.stops_run`); 403, 404 and other refusals end
    only this target (`create_failed` when they refused its creation).
    """
    if isinstance(err, SpotifyAuthError):
        raise err
    target.cause = err
    if isinstance(err, SpotifyRateLimitError):
        target.status, target.reason, target.error = (
            TargetStatus.RATE_LIMITED,
            REASON_RATE_LIMITED,
            str(err),
        )
    elif isinstance(err, SpotifyUnavailableError):
        target.fail(REASON_SPOTIFY_UNAVAILABLE, str(err))
    elif creating:
        target.fail(REASON_CREATE_FAILED, str(err))
    elif isinstance(err, SpotifyForbiddenError):
        target.fail(REASON_TARGET_FORBIDDEN, str(err))
    elif isinstance(err, SpotifyNotFoundError):
        target.fail(REASON_TARGET_NOT_FOUND, str(err))
    else:
        target.fail(REASON_TARGET_REJECTED, str(err))


@contextmanager
def target_errors(target: Target) -> Iterator[None]:
    """Turn a Spotify failure inside the block into the target's outcome (`record_error`).

    A cancellation (Home Assistant stopping) marks the target `interrupted` and propagates.
    """
    try:
        yield
    except SpotifyError as err:
        record_error(target, err)
    except asyncio.CancelledError:
        target.fail(REASON_INTERRUPTED, "interrupted")
        raise


# ------------------------------------------------------------------------------------------------
# Remembered contents


class RememberedContents:
    """Where a sync keeps what its targets held: `(snapshot_id, uris)` per playlist id."""

    def get(self, playlist_id: str) -> tuple[str, list[str]] | None:
        """Return the remembered snapshot and URIs of a playlist, if any."""
        raise NotImplementedError

    def _put(self, playlist_id: str, snapshot_id: str, uris: list[str]) -> None:
        raise NotImplementedError

    def forget(self, playlist_id: str) -> None:
        """Drop what is remembered about a playlist (the next run reads it)."""
        raise NotImplementedError

    def keep(self, playlist_id: str, snapshot_id: str, uris: Sequence[str | None]) -> None:
        """Remember the playlist's contents at `snapshot_id`; forget them when not exact.

        Without a snapshot, or with an entry whose URI is unknown, nothing could ever prove the
        contents current: they are dropped instead.
        """
        if snapshot_id and all(uri is not None for uri in uris):
            self._put(playlist_id, snapshot_id, [str(uri) for uri in uris])
        else:
            self.forget(playlist_id)


def _valid(entry: Any) -> tuple[str, list[str]] | None:
    if not isinstance(entry, MutableMapping):
        return None
    snapshot, uris = entry.get("snapshot_id"), entry.get("uris")
    if not isinstance(snapshot, str) or not snapshot or not isinstance(uris, list):
        return None
    return snapshot, [str(uri) for uri in uris]


class ContentsByPlaylist(RememberedContents):
    """Contents of many targets: `{playlist_id: {"snapshot_id", "uris"}}` (a mirror's state)."""

    def __init__(self, entries: dict[str, Any]) -> None:
        self._entries = entries

    def get(self, playlist_id: str) -> tuple[str, list[str]] | None:
        """Return the remembered snapshot and URIs of a playlist, if any."""
        return _valid(self._entries.get(playlist_id))

    def _put(self, playlist_id: str, snapshot_id: str, uris: list[str]) -> None:
        self._entries[playlist_id] = {"snapshot_id": snapshot_id, "uris": uris}

    def forget(self, playlist_id: str) -> None:
        """Drop what is remembered about a playlist (the next run reads it)."""
        self._entries.pop(playlist_id, None)


class ContentsOfOnePlaylist(RememberedContents):
    """Contents of a sync's one target: `state[key] = {"playlist_id", "snapshot_id", "uris"}`."""

    def __init__(self, state: dict[str, Any], key: str) -> None:
        self._state = state
        self._key = key

    def get(self, playlist_id: str) -> tuple[str, list[str]] | None:
        """Return the remembered snapshot and URIs of the playlist, if it is the one kept."""
        entry = self._state.get(self._key)
        if not isinstance(entry, MutableMapping) or entry.get("playlist_id") != playlist_id:
            return None
        return _valid(entry)

    def _put(self, playlist_id: str, snapshot_id: str, uris: list[str]) -> None:
        self._state[self._key] = {
            "playlist_id": playlist_id,
            "snapshot_id": snapshot_id,
            "uris": uris,
        }

    def forget(self, playlist_id: str) -> None:
        """Drop what is remembered (there is only the one playlist)."""
        self._state.pop(self._key, None)


def trusted_contents(
    ctx: SyncContext, contents: RememberedContents, playlist_id: str
) -> list[str] | None:
    """Return a playlist's remembered URIs if the cache still reports their snapshot."""
    known = contents.get(playlist_id)
    cached = ctx.playlists.cached(playlist_id)
    if known is not None and cached is not None and cached.snapshot_id == known[0]:
        return known[1]
    return None


# ------------------------------------------------------------------------------------------------
# Creating and writing


async def create_target(
    ctx: SyncContext,
    target: Target,
    contents: RememberedContents,
    *,
    public: bool,
    description: str = "",
) -> None:
    """Create the missing playlist, unless a concurrent run created it meanwhile.

    The new playlist goes into the cache and is remembered as empty, so writing it needs no read.
    A failure is recorded on the target (`create_failed`, or a stop of the run for 429 and 5xx).
    """
    async with ctx.target_lock(f"create:{name_key(target.name)}"):
        resolution = await ctx.playlists.resolve(target.name)
        if resolution is not None:
            target.record = resolution.record
            return
        try:
            created = await ctx.run_spotify(
                lambda client: client.create_playlist(
                    target.name, public=public, description=description
                )
            )
        except SpotifyError as err:
            record_error(target, err, creating=True)
            return
        record = PlaylistRecord.from_api(created)
        if record is None:
            target.fail(REASON_CREATE_FAILED, "Spotify returned no playlist")
            return
        if not record.owner:
            record = replace(record, owner=ctx.playlists.user_id)
        ctx.playlists.remember(record)
        contents.keep(record.id, record.snapshot_id, [])
        target.record = record
        target.created = True
        _LOGGER.debug("Created target playlist %r (%s)", record.name, record.id)


@asynccontextmanager
async def open_target(
    ctx: SyncContext,
    target: Target,
    contents: RememberedContents,
    *,
    public: bool,
    description: str = "",
    exact: bool = False,
) -> AsyncIterator[TargetWriter | None]:
    """Create the target if missing, then hold its lock and give its writer.

    Gives None when there is nothing to write to: the creation failed (recorded on the target),
    or the playlist is someone else's. Runs touching the same playlist never interleave: one
    waits for the lock and then sees what the other wrote.
    """
    if target.record is None:
        await create_target(ctx, target, contents, public=public, description=description)
    if (
        target.record is None
        or target.status is not TargetStatus.NOT_ATTEMPTED
        or refuse_unwritable(ctx, target)
    ):
        yield None
        return
    async with ctx.target_lock(target.record.id):
        yield TargetWriter(ctx, target, contents, exact=exact)


def _adder(playlist_id: str, uris: list[str]) -> Callable[[SpotifyClient], str]:
    return lambda client: client.add_items(playlist_id, uris)


def _replacer(playlist_id: str, uris: list[str]) -> Callable[[SpotifyClient], str]:
    return lambda client: client.replace_items(playlist_id, uris)


def _remover(playlist_id: str, uris: list[str]) -> Callable[[SpotifyClient], str]:
    return lambda client: client.remove_items(playlist_id, uris)


class TargetWriter:
    """Reads and writes one target playlist; use it under the target's lock.

    `exact` says how contents are seen: the playlist's entries in order (an unavailable entry as
    None, so they are never remembered), or else the set of URIs present (what deduplication
    needs, remembered even when some entries are unavailable). Every write goes through `_write`,
    the one place that knows what an unknown outcome means. Spotify errors are raised as they
    are: `target_errors` turns them into the target's outcome.
    """

    def __init__(
        self,
        ctx: SyncContext,
        target: Target,
        contents: RememberedContents,
        *,
        exact: bool = False,
    ) -> None:
        assert target.record is not None, "a target is found or created before it is written"
        self._ctx = ctx
        self._target = target
        self._memory = contents
        self._exact = exact
        self._id = target.record.id
        self._known: Contents | None = None

    def trusted(self) -> Contents | None:
        """Return the remembered contents if the cache still reports their snapshot."""
        known = trusted_contents(self._ctx, self._memory, self._id)
        return list(known) if known is not None else None

    async def contents(self) -> Contents:
        """Return what the target holds: the remembered contents while trusted, else read them.

        What was read is remembered with the cache's snapshot (taken before reading: at worst
        that costs one more read later).
        """
        known = self.trusted()
        if known is None:
            cached = self._ctx.playlists.cached(self._id)
            try:
                items = await self._ctx.run_spotify(lambda client: client.playlist_items(self._id))
            except SpotifyNotFoundError:
                self._memory.forget(self._id)
                raise
            known = self._view(items)
            self._memory.keep(self._id, cached.snapshot_id if cached is not None else "", known)
        self._known = known
        return list(known)

    async def add(self, uris: Sequence[str]) -> None:
        """Append `uris` at the end, in chunks of 100; the target succeeds once all are in."""
        known = self._known if self._known is not None else self.trusted()
        if known is None:
            self._memory.forget(self._id)
        for chunk in chunked(uris):
            snapshot = await self._write(_adder(self._id, chunk))
            self._target.added += len(chunk)
            if known is not None:
                known = self._merged(known, chunk)
                self._memory.keep(self._id, snapshot, known)
            self._wrote(snapshot, self._size(known, len(chunk)))
        self._known = known
        self._target.status = TargetStatus.SUCCESS

    async def replace(self, uris: Sequence[str]) -> None:
        """Make the playlist hold exactly `uris` (at least one), in order: PUT 100, POST the rest.

        `added` and `removed` count the URIs that came and went; they are set once the PUT went
        through, since that alone removed every track that had to go.
        """
        current = self._known if self._known is not None else await self.contents()
        present = {uri for uri in current if uri is not None}
        wanted = set(uris)
        added = sum(1 for uri in uris if uri not in present)
        removed = sum(1 for uri in current if uri not in wanted)
        written: Contents = []
        count = 0
        for index, chunk in enumerate(chunked(uris)):
            job = _replacer if index == 0 else _adder
            snapshot = await self._write(job(self._id, chunk))
            written, count = self._merged(written, chunk), count + len(chunk)
            if index == 0:
                self._target.added, self._target.removed = added, removed
            self._memory.keep(self._id, snapshot, written)
            self._wrote(snapshot, count)
        self._known = written
        self._target.status = TargetStatus.SUCCESS

    async def remove(self, uris: Sequence[str]) -> None:
        """Remove every occurrence of `uris`, in chunks of 100 (Spotify's DELETE has no positions).

        `removed` counts the entries that went when the contents are known, else the URIs asked.
        """
        known = self._known if self._known is not None else self.trusted()
        if known is None:
            self._memory.forget(self._id)
        for chunk in chunked(list(dict.fromkeys(uris))):
            snapshot = await self._write(_remover(self._id, chunk))
            gone = len(chunk)
            if known is not None:
                asked = set(chunk)
                kept = [uri for uri in known if uri not in asked]
                gone, known = len(known) - len(kept), kept
                self._memory.keep(self._id, snapshot, known)
            self._target.removed += gone
            self._wrote(snapshot, self._size(known, -gone))
        self._known = known
        self._target.status = TargetStatus.SUCCESS

    async def _write(self, job: Callable[[SpotifyClient], str]) -> str:
        """Run one write and return the new snapshot id.

        A refused write (429, 403, 400, 401) changed nothing. After a 404 the playlist is gone;
        a 5xx, a dropped connection or a cancellation may have been applied: the remembered
        contents are forgotten then, so the next run reads the playlist.
        """
        try:
            return await self._ctx.run_spotify(job)
        except (SpotifyNotFoundError, SpotifyUnavailableError):
            self._memory.forget(self._id)
            raise
        except SpotifyError:
            raise
        except BaseException:
            self._memory.forget(self._id)
            raise

    def _view(self, items: Sequence[PlaylistItem]) -> Contents:
        if self._exact:
            return [item.uri if item.kind != "unavailable" else None for item in items]
        return list(dict.fromkeys(item.uri for item in items if item.uri))

    def _merged(self, known: Contents, chunk: list[str]) -> Contents:
        return [*known, *chunk] if self._exact else list(dict.fromkeys([*known, *chunk]))

    def _record(self) -> PlaylistRecord:
        record = self._ctx.playlists.cached(self._id) or self._target.record
        assert record is not None
        return record

    def _size(self, known: Contents | None, change: int) -> int:
        """Return the playlist's entry count after a write that changed it by `change`."""
        if self._exact and known is not None:
            return len(known)
        return self._record().tracks_total + change

    def _wrote(self, snapshot: str, size: int) -> None:
        """Tell the cache the playlist's snapshot and size after a write."""
        base = self._record()
        self._target.record = replace(
            base, snapshot_id=snapshot or base.snapshot_id, tracks_total=max(0, size)
        )
        if snapshot:
            self._ctx.playlists.remember(self._target.record)
