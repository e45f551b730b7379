"""The data model, the seeded generator, search matching and JSON datasets."""

from __future__ import annotations

import json
from pathlib import Path
import re
from typing import Any

import pytest

from tests.emulator import PERIODS, Library, LibraryError, Track, library as library_module
from tests.emulator.library import parse_query

ID = re.compile(r"^[0-9A-Za-z]{22}$")


def fresh(**params: Any) -> Library:
    """Generate without the per-arguments cache, to prove the generator itself is deterministic."""
    library_module._GENERATED.clear()
    return Library.generate(**params)


def test_same_seed_same_library() -> None:
    first = fresh(seed=7, playlists=30, liked=40, catalogue=120)
    second = fresh(seed=7, playlists=30, liked=40, catalogue=120)
    assert json.dumps(first.to_json()) == json.dumps(second.to_json())
    other = fresh(seed=8, playlists=30, liked=40, catalogue=120)
    assert {p.id for p in other.playlists.values()}.isdisjoint(
        {p.id for p in first.playlists.values()}
    )


def test_generate_hands_out_independent_copies() -> None:
    first = Library.generate(seed=1)
    second = Library.generate(seed=1)
    owned = next(p for p in first.followed_playlists if p.owner_id == first.user_id and p.entries)
    first.add_items(owned.id, [first.catalogue[0]])
    first.liked.clear()
    assert len(second.playlists[owned.id].entries) == len(owned.entries) - 1
    assert second.liked
    assert not second.changes


def test_sizes_are_honoured() -> None:
    lib = Library.generate(seed=2, playlists=75, liked=60, catalogue=150, lastfm_users=2)
    assert len(lib.me_playlists) == 75
    assert sum(p is None for p in lib.me_playlists) == 1
    assert len(lib.liked) == 60
    assert len(lib.catalogue) == 150
    assert lib.lastfm_users == ["emulator_fm", "emulator_fm2"]
    assert len(lib.playlists) == 74 + 7  # followed ones plus max(2, 75 // 10) not followed


def test_generated_library_is_realistic() -> None:
    lib = Library.generate(seed=1)
    me = lib.user_id
    followed = lib.followed_playlists
    names = [p.name for p in followed]
    # literal null entry, duplicate and near-duplicate names, Unicode of every kind
    assert None in lib.me_playlists
    assert names.count("Chill") >= 2
    assert "chill" in names
    assert any(name != name.strip() for name in names)
    for needle in ("Crème", "Röyksopp", "daylist • ", "\u2019", "🔥"):
        assert any(needle in name for name in names), needle
    # ownership variety
    assert any(p.collaborative and p.owner_id == me for p in followed)
    assert any(p.collaborative and p.owner_id != me and me in p.collaborators for p in followed)
    read_only = [p for p in followed if not p.can_edit(me) and not p.spotify_owned]
    assert read_only
    assert any(p.spotify_owned and p.id.startswith("37i9dQZF1") for p in followed)
    assert any(p.public is None for p in followed)
    assert any(p.images is None and not p.entries for p in followed)
    assert any(
        p.entries and all(e.added_at is None and e.added_by is None for e in p.entries)
        for p in followed
    )
    assert any(len(p.entries) > 100 and p.can_edit(me) for p in followed)
    # ids and items
    assert all(ID.match(p.id) for p in lib.playlists.values())
    assert all(t.id and ID.match(t.id) for t in lib.catalogue)
    uris = [e.uri for p in lib.playlists.values() for e in p.entries]
    assert None in uris
    assert any(u and u.startswith("spotify:episode:") for u in uris)
    local = [u for u in uris if u and u.startswith("spotify:local:")]
    assert local
    assert any("+" in u for u in local)
    assert all(lib.local_tracks[u].id is None and lib.local_tracks[u].is_local for u in local)
    assert any(not t.is_playable for t in lib.catalogue)
    assert any(len(t.artists) > 1 for t in lib.catalogue)
    assert any(t.name.endswith((" - Remastered 2011", " (Live)")) for t in lib.catalogue)
    # liked songs: distinct catalogue tracks, newest first
    stamps = [s.added_at for s in lib.liked]
    assert stamps == sorted(stamps, reverse=True)
    assert len(set(stamps)) == len(stamps)
    assert len({s.uri for s in lib.liked}) == len(lib.liked)
    assert all(s.uri in lib.tracks for s in lib.liked)


def test_lastfm_data() -> None:
    lib = Library.generate(seed=1)
    user = lib.lastfm["emulator_fm"]
    assert set(user.top_tracks) == set(PERIODS)
    for tracks in user.top_tracks.values():
        counts = [t.playcount for t in tracks]
        assert counts == sorted(counts, reverse=True)
    overall = user.period("overall")
    matched = [t for t in overall if t.expected_uri is not None]
    assert 0.75 <= len(matched) / len(overall) < 1
    assert any("(feat. " in t.name for t in overall)
    assert any(t.mbid == "" for t in overall)
    assert any(t.mbid for t in overall)
    # a track named exactly as in the catalogue is found by a field-filtered search
    exact = [t for t in matched if t.expected_uri and t.name == lib.tracks[t.expected_uri].name]
    assert exact
    for track in exact[:20]:
        escaped_name = track.name.replace('"', '\\"')
        found = lib.search_tracks(f'track:"{escaped_name}" artist:"{track.artist}"')
        assert track.expected_uri in [t.uri for t in found]


def test_json_round_trip(tmp_path: Path) -> None:
    lib = Library.generate(seed=4, playlists=25, liked=30, catalogue=80)
    lib.create_playlist("Added later", items=[lib.catalogue[0], lib.catalogue[1]])
    path = tmp_path / "library.json"
    lib.save(path)
    loaded = Library.load(path)
    assert loaded.to_json() == lib.to_json()
    assert [p.id if p else None for p in loaded.me_playlists] == [
        p.id if p else None for p in lib.me_playlists
    ]
    playlist = next(p for p in lib.followed_playlists if p.entries)
    assert loaded.playlists[playlist.id].snapshot_id == playlist.snapshot_id
    assert loaded.lastfm["emulator_fm"].period("7day") == lib.lastfm["emulator_fm"].period("7day")


def test_minimal_hand_written_dataset() -> None:
    track_id = "4iV5W9uYEdYUVa79Axb7Rh"
    lib = Library.from_json(
        {
            "user": {"id": "alice", "display_name": "Alice"},
            "tracks": [{"id": track_id, "name": "Song", "artists": ["Band"]}],
            "local_tracks": [
                {"name": "Demo", "artists": ["Me"], "album": "Tapes", "duration_ms": 61000}
            ],
            "playlists": [
                {
                    "id": "0" * 22,
                    "name": "Mine",
                    "items": [f"spotify:track:{track_id}", "spotify:local:Me:Tapes:Demo:61", None],
                },
                {"id": "1" * 22, "name": "Theirs", "owner": "bob"},
            ],
            "liked": [f"spotify:track:{track_id}"],
        }
    )
    assert lib.user_id == "alice"
    assert [p.name for p in lib.followed_playlists] == ["Mine", "Theirs"]
    assert lib.playlist_uris("0" * 22) == [
        f"spotify:track:{track_id}",
        "spotify:local:Me:Tapes:Demo:61",
    ]
    assert not lib.playlists["1" * 22].can_edit("alice")
    with pytest.raises(LibraryError):
        Library.from_json(
            {"playlists": [{"name": "Broken", "items": ["spotify:track:" + "9" * 22]}]}
        )
    with pytest.raises(LibraryError):
        Library.from_json({"format": "something-else"})


def test_mutations_move_snapshot_and_are_logged() -> None:
    lib = Library.generate(seed=1)
    a, b, c = lib.catalogue[:3]
    playlist = lib.create_playlist("Scratch", items=[a])
    assert lib.me_playlists[0] is playlist
    snapshots = [playlist.snapshot_id]
    lib.add_items(playlist.id, [b, c.uri, b], position=0)
    assert lib.playlist_uris(playlist.id) == [b.uri, c.uri, b.uri, a.uri]
    snapshots.append(playlist.snapshot_id)
    lib.reorder_items(playlist.id, range_start=3, insert_before=0)
    assert lib.playlist_uris(playlist.id) == [a.uri, b.uri, c.uri, b.uri]
    snapshots.append(playlist.snapshot_id)
    lib.remove_items(playlist.id, [b])
    assert lib.playlist_uris(playlist.id) == [a.uri, c.uri]
    snapshots.append(playlist.snapshot_id)
    lib.replace_items(playlist.id, [c])
    snapshots.append(playlist.snapshot_id)
    lib.rename_playlist(playlist.id, "Scratch 2")
    snapshots.append(playlist.snapshot_id)
    lib.remove_items(playlist.id, [a])  # removes nothing: the snapshot still moves
    snapshots.append(playlist.snapshot_id)
    assert len(set(snapshots)) == len(snapshots)
    lib.add_liked([a, b])
    assert [s.uri for s in lib.liked[:2]] == [a.uri, b.uri]
    assert lib.liked[0].added_at > lib.liked[1].added_at
    lib.delete_playlist(playlist.id)
    assert not lib.is_followed(playlist.id)
    assert playlist.id in lib.playlists  # unfollowed, still reachable by id
    kinds = [change.kind for change in lib.changes]
    assert kinds == [
        "playlist_created",
        "items_added",
        "items_reordered",
        "items_removed",
        "items_replaced",
        "playlist_renamed",
        "items_removed",
        "liked_added",
        "playlist_deleted",
    ]
    assert {change.source for change in lib.changes} == {"test"}
    assert lib.changes[1].count == 3
    assert lib.changes[3].count == 2
    assert lib.changes[6].count == 0
    with lib.acting_as("api"):
        lib.rename_playlist(playlist.id, "Scratch 3")
    assert lib.changes[-1].source == "api"


def test_library_rejects_what_spotify_would() -> None:
    lib = Library.generate(seed=1)
    playlist = lib.create_playlist("Scratch")
    with pytest.raises(LibraryError):
        lib.add_items(playlist.id, ["spotify:track:" + "0" * 22])
    local = next(iter(lib.local_tracks.values()))
    with pytest.raises(LibraryError):
        lib.add_liked([local])
    with pytest.raises(LibraryError):
        lib.reorder_items(playlist.id, 0, 0)
    with pytest.raises(LibraryError):
        lib.playlist("nope")


def test_parse_query() -> None:
    filters, free = parse_query(
        'track:"Don\\"t Stop" artist:Queen  live year:1970-1980 foo:bar "two words"'
    )
    assert filters == {"track": ['Don"t Stop'], "artist": ["Queen"], "year": ["1970-1980"]}
    assert free == ["live", "foo:bar", "two words"]


def test_search_matching() -> None:
    lib = Library.empty(catalogue=0)
    royksopp = lib.add_catalogue_track(
        "Eple", ["Röyksopp"], "Melody A.M.", release_date="2001-01-01"
    )
    curly = lib.add_catalogue_track("Don\u2019t Let Go", ["The Band"], popularity=10)
    straight = lib.add_catalogue_track(
        "Don't Let Go - Remastered 2011", ["The Band"], popularity=90
    )
    quoted = lib.add_catalogue_track('Say "Hello"', ["Quoter"])
    feat = lib.add_catalogue_track("Duet", ["Singer", "Guest Star"])

    def uris(query: str) -> list[str]:
        return [t.uri for t in lib.search_tracks(query)]

    assert uris('track:"eple" artist:"Royksopp"') == [royksopp.uri]
    assert uris("EPLE röyksopp") == [royksopp.uri]
    assert uris('artist:"Röyksopp" year:2000-2002') == [royksopp.uri]
    assert uris('artist:"Röyksopp" year:1999') == []
    # an exact title match ranks first; otherwise popularity decides
    assert uris('track:"Don\'t Let Go" artist:"The Band"') == [curly.uri, straight.uri]
    assert uris("let go") == [straight.uri, curly.uri]
    assert uris('track:"Say \\"Hello\\""') == [quoted.uri]
    assert uris('track:"Duet" artist:"Guest Star"') == [feat.uri]
    assert uris('track:"Duet (feat. Guest Star)"') == []
    assert uris(f"isrc:{royksopp.isrc}") == [royksopp.uri]
    assert isinstance(lib.tracks[royksopp.uri], Track)
