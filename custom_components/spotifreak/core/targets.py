"""Target playlists of a sync run: how they are named and found, and how each one ended.

Every sync that writes into playlists goes through here (and through `target_contents.py`,
`target_open.py` and `target_writer.py`), so that each rule exists once:
- a target is named as configured; a date pattern is rendered once per run (`render_target`);
- a missing target may be created only when it is named by a name or a pattern (a URI, URL or id
  that is not found is a mistake, not a wish for a new playlist) and the run allows it;
- someone else's playlist that is not collaborative is not written (`refuse_unwritable`);
- `target_errors` maps a Spotify failure to the target's outcome, the same way for every sync.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from .context import SyncContext
from .directory import PlaylistDirectory
from .engine import SyncInputError, apply_error
from .errors import (
    HistorySaveError,
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
    REASON_NOT_PUT_BACK,
    REASON_SNAPSHOT_FAILED,
    REASON_SPOTIFY_UNAVAILABLE,
    REASON_TARGET_FORBIDDEN,
    REASON_TARGET_NOT_FOUND,
    REASON_TARGET_REJECTED,
    rate_limit_reason,
)
from .records import PlaylistRecord
from .references import MAX_PLAYLIST_NAME, parse_reference, reference_problem, shown
from .runs import RunRecord, RunStatus


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
    unknown: int = 0  # entries of writes whose outcome is unknown (5xx, dropped, interrupted)
    reason: str | None = None
    error: str | None = None
    cause: SpotifyError | None = None  # the failure that ended it, if any
    reports_removed: bool = False  # whether `as_dict` has `removed` (syncs that can remove)
    added_uris: list[str] = field(default_factory=list)  # what an append added: undo by removing
    removed_uris: list[str] = field(default_factory=list)
    snapshot_version: int | None = None  # the history's version taken before a destructive write
    dry_run: bool = False  # counts and URIs say what a write would do; nothing was sent
    would_create: bool = False  # a dry run found the playlist missing
    details: dict[str, Any] = field(default_factory=dict)  # more of a sync's own (restore's)

    @property
    def creatable(self) -> bool:
        """Return whether the target may be created: named by a name or a pattern, not an id."""
        return self.pattern or parse_reference(self.name).playlist_id is None

    @property
    def stops_run(self) -> bool:
        """Return whether the run must not attempt further targets (rate limited, or down)."""
        return isinstance(self.cause, (SpotifyRateLimitError, SpotifyUnavailableError))

    def fail(self, reason: str, error: str) -> None:
        """Mark the target failed with a reason slug and a human text."""
        self.status, self.reason, self.error = TargetStatus.FAILED, reason, error

    def as_dict(self) -> dict[str, Any]:
        """Return the run record's form (`record.targets[]`).

        A dry run's target that would be written says `dry_run` (and whether it would be
        created); `added_uris` (and `removed_uris`) list what was — or would be — written.
        """
        status = self.status.value
        if self.dry_run and self.status is TargetStatus.SUCCESS:
            status = "dry_run"
        data: dict[str, Any] = {
            "playlist": self.record.id if self.record else None,
            "name": self.record.name if self.record else self.name,
            "status": status,
            "added": self.added,
        }
        if self.reports_removed:
            data["removed"] = self.removed
        data.update(created=self.created, reason=self.reason, error=self.error)
        data["added_uris"] = list(self.added_uris)
        if self.reports_removed:
            data["removed_uris"] = list(self.removed_uris)
            data["snapshot_version"] = self.snapshot_version
        if self.dry_run:
            data["would_create"] = self.would_create
        data.update(self.details)
        return data


def render_target(spec: str, now: datetime) -> Target:
    """Return the target a configured reference names at `now`.

    Raises `SyncInputError` when it cannot: `invalid_pattern`, or `target_not_a_playlist`,
    `target_name_too_long`, `target_name_not_printable` (`references.reference_problem`).
    """
    spec = spec.strip()
    pattern = is_pattern(spec)
    try:
        name = render(spec, now) if pattern else spec
    except PatternError as err:
        raise SyncInputError(
            "invalid_pattern", str(err), {"pattern": spec, "problem": err.problem}
        ) from err
    check_reference(name)
    return Target(spec=spec, name=name, pattern=pattern)


def check_reference(name: str) -> None:
    """Raise `SyncInputError` if `name` cannot name a playlist (no call needed).

    `target_not_a_playlist`, `target_name_too_long` or `target_name_not_printable`
    (`references.reference_problem`), the same for every playlist a sync or action names.
    """
    if problem := reference_problem(name):
        raise SyncInputError(
            f"target_{problem}",
            f"Target {shown(name)!r} cannot be a playlist ({problem})",
            {"target": shown(name), "max": str(MAX_PLAYLIST_NAME)},
        )


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


async def resolve_playlist(playlists: PlaylistDirectory, reference: str) -> PlaylistRecord:
    """Return the existing playlist a reference names (`playlist_not_found` if none).

    A reference that cannot name a playlist is refused first, without a lookup
    (`check_reference`).
    """
    if reference.strip():
        check_reference(reference.strip())
    resolution = await playlists.resolve(reference.strip()) if reference.strip() else None
    if resolution is None:
        raise SyncInputError(
            "playlist_not_found", f"Playlist {reference!r} was not found", {"playlist": reference}
        )
    return resolution.record


def refuse_unwritable(ctx: SyncContext, target: Target) -> bool:
    """Fail the target if it is someone else's playlist that is not collaborative."""
    record = target.record
    if record is None or not record.closed_to(ctx.playlists.user_id):
        return False
    target.fail(
        REASON_TARGET_FORBIDDEN,
        f'"{record.name}" belongs to {record.owner} and is not collaborative',
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
    message = str(err.about(target.record.name if target.record else target.name))
    if isinstance(err, SpotifyRateLimitError):
        target.status, target.reason, target.error = (
            TargetStatus.RATE_LIMITED,
            rate_limit_reason(err),
            message,
        )
    elif isinstance(err, SpotifyUnavailableError):
        target.fail(REASON_SPOTIFY_UNAVAILABLE, message)
    elif creating:
        target.fail(REASON_CREATE_FAILED, message)
    elif isinstance(err, SpotifyForbiddenError):
        target.fail(REASON_TARGET_FORBIDDEN, message)
    elif isinstance(err, SpotifyNotFoundError):
        target.fail(REASON_TARGET_NOT_FOUND, message)
    else:
        target.fail(REASON_TARGET_REJECTED, message)


@contextmanager
def target_errors(target: Target) -> Iterator[None]:
    """Turn a Spotify failure inside the block into the target's outcome (`record_error`).

    A version of the playlist that could not be saved fails the target (`snapshot_failed`):
    nothing was written. A cancellation (Home Assistant stopping) marks the target `interrupted`
    and propagates.
    """
    try:
        yield
    except SpotifyError as err:
        record_error(target, err)
    except HistorySaveError as err:
        target.fail(REASON_SNAPSHOT_FAILED, str(err))
    except asyncio.CancelledError:
        target.fail(REASON_INTERRUPTED, "The run was interrupted (Home Assistant stopped?)")
        raise


def explain_not_put_back(record: RunRecord, targets: Sequence[Target]) -> None:
    """Say in a run's record what a failed edit took off and did not put back, and how to.

    An edit deletes every occurrence of a URI and puts back the ones that stay; a failure in
    between leaves them out (`details["not_put_back"]`: the reason becomes `not_put_back`). A
    DELETE whose outcome is unknown (a 5xx, a dropped connection) may have taken some that stay
    (`details["maybe_not_put_back"]`: the reason stays the failure's). Either way the version
    kept before holds them.
    """
    for target in targets:
        missing = target.details.get("not_put_back") or []
        maybe = target.details.get("maybe_not_put_back") or []
        if not missing and not maybe:
            continue
        if missing:
            record.reason = REASON_NOT_PUT_BACK
            state = (
                "may be missing (a write's outcome is unknown)" if target.unknown else "are missing"
            )
            count = len(missing) + len(maybe)
            told = f"{count} entries were taken off to be put back and {state}"
        else:
            told = (
                f"{len(maybe)} entries that stay may have been taken off (a write's outcome is "
                "unknown)"
            )
        record.error = (
            f"{record.error or ''} {target.name}: {told}; restore_playlist version "
            f"{target.snapshot_version} brings the playlist back as it was"
        ).strip()


def conclude_one_target(
    record: RunRecord, target: Target, *, unchanged: RunStatus = RunStatus.NOOP
) -> None:
    """Set the figures and status of a run that writes one playlist, from the playlist's outcome.

    `success` when something was written; `unchanged`, the sync's word for "nothing to do", with
    the target's reason; a rate limit as `apply_error` maps it; `partial` when a failure came after
    something was written, else `failed`.
    """
    record.added, record.removed = target.added, target.removed
    record.unknown_outcome = target.unknown
    record.targets = [target.as_dict()]
    if target.status is TargetStatus.SUCCESS:
        record.status, record.reason = RunStatus.SUCCESS, None
    elif target.status is TargetStatus.NOOP:
        record.status, record.reason = unchanged, target.reason
    elif target.status is TargetStatus.RATE_LIMITED and target.cause is not None:
        apply_error(record, target.cause)
    elif target.status is TargetStatus.FAILED:
        written = target.added or target.removed or target.details.get("not_put_back")
        record.status = RunStatus.PARTIAL if written else RunStatus.FAILED
        record.reason, record.error = target.reason, target.error
    explain_not_put_back(record, [target])
