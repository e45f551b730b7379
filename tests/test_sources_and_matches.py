"""Readable sources (forms and actions refuse what Spotify will not let the app read: a mirror's
source, the playlist a retention prunes or whose duplicates are removed) and the Last.fm match
review (`spotifreak.set_lastfm_match`, unmatched tracks on the last result sensor, the ISRC
tie-break) — through the emulator over HTTP."""

from __future__ import annotations

from typing import Any

import pytest

from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.spotifreak.const import CONF_LASTFM_API_KEY, CONF_LASTFM_USERNAME, DOMAIN
from tests.emulator import Emulator, Fault, Library
from tests.emulator.library import LASTFM_API_KEY, LastfmTrack
from tests.helpers import add_sync, cache_state, call_action

LASTFM = {CONF_LASTFM_API_KEY: LASTFM_API_KEY, CONF_LASTFM_USERNAME: "fm_user"}
MIRROR_FORM = {
    "name": "Copy",
    "targets": ["Copied"],
    "create_missing": True,
    "public": False,
    "deduplicate": True,
    "only_new": True,
}


@pytest.fixture
def emulator_library() -> Library:
    """The account's playlists of every kind a source can be, and a small catalogue."""
    lib = Library.generate(seed=3, playlists=12, liked=20, catalogue=60)
    tracks = list(lib.tracks)[:4]
    lib.create_playlist("My Own", items=tracks)
    lib.create_playlist("Their Mix", owner="someone_else", items=tracks)
    lib.create_playlist("Shared Mix", owner="someone_else", collaborative=True, public=False)
    lib.create_playlist("Editorial Hits", owner="spotify", items=tracks)
    # An editorial playlist the account does not follow: only its id is known.
    lib.create_playlist("Editorial Unfollowed", owner="spotify", followed=False, items=tracks)
    return lib


async def _mirror_form(
    hass: HomeAssistant, entry: MockConfigEntry, source: str, *, subentry_id: str | None = None
) -> dict[str, Any]:
    context = {"source": "user"}
    if subentry_id is not None:
        context = {"source": "reconfigure", "subentry_id": subentry_id}
    result = await hass.config_entries.subentries.async_init(
        (entry.entry_id, "playlist_mirror"), context=context
    )
    return dict(
        await hass.config_entries.subentries.async_configure(
            result["flow_id"], {**MIRROR_FORM, "source": source}
        )
    )


# -- readable sources --------------------------------------------------------------------------


async def test_an_editorial_or_foreign_source_is_refused_in_the_subentry_form(
    hass: HomeAssistant, emulator: Emulator, init_integration: MockConfigEntry
) -> None:
    """The form names the kind of playlist that cannot be read; owned, collaborative and the
    liked songs are accepted, on creation and on reconfiguration alike."""
    entry = init_integration
    editorial = emulator.library.playlists_named("Editorial Unfollowed")
    assert not editorial  # not followed: not in the cache, found by id only
    discover = next(
        p for p in emulator.library.playlists.values() if p.name == "Editorial Unfollowed"
    )
    for source, error in (
        ("Their Mix", "unreadable_other_users"),
        ("Editorial Hits", "unreadable_spotify_owned"),
        (f"https://open.spotify.com/playlist/{discover.id}", "unreadable_not_found"),
        ("No Such Playlist", "unreadable_not_found"),
    ):
        result = await _mirror_form(hass, entry, source)
        assert result["type"] is FlowResultType.FORM, source
        assert result["errors"] == {"source": error}, source
    assert not entry.subentries

    for source in ("liked_songs", "My Own", "Shared Mix"):
        result = await _mirror_form(hass, entry, source)
        assert result["type"] is FlowResultType.CREATE_ENTRY, source
    subentry_id = next(iter(entry.subentries))
    result = await _mirror_form(hass, entry, "Their Mix", subentry_id=subentry_id)
    assert result["errors"] == {"source": "unreadable_other_users"}
    assert entry.subentries[subentry_id].data["source"] == "liked_songs"


async def test_a_source_the_form_cannot_judge_now_is_left_to_the_run(
    hass: HomeAssistant,
    emulator: Emulator,
    setup_entry: Any,
    config_entry: MockConfigEntry,
) -> None:
    """Spotify failing while the form looks a playlist up, or the account not loaded: the form
    accepts the source (the run checks it before writing anything)."""
    entry = await setup_entry()
    unknown = f"spotify:playlist:{'Z' * 22}"
    emulator.inject(Fault(status=503, path="/v1/playlists/*", times=None))
    result = await _mirror_form(hass, entry, unknown)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    emulator.clear_faults()
    assert await hass.config_entries.async_unload(entry.entry_id)
    result = await _mirror_form(hass, entry, "Their Mix")
    assert result["type"] is FlowResultType.CREATE_ENTRY


@pytest.mark.parametrize(
    ("source", "key", "placeholders"),
    [
        ("Their Mix", "unreadable_other_users", {"playlist": "Their Mix", "owner": "someone_else"}),
        (
            "Editorial Hits",
            "unreadable_spotify_owned",
            {"playlist": "Editorial Hits", "owner": "spotify"},
        ),
    ],
)
async def test_an_action_refuses_an_unreadable_source_before_any_write(
    hass: HomeAssistant,
    emulator: Emulator,
    init_integration: MockConfigEntry,
    source: str,
    key: str,
    placeholders: dict[str, str],
) -> None:
    """`mirror_playlist` with such a source is a translated validation error; no target is
    created and nothing is read from Spotify."""
    emulator.reset_log()
    with pytest.raises(ServiceValidationError) as raised:
        await hass.services.async_call(
            DOMAIN,
            "mirror_playlist",
            {"source": source, "targets": ["Never Created"]},
            blocking=True,
            return_response=True,
        )
    assert raised.value.translation_key == key
    assert raised.value.translation_placeholders == placeholders
    assert emulator.spotify_calls == 0
    assert not emulator.library.playlists_named("Never Created")


# -- readable playlists of the rules (issue 15 meets issue 14) ---------------------------------


async def _retention_form(
    hass: HomeAssistant, entry: MockConfigEntry, playlist: str, *, subentry_id: str | None = None
) -> dict[str, Any]:
    context = {"source": "user"}
    if subentry_id is not None:
        context = {"source": "reconfigure", "subentry_id": subentry_id}
    result = await hass.config_entries.subentries.async_init(
        (entry.entry_id, "playlist_retention"), context=context
    )
    return dict(
        await hass.config_entries.subentries.async_configure(
            result["flow_id"],
            {"name": "Rolling", "playlist": playlist, "max_tracks": 2, "archive": "Pruned %Y"},
        )
    )


async def test_the_retention_form_refuses_an_editorial_or_foreign_playlist(
    hass: HomeAssistant, emulator: Emulator, init_integration: MockConfigEntry
) -> None:
    """The playlist a retention prunes is read first: the form refuses what the account cannot
    read, naming its kind, on creation and on reconfiguration; owned, collaborative and a date
    pattern (it names no playlist yet: the run checks it) are accepted."""
    entry = init_integration
    refused = (
        ("Their Mix", "unreadable_other_users"),
        ("Editorial Hits", "unreadable_spotify_owned"),
        ("No Such Playlist", "unreadable_not_found"),
    )
    for playlist, error in refused:
        result = await _retention_form(hass, entry, playlist)
        assert result["type"] is FlowResultType.FORM, playlist
        assert result["errors"] == {"playlist": error}, playlist
    assert not entry.subentries

    for playlist in ("My Own", "Shared Mix", "Their %Y"):
        result = await _retention_form(hass, entry, playlist)
        assert result["type"] is FlowResultType.CREATE_ENTRY, playlist
    subentry_id = next(iter(entry.subentries))
    for playlist, error in refused:
        result = await _retention_form(hass, entry, playlist, subentry_id=subentry_id)
        assert result["errors"] == {"playlist": error}, playlist
    assert entry.subentries[subentry_id].data["playlist"] == "My Own"


@pytest.mark.parametrize(
    ("playlist", "key", "owner"),
    [
        ("Their Mix", "unreadable_other_users", "someone_else"),
        ("Editorial Hits", "unreadable_spotify_owned", "spotify"),
    ],
)
@pytest.mark.parametrize(
    ("action", "options"),
    [
        ("prune_playlist", {"max_tracks": 1, "archive": "Never Created"}),
        ("remove_duplicates", {}),
    ],
)
async def test_a_rule_refuses_an_unreadable_playlist_before_any_call(
    hass: HomeAssistant,
    emulator: Emulator,
    init_integration: MockConfigEntry,
    playlist: str,
    key: str,
    owner: str,
    action: str,
    options: dict[str, Any],
) -> None:
    """`prune_playlist` and `remove_duplicates` fail with the translated reason of the mirror's
    source, before any call reaches Spotify (counted at the emulator) and before an archive is
    created."""
    before = emulator.library.playlist_uris(emulator.library.playlists_named(playlist)[0].id)
    emulator.reset_log()
    with pytest.raises(ServiceValidationError) as raised:
        await hass.services.async_call(
            DOMAIN,
            action,
            {"playlist": playlist, **options},
            blocking=True,
            return_response=True,
        )
    assert raised.value.translation_key == key
    assert raised.value.translation_placeholders == {"playlist": playlist, "owner": owner}
    assert emulator.spotify_calls == 0
    assert not emulator.library.playlists_named("Never Created")
    after = emulator.library.playlist_uris(emulator.library.playlists_named(playlist)[0].id)
    assert after == before


async def test_a_configured_retention_whose_playlist_became_unreadable_writes_nothing(
    hass: HomeAssistant, emulator: Emulator, init_integration: MockConfigEntry
) -> None:
    """A playlist given away after the retention was configured: its run fails the same way,
    before any call."""
    entry = init_integration
    assert (await _retention_form(hass, entry, "My Own"))["type"] is FlowResultType.CREATE_ENTRY
    sync_id = next(iter(entry.subentries))
    mine = emulator.library.playlists_named("My Own")[0]
    mine.owner_id = "someone_else"
    mine.bump()
    await entry.runtime_data.coordinator.async_refresh()
    emulator.reset_log()
    with pytest.raises(ServiceValidationError) as raised:
        await hass.services.async_call(
            DOMAIN, "run_sync", {"sync_id": sync_id}, blocking=True, return_response=True
        )
    assert raised.value.translation_key == "unreadable_other_users"
    assert emulator.spotify_calls == 0
    assert len(emulator.library.playlist_uris(mine.id)) == 4


async def test_the_24_hour_counter_and_so_the_budget_count_the_rules_calls(
    hass: HomeAssistant, emulator: Emulator, init_integration: MockConfigEntry
) -> None:
    """The daily budget is measured on the 24 h counter: a retention's and a duplicate
    removal's calls are in it like every other call of the account."""
    entry = init_integration
    await hass.services.async_call(DOMAIN, "refresh_playlist_cache", {}, blocking=True)
    before = int(cache_state(hass, entry, "api_calls_24h"))
    emulator.reset_log()
    pruned = await call_action(hass, "prune_playlist", {"playlist": "My Own", "max_tracks": 2})
    deduplicated = await call_action(hass, "remove_duplicates", {"playlist": "My Own"})
    await hass.services.async_call(DOMAIN, "refresh_playlist_cache", {}, blocking=True)
    assert (pruned["status"], deduplicated["status"]) == ("success", "noop")
    assert pruned["api_calls"] + deduplicated["api_calls"] >= 3  # a read, a DELETE, a read
    assert int(cache_state(hass, entry, "api_calls_24h")) == before + emulator.spotify_calls


# -- Last.fm match review ----------------------------------------------------------------------


def _two_versions(lib: Library) -> tuple[str, str]:
    """Two catalogue tracks both named "Night Drive" by "The Glow": the search finds both."""
    first = lib.add_catalogue_track("Night Drive", "The Glow", "Singles", popularity=90)
    second = lib.add_catalogue_track("Night Drive", "The Glow", "Live at Home", popularity=10)
    other = lib.add_catalogue_track("Morning Run", "The Glow", popularity=50)
    lib.add_lastfm_user(
        "fm_user",
        {"7day": [("Night Drive", "The Glow"), ("Morning Run", "The Glow"), ("Lost", "Nobody")]},
    )
    del other
    return first.uri, second.uri


async def _add_lastfm_sync(hass: HomeAssistant, entry: MockConfigEntry) -> str:
    result = await add_sync(
        hass,
        entry,
        "lastfm_top_tracks",
        {
            "name": "Weekly",
            "playlist": "Weekly Glow",
            "period": "7day",
            "limit": 10,
            "mode": "replace",
            "create_missing": True,
            "public": False,
        },
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    return next(iter(entry.subentries))


async def _run(hass: HomeAssistant, sync_id: str) -> dict[str, Any]:
    response = await hass.services.async_call(
        DOMAIN, "run_sync", {"sync_id": sync_id}, blocking=True, return_response=True
    )
    assert response is not None
    return dict(response["runs"][0])  # type: ignore[index]


def _playlist(emulator: Emulator, name: str) -> list[str]:
    (playlist,) = emulator.library.playlists_named(name)
    return emulator.library.playlist_uris(playlist.id)


@pytest.mark.parametrize("entry_options", [LASTFM])
async def test_a_wrong_match_is_overridden_across_runs_and_restarts(
    hass: HomeAssistant,
    emulator: Emulator,
    setup_entry: Any,
    entity_registry: er.EntityRegistry,
) -> None:
    """The search picks one "Night Drive"; the user fixes it to the other with a link, and
    forbids "Morning Run": every later run uses that, without searching, also after a restart.
    The last result sensor lists the unmatched tracks."""
    first, second = _two_versions(emulator.library)
    entry = await setup_entry()
    sync_id = await _add_lastfm_sync(hass, entry)
    run = await _run(hass, sync_id)
    assert run["status"] == "success"
    assert _playlist(emulator, "Weekly Glow")[0] == first
    result_entity = entity_registry.async_get_entity_id("sensor", DOMAIN, f"{sync_id}_last_result")
    assert result_entity is not None
    attributes = hass.states.get(result_entity).attributes  # type: ignore[union-attr]
    assert attributes["unmatched"] == [{"artist": "Nobody", "title": "Lost"}]
    assert attributes["unmatched_count"] == 1

    track_id = second.rsplit(":", 1)[1]
    response = await hass.services.async_call(
        DOMAIN,
        "set_lastfm_match",
        {
            "artist": "The Glow",
            "title": " Night Drive ",
            "track": f"https://open.spotify.com/track/{track_id}?si=x",
        },
        blocking=True,
        return_response=True,
    )
    assert response == {"artist": "The Glow", "title": "Night Drive", "track": second}
    await hass.services.async_call(
        DOMAIN,
        "set_lastfm_match",
        {"artist": "the glow", "title": "MORNING RUN", "track": "none"},
        blocking=True,
    )
    emulator.reset_log()
    run = await _run(hass, sync_id)
    assert run["status"] == "success"
    assert _playlist(emulator, "Weekly Glow") == [second]
    assert emulator.count("GET", "/v1/search") == 0
    attributes = hass.states.get(result_entity).attributes  # type: ignore[union-attr]
    assert {track["title"] for track in attributes["unmatched"]} == {"Morning Run", "Lost"}

    for _ in range(2):  # a restart, then another run: still overridden, still no search
        assert await hass.config_entries.async_reload(entry.entry_id)
        await hass.async_block_till_done()
        emulator.reset_log()
        run = await _run(hass, sync_id)
        assert run["status"] == "unchanged"
        assert _playlist(emulator, "Weekly Glow") == [second]
        assert emulator.count("GET", "/v1/search") == 0
    assert entry.runtime_data.syncs.runs.match_cache.overrides() == 2


@pytest.mark.parametrize("entry_options", [LASTFM])
@pytest.mark.parametrize(
    ("data", "key"),
    [
        (
            {"artist": "A", "title": "B", "track": "spotify:album:4uLU6hMCjMI75M1A2tKUQC"},
            "invalid_track",
        ),
        ({"artist": "A", "title": "B", "track": "Night Drive"}, "invalid_track"),
        ({"artist": " ", "title": "B", "track": "none"}, "lastfm_match_incomplete"),
        ({"artist": "A", "title": "", "track": "none"}, "lastfm_match_incomplete"),
    ],
)
async def test_set_lastfm_match_refuses_what_it_cannot_use(
    hass: HomeAssistant, init_integration: MockConfigEntry, data: dict[str, str], key: str
) -> None:
    """A track that is not a track URI or link, or a blank artist or title: translated
    validation errors, nothing stored."""
    with pytest.raises(ServiceValidationError) as raised:
        await hass.services.async_call(DOMAIN, "set_lastfm_match", data, blocking=True)
    assert raised.value.translation_key == key
    assert len(init_integration.runtime_data.syncs.runs.match_cache) == 0


@pytest.mark.parametrize("entry_options", [LASTFM])
async def test_an_isrc_the_lastfm_track_names_breaks_the_tie(
    hass: HomeAssistant, emulator: Emulator, init_integration: MockConfigEntry
) -> None:
    """When the Last.fm payload names an ISRC (Last.fm's own does not; the emulator can), the
    Spotify candidate with that `external_ids.isrc` wins over search order."""
    lib = emulator.library
    first, second = _two_versions(lib)
    isrc = lib.tracks[second].isrc
    assert isrc and isrc != lib.tracks[first].isrc
    lib.add_lastfm_user(
        "fm_user", {"7day": [LastfmTrack("Night Drive", "The Glow", 10, isrc=isrc)]}
    )
    run = await hass.services.async_call(
        DOMAIN,
        "lastfm_top_tracks",
        {"playlist": "By ISRC", "period": "7day", "limit": 1},
        blocking=True,
        return_response=True,
    )
    assert run["status"] == "success"  # type: ignore[index]
    assert _playlist(emulator, "By ISRC") == [second]
