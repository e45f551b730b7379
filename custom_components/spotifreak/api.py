"""Spotify access for one account: the token from the config entry, calls in the executor.

Everything that talks to Spotify goes through `SpotifyAccount.async_run`: it makes sure the token is
valid, hands it to the blocking `SpotifyClient`, runs the job in the executor, refreshes the token
once on a 401, keeps the account silent until a `Retry-After` has passed (stored at once; a
`QUOTA_EXCEEDED` one is remembered as such), and fails fast, without any call, while the user is
asked to authorize the account again.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any, Final

from aiohttp import ClientError, ClientResponseError

from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntry
from homeassistant.const import CONF_ACCESS_TOKEN, CONF_TOKEN
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.config_entry_oauth2_flow import OAuth2Session
from homeassistant.util import dt as dt_util
from homeassistant.util.hass_dict import HassKey

from .const import DOMAIN, LOGGER
from .core.errors import (
    SpotifyAuthError,
    SpotifyQuotaError,
    SpotifyRateLimitError,
    SpotifyReauthError,
    SpotifyUnavailableError,
)
from .core.spotify import SpotifyClient, SpotifyRunner

REAUTH_ERRORS: tuple[type[Exception], ...]
try:  # Home Assistant 2026.x: typed token-request errors (subclasses of ClientResponseError).
    from homeassistant.exceptions import OAuth2TokenRequestReauthError

    REAUTH_ERRORS = (OAuth2TokenRequestReauthError,)
except ImportError:  # pragma: no cover - the OAuth helper held them first (2026.3)
    try:
        from homeassistant.helpers.config_entry_oauth2_flow import (  # type: ignore[attr-defined]
            OAuth2TokenRequestReauthError,
        )

        REAUTH_ERRORS = (OAuth2TokenRequestReauthError,)
    except ImportError:  # 2025.4 to 2026.2 raise ClientResponseError itself
        REAUTH_ERRORS = ()


def token_error(err: ClientError) -> SpotifyAuthError | SpotifyUnavailableError:
    """Map a failed token refresh: a refused refresh token needs reauth; anything else is transient.

    Spotify answers `400 invalid_grant` once a refresh token has expired (six months after the
    user authorised) or was revoked.
    """
    LOGGER.debug("Refreshing the access token failed: %r", err)
    if isinstance(err, ClientResponseError) and (
        isinstance(err, REAUTH_ERRORS) or (400 <= err.status < 500 and err.status != 429)
    ):
        return SpotifyReauthError(
            "Spotify refused the authorization (it expired or was revoked)", status=err.status
        )
    status = f" (HTTP {err.status})" if isinstance(err, ClientResponseError) else ""
    return SpotifyUnavailableError(
        f"Spotify's accounts service did not answer{status} while renewing the access token"
    )


# Retry-After deadlines per entry, kept in hass.data so that a reload or a setup retry cannot
# call Spotify early.
BLOCKED_UNTIL: HassKey[dict[str, datetime]] = HassKey(f"{DOMAIN}_blocked_until")
# When a block Spotify's `QUOTA_EXCEEDED` asked for lifts, per entry.
QUOTA_UNTIL: HassKey[dict[str, datetime]] = HassKey(f"{DOMAIN}_quota_until")
# In the context of a reauth flow the user started before the authorization ended (the expiry
# repair's fix): the authorization still works meanwhile.
EARLY_REAUTH: Final = f"{DOMAIN}_before_expiry"


class SpotifyAccount:
    """The account's Spotify client, used from the event loop."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: ConfigEntry[Any],
        session: OAuth2Session,
        client: SpotifyClient,
    ) -> None:
        """Initialize the account's access with its OAuth session and client."""
        self._hass = hass
        self._entry = entry
        self._session = session
        self.client = client
        # The playlist listing's pages, side by side in executor threads, stop for a Retry-After
        # another job met meanwhile (read from those threads: a dict lookup and a clock).
        client.pace.retry_after = lambda: self.retry_after
        self._refresh_lock = asyncio.Lock()
        self._refused = False  # Spotify refused the refresh token since this entry loaded
        # Awaited as soon as a 429 moves the deadline: the coordinator stores it at once (Home
        # Assistant's stop does not unload entries, so nothing later would), the account's
        # health raises the quota repair issue.
        self.on_blocked: list[Callable[[], Awaitable[None]]] = []

    @property
    def blocked_until(self) -> datetime | None:
        """Return when Spotify may be called again after a 429 (None: now)."""
        return self._hass.data.get(BLOCKED_UNTIL, {}).get(self._entry.entry_id)

    @blocked_until.setter
    def blocked_until(self, value: datetime) -> None:
        # Never shorten a deadline another job has set.
        current = self.blocked_until
        deadline = max(value, current) if current is not None else value
        self._hass.data.setdefault(BLOCKED_UNTIL, {})[self._entry.entry_id] = deadline

    @property
    def reauth_pending(self) -> bool:
        """Return whether the user has been asked to authorize the account again (not done yet).

        Spotify refused the refresh token: until the reauth flow completes (and reloads the
        entry), no token refresh or call can succeed, so none is tried. A reauth flow the user
        started early, from the expiry reminder, is not such a refusal until Spotify refuses.
        """
        return self._refused or any(
            not flow["context"].get(EARLY_REAUTH)
            for flow in self._entry.async_get_active_flows(self._hass, {SOURCE_REAUTH})
        )

    @property
    def quota_until(self) -> datetime | None:
        """Return when a block for Spotify's `QUOTA_EXCEEDED` lifts (None: none is known)."""
        return self._hass.data.get(QUOTA_UNTIL, {}).get(self._entry.entry_id)

    @quota_until.setter
    def quota_until(self, value: datetime | None) -> None:
        quotas = self._hass.data.setdefault(QUOTA_UNTIL, {})
        if value is None:
            quotas.pop(self._entry.entry_id, None)
        else:
            quotas[self._entry.entry_id] = value

    @property
    def retry_after(self) -> int | None:
        """Return the seconds until Spotify may be called again (None: now)."""
        if self.blocked_until is None:
            return None
        remaining = (self.blocked_until - dt_util.utcnow()).total_seconds()
        if remaining <= 0:
            return None
        return max(1, int(remaining + 0.999))

    async def _async_token(self, *, refused: str | None = None) -> str:
        """Return a valid access token; with `refused`, a new one unless another call got it."""
        try:
            if refused is None:
                await self._session.async_ensure_token_valid()
            else:
                async with self._refresh_lock:
                    if self._session.token[CONF_ACCESS_TOKEN] == refused:
                        token = await self._session.implementation.async_refresh_token(
                            self._session.token
                        )
                        self._hass.config_entries.async_update_entry(
                            self._entry, data={**self._entry.data, CONF_TOKEN: token}
                        )
        except ClientError as err:
            error = token_error(err)
            if isinstance(error, SpotifyReauthError):
                self._refused = True
                self._entry.async_start_reauth(self._hass)
            raise error from err
        return str(self._session.token[CONF_ACCESS_TOKEN])

    async def async_run[T](
        self, job: Callable[[SpotifyClient], T], *, client: SpotifyClient | None = None
    ) -> T:
        """Run `job(client)` in the executor with a valid token (see the module docstring)."""
        client = client or self.client
        if self.reauth_pending:
            raise SpotifyReauthError("Spotify needs the account to be authorized again")
        if (wait := self.retry_after) is not None:
            raise SpotifyRateLimitError(
                f"Spotify asked to wait {wait} more seconds before the next call", retry_after=wait
            )
        token = await self._async_token()
        client.set_token(token)
        try:
            try:
                return await self._hass.async_add_executor_job(job, client)
            except SpotifyAuthError:
                LOGGER.debug("Spotify refused the access token; refreshing it once")
                client.set_token(await self._async_token(refused=token))
                return await self._hass.async_add_executor_job(job, client)
        except SpotifyRateLimitError as err:
            await self._async_block(err)
            raise

    async def _async_block(self, err: SpotifyRateLimitError) -> None:
        """Keep the account silent for the 429's `Retry-After`; have the deadline stored now."""
        before = self.blocked_until
        deadline = dt_util.utcnow() + timedelta(seconds=err.retry_after)
        self.blocked_until = deadline
        if isinstance(err, SpotifyQuotaError):
            quota = self.quota_until
            self.quota_until = max(deadline, quota) if quota is not None else deadline
        if self.blocked_until == before:
            return
        for listener in self.on_blocked:
            try:
                await listener()
            except HomeAssistantError as failure:  # the 429 is what the caller must see
                LOGGER.warning("Spotify's Retry-After deadline could not be stored: %s", failure)

    def bound(self, client: SpotifyClient) -> SpotifyRunner:
        """Return `async_run` bound to one client (a sync run's counting fork)."""
        return _BoundRunner(self, client)


class _BoundRunner:
    """A `SpotifyRunner` for one client."""

    def __init__(self, account: SpotifyAccount, client: SpotifyClient) -> None:
        self._account = account
        self._client = client

    def __call__[T](self, job: Callable[[SpotifyClient], T]) -> Awaitable[T]:
        return self._account.async_run(job, client=self._client)
