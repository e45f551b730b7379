"""The account's health: when its authorization ends, its calls of the last day, quota blocks.

Nothing here calls Spotify. Every minute (the cache's tick is another one) it judges, from what it
knows:

- the authorization: `authorized_at` in the entry's data (written at setup, reauth and
  reconfigure) plus `authorization_lifetime_months`; a fixable repair issue 14 days ahead
  (warning) and another on the day (error), whose fix starts the reauth flow (`repairs.py`).
  Entries set up before Spotifreak recorded the time have none: the expiry is unknown (the sensor
  says so) and no issue is raised until the next reauth or reconfigure records it.
- the calls: every request the account's client sends is counted in a rolling window of
  per-minute buckets (`core/call_window.py`), stored in its own Store at most once a minute and
  when Home Assistant stops or the entry unloads, loaded before the first call of a start. They
  are what the daily call budget (`daily_call_budget`) measures: `refresh_fits` tells the
  coordinator whether a refresh fits.
- the quota: while a block Spotify's `QUOTA_EXCEEDED` asked for lasts, a repair issue says when
  it lifts; its deadline is stored at once, so a restart raises the issue again. It is judged
  again every minute and after every update of the playlist cache (`async_judge`), so it clears
  with the first successful refresh after the wait.
"""

from __future__ import annotations

from datetime import datetime, timedelta
import math
from typing import Any, Final

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import EVENT_HOMEASSISTANT_STOP
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.event import async_track_time_interval
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util

from .api import SpotifyAccount
from .const import (
    CONF_AUTHORIZATION_LIFETIME,
    CONF_DAILY_CALL_BUDGET,
    DATA_AUTHORIZED_AT,
    DOMAIN,
    LOGGER,
)
from .core.authorization import (
    DEFAULT_LIFETIME_MONTHS,
    ExpiryNotice,
    expires_at,
    expiry_notice,
)
from .core.call_window import CallWindow
from .core.paging import PAGE_LIMIT as PLAYLISTS_PAGE_LIMIT
from .core.timestamps import parse_time
from .issues import (
    ISSUE_AUTHORIZATION_DUE,
    ISSUE_AUTHORIZATION_SOON,
    ISSUE_QUOTA_EXCEEDED,
    async_create_entry_issue,
    async_delete_entry_issue,
)
from .stores import entry_store

TICK: Final = timedelta(minutes=1)
_ISSUES: Final = {
    ExpiryNotice.SOON: (ISSUE_AUTHORIZATION_SOON, ir.IssueSeverity.WARNING),
    ExpiryNotice.DUE: (ISSUE_AUTHORIZATION_DUE, ir.IssueSeverity.ERROR),
}


def usage_store(hass: HomeAssistant, entry_id: str) -> Store[dict[str, Any]]:
    """Return the Store holding an entry's calls of the last day and its quota block."""
    return entry_store(hass, f"{DOMAIN}.{entry_id}.usage")


def _shown(moment: datetime) -> str:
    """Return a time as the repair issues show it: local, to the minute."""
    return dt_util.as_local(moment).strftime("%Y-%m-%d %H:%M")


class AccountHealth:
    """What an account's entities and repair issues tell about its standing with Spotify."""

    def __init__(
        self, hass: HomeAssistant, entry: ConfigEntry[Any], spotify: SpotifyAccount
    ) -> None:
        """Count the account's calls and follow its blocks, from the next call on."""
        self._hass = hass
        self._entry = entry
        self._spotify = spotify
        self._store = usage_store(hass, entry.entry_id)
        self.window = CallWindow(clock=dt_util.utcnow)
        spotify.client.counter.window = self.window
        spotify.on_blocked.append(self._async_blocked)
        self.authorized_at = parse_time(entry.data.get(DATA_AUTHORIZED_AT))
        self.lifetime_months: int = entry.options.get(
            CONF_AUTHORIZATION_LIFETIME, DEFAULT_LIFETIME_MONTHS
        )
        self.daily_call_budget: int | None = entry.options.get(CONF_DAILY_CALL_BUDGET) or None
        # What the repair issues show now (None before the first judgement: clear stale ones).
        self._notice: ExpiryNotice | None = None
        self._quota_shown: datetime | None = None
        self._judged = False

    @property
    def expires_at(self) -> datetime | None:
        """Return when Spotify ends the authorization (None: unknown, see the module docstring)."""
        return expires_at(self.authorized_at, self.lifetime_months)

    def calls_24h(self) -> int:
        """Return the account's Spotify calls of the last 24 hours."""
        return self.window.total()

    def refresh_fits(self, playlists: int, last_cost: int | None) -> bool:
        """Return whether a refresh of the cache fits in the daily call budget now.

        Its cost is estimated as ⌈playlists / 50⌉ calls, or what the last refresh cost if more.
        """
        budget = self.daily_call_budget
        if budget is None:
            return True
        estimate = max(1, math.ceil(playlists / PLAYLISTS_PAGE_LIMIT), last_cost or 0)
        used = self.calls_24h()
        if used + estimate <= budget:
            return True
        LOGGER.debug(
            "Skipping the playlist cache refresh of %s: %d calls in the last 24 h and about %d "
            "more would exceed the daily budget of %d",
            self._entry.title,
            used,
            estimate,
            budget,
        )
        return False

    async def async_load(self) -> None:
        """Load the stored calls and quota block (before the entry's first call)."""
        try:
            stored = await self._store.async_load() or {}
        except (HomeAssistantError, ValueError) as err:
            LOGGER.warning("The stored Spotify call counts could not be read; counting afresh")
            LOGGER.debug("Reading the stored call counts failed: %r", err)
            return
        self.window.load(stored)
        quota = parse_time(stored.get("quota_until"))
        if quota is not None and quota > dt_util.utcnow():
            self._spotify.quota_until = quota

    @callback
    def async_start(self) -> None:
        """Judge now; store the counts every minute and when Home Assistant stops.

        The host calls `async_judge` again after each update of the playlist cache, and the
        cache's coordinator updates every minute (its age ticks).
        """
        self.async_judge()
        self._entry.async_on_unload(async_track_time_interval(self._hass, self._async_tick, TICK))
        self._entry.async_on_unload(
            self._hass.bus.async_listen_once(EVENT_HOMEASSISTANT_STOP, self._async_stopping)
        )

    @callback
    def _data(self) -> dict[str, Any]:
        quota = self._spotify.quota_until
        return {
            **self.window.to_store(),
            "quota_until": quota.isoformat() if quota is not None else None,
        }

    async def async_flush(self) -> None:
        """Store the counts now (the entry unloads)."""
        await self._store.async_save(self._data())

    @callback
    def _async_stopping(self, _event: Event) -> None:
        """Have the counts written with Home Assistant's final write."""
        self._store.async_delay_save(self._data)

    @callback
    def _async_tick(self, _now: datetime) -> None:
        """Store the counts if calls were made (at most once a minute)."""
        if self.window.dirty:
            self._store.async_delay_save(self._data)

    async def _async_blocked(self) -> None:
        """Store a quota block at once and raise its repair issue (a 429 moved the deadline)."""
        if self._spotify.quota_until is None:
            return
        await self._store.async_save(self._data())
        self._judge_quota()

    @callback
    def async_judge(self) -> None:
        """Raise or clear the repair issues as the authorization and the quota call for now."""
        self._judge_authorization()
        self._judge_quota()
        self._judged = True

    @callback
    def _judge_authorization(self) -> None:
        """Raise the issue the expiry calls for now; clear the other one."""
        expires = self.expires_at
        notice = expiry_notice(expires, dt_util.now())
        if notice is self._notice:
            return
        self._notice = notice
        entry_id = self._entry.entry_id
        for shown, (kind, severity) in _ISSUES.items():
            if shown is notice and expires is not None:
                async_create_entry_issue(
                    self._hass,
                    entry_id,
                    kind,
                    severity=severity,
                    is_fixable=True,
                    data={"entry_id": entry_id},
                    translation_placeholders={
                        "account": self._entry.title,
                        "expires": _shown(expires),
                    },
                )
            else:
                async_delete_entry_issue(self._hass, entry_id, kind)

    @callback
    def _judge_quota(self) -> None:
        """Raise the quota issue while the block lasts, saying when it lifts; clear it after."""
        until = self._spotify.quota_until
        if until is not None and until <= dt_util.utcnow():
            self._spotify.quota_until = until = None
            self._store.async_delay_save(self._data)
        if self._judged and until == self._quota_shown:
            return
        self._quota_shown = until
        entry_id = self._entry.entry_id
        if until is None:
            async_delete_entry_issue(self._hass, entry_id, ISSUE_QUOTA_EXCEEDED)
            return
        async_create_entry_issue(
            self._hass,
            entry_id,
            ISSUE_QUOTA_EXCEEDED,
            severity=ir.IssueSeverity.ERROR,
            translation_placeholders={"account": self._entry.title, "until": _shown(until)},
        )


async def async_remove_usage_store(hass: HomeAssistant, entry_id: str) -> None:
    """Delete an entry's stored call counts."""
    await usage_store(hass, entry_id).async_remove()
