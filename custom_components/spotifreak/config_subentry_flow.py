"""Configured syncs: one config subentry (and one device) each, added and changed by one form.

The form's fields come from the sync type's options (`sync_types.py`); what is checked here is
what can be known without calling Spotify: required fields, date patterns, a target that is the
source, and that Last.fm is set up.
"""

from __future__ import annotations

from typing import Any

import voluptuous as vol

from homeassistant.config_entries import ConfigSubentryFlow, SubentryFlowResult
from homeassistant.const import CONF_NAME
from homeassistant.helpers.selector import TextSelector

from .const import ATTR_PLAYLIST, CONF_LASTFM_API_KEY, CONF_LASTFM_USERNAME
from .core.patterns import PatternError, is_pattern, validate
from .core.references import name_key, parse_reference
from .sync_types import SYNC_TYPE_LASTFM, SYNC_TYPE_MIRROR, SYNC_TYPES


def _targets(raw: Any) -> list[str]:
    values = raw if isinstance(raw, list) else str(raw or "").split("\n")
    return [str(value).strip() for value in values if str(value).strip()]


def _reference_problem(text: str) -> str | None:
    """Return a translation key if a playlist reference or pattern cannot work, else None."""
    if is_pattern(text):
        try:
            validate(text)
        except PatternError:
            return "invalid_pattern"
    return None


class _SyncSubentryFlow(ConfigSubentryFlow):
    """A configured sync: the same form creates and reconfigures it."""

    sync_type: str

    def _validate(self, data: dict[str, Any]) -> dict[str, str]:
        raise NotImplementedError

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
            errors = self._validate(data)
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
        if not data["targets"]:
            return {"targets": "no_targets"}
        for target in data["targets"]:
            if problem := _reference_problem(target):
                return {"targets": problem}
        source = parse_reference(data["source"])
        for target in data["targets"]:
            reference = parse_reference(target)
            same_id = source.playlist_id is not None and source.playlist_id == reference.playlist_id
            same_name = source.name is not None and name_key(source.name) == name_key(target)
            if same_id or same_name:
                return {"targets": "target_is_source"}
        return {}


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
        return {}


SUBENTRY_FLOWS: dict[str, type[ConfigSubentryFlow]] = {
    SYNC_TYPE_MIRROR: MirrorSubentryFlow,
    SYNC_TYPE_LASTFM: LastfmSubentryFlow,
}
