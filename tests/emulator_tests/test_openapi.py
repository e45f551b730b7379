"""The schema check itself: it must reject what the reference rejects, and relax no more than the
reference README allows."""

from __future__ import annotations

import copy

import pytest

from tests.emulator import Library
from tests.emulator.spotify_api import Serializer

from .openapi import validate_error, validate_response, validate_schema

API = "http://127.0.0.1:1/v1/"


@pytest.fixture
def serializer() -> Serializer:
    return Serializer(Library.generate(seed=1), API, "both")


def test_valid_payloads_pass(serializer: Serializer) -> None:
    lib = serializer.lib
    playlist = next(p for p in lib.followed_playlists if p.owner_id == lib.user_id and p.entries)
    validate_response(
        "/playlists/{playlist_id}", "get", 200, serializer.full_playlist(playlist, with_items=True)
    )
    validate_schema("TrackObject", serializer.track(lib.catalogue[0]))
    validate_error(429, {"error": {"status": 429, "message": "API rate limit exceeded"}})


def test_broken_payloads_fail(serializer: Serializer) -> None:
    lib = serializer.lib
    playlist = next(p for p in lib.followed_playlists if p.owner_id == lib.user_id and p.entries)
    page = serializer.entries_page(playlist, "items", 50, 0, {})
    missing_next = {k: v for k, v in page.items() if k != "next"}
    with pytest.raises(AssertionError, match="next"):
        validate_response("/playlists/{playlist_id}/items", "get", 200, missing_next)
    wrong_type = copy.deepcopy(page)
    wrong_type["total"] = "12"
    with pytest.raises(AssertionError):
        validate_response("/playlists/{playlist_id}/items", "get", 200, wrong_type)
    with pytest.raises(AssertionError):
        validate_error(404, {"error": {"status": 404}})
    with pytest.raises(AssertionError):
        validate_error(404, {"message": "Not found"})


def test_relaxations_are_exactly_the_listed_ones(serializer: Serializer) -> None:
    lib = serializer.lib
    local = serializer.track(next(iter(lib.local_tracks.values())))
    # a local track passes inside a playlist entry (listed relaxation) ...
    entry = {"added_at": None, "added_by": None, "is_local": True, "item": local, "track": local}
    validate_schema("PlaylistTrackObject", entry)
    # ... but a TrackObject with a null id is still wrong anywhere else
    with pytest.raises(AssertionError):
        validate_schema("TrackObject", local)
    # ... and a "local" track must say so
    with pytest.raises(AssertionError):
        validate_schema("PlaylistTrackObject", {**entry, "item": {**local, "is_local": False}})
    # null item/track/added_at/added_by and playlist images/description/public: listed
    validate_schema(
        "PlaylistTrackObject",
        {"added_at": None, "added_by": None, "is_local": False, "item": None, "track": None},
    )
    simple = serializer.simplified_playlist(lib.followed_playlists[0])
    assert simple is not None
    validate_schema(
        "SimplifiedPlaylistObject", {**simple, "images": None, "description": None, "public": None}
    )
    # not listed: a null name or a null snapshot_id
    with pytest.raises(AssertionError):
        validate_schema("SimplifiedPlaylistObject", {**simple, "name": None})
    with pytest.raises(AssertionError):
        validate_schema("SimplifiedPlaylistObject", {**simple, "snapshot_id": None})
    # episodes may lack is_playable (listed), not their show (not listed)
    episode = serializer.episode(next(iter(lib.episodes.values())))
    assert "is_playable" not in episode
    validate_schema("EpisodeObject", episode)
    with pytest.raises(AssertionError):
        validate_schema("EpisodeObject", {k: v for k, v in episode.items() if k != "show"})
    # a date that is not a date-time fails the format check
    track = serializer.track(lib.catalogue[0])
    with pytest.raises(AssertionError):
        validate_schema("SavedTrackObject", {"added_at": "yesterday", "track": track})
