"""The cache index, filter, diff and stored/exported forms, and the resolver — no Home Assistant."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
import gc
from typing import Any

import pytest

from custom_components.spotifreak.core.cache import CacheFilter, PlaylistCache
from custom_components.spotifreak.core.directory import PlaylistDirectory
from custom_components.spotifreak.core.errors import SpotifyNotFoundError
from custom_components.spotifreak.core.records import PlaylistRecord
from custom_components.spotifreak.core.references import (
    name_key,
    parse_reference,
    reference_problem,
    shown,
)

NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)
ME = "me"


def _entry(pid: str, name: str, **extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": pid.ljust(22, "0"),
        "uri": f"spotify:playlist:{pid.ljust(22, '0')}",
        "name": name,
        "owner": {"id": extra.pop("owner", ME)},
        "collaborative": extra.pop("collaborative", False),
        "public": extra.pop("public", True),
        "snapshot_id": extra.pop("snapshot_id", "s1"),
        "items": {"total": extra.pop("total", 0)},
    }
    data.update(extra)
    return data


def test_record_reads_both_shapes_and_nulls() -> None:
    """`items.total` (2026) or `tracks.total`; null entries give no record."""
    old = _entry("a", "Old")
    del old["items"]
    old["tracks"] = {"total": 7}
    assert PlaylistRecord.from_api(old).tracks_total == 7  # type: ignore[union-attr]
    assert PlaylistRecord.from_api(_entry("b", "New", total=3)).tracks_total == 3  # type: ignore[union-attr]
    assert PlaylistRecord.from_api(None) is None
    assert PlaylistRecord.from_api({"name": "no id"}) is None


@pytest.mark.parametrize(
    ("text", "playlist_id", "name"),
    [
        ("spotify:playlist:37i9dQZF1DXcBWIGoYBM5M", "37i9dQZF1DXcBWIGoYBM5M", None),
        (
            "https://open.spotify.com/playlist/37i9dQZF1DXcBWIGoYBM5M?si=ab12",
            "37i9dQZF1DXcBWIGoYBM5M",
            None,
        ),
        (
            "https://open.spotify.com/intl-de/playlist/37i9dQZF1DXcBWIGoYBM5M",
            "37i9dQZF1DXcBWIGoYBM5M",
            None,
        ),
        ("37i9dQZF1DXcBWIGoYBM5M", "37i9dQZF1DXcBWIGoYBM5M", "37i9dQZF1DXcBWIGoYBM5M"),
        ("  Oct25 ", None, "  Oct25 "),
        ("https://example.com/playlist/x", None, "https://example.com/playlist/x"),
    ],
)
def test_parse_reference(text: str, playlist_id: str | None, name: str | None) -> None:
    """URIs, links (any locale, any query) and ids give an id; anything else is a name."""
    reference = parse_reference(text)
    assert reference.playlist_id == playlist_id
    assert reference.name == (name.strip() if name else None)


def test_name_key_normalises() -> None:
    """Case, surrounding and repeated white space, and Unicode composition do not matter."""
    assert name_key("  Crème   Brûlée ") == name_key("cre\u0300me bru\u0302le\u0301e")
    assert name_key("STRASSE") == name_key("straße")


def test_filter() -> None:
    """Collaborative by its own switch; others by public/private; owners with `self`."""
    records = [
        PlaylistRecord.from_api(e)
        for e in (
            _entry("pub", "Pub"),
            _entry("priv", "Priv", public=False),
            _entry("null", "Null", public=None),
            _entry("collab", "Collab", public=False, collaborative=True),
            _entry("theirs", "Theirs", owner="friend"),
        )
    ]

    def kept(cache_filter: CacheFilter) -> set[str]:
        return {r.name for r in records if r is not None and cache_filter.accepts(r, ME)}

    assert kept(CacheFilter(include_public=False)) == {"Priv", "Null", "Collab"}
    assert kept(CacheFilter(include_private=False)) == {"Pub", "Collab", "Theirs"}
    assert kept(CacheFilter(include_collaborative=False)) == {"Pub", "Priv", "Null", "Theirs"}
    assert kept(CacheFilter(owners=("self",))) == {"Pub", "Priv", "Null", "Collab"}
    assert kept(CacheFilter(owners=("friend",))) == {"Theirs"}


def test_the_filter_hides_playlists_from_the_count_and_export_not_from_lookups() -> None:
    """A playlist the filter does not show is held all the same: found by name, URI and id (a
    sync's source or target), stored, but neither counted, exported nor reported by a diff."""
    public_only = CacheFilter(include_private=False)
    listing = [_entry("pub", "Pub"), _entry("priv", "Mix", public=False), _entry("mix", "Mix")]
    before = PlaylistCache.build(ME, listing[:1], refreshed_at=NOW, cache_filter=public_only)
    cache = PlaylistCache.build(
        ME, listing, refreshed_at=NOW, cache_filter=public_only, previous=before
    )
    priv, mix = "priv".ljust(22, "0"), "mix".ljust(22, "0")
    assert (len(cache), cache.total) == (2, 3)
    assert list(cache.records) == ["pub".ljust(22, "0"), mix]
    assert cache.get(priv) is not None
    assert cache.lookup(parse_reference(f"spotify:playlist:{priv}")) is not None
    assert {r.id for r in cache.named("mix")} == {priv, mix}
    assert [r.name for r in cache.diff(before).added] == ["Mix"]
    export = cache.to_export()["playlists"]
    assert export["mix"]["id"] == mix and f"spotify:playlist:{priv}" not in export
    stored = PlaylistCache.from_store(cache.to_store(), public_only)
    assert (len(stored), stored.total) == (2, 3) and stored.get(priv) is not None

    made = PlaylistRecord.from_api(_entry("made", "Made", public=False))  # a created target
    shared = PlaylistRecord.from_api(_entry("mix", "Mix", public=False))  # made private
    assert made is not None and shared is not None
    cache.upsert_many([made, shared])
    assert list(cache.records) == ["pub".ljust(22, "0")]
    assert [r.name for r in cache.named("made")] == ["Made"]
    published = PlaylistRecord.from_api(_entry("priv", "Mix"))
    assert published is not None
    cache.upsert(published)
    assert list(cache.records) == ["pub".ljust(22, "0"), priv]
    cache.remove(priv)
    assert (len(cache), cache.total) == (1, 3)


def test_duplicates_preference_and_lookup() -> None:
    """Own first, then most tracks, then id; every candidate listed."""
    cache = PlaylistCache.build(
        ME,
        [
            _entry("c", "Mix", total=5),
            None,
            _entry("a", "mix", total=5),
            _entry("b", "MIX ", total=9),
            _entry("d", "Mix", owner="friend", total=99),
        ],
        refreshed_at=NOW,
    )
    assert len(cache) == 4
    found = cache.lookup(parse_reference("mix"))
    assert found is not None
    assert [r.id[0] for r in found.candidates] == ["b", "a", "c", "d"]
    assert found.ambiguous
    by_id = cache.lookup(parse_reference("d".ljust(22, "0")))
    assert by_id is not None and by_id.record.owner == "friend" and not by_id.ambiguous


def test_diff_store_and_export() -> None:
    """Added/removed/changed; the stored form round-trips; the export uses name and URI keys.
    A playlist that did not change keeps its previous row: only what changed is new."""
    before = PlaylistCache.build(
        ME, [_entry("a", "A"), _entry("b", "B"), _entry("c", "C")], refreshed_at=NOW
    )
    after = PlaylistCache.build(
        ME,
        [_entry("a", "A"), _entry("b", "B", snapshot_id="s2"), _entry("d", "D")],
        refreshed_at=NOW + timedelta(minutes=30),
        previous=before,
    )
    a, b = "a".ljust(22, "0"), "b".ljust(22, "0")
    assert after._rows[a] is before._rows[a]
    assert after._rows[b] is not before._rows[b]
    diff = after.diff(before)
    assert [r.name for r in diff.added] == ["D"]
    assert [r.name for r in diff.removed] == ["C"]
    assert [r.name for r in diff.changed] == ["B"]
    assert not after.diff(after)
    assert [r.name for r in after.diff(None).added] == ["A", "B", "D"]

    restored = PlaylistCache.from_store(after.to_store())
    assert restored.records == after.records
    assert restored.last_refreshed == after.last_refreshed
    with pytest.raises((KeyError, TypeError, ValueError)):
        PlaylistCache.from_store({"user_id": ME, "playlists": [{"name": "no id"}]})

    export = after.to_export()
    assert export["last_refreshed"] == "2026-11-20T12:30:00Z"
    assert set(export["playlists"]) == {"a", "b", "d"} | {r.uri for r in after.records.values()}


def test_upsert_and_remove_reindex() -> None:
    """Write-back and removal keep every index right."""
    cache = PlaylistCache(user_id=ME)
    record = PlaylistRecord.from_api(_entry("n", "New"))
    assert record is not None
    cache.upsert(record)
    assert cache.lookup(parse_reference("new")) is not None
    assert cache.lookup(parse_reference(record.uri)) is not None
    cache.remove(record.id)
    assert cache.lookup(parse_reference("new")) is None
    assert cache.age(NOW) is None


class _Playlists:
    """Stands in for `SpotifyClient.playlist`: one known playlist, a 404 for any other."""

    def __init__(self, calls: list[str]) -> None:
        self.calls = calls

    def playlist(self, playlist_id: str, fields: str | None = None) -> dict[str, Any]:
        self.calls.append(f"fetch {playlist_id[0]}")
        if not playlist_id.startswith("f"):
            raise SpotifyNotFoundError("no such playlist", status=404)
        return _entry("f", "Fetched")


async def test_resolver_fallbacks() -> None:
    """Id miss → one fetch and write-back; name miss → refresh (not twice within a minute)."""
    fetched = PlaylistRecord.from_api(_entry("f", "Fetched"))
    calls: list[str] = []
    clock = [NOW]
    client = _Playlists(calls)

    async def run(job: Any) -> Any:
        return job(client)

    async def refresh() -> None:
        calls.append("refresh")
        resolver.cache.last_refreshed = clock[0]

    resolver = PlaylistDirectory(ME, run, clock=lambda: clock[0], refresh_with=refresh)
    resolver.cache = PlaylistCache.build(
        ME, [_entry("a", "A")], refreshed_at=NOW - timedelta(minutes=10)
    )
    hit = await resolver.resolve("a")
    assert hit is not None and hit.source == "cache"
    got = await resolver.resolve("f".ljust(22, "0"))
    assert got is not None and got.source == "fetch" and got.record == fetched
    assert (await resolver.resolve("fetched")).source == "cache"  # type: ignore[union-attr]
    assert await resolver.resolve("nothing") is None
    assert await resolver.resolve("still nothing") is None  # the cache was refreshed just now
    assert calls == ["fetch f", "refresh"]
    assert (resolver.hits, resolver.misses) == (2, 3)


def test_incremental_index_matches_a_full_rebuild() -> None:
    """Renames, new duplicates and moved snapshots leave the same index a rebuild would."""
    cache = PlaylistCache.build(
        ME,
        [_entry("a", "Mix", total=1), _entry("b", "Mix", total=5), _entry("c", "Solo")],
        refreshed_at=NOW,
    )
    renamed = PlaylistRecord.from_api(_entry("b", "Solo", total=9))
    added = PlaylistRecord.from_api(_entry("d", "mix", total=3))
    assert renamed is not None and added is not None
    cache.upsert_many([renamed, added])
    rebuilt = PlaylistCache(user_id=ME, last_refreshed=NOW, records=dict(cache.records))
    for name in ("mix", "solo", "nothing"):
        assert [r.id for r in cache.named(name)] == [r.id for r in rebuilt.named(name)]
    assert [r.id[0] for r in cache.named("solo")] == ["b", "c"]
    assert [r.id[0] for r in cache.named("mix")] == ["d", "a"]
    assert cache.lookup(parse_reference(renamed.uri)) is not None
    assert cache.to_export() == rebuilt.to_export()


PLAYLIST_ID = "37i9dQZF1DXcBWIGoYBM5M"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (f"spotify:playlist:{PLAYLIST_ID}", None),
        (f"https://open.spotify.com/intl-de/playlist/{PLAYLIST_ID}?si=x", None),
        (PLAYLIST_ID, None),
        ("Crème 🔥 👨‍👩‍👧", None),
        ("x" * 100, None),
        (f"spotify:album:{PLAYLIST_ID}", "not_a_playlist"),
        ("spotify:playlist:short", "not_a_playlist"),
        (f"https://open.spotify.com/album/{PLAYLIST_ID}", "not_a_playlist"),
        (f"https://evilspotify.com/playlist/{PLAYLIST_ID}", "not_a_playlist"),
        ("https://example.com/", "not_a_playlist"),
        (7, "not_a_playlist"),
        (None, "not_a_playlist"),
        ("x" * 101, "name_too_long"),
        ("a\x00", "name_not_printable"),
        ("a\u202eb", "name_not_printable"),
        ("a\u2028b", "name_not_printable"),
    ],
)
def test_reference_problem(text: Any, problem: str | None) -> None:
    assert reference_problem(text) == problem


def test_shown_is_short_and_printable() -> None:
    assert shown("a\x1bb") == "a\ufffdb"
    assert len(shown("z" * 500)) == 40
    assert shown(5) == "5"


def test_cache_rows_are_invisible_to_the_garbage_collector() -> None:
    """Ten thousand cached playlists add no object a full garbage collection has to walk: the
    rows are plain tuples the collector stops tracking, the index holds tuples of ids."""
    cache = PlaylistCache.build(
        ME, [_entry(f"p{n:05d}", f"Name {n % 4000}") for n in range(10000)], refreshed_at=NOW
    )
    gc.collect()
    rows = list(cache._rows.values())
    assert len(rows) == 10000
    assert not any(gc.is_tracked(row) for row in rows)
    assert not any(gc.is_tracked(ids) for ids in cache._by_name.values())


# What an installation stored before the cache kept rows: the stored form is unchanged.
STORED = {
    "user_id": ME,
    "last_refreshed": "2026-11-20T12:00:00+00:00",
    "playlists": [
        {
            "id": "a".ljust(22, "0"),
            "uri": f"spotify:playlist:{'a'.ljust(22, '0')}",
            "name": "Crème ☕",
            "owner": ME,
            "collaborative": False,
            "public": None,
            "snapshot_id": "s1",
            "tracks_total": 12,
        },
        {
            "id": "b".ljust(22, "0"),
            "uri": f"spotify:user:friend:playlist:{'b'.ljust(22, '0')}",
            "name": "Shared",
            "owner": "friend",
            "collaborative": True,
            "public": False,
            "snapshot_id": "s9",
            "tracks_total": 0,
        },
    ],
}


def test_a_stored_cache_loads_and_is_stored_again_unchanged() -> None:
    """Caches stored by earlier versions load; records, stored and exported forms are the same."""
    cache = PlaylistCache.from_store(STORED)
    assert cache.to_store() == STORED
    assert [record.as_dict() for record in cache.records.values()] == STORED["playlists"]
    assert cache.records["b".ljust(22, "0")].uri == STORED["playlists"][1]["uri"]
    assert cache.to_export()["playlists"]["crème ☕"] == STORED["playlists"][0]
