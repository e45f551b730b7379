"""Config flow: Spotify OAuth (setup, reauth, reconfigure) and the options."""

from __future__ import annotations

from collections.abc import Mapping
import logging
import os
from pathlib import PurePath
from typing import Any

import voluptuous as vol

from homeassistant.config_entries import (
    SOURCE_REAUTH,
    SOURCE_RECONFIGURE,
    ConfigEntry,
    ConfigFlowResult,
    ConfigSubentryFlow,
    OptionsFlow,
    SubentryFlowResult,
)
from homeassistant.const import CONF_ACCESS_TOKEN, CONF_NAME, CONF_TOKEN
from homeassistant.core import callback
from homeassistant.helpers import config_entry_oauth2_flow
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.selector import (
    BooleanSelector,
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)

from .const import (
    ATTR_PLAYLIST,
    CONF_EXPORT_PATH,
    CONF_INCLUDE_COLLABORATIVE,
    CONF_INCLUDE_PRIVATE,
    CONF_INCLUDE_PUBLIC,
    CONF_LASTFM_API_KEY,
    CONF_LASTFM_USERNAME,
    CONF_OWNERS,
    CONF_REFRESH_INTERVAL,
    CONF_STALE_AFTER,
    CONF_STALE_POLICY,
    DEFAULT_LASTFM_API_URL,
    DEFAULT_REFRESH_INTERVAL,
    DEFAULT_SPOTIFY_API_URL,
    DOMAIN,
    ENV_LASTFM_API_URL,
    ENV_SPOTIFY_API_URL,
    LASTFM_API_CREATE_URL,
    MAX_REFRESH_INTERVAL,
    MIN_REFRESH_INTERVAL,
    SPOTIFY_SCOPES,
    STALE_POLICIES,
    STALE_POLICY_FETCH,
)
from .core.errors import (
    LastfmAuthError,
    LastfmError,
    LastfmUserNotFoundError,
    SpotifyError,
)
from .core.lastfm import PERIODS, LastfmClient
from .core.lastfm_options import LIMIT_MAX, LIMIT_MIN, MODES
from .core.mirror_options import SOURCE_LIKED_SONGS
from .core.patterns import PatternError, is_pattern, validate
from .core.references import name_key, parse_reference
from .core.spotify import SpotifyClient
from .syncs import SYNC_TYPE_LASTFM, SYNC_TYPE_MIRROR

LASTFM_PROBE_USER = "rj"  # Last.fm's co-founder; exists on every Last.fm instance


def _read_account(access_token: str) -> dict[str, Any]:
    """`GET /me` with a fresh token (blocking: runs in the executor)."""
    client = SpotifyClient(os.environ.get(ENV_SPOTIFY_API_URL, DEFAULT_SPOTIFY_API_URL))
    client.set_token(access_token)
    return client.current_user()


class SpotifreakFlowHandler(config_entry_oauth2_flow.AbstractOAuth2FlowHandler, domain=DOMAIN):
    """Sets up a Spotify account through OAuth; one entry per account."""

    DOMAIN = DOMAIN
    VERSION = 1

    @property
    def logger(self) -> logging.Logger:
        """The flow's logger."""
        return logging.getLogger(__name__)

    @property
    def extra_authorize_data(self) -> dict[str, Any]:
        """Ask Spotify for the scopes Spotifreak needs."""
        return {"scope": " ".join(SPOTIFY_SCOPES)}

    async def async_oauth_create_entry(self, data: dict[str, Any]) -> ConfigFlowResult:
        """Read the account and create (or update) its entry."""
        try:
            account = await self.hass.async_add_executor_job(
                _read_account, data[CONF_TOKEN][CONF_ACCESS_TOKEN]
            )
        except SpotifyError:
            self.logger.warning("Spotify did not answer while reading the account", exc_info=True)
            return self.async_abort(reason="cannot_connect")
        user_id = str(account["id"])
        title = account.get("display_name") or user_id
        await self.async_set_unique_id(user_id)
        if self.source == SOURCE_REAUTH:
            self._abort_if_unique_id_mismatch(reason="wrong_account")
            return self.async_update_reload_and_abort(self._get_reauth_entry(), data=data)
        if self.source == SOURCE_RECONFIGURE:
            self._abort_if_unique_id_mismatch(reason="wrong_account")
            return self.async_update_reload_and_abort(
                self._get_reconfigure_entry(), title=title, data=data
            )
        self._abort_if_unique_id_configured()
        return self.async_create_entry(title=title, data=data)

    async def async_step_reauth(self, entry_data: Mapping[str, Any]) -> ConfigFlowResult:
        """Spotify refused the refresh token (expired after six months, or revoked)."""
        return await self.async_step_reauth_confirm()

    async def async_step_reauth_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Explain, then authorize again."""
        if user_input is None:
            return self.async_show_form(
                step_id="reauth_confirm",
                description_placeholders={"account": self._get_reauth_entry().title},
            )
        return await self.async_step_user()

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Authorize the same account again (e.g. after changing the Spotify app)."""
        return await self.async_step_user()

    @staticmethod
    @callback
    def async_get_options_flow(config_entry: ConfigEntry) -> OptionsFlow:
        """The options of an account."""
        return SpotifreakOptionsFlow()

    @classmethod
    @callback
    def async_get_supported_subentry_types(
        cls, config_entry: ConfigEntry
    ) -> dict[str, type[ConfigSubentryFlow]]:
        """Configured syncs, one subentry (and one device) each."""
        return {SYNC_TYPE_MIRROR: MirrorSubentryFlow, SYNC_TYPE_LASTFM: LastfmSubentryFlow}


def _clean_owners(raw: Any) -> list[str]:
    values = raw if isinstance(raw, list) else str(raw or "").split(",")
    return [value.strip() for value in values if str(value).strip()]


def _export_path_error(path: str) -> str | None:
    """A JSON file inside the configuration directory, never in Home Assistant's own `.storage`.

    The export replaces the file atomically: a path that could name `secrets.yaml` or a
    registry file must not be accepted.
    """
    pure = PurePath(path)
    if (
        pure.is_absolute()
        or ".." in pure.parts
        or pure.suffix.lower() != ".json"
        or (pure.parts and pure.parts[0] == ".storage")
    ):
        return "invalid_export_path"
    return None


class SpotifreakOptionsFlow(OptionsFlow):
    """Cache cadence, filters and freshness policy."""

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """One form with every option, validated."""
        errors: dict[str, str] = {}
        current = dict(self.config_entry.options)
        if user_input is not None:
            options = {**current, **user_input}
            interval = int(user_input[CONF_REFRESH_INTERVAL])
            options[CONF_REFRESH_INTERVAL] = interval
            stale_after = user_input.get(CONF_STALE_AFTER)
            if stale_after in (None, ""):
                options.pop(CONF_STALE_AFTER, None)
            elif int(stale_after) < interval:
                errors[CONF_STALE_AFTER] = "stale_after_below_interval"
            else:
                options[CONF_STALE_AFTER] = int(stale_after)
            options[CONF_OWNERS] = _clean_owners(user_input.get(CONF_OWNERS))
            export_path = str(user_input.get(CONF_EXPORT_PATH) or "").strip()
            if export_path and (error := _export_path_error(export_path)):
                errors[CONF_EXPORT_PATH] = error
            if export_path:
                options[CONF_EXPORT_PATH] = export_path
            else:
                options.pop(CONF_EXPORT_PATH, None)
            errors.update(await self._async_check_lastfm(options, user_input))
            if not errors:
                # Save, then reload so the coordinator picks the new options up (no update
                # listener: Home Assistant 2026 refuses those combined with reauth flows).
                self.hass.config_entries.async_update_entry(self.config_entry, options=options)
                self.hass.config_entries.async_schedule_reload(self.config_entry.entry_id)
                return self.async_create_entry(data=options)
            current = options

        interval_default = current.get(CONF_REFRESH_INTERVAL, DEFAULT_REFRESH_INTERVAL)
        minutes = NumberSelectorConfig(
            min=MIN_REFRESH_INTERVAL,
            max=MAX_REFRESH_INTERVAL,
            step=1,
            mode=NumberSelectorMode.BOX,
            unit_of_measurement="min",
        )
        schema = vol.Schema(
            {
                vol.Required(CONF_REFRESH_INTERVAL, default=interval_default): vol.All(
                    NumberSelector(minutes),
                    vol.Coerce(int),
                    vol.Range(min=MIN_REFRESH_INTERVAL, max=MAX_REFRESH_INTERVAL),
                ),
                vol.Optional(
                    CONF_STALE_AFTER,
                    description={"suggested_value": current.get(CONF_STALE_AFTER)},
                ): vol.All(
                    NumberSelector(
                        NumberSelectorConfig(
                            min=MIN_REFRESH_INTERVAL,
                            max=10 * MAX_REFRESH_INTERVAL,
                            step=1,
                            mode=NumberSelectorMode.BOX,
                            unit_of_measurement="min",
                        )
                    ),
                    vol.Coerce(int),
                ),
                vol.Required(
                    CONF_STALE_POLICY, default=current.get(CONF_STALE_POLICY, STALE_POLICY_FETCH)
                ): SelectSelector(
                    SelectSelectorConfig(
                        options=list(STALE_POLICIES),
                        translation_key=CONF_STALE_POLICY,
                        mode=SelectSelectorMode.DROPDOWN,
                    )
                ),
                vol.Required(
                    CONF_INCLUDE_PUBLIC, default=current.get(CONF_INCLUDE_PUBLIC, True)
                ): BooleanSelector(),
                vol.Required(
                    CONF_INCLUDE_PRIVATE, default=current.get(CONF_INCLUDE_PRIVATE, True)
                ): BooleanSelector(),
                vol.Required(
                    CONF_INCLUDE_COLLABORATIVE,
                    default=current.get(CONF_INCLUDE_COLLABORATIVE, True),
                ): BooleanSelector(),
                vol.Optional(CONF_OWNERS, default=current.get(CONF_OWNERS, [])): TextSelector(
                    TextSelectorConfig(multiple=True)
                ),
                vol.Optional(
                    CONF_EXPORT_PATH,
                    description={"suggested_value": current.get(CONF_EXPORT_PATH)},
                ): TextSelector(TextSelectorConfig(type=TextSelectorType.TEXT)),
                vol.Optional(
                    CONF_LASTFM_API_KEY,
                    description={"suggested_value": current.get(CONF_LASTFM_API_KEY)},
                ): TextSelector(TextSelectorConfig(type=TextSelectorType.PASSWORD)),
                vol.Optional(
                    CONF_LASTFM_USERNAME,
                    description={"suggested_value": current.get(CONF_LASTFM_USERNAME)},
                ): TextSelector(TextSelectorConfig(type=TextSelectorType.TEXT)),
            }
        )
        return self.async_show_form(
            step_id="init",
            data_schema=schema,
            errors=errors,
            description_placeholders={"lastfm_api_url": LASTFM_API_CREATE_URL},
        )

    async def _async_check_lastfm(
        self, options: dict[str, Any], user_input: dict[str, Any]
    ) -> dict[str, str]:
        """Check a Last.fm key and user with Last.fm before saving them; nothing saved on error."""
        api_key = str(user_input.get(CONF_LASTFM_API_KEY) or "").strip()
        username = str(user_input.get(CONF_LASTFM_USERNAME) or "").strip()
        for key, value in ((CONF_LASTFM_API_KEY, api_key), (CONF_LASTFM_USERNAME, username)):
            if value:
                options[key] = value
            else:
                options.pop(key, None)
        if not api_key:
            return {CONF_LASTFM_USERNAME: "lastfm_key_required"} if username else {}
        client = LastfmClient(
            async_get_clientsession(self.hass),
            api_key,
            base_url=os.environ.get(ENV_LASTFM_API_URL, DEFAULT_LASTFM_API_URL),
        )
        try:
            # Without a default user, the key alone is checked (as Last.fm's own "rj" account).
            await client.validate(api_key, username or LASTFM_PROBE_USER)
        except LastfmAuthError:
            return {CONF_LASTFM_API_KEY: "lastfm_invalid_key"}
        except LastfmUserNotFoundError:
            if username:
                return {CONF_LASTFM_USERNAME: "lastfm_user_not_found"}
        except LastfmError:
            return {"base": "lastfm_cannot_connect"}
        return {}


def _targets(raw: Any) -> list[str]:
    values = raw if isinstance(raw, list) else str(raw or "").split("\n")
    return [str(value).strip() for value in values if str(value).strip()]


def _reference_problem(text: str) -> str | None:
    """A translation key if a playlist reference or pattern cannot work, else None."""
    if is_pattern(text):
        try:
            validate(text)
        except PatternError:
            return "invalid_pattern"
    return None


class _SyncSubentryFlow(ConfigSubentryFlow):
    """A configured sync: the same form creates and reconfigures it."""

    sync_type: str

    def _schema(self, current: dict[str, Any]) -> vol.Schema:
        raise NotImplementedError

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
        return self.async_show_form(
            step_id=step_id, data_schema=self._schema(current), errors=errors
        )


def _optional_positive(key: str, current: dict[str, Any]) -> dict[vol.Marker, Any]:
    return {
        vol.Optional(key, description={"suggested_value": current.get(key)}): vol.All(
            NumberSelector(NumberSelectorConfig(min=1, step=1, mode=NumberSelectorMode.BOX)),
            vol.Coerce(int),
        )
    }


class MirrorSubentryFlow(_SyncSubentryFlow):
    """A playlist mirror: liked songs or a playlist into one or more playlists."""

    sync_type = SYNC_TYPE_MIRROR

    def _schema(self, current: dict[str, Any]) -> vol.Schema:
        return vol.Schema(
            {
                vol.Required(CONF_NAME, default=current.get(CONF_NAME, "")): TextSelector(),
                vol.Required(
                    "source", default=current.get("source", SOURCE_LIKED_SONGS)
                ): TextSelector(),
                vol.Required("targets", default=current.get("targets", [])): TextSelector(
                    TextSelectorConfig(multiple=True)
                ),
                vol.Required(
                    "create_missing", default=current.get("create_missing", True)
                ): BooleanSelector(),
                vol.Required("public", default=current.get("public", False)): BooleanSelector(),
                vol.Required(
                    "deduplicate", default=current.get("deduplicate", True)
                ): BooleanSelector(),
                vol.Required("only_new", default=current.get("only_new", True)): BooleanSelector(),
                **_optional_positive("max_tracks", current),
                **_optional_positive("lookback_days", current),
            }
        )

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

    def _schema(self, current: dict[str, Any]) -> vol.Schema:
        return vol.Schema(
            {
                vol.Required(CONF_NAME, default=current.get(CONF_NAME, "")): TextSelector(),
                vol.Required(ATTR_PLAYLIST, default=current.get(ATTR_PLAYLIST, "")): TextSelector(),
                vol.Optional(
                    "username", description={"suggested_value": current.get("username")}
                ): TextSelector(),
                vol.Required("period", default=current.get("period", "7day")): SelectSelector(
                    SelectSelectorConfig(
                        options=list(PERIODS),
                        translation_key="period",
                        mode=SelectSelectorMode.DROPDOWN,
                    )
                ),
                vol.Required("limit", default=current.get("limit", 10)): vol.All(
                    NumberSelector(
                        NumberSelectorConfig(
                            min=LIMIT_MIN, max=LIMIT_MAX, step=1, mode=NumberSelectorMode.BOX
                        )
                    ),
                    vol.Coerce(int),
                ),
                vol.Required("mode", default=current.get("mode", "replace")): SelectSelector(
                    SelectSelectorConfig(options=list(MODES), translation_key="mode")
                ),
                vol.Required(
                    "create_missing", default=current.get("create_missing", True)
                ): BooleanSelector(),
                vol.Required("public", default=current.get("public", False)): BooleanSelector(),
            }
        )

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
