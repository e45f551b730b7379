"""An account's syncs without Home Assistant, against the emulator through the real client."""

from __future__ import annotations

import pytest

from custom_components.spotifreak.core.account_syncs import AccountSyncs
from custom_components.spotifreak.core.engine import SyncInputError
from custom_components.spotifreak.core.runs import RunRecord, RunStatus
from tests.core.sync_helpers import Account, Runner
from tests.emulator import Emulator


@pytest.fixture
def account(emulator: Emulator) -> Account:
    return Account(emulator)


async def test_a_sync_keeps_its_state_between_runs(account: Account) -> None:
    account.emu.library.create_playlist("Kept")
    await account.refresh()
    syncs = AccountSyncs(account.client, account.directory, bind=Runner, now=account.now)
    finished: list[RunRecord] = []
    options = {"source": "liked_songs", "targets": ["Kept"], "max_tracks": 5}
    first = await syncs.run("playlist_mirror", options, "monthly", on_finished=finished.append)
    assert first.status is RunStatus.SUCCESS
    assert set(syncs.states) == {"monthly"}
    account.emu.reset_log()
    second = await syncs.run("playlist_mirror", options, "monthly")
    assert second.status is RunStatus.UP_TO_DATE  # the cursor was kept
    assert second.api_calls == account.emu.spotify_calls == 1
    assert [run.run_id for run in syncs.history.runs("monthly")] == [second.run_id, first.run_id]
    assert finished == [first]
    assert syncs.lock_for("p") is syncs.lock_for("p")


async def test_refused_input_is_recorded_and_raised(account: Account) -> None:
    syncs = AccountSyncs(account.client, account.directory, bind=Runner, now=account.now)
    with pytest.raises(SyncInputError):
        await syncs.run("lastfm_top_tracks", {"playlist": "Top"}, "weekly")
    last = syncs.history.last("weekly")
    assert last is not None and last.reason == "lastfm_not_configured"
