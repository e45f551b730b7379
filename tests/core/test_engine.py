"""The sync engine and the run history (pure: algorithms stand in for real syncs here; the
mirror drives the engine against the emulator in test_mirror.py)."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from custom_components.spotifreak.core.context import SyncContext
from custom_components.spotifreak.core.directory import Resolution
from custom_components.spotifreak.core.engine import (
    HISTORY_LIMIT,
    RunHistory,
    SyncInputError,
    execute_run,
)
from custom_components.spotifreak.core.errors import (
    LastfmUserNotFoundError,
    SpotifyAuthError,
    SpotifyForbiddenError,
    SpotifyRateLimitError,
    SpotifyRequestError,
    SpotifyUnavailableError,
)
from custom_components.spotifreak.core.records import PlaylistRecord
from custom_components.spotifreak.core.runs import RunRecord, RunStatus

TZ = ZoneInfo("Europe/Berlin")
START = datetime(2025, 10, 3, 7, 0, tzinfo=TZ)


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


class NoPlaylists:
    user_id = "me"

    async def resolve(self, reference: str) -> Resolution | None:
        return None

    def cached(self, playlist_id: str) -> PlaylistRecord | None:
        return None

    def remember(self, record: PlaylistRecord) -> None:
        raise AssertionError("not expected")


def make_ctx(clock: Clock, calls: list[int]) -> SyncContext:
    async def no_spotify(job: Any) -> Any:
        raise AssertionError("no Spotify here")

    return SyncContext(
        run_spotify=no_spotify,
        playlists=NoPlaylists(),
        now=clock,
        calls=lambda: calls[0],
        target_lock=lambda _id: asyncio.Lock(),
    )


@pytest.fixture
def clock() -> Clock:
    return Clock()


async def test_success_record(clock: Clock) -> None:
    calls = [0]
    finished: list[RunRecord] = []
    history = RunHistory()

    async def algorithm(ctx: SyncContext, options: dict[str, int], record: RunRecord) -> None:
        assert record.status is RunStatus.RUNNING
        assert record.started_at == START
        clock.now = START + timedelta(seconds=2)
        calls[0] = options["calls"]
        record.added = 3
        record.status = RunStatus.SUCCESS

    record = await execute_run(
        make_ctx(clock, calls),
        algorithm,
        {"calls": 7},
        sync_id="s1",
        sync_type="test",
        history=history,
        on_finished=finished.append,
    )
    assert record.status is RunStatus.SUCCESS
    assert record.sync_id == "s1"
    assert record.sync_type == "test"
    assert len(record.run_id) == 32
    assert record.started_at == START
    assert record.finished_at == START + timedelta(seconds=2)
    assert record.duration_ms is not None
    assert record.duration_ms >= 0
    assert record.api_calls == 7
    assert finished == [record]
    assert history.runs("s1") == [record]
    assert record.as_dict()["status"] == "success"


@pytest.mark.parametrize(
    ("error", "status", "reason", "retry_after"),
    [
        (SpotifyRateLimitError("429", retry_after=42), RunStatus.RATE_LIMITED, "rate_limited", 42),
        (SpotifyUnavailableError("503", status=503), RunStatus.FAILED, "spotify_unavailable", None),
        (SpotifyAuthError("401", status=401), RunStatus.FAILED, "spotify_auth", None),
        (SpotifyForbiddenError("403", status=403), RunStatus.FAILED, "spotify_forbidden", None),
        (SpotifyRequestError("400", status=400), RunStatus.FAILED, "spotify_error", None),
        (
            LastfmUserNotFoundError("nobody", code=6),
            RunStatus.FAILED,
            "lastfm_user_not_found",
            None,
        ),
        (ValueError("bug"), RunStatus.FAILED, "internal_error", None),
    ],
)
async def test_errors_become_statuses(
    clock: Clock, error: Exception, status: RunStatus, reason: str, retry_after: int | None
) -> None:
    history = RunHistory()

    async def algorithm(ctx: SyncContext, options: None, record: RunRecord) -> None:
        record.added = 1
        raise error

    record = await execute_run(
        make_ctx(clock, [3]), algorithm, None, sync_id="s", sync_type="t", history=history
    )
    assert record.status is status
    assert record.reason == reason
    assert record.retry_after == retry_after
    assert record.error
    assert record.added == 1  # what was done before the failure stays told
    assert record.api_calls == 3
    assert record.finished_at is not None
    assert history.last("s") is record


async def test_an_unexpected_error_is_told_in_our_words(clock: Clock) -> None:
    """An internal error's record says so in the project's words, not Python's."""

    async def algorithm(ctx: SyncContext, options: None, record: RunRecord) -> None:
        raise AttributeError("'str' object has no attribute 'get'")

    record = await execute_run(make_ctx(clock, [0]), algorithm, None, sync_id="s", sync_type="t")
    assert record.reason == "internal_error"
    assert record.error == "An unexpected error stopped the run (see the log)"


async def test_algorithm_without_a_result_is_failed(clock: Clock) -> None:
    async def algorithm(ctx: SyncContext, options: None, record: RunRecord) -> None:
        return None

    record = await execute_run(make_ctx(clock, [0]), algorithm, None, sync_id="s", sync_type="t")
    assert record.status is RunStatus.FAILED
    assert record.reason == "internal_error"


async def test_input_error_is_recorded_and_raised(clock: Clock) -> None:
    history = RunHistory()
    finished: list[RunRecord] = []

    async def algorithm(ctx: SyncContext, options: None, record: RunRecord) -> None:
        raise SyncInputError("unknown_source", "Source 'x' was not found", {"source": "x"})

    with pytest.raises(SyncInputError) as info:
        await execute_run(
            make_ctx(clock, [0]),
            algorithm,
            None,
            sync_id="s",
            sync_type="t",
            history=history,
            on_finished=finished.append,
        )
    assert info.value.key == "unknown_source"
    assert info.value.placeholders == {"source": "x"}
    (record,) = finished
    assert record.status is RunStatus.FAILED
    assert record.reason == "unknown_source"
    assert history.runs("s") == [record]


async def test_cancelled_run_is_recorded_as_interrupted(clock: Clock) -> None:
    history = RunHistory()
    finished: list[RunRecord] = []
    started = asyncio.Event()

    async def algorithm(ctx: SyncContext, options: None, record: RunRecord) -> None:
        started.set()
        await asyncio.sleep(3600)

    task = asyncio.create_task(
        execute_run(
            make_ctx(clock, [2]),
            algorithm,
            None,
            sync_id="s",
            sync_type="t",
            history=history,
            on_finished=finished.append,
        )
    )
    await started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    (record,) = finished
    assert record.status is RunStatus.FAILED
    assert record.reason == "interrupted"
    assert record.finished_at is not None
    assert record.api_calls == 2
    assert history.runs("s") == [record]


def _record(sync_id: str, minute: int, status: RunStatus = RunStatus.SUCCESS) -> RunRecord:
    return RunRecord(
        run_id=f"{sync_id}-{minute}",
        sync_id=sync_id,
        sync_type="playlist_mirror",
        status=status,
        started_at=START + timedelta(minutes=minute),
        finished_at=START + timedelta(minutes=minute, seconds=1),
        duration_ms=1000,
        added=minute,
    )


def test_history_keeps_the_last_50_per_sync_newest_first() -> None:
    history = RunHistory()
    for minute in range(60):
        history.add(_record("a", minute))
    history.add(_record("b", 100))
    runs = history.runs("a")
    assert len(runs) == HISTORY_LIMIT == 50
    assert [r.added for r in runs] == list(range(59, 9, -1))
    assert [r.added for r in history.runs("a", limit=3)] == [59, 58, 57]
    assert [r.run_id for r in history.runs(limit=2)] == ["b-100", "a-59"]
    assert history.runs("nothing") == []
    assert history.last("a") is runs[0]
    assert len(history) == 51
    history.remove("b")
    assert history.sync_ids == ["a"]
    history.retain([])
    assert len(history) == 0


def test_history_round_trip_through_the_store() -> None:
    history = RunHistory()
    history.add(_record("a", 1))
    history.add(_record("a", 2, RunStatus.NOOP))
    history.add(_record("b", 3, RunStatus.RATE_LIMITED))
    stored = history.to_store()
    import json

    loaded = RunHistory.from_store(json.loads(json.dumps(stored)))
    assert [r.as_dict() for r in loaded.runs("a")] == [r.as_dict() for r in history.runs("a")]
    assert loaded.runs("b")[0].status is RunStatus.RATE_LIMITED
    assert loaded.runs("b")[0].started_at == START + timedelta(minutes=3)


def test_history_from_a_damaged_store() -> None:
    good = _record("a", 1).as_dict()
    running = {**_record("a", 2).as_dict(), "status": "running"}
    data = {
        "runs": {
            "a": [good, {"status": "nonsense"}, running, "not a record"],
            "b": "not a list",
        }
    }
    loaded = RunHistory.from_store(data)
    runs = loaded.runs("a")
    assert [r.run_id for r in runs] == ["a-2", "a-1"]
    assert runs[0].status is RunStatus.FAILED  # never left as running
    assert runs[0].reason == "interrupted"
    assert loaded.runs("b") == []
    assert len(RunHistory.from_store(None)) == 0
    assert len(RunHistory.from_store({"runs": []})) == 0


def test_history_never_stores_a_running_record() -> None:
    history = RunHistory()
    record = _record("a", 1, RunStatus.RUNNING)
    history.add(record)
    assert history.runs("a")[0].status is RunStatus.FAILED
