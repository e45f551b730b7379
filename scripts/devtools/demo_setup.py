"""Set up the demo Home Assistant the way a user would, through its REST and WebSocket APIs.

`scripts/develop` runs this once Home Assistant and the emulator are up; `scripts/e2e` imports the
same steps and checks each one. Nothing here touches Home Assistant's files: onboarding, the
application credentials, the OAuth config flow (its authorize URL followed at the emulator and
the redirect handed to Home Assistant's /auth/external/callback), the options flow, the subentry
flows of two configured syncs, automations from the blueprints and the "Spotifreak" dashboard all
go through the same API calls the frontend makes.

    python scripts/devtools/demo_setup.py --ha http://127.0.0.1:8123 \
        --emulator http://127.0.0.1:8990 --config config
"""

from __future__ import annotations

import argparse
import asyncio
from dataclasses import dataclass, field
from pathlib import Path
import sys
from typing import Any

import aiohttp
from haclient import HAClient, HAError, WSError
import yaml

ROOT = Path(__file__).resolve().parents[2]
DOMAIN = "spotifreak"
DEMO_USER = {"name": "Demo", "username": "demo", "password": "spotifreak-demo", "language": "en"}
DASHBOARD_URL_PATH = "spotifreak-dashboard"  # Home Assistant wants a hyphen in dashboard paths
MIRROR_SYNC = {
    "name": "Monthly liked-songs archive",
    "source": "liked_songs",
    "targets": ["%b%y"],
    "create_missing": True,
    "public": False,
    "deduplicate": True,
    "only_new": True,
}
LASTFM_SYNC = {
    "name": "Weekly Last.fm top tracks",
    "playlist": "Last.fm weekly",
    "period": "7day",
    "limit": 25,
    "mode": "replace",
    "create_missing": True,
    "public": False,
}
ACCOUNT_KEYS = {
    "sensor": (
        "playlist_count",
        "last_refreshed",
        "cache_age",
        "api_calls",
        "api_calls_24h",
        "authorization_expires",
        "playlist_versions",
    ),
    "binary_sensor": ("cache_stale",),
}
SYNC_KEYS = {"sensor": ("last_run", "last_result", "tracks_added"), "button": ("run",)}


@dataclass
class Demo:
    """The demo stack as seen from outside, and what provisioning learnt about it."""

    ha_url: str
    emulator_url: str
    session: aiohttp.ClientSession
    client: HAClient
    config_dir: Path | None = None
    dashboard_session: Path | None = None  # e2e: where the browser check's session goes
    emulator: dict[str, Any] = field(default_factory=dict)
    ha_version: str = ""
    refresh_token: str = ""
    entry_id: str = ""
    title: str = ""
    user_id: str = ""
    syncs: dict[str, str] = field(default_factory=dict)  # subentry type -> subentry id
    sync_titles: dict[str, str] = field(default_factory=dict)  # subentry id -> title
    account: dict[str, str] = field(default_factory=dict)  # key -> entity id
    sync_entities: dict[str, dict[str, str]] = field(default_factory=dict)  # id -> key -> entity

    @property
    def client_id(self) -> str:
        """The OAuth client id Home Assistant's own frontend uses: the instance's URL."""
        return f"{self.ha_url}/"

    @property
    def redirect_uri(self) -> str:
        return f"{self.ha_url}/auth/external/callback"

    async def emulator_get(self, path: str) -> Any:
        async with self.session.get(f"{self.emulator_url}{path}") as response:
            response.raise_for_status()
            return await response.json()

    async def emulator_post(self, path: str, body: Any = None) -> Any:
        async with self.session.post(f"{self.emulator_url}{path}", json=body) as response:
            response.raise_for_status()
            return await response.json()

    async def emulator_delete(self, path: str) -> Any:
        async with self.session.delete(f"{self.emulator_url}{path}") as response:
            response.raise_for_status()
            return await response.json()


# -- start-up and onboarding ---------------------------------------------------------------------


async def wait_until_running(demo: Demo, seconds: float = 300) -> list[dict[str, Any]]:
    """Wait for the onboarding API (the frontend is up), return the onboarding steps."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while True:
        try:
            steps: list[dict[str, Any]] = await demo.client.get("/api/onboarding", auth=False)
        except (aiohttp.ClientError, HAError):
            if loop.time() > deadline:
                raise
            await asyncio.sleep(1)
        else:
            return steps


async def create_owner(demo: Demo) -> str:
    """Onboarding's first step: the owner account. Returns the authorization code it answers."""
    result = await demo.client.post(
        "/api/onboarding/users", {**DEMO_USER, "client_id": demo.client_id}, auth=False
    )
    return str(result["auth_code"])


async def login_with_code(demo: Demo, code: str) -> dict[str, Any]:
    """Exchange an authorization code for tokens (as the frontend does); use the access token."""
    tokens: dict[str, Any] = await demo.client.post(
        "/auth/token",
        form={"grant_type": "authorization_code", "code": code, "client_id": demo.client_id},
        auth=False,
    )
    demo.client.token = tokens["access_token"]
    demo.refresh_token = tokens.get("refresh_token", "")
    return tokens


async def finish_onboarding(demo: Demo) -> None:
    """The remaining onboarding steps: location (kept from configuration.yaml), analytics (off),
    integrations."""
    await demo.client.post("/api/onboarding/core_config", {})
    await demo.client.post("/api/onboarding/analytics", {})
    await demo.client.post(
        "/api/onboarding/integration",
        {"client_id": demo.client_id, "redirect_uri": f"{demo.ha_url}/?auth_callback=1"},
    )


async def confirm_http_config(demo: Demo) -> bool:
    """Settings → the "Confirm new HTTP server configuration" dialog → Confirm (2026.11 and later).

    From 2026.11 Home Assistant stores the `http:` settings itself: those read from YAML (port,
    127.0.0.1 only) are a trial it reverts five minutes after a start unless confirmed. Returns
    whether there was a trial to confirm (older releases have no such dialog).
    """
    try:
        current = await demo.client.ws("http/config")
    except WSError as err:
        if err.code == "unknown_command":
            return False
        raise
    if not current.get("pending"):
        return False
    await demo.client.ws("http/config/promote")
    return True


async def wait_for_core(demo: Demo, seconds: float = 120) -> dict[str, Any]:
    """Wait until Home Assistant reports it is running; return `/api/config`."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while True:
        config: dict[str, Any] = await demo.client.get("/api/config")
        if config.get("state") == "RUNNING" or loop.time() > deadline:
            demo.ha_version = str(config.get("version", ""))
            return config
        await asyncio.sleep(1)


# -- Spotifreak through the OAuth flow -----------------------------------------------------------


async def add_application_credentials(demo: Demo) -> dict[str, Any]:
    """Settings → Application credentials → Add: the emulator's OAuth app."""
    demo.emulator = await demo.emulator_get("/_emulator/state")
    result: dict[str, Any] = await demo.client.ws(
        "application_credentials/create",
        domain=DOMAIN,
        client_id=demo.emulator["client_id"],
        client_secret=emulator_client_secret(),
        name="Spotifreak emulator",
    )
    return result


def emulator_client_secret() -> str:
    """The emulator's OAuth client secret (its admin state does not tell; its defaults do)."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from tests.emulator.server import DEFAULT_CLIENT_SECRET  # noqa: PLC0415

    return DEFAULT_CLIENT_SECRET


async def start_config_flow(demo: Demo) -> dict[str, Any]:
    """Settings → Add integration → Spotifreak: answers an external step (Spotify's login).

    The frontend sends its own base URL along; without `my` configured, Home Assistant builds
    the OAuth redirect URI from it (`<base>/auth/external/callback`).
    """
    result: dict[str, Any] = await demo.client.post(
        "/api/config/config_entries/flow",
        {"handler": DOMAIN, "show_advanced_options": False},
        headers={"HA-Frontend-Base": demo.ha_url},
    )
    return result


async def authorize(demo: Demo, url: str) -> str:
    """The browser at Spotify's authorize URL (the emulator approves at once): the redirect."""
    async with demo.session.get(url, allow_redirects=False) as response:
        if response.status not in (302, 303):
            raise RuntimeError(f"authorize answered {response.status}: {await response.text()}")
        return str(response.headers["Location"])


async def follow_callback(demo: Demo, location: str) -> tuple[int, str]:
    """The browser lands on Home Assistant's /auth/external/callback with code and state."""
    async with demo.session.get(location, allow_redirects=False) as response:
        return response.status, await response.text()


async def finish_config_flow(demo: Demo, flow_id: str) -> dict[str, Any]:
    """The frontend continues the flow after the external step: the entry is created."""
    for _ in range(30):
        result: dict[str, Any] = await demo.client.post(
            f"/api/config/config_entries/flow/{flow_id}", {}
        )
        if result["type"] != "external":
            if result["type"] == "create_entry":
                entry = result["result"]
                demo.entry_id = entry["entry_id"]
                demo.title = entry["title"]
            return result
        await asyncio.sleep(0.5)
    raise RuntimeError("the config flow never left the external step")


async def entry_state(demo: Demo) -> dict[str, Any]:
    entries = await demo.client.get(f"/api/config/config_entries/entry?domain={DOMAIN}")
    return next(entry for entry in entries if entry["entry_id"] == demo.entry_id)


async def wait_entry_loaded(demo: Demo, seconds: float = 60) -> dict[str, Any]:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while True:
        entry = await entry_state(demo)
        if entry["state"] == "loaded" or loop.time() > deadline:
            return entry
        await asyncio.sleep(0.5)


def form_defaults(result: dict[str, Any]) -> dict[str, Any]:
    """The values a form shows before the user types anything (defaults, suggested values)."""
    values: dict[str, Any] = {}
    for item in result.get("data_schema", []):
        if "default" in item:
            values[item["name"]] = item["default"]
        elif (item.get("description") or {}).get("suggested_value") is not None:
            values[item["name"]] = item["description"]["suggested_value"]
    return values


async def options_flow(demo: Demo, changes: dict[str, Any]) -> dict[str, Any]:
    """Configure → the options form, submitted with `changes` over what it shows."""
    form = await demo.client.post(
        "/api/config/config_entries/options/flow", {"handler": demo.entry_id}
    )
    result: dict[str, Any] = await demo.client.post(
        f"/api/config/config_entries/options/flow/{form['flow_id']}",
        {**form_defaults(form), **changes},
    )
    return result


async def add_sync(demo: Demo, kind: str, data: dict[str, Any]) -> dict[str, Any]:
    """Add a configured sync (a subentry of the account) through its form."""
    form = await demo.client.post(
        "/api/config/config_entries/subentries/flow", {"handler": [demo.entry_id, kind]}
    )
    result: dict[str, Any] = await demo.client.post(
        f"/api/config/config_entries/subentries/flow/{form['flow_id']}", data
    )
    return result


async def discover(demo: Demo, seconds: float = 30) -> None:
    """Learn the account's and the syncs' entity ids from the registries (by unique id)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    subentries = await demo.client.ws("config_entries/subentries/list", entry_id=demo.entry_id)
    demo.syncs = {item["subentry_type"]: item["subentry_id"] for item in subentries}
    demo.sync_titles = {item["subentry_id"]: item["title"] for item in subentries}
    while True:
        registry = await demo.client.ws("config/entity_registry/list")
        mine = {
            (entry["entity_id"].split(".")[0], entry["unique_id"]): entry["entity_id"]
            for entry in registry
            if entry["platform"] == DOMAIN
        }
        entries = await demo.client.get(f"/api/config/config_entries/entry?domain={DOMAIN}")
        unique_id = next(e for e in entries if e["entry_id"] == demo.entry_id).get("unique_id")
        demo.user_id = str(unique_id or demo.emulator.get("user", {}).get("id", ""))
        demo.account = {
            key: mine[(platform, f"{demo.user_id}_{key}")]
            for platform, keys in ACCOUNT_KEYS.items()
            for key in keys
            if (platform, f"{demo.user_id}_{key}") in mine
        }
        demo.sync_entities = {
            sync_id: {
                key: mine[(platform, f"{sync_id}_{key}")]
                for platform, keys in SYNC_KEYS.items()
                for key in keys
                if (platform, f"{sync_id}_{key}") in mine
            }
            for sync_id in demo.syncs.values()
        }
        complete = len(demo.account) == sum(map(len, ACCOUNT_KEYS.values())) and all(
            len(found) == sum(map(len, SYNC_KEYS.values())) for found in demo.sync_entities.values()
        )
        if complete or loop.time() > deadline:
            return
        await asyncio.sleep(0.5)


# -- dashboard and automations -------------------------------------------------------------------


def dashboard_config(demo: Demo, *, with_tips: bool = True) -> dict[str, Any]:
    """The "Spotifreak" dashboard: how fresh the cache is, the syncs, their history."""
    account = demo.account
    cards: list[dict[str, Any]] = [
        {
            "type": "entities",
            "title": "Playlist cache",
            "state_color": True,
            "entities": [
                {"entity": account["playlist_count"], "name": "Playlists"},
                {
                    "entity": account["last_refreshed"],
                    "name": "Last refreshed",
                    "format": "relative",
                },
                {"entity": account["cache_age"], "name": "Cache age"},
                {"entity": account["cache_stale"], "name": "Stale"},
                {"entity": account["api_calls"], "name": "Spotify API calls"},
            ],
        },
        {
            "type": "entities",
            "title": "Spotify account",
            "entities": [
                {"entity": account["api_calls_24h"], "name": "Spotify API calls (24 h)"},
                {
                    "entity": account["authorization_expires"],
                    "name": "Authorization expires",
                    "format": "date",
                },
                {"entity": account["playlist_versions"], "name": "Playlist versions kept"},
            ],
        },
        {
            "type": "button",
            "name": "Refresh the playlist cache now",
            "icon": "mdi:refresh",
            "show_state": False,
            "tap_action": {
                "action": "perform-action",
                "perform_action": f"{DOMAIN}.refresh_playlist_cache",
                "data": {},
            },
        },
        {
            "type": "history-graph",
            "title": "Cache age and playlist count (24 h)",
            "hours_to_show": 24,
            "entities": [account["cache_age"], account["playlist_count"]],
        },
    ]
    results = []
    for sync_id, entities in demo.sync_entities.items():
        results.append(entities["last_result"])
        cards.append(
            {
                "type": "entities",
                "title": demo.sync_titles.get(sync_id, "Sync"),
                "state_color": True,
                "entities": [
                    {"entity": entities["last_result"], "name": "Last result"},
                    {"entity": entities["last_run"], "name": "Last run", "format": "relative"},
                    {"entity": entities["tracks_added"], "name": "Tracks added"},
                    {"entity": entities["run"], "name": "Run now"},
                ],
            }
        )
    cards.append(
        {
            "type": "history-graph",
            "title": "Stale and last sync results (7 days)",
            "hours_to_show": 168,
            "entities": [account["cache_stale"], *results],
        }
    )
    if results:
        cards.append(
            {"type": "logbook", "title": "Sync runs", "hours_to_show": 72, "entities": results}
        )
    if with_tips:
        cards.append(
            {"type": "markdown", "title": "Try this", "content": tips_markdown(demo.emulator_url)}
        )
    return {
        "title": "Spotifreak",
        "views": [
            {
                "title": "Spotifreak",
                "path": "overview",
                "icon": "mdi:playlist-music",
                "cards": cards,
            }
        ],
    }


def tips_markdown(emulator_url: str) -> str:
    """The demo's "Try this" card."""
    return f"""\
- **Run a sync**: press *Run now* on a sync; its last result, last run and tracks added change.
  Run it again: nothing new is *up to date*, never *success*.
- **Resolve a playlist for free**: Developer tools → Actions → `spotifreak.resolve_playlist`
  with `playlist: Chill` (and *return response*): `source: cache`, no Spotify call.
- **Watch events**: Developer tools → Events → listen to `spotifreak_sync_finished` or
  `spotifreak_cache_refreshed`, then refresh the cache or run a sync.
- **Break Spotify**: `curl -X POST {emulator_url}/_emulator/faults -d '{{"status": 503,
  "path": "/v1/me/playlists", "times": null}}'`, lower *stale after* in the options, and watch
  the cache go stale, the repair issue and the stale-alert automation.
  `curl -X DELETE {emulator_url}/_emulator/faults` heals it.
- **Blueprints**: Settings → Automations & scenes → Blueprints (four from Spotifreak).
"""


class _Dumper(yaml.SafeDumper):
    """Block scalars for multi-line text, indented lists: YAML as people write it."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _text)


def dump_yaml(data: Any) -> str:
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)


async def save_dashboard(demo: Demo) -> dict[str, Any]:
    """Settings → Dashboards → Add dashboard, then its raw configuration saved."""
    existing = await demo.client.ws("lovelace/dashboards/list")
    if not any(item["url_path"] == DASHBOARD_URL_PATH for item in existing):
        await demo.client.ws(
            "lovelace/dashboards/create",
            url_path=DASHBOARD_URL_PATH,
            title="Spotifreak",
            icon="mdi:playlist-music",
            show_in_sidebar=True,
            require_admin=False,
            mode="storage",
        )
    config = dashboard_config(demo)
    await demo.client.ws("lovelace/config/save", url_path=DASHBOARD_URL_PATH, config=config)
    if demo.config_dir is not None:
        target = demo.config_dir / "dashboards" / "spotifreak.yaml"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(
            "# Generated by scripts/devtools/demo_setup.py (the demo's dashboard, raw config)\n"
            + dump_yaml(config),
            encoding="utf-8",
        )
    return config


async def add_blueprint_automation(
    demo: Demo, automation_id: str, alias: str, blueprint: str, inputs: dict[str, Any]
) -> None:
    """Settings → Automations → Create from a blueprint → Save."""
    await demo.client.post(
        f"/api/config/automation/config/{automation_id}",
        {
            "alias": alias,
            "description": f"Made from the Spotifreak blueprint {blueprint}.",
            "use_blueprint": {"path": f"spotifreak/{blueprint}", "input": inputs},
        },
    )


async def add_demo_automations(demo: Demo) -> None:
    mirror = demo.sync_entities[demo.syncs["playlist_mirror"]]["run"]
    lastfm = demo.sync_entities[demo.syncs["lastfm_top_tracks"]]["run"]
    await add_blueprint_automation(
        demo,
        "spotifreak_demo_archive_nightly",
        "Spotifreak: monthly archive every night",
        "run_sync_on_schedule.yaml",
        {"sync": mirror, "at": "23:55:00"},
    )
    await add_blueprint_automation(
        demo,
        "spotifreak_demo_lastfm_monday",
        "Spotifreak: Last.fm playlist on Mondays",
        "run_sync_on_schedule.yaml",
        {"sync": lastfm, "at": "08:00:00", "weekdays": ["mon"]},
    )
    await add_blueprint_automation(
        demo,
        "spotifreak_demo_backup_weekly",
        "Spotifreak: back up playlists on Sundays",
        "back_up_playlists_weekly.yaml",
        {"playlists": ["Road Trip", LASTFM_SYNC["playlist"]]},
    )
    await add_blueprint_automation(
        demo,
        "spotifreak_demo_stale_alert",
        "Spotifreak: alert when the playlist cache is stale",
        "cache_stale_alert.yaml",
        {"stale_sensor": demo.account["cache_stale"]},
    )


# -- all of it -----------------------------------------------------------------------------------


async def provision(demo: Demo, log: Any = print) -> None:
    """Everything `scripts/develop` sets up, in order; raises on anything unexpected."""
    steps = await wait_until_running(demo)
    if any(step["done"] for step in steps):
        raise RuntimeError(f"Home Assistant is already onboarded ({steps}): not a fresh config")
    log("   onboarding (owner account, location, analytics off)")
    await login_with_code(demo, await create_owner(demo))
    await finish_onboarding(demo)
    await demo.client.ws_connect()
    await wait_for_core(demo)
    if await confirm_http_config(demo):
        log("   confirmed the HTTP settings (127.0.0.1 only, the demo's port)")
    log("   application credentials for the emulator's OAuth app")
    await add_application_credentials(demo)
    log(
        "   Spotifreak config flow: authorize at the emulator, back through /auth/external/callback"
    )
    flow = await start_config_flow(demo)
    if flow.get("type") != "external":
        raise RuntimeError(f"expected the OAuth external step, got {flow}")
    location = await authorize(demo, flow["url"])
    if not location.startswith(demo.redirect_uri):
        raise RuntimeError(f"the emulator redirected to {location}, not {demo.redirect_uri}")
    status, _ = await follow_callback(demo, location)
    if status != 200:
        raise RuntimeError(f"/auth/external/callback answered {status}")
    result = await finish_config_flow(demo, flow["flow_id"])
    if result["type"] != "create_entry":
        raise RuntimeError(f"the config flow ended with {result}")
    await wait_entry_loaded(demo)
    log("   options: Last.fm API key and user")
    lastfm_user = demo.emulator["lastfm_users"][0]
    result = await options_flow(
        demo,
        {"lastfm_api_key": demo.emulator["lastfm_api_keys"][0], "lastfm_username": lastfm_user},
    )
    if result["type"] != "create_entry":
        raise RuntimeError(f"the options flow ended with {result}")
    await asyncio.sleep(1)  # the options reload the entry
    await wait_entry_loaded(demo)
    log("   two configured syncs: monthly liked-songs archive, weekly Last.fm top tracks")
    for kind, data in (("playlist_mirror", MIRROR_SYNC), ("lastfm_top_tracks", LASTFM_SYNC)):
        result = await add_sync(demo, kind, data)
        if result["type"] != "create_entry":
            raise RuntimeError(f"adding the {kind} sync ended with {result}")
    await discover(demo)
    log("   first run of both syncs")
    for sync_id in demo.syncs.values():
        await demo.client.call_service(DOMAIN, "run_sync", {"sync_id": sync_id})
    log("   automations from the blueprints, and the Spotifreak dashboard")
    await add_demo_automations(demo)
    await save_dashboard(demo)


def banner(demo: Demo, *, log_file: str) -> str:
    ha = demo.ha_url
    emulator = demo.emulator_url
    user = demo.emulator.get("user", {})
    return f"""
Spotifreak demo is ready: Home Assistant {demo.ha_version} with Spotifreak set up against the emulator.

  Open the dashboard   {ha}/{DASHBOARD_URL_PATH}/overview
                       (no password from this machine: trusted_networks, development only;
                        elsewhere the owner is {DEMO_USER["username"]} / {DEMO_USER["password"]})
  The integration      {ha}/config/integrations/integration/{DOMAIN}
  Blueprints           {ha}/config/blueprint/dashboard
  Actions to try       {ha}/developer-tools/action
  Spotify account      {user.get("display_name")} ({demo.emulator.get("me_playlists")} playlists, {demo.emulator.get("liked")} liked songs; Last.fm user {", ".join(demo.emulator.get("lastfm_users", []))})
  Emulator admin       {emulator}/_emulator/state   (faults: {emulator}/_emulator/faults)
  Home Assistant log   {log_file}

What to try:
  - Press "Run now" on a sync on the dashboard; run it again: "up_to_date", not "success".
  - Developer tools → Actions → spotifreak.resolve_playlist, playlist "Chill", with response:
    answered from the cache (source: cache), no Spotify call.
  - Developer tools → Events → listen to spotifreak_sync_finished / spotifreak_cache_refreshed.
  - Make Spotify fail and watch the cache go stale (lower "stale after" in the options first):
      curl -X POST {emulator}/_emulator/faults -d '{{"status": 503, "path": "/v1/me/playlists", "times": null}}'
      curl -X DELETE {emulator}/_emulator/faults
  - Settings → Automations: four automations made from the Spotifreak blueprints.

Everything in config/ except configuration.yaml is rebuilt at the next start. Ctrl-C stops it all.
"""


async def _main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--ha", required=True, help="Home Assistant's URL")
    parser.add_argument("--emulator", required=True, help="the emulator's URL")
    parser.add_argument("--config", required=True, help="Home Assistant's configuration directory")
    args = parser.parse_args()
    async with aiohttp.ClientSession() as session:
        client = HAClient(args.ha, session)
        demo = Demo(
            ha_url=args.ha.rstrip("/"),
            emulator_url=args.emulator.rstrip("/"),
            session=session,
            client=client,
            config_dir=Path(args.config),
        )
        try:
            await provision(demo, log=lambda line: print(line, flush=True))
        finally:
            await client.close()
        print(banner(demo, log_file=str(Path(args.config) / "home-assistant.log")), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(_main()))
