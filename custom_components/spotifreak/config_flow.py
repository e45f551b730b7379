"""Config flow: Spotify OAuth (setup, reauth, reconfigure) and the account's options.

The configured syncs' subentry flows are in `config_subentry_flow.py`.
"""

from __future__ import annotations

from collections.abc import Mapping
import logging
from typing import Any

import voluptuous as vol

from homeassistant.config_entries import (
    SOURCE_REAUTH,
    SOURCE_RECONFIGURE,
    ConfigEntry,
    ConfigFlowResult,
    ConfigSubentryFlow,
    OptionsFlow,
)
from homeassistant.const import CONF_ACCESS_TOKEN, CONF_TOKEN
from homeassistant.core import callback
from homeassistant.helpers import config_entry_oauth2_flow
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
from homeassistant.util import dt as dt_util

from .clients import lastfm_client, spotify_client
from .config_subentry_flow import SUBENTRY_FLOWS
from .const import (
    CONF_AUTHORIZATION_LIFETIME,
    CONF_DAILY_CALL_BUDGET,
    CONF_EXPORT_PATH,
    CONF_HISTORY_MAX_BYTES,
    CONF_HISTORY_VERSIONS,
    CONF_INCLUDE_COLLABORATIVE,
    CONF_INCLUDE_PRIVATE,
    CONF_INCLUDE_PUBLIC,
    CONF_LASTFM_API_KEY,
    CONF_LASTFM_USERNAME,
    CONF_OWNERS,
    CONF_REFRESH_INTERVAL,
    CONF_STALE_AFTER,
    CONF_STALE_POLICY,
    DATA_AUTHORIZED_AT,
    DEFAULT_REFRESH_INTERVAL,
    DOMAIN,
    LASTFM_API_CREATE_URL,
    MAX_DAILY_CALL_BUDGET,
    MAX_HISTORY_MAX_BYTES,
    MAX_HISTORY_VERSIONS,
    MAX_REFRESH_INTERVAL,
    MIN_DAILY_CALL_BUDGET,
    MIN_HISTORY_MAX_BYTES,
    MIN_HISTORY_VERSIONS,
    MIN_REFRESH_INTERVAL,
    SPOTIFY_SCOPES,
    STALE_POLICIES,
    STALE_POLICY_FETCH,
)
from .core.authorization import (
    DEFAULT_LIFETIME_MONTHS,
    LIFETIME_MONTHS_MAX,
    LIFETIME_MONTHS_MIN,
)
from .core.errors import (
    LastfmAuthError,
    LastfmError,
    LastfmUserNotFoundError,
    SpotifyError,
)
from .core.export import export_path_problem
from .core.history import DEFAULT_MAX_BYTES, DEFAULT_MAX_VERSIONS
from .core.lastfm import valid_username

LASTFM_PROBE_USER = "rj"  # Last.fm's co-founder; exists on every Last.fm instance


def _read_account(access_token: str) -> dict[str, Any]:
    """Return the account (`GET /me`) with a fresh token; blocking, run in the executor."""
    client = spotify_client()
    client.set_token(access_token)
    return client.current_user()


class SpotifreakFlowHandler(config_entry_oauth2_flow.AbstractOAuth2FlowHandler, domain=DOMAIN):
    """Sets up a Spotify account through OAuth; one entry per account."""

    DOMAIN = DOMAIN
    VERSION = 1

    @property
    def logger(self) -> logging.Logger:
        """Return the flow's logger."""
        return logging.getLogger(__name__)

    @property
    def extra_authorize_data(self) -> dict[str, Any]:
        """Ask Spotify for the scopes Spotifreak needs."""
        return {"scope": " ".join(SPOTIFY_SCOPES)}

    async def async_oauth_create_entry(self, data: dict[str, Any]) -> ConfigFlowResult:
        """Read the account and create (or update) its entry, noting when it was authorized.

        Spotify ends an authorization six months after it was given (reauth and reconfigure
        give a new one): `authorized_at` is what the expiry sensor and repair issue count from.
        """
        data = {**data, DATA_AUTHORIZED_AT: dt_util.utcnow().isoformat()}
        try:
            account = await self.hass.async_add_executor_job(
                _read_account, data[CONF_TOKEN][CONF_ACCESS_TOKEN]
            )
        except SpotifyError as err:
            self.logger.warning("Reading the Spotify account failed: %s", err)
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
        """Start reauthorizing: Spotify refused the refresh token (expired, or revoked)."""
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
        """Return the options flow of an account."""
        return SpotifreakOptionsFlow()

    @classmethod
    @callback
    def async_get_supported_subentry_types(
        cls, config_entry: ConfigEntry
    ) -> dict[str, type[ConfigSubentryFlow]]:
        """Return the configured syncs' flows: one subentry (and one device) each."""
        return dict(SUBENTRY_FLOWS)


def _clean_owners(raw: Any) -> list[str]:
    values = raw if isinstance(raw, list) else str(raw or "").split(",")
    return [value.strip() for value in values if str(value).strip()]


class SpotifreakOptionsFlow(OptionsFlow):
    """Cache cadence, filters, freshness policy, export, Last.fm and the playlist history."""

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Show every option in one form; save them once valid and reload the entry."""
        current = dict(self.config_entry.options)
        errors: dict[str, str] = {}
        if user_input is not None:
            options = {**current, **user_input}
            errors = _cache_option_errors(options, user_input)
            errors.update(await self._async_check_export(options))
            errors.update(await self._async_check_lastfm(options, user_input))
            if not errors:
                # The flow's result is saved as the options; the reload starts right after, so
                # the coordinator picks them up (no update listener: Home Assistant 2026 refuses
                # those combined with reauth flows).
                self.hass.loop.call_soon(
                    self.hass.config_entries.async_schedule_reload, self.config_entry.entry_id
                )
                return self.async_create_entry(data=options)
            current = options
        return self.async_show_form(
            step_id="init",
            data_schema=vol.Schema(
                {**_cache_fields(current), **_lastfm_fields(current), **_history_fields(current)}
            ),
            errors=errors,
            description_placeholders={"lastfm_api_url": LASTFM_API_CREATE_URL},
        )

    async def _async_check_export(self, options: dict[str, Any]) -> dict[str, str]:
        """Check the export path where it leads now (`core/export.py`).

        Inside the configuration directory, outside the folders Home Assistant keeps, not over
        a file Spotifreak did not write.
        """
        path = options.get(CONF_EXPORT_PATH)
        if not path:
            return {}
        loaded = getattr(self.config_entry, "runtime_data", None)
        mark = loaded.coordinator.export_mark if loaded is not None else None
        problem = await self.hass.async_add_executor_job(
            export_path_problem, self.hass.config.config_dir, path, mark
        )
        return {CONF_EXPORT_PATH: problem} if problem else {}

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
        if username and not valid_username(username):
            return {CONF_LASTFM_USERNAME: "invalid_lastfm_username"}
        client = lastfm_client(self.hass, api_key)
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


def _cache_option_errors(options: dict[str, Any], user_input: dict[str, Any]) -> dict[str, str]:
    """Clean the cache options in `options`; return the form's errors."""
    errors: dict[str, str] = {}
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
    budget = user_input.get(CONF_DAILY_CALL_BUDGET)
    if budget in (None, ""):
        options.pop(CONF_DAILY_CALL_BUDGET, None)
    else:
        options[CONF_DAILY_CALL_BUDGET] = int(budget)
    options[CONF_AUTHORIZATION_LIFETIME] = int(
        user_input.get(CONF_AUTHORIZATION_LIFETIME, DEFAULT_LIFETIME_MONTHS)
    )
    export_path = str(user_input.get(CONF_EXPORT_PATH) or "").strip()
    if export_path:
        options[CONF_EXPORT_PATH] = export_path
    else:
        options.pop(CONF_EXPORT_PATH, None)
    return errors


def _number(minimum: int, maximum: int, unit: str | None = None) -> NumberSelector:
    config = NumberSelectorConfig(min=minimum, max=maximum, step=1, mode=NumberSelectorMode.BOX)
    if unit is not None:
        config["unit_of_measurement"] = unit
    return NumberSelector(config)


def _bounded(minimum: int, maximum: int, unit: str | None = None) -> vol.All:
    """Return a whole-number field: its box, and its bounds checked."""
    return vol.All(
        _number(minimum, maximum, unit), vol.Coerce(int), vol.Range(min=minimum, max=maximum)
    )


def _minutes(maximum: int) -> NumberSelector:
    return _number(MIN_REFRESH_INTERVAL, maximum, "min")


def _cache_fields(current: dict[str, Any]) -> dict[vol.Marker, Any]:
    """Return the form's fields of the cache: cadence, freshness, filters, export."""
    interval = current.get(CONF_REFRESH_INTERVAL, DEFAULT_REFRESH_INTERVAL)
    return {
        vol.Required(CONF_REFRESH_INTERVAL, default=interval): _bounded(
            MIN_REFRESH_INTERVAL, MAX_REFRESH_INTERVAL, "min"
        ),
        vol.Optional(
            CONF_STALE_AFTER, description={"suggested_value": current.get(CONF_STALE_AFTER)}
        ): vol.All(_minutes(10 * MAX_REFRESH_INTERVAL), vol.Coerce(int)),
        vol.Required(
            CONF_STALE_POLICY, default=current.get(CONF_STALE_POLICY, STALE_POLICY_FETCH)
        ): SelectSelector(
            SelectSelectorConfig(
                options=list(STALE_POLICIES),
                translation_key=CONF_STALE_POLICY,
                mode=SelectSelectorMode.DROPDOWN,
            )
        ),
        **{
            vol.Required(key, default=current.get(key, True)): BooleanSelector()
            for key in (CONF_INCLUDE_PUBLIC, CONF_INCLUDE_PRIVATE, CONF_INCLUDE_COLLABORATIVE)
        },
        vol.Optional(CONF_OWNERS, default=current.get(CONF_OWNERS, [])): TextSelector(
            TextSelectorConfig(multiple=True)
        ),
        vol.Optional(
            CONF_EXPORT_PATH, description={"suggested_value": current.get(CONF_EXPORT_PATH)}
        ): TextSelector(TextSelectorConfig(type=TextSelectorType.TEXT)),
        **_health_fields(current),
    }


def _health_fields(current: dict[str, Any]) -> dict[vol.Marker, Any]:
    """Return the form's fields of the account's standing: daily budget, authorization life."""
    return {
        vol.Optional(
            CONF_DAILY_CALL_BUDGET,
            description={"suggested_value": current.get(CONF_DAILY_CALL_BUDGET)},
        ): _bounded(MIN_DAILY_CALL_BUDGET, MAX_DAILY_CALL_BUDGET, "calls"),
        vol.Required(
            CONF_AUTHORIZATION_LIFETIME,
            default=current.get(CONF_AUTHORIZATION_LIFETIME, DEFAULT_LIFETIME_MONTHS),
        ): _bounded(LIFETIME_MONTHS_MIN, LIFETIME_MONTHS_MAX, "months"),
    }


def _lastfm_fields(current: dict[str, Any]) -> dict[vol.Marker, Any]:
    """Return the form's Last.fm fields: the API key and the default user."""
    return {
        vol.Optional(
            CONF_LASTFM_API_KEY, description={"suggested_value": current.get(CONF_LASTFM_API_KEY)}
        ): TextSelector(TextSelectorConfig(type=TextSelectorType.PASSWORD)),
        vol.Optional(
            CONF_LASTFM_USERNAME,
            description={"suggested_value": current.get(CONF_LASTFM_USERNAME)},
        ): TextSelector(TextSelectorConfig(type=TextSelectorType.TEXT)),
    }


def _history_fields(current: dict[str, Any]) -> dict[vol.Marker, Any]:
    """Return the form's fields of the playlist history: its two bounds."""
    bounds = (
        (CONF_HISTORY_VERSIONS, DEFAULT_MAX_VERSIONS, MIN_HISTORY_VERSIONS, MAX_HISTORY_VERSIONS),
        (CONF_HISTORY_MAX_BYTES, DEFAULT_MAX_BYTES, MIN_HISTORY_MAX_BYTES, MAX_HISTORY_MAX_BYTES),
    )
    return {
        vol.Required(key, default=current.get(key, default)): _bounded(low, high)
        for key, default, low, high in bounds
    }
