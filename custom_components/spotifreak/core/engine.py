"""The sync engine: runs one sync algorithm and tells truthfully how it ended; the run history.

An algorithm is `async def run(ctx: SyncContext, options: O, record: RunRecord) -> None`. It sets
`record.status` (and `reason`, counts, `targets`) itself; the engine creates the record, times it,
counts the calls, maps the core's errors that escape the algorithm to statuses, and makes sure no
record is ever left `running` — not even when Home Assistant stops mid-run (`interrupted`).

Only two things leave `execute_run` as exceptions: `SyncInputError` (bad input, raised before
anything is written; the glue turns it into a translated `ServiceValidationError`) and
`asyncio.CancelledError` (re-raised after the record was finished as `failed`/`interrupted`).
Every other failure is a finished record with status `failed` or `rate_limited`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Mapping
import logging
import time
from typing import Any, Final
import uuid

from .context import SyncContext
from .errors import (
    HistorySaveError,
    LastfmAuthError,
    LastfmError,
    LastfmUserNotFoundError,
    LocalSaveError,
    SpotifreakError,
    SpotifyAuthError,
    SpotifyError,
    SpotifyForbiddenError,
    SpotifyNotFoundError,
    SpotifyRateLimitError,
    SpotifyUnavailableError,
)
from .reasons import (
    REASON_INTERNAL_ERROR,
    REASON_INTERRUPTED,
    REASON_LASTFM_AUTH,
    REASON_LASTFM_UNAVAILABLE,
    REASON_LASTFM_USER_NOT_FOUND,
    REASON_SAVE_FAILED,
    REASON_SNAPSHOT_FAILED,
    REASON_SPOTIFY_AUTH,
    REASON_SPOTIFY_ERROR,
    REASON_SPOTIFY_FORBIDDEN,
    REASON_SPOTIFY_NOT_FOUND,
    REASON_SPOTIFY_UNAVAILABLE,
    rate_limit_reason,
)
from .runs import WOULD_WRITE_STATUSES, RunRecord, RunStatus

_LOGGER = logging.getLogger(__name__)

HISTORY_LIMIT: Final = 50


class SyncInputError(SpotifreakError):
    """Input a user can fix (unknown playlist, bad pattern, ...), raised before anything is written.

    `key` is the translation key (`unknown_source`, `target_is_source`, `no_targets`,
    `invalid_pattern`, `unknown_target`, `invalid_option`, ...); `placeholders` fill its message.
    """

    def __init__(
        self, key: str, message: str, placeholders: Mapping[str, str] | None = None
    ) -> None:
        """Initialize the error with its translation key and placeholders."""
        super().__init__(message)
        self.key = key
        self.placeholders: dict[str, str] = dict(placeholders or {})


type SyncAlgorithm[OptionsT] = Callable[[SyncContext, OptionsT, RunRecord], Awaitable[None]]


def new_record(
    ctx: SyncContext, *, sync_id: str, sync_type: str, run_id: str | None = None
) -> RunRecord:
    """Return a `running` record stamped with the context's clock."""
    return RunRecord(
        run_id=run_id or uuid.uuid4().hex,
        sync_id=sync_id,
        sync_type=sync_type,
        status=RunStatus.RUNNING,
        started_at=ctx.now(),
    )


def fail(record: RunRecord, reason: str, error: str | None = None) -> None:
    """Mark a record failed with a reason slug and a human text."""
    record.status = RunStatus.FAILED
    record.reason = reason
    record.error = error


def apply_error(record: RunRecord, err: BaseException) -> None:
    """Map a core error that ended a run to the record's status, reason and error text."""
    if isinstance(err, SpotifyRateLimitError):
        record.status = RunStatus.RATE_LIMITED
        record.reason = rate_limit_reason(err)
        record.retry_after = err.retry_after
        record.error = str(err)
    elif isinstance(err, SpotifyUnavailableError):
        fail(record, REASON_SPOTIFY_UNAVAILABLE, str(err))
    elif isinstance(err, SpotifyAuthError):
        fail(record, REASON_SPOTIFY_AUTH, str(err))
    elif isinstance(err, SpotifyForbiddenError):
        fail(record, REASON_SPOTIFY_FORBIDDEN, str(err))
    elif isinstance(err, SpotifyNotFoundError):
        fail(record, REASON_SPOTIFY_NOT_FOUND, str(err))
    elif isinstance(err, SpotifyError):
        fail(record, REASON_SPOTIFY_ERROR, str(err))
    elif isinstance(err, LastfmAuthError):
        fail(record, REASON_LASTFM_AUTH, str(err))
    elif isinstance(err, LastfmUserNotFoundError):
        fail(record, REASON_LASTFM_USER_NOT_FOUND, str(err))
    elif isinstance(err, LastfmError):
        fail(record, REASON_LASTFM_UNAVAILABLE, str(err))
    elif isinstance(err, SyncInputError):
        fail(record, err.key, str(err))
    elif isinstance(err, HistorySaveError):
        fail(record, REASON_SNAPSHOT_FAILED, str(err))
    elif isinstance(err, LocalSaveError):
        fail(record, REASON_SAVE_FAILED, str(err))
    elif isinstance(err, asyncio.CancelledError):
        fail(record, REASON_INTERRUPTED, "The run was interrupted (Home Assistant stopped?)")
    else:
        fail(record, REASON_INTERNAL_ERROR, "An unexpected error stopped the run (see the log)")


async def execute_run[OptionsT](
    ctx: SyncContext,
    algorithm: SyncAlgorithm[OptionsT],
    options: OptionsT,
    *,
    sync_id: str,
    sync_type: str,
    run_id: str | None = None,
    history: RunHistory | None = None,
    on_finished: Callable[[RunRecord], None] | None = None,
) -> RunRecord:
    """Run `algorithm` once and return its finished record (never `running`).

    The finished record is added to `history` (when given) and handed to `on_finished` in every
    case, also when the run is cancelled or its input is refused — `on_finished` is where the
    glue persists the sync's state and fires `spotifreak_sync_finished`. A dry run
    (`ctx.dry_run`) that could have written ends `dry_run` and is not added to `history`.
    Raises only `SyncInputError` and `asyncio.CancelledError` (see the module docstring).
    """
    record = new_record(ctx, sync_id=sync_id, sync_type=sync_type, run_id=run_id)
    ctx.run_id, ctx.sync_id = record.run_id, sync_id
    started = time.monotonic()
    try:
        await algorithm(ctx, options, record)
        if record.status is RunStatus.RUNNING:
            fail(record, REASON_INTERNAL_ERROR, "the sync ended without a result")
        elif ctx.dry_run and record.status in WOULD_WRITE_STATUSES:
            record.status = RunStatus.DRY_RUN
    except (SyncInputError, asyncio.CancelledError) as err:
        _apply_escaped_error(record, err)
        raise
    except SpotifreakError as err:
        _apply_escaped_error(record, err)
        _LOGGER.debug("Sync %s (%s) ended with %s: %s", sync_id, sync_type, record.reason, err)
    except Exception as err:
        _apply_escaped_error(record, err)
        _LOGGER.exception("Sync %s (%s) failed unexpectedly", sync_id, sync_type)
    finally:
        ctx.settle()
        _finish(ctx, record, started)
        if history is not None and not ctx.dry_run:
            history.add(record)
        if on_finished is not None:
            try:
                on_finished(record)
            except Exception:  # the record must reach the caller even if a listener breaks
                _LOGGER.exception("Handling the end of run %s failed", record.run_id)
    return record


def _apply_escaped_error(record: RunRecord, err: BaseException) -> None:
    """Map an error that ended the run, keeping what the sync already said in `error`.

    A sync may have concluded before the error escaped it, e.g. naming the entries a failed
    edit did not put back and the version that restores them: that must reach the user too.
    """
    said = record.error
    apply_error(record, err)
    if said and said not in (record.error or ""):
        record.error = f"{record.error}; {said}" if record.error else said


def _finish(ctx: SyncContext, record: RunRecord, started: float) -> None:
    if record.status is RunStatus.RUNNING:  # only if something escaped every handler above
        fail(record, REASON_INTERNAL_ERROR, "the run ended without a result")
    record.tell_unknown_outcome()
    record.finished_at = ctx.now()
    record.duration_ms = int((time.monotonic() - started) * 1000)
    try:
        record.api_calls = ctx.calls()
    except Exception:  # a broken counter must not lose the record
        _LOGGER.exception("Could not count the API calls of run %s", record.run_id)


class RunHistory:
    """The last `limit` finished runs per sync, newest first; stored in Home Assistant's Store."""

    def __init__(self, limit: int = HISTORY_LIMIT) -> None:
        """Initialize an empty history keeping `limit` runs per sync."""
        self.limit = limit
        self._runs: dict[str, list[RunRecord]] = {}

    def add(self, record: RunRecord) -> None:
        """Add a finished run (a running record is stored as `failed`/`interrupted`)."""
        if record.status is RunStatus.RUNNING:
            fail(record, REASON_INTERRUPTED, "the run did not finish")
        runs = self._runs.setdefault(record.sync_id, [])
        runs.insert(0, record)
        runs.sort(key=_started_key, reverse=True)
        del runs[self.limit :]

    def runs(self, sync_id: str | None = None, limit: int | None = None) -> list[RunRecord]:
        """Return the runs of one sync (or of every sync), newest first, at most `limit`."""
        if sync_id is not None:
            found = list(self._runs.get(sync_id, ()))
        else:
            found = sorted(
                (record for runs in self._runs.values() for record in runs),
                key=_started_key,
                reverse=True,
            )
        return found if limit is None else found[: max(0, limit)]

    def last(self, sync_id: str) -> RunRecord | None:
        """Return the newest run of a sync."""
        runs = self._runs.get(sync_id)
        return runs[0] if runs else None

    @property
    def sync_ids(self) -> list[str]:
        """Return the syncs that have runs."""
        return list(self._runs)

    def remove(self, sync_id: str) -> None:
        """Forget a sync's runs (its configured sync was removed)."""
        self._runs.pop(sync_id, None)

    def retain(self, sync_ids: Iterable[str]) -> None:
        """Forget every sync not in `sync_ids`."""
        keep = set(sync_ids)
        for sync_id in [sid for sid in self._runs if sid not in keep]:
            del self._runs[sync_id]

    def __len__(self) -> int:
        """Return the number of runs kept."""
        return sum(len(runs) for runs in self._runs.values())

    def to_store(self) -> dict[str, Any]:
        """Return the stored form: `{"runs": {sync_id: [record, ...]}}`, newest first."""
        return {
            "runs": {
                sync_id: [record.as_dict() for record in runs]
                for sync_id, runs in self._runs.items()
            }
        }

    @classmethod
    def from_store(cls, data: Mapping[str, Any] | None, limit: int = HISTORY_LIMIT) -> RunHistory:
        """Read the stored form; unreadable entries are dropped, never fatal."""
        history = cls(limit)
        runs = (data or {}).get("runs")
        if not isinstance(runs, Mapping):
            return history
        for sync_id, records in runs.items():
            if not isinstance(records, list):
                continue
            kept: list[RunRecord] = []
            for item in records:
                try:
                    record = RunRecord.from_dict(item)
                except (TypeError, ValueError, KeyError, AttributeError):
                    _LOGGER.debug("Dropping an unreadable run record of %s", sync_id)
                    continue
                if record.status is RunStatus.RUNNING:
                    fail(record, REASON_INTERRUPTED, "the run did not finish")
                record.sync_id = str(sync_id)
                kept.append(record)
            kept.sort(key=_started_key, reverse=True)
            if kept:
                history._runs[str(sync_id)] = kept[:limit]
        return history


def _started_key(record: RunRecord) -> float:
    return record.started_at.timestamp() if record.started_at is not None else float("-inf")
