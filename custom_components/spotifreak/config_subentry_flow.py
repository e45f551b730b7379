"""Configured syncs: one config subentry (and one device) each, added and changed by one form.

The form's fields come from the sync type's options (`sync_types.py`); what is checked first is
what can be known without calling Spotify: required fields, date patterns, references that
cannot name a playlist (a mirror's targets, a Last.fm playlist, a retention's playlist and
archive: `_reference_problem`), a target that is the source, that Last.fm is set up, and — from
the playlist cache and the playlist history — that a Last.fm sync would not replace an existing
playlist Spotifreak did not create without leave.

Then, once the rest is valid, that the playlist a sync reads (a mirror's source, the playlist a
retention prunes) can be read, through the account's playlist cache (`_async_check_playlists`
calling `async_playlist_problem`: the one check for every sync that reads a playlist, on
`core/readable.py` — owned or collaborative, which is also what a retention needs to write it).
"""

from __future__ import annotations

from typing import Any

import voluptuous as vol

from homeassistant.config_entries import (
    ConfigEntry,
    ConfigEntryState,
    ConfigSubentryFlow,
    SubentryFlowResult,
)
from homeassistant.const import CONF_NAME
from homeassistant.helpers.selector import TextSelector
from homeassistant.util import dt as dt_util

from .const import ATTR_PLAYLIST, CONF_LASTFM_API_KEY, CONF_LASTFM_USERNAME
from .core.engine import SyncInputError
from .core.errors import SpotifyError
from .core.lastfm import valid_username
from .core.lastfm_options import MODE_REPLACE
from .core.mirror_options import SOURCE_LIKED_SONGS
from .core.patterns import is_pattern
from .core.readable import unreadable
from .core.records import PlaylistRecord
from .core.references import NOT_A_PLAYLIST, name_key, parse_reference, reference_problem
from .core.targets import render_target
from .sync_types import SYNC_TYPE_LASTFM, SYNC_TYPE_MIRROR, SYNC_TYPE_RETENTION, SYNC_TYPES


def _targets(raw: Any) -> list[str]:
    values = raw if isinstance(raw, list) else str(raw or "").split("\n")
    return [str(value).strip() for value in values if str(value).strip()]


def _reference_problem(text: str) -> str | None:
    """Return a translation key if a playlist reference or pattern cannot work, else None.

    A pattern is judged by what it renders now (a name for this month), as a run would.
    """
    try:
        render_target(text, dt_util.now())
    except SyncInputError as err:
        return err.key
    return None


async def async_playlist_problem(
    entry: ConfigEntry[Any], reference: str, *, pattern: bool = False
) -> str | None:
    """Return why a sync could not read the playlist `reference` names (a translation key).

    Judged from the cached record — a playlist the cache misses is looked up as a run would —:
    `unreadable_spotify_owned`, `unreadable_other_users` or `unreadable_not_found`. None when
    it can be read, or when that cannot be told now (the account is not loaded, Spotify failed,
    or — with `pattern`, for a sync whose playlist may be a date pattern — a pattern names no
    playlist yet): the run checks again before anything is written.
    """
    if entry.state is not ConfigEntryState.LOADED or (pattern and is_pattern(reference)):
        return None
    coordinator = entry.runtime_data.coordinator
    try:
        resolution = await coordinator.directory.resolve(reference)
    except SpotifyError:
        return None
    return unreadable(resolution.record if resolution else None, coordinator.user_id)


class _SyncSubentryFlow(ConfigSubentryFlow):
    """A configured sync: the same form creates and reconfigures it."""

    sync_type: str

    def _validate(self, data: dict[str, Any]) -> dict[str, str]:
        raise NotImplementedError

    async def _async_check_playlists(self, data: dict[str, Any]) -> dict[str, str]:
        """Return the errors of playlists the sync reads (once the rest is valid)."""
        return {}

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> SubentryFlowResult:
        """Add a configured sync."""
        return await self._async_form("user", user_input, {})

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """Change a configured sync (its history and cursors are kept)."""
        subentry = self._get_reconfigure_subentry()
        current = {**subentry.data, CONF_NAME: subentry.title}
        return await self._async_form("reconfigure", user_input, current)

    async def _async_form(
        self, step_id: str, user_input: dict[str, Any] | None, current: dict[str, Any]
    ) -> SubentryFlowResult:
        errors: dict[str, str] = {}
        if user_input is not None:
            data = {key: value for key, value in user_input.items() if key != CONF_NAME}
            title = str(user_input[CONF_NAME]).strip()
            errors = self._validate(data) or await self._async_check_playlists(data)
            if not errors:
                if step_id == "reconfigure":
                    return self.async_update_and_abort(
                        self._get_entry(),
                        self._get_reconfigure_subentry(),
                        title=title,
                        data=data,
                    )
                return self.async_create_entry(title=title, data=data)
            current = dict(user_input)
        schema = vol.Schema(
            {
                vol.Required(CONF_NAME, default=current.get(CONF_NAME, "")): TextSelector(),
                **SYNC_TYPES[self.sync_type].form_fields(current),
            }
        )
        return self.async_show_form(step_id=step_id, data_schema=schema, errors=errors)


class MirrorSubentryFlow(_SyncSubentryFlow):
    """A playlist mirror: liked songs or a playlist into one or more playlists."""

    sync_type = SYNC_TYPE_MIRROR

    def _validate(self, data: dict[str, Any]) -> dict[str, str]:
        data["targets"] = _targets(data.get("targets"))
        data["source"] = str(data.get("source") or "").strip()
        if not data["source"]:
            return {"source": "required"}
        if data["source"].casefold() != SOURCE_LIKED_SONGS and (
            reference_problem(data["source"]) == NOT_A_PLAYLIST
        ):
            return {"source": "source_not_a_playlist"}
        if not data["targets"]:
            return {"targets": "no_targets"}
        for target in data["targets"]:
            if problem := _reference_problem(target):
                return {"targets": problem}
        if any(_same_playlist(data["source"], target) for target in data["targets"]):
            return {"targets": "target_is_source"}
        return {}

    async def _async_check_playlists(self, data: dict[str, Any]) -> dict[str, str]:
        """Refuse a source playlist the account cannot read (liked songs always can be)."""
        if data["source"].casefold() == SOURCE_LIKED_SONGS:
            return {}
        problem = await async_playlist_problem(self._get_entry(), data["source"])
        return {"source": problem} if problem else {}


class LastfmSubentryFlow(_SyncSubentryFlow):
    """A Last.fm user's top tracks kept in a playlist."""

    sync_type = SYNC_TYPE_LASTFM

    def _validate(self, data: dict[str, Any]) -> dict[str, str]:
        data[ATTR_PLAYLIST] = str(data.get(ATTR_PLAYLIST) or "").strip()
        if not data[ATTR_PLAYLIST]:
            return {ATTR_PLAYLIST: "required"}
        if problem := _reference_problem(data[ATTR_PLAYLIST]):
            return {ATTR_PLAYLIST: problem}
        entry = self._get_entry()
        if not entry.options.get(CONF_LASTFM_API_KEY):
            return {"base": "lastfm_not_configured"}
        if not (data.get("username") or entry.options.get(CONF_LASTFM_USERNAME)):
            return {"username": "lastfm_username_required"}
        if data.get("username") and not valid_username(str(data["username"])):
            return {"username": "invalid_lastfm_username"}
        if (
            data.get("mode", MODE_REPLACE) == MODE_REPLACE
            and not data.get("allow_replace")
            and _someone_elses(entry, data[ATTR_PLAYLIST])
        ):
            return {"allow_replace": "replace_not_allowed"}
        return {}


class RetentionSubentryFlow(_SyncSubentryFlow):
    """A playlist pruned by age and size, what goes kept in an archive."""

    sync_type = SYNC_TYPE_RETENTION

    def _validate(self, data: dict[str, Any]) -> dict[str, str]:
        data[ATTR_PLAYLIST] = str(data.get(ATTR_PLAYLIST) or "").strip()
        archive = str(data.get("archive") or "").strip()
        if archive:
            data["archive"] = archive
        else:
            data.pop("archive", None)
        if not data[ATTR_PLAYLIST]:
            return {ATTR_PLAYLIST: "required"}
        for key in (ATTR_PLAYLIST, "archive"):
            if key in data and (problem := _reference_problem(data[key])):
                return {key: problem}
        if data.get("max_age_days") is None and data.get("max_tracks") is None:
            return {"base": "no_retention_rule"}
        if (
            data.get("max_tracks") is not None
            and (data.get("min_tracks") or 0) > data["max_tracks"]
        ):
            return {"min_tracks": "min_above_max"}
        if archive and _same_playlist(data[ATTR_PLAYLIST], archive):
            return {"archive": "archive_is_playlist"}
        return {}

    async def _async_check_playlists(self, data: dict[str, Any]) -> dict[str, str]:
        """Refuse a playlist to prune the account cannot read (a date pattern: left to the run)."""
        problem = await async_playlist_problem(self._get_entry(), data[ATTR_PLAYLIST], pattern=True)
        return {ATTR_PLAYLIST: problem} if problem else {}


def _same_playlist(one: str, other: str) -> bool:
    """Return whether two references name the same playlist (same id, or same name)."""
    first, second = parse_reference(one), parse_reference(other)
    if first.playlist_id is not None or second.playlist_id is not None:
        return first.playlist_id == second.playlist_id
    return name_key(one) == name_key(other)


def _cached(entry: ConfigEntry[Any], reference: str) -> PlaylistRecord | None:
    """Return the playlist the cache finds for a reference (None: unknown, or no loaded account).

    A date pattern names no playlist yet.
    """
    data = getattr(entry, "runtime_data", None)
    if data is None or is_pattern(reference):
        return None
    found = data.coordinator.directory.cache.lookup(parse_reference(reference))
    return found.record if found is not None else None


def _someone_elses(entry: ConfigEntry[Any], playlist: str) -> bool:
    """Return whether the cache knows this playlist and Spotifreak did not create it.

    Without a loaded account, or for a date pattern, this cannot be told: the run refuses then.
    """
    found = _cached(entry, playlist)
    return found is not None and not entry.runtime_data.syncs.runs.playlist_history.is_created(
        found.id
    )


SUBENTRY_FLOWS: dict[str, type[ConfigSubentryFlow]] = {
    SYNC_TYPE_MIRROR: MirrorSubentryFlow,
    SYNC_TYPE_LASTFM: LastfmSubentryFlow,
    SYNC_TYPE_RETENTION: RetentionSubentryFlow,
}
