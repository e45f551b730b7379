"""The playlist history (pure): versions, bounds, the stored form, and keeping a version."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
import json
from typing import Any

import pytest

from custom_components.spotifreak.core.errors import HistorySaveError
from custom_components.spotifreak.core.history import (
    REASON_BEFORE_REPLACE,
    REASON_BEFORE_RESTORE,
    REASON_MANUAL,
    HistoryKeeper,
    PlaylistHistory,
    PlaylistVersion,
    SnapshotItem,
    changes_since,
    holds_local_files,
    item_kind,
)
from custom_components.spotifreak.core.records import PlaylistRecord
from custom_components.spotifreak.core.spotify import PlaylistItem, item_from_entry

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
LOCAL = "spotify:local:Home+Band:Demo+Tape:Kitchen+Song:200"
EPISODE = "spotify:episode:4rOoJ6Egrf8K2IrywzwOMk"


def _track(n: int) -> str:
    return f"spotify:track:{n:022d}"


def _record(playlist_id: str = "p1", name: str = "Mix") -> PlaylistRecord:
    return PlaylistRecord(
        id=playlist_id,
        uri=f"spotify:playlist:{playlist_id}",
        name=name,
        owner="me",
        collaborative=False,
        public=False,
        snapshot_id="snap",
        tracks_total=0,
    )


def _version(
    number: int,
    playlist_id: str = "p1",
    uris: list[str | None] | None = None,
    reason: str = REASON_MANUAL,
) -> PlaylistVersion:
    uris = uris if uris is not None else [_track(1), _track(2)]
    return PlaylistVersion(
        version=number,
        playlist_id=playlist_id,
        name="Mix",
        snapshot_id=f"s{number}",
        taken_at=T0 + timedelta(minutes=number),
        reason=reason,
        items=tuple(SnapshotItem(uri, item_kind(uri)) for uri in uris),
    )


def test_kinds_and_what_can_be_restored() -> None:
    assert [item_kind(uri) for uri in (_track(1), EPISODE, LOCAL, None, "spotify:show:x")] == [
        "track",
        "episode",
        "local",
        "unavailable",
        "unavailable",
    ]
    version = _version(1, uris=[_track(1), LOCAL, None, EPISODE, _track(1)])
    assert version.restorable_uris == [_track(1), EPISODE, _track(1)]
    assert [item.uri for item in version.unrestorable] == [LOCAL, None]
    assert version.summary()["tracks"] == 5
    assert version.summary()["unrestorable"] == 2
    assert holds_local_files([_track(1), None, LOCAL])
    assert not holds_local_files([_track(1), None])


def test_items_keep_what_spotify_said() -> None:
    """Title and artists of a track, title and show of an episode, a local file's names."""
    track = item_from_entry(
        {
            "added_at": "2025-01-02T03:04:05Z",
            "item": {
                "type": "track",
                "uri": _track(7),
                "name": "Hoppípolla",
                "artists": [{"name": "Sigur Rós"}, {"name": "Guest"}, {}],
            },
        }
    )
    episode = item_from_entry(
        {"track": {"type": "episode", "uri": EPISODE, "name": "Ep 1", "show": {"name": "Talk"}}}
    )
    local = item_from_entry(
        {"is_local": True, "track": {"uri": LOCAL, "name": "Kitchen Song", "artists": []}}
    )
    unknown = item_from_entry({"track": {"type": "chapter", "uri": "spotify:chapter:x"}})
    assert (track.name, track.artist, track.added_at) == (
        "Hoppípolla",
        "Sigur Rós, Guest",
        "2025-01-02T03:04:05Z",
    )
    assert (episode.kind, episode.name, episode.artist) == ("episode", "Ep 1", "Talk")
    assert (local.kind, local.name, local.artist) == ("local", "Kitchen Song", None)
    assert (unknown.kind, unknown.name, unknown.artist) == ("unavailable", None, None)
    assert SnapshotItem.from_item(track).as_dict() == {
        "uri": _track(7),
        "added_at": "2025-01-02T03:04:05Z",
        "kind": "track",
        "name": "Hoppípolla",
        "artist": "Sigur Rós, Guest",
    }


def test_changes_since_count_entries() -> None:
    version = _version(1, uris=[_track(1), _track(2), _track(2), None])
    assert changes_since(version, [_track(2), _track(3), _track(3), None]) == (2, 2)
    assert changes_since(version, [_track(2), _track(1), _track(2)]) == (0, 0)  # order aside


def test_versions_per_playlist_are_bounded() -> None:
    history = PlaylistHistory(max_versions=2)
    for number in (1, 2, 3):
        history.add(_version(number))
    history.add(_version(4, playlist_id="p2"))
    assert [v.version for v in history.versions("p1")] == [3, 2]
    assert len(history) == 3
    assert history.get(1) is None
    assert history.get(4) is not None
    assert history.versions("nothing") == []


def test_the_size_cap_drops_the_oldest_first_but_never_the_newest() -> None:
    one = len(json.dumps(_version(1).as_dict(), separators=(",", ":")))
    history = PlaylistHistory(max_versions=10, max_bytes=2 * one + one // 2)
    history.add(_version(1, playlist_id="a"))
    history.add(_version(2, playlist_id="b"))
    dropped = history.add(_version(3, playlist_id="c"))
    assert [v.version for v in dropped] == [1]
    assert history.versions("a") == []
    assert history.size <= history.max_bytes
    huge = _version(4, uris=[_track(n) for n in range(500)])
    history.add(huge)  # larger than the cap alone: kept, everything else goes
    assert [v.version for vs in (history.versions(p) for p in "abc") for v in vs] == []
    assert [v.version for v in history.versions("p1")] == [4]


def test_the_default_restore_skips_the_versions_restores_took() -> None:
    history = PlaylistHistory()
    assert history.default_for_restore("p1") is None
    history.add(_version(1, reason=REASON_BEFORE_REPLACE))
    history.add(_version(2, reason=REASON_BEFORE_RESTORE))
    found = history.default_for_restore("p1")
    assert found is not None
    assert found.version == 1


def test_the_stored_form_round_trips_and_survives_junk() -> None:
    history = PlaylistHistory()
    history.add(_version(3, uris=[_track(1), LOCAL, None]))
    history.add(_version(5, playlist_id="p2"))
    history.mark_created("p9")
    assert not history.mark_created("p9")
    stored = json.loads(json.dumps(history.to_store()))
    stored["playlists"]["p1"].append({"version": "x"})  # unreadable: dropped
    stored["playlists"]["p3"] = "junk"
    back = PlaylistHistory.from_store(stored)
    assert [v.version for v in back.versions("p1")] == [3]
    assert back.versions("p1")[0] == history.versions("p1")[0]
    assert back.created == {"p9"}
    assert back.new_version_number() == 6
    assert len(PlaylistHistory.from_store(None)) == 0
    assert len(PlaylistHistory.from_store({"playlists": [], "created": "x"})) == 0
    bounded = PlaylistHistory.from_store(stored, max_versions=1, max_bytes=0)
    assert len(bounded) == 1  # the newest is never dropped for size
    with pytest.raises(ValueError, match="without its time"):
        PlaylistVersion.from_dict({"version": 1, "playlist": "p", "items": []})


def test_a_rollback_undoes_an_add() -> None:
    history = PlaylistHistory(max_versions=1)
    history.add(_version(1))
    checkpoint = history.checkpoint()
    history.add(_version(2))
    assert [v.version for v in history.versions("p1")] == [2]
    history.rollback(checkpoint)
    assert [v.version for v in history.versions("p1")] == [1]
    assert history.to_store()["playlists"]["p1"][0]["version"] == 1


ITEMS = [
    PlaylistItem(_track(1), "track", "2025-01-01T00:00:00Z", "One", "A"),
    PlaylistItem(LOCAL, "local", None, "Kitchen Song", "Home Band"),
]


async def test_the_keeper_saves_before_it_counts() -> None:
    saved: list[dict[str, Any]] = []
    kept: list[PlaylistVersion] = []
    changed: list[bool] = []

    async def persist(data: dict[str, Any]) -> None:
        saved.append(data)

    keeper = HistoryKeeper(
        persist=persist, on_kept=kept.append, on_changed=lambda: changed.append(True)
    )
    version = await keeper.keep(
        _record(), ITEMS, reason=REASON_BEFORE_REPLACE, taken_at=T0, run_id="r", sync_id="s"
    )
    assert (version.version, version.reason, version.run_id, version.sync_id) == (
        1,
        "before_replace",
        "r",
        "s",
    )
    assert saved[-1]["playlists"]["p1"][0]["items"][1]["kind"] == "local"
    assert kept == [version]
    assert keeper.snapshots == {"s": 1}
    keeper.mark_created("p1")
    keeper.mark_created("p1")
    assert changed == [True]
    assert keeper.is_created("p1")
    assert not keeper.is_created("p2")


async def test_a_version_that_cannot_be_saved_is_not_kept() -> None:
    async def broken(_data: dict[str, Any]) -> None:
        raise OSError("disk full")

    keeper = HistoryKeeper(persist=broken)
    with pytest.raises(HistorySaveError):
        await keeper.keep(_record(), ITEMS, reason=REASON_MANUAL, taken_at=T0)
    assert len(keeper.history) == 0
    assert not keeper.snapshots

    async def cancelled(_data: dict[str, Any]) -> None:
        raise asyncio.CancelledError

    keeper = HistoryKeeper(persist=cancelled)
    with pytest.raises(asyncio.CancelledError):
        await keeper.keep(_record(), ITEMS, reason=REASON_MANUAL, taken_at=T0)
    assert len(keeper.history) == 0
