"""Last.fm user.getTopTracks."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest

from tests.emulator import LASTFM_API_KEY, LASTFM_SUSPENDED_API_KEY, PERIODS, Emulator, Fault

from .helpers import fetch


async def top(http: aiohttp.ClientSession, emu: Emulator, **params: Any) -> tuple[int, Any]:
    query = {
        "method": "user.gettoptracks",
        "user": "emulator_fm",
        "api_key": LASTFM_API_KEY,
        "format": "json",
        **{k: str(v) for k, v in params.items()},
    }
    status, body, _ = await fetch(
        http, "GET", emu.lastfm_url, params={k: v for k, v in query.items() if v != "None"}
    )
    return status, body


def assert_strings(value: Any) -> None:
    """Every number Last.fm sends is a string."""
    if isinstance(value, dict):
        for item in value.values():
            assert_strings(item)
    elif isinstance(value, list):
        for item in value:
            assert_strings(item)
    else:
        assert isinstance(value, str), value


async def test_top_tracks(emulator: Emulator, http: aiohttp.ClientSession) -> None:
    lib = emulator.library
    for period in PERIODS:
        status, body = await top(http, emulator, period=period)
        assert status == 200
        assert_strings(body)
        ranked = lib.lastfm["emulator_fm"].period(period)
        attr = body["toptracks"]["@attr"]
        assert attr == {
            "user": "emulator_fm",
            "totalPages": str(-(-len(ranked) // 50)),
            "page": "1",
            "perPage": "50",
            "total": str(len(ranked)),
        }
        tracks = body["toptracks"]["track"]
        assert len(tracks) == min(50, len(ranked))
        assert [(t["name"], t["artist"]["name"], t["playcount"]) for t in tracks] == [
            (t.name, t.artist, str(t.playcount)) for t in ranked[:50]
        ]
        assert [t["@attr"]["rank"] for t in tracks] == [str(i) for i in range(1, len(tracks) + 1)]
        first = tracks[0]
        assert set(first) == {
            "streamable",
            "mbid",
            "name",
            "image",
            "artist",
            "url",
            "duration",
            "@attr",
            "playcount",
        }
        assert set(first["artist"]) == {"url", "name", "mbid"}
        assert [i["size"] for i in first["image"]] == ["small", "medium", "large", "extralarge"]
    _, body = await top(http, emulator, period="overall", limit=150)
    assert any(t["mbid"] == "" for t in body["toptracks"]["track"])
    assert any(t["mbid"] != "" for t in body["toptracks"]["track"])


async def test_paging(emulator: Emulator, http: aiohttp.ClientSession) -> None:
    ranked = emulator.library.lastfm["emulator_fm"].period("overall")
    _, body = await top(http, emulator, period="overall", limit=10, page=2)
    tracks = body["toptracks"]["track"]
    assert [t["@attr"]["rank"] for t in tracks] == [str(i) for i in range(11, 21)]
    assert [t["name"] for t in tracks] == [t.name for t in ranked[10:20]]
    assert body["toptracks"]["@attr"]["page"] == "2"
    assert body["toptracks"]["@attr"]["totalPages"] == str(-(-len(ranked) // 10))
    _, body = await top(http, emulator, period="overall", limit=10, page=99)
    assert body["toptracks"]["track"] == []
    _, body = await top(
        http, emulator, period="bogus", limit="x"
    )  # unknown period: overall; bad limit: 50
    assert body["toptracks"]["@attr"]["total"] == str(len(ranked))
    assert body["toptracks"]["@attr"]["perPage"] == "50"
    _, body = await top(http, emulator, user="EMULATOR_FM", limit=1)
    assert body["toptracks"]["@attr"]["user"] == "emulator_fm"


async def test_empty_and_single(emulator: Emulator, http: aiohttp.ClientSession) -> None:
    emulator.library.add_lastfm_user("quiet", {"overall": [("Only Song", "Only Artist")]})
    status, body = await top(http, emulator, user="quiet", period="7day")
    assert status == 200
    assert body == {
        "toptracks": {
            "track": [],
            "@attr": {
                "user": "quiet",
                "totalPages": "0",
                "page": "1",
                "perPage": "50",
                "total": "0",
            },
        }
    }
    _, body = await top(http, emulator, user="quiet")
    assert isinstance(body["toptracks"]["track"], list)
    emulator.lastfm_single_object = True  # other methods answer one result as an object
    _, body = await top(http, emulator, user="quiet")
    assert body["toptracks"]["track"]["name"] == "Only Song"


@pytest.mark.parametrize(
    ("params", "status", "code"),
    [
        ({"user": "nobody"}, 404, 6),
        ({"user": None}, 400, 6),
        ({"api_key": "0" * 32}, 403, 10),
        ({"api_key": None}, 403, 10),
        ({"api_key": LASTFM_SUSPENDED_API_KEY}, 403, 26),
        ({"method": "user.getinfo"}, 400, 3),
    ],
)
async def test_errors(
    emulator: Emulator, http: aiohttp.ClientSession, params: dict[str, Any], status: int, code: int
) -> None:
    got, body = await top(http, emulator, **params)
    assert got == status
    assert set(body) == {"error", "message", "links"}
    assert body["error"] == code
    assert body["links"] == []
    assert isinstance(body["message"], str)
    assert body["message"]


async def test_injected_errors(emulator: Emulator, http: aiohttp.ClientSession) -> None:
    emulator.inject(Fault(status=429, retry_after=60, path="/2.0/"))
    status, body = await top(http, emulator)
    assert status == 429
    assert body["error"] == 29
    assert emulator.requests[-1].status == 429
    emulator.inject(Fault(lastfm_error=16, status=200, path="/2.0/"))  # an error body with HTTP 200
    status, body = await top(http, emulator)
    assert (status, body["error"]) == (200, 16)
    assert "toptracks" not in body
    emulator.inject(Fault(lastfm_error=11, path="/2.0/*"))
    status, body = await top(http, emulator)
    assert (status, body["error"]) == (503, 11)
    emulator.inject(Fault(lastfm_error=8, message="Operation failed", path="/2.0/"))
    status, body = await top(http, emulator)
    assert (status, body["error"], body["message"]) == (500, 8, "Operation failed")
    status, body = await top(http, emulator)
    assert status == 200
    assert emulator.spotify_calls == 0


async def test_an_isrc_is_served_only_when_a_track_has_one(
    emulator: Emulator, http: aiohttp.ClientSession
) -> None:
    """Last.fm's payload names no ISRC; a test can make the emulator serve one on a track."""
    from tests.emulator.library import LastfmTrack

    emulator.library.add_lastfm_user(
        "emulator_fm",
        {"7day": [LastfmTrack("A", "X", 3, isrc="USRC17607839"), LastfmTrack("B", "Y", 2)]},
    )
    status, body = await top(http, emulator, period="7day")
    assert status == 200
    first, second = body["toptracks"]["track"]
    assert first["isrc"] == "USRC17607839"
    assert "isrc" not in second
    restored = type(emulator.library).from_json(emulator.library.to_json())
    assert restored.lastfm["emulator_fm"].period("7day")[0].isrc == "USRC17607839"
    fresh = type(emulator.library).generate(seed=1)
    assert not any(t.isrc for u in fresh.lastfm.values() for p in u.top_tracks.values() for t in p)
