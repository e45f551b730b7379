"""End-to-end checks of the demo stack (`scripts/e2e` starts it, runs this, and tears it down).

Drives a real Home Assistant as a user's browser would, only through its REST and WebSocket APIs:
onboarding, login from 127.0.0.1 without a password, application credentials, the OAuth config
flow via the emulator's authorize redirect, the options flow, configured syncs (subentry flows),
actions with `return_response`, entity states, events, faults injected into the emulator, the
blueprints, the dashboard, history, diagnostics and the log. Prints one line per check and, last,
`N passed, M failed`.

    python scripts/devtools/e2e.py --ha http://127.0.0.1:PORT --emulator http://127.0.0.1:PORT \
        --config DIR
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
import json
import math
from pathlib import Path
import sys
import time
from typing import Any
from urllib.parse import parse_qs, urlsplit

import aiohttp
import demo_setup as ds
from e2e_rules import (
    check_playlist_rules,
    playlist_contents,
    playlist_writes,
    spotify_owned_playlist,
)
from haclient import HAClient, WSError, next_event

EVENT_SYNC = "spotifreak_sync_finished"
EVENT_CACHE = "spotifreak_cache_refreshed"
EVENT_SNAPSHOT = "spotifreak_playlist_snapshot"
BLUEPRINTS = (
    "run_sync_on_schedule.yaml",
    "cache_stale_alert.yaml",
    "weekly_lastfm_playlist.yaml",
    "liked_songs_monthly_archive.yaml",
    "back_up_playlists_weekly.yaml",
    "keep_a_rolling_playlist.yaml",
    "archive_and_prune_monthly.yaml",
)


class Stop(Exception):  # noqa: N818 - not an error of the code under test: a reason to stop
    """A check whose failure leaves nothing sensible to check after it."""


class Report:
    """Counts and prints checks."""

    def __init__(self) -> None:
        self.passed = 0
        self.failed = 0
        self.started = time.monotonic()

    def section(self, title: str) -> None:
        print(f"\n== {title} ({time.monotonic() - self.started:.0f}s)", flush=True)

    def check(self, name: str, ok: bool, detail: Any = "", *, fatal: bool = False) -> bool:
        if ok:
            self.passed += 1
            print(f"  PASS {name}", flush=True)
        else:
            self.failed += 1
            print(f"  FAIL {name}: {str(detail)[:800]}", flush=True)
            if fatal:
                raise Stop(name)
        return ok

    async def attempt[T](
        self, name: str, action: Callable[[], Awaitable[T]], *, fatal: bool = False
    ) -> T | None:
        """Run `action`; an exception is a failed check (its text the detail)."""
        try:
            result = await action()
        except Stop:
            raise
        except Exception as err:
            self.check(name, False, f"{type(err).__name__}: {err}", fatal=fatal)
            return None
        self.check(name, True)
        return result


async def ws_call(
    demo: ds.Demo, service: str, data: dict[str, Any], domain: str = ds.DOMAIN
) -> Any:
    """An action called as the frontend calls it (errors come back with their codes)."""
    return await demo.client.ws(
        "call_service",
        domain=domain,
        service=service,
        service_data=data,
        return_response=True,
    )


async def state_of(demo: ds.Demo, entity_id: str) -> str:
    return str((await demo.client.state(entity_id))["state"])


async def counters(demo: ds.Demo) -> dict[str, int]:
    result: dict[str, int] = await demo.emulator_get("/_emulator/counters")
    return result


def drain(queue: asyncio.Queue[dict[str, Any]]) -> None:
    while not queue.empty():
        queue.get_nowait()


async def wait_state(
    demo: ds.Demo, entity_id: str, predicate: Callable[[str], bool], seconds: float = 20
) -> str:
    deadline = time.monotonic() + seconds
    while True:
        value = await state_of(demo, entity_id)
        if predicate(value) or time.monotonic() > deadline:
            return value
        await asyncio.sleep(0.3)


async def run_checks(demo: ds.Demo, report: Report) -> None:
    client = demo.client
    check = report.check

    # ---------------------------------------------------------------------------------------
    report.section("Home Assistant starts and is onboarded through its API")
    steps = await ds.wait_until_running(demo)
    check("onboarding: a fresh instance, no step done", not any(s["done"] for s in steps), steps)
    code = await report.attempt(
        "onboarding: owner account created", lambda: ds.create_owner(demo), fatal=True
    )
    assert code is not None
    await report.attempt(
        "login with the onboarding code", lambda: ds.login_with_code(demo, code), fatal=True
    )
    check(
        "the access token opens the API", (await client.get("/api/")) == {"message": "API running."}
    )
    await report.attempt(
        "onboarding: location, analytics, integrations", lambda: ds.finish_onboarding(demo)
    )
    steps = await client.get("/api/onboarding", auth=False)
    check("onboarding: every step done", all(s["done"] for s in steps), steps)
    await client.ws_connect()
    config = await ds.wait_for_core(demo)
    check("Home Assistant is running", config.get("state") == "RUNNING", config.get("state"))
    print(f"     Home Assistant {demo.ha_version}", flush=True)
    if tuple(int(part) for part in demo.ha_version.split(".")[:2]) >= (2026, 11):
        await report.attempt(
            "HTTP settings from configuration.yaml confirmed (else reverted after 5 minutes)",
            lambda: _confirm_http(demo),
        )
    components = set(config.get("components", []))
    check(
        "`my` is not loaded (OAuth redirects come back to this instance)",
        "my" not in components and "application_credentials" in components,
        sorted(components),
    )

    # ---------------------------------------------------------------------------------------
    report.section("Login from 127.0.0.1 needs no password (trusted networks, dev only)")
    providers = await client.get("/auth/providers", auth=False)
    providers = providers.get("providers", providers) if isinstance(providers, dict) else providers
    check(
        "auth providers: trusted_networks first, then the password provider",
        [p["type"] for p in providers] == ["trusted_networks", "homeassistant"],
        providers,
    )
    flow = await client.post(
        "/auth/login_flow",
        {
            "client_id": demo.client_id,
            "handler": ["trusted_networks", None],
            "redirect_uri": f"{demo.ha_url}/?auth_callback=1",
        },
        auth=False,
    )
    if flow.get("type") == "form":  # several users: pick the owner
        me = await client.ws("auth/current_user")
        flow = await client.post(
            f"/auth/login_flow/{flow['flow_id']}",
            {"client_id": demo.client_id, "user": me["id"]},
            auth=False,
        )
    ok = flow.get("type") == "create_entry"
    if ok:
        bypass = await client.post(
            "/auth/token",
            form={
                "grant_type": "authorization_code",
                "code": flow["result"],
                "client_id": demo.client_id,
            },
            auth=False,
        )
        ok = bool(bypass.get("access_token"))
    check("a login flow without password yields a token", ok, flow)

    # ---------------------------------------------------------------------------------------
    report.section("Spotifreak through the real OAuth flow")
    await report.attempt(
        "application credentials added (websocket application_credentials/create)",
        lambda: ds.add_application_credentials(demo),
        fatal=True,
    )
    listed = await client.ws("application_credentials/list")
    check(
        "application credentials listed for spotifreak",
        any(
            c["domain"] == ds.DOMAIN and c["client_id"] == demo.emulator["client_id"]
            for c in listed
        ),
        listed,
    )
    flow = await ds.start_config_flow(demo)
    check(
        "config flow: an external step (Spotify's login)",
        flow.get("type") == "external",
        flow,
        fatal=True,
    )
    url = urlsplit(flow["url"])
    query = parse_qs(url.query)
    check(
        "authorize URL at the emulator, redirect URI back to this instance",
        f"{url.scheme}://{url.netloc}{url.path}" == f"{demo.emulator_url}/authorize"
        and query.get("redirect_uri") == [demo.redirect_uri],
        flow["url"],
    )
    scopes = set(query.get("scope", [""])[0].split())
    check(
        "authorize asks for the scopes syncs need",
        {"user-library-read", "playlist-read-collaborative", "playlist-modify-private"} <= scopes,
        scopes,
    )
    location = await ds.authorize(demo, flow["url"])
    redirect = parse_qs(urlsplit(location).query)
    check(
        "the emulator redirects to /auth/external/callback with code and state",
        location.startswith(demo.redirect_uri) and "code" in redirect and "state" in redirect,
        location,
        fatal=True,
    )
    status, _ = await ds.follow_callback(demo, location)
    check("Home Assistant takes the callback", status == 200, status)
    result = await ds.finish_config_flow(demo, flow["flow_id"])
    check(
        "config flow creates the entry, titled after the Spotify account",
        result["type"] == "create_entry" and demo.title == demo.emulator["user"]["display_name"],
        result,
        fatal=True,
    )
    entry = await ds.wait_entry_loaded(demo)
    check("the entry is loaded", entry["state"] == "loaded", entry, fatal=True)

    # ---------------------------------------------------------------------------------------
    report.section("The playlist cache")
    await ds.discover(demo)
    check(
        "account entities registered (by unique id)",
        len(demo.account) == sum(map(len, ds.ACCOUNT_KEYS.values())),
        demo.account,
        fatal=True,
    )
    library = await demo.emulator_get("/_emulator/library")
    expected = sum(1 for item in library["me_playlists"] if item is not None)
    count = await wait_state(demo, demo.account["playlist_count"], lambda v: v == str(expected))
    check(f"playlist count = {expected} (nulls skipped)", count == str(expected), count)
    me_pages = math.ceil(len(library["me_playlists"]) / 50)
    calls = await counters(demo)
    check(
        f"the first refresh cost {me_pages} calls to /me/playlists (limit=50)",
        calls.get("GET /v1/me/playlists") == me_pages,
        calls,
    )
    check("cache not stale", await state_of(demo, demo.account["cache_stale"]) == "off")
    age = await state_of(demo, demo.account["cache_age"])
    check(
        "cache age is minutes, near zero", age.replace(".", "", 1).isdigit() and float(age) < 2, age
    )
    refreshed = await state_of(demo, demo.account["last_refreshed"])
    try:
        recent = abs(datetime.fromisoformat(refreshed) - datetime.now(UTC)) < timedelta(minutes=5)
    except ValueError:
        recent = False
    check("last refreshed is a recent timestamp", recent, refreshed)

    cache_events = await client.subscribe_events(EVENT_CACHE)
    sync_events = await client.subscribe_events(EVENT_SYNC)
    before = await counters(demo)
    response = await client.call_service(ds.DOMAIN, "refresh_playlist_cache")
    check(
        "refresh_playlist_cache?return_response: playlists, api_calls, duration_ms",
        response.get("playlists") == expected
        and response.get("api_calls") == me_pages
        and isinstance(response.get("duration_ms"), int),
        response,
    )
    after = await counters(demo)
    check(
        "the refresh made exactly those calls",
        after.get("GET /v1/me/playlists", 0) - before.get("GET /v1/me/playlists", 0) == me_pages,
        (before, after),
    )
    try:
        event = await next_event(cache_events, 10, entry_id=demo.entry_id)
        check(
            "event spotifreak_cache_refreshed (playlists, added, removed, changed)",
            event["data"]["playlists"] == expected
            and all(k in event["data"] for k in ("added", "removed", "changed")),
            event,
        )
    except TimeoutError:
        check("event spotifreak_cache_refreshed", False, "no event within 10 s")

    names = [
        playlist["name"]
        for playlist in library["playlists"]
        if playlist["id"] in library["me_playlists"]
        and playlist["owner"] == demo.emulator["user"]["id"]
    ]
    name = next(n for n in names if names.count(n) == 1 and n == n.strip())
    before = (await demo.emulator_get("/_emulator/state"))["spotify_calls"]
    resolved = await client.call_service(ds.DOMAIN, "resolve_playlist", {"playlist": name})
    spent = (await demo.emulator_get("/_emulator/state"))["spotify_calls"] - before
    check(
        f"resolve_playlist {name!r}: answered from the cache with no Spotify call",
        resolved.get("source") == "cache"
        and spent == 0
        and resolved["playlist"]["name"].strip().casefold() == name.strip().casefold(),
        (resolved, spent),
    )
    # The resolver's write-back, counted at the emulator: a playlist made elsewhere after the
    # refresh is fetched once by its id, then answered from the cache.
    token = (await demo.emulator_post("/_emulator/tokens", {}))["access_token"]
    async with demo.session.post(
        f"{demo.emulator_url}/v1/me/playlists",
        json={"name": "E2E made elsewhere", "public": False},
        headers={"Authorization": f"Bearer {token}"},
    ) as made_response:
        made = await made_response.json()
    fetches = (await counters(demo)).get("GET /v1/playlists/{playlist_id}", 0)
    by_id = await client.call_service(ds.DOMAIN, "resolve_playlist", {"playlist": made["id"]})
    again = await client.call_service(ds.DOMAIN, "resolve_playlist", {"playlist": made["uri"]})
    fetched = (await counters(demo)).get("GET /v1/playlists/{playlist_id}", 0) - fetches
    check(
        "a playlist made elsewhere: fetched once by its id, then a cache hit (written back)",
        by_id.get("source") == "fetch" and again.get("source") == "cache" and fetched == 1,
        (by_id.get("source"), again.get("source"), fetched),
    )
    try:
        await ws_call(demo, "resolve_playlist", {"playlist": "No such playlist 4711"})
        check("resolve_playlist of an unknown name is a validation error", False, "no error")
    except WSError as err:
        check(
            "resolve_playlist of an unknown name is a validation error",
            err.code == "service_validation_error",
            err.error,
        )

    # ---------------------------------------------------------------------------------------
    report.section("Options flow: Last.fm")
    result = await ds.options_flow(
        demo, {"lastfm_api_key": "not-a-real-key", "lastfm_username": "x"}
    )
    check(
        "a wrong Last.fm key is refused in the form",
        result["type"] == "form"
        and (result.get("errors") or {}).get("lastfm_api_key") == "lastfm_invalid_key",
        result,
    )
    if result["type"] == "form":
        await client.request(
            "DELETE", f"/api/config/config_entries/options/flow/{result['flow_id']}"
        )
    lastfm_user = demo.emulator["lastfm_users"][0]
    calls_before = (await demo.emulator_get("/_emulator/state"))["spotify_calls"]
    result = await ds.options_flow(
        demo,
        {"lastfm_api_key": demo.emulator["lastfm_api_keys"][0], "lastfm_username": lastfm_user},
    )
    check("the right key and user are saved", result["type"] == "create_entry", result)
    await asyncio.sleep(1)
    entry = await ds.wait_entry_loaded(demo)
    check("the entry reloads with the new options", entry["state"] == "loaded", entry, fatal=True)
    spent = (await demo.emulator_get("/_emulator/state"))["spotify_calls"] - calls_before
    check("the reload starts from the stored cache: no Spotify call", spent == 0, spent)

    # ---------------------------------------------------------------------------------------
    report.section("Configured syncs (subentry flows)")
    for kind, data in (("playlist_mirror", ds.MIRROR_SYNC), ("lastfm_top_tracks", ds.LASTFM_SYNC)):
        result = await ds.add_sync(demo, kind, data)
        check(
            f"{kind} sync added: {data['name']!r}",
            result["type"] == "create_entry",
            result,
            fatal=True,
        )
    await ds.discover(demo)
    check(
        "each sync has its device's Run button, last run, last result, tracks added",
        set(demo.syncs) == {"playlist_mirror", "lastfm_top_tracks"}
        and all(len(found) == 4 for found in demo.sync_entities.values()),
        demo.sync_entities,
        fatal=True,
    )
    devices = await client.ws("config/device_registry/list")
    sync_devices = {
        identifier[1]: device["name"]
        for device in devices
        for identifier in device["identifiers"]
        if identifier[0] == ds.DOMAIN
    }
    check(
        "one device per sync, named after it",
        all(
            sync_devices.get(sync_id) == demo.sync_titles[sync_id]
            for sync_id in demo.syncs.values()
        ),
        sync_devices,
    )
    mirror_id = demo.syncs["playlist_mirror"]
    lastfm_id = demo.syncs["lastfm_top_tracks"]
    mirror = demo.sync_entities[mirror_id]
    lastfm = demo.sync_entities[lastfm_id]
    check(
        "before any run the last result is unknown",
        await state_of(demo, mirror["last_result"]) == "unknown",
    )

    drain(sync_events)
    response = await client.call_service(ds.DOMAIN, "run_sync", {"sync_id": mirror_id})
    runs = response.get("runs", [])
    run = runs[0] if runs else {}
    check(
        "run_sync (sync_id) → {runs: [record]}: success, tracks added",
        len(runs) == 1
        and run.get("status") == "success"
        and run.get("added", 0) > 0
        and run.get("sync_id") == mirror_id
        and run.get("sync_type") == "playlist_mirror",
        response,
    )
    keys = {
        "run_id",
        "sync_id",
        "sync_type",
        "status",
        "reason",
        "started_at",
        "finished_at",
        "duration_ms",
        "added",
        "removed",
        "skipped",
        "unmatched",
        "api_calls",
        "retry_after",
        "error",
    }
    check("the run record has every documented field", keys <= set(run), sorted(run))
    try:
        event = await next_event(sync_events, 10, run_id=run.get("run_id"))
        check(
            "event spotifreak_sync_finished carries the run record and entry id",
            event["data"]["entry_id"] == demo.entry_id and event["data"]["status"] == "success",
            event,
        )
    except TimeoutError:
        check("event spotifreak_sync_finished", False, "no event within 10 s")
    check(
        "last result sensor: success",
        await wait_state(demo, mirror["last_result"], lambda v: v == "success") == "success",
    )
    check(
        "tracks added sensor = the run's added",
        await state_of(demo, mirror["tracks_added"]) == str(run.get("added")),
    )
    archive = datetime.now(UTC).strftime("%b%y")
    resolved = await client.call_service(ds.DOMAIN, "resolve_playlist", {"playlist": archive})
    check(
        f"the archive playlist {archive!r} exists, in the cache, with the added tracks",
        resolved.get("source") == "cache"
        and resolved["playlist"]["tracks_total"] == run.get("added"),
        resolved,
    )
    again = (await client.call_service(ds.DOMAIN, "run_sync", {"sync_id": mirror_id}))["runs"][0]
    check(
        "running it again: up_to_date (never success), nothing added",
        again["status"] == "up_to_date" and again["added"] == 0,
        again,
    )

    drain(sync_events)
    await client.post("/api/services/button/press", {"entity_id": lastfm["run"]})
    try:
        event = await next_event(sync_events, 30, sync_id=lastfm_id)
        check(
            "the Last.fm sync's Run button runs it: success",
            event["data"]["status"] == "success"
            and 0 < event["data"]["added"] <= ds.LASTFM_SYNC["limit"],
            event["data"],
        )
    except TimeoutError:
        check("the Last.fm sync's Run button runs it", False, "no event within 30 s")
    check(
        "its last result sensor: success",
        await wait_state(demo, lastfm["last_result"], lambda v: v == "success") == "success",
    )
    response = await client.call_service(ds.DOMAIN, "run_sync", {"entity_id": lastfm["run"]})
    check(
        "run_sync with the Run button as target: the same top list → unchanged",
        [r["status"] for r in response.get("runs", [])] == ["unchanged"],
        response,
    )
    history = await client.call_service(ds.DOMAIN, "get_run_history", {"limit": 10})
    check(
        "get_run_history lists the runs of both syncs, newest first",
        {mirror_id, lastfm_id} <= {r["sync_id"] for r in history.get("runs", [])}
        and len(history["runs"]) >= 4
        and history["runs"][0]["sync_id"] == lastfm_id,
        history,
    )

    # ---------------------------------------------------------------------------------------
    report.section("Ad-hoc actions")
    record = await client.call_service(
        ds.DOMAIN,
        "lastfm_top_tracks",
        {"playlist": "E2E monthly top 5", "period": "1month", "limit": 5},
    )
    check(
        "lastfm_top_tracks?return_response: a run record, playlist created",
        record.get("status") in ("success", "partial") and 0 < record.get("added", 0) <= 5,
        record,
    )
    try:
        await ws_call(
            demo, "mirror_playlist", {"source": "liked_songs", "targets": ["${nonsense}"]}
        )
        check("an invalid date pattern is a validation error", False, "no error")
    except WSError as err:
        check(
            "an invalid date pattern is a validation error (nothing written)",
            err.code == "service_validation_error",
            err.error,
        )

    await check_playlist_history(demo, report)
    await check_playlist_rules(demo, report)

    # ---------------------------------------------------------------------------------------
    report.section("Account health")
    await _account_health_checks(demo, report, lastfm_user, lastfm_id)

    # ---------------------------------------------------------------------------------------
    report.section("Spotify answering 429: Retry-After is honoured")
    count = await state_of(demo, demo.account["playlist_count"])
    await demo.emulator_post(
        "/_emulator/faults",
        {"status": 429, "retry_after": 3, "path": "/v1/me/playlists", "times": 1},
    )
    try:
        await ws_call(demo, "refresh_playlist_cache", {})
        check("a rate-limited refresh is an error", False, "no error")
    except WSError as err:
        check("a rate-limited refresh is an error", err.code == "home_assistant_error", err.error)
    kept = await state_of(demo, demo.account["playlist_count"])
    check(
        "entities keep the cached values (not unavailable)",
        kept.isdigit() and int(kept) >= int(count),
        (count, kept),
    )
    before = (await counters(demo)).get("GET /v1/me/playlists", 0)
    try:
        await ws_call(demo, "refresh_playlist_cache", {})
        blocked = False
    except WSError:
        blocked = True
    spent = (await counters(demo)).get("GET /v1/me/playlists", 0) - before
    check("within Retry-After no call reaches Spotify", blocked and spent == 0, (blocked, spent))
    await asyncio.sleep(3.5)
    response = await report.attempt(
        "after Retry-After the refresh works again",
        lambda: client.call_service(ds.DOMAIN, "refresh_playlist_cache"),
    )
    await demo.emulator_delete("/_emulator/faults")
    library = await demo.emulator_get("/_emulator/library")  # the syncs created playlists
    expected = sum(1 for item in library["me_playlists"] if item is not None)
    if response is not None:
        check("… with the full playlist list", response.get("playlists") == expected, response)

    # ---------------------------------------------------------------------------------------
    report.section("Diagnostics")
    diagnostics = await client.get(f"/api/diagnostics/config_entry/{demo.entry_id}")
    leaks = list(_secret_values(diagnostics))
    check(
        "diagnostics download works and redacts tokens, keys and Last.fm user names",
        bool(diagnostics) and not leaks,
        leaks,
    )

    # ---------------------------------------------------------------------------------------
    report.section("Blueprints")
    blueprints = await client.ws("blueprint/list", domain="automation")
    ours = {path: item for path, item in blueprints.items() if path.startswith("spotifreak/")}
    check(
        "the seven Spotifreak blueprints load without errors",
        set(ours) == {f"spotifreak/{name}" for name in BLUEPRINTS}
        and not any("error" in item for item in ours.values()),
        ours,
    )
    automations = {
        "e2e_schedule": ("run_sync_on_schedule.yaml", {"sync": mirror["run"]}),
        "e2e_stale": ("cache_stale_alert.yaml", {"stale_sensor": demo.account["cache_stale"]}),
        "e2e_weekly_lastfm": (
            "weekly_lastfm_playlist.yaml",
            {"playlist": "E2E weekly", "limit": 7},
        ),
        "e2e_archive": ("liked_songs_monthly_archive.yaml", {"pattern": "E2E %B %Y"}),
        "e2e_backup": ("back_up_playlists_weekly.yaml", {"playlists": ["E2E road trip"]}),
        "e2e_rolling": ("keep_a_rolling_playlist.yaml", {"playlist": "E2E rolling"}),
        "e2e_monthly": (
            "archive_and_prune_monthly.yaml",
            {"playlist": "E2E rolling", "archive": "E2E archive %b%y"},
        ),
    }
    for automation_id, (blueprint, inputs) in automations.items():
        await ds.add_blueprint_automation(
            demo, automation_id, f"E2E {automation_id}", blueprint, inputs
        )
    entity_ids = await _automation_entities(demo, set(automations))
    check(
        "automations made from each blueprint are on",
        len(entity_ids) == len(automations)
        and all([await state_of(demo, e) == "on" for e in entity_ids.values()]),
        entity_ids,
    )
    expectations = {
        "e2e_schedule": lambda d: d["sync_id"] == mirror_id,
        "e2e_weekly_lastfm": lambda d: (
            d["sync_type"] == "lastfm_top_tracks" and d["sync_id"] != lastfm_id
        ),
        "e2e_archive": lambda d: d["sync_type"] == "playlist_mirror" and d["sync_id"] != mirror_id,
        "e2e_rolling": lambda d: d["sync_type"] == "playlist_retention",
        "e2e_monthly": lambda d: d["sync_type"] == "playlist_retention",
    }
    for automation_id, matches in expectations.items():
        if automation_id not in entity_ids:
            continue
        drain(sync_events)
        await client.post(
            "/api/services/automation/trigger",
            {"entity_id": entity_ids[automation_id], "skip_condition": True},
        )
        try:
            event = await next_event(sync_events, 30)
            check(
                f"{automations[automation_id][0]}: triggered, the expected sync ran",
                matches(event["data"])
                and event["data"]["status"] not in ("failed", "rate_limited"),
                event["data"],
            )
        except TimeoutError:
            check(
                f"{automations[automation_id][0]}: triggered, a sync ran", False, "no event in 30 s"
            )

    if "e2e_backup" in entity_ids:
        backups = await client.subscribe_events(EVENT_SNAPSHOT)
        await client.post(
            "/api/services/automation/trigger",
            {"entity_id": entity_ids["e2e_backup"], "skip_condition": True},
        )
        try:
            event = await next_event(backups, 30, reason="manual")
            check(
                "back_up_playlists_weekly.yaml: triggered, the playlist got a version",
                event["data"]["name"] == "E2E road trip" and event["data"]["tracks"] == 121,
                event["data"],
            )
        except TimeoutError:
            check("back_up_playlists_weekly.yaml: triggered", False, "no snapshot event in 30 s")

    # ---------------------------------------------------------------------------------------
    report.section("The Spotifreak dashboard")
    await report.attempt(
        "dashboard created and saved (lovelace websocket API)", lambda: ds.save_dashboard(demo)
    )
    dashboards = await client.ws("lovelace/dashboards/list")
    check(
        "listed in the sidebar as Spotifreak",
        any(
            d["url_path"] == ds.DASHBOARD_URL_PATH
            and d["title"] == "Spotifreak"
            and d["show_in_sidebar"]
            for d in dashboards
        ),
        dashboards,
    )
    saved = await client.ws("lovelace/config", url_path=ds.DASHBOARD_URL_PATH)
    shown = set(_entities_in(saved))
    states = {s["entity_id"] for s in await client.get("/api/states")}
    wanted = {*demo.account.values(), *(e for s in demo.sync_entities.values() for e in s.values())}
    check(
        "it shows cache age, last refreshed, stale, playlist count, every sync's results",
        wanted - {demo.account["api_calls"]} <= shown <= states,
        (sorted(wanted - shown), sorted(shown - states)),
    )
    services = await client.ws("get_services")
    actions = set(services.get(ds.DOMAIN, {}))
    check(
        "the frontend's action list (get_services) describes all twelve Spotifreak actions",
        actions
        >= {
            "refresh_playlist_cache",
            "resolve_playlist",
            "mirror_playlist",
            "lastfm_top_tracks",
            "run_sync",
            "get_run_history",
            "snapshot_playlist",
            "list_playlist_versions",
            "restore_playlist",
            "prune_playlist",
            "remove_duplicates",
            "set_lastfm_match",
        },
        sorted(actions),
    )
    cards = [card["type"] for view in saved["views"] for card in view.get("cards", [])]
    check("with a history graph", "history-graph" in cards, cards)
    async with demo.session.get(f"{demo.ha_url}/{ds.DASHBOARD_URL_PATH}/overview") as page:
        body = await page.text()
    check(
        "the frontend serves the dashboard page",
        page.status == 200 and "<html" in body.lower(),
        page.status,
    )
    await asyncio.sleep(3)  # the recorder commits every 2 s in the demo
    start = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    history = await client.get(
        f"/api/history/period/{start}?filter_entity_id={demo.account['cache_age']}&minimal_response"
    )
    check("history is recorded (cache age)", bool(history) and bool(history[0]), history)
    if demo.dashboard_session is not None:
        write_dashboard_session(demo, saved, demo.dashboard_session)

    # ---------------------------------------------------------------------------------------
    report.section("The log")
    if demo.config_dir is not None:
        log = (demo.config_dir / "home-assistant.log").read_text(encoding="utf-8", errors="replace")
        problems = _unexpected_log_entries(log)
        check(
            "no unexpected exception from Spotifreak in home-assistant.log",
            not problems,
            "\n".join(problems),
        )
        reports = _home_assistant_reports(log)
        check(
            "no deprecation or blocking-call report about Spotifreak in home-assistant.log",
            not reports,
            "\n".join(reports),
        )
    state = await demo.emulator_get("/_emulator/state")
    print(f"     Spotify API calls in the whole run: {state['spotify_calls']}", flush=True)


async def check_playlist_history(demo: ds.Demo, report: Report) -> None:
    """The issue's scenario: a hand-made playlist of 120 tracks, a local file and an episode,
    named in a Last.fm sync in replace mode, cannot lose a track."""
    client, check = demo.client, report.check
    report.section("Playlist history: a hand-made playlist cannot lose a track")
    library = await demo.emulator_get("/_emulator/library")
    tracks = [t["uri"] for t in library["tracks"] if t.get("is_playable", True)][:120]
    local = library["local_tracks"][0]["uri"]
    episode = f"spotify:episode:{library['episodes'][0]['id']}"
    items = [*tracks[:40], local, *tracks[40:80], episode, *tracks[80:]]
    made = await demo.emulator_post(
        "/_emulator/playlists",
        {"name": "E2E road trip", "items": items, "added_at": "2024-06-01T08:00:00Z"},
    )
    await client.call_service(ds.DOMAIN, "refresh_playlist_cache")
    snapshots = await client.subscribe_events(EVENT_SNAPSHOT)
    request = {"playlist": "E2E road trip", "period": "7day", "limit": 10}

    async def contents() -> list[str]:
        return await playlist_contents(demo, made["id"])

    async def writes() -> int:
        return await playlist_writes(demo)

    before = await writes()
    for extra, key in (
        ({}, "replace_not_allowed"),
        ({"allow_replace": True}, "replace_loses_local_files"),
    ):
        try:
            await ws_call(demo, "lastfm_top_tracks", {**request, **extra})
            check(f"replace refused without leave ({key})", False, "no error")
        except WSError as err:
            check(
                f"replace refused without leave: {key}, a validation error",
                err.code == "service_validation_error" and err.error.get("translation_key") == key,
                err.error,
            )
    check(
        "nothing was written: the playlist is as it was",
        await writes() == before and await contents() == items,
        await writes() - before,
    )
    replaced = await client.call_service(
        ds.DOMAIN,
        "lastfm_top_tracks",
        {**request, "allow_replace": True, "allow_local_loss": True},
    )
    top = await contents()
    version = (replaced.get("targets") or [{}])[0].get("snapshot_version")
    check(
        "with allow_replace and allow_local_loss: replaced, its version kept first",
        replaced.get("status") == "success" and 0 < len(top) <= 10 and version is not None,
        replaced,
    )
    try:
        event = await next_event(snapshots, 10, version=version)
        check(
            "event spotifreak_playlist_snapshot: before_replace, 122 entries",
            event["data"]["reason"] == "before_replace" and event["data"]["tracks"] == 122,
            event["data"],
        )
    except TimeoutError:
        check("event spotifreak_playlist_snapshot", False, "no event within 10 s")
    listed = await client.call_service(
        ds.DOMAIN, "list_playlist_versions", {"playlist": "E2E road trip"}
    )
    check(
        "list_playlist_versions: the version, 122 entries, 1 unrestorable",
        [(v["version"], v["tracks"], v["unrestorable"]) for v in listed.get("versions", [])]
        == [(version, 122, 1)],
        listed,
    )
    before = await writes()
    dry = await client.call_service(
        ds.DOMAIN, "restore_playlist", {"playlist": "E2E road trip", "dry_run": True}
    )
    check(
        "restore_playlist dry run: says what it would add, writes nothing",
        dry.get("status") == "dry_run" and dry.get("added", 0) > 100 and await writes() == before,
        dry,
    )
    restored = await client.call_service(
        ds.DOMAIN, "restore_playlist", {"playlist": "E2E road trip"}
    )
    check(
        "restore_playlist puts back exactly the previous list (without the local file)",
        await contents() == [uri for uri in items if uri != local],
        restored,
    )
    check(
        "… partial, the local file listed as unrestorable",
        restored.get("status") == "partial"
        and [item.get("uri") for item in restored.get("unrestorable", [])] == [local]
        and restored.get("version") == version,
        restored,
    )
    sensor = demo.account["playlist_versions"]
    value = await wait_state(demo, sensor, lambda v: v == "2")
    check("the Playlist versions sensor counts 2", value == "2", (sensor, value))


async def _account_health_checks(
    demo: ds.Demo, report: Report, lastfm_user: str, lastfm_id: str
) -> None:
    """The expiry and 24-hour sensors, a source Spotify will not let the app read, a Last.fm
    match fixed by the user, and Spotify's quota with its repair issue."""
    client, check = demo.client, report.check
    expires = await state_of(demo, demo.account["authorization_expires"])
    try:
        ahead = datetime.fromisoformat(expires) - datetime.now(UTC)
    except ValueError:
        ahead = timedelta(0)
    check(
        "authorization expires: about six months after the OAuth flow authorized the account",
        timedelta(days=180) < ahead < timedelta(days=185),
        expires,
    )
    calls = await state_of(demo, demo.account["api_calls_24h"])
    made = (await demo.emulator_get("/_emulator/state"))["spotify_calls"]
    check(
        "Spotify API calls (24 h): every call of the account so far",
        calls.isdigit() and 0 < int(calls) <= made,
        (calls, made),
    )

    editorial = await spotify_owned_playlist(demo)
    result = await ds.add_sync(
        demo, "playlist_mirror", {**ds.MIRROR_SYNC, "name": "E2E editorial", "source": editorial}
    )
    check(
        f"a mirror of Spotify's own {editorial!r} is refused in the form, naming the kind",
        result.get("type") == "form"
        and (result.get("errors") or {}).get("source") == "unreadable_spotify_owned",
        result,
    )
    if result.get("type") == "form":
        await client.request(
            "DELETE", f"/api/config/config_entries/subentries/flow/{result['flow_id']}"
        )

    library = await demo.emulator_get("/_emulator/library")
    chart = library["lastfm"]["users"][lastfm_user]["7day"][: ds.LASTFM_SYNC["limit"]]
    matched = {t["expected_uri"] for t in chart if t["expected_uri"]}
    wrong = next(t for t in chart if t["expected_uri"])
    right = next(t for t in library["tracks"] if t["uri"] not in matched)
    await client.call_service(
        ds.DOMAIN,
        "set_lastfm_match",
        {
            "artist": wrong["artist"],
            "title": wrong["name"],
            "track": f"https://open.spotify.com/track/{right['id']}",
        },
    )
    run = (await client.call_service(ds.DOMAIN, "run_sync", {"sync_id": lastfm_id}))["runs"][0]
    library = await demo.emulator_get("/_emulator/library")
    playlist = next(p for p in library["playlists"] if p["name"] == ds.LASTFM_SYNC["playlist"])
    uris = [item["uri"] for item in playlist["items"]]
    check(
        "set_lastfm_match: the next run puts the chosen track where the search's one was",
        run["status"] == "success" and right["uri"] in uris and wrong["expected_uri"] not in uris,
        (run, wrong, right["uri"]),
    )

    issue_id = f"quota_exceeded_{demo.entry_id}"
    await demo.emulator_post(
        "/_emulator/faults",
        {
            "status": 429,
            "retry_after": 3,
            "path": "/v1/me/playlists",
            "times": 1,
            "body": {"error": {"status": 429, "message": "Quota", "reason": "QUOTA_EXCEEDED"}},
        },
    )
    try:
        await ws_call(demo, "refresh_playlist_cache", {})
        check("a QUOTA_EXCEEDED refresh is an error", False, "no error")
    except WSError as err:
        check("a QUOTA_EXCEEDED refresh is an error", err.code == "home_assistant_error", err.error)
    issues = (await client.ws("repairs/list_issues"))["issues"]
    found = next((i for i in issues if i["issue_id"] == issue_id), None)
    check(
        "a quota_exceeded repair issue says when the wait ends",
        found is not None and bool(found["translation_placeholders"].get("until")),
        found,
    )
    await asyncio.sleep(3.5)
    await report.attempt(
        "after the wait the refresh works again",
        lambda: client.call_service(ds.DOMAIN, "refresh_playlist_cache"),
    )
    issues = (await client.ws("repairs/list_issues"))["issues"]
    check(
        "… and the quota issue is gone",
        all(i["issue_id"] != issue_id for i in issues),
        [i["issue_id"] for i in issues],
    )


async def _confirm_http(demo: ds.Demo) -> None:
    if not await ds.confirm_http_config(demo):
        raise AssertionError("no pending HTTP configuration to confirm")
    if (await demo.client.ws("http/config")).get("pending"):
        raise AssertionError("the HTTP configuration is still pending")


def write_dashboard_session(demo: ds.Demo, config: dict[str, Any], path: Path) -> None:
    """What the browser check (scripts/devtools/dashboard) needs: where, how to log in, what to see."""
    expires_in = 1800
    session = {
        "ha_url": demo.ha_url,
        "dashboard_path": f"{ds.DASHBOARD_URL_PATH}/overview",
        "tokens": {"access_token": demo.client.token},
        # The frontend keeps its login in localStorage under hassTokens, in this shape.
        "browser_tokens": {
            "access_token": demo.client.token,
            "token_type": "Bearer",
            "expires_in": expires_in,
            "refresh_token": demo.refresh_token,
            "hassUrl": demo.ha_url,
            "clientId": f"{demo.ha_url}/",
            "expires": int((time.time() + expires_in) * 1000),
        },
        "cards": sum(len(view.get("cards", [])) for view in config["views"]),
        "entities": [demo.account["playlist_count"], demo.account["cache_age"]],
        "values": {
            "playlist count": demo.account["playlist_count"],
            "cache age": demo.account["cache_age"],
        },
    }
    path.write_text(json.dumps(session), encoding="utf-8")


# Errors Spotifreak raises on purpose for the user (Home Assistant 2025.4's websocket API logs them
# with a traceback; 2026.x logs one line).
EXPECTED_FINAL = (
    # The coordinator logs a failed refresh's traceback at DEBUG ("Full error:").
    "homeassistant.helpers.update_coordinator.UpdateFailed",
    "homeassistant.exceptions.HomeAssistantError",
    "homeassistant.exceptions.ServiceValidationError",
)


def _home_assistant_reports(log: str) -> list[str]:
    """Lines in which Home Assistant reports Spotifreak for a deprecated API or a blocking call."""
    return [
        line
        for line in log.splitlines()
        if ("Detected that custom integration 'spotifreak'" in line)
        or ("Detected blocking call" in line and "spotifreak" in line)
    ]


def _unexpected_log_entries(log: str) -> list[str]:
    """Log entries with a traceback through Spotifreak's code that ends in something other than
    the translated errors it raises for users, and failed set-ups of its entry."""
    entries: list[list[str]] = []
    for line in log.splitlines():
        if (line[:4].isdigit() and line[4:5] == "-") or not entries:
            entries.append([line])
        else:
            entries[-1].append(line)
    problems = []
    for entry in entries:
        text = "\n".join(entry)
        first = entry[0]
        if "Error setting up entry" in first or "Error doing job" in first:
            if "spotifreak" in text:
                problems.append(first)
            continue
        if "Traceback" not in text or "custom_components/spotifreak" not in text:
            continue
        final = next((line for line in reversed(entry) if line.strip()), "")
        if not final.startswith(EXPECTED_FINAL):
            problems.append(f"{first} ... {final}")
    return problems


def _secret_values(data: Any, path: str = "") -> list[str]:
    found: list[str] = []
    if isinstance(data, dict):
        for key, value in data.items():
            here = f"{path}.{key}"
            if key in (
                "access_token",
                "refresh_token",
                "client_secret",
                "lastfm_api_key",
                "lastfm_username",
                "username",
                "email",
            ) and value not in ("**REDACTED**", None, ""):
                found.append(here)
            found += _secret_values(value, here)
    elif isinstance(data, list):
        for index, value in enumerate(data):
            found += _secret_values(value, f"{path}[{index}]")
    return found


def _entities_in(data: Any) -> list[str]:
    found: list[str] = []
    if isinstance(data, dict):
        for key, value in data.items():
            if key == "entity" and isinstance(value, str):
                found.append(value)
            elif key == "entities" and isinstance(value, list):
                found += [v for v in value if isinstance(v, str)]
                found += _entities_in(value)
            else:
                found += _entities_in(value)
    elif isinstance(data, list):
        for value in data:
            found += _entities_in(value)
    return found


async def _automation_entities(demo: ds.Demo, ids: set[str], seconds: float = 20) -> dict[str, str]:
    deadline = time.monotonic() + seconds
    while True:
        found = {
            s["attributes"].get("id"): s["entity_id"]
            for s in await demo.client.get("/api/states")
            if s["entity_id"].startswith("automation.") and s["attributes"].get("id") in ids
        }
        if len(found) == len(ids) or time.monotonic() > deadline:
            return found
        await asyncio.sleep(0.5)


async def _main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--ha", required=True)
    parser.add_argument("--emulator", required=True)
    parser.add_argument("--config", required=True)
    parser.add_argument(
        "--dashboard-session", type=Path, help="write what the browser check needs to this file"
    )
    args = parser.parse_args()
    report = Report()
    async with aiohttp.ClientSession() as session:
        client = HAClient(args.ha, session)
        demo = ds.Demo(
            ha_url=args.ha.rstrip("/"),
            emulator_url=args.emulator.rstrip("/"),
            session=session,
            client=client,
            config_dir=Path(args.config),
            dashboard_session=args.dashboard_session,
        )
        try:
            await run_checks(demo, report)
        except Stop as err:
            print(f"\nstopped after a failed check that later ones depend on: {err}", flush=True)
        except Exception as err:
            report.check("the end-to-end run finished", False, f"{type(err).__name__}: {err}")
        finally:
            await client.close()
    print(f"\nend-to-end checks took {time.monotonic() - report.started:.0f}s", flush=True)
    print(f"{report.passed} passed, {report.failed} failed", flush=True)
    return 1 if report.failed or not report.passed else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(_main()))
