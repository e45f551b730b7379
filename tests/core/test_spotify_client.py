"""The Spotify client over real spotipy against the emulator: errors surface, retries are bounded."""

from __future__ import annotations

import logging
from math import ceil

import pytest

from custom_components.spotifreak.core.cache import Listed
from custom_components.spotifreak.core.errors import (
    SpotifyAuthError,
    SpotifyForbiddenError,
    SpotifyNotFoundError,
    SpotifyQuotaError,
    SpotifyRateLimitError,
    SpotifyRequestError,
    SpotifyUnavailableError,
)
from custom_components.spotifreak.core.spotify import SpotifyClient, chunked, item_from_entry
from tests.emulator import Emulator, Fault, Library
from tests.emulator.pytest_plugin import in_executor


def _client(emulator: Emulator, sleeps: list[float] | None = None) -> SpotifyClient:
    client = SpotifyClient(
        emulator.api_url,
        sleep=(sleeps.append if sleeps is not None else lambda _s: None),
        backoff=(0.5, 2.0),
    )
    client.set_token(emulator.issue_tokens()["access_token"])
    return client


def _entries(pages: list[list[Listed]]) -> list[Listed]:
    return [entry for page in pages for entry in page]


@pytest.mark.parametrize("count", [0, 1, 50, 51, 1234])
async def test_playlist_listing_pages_with_limit_50(emulator: Emulator, count: int) -> None:
    """⌈P/50⌉ requests (at least one), every entry returned in order."""
    library = Library.empty()
    for index in range(count):
        library.create_playlist(f"P{index}")
    emulator.library = library
    client = _client(emulator)
    pages = await in_executor(client.playlist_listing)
    assert [row[0] for row in _entries(pages) if isinstance(row, tuple)] == [
        p.id for p in library.me_playlists if p
    ]
    assert (
        client.counter.total
        == emulator.count("GET", "/v1/me/playlists")
        == max(1, ceil(count / 50))
    )


async def test_429_surfaces_retry_after_without_retrying(emulator: Emulator) -> None:
    """A 429 is raised at once with Retry-After; nothing sleeps through it."""
    sleeps: list[float] = []
    client = _client(emulator, sleeps)
    emulator.inject(Fault(status=429, retry_after=1234, path="/v1/me/playlists"))
    with pytest.raises(SpotifyRateLimitError) as raised:
        await in_executor(client.playlist_listing)
    assert raised.value.retry_after == 1234
    assert sleeps == []
    assert emulator.spotify_calls == 1


@pytest.mark.parametrize("fault", [Fault(status=500), Fault(status=503), Fault(drop=True)])
async def test_reads_retry_5xx_and_drops_with_backoff(emulator: Emulator, fault: Fault) -> None:
    """A read failing with 5xx or a dropped connection is retried (bounded) with backoff."""
    sleeps: list[float] = []
    client = _client(emulator, sleeps)
    fault.path, fault.times = "/v1/me/playlists", 2
    emulator.inject(fault)
    entries = await in_executor(client.playlist_listing)
    assert entries
    assert sleeps == [0.5, 2.0]
    assert client.counter.total == 3


async def test_reads_give_up_after_three_attempts(emulator: Emulator) -> None:
    """A persistent 5xx ends in SpotifyUnavailableError after three attempts."""
    client = _client(emulator, [])
    emulator.inject(Fault(status=502, path="/v1/me/playlists", times=None))
    with pytest.raises(SpotifyUnavailableError) as raised:
        await in_executor(client.playlist_listing)
    assert raised.value.status == 502
    assert emulator.spotify_calls == 3


async def test_writes_are_never_retried(emulator: Emulator) -> None:
    """A POST failing with 5xx is not sent again (it might have been applied)."""
    library = emulator.library
    playlist = library.create_playlist("Target")
    client = _client(emulator, [])
    emulator.inject(Fault(status=500, method="POST", path=f"/v1/playlists/{playlist.id}/items"))
    with pytest.raises(SpotifyUnavailableError):
        await in_executor(client.add_items, playlist.id, [library.catalogue[0].uri])
    assert emulator.count("POST", f"/v1/playlists/{playlist.id}/items") == 1
    assert library.playlist_uris(playlist.id) == []


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (401, SpotifyAuthError),
        (403, SpotifyForbiddenError),
        (404, SpotifyNotFoundError),
        (400, SpotifyRequestError),
    ],
)
async def test_status_mapping(emulator: Emulator, status: int, error: type[Exception]) -> None:
    """Each status becomes the project's own error."""
    client = _client(emulator)
    emulator.inject(Fault(status=status, path="/v1/me/"))
    with pytest.raises(error):
        await in_executor(client.current_user)


async def test_bad_token_is_auth_error(emulator: Emulator) -> None:
    """An unknown token is a 401 → SpotifyAuthError (the glue refreshes once)."""
    client = SpotifyClient(emulator.api_url)
    client.set_token("not-a-token")
    with pytest.raises(SpotifyAuthError):
        await in_executor(client.current_user)


async def test_ownership_rules(emulator: Emulator) -> None:
    """Followed playlists' items are 403; Spotify-owned playlists are 404."""
    library = emulator.library
    followed = library.create_playlist("Theirs", owner="someone")
    editorial = library.create_playlist("Editorial", spotify_owned=True)
    client = _client(emulator)
    with pytest.raises(SpotifyForbiddenError):
        await in_executor(client.playlist_items, followed.id)
    with pytest.raises(SpotifyNotFoundError):
        await in_executor(client.playlist, editorial.id)


async def test_items_writes_and_snapshots(emulator: Emulator) -> None:
    """Add, replace and remove move the snapshot; items come back reduced, local ones marked."""
    library = emulator.library
    tracks = library.catalogue[:3]
    local = library.add_local_track("Artist", "", "Song")
    playlist = library.create_playlist("Mine", items=[tracks[0].uri, local.uri])
    client = _client(emulator)
    items = await in_executor(client.playlist_items, playlist.id)
    assert [(i.uri, i.kind, i.addable) for i in items] == [
        (tracks[0].uri, "track", True),
        (local.uri, "local", False),
    ]
    before = playlist.snapshot_id
    snapshot = await in_executor(client.add_items, playlist.id, [tracks[1].uri])
    assert snapshot and snapshot != before
    await in_executor(client.replace_items, playlist.id, [tracks[2].uri])
    assert library.playlist_uris(playlist.id) == [tracks[2].uri]
    await in_executor(client.remove_items, playlist.id, [tracks[2].uri])
    assert library.playlist_uris(playlist.id) == []
    with pytest.raises(ValueError, match="between 1 and 100"):
        client.add_items(playlist.id, [])


async def test_saved_tracks_stops_at_cursor(emulator: Emulator) -> None:
    """Liked songs are read newest first and only until the stop condition."""
    library = emulator.library
    cursor = library.liked[60].uri
    client = _client(emulator)
    items = await in_executor(lambda: client.saved_tracks(stop=lambda item: item.uri == cursor))
    assert [item.uri for item in items] == [saved.uri for saved in library.liked[:60]]
    assert emulator.count("GET", "/v1/me/tracks") == 2


async def test_search_and_create(emulator: Emulator) -> None:
    """Search is capped at 10 results; creating a playlist returns the new object."""
    client = _client(emulator)
    track = emulator.library.catalogue[0]
    results = await in_executor(client.search_tracks, f'track:"{track.name}"', 50)
    assert 0 < len(results) <= 10
    created = await in_executor(lambda: client.create_playlist("Made here", public=False))
    assert created["name"] == "Made here"
    assert created["public"] is False


async def test_fork_counts_its_own_and_the_total(emulator: Emulator) -> None:
    """A fork counts its calls and feeds the account-wide counter."""
    client = _client(emulator)
    fork = client.fork()
    await in_executor(fork.current_user)
    await in_executor(client.current_user)
    assert fork.counter.total == 1
    assert client.counter.total == 2
    assert client.counter.by_endpoint["GET me"] == 2


def test_unavailable_entries() -> None:
    """Null entries, null tracks and unplayable tracks are unavailable; episodes are addable."""
    assert item_from_entry(None).kind == "unavailable"
    assert item_from_entry({"track": None}).kind == "unavailable"
    assert (
        item_from_entry({"item": {"uri": "spotify:track:x", "is_playable": False}}).kind
        == "unavailable"
    )
    episode = item_from_entry({"item": {"uri": "spotify:episode:x", "type": "episode"}})
    assert episode.addable
    assert list(chunked([str(i) for i in range(250)])) == [
        [str(i) for i in range(100)],
        [str(i) for i in range(100, 200)],
        [str(i) for i in range(200, 250)],
    ]


async def test_tokens_never_logged(emulator: Emulator, caplog: pytest.LogCaptureFixture) -> None:
    """spotipy's debug log carries the bearer token: it is redacted; its error lines are dropped."""
    token = emulator.issue_tokens()["access_token"]
    client = SpotifyClient(emulator.api_url)
    client.set_token(token)
    emulator.inject(Fault(status=404, path="/v1/me/"))
    with caplog.at_level(logging.DEBUG, logger="spotipy"):
        await in_executor(client.playlist, emulator.library.me_playlists[0].id)
        with pytest.raises(SpotifyNotFoundError):
            await in_executor(client.current_user)
    assert token not in caplog.text
    assert "**REDACTED**" in caplog.text
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="spotipy"):
        emulator.inject(Fault(status=404, path="/v1/me/"))
        with pytest.raises(SpotifyNotFoundError):
            await in_executor(client.current_user)
    assert "HTTP Error" not in caplog.text


MALFORMED_LISTINGS = [
    pytest.param(Fault(status=200, body="<html>Hotel Wi-Fi</html>", after=1), id="html-page-2"),
    pytest.param(Fault(status=200, body={}), id="empty-object-page-1"),
    pytest.param(Fault(status=200, body={"items": None, "next": None}), id="items-null"),
    pytest.param(Fault(items_dropped=2, after=1), id="fewer-entries-than-total"),
    pytest.param(Fault(body_patch={"next": None}), id="ends-early"),
    pytest.param(Fault(body_patch={"total": "many"}, after=2), id="total-not-a-number"),
]


@pytest.mark.parametrize("fault", MALFORMED_LISTINGS)
@pytest.mark.emulator(playlists=120)
async def test_a_malformed_listing_is_a_failure(emulator: Emulator, fault: Fault) -> None:
    """A listing counts only when it reached `next: null` through well-formed pages holding as
    many entries as `total` said; anything else is an error, never a short list."""
    client = _client(emulator, [])
    fault.path, fault.times = "/v1/me/playlists", None
    emulator.inject(fault)
    with pytest.raises(SpotifyUnavailableError):
        await in_executor(client.playlist_listing)


@pytest.mark.emulator(playlists=120)
async def test_a_malformed_page_is_read_again(emulator: Emulator) -> None:
    """A malformed page is retried like a 5xx (a read), and the listing then completes."""
    sleeps: list[float] = []
    client = _client(emulator, sleeps)
    emulator.inject(Fault(status=200, body="<html/>", path="/v1/me/playlists", after=1))
    pages = await in_executor(client.playlist_listing)
    assert len(_entries(pages)) == len(emulator.library.me_playlists)
    assert sleeps == [0.5]


async def test_a_truncated_playlist_read_is_a_failure(emulator: Emulator) -> None:
    """Reading a playlist's items checks completeness too: a short read would make a sync
    believe the playlist lacks tracks it holds."""
    library = emulator.library
    playlist = library.create_playlist("Long", items=[t.uri for t in library.catalogue[:120]])
    client = _client(emulator, [])
    emulator.inject(
        Fault(items_dropped=5, path=f"/v1/playlists/{playlist.id}/items", after=1, times=None)
    )
    with pytest.raises(SpotifyUnavailableError):
        await in_executor(client.playlist_items, playlist.id)


QUOTA = {"error": {"status": 429, "message": "Quota exceeded", "reason": "QUOTA_EXCEEDED"}}


@pytest.mark.parametrize(
    ("body", "quota"),
    [
        pytest.param(QUOTA, True, id="object-with-reason"),
        pytest.param({"error": "QUOTA_EXCEEDED"}, True, id="error-string"),
        pytest.param(["QUOTA_EXCEEDED"], True, id="list"),
        pytest.param({"error": ["QUOTA_EXCEEDED"]}, True, id="error-list"),
        pytest.param("<html><body>QUOTA_EXCEEDED</body></html>", True, id="html"),
        pytest.param("", False, id="empty"),
        pytest.param({"error": "rate limited"}, False, id="other-string"),
        pytest.param(None, False, id="documented"),
    ],
)
async def test_every_429_is_a_rate_limit(emulator: Emulator, body: object, quota: bool) -> None:
    """A 429 of any body is a rate limit with its Retry-After; naming QUOTA_EXCEEDED makes it
    Spotify's quota. spotipy never gets to parse it (it raises AttributeError on some)."""
    client = _client(emulator, [])
    emulator.inject(Fault(status=429, retry_after=3600, body=body, path="/v1/me/playlists"))
    with pytest.raises(SpotifyRateLimitError) as raised:
        await in_executor(client.playlist_listing)
    assert raised.value.retry_after == 3600
    assert isinstance(raised.value, SpotifyQuotaError) is quota
    assert emulator.spotify_calls == 1


@pytest.mark.parametrize("body", [{"error": "bad"}, ["bad"], "<html>bad</html>", ""])
async def test_other_error_answers_of_any_body(emulator: Emulator, body: object) -> None:
    """A 4xx whose body spotipy cannot read keeps its status and becomes the project's error."""
    client = _client(emulator, [])
    emulator.inject(Fault(status=404, body=body, path="/v1/me/"))
    with pytest.raises(SpotifyNotFoundError):
        await in_executor(client.current_user)
    emulator.inject(Fault(status=400, body=body, path="/v1/me/"))
    with pytest.raises(SpotifyRequestError) as raised:
        await in_executor(client.current_user)
    assert raised.value.status == 400


async def test_spotipy_logs_neither_limits_for_5xx_nor_the_account(
    emulator: Emulator, caplog: pytest.LogCaptureFixture
) -> None:
    """spotipy.util calls every 5xx "a rate/request limit" at WARNING; spotipy's DEBUG result
    lines carry the account's e-mail. Neither reaches the log."""
    client = _client(emulator, [])
    emulator.inject(Fault(status=503, path="/v1/me/playlists", times=2))
    with caplog.at_level(logging.DEBUG):
        await in_executor(client.playlist_listing)
        account = await in_executor(client.current_user)
    assert account["email"] == emulator.library.email
    assert emulator.library.email not in caplog.text
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert not warnings, [r.getMessage() for r in warnings]
