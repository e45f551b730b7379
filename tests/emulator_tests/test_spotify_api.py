"""The Web API under /v1/, driven by spotipy 2.26.0 configured as the integration configures it,
every response checked against the OpenAPI description."""

from __future__ import annotations

from datetime import datetime
import math
from typing import Any

import aiohttp
import pytest
import spotipy

from tests.emulator import Emulator, Library, Playlist
from tests.emulator.pytest_plugin import spotipy_client

from .helpers import fetch, in_executor
from .openapi import validate_error, validate_response

ITEMS = "/playlists/{playlist_id}/items"
TRACKS = "/playlists/{playlist_id}/tracks"


def without_null_entries(page: dict[str, Any]) -> dict[str, Any]:
    """`/me/playlists` really contains literal null entries (docs/spotify-api.md); the reference
    README does not list that among its relaxations, so nulls are asserted by the tests
    themselves and the rest of the page is validated as it stands."""
    return {**page, "items": [item for item in page["items"] if item is not None]}


def owned(lib: Library, *, min_items: int = 1) -> Playlist:
    return next(
        p
        for p in lib.followed_playlists
        if p.owner_id == lib.user_id and not p.collaborative and len(p.entries) >= min_items
    )


def read_only(lib: Library) -> Playlist:
    return next(
        p for p in lib.followed_playlists if not p.can_edit(lib.user_id) and not p.spotify_owned
    )


def spotify_owned(lib: Library) -> Playlist:
    return next(p for p in lib.followed_playlists if p.spotify_owned)


async def raises(fn: Any, *args: Any, **kwargs: Any) -> spotipy.SpotifyException:
    with pytest.raises(spotipy.SpotifyException) as info:
        await in_executor(fn, *args, **kwargs)
    return info.value


async def test_me(
    emulator: Emulator, spotify: Any, http: aiohttp.ClientSession, auth: dict[str, str]
) -> None:
    me = await in_executor(spotify.me)
    validate_response("/me", "get", 200, me)
    assert me["id"] == emulator.library.user_id
    assert me["display_name"] == "Emulator User"
    assert me["uri"] == f"spotify:user:{me['id']}"
    assert emulator.count("GET", "/v1/me/") == 1  # spotipy asks for /me/ with the slash
    status, body, _ = await fetch(http, "GET", f"{emulator.api_url}me", headers=auth)
    assert status == 200
    assert body == me


@pytest.mark.emulator(playlists=120)
async def test_paging_my_playlists_to_exhaustion(emulator: Emulator, spotify: Any) -> None:
    lib = emulator.library
    page = await in_executor(spotify.current_user_playlists, limit=50)
    pages = [page]
    while page["next"]:
        assert page["next"].startswith(emulator.api_url + "me/playlists?")
        page = await in_executor(spotify.next, page)
        pages.append(page)
    assert await in_executor(spotify.next, page) is None
    assert emulator.count("GET", "/v1/me/playlists") == math.ceil(120 / 50) == len(pages)
    items = [item for p in pages for item in p["items"]]
    assert [i["id"] if i else None for i in items] == [
        p.id if p else None for p in lib.me_playlists
    ]
    assert None in items
    assert [p["offset"] for p in pages] == [0, 50, 100]
    assert pages[0]["previous"] is None
    assert pages[1]["previous"] == pages[0]["href"]
    assert all(p["total"] == 120 and p["limit"] == 50 for p in pages)
    for p in pages:
        assert list(p) == ["href", "items", "limit", "next", "offset", "previous", "total"]
        validate_response("/me/playlists", "get", 200, without_null_entries(p))


async def test_my_playlists_limits(
    emulator: Emulator, spotify: Any, http: aiohttp.ClientSession, auth: dict[str, str]
) -> None:
    error = await raises(spotify.current_user_playlists, limit=51)
    assert error.http_status == 400
    assert "Invalid limit" in error.msg
    for query in ("limit=0", "limit=abc", "offset=-1", "offset=100001"):
        status, body, _ = await fetch(
            http, "GET", f"{emulator.api_url}me/playlists?{query}", headers=auth
        )
        assert status == 400, query
        validate_error(400, body)
    status, body, _ = await fetch(
        http,
        "GET",
        f"{emulator.api_url}me/playlists",
        headers={**auth, "Content-Type": "application/json"},
    )
    assert status == 200
    assert body["limit"] == 20
    assert len(body["items"]) == 20
    status, body, _ = await fetch(
        http, "GET", f"{emulator.api_url}me/playlists?offset=100000&limit=50", headers=auth
    )
    assert status == 200
    assert body["items"] == []
    assert body["next"] is None


async def test_get_playlist_and_fields(emulator: Emulator, spotify: Any) -> None:
    playlist = emulator.library.playlists_named("Big Mix")[0]
    full = await in_executor(spotify.playlist, playlist.id)
    validate_response("/playlists/{playlist_id}", "get", 200, full)
    assert full["snapshot_id"] == playlist.snapshot_id
    assert full["items"]["total"] == full["tracks"]["total"] == len(playlist.entries) > 100
    assert len(full["items"]["items"]) == 50  # the limit /items accepts, so `next` is followable
    assert len(full["tracks"]["items"]) == 100
    following = await in_executor(spotify.next, full["items"])
    assert following["offset"] == 50
    assert emulator.count("GET", f"/v1/playlists/{playlist.id}/items") == 1

    only = await in_executor(spotify.playlist, playlist.id, fields="snapshot_id")
    assert only == {"snapshot_id": playlist.snapshot_id}
    some = await in_executor(
        spotify.playlist, playlist.id, fields="name,owner.id,items(total,items(item(name)))"
    )
    assert set(some) == {"name", "owner", "items"}
    assert some["owner"] == {"id": emulator.library.user_id}
    assert set(some["items"]) == {"total", "items"}
    assert all(set(row) == {"item"} for row in some["items"]["items"])
    excluded = await in_executor(spotify.playlist, playlist.id, fields="!items,!tracks,!owner")
    assert "items" not in excluded
    assert "owner" not in excluded
    assert excluded["name"] == playlist.name
    error = await raises(spotify.playlist, playlist.id, fields="items(")
    assert error.http_status == 400
    page = await in_executor(
        spotify.playlist_items, playlist.id, fields="next,total,items(item(uri))"
    )
    assert set(page) == {"next", "total", "items"}
    first = playlist.entries[0].uri
    assert page["items"][0] == {"item": {"uri": first} if first else None}
    following = await in_executor(spotify.next, page)
    assert set(following) == {"next", "total", "items"}  # `fields` is carried into `next`


@pytest.mark.emulator(payload_shape="both")
async def test_playlist_items_paging_and_limits(emulator: Emulator, spotify: Any) -> None:
    playlist = emulator.library.playlists_named("Big Mix")[0]
    page = await in_executor(spotify.playlist_items, playlist.id, limit=50)
    rows = list(page["items"])
    while page["next"]:
        page = await in_executor(spotify.next, page)
        rows.extend(page["items"])
    assert emulator.count("GET", f"/v1/playlists/{playlist.id}/items") == math.ceil(
        len(playlist.entries) / 50
    )
    assert [r["item"]["uri"] if r["item"] else None for r in rows] == [
        e.uri for e in playlist.entries
    ]
    assert all(r["item"] == r["track"] for r in rows)
    # /tracks still allows 100; /items 50
    legacy = await in_executor(spotify._get, f"playlists/{playlist.id}/tracks", limit=100)
    validate_response(TRACKS, "get", 200, legacy)
    assert len(legacy["items"]) == 100
    error = await raises(spotify.playlist_items, playlist.id, limit=51)
    assert error.http_status == 400
    assert (
        await raises(spotify._get, f"playlists/{playlist.id}/tracks", limit=101)
    ).http_status == 400


async def test_entries_of_every_kind_validate(emulator: Emulator, spotify: Any) -> None:
    """Local files, episodes, unavailable (null) items, unplayable tracks, null added_at."""
    lib = emulator.library
    local = next(iter(lib.local_tracks.values()))
    episode = next(iter(lib.episodes.values()))
    unplayable = next(t for t in lib.catalogue if not t.is_playable)
    playlist = lib.create_playlist(
        "Every kind", items=[lib.catalogue[0], local, episode, unplayable]
    )
    playlist.entries.append(type(playlist.entries[0])(None, None, None))
    page = await in_executor(spotify.playlist_items, playlist.id)
    validate_response(ITEMS, "get", 200, page)
    validate_response(
        "/playlists/{playlist_id}", "get", 200, await in_executor(spotify.playlist, playlist.id)
    )
    rows = page["items"]
    assert [r["is_local"] for r in rows] == [False, True, False, False, False]
    assert rows[1]["item"]["id"] is None
    assert rows[1]["item"]["href"] is None
    assert rows[1]["item"]["uri"] == local.uri
    assert rows[2]["item"]["type"] == "episode"
    assert "is_playable" not in rows[2]["item"]
    assert rows[3]["item"]["is_playable"] is False
    assert rows[4]["item"] is None
    assert rows[4]["track"] is None
    assert rows[4]["added_at"] is None
    assert rows[4]["added_by"] is None


async def test_ownership_rules(emulator: Emulator, spotify: Any) -> None:
    lib = emulator.library
    theirs = read_only(lib)
    full = await in_executor(spotify.playlist, theirs.id)
    validate_response("/playlists/{playlist_id}", "get", 200, full)
    assert full["owner"]["id"] == theirs.owner_id
    assert "items" not in full  # contents only for playlists the user owns or collaborates on
    assert "tracks" not in full
    for call, args in (
        (spotify.playlist_items, (theirs.id,)),
        (spotify.playlist_add_items, (theirs.id, [lib.catalogue[0].uri])),
        (spotify.playlist_replace_items, (theirs.id, [lib.catalogue[0].uri])),
        (spotify.playlist_remove_all_occurrences_of_items, (theirs.id, [lib.catalogue[0].uri])),
    ):
        error = await raises(call, *args)
        assert error.http_status == 403, call
        assert "Forbidden" in error.msg
    editorial = spotify_owned(lib)
    for call in (spotify.playlist, spotify.playlist_items):
        error = await raises(call, editorial.id)
        assert error.http_status == 404
        assert "Resource not found" in error.msg
    shared = next(
        p for p in lib.followed_playlists if p.collaborative and p.owner_id != lib.user_id
    )
    assert (await in_executor(spotify.playlist_items, shared.id))["total"] == len(shared.entries)
    await in_executor(spotify.playlist_add_items, shared.id, [lib.catalogue[0].uri])
    assert lib.playlist_uris(shared.id)[-1] == lib.catalogue[0].uri
    assert (await raises(spotify.playlist, "0" * 22)).http_status == 404
    assert (await raises(spotify.playlist, "not-base62")).http_status == 400
    assert len(lib.playlists[theirs.id].entries) == len(theirs.entries)


async def test_add_items(
    emulator: Emulator, spotify: Any, http: aiohttp.ClientSession, auth: dict[str, str]
) -> None:
    lib = emulator.library
    playlist = owned(lib, min_items=2)
    before = lib.playlist_uris(playlist.id)
    snapshot = playlist.snapshot_id
    a, b, c = (t.uri for t in lib.catalogue[:3])
    result = await in_executor(spotify.playlist_add_items, playlist.id, [a, b], position=1)
    validate_response(ITEMS, "post", 201, result)
    assert result["snapshot_id"] == playlist.snapshot_id != snapshot
    assert lib.playlist_uris(playlist.id) == [before[0], a, b, *before[1:]]
    assert emulator.requests[-1].body == [a, b]  # spotipy sends a bare array, position in the query
    assert emulator.requests[-1].query == {"position": "1"}
    url = f"{emulator.api_url}playlists/{playlist.id}/items"
    status, body, _ = await fetch(
        http, "POST", url, headers=auth, json={"uris": [c], "position": 0}
    )
    assert status == 201
    assert lib.playlist_uris(playlist.id)[0] == c
    status, body, _ = await fetch(http, "POST", f"{url}?uris={a},{b}", headers=auth)
    assert status == 201
    assert lib.playlist_uris(playlist.id)[-2:] == [a, b]
    status, body, _ = await fetch(
        http, "POST", f"{emulator.api_url}playlists/{playlist.id}/tracks", headers=auth, json=[c]
    )
    assert status == 201
    assert lib.playlist_uris(playlist.id)[-1] == c
    size = len(playlist.entries)
    local = next(iter(lib.local_tracks))
    for payload, message in (
        ([a] * 101, "You can add a maximum of 100 tracks per request."),
        ([local], f"Invalid track uri: {local}"),
        (["spotify:track:" + "0" * 22], "Payload contains a non-existing ID"),
        (["spotify:album:" + "0" * 22], "Invalid track uri: spotify:album:" + "0" * 22),
        ({"uris": [a], "position": size + 1}, "Index out of bounds"),
        ([], "No uris provided"),
    ):
        status, body, _ = await fetch(http, "POST", url, headers=auth, json=payload)
        assert status == 400
        validate_error(400, body)
        assert body["error"]["message"] == message
    assert len(playlist.entries) == size
    assert [change.kind for change in emulator.changes[-4:]] == ["items_added"] * 4
    assert {change.source for change in emulator.changes[-4:]} == {"api"}


async def test_replace_reorder_remove(
    emulator: Emulator, spotify: Any, http: aiohttp.ClientSession, auth: dict[str, str]
) -> None:
    lib = emulator.library
    playlist = owned(lib, min_items=3)
    a, b, c = (t.uri for t in lib.catalogue[:3])
    snapshots = [playlist.snapshot_id]
    result = await in_executor(spotify.playlist_replace_items, playlist.id, [a, b, a, c])
    validate_response(ITEMS, "put", 200, result)
    snapshots.append(result["snapshot_id"])
    assert lib.playlist_uris(playlist.id) == [a, b, a, c]
    result = await in_executor(
        spotify.playlist_reorder_items,
        playlist.id,
        range_start=3,
        insert_before=0,
        snapshot_id=result["snapshot_id"],
    )
    snapshots.append(result["snapshot_id"])
    assert lib.playlist_uris(playlist.id) == [c, a, b, a]
    result = await in_executor(
        spotify.playlist_remove_all_occurrences_of_items,
        playlist.id,
        [a],
        snapshot_id=result["snapshot_id"],
    )
    validate_response(ITEMS, "delete", 200, result)
    snapshots.append(result["snapshot_id"])
    assert lib.playlist_uris(playlist.id) == [c, b]
    assert emulator.requests[-1].body == {"items": [{"uri": a}], "snapshot_id": snapshots[-2]}
    url = f"{emulator.api_url}playlists/{playlist.id}/tracks"
    status, body, _ = await fetch(
        http, "DELETE", url, headers=auth, json={"tracks": [{"uri": c}]}
    )  # the old body
    assert status == 200
    snapshots.append(body["snapshot_id"])
    assert lib.playlist_uris(playlist.id) == [b]
    status, body, _ = await fetch(http, "PUT", url, headers=auth, json={"uris": []})  # clear
    assert status == 200
    snapshots.append(body["snapshot_id"])
    assert lib.playlist_uris(playlist.id) == []
    assert len(set(snapshots)) == len(snapshots) == 6
    for method, payload, message in (
        ("PUT", {"uris": [a] * 101}, "You can add a maximum of 100 tracks per request."),
        ("PUT", {"range_start": 5, "insert_before": 0}, "Index out of bounds"),
        ("PUT", {"name": "x"}, "Missing required field: uris"),
        (
            "DELETE",
            {"items": [{"uri": a}] * 101},
            "You can remove a maximum of 100 tracks per request.",
        ),
        ("DELETE", {"items": []}, "Missing required field: items"),
        ("DELETE", {"items": [{"uri": "nope"}]}, "Invalid track uri: nope"),
    ):
        status, body, _ = await fetch(http, method, url, headers=auth, json=payload)
        assert status == 400, payload
        assert body["error"]["message"] == message
    assert playlist.snapshot_id == snapshots[-1]
    kinds = [change.kind for change in emulator.changes if change.playlist_id == playlist.id]
    assert kinds == [
        "items_replaced",
        "items_reordered",
        "items_removed",
        "items_removed",
        "items_replaced",
    ]


async def test_what_a_playlist_history_relies_on(
    emulator: Emulator, spotify: Any, http: aiohttp.ClientSession, auth: dict[str, str]
) -> None:
    """Entries keep their `added_at`; every write stamps its own time and moves the snapshot;
    local files and episodes are served in place; a stale `snapshot_id` on DELETE is accepted
    (Spotify applies the removal to the current version); DELETE takes local URIs."""
    lib = emulator.library
    a, b, c = (t.uri for t in lib.catalogue[:3])
    local = next(iter(lib.local_tracks))
    episode = next(iter(lib.episodes))
    playlist = lib.create_playlist("History", items=[a, local, episode])
    playlist.entries[0].added_at = "2020-02-02T02:02:02Z"
    page = await in_executor(spotify.playlist_items, playlist.id)
    validate_response(ITEMS, "get", 200, page)
    entries = page["items"]
    assert entries[0]["added_at"] == "2020-02-02T02:02:02Z"
    assert (entries[1]["is_local"], entries[1]["item"]["uri"]) == (True, local)
    assert (entries[2]["item"]["type"], entries[2]["item"]["uri"]) == ("episode", episode)
    stale = playlist.snapshot_id
    added = await in_executor(spotify.playlist_add_items, playlist.id, [b])
    assert added["snapshot_id"] != stale
    assert playlist.entries[-1].added_at != "2020-02-02T02:02:02Z"
    stamped = datetime.fromisoformat(str(playlist.entries[-1].added_at))
    assert abs(stamped.timestamp() - emulator.changes[-1].at) < 2
    url = f"{emulator.api_url}playlists/{playlist.id}/items"
    status, body, _ = await fetch(
        http,
        "DELETE",
        url,
        headers=auth,
        json={"items": [{"uri": local}, {"uri": a}], "snapshot_id": stale},
    )
    assert status == 200
    validate_response(ITEMS, "delete", 200, body)
    assert lib.playlist_uris(playlist.id) == [episode, b]
    status, body, _ = await fetch(http, "PUT", url, headers=auth, json={"uris": [c, episode]})
    assert status == 200
    assert lib.playlist_uris(playlist.id) == [c, episode]
    assert {entry.added_at for entry in playlist.entries} != {"2020-02-02T02:02:02Z"}


async def test_create_playlist(
    emulator: Emulator, spotify: Any, http: aiohttp.ClientSession, auth: dict[str, str]
) -> None:
    lib = emulator.library
    created = await in_executor(
        spotify.current_user_playlist_create,
        "Crème \u2019n\u2019 Röyksopp 🔥",
        public=False,
        description="new",
    )
    validate_response("/me/playlists", "post", 201, created)
    assert emulator.requests[-1].status == 201
    assert created["name"] == "Crème \u2019n\u2019 Röyksopp 🔥"
    assert created["owner"]["id"] == lib.user_id
    assert created["public"] is False
    assert created["items"]["total"] == 0
    assert lib.me_playlists[0] is not None
    assert lib.me_playlists[0].id == created["id"]  # new playlists go to the top
    first = (await in_executor(spotify.current_user_playlists, limit=1))["items"][0]
    assert first["id"] == created["id"]
    duplicate = await in_executor(
        spotify.current_user_playlist_create, "Crème \u2019n\u2019 Röyksopp 🔥"
    )
    assert duplicate["id"] != created["id"]  # names are not unique
    collab = await in_executor(
        spotify.current_user_playlist_create, "Shared", public=False, collaborative=True
    )
    assert collab["collaborative"] is True
    error = await raises(
        spotify.current_user_playlist_create, "Nope", public=True, collaborative=True
    )
    assert error.http_status == 400
    status, body, _ = await fetch(
        http, "POST", f"{emulator.api_url}me/playlists", headers=auth, json={"public": False}
    )
    assert status == 400
    assert body["error"]["message"] == "Missing required field: name"
    status, body, _ = await fetch(
        http,
        "POST",
        f"{emulator.api_url}users/{lib.user_id}/playlists",
        headers=auth,
        json={"name": "x"},
    )
    assert status == 404  # removed in 2026


async def test_create_playlist_name_limit(
    emulator: Emulator, spotify: Any, http: aiohttp.ClientSession, auth: dict[str, str]
) -> None:
    """Names of up to 100 characters are created; longer ones are refused with a 400."""
    created = await in_executor(spotify.current_user_playlist_create, "é" * 100)
    assert created["name"] == "é" * 100
    before = len(emulator.library.playlists)
    status, body, _ = await fetch(
        http, "POST", f"{emulator.api_url}me/playlists", headers=auth, json={"name": "x" * 101}
    )
    assert status == 400
    validate_error(400, body)
    assert len(emulator.library.playlists) == before


async def test_saved_tracks(emulator: Emulator, spotify: Any) -> None:
    lib = emulator.library
    page = await in_executor(spotify.current_user_saved_tracks, limit=50)
    validate_response("/me/tracks", "get", 200, page)
    rows = list(page["items"])
    while page["next"]:
        page = await in_executor(spotify.next, page)
        rows.extend(page["items"])
    assert [r["track"]["uri"] for r in rows] == [s.uri for s in lib.liked]
    stamps = [r["added_at"] for r in rows]
    assert stamps == sorted(stamps, reverse=True)
    assert emulator.count("GET", "/v1/me/tracks") == math.ceil(len(lib.liked) / 50)
    default = await in_executor(spotify.current_user_saved_tracks)
    assert default["limit"] == 20
    error = await raises(spotify.current_user_saved_tracks, limit=51)
    assert error.http_status == 400


async def test_search(
    emulator: Emulator, spotify: Any, http: aiohttp.ClientSession, auth: dict[str, str]
) -> None:
    lib = emulator.library
    track = lib.add_catalogue_track('Say "Hello" (Live)', ["Röyksopp", "Guest"], popularity=100)
    result = await in_executor(
        spotify.search, 'track:"Say \\"hello\\" (live)" artist:"royksopp"', limit=10
    )
    validate_response("/search", "get", 200, result)
    assert result["tracks"]["items"][0]["uri"] == track.uri
    assert result["tracks"]["total"] == 1
    error = await raises(spotify.search, "heart", limit=11)
    assert error.http_status == 400
    assert "Invalid limit" in error.msg
    status, body, _ = await fetch(
        http, "GET", f"{emulator.api_url}search?q=of&type=track", headers=auth
    )
    assert status == 200
    assert body["tracks"]["limit"] == 5
    total = body["tracks"]["total"]
    assert total > 5
    page = await in_executor(spotify.search, "of", limit=5)
    seen = [t["id"] for t in page["tracks"]["items"]]
    page = await in_executor(spotify.next, page["tracks"])
    assert page["tracks"]["offset"] == 5
    seen += [t["id"] for t in page["tracks"]["items"]]
    assert len(set(seen)) == min(10, total)
    for query, message in (
        ("type=track", "No search query"),
        ("q=x", "Missing parameter type"),
        ("q=x&type=song", "Bad search type field"),
        ("q=x&type=track&offset=1001", "Invalid offset"),
    ):
        status, body, _ = await fetch(
            http, "GET", f"{emulator.api_url}search?{query}", headers=auth
        )
        assert status == 400, query
        assert body["error"]["message"] == message
    status, body, _ = await fetch(
        http, "GET", f"{emulator.api_url}search?q=x&type=album,track", headers=auth
    )
    assert status == 200
    assert body["albums"]["items"] == []


@pytest.mark.parametrize("shape", ["both", "items", "tracks"])
async def test_payload_shapes(emulator: Emulator, spotify: Any, shape: str) -> None:
    emulator.payload_shape = shape  # type: ignore[assignment]
    lib = emulator.library
    playlist = owned(lib, min_items=2)
    simple = next(
        p
        for p in (await in_executor(spotify.current_user_playlists, limit=50))["items"]
        if p and p["id"] == playlist.id
    )
    full = await in_executor(spotify.playlist, playlist.id)
    entries = (await in_executor(spotify.playlist_items, playlist.id))["items"]
    validate_response("/playlists/{playlist_id}", "get", 200, full)
    validate_response(
        ITEMS, "get", 200, {**(await in_executor(spotify.playlist_items, playlist.id))}
    )
    new_keys, old_keys = shape in ("both", "items"), shape in ("both", "tracks")
    assert ("items" in simple, "tracks" in simple) == (new_keys, old_keys)
    assert ("items" in full, "tracks" in full) == (new_keys, old_keys)
    assert all(("item" in e, "track" in e) == (new_keys, old_keys) for e in entries)
    if new_keys:
        assert simple["items"] == {
            "href": f"{emulator.api_url}playlists/{playlist.id}/items",
            "total": len(playlist.entries),
        }
    if old_keys:
        assert simple["tracks"]["total"] == len(playlist.entries)


async def test_tokens_are_required(emulator: Emulator, http: aiohttp.ClientSession) -> None:
    url = f"{emulator.api_url}me/playlists"
    status, body, headers = await fetch(http, "GET", url)
    assert status == 401
    validate_error(401, body)
    assert headers["WWW-Authenticate"].startswith('Bearer realm="spotify"')
    assert body["error"]["message"] == "No token provided"
    status, body, _ = await fetch(http, "GET", url, headers={"Authorization": "Bearer nonsense"})
    assert (status, body["error"]["message"]) == (401, "Invalid access token")
    client = spotipy_client(emulator, "nonsense")
    error = await raises(client.me)
    assert error.http_status == 401
    assert "Invalid access token" in error.msg
    good = spotipy_client(emulator)
    assert (await in_executor(good.me))["id"] == emulator.library.user_id
    emulator.expire_access_tokens()
    error = await raises(good.me)
    assert error.http_status == 401
    assert "The access token expired" in error.msg
    emulator.token_lifetime = 0
    born_expired = spotipy_client(emulator)
    assert (await raises(born_expired.me)).http_status == 401
    emulator.token_lifetime = 3600
    good.set_auth(emulator.issue_tokens()["access_token"])
    assert (await in_executor(good.me))["id"] == emulator.library.user_id


async def test_unknown_routes(
    emulator: Emulator, http: aiohttp.ClientSession, auth: dict[str, str]
) -> None:
    status, body, _ = await fetch(http, "GET", f"{emulator.api_url}users/someone", headers=auth)
    assert status == 404
    validate_error(404, body)
    status, body, _ = await fetch(http, "PATCH", f"{emulator.api_url}me/playlists", headers=auth)
    assert status == 405
    assert body == {"error": {"status": 405, "message": "Method not allowed"}}
    status, body, _ = await fetch(
        http, "POST", f"{emulator.api_url}me/playlists", headers=auth, data="{not json"
    )
    assert status == 400
    assert body["error"]["message"] == "Error parsing JSON."
