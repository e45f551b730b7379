"""Run records: what a sync run did, told truthfully."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class RunStatus(StrEnum):
    """How a run ended. A run that wrote nothing is never `success`."""

    SUCCESS = "success"  # something was written
    NOOP = "noop"  # the source had items, but every one was already in the targets
    UP_TO_DATE = "up_to_date"  # nothing changed since the last successful run (no item reads)
    UNCHANGED = "unchanged"  # the computed playlist equals what is there (Last.fm replace)
    PARTIAL = "partial"  # some targets were written, others failed
    RATE_LIMITED = "rate_limited"  # Spotify answered 429; `retry_after` says when to try again
    FAILED = "failed"  # nothing usable happened; `reason` and `error` say why
    DRY_RUN = "dry_run"  # nothing was written: the record says what a run would write
    RUNNING = "running"  # only while a run is in progress; never persisted as a final state


# What a stored run can end with: a dry run is returned and announced, but never stored.
FINAL_STATUSES = tuple(
    status for status in RunStatus if status not in (RunStatus.RUNNING, RunStatus.DRY_RUN)
)
# What a dry run that could have written reports instead.
WOULD_WRITE_STATUSES = (
    RunStatus.SUCCESS,
    RunStatus.NOOP,
    RunStatus.UP_TO_DATE,
    RunStatus.UNCHANGED,
    RunStatus.PARTIAL,
)


@dataclass(slots=True)
class RunRecord:
    """The public run record: returned by actions, stored, and sent in events."""

    run_id: str
    sync_id: str
    sync_type: str
    status: RunStatus = RunStatus.RUNNING
    reason: str | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    duration_ms: int | None = None
    added: int = 0
    removed: int = 0
    skipped: int = 0
    unmatched: list[dict[str, str]] = field(default_factory=list)
    api_calls: int = 0
    retry_after: int | None = None
    error: str | None = None
    targets: list[dict[str, Any]] = field(default_factory=list)
    # Entries of writes whose outcome is unknown: Spotify answered 5xx after the request was
    # sent, the connection dropped, or the run was interrupted mid-write. They may have been
    # written; the next run reads the playlist before writing.
    unknown_outcome: int = 0

    def tell_unknown_outcome(self) -> None:
        """Say in `error` that some writes may or may not have happened (once)."""
        if not self.unknown_outcome:
            return
        note = (
            f"{self.unknown_outcome} tracks may or may not have been written (their outcome is "
            "unknown; the next run reads the playlist before writing)"
        )
        if note not in (self.error or ""):
            self.error = f"{self.error}; {note}" if self.error else note

    def as_dict(self) -> dict[str, Any]:
        """Return the JSON-ready form (ISO timestamps, plain strings)."""
        data = asdict(self)
        data["status"] = str(self.status)
        for key in ("started_at", "finished_at"):
            value = data[key]
            data[key] = value.isoformat() if value is not None else None
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RunRecord:
        """Read a stored record."""
        values = dict(data)
        values["status"] = RunStatus(values.get("status", RunStatus.FAILED))
        for key in ("started_at", "finished_at"):
            if values.get(key):
                values[key] = datetime.fromisoformat(values[key])
        known = set(cls.__dataclass_fields__)
        return cls(**{key: value for key, value in values.items() if key in known})
