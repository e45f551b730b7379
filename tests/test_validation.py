"""What is not a playlist, or not a name Spotify accepts, is refused before anything is written:
in actions (a translated ServiceValidationError) and in the configured syncs' forms (issue 12,
items 7 and 9)."""

from __future__ import annotations

from typing import Any

import pytest

from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.exceptions import ServiceValidationError
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.spotifreak.const import CONF_LASTFM_API_KEY, CONF_LASTFM_USERNAME, DOMAIN
from tests.emulator import Emulator
from tests.emulator.library import LASTFM_API_KEY
from tests.helpers import add_sync, call_action as _call

ALBUM = "6akEvsycLGftJxYudPjmqK"
NOT_PLAYLISTS = [
    f"spotify:album:{ALBUM}",
    f"spotify:track:{ALBUM}",
    f"https://open.spotify.com/album/{ALBUM}",
    f"https://open.spotify.com/track/{ALBUM}?si=abc",
    "https://example.com/playlist/37i9dQZF1DXcBWIGoYBM5M",
    "http://open.spotify.com.evil.example/playlist/37i9dQZF1DXcBWIGoYBM5M",
]
NOT_TEXT = [5, True, 1.5]
NOT_NAMES = {
    "x" * 10_000: "target_name_too_long",
    "y" * 101: "target_name_too_long",
    "a\x00b": "target_name_not_printable",
    "a\x1b[31mred": "target_name_not_printable",
    "evil\u202etxt.exe": "target_name_not_printable",
    "two\nlines": "target_name_not_printable",
}


def _short(value: Any) -> str:
    return repr(value)[:24]


@pytest.mark.parametrize(
    ("target", "key"),
    [
        *[(text, "target_not_a_playlist") for text in NOT_PLAYLISTS],
        *[(value, "target_not_a_playlist") for value in NOT_TEXT],
        *NOT_NAMES.items(),
    ],
    ids=_short,
)
async def test_mirror_refuses_targets_that_are_not_playlists(
    hass: HomeAssistant,
    emulator: Emulator,
    init_integration: MockConfigEntry,
    target: Any,
    key: str,
) -> None:
    """Each is a translated validation error, and nothing reaches Spotify."""
    emulator.reset_log()
    changes = len(emulator.library.changes)
    with pytest.raises(ServiceValidationError) as raised:
        await _call(hass, "mirror_playlist", {"source": "liked_songs", "targets": ["Fine", target]})
    assert raised.value.translation_key == key
    assert raised.value.translation_domain == DOMAIN
    assert len(emulator.library.changes) == changes
    assert emulator.spotify_calls == 0


async def test_a_long_name_is_shortened_in_the_message(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """The message names the refused name without repeating 10 000 characters or controls."""
    with pytest.raises(ServiceValidationError) as raised:
        await _call(hass, "mirror_playlist", {"source": "liked_songs", "targets": ["x" * 10_000]})
    assert len(raised.value.translation_placeholders["target"]) <= 60
    assert raised.value.translation_placeholders["max"] == "100"
    with pytest.raises(ServiceValidationError) as raised:
        await _call(hass, "mirror_playlist", {"source": "liked_songs", "targets": ["a\x1bb"]})
    assert "\x1b" not in raised.value.translation_placeholders["target"]


@pytest.mark.parametrize(
    "name", ["Crème de la Crème 🔥", "👨‍👩‍👧 Family mix", "日本のうた", "é" * 100, "Oct25 — “live”"]
)
async def test_printable_unicode_names_are_fine(
    hass: HomeAssistant, emulator: Emulator, init_integration: MockConfigEntry, name: str
) -> None:
    """Unicode letters, emoji (joined ones too) and punctuation are names like any other."""
    record = await _call(
        hass, "mirror_playlist", {"source": "liked_songs", "targets": [name], "max_tracks": 1}
    )
    assert record["status"] == "success"
    assert len(emulator.library.playlists_named(name)) == 1


@pytest.mark.parametrize(
    ("source", "key"),
    [
        (f"spotify:album:{ALBUM}", "source_not_a_playlist"),
        ("https://example.com/x", "source_not_a_playlist"),
    ],
)
async def test_mirror_refuses_sources_that_are_not_playlists(
    hass: HomeAssistant,
    emulator: Emulator,
    init_integration: MockConfigEntry,
    source: str,
    key: str,
) -> None:
    emulator.reset_log()
    with pytest.raises(ServiceValidationError) as raised:
        await _call(hass, "mirror_playlist", {"source": source, "targets": ["Fine"]})
    assert raised.value.translation_key == key
    assert emulator.spotify_calls == 0


@pytest.mark.parametrize("days", [3651, 740_000, 10**12])
async def test_lookback_days_is_bounded(
    hass: HomeAssistant, emulator: Emulator, init_integration: MockConfigEntry, days: int
) -> None:
    """A lookback beyond ten years is a translated error, not an OverflowError."""
    emulator.reset_log()
    with pytest.raises(ServiceValidationError) as raised:
        await _call(
            hass,
            "mirror_playlist",
            {"source": "liked_songs", "targets": ["Fine"], "lookback_days": days},
        )
    assert raised.value.translation_key == "invalid_option"
    assert raised.value.translation_placeholders["option"] == "lookback_days"
    assert emulator.spotify_calls == 0


@pytest.mark.parametrize("entry_options", [{CONF_LASTFM_API_KEY: LASTFM_API_KEY}])
@pytest.mark.parametrize(
    ("data", "key"),
    [
        ({"playlist": f"spotify:album:{ALBUM}"}, "target_not_a_playlist"),
        ({"playlist": "z" * 101}, "target_name_too_long"),
        ({"playlist": "Top\x00"}, "target_name_not_printable"),
        ({"playlist": "Weekly", "username": "u" * 10_000}, "invalid_lastfm_username"),
        ({"playlist": "Weekly", "username": "bad\x1bname"}, "invalid_lastfm_username"),
    ],
)
async def test_lastfm_refuses_bad_playlists_and_users(
    hass: HomeAssistant,
    emulator: Emulator,
    init_integration: MockConfigEntry,
    data: dict[str, Any],
    key: str,
) -> None:
    emulator.reset_log()
    with pytest.raises(ServiceValidationError) as raised:
        await _call(hass, "lastfm_top_tracks", {"username": "emulator_fm", **data})
    assert raised.value.translation_key == key
    assert emulator.spotify_calls == 0
    assert emulator.count(path="/2.0/") == 0


async def _mirror_form(hass: HomeAssistant, entry: MockConfigEntry, **data: Any) -> dict[str, Any]:
    return await add_sync(
        hass,
        entry,
        "playlist_mirror",
        {
            "name": "x",
            "source": "liked_songs",
            "targets": ["Fine"],
            "create_missing": True,
            "public": False,
            "deduplicate": True,
            "only_new": True,
            **data,
        },
    )


@pytest.mark.parametrize(
    ("data", "errors"),
    [
        ({"targets": [f"spotify:album:{ALBUM}"]}, {"targets": "target_not_a_playlist"}),
        ({"targets": ["https://example.com/a"]}, {"targets": "target_not_a_playlist"}),
        ({"targets": ["w" * 101]}, {"targets": "target_name_too_long"}),
        ({"targets": ["bell\x07"]}, {"targets": "target_name_not_printable"}),
        (
            {"source": f"https://open.spotify.com/album/{ALBUM}"},
            {"source": "source_not_a_playlist"},
        ),
    ],
)
async def test_mirror_form_refuses_what_is_not_a_playlist(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    data: dict[str, Any],
    errors: dict[str, str],
) -> None:
    result = await _mirror_form(hass, init_integration, **data)
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == errors


async def test_options_refuse_a_bad_lastfm_user_without_asking_lastfm(
    hass: HomeAssistant, emulator: Emulator, init_integration: MockConfigEntry
) -> None:
    emulator.reset_log()
    result = await hass.config_entries.options.async_init(init_integration.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {
            "refresh_interval": 30,
            CONF_LASTFM_API_KEY: LASTFM_API_KEY,
            CONF_LASTFM_USERNAME: "u" * 10_000,
        },
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {CONF_LASTFM_USERNAME: "invalid_lastfm_username"}
    assert emulator.count(path="/2.0/") == 0


# -- the playlist rules (issue 14): the retention's playlist and archive, the playlist actions --


@pytest.mark.parametrize("field", ["playlist", "archive"])
@pytest.mark.parametrize(
    ("reference", "key"),
    [
        (f"spotify:album:{ALBUM}", "target_not_a_playlist"),
        (f"https://open.spotify.com/track/{ALBUM}?si=abc", "target_not_a_playlist"),
        ("https://example.com/playlist/37i9dQZF1DXcBWIGoYBM5M", "target_not_a_playlist"),
        ("r" * 101, "target_name_too_long"),
        ("a\x00b", "target_name_not_printable"),
        ("evil\u202etxt.exe", "target_name_not_printable"),
        ("Archive %Y\x1b", "target_name_not_printable"),
    ],
    ids=_short,
)
async def test_prune_playlist_refuses_playlists_and_archives_that_are_not_playlists(
    hass: HomeAssistant,
    emulator: Emulator,
    init_integration: MockConfigEntry,
    field: str,
    reference: str,
    key: str,
) -> None:
    """The retention's playlist and its archive are checked like a mirror's targets: each is a
    translated validation error before any call."""
    emulator.reset_log()
    changes = len(emulator.library.changes)
    data = {"playlist": "Rolling", "archive": "Archive %Y", "max_age_days": 30, field: reference}
    with pytest.raises(ServiceValidationError) as raised:
        await _call(hass, "prune_playlist", data)
    assert raised.value.translation_key == key
    assert raised.value.translation_domain == DOMAIN
    assert len(raised.value.translation_placeholders["target"]) <= 60
    assert len(emulator.library.changes) == changes
    assert emulator.spotify_calls == 0


@pytest.mark.parametrize("action", ["remove_duplicates", "restore_playlist"])
@pytest.mark.parametrize(
    ("reference", "key"),
    [
        (f"spotify:album:{ALBUM}", "target_not_a_playlist"),
        ("x" * 10_000, "target_name_too_long"),
        ("a\x1b[31mred", "target_name_not_printable"),
    ],
    ids=_short,
)
async def test_playlist_actions_refuse_what_is_not_a_playlist(
    hass: HomeAssistant,
    emulator: Emulator,
    init_integration: MockConfigEntry,
    action: str,
    reference: str,
    key: str,
) -> None:
    """Actions on one existing playlist refuse the same references, without looking them up."""
    emulator.reset_log()
    with pytest.raises(ServiceValidationError) as raised:
        await _call(hass, action, {"playlist": reference})
    assert raised.value.translation_key == key
    assert emulator.spotify_calls == 0


@pytest.mark.parametrize("days", [3651, 740_000, 10**12])
async def test_max_age_days_is_bounded(
    hass: HomeAssistant, emulator: Emulator, init_integration: MockConfigEntry, days: int
) -> None:
    """A retention's age beyond ten years is a translated error, not an OverflowError."""
    emulator.reset_log()
    with pytest.raises(ServiceValidationError) as raised:
        await _call(hass, "prune_playlist", {"playlist": "Rolling", "max_age_days": days})
    assert raised.value.translation_key == "invalid_option"
    assert raised.value.translation_placeholders["option"] == "max_age_days"
    assert emulator.spotify_calls == 0


@pytest.mark.parametrize(
    ("data", "errors"),
    [
        ({"playlist": f"spotify:album:{ALBUM}"}, {"playlist": "target_not_a_playlist"}),
        ({"playlist": "p" * 101}, {"playlist": "target_name_too_long"}),
        ({"playlist": "Roll\x07ing"}, {"playlist": "target_name_not_printable"}),
        ({"archive": "https://example.com/a"}, {"archive": "target_not_a_playlist"}),
        ({"archive": "Archive " + "q" * 100}, {"archive": "target_name_too_long"}),
        ({"archive": "Archive %Y\u202e"}, {"archive": "target_name_not_printable"}),
    ],
)
async def test_retention_form_refuses_what_is_not_a_playlist(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    data: dict[str, Any],
    errors: dict[str, str],
) -> None:
    result = await add_sync(
        hass,
        init_integration,
        "playlist_retention",
        {"name": "Rolling", "playlist": "Rolling", "max_age_days": 30, **data},
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == errors


async def test_prune_playlist_cannot_take_a_configured_syncs_id(
    hass: HomeAssistant, emulator: Emulator, init_integration: MockConfigEntry
) -> None:
    """prune_playlist's sync_id follows the rule of every action's: not a configured sync's."""
    emulator.library.create_playlist("Rolling")  # the form refuses a playlist it cannot find
    await init_integration.runtime_data.coordinator.async_refresh()
    await add_sync(
        hass,
        init_integration,
        "playlist_retention",
        {"name": "Rolling", "playlist": "Rolling", "max_age_days": 30},
    )
    sync_id = next(iter(init_integration.subentries))
    emulator.reset_log()
    with pytest.raises(ServiceValidationError) as raised:
        await _call(
            hass, "prune_playlist", {"playlist": "Other", "max_age_days": 3, "sync_id": sync_id}
        )
    assert raised.value.translation_key == "sync_id_configured"
    assert emulator.spotify_calls == 0
