"""End-to-end checks of the playlist rules (called by e2e.py): a configured retention sync with an
archive and a restore of the pruned playlist, an exact mirror, remove_duplicates as a dry run
and then for real; what the fault audit asks of them: an archive that is not a playlist refused
before any call, a put-back answered 503 though it landed told as of unknown outcome with the
version that restores the playlist; what account health asks of them: Spotify's own playlist
refused in the retention form and by prune_playlist and remove_duplicates before any call. Only
through Home Assistant's REST and WebSocket APIs and the
emulator's admin endpoint, as e2e.py does everything."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import demo_setup as ds
from haclient import WSError

ITEMS = "/v1/playlists/{playlist_id}/items"
WRITES = tuple(f"{method} {ITEMS}" for method in ("POST", "PUT", "DELETE"))

type Check = Callable[..., bool]


async def playlist_contents(demo: ds.Demo, playlist_id: str) -> list[str]:
    """Return the URIs the emulator's playlist holds, in order."""
    data = await demo.emulator_get("/_emulator/library")
    found = next(p for p in data["playlists"] if p["id"] == playlist_id)
    return [entry["uri"] for entry in found["items"] if entry["uri"]]


async def playlist_writes(demo: ds.Demo) -> int:
    """Return how many writes to playlists' items the emulator has answered so far."""
    calls = await demo.emulator_get("/_emulator/counters")
    return sum(calls.get(key, 0) for key in WRITES)


async def spotify_owned_playlist(demo: ds.Demo) -> str:
    """Return the name of a followed playlist of Spotify's own that no other playlist has."""
    library = await demo.emulator_get("/_emulator/library")
    followed = set(library["me_playlists"])
    names = [p["name"] for p in library["playlists"] if p["id"] in followed]
    return str(
        next(
            p["name"]
            for p in library["playlists"]
            if p["id"] in followed and p["owner"] == "spotify" and names.count(p["name"]) == 1
        )
    )


def _ago(days: int) -> str:
    return (datetime.now(UTC) - timedelta(days=days, hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")


class _Rules:
    """What the checks share: the demo, the check function, the emulator's playlists."""

    def __init__(self, demo: ds.Demo, check: Check) -> None:
        self.demo, self.check = demo, check

    async def contents(self, playlist_id: str) -> list[str]:
        return await playlist_contents(self.demo, playlist_id)

    async def writes(self) -> int:
        return await playlist_writes(self.demo)

    async def make(self, name: str, items: list[str], ages: list[int] | None = None) -> str:
        body: dict[str, Any] = {"name": name, "items": items}
        if ages is not None:
            body["added_at"] = [_ago(days) for days in ages]
        made = await self.demo.emulator_post("/_emulator/playlists", body)
        return str(made["id"])

    async def call(self, service: str, data: dict[str, Any]) -> dict[str, Any]:
        result: dict[str, Any] = await self.demo.client.call_service(ds.DOMAIN, service, data)
        return result


async def check_playlist_rules(demo: ds.Demo, report: Any) -> None:
    """The playlist rules, as a user would use them."""
    report.section("Playlist rules: retention with an archive, exact mirror, duplicates")
    rules = _Rules(demo, report.check)
    library = await demo.emulator_get("/_emulator/library")
    tracks = [t["uri"] for t in library["tracks"] if t.get("is_playable", True)][200:214]
    await _retention(rules, tracks[:6])
    await _exact_mirror(rules, tracks[6:10])
    await _duplicates(rules, tracks[10:12])
    await _faults(rules, tracks[12:14])
    await _unreadable(rules)


async def _retention(rules: _Rules, tracks: list[str]) -> None:
    a, b, c, d, e, f = tracks
    items = [a, b, c, a, d, e]
    playlist = await rules.make("E2E rolling", items, [45, 12, 31, 2, 29, 400])
    archive = await rules.make("E2E rolling archive", [f])
    await rules.call("refresh_playlist_cache", {})
    added = await ds.add_sync(
        rules.demo,
        "playlist_retention",
        {
            "name": "E2E rolling",
            "playlist": "E2E rolling",
            "max_age_days": 30,
            "archive": "E2E rolling archive",
        },
    )
    subentries = await rules.demo.client.ws(
        "config_entries/subentries/list", entry_id=rules.demo.entry_id
    )
    sync_id = next(
        (s["subentry_id"] for s in subentries if s["subentry_type"] == "playlist_retention"), None
    )
    rules.check(
        "a playlist retention sync is added through its form",
        added.get("type") == "create_entry" and sync_id is not None,
        added,
    )
    if sync_id is None:
        return
    run = (await rules.call("run_sync", {"sync_id": sync_id}))["runs"][0]
    now = await rules.contents(playlist)
    rules.check(
        "run_sync: exactly the tracks older than 30 days went; a track in it twice kept its "
        "newer entry at its place",
        run.get("status") == "success" and run.get("removed") == 3 and now == [b, a, d],
        (run, now),
    )
    rules.check(
        "… they went into the archive first, next to what it held",
        await rules.contents(archive) == [f, a, c, e],
        await rules.contents(archive),
    )
    registry = await rules.demo.client.ws("config/entity_registry/list")
    sensor = next(
        (
            entry["entity_id"]
            for entry in registry
            if entry["platform"] == ds.DOMAIN and entry["unique_id"] == f"{sync_id}_tracks_removed"
        ),
        None,
    )
    state = None
    for _ in range(50):  # the sensor follows the run's event
        state = (await rules.demo.client.state(sensor))["state"] if sensor else None
        if state == "3":
            break
        await asyncio.sleep(0.2)
    rules.check("the sync's Tracks removed sensor says 3", state == "3", (sensor, state))
    version = (run.get("targets") or [{}])[0].get("snapshot_version")
    restored = await rules.call("restore_playlist", {"playlist": "E2E rolling", "version": version})
    rules.check(
        "restore_playlist of the pruned playlist puts back exactly what it held",
        restored.get("status") == "success" and await rules.contents(playlist) == items,
        restored,
    )


async def _exact_mirror(rules: _Rules, tracks: list[str]) -> None:
    a, b, c, d = tracks
    await rules.make("E2E exact source", [a, b, c])
    target = await rules.make("E2E exact copy", [d, c, a])
    await rules.call("refresh_playlist_cache", {})
    request = {"source": "E2E exact source", "targets": ["E2E exact copy"], "mode": "exact"}
    before = await rules.writes()
    dry = await rules.call("mirror_playlist", {**request, "dry_run": True})
    rules.check(
        "mirror_playlist mode exact, dry run: says what it would add and remove, writes nothing",
        dry.get("status") == "dry_run"
        and dry["targets"][0].get("removed_uris") == [d]
        and await rules.writes() == before,
        dry,
    )
    real = await rules.call("mirror_playlist", request)
    rules.check(
        "mirror_playlist mode exact: the target holds the source's tracks in its order",
        real.get("status") == "success" and await rules.contents(target) == [a, b, c],
        (real, await rules.contents(target)),
    )


async def _duplicates(rules: _Rules, tracks: list[str]) -> None:
    a, b = tracks
    playlist = await rules.make("E2E dupes", [a, b, a, b, a])
    await rules.call("refresh_playlist_cache", {})
    before = await rules.writes()
    dry = await rules.call(
        "remove_duplicates", {"playlist": "E2E dupes", "keep": "last", "dry_run": True}
    )
    rules.check(
        "remove_duplicates dry run: three would go, nothing written",
        dry.get("status") == "dry_run"
        and dry.get("removed") == 3
        and await rules.writes() == before
        and await rules.contents(playlist) == [a, b, a, b, a],
        dry,
    )
    real = await rules.call("remove_duplicates", {"playlist": "E2E dupes", "keep": "last"})
    rules.check(
        "remove_duplicates keep last: one of each, at the last place",
        real.get("status") == "success" and await rules.contents(playlist) == [b, a],
        (real, await rules.contents(playlist)),
    )


async def _faults(rules: _Rules, tracks: list[str]) -> None:
    a, b = tracks
    calls = await rules.demo.emulator_get("/_emulator/counters")
    try:
        await rules.demo.client.ws(
            "call_service",
            domain=ds.DOMAIN,
            service="prune_playlist",
            service_data={
                "playlist": "E2E dupes",
                "max_age_days": 30,
                "archive": "spotify:album:6akEvsycLGftJxYudPjmqK",
            },
            return_response=True,
        )
        rules.check("prune_playlist refuses an archive that is an album", False, "no error")
    except WSError as err:
        rules.check(
            "prune_playlist refuses an archive that is an album: a translated validation error, "
            "no call",
            err.code == "service_validation_error"
            and err.error.get("translation_key") == "target_not_a_playlist"
            and await rules.demo.emulator_get("/_emulator/counters") == calls,
            err.error,
        )
    playlist = await rules.make("E2E put back", [a, b, a])
    await rules.call("refresh_playlist_cache", {})
    await rules.demo.emulator_post(
        "/_emulator/faults",
        {
            "status": 503,
            "method": "POST",
            "path": f"/v1/playlists/{playlist}/items",
            "applied": True,
            "times": 1,
        },
    )
    run = await rules.call("remove_duplicates", {"playlist": "E2E put back"})
    await rules.demo.emulator_delete("/_emulator/faults")
    version = (run.get("targets") or [{}])[0].get("snapshot_version")
    rules.check(
        "remove_duplicates whose put-back is answered 503 though it landed: partial, "
        "not_put_back, counted in unknown_outcome, the error names the version to restore",
        run.get("status") == "partial"
        and run.get("reason") == "not_put_back"
        and run.get("unknown_outcome") == 1
        and f"restore_playlist version {version}" in str(run.get("error"))
        and await rules.contents(playlist) == [a, b],
        (run, await rules.contents(playlist)),
    )


async def _unreadable(rules: _Rules) -> None:
    editorial = await spotify_owned_playlist(rules.demo)
    result = await ds.add_sync(
        rules.demo,
        "playlist_retention",
        {"name": "E2E editorial retention", "playlist": editorial, "max_age_days": 30},
    )
    rules.check(
        f"a retention of Spotify's own {editorial!r} is refused in the form, naming the kind",
        result.get("type") == "form"
        and (result.get("errors") or {}).get("playlist") == "unreadable_spotify_owned",
        result,
    )
    if result.get("type") == "form":
        await rules.demo.client.request(
            "DELETE", f"/api/config/config_entries/subentries/flow/{result['flow_id']}"
        )
    for service, data in (
        ("prune_playlist", {"playlist": editorial, "max_age_days": 1}),
        ("remove_duplicates", {"playlist": editorial}),
    ):
        calls = await rules.demo.emulator_get("/_emulator/counters")
        try:
            await rules.demo.client.ws(
                "call_service",
                domain=ds.DOMAIN,
                service=service,
                service_data=data,
                return_response=True,
            )
            rules.check(f"{service} refuses Spotify's own playlist", False, "no error")
        except WSError as err:
            rules.check(
                f"{service} refuses Spotify's own playlist: a translated validation error, no call",
                err.code == "service_validation_error"
                and err.error.get("translation_key") == "unreadable_spotify_owned"
                and await rules.demo.emulator_get("/_emulator/counters") == calls,
                err.error,
            )
