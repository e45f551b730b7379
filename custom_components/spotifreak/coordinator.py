"""The playlist cache coordinator: the directory's refreshes as Home Assistant updates.

The cache and the policy for using it live in `core/directory.py`. This module gives them Home
Assistant's plumbing: the refresh schedule (none at start-up while the stored cache is fresh), the
daily call budget, the Store, the staleness tick and repair issue, the export file, the refreshed
event, and the entities' listeners.

The daily call budget (`daily_call_budget`, optional) skips a scheduled refresh, or a stale cache's
refresh before use, that would take the calls of the last 24 hours over it (estimated as
⌈playlists / 50⌉, or the last refresh's cost if more): no call, nothing fails,
`last_refresh_result` says `skipped_budget`, and the staleness it causes raises no repair issue.
Every refresh that goes through the directory runs whatever the budget: the user's, and those
needed before a write (a name missing from the cache, a creation an unclean stop left unsure).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from enum import StrEnum
from functools import partial
from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import ConfigEntryAuthFailed, HomeAssistantError
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.event import async_track_time_interval
from homeassistant.helpers.json import json_bytes
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator
from homeassistant.util import dt as dt_util

from .api import SpotifyAccount
from .compat import update_failed
from .const import (
    CONF_EXPORT_PATH,
    CONF_INCLUDE_COLLABORATIVE,
    CONF_INCLUDE_PRIVATE,
    CONF_INCLUDE_PUBLIC,
    CONF_OWNERS,
    CONF_REFRESH_INTERVAL,
    CONF_STALE_AFTER,
    CONF_STALE_POLICY,
    DEFAULT_REFRESH_INTERVAL,
    DOMAIN,
    EVENT_CACHE_REFRESHED,
    LOGGER,
    STALE_POLICY_FETCH,
)
from .core.cache import CacheDiff, CacheFilter, PlaylistCache
from .core.directory import PlaylistDirectory
from .core.errors import (
    SpotifyError,
    SpotifyRateLimitError,
    SpotifyReauthError,
)
from .core.export import ExportError, ExportMark, remove_export, write_export
from .core.records import PlaylistRecord
from .errors import spotify_error
from .issues import ISSUE_CACHE_STALE, async_create_entry_issue, async_delete_entry_issue
from .stores import EntryStore, entry_store

TICK = timedelta(minutes=1)
RETRY_FAILED_REFRESH = timedelta(minutes=5)
STORE_SAVE_DELAY = 10  # seconds: write-backs after fallback fetches are batched


class RefreshResult(StrEnum):
    """How the last refresh attempt ended (`last_refresh_result`)."""

    SUCCESS = "success"
    FAILED = "failed"
    SKIPPED_BUDGET = "skipped_budget"  # it would have gone over the daily call budget


def cache_store(hass: HomeAssistant, entry_id: str) -> EntryStore:
    """Return the Store holding an entry's playlist cache.

    A large cache is serialised off the event loop where Home Assistant supports it; the cache
    is copy-on-write, so that is safe.
    """
    return entry_store(hass, f"{DOMAIN}.{entry_id}.cache", off_loop=True)


def cache_filter(options: Mapping[str, Any]) -> CacheFilter:
    """Return the playlists the options show (the count, the export); lookups see every one."""
    return CacheFilter(
        include_public=options.get(CONF_INCLUDE_PUBLIC, True),
        include_private=options.get(CONF_INCLUDE_PRIVATE, True),
        include_collaborative=options.get(CONF_INCLUDE_COLLABORATIVE, True),
        owners=tuple(options.get(CONF_OWNERS, ())),
    )


async def async_remove_stores(hass: HomeAssistant, entry: ConfigEntry[Any]) -> None:
    """Delete an entry's stored cache, and its export file if it is still what Spotifreak wrote."""
    store = cache_store(hass, entry.entry_id)
    try:
        stored = await store.async_load() or {}
    except HomeAssistantError:
        stored = {}
    mark = ExportMark.from_dict(stored.get("export"))
    try:
        await hass.async_add_executor_job(remove_export, hass.config.config_dir, mark)
    except OSError as err:
        LOGGER.warning("Could not delete the playlist cache export (%s)", err.strerror or "failed")
    await store.async_remove()


class PlaylistCacheCoordinator(DataUpdateCoordinator[PlaylistCache]):
    """Keeps the account's playlist directory fresh and persisted; its data is the cache."""

    config_entry: ConfigEntry[Any]

    def __init__(
        self,
        hass: HomeAssistant,
        entry: ConfigEntry[Any],
        spotify: SpotifyAccount,
        user_id: str,
        *,
        refresh_fits: Callable[[int, int | None], bool] = lambda _playlists, _cost: True,
    ) -> None:
        """Initialize the coordinator and the account's playlist directory.

        `refresh_fits(playlists, last_cost)` says whether a refresh fits in the daily call
        budget now (`health.py`).
        """
        options = entry.options
        self.refresh_interval = timedelta(
            minutes=options.get(CONF_REFRESH_INTERVAL, DEFAULT_REFRESH_INTERVAL)
        )
        self.stale_after = timedelta(
            minutes=options.get(CONF_STALE_AFTER, 2 * self.refresh_interval.total_seconds() / 60)
        )
        self.stale_policy: str = options.get(CONF_STALE_POLICY, STALE_POLICY_FETCH)
        self._refresh_fits = refresh_fits
        self.directory = PlaylistDirectory(
            user_id,
            spotify.async_run,
            clock=dt_util.utcnow,
            cache_filter=cache_filter(options),
            stale_after=self.stale_after,
            live_lookups=self.stale_policy == STALE_POLICY_FETCH,
            refresh_with=self._async_refresh_now,
            on_change=self._async_cache_changed,
            persist=partial(self.async_flush, checked=True),
            may_refresh_stale=self._within_budget,
        )
        super().__init__(
            hass,
            LOGGER,
            config_entry=entry,
            name=f"{DOMAIN} playlist cache",
            update_interval=self.refresh_interval,
            always_update=True,
        )
        self.spotify = spotify
        self.user_id = user_id
        self.export_path: str | None = options.get(CONF_EXPORT_PATH) or None
        self.export_mark: ExportMark | None = None  # what the last export wrote, and where
        self._export_problem: str | None = None
        self._store = cache_store(hass, entry.entry_id)
        self._stale_issue = False
        self.last_refresh_calls: int | None = None
        self.last_refresh_duration_ms: int | None = None
        self.last_refresh_error: SpotifyError | None = None
        self.last_refresh_result: RefreshResult | None = None
        self._needed = 0  # refreshes the directory runs, in flight: never skipped for the budget
        self._startup = True
        self._filter_changed = False
        spotify.on_blocked.append(self.async_flush)  # a Retry-After deadline is stored at once

    @property
    def data(self) -> PlaylistCache:
        """Return the directory's cache: the coordinator's data is never a copy of it."""
        return self.directory.cache

    @data.setter
    def data(self, cache: PlaylistCache) -> None:
        if cache is not None:  # DataUpdateCoordinator's constructor assigns None
            self.directory.cache = cache

    # -- start-up -----------------------------------------------------------------------------

    async def _async_setup(self) -> None:
        """Load the stored cache (a corrupt file starts empty) and start the freshness tick."""
        try:
            stored = await self._store.async_load()
            if stored is not None:
                # Thousands of records: parse them off the event loop.
                cache = await self.hass.async_add_executor_job(
                    PlaylistCache.from_store, stored, self.directory.cache_filter
                )
                if cache.user_id == self.user_id:
                    # Stored filtered (earlier versions) under other options: refresh at start-up.
                    filter_key = self.directory.cache_filter.key()
                    self._filter_changed = stored.get("filter", filter_key) != filter_key
                    self.data = cache
                if blocked := stored.get("blocked_until"):
                    self.spotify.blocked_until = datetime.fromisoformat(blocked)
                self.export_mark = ExportMark.from_dict(stored.get("export"))
        except (HomeAssistantError, ValueError, KeyError, TypeError, AttributeError) as err:
            LOGGER.warning("The stored playlist cache could not be read; starting afresh")
            LOGGER.debug("Reading the stored playlist cache failed: %r", err)
        self._update_staleness()
        self.config_entry.async_on_unload(
            async_track_time_interval(self.hass, self._async_tick, TICK)
        )

    # -- refresh ------------------------------------------------------------------------------

    async def _async_update_data(self) -> PlaylistCache:
        """Refresh the directory from Spotify, unless the stored cache is fresh at start-up."""
        started = dt_util.utcnow()
        first, self._startup = self._startup, False
        if first and (self._stored_cache_is_fresh(started) or self._blocked_at_start()):
            return self.data
        self.update_interval = self.refresh_interval
        if not self._needed and not self._within_budget():
            return self.data
        fork = self.spotify.client.fork()
        try:
            diff = await self.directory.refresh(self.spotify.bound(fork))
        except SpotifyError as err:
            return self._refresh_failed(err, first)
        if diff is None:  # joined a listing under way: that refresh stores and reports it
            return self.data
        self.last_refresh_error = None
        self.last_refresh_result = RefreshResult.SUCCESS
        self._filter_changed = False
        self.last_refresh_calls = fork.counter.total
        self.last_refresh_duration_ms = int((dt_util.utcnow() - started).total_seconds() * 1000)
        self._update_staleness()
        await self._async_export(self.data)
        self._store.async_delay_save(self._stored, 0)
        self._fire_refreshed(self.data, diff)
        return self.data

    def _stored_cache_is_fresh(self, now: datetime) -> bool:
        """Serve a stored cache younger than the interval; refresh when it falls due."""
        age = self.data.age(now)
        if age is None or age >= self.refresh_interval or self._filter_changed:
            return False
        self.update_interval = self.refresh_interval - age
        LOGGER.debug("Stored playlist cache is %s old; no refresh at start-up", age)
        return True

    def _within_budget(self) -> bool:
        """Return whether a refresh fits the budget now (else it is recorded as skipped)."""
        if not self._over_budget():
            return True
        self.last_refresh_result = RefreshResult.SKIPPED_BUDGET
        self._update_staleness()
        return False

    def _over_budget(self) -> bool:
        """Return whether a refresh now would go over the daily budget (never before the first)."""
        if self.data.last_refreshed is None:
            return False
        return not self._refresh_fits(self.data.total, self.last_refresh_calls)

    def _blocked_at_start(self) -> bool:
        """Serve a stored cache, however old, while a stored Retry-After has not passed."""
        wait = self.spotify.retry_after
        if wait is None or self.data.last_refreshed is None:
            return False
        self.update_interval = timedelta(seconds=wait)
        LOGGER.info(
            "Spotify asked %s to wait %d more seconds; serving the stored playlist cache",
            self.config_entry.title,
            wait,
        )
        return True

    def _refresh_failed(self, err: SpotifyError, first: bool) -> PlaylistCache:
        """Keep the cache, try again soon (never before Retry-After), and report the failure.

        At start-up a stored cache is served instead; a refused refresh token starts reauth.
        """
        self.last_refresh_error = err
        self.last_refresh_result = RefreshResult.FAILED
        if isinstance(err, SpotifyReauthError):
            raise ConfigEntryAuthFailed(
                translation_domain=DOMAIN, translation_key="reauth_required"
            ) from err
        self.update_interval = min(self.refresh_interval, RETRY_FAILED_REFRESH)
        if isinstance(err, SpotifyRateLimitError):
            self.update_interval = max(self.update_interval, timedelta(seconds=err.retry_after))
        self._update_staleness()
        if first and self.data.last_refreshed is not None:
            LOGGER.warning(
                "Refreshing the playlist cache at start-up failed (%s); serving the stored cache",
                err,
            )
            return self.data
        failure = spotify_error(err)
        raise update_failed(
            translation_domain=DOMAIN,
            translation_key=failure.translation_key,
            translation_placeholders=failure.translation_placeholders,
            retry_after=getattr(err, "retry_after", None),
        ) from err

    async def _async_refresh_now(self) -> None:
        """Run a refresh the directory needs as this coordinator's update; raise its failure.

        Such a refresh (the user's, or one needed before a write) runs whatever the budget.
        """
        self._needed += 1
        try:
            await self.async_refresh()
        finally:
            self._needed -= 1
        if not self.last_update_success and self.last_refresh_error is not None:
            raise self.last_refresh_error

    async def async_refresh_or_raise(self) -> None:
        """Refresh as the user asked (whatever the budget): raise a translated error if it failed."""
        if self.spotify.reauth_pending:
            raise HomeAssistantError(translation_domain=DOMAIN, translation_key="reauth_required")
        try:
            await self.directory.refresh_shared()
        except SpotifyError as err:
            raise spotify_error(err) from err
        failure = self.last_exception
        if not self.last_update_success and failure is not None:
            # Failures that are not Spotify's (e.g. the token could not be refreshed).
            if isinstance(failure, HomeAssistantError) and failure.translation_key:
                raise HomeAssistantError(
                    translation_domain=DOMAIN,
                    translation_key=failure.translation_key,
                    translation_placeholders=failure.translation_placeholders,
                ) from failure
            raise HomeAssistantError(
                translation_domain=DOMAIN, translation_key="spotify_unavailable"
            ) from failure

    def _stored(self) -> dict[str, Any]:  # made in the executor: every part is copy-on-write
        blocked = self.spotify.blocked_until
        return {
            **self.data.to_store(),  # every playlist: no "filter" (what the options show)
            "blocked_until": blocked.isoformat() if blocked is not None else None,
            "export": self.export_mark.as_dict() if self.export_mark is not None else None,
        }

    async def async_flush(self, *, checked: bool = False) -> None:
        """Write the cache now (unload); `checked` (before a write): raise unless it was written."""
        data = await self.hass.async_add_executor_job(self._stored)
        await (self._store.async_save_checked(data) if checked else self._store.async_save(data))

    @callback
    def _async_cache_changed(self) -> None:
        """Show and keep a record the directory remembered (persisted a few seconds later)."""
        self.async_update_listeners()  # e.g. the playlist count after a sync created a playlist
        self._store.async_delay_save(self._stored, STORE_SAVE_DELAY)

    async def _async_export(self, cache: PlaylistCache) -> None:
        """Write the cache's export format to `export_path` (`core/export.py`), off the loop.

        Serialising thousands of records takes tens of milliseconds: it happens in the
        executor with the write (the cache is copy-on-write, so that is safe). A refused path
        or a failed write is logged once, and the previous file stays.
        """
        if not self.export_path:
            return
        config_dir, relative, mark = self.hass.config.config_dir, self.export_path, self.export_mark

        def export() -> ExportMark:
            return write_export(config_dir, relative, json_bytes(cache.to_export()), mark)

        try:
            self.export_mark = await self.hass.async_add_executor_job(export)
        except ExportError as err:
            self._export_failed(err.problem, str(err))
        except OSError as err:
            self._export_failed("os_error", err.strerror or "the write failed")
        else:
            self._export_problem = None

    def _export_failed(self, problem: str, detail: str) -> None:
        if problem != self._export_problem:
            LOGGER.warning("Not exporting the playlist cache to %s: %s", self.export_path, detail)
        self._export_problem = problem

    @callback
    def _fire_refreshed(self, cache: PlaylistCache, diff: CacheDiff) -> None:
        def brief(records: tuple[PlaylistRecord, ...]) -> list[dict[str, Any]]:
            return [{"id": r.id, "name": r.name, "snapshot_id": r.snapshot_id} for r in records]

        self.hass.bus.async_fire(
            EVENT_CACHE_REFRESHED,
            {
                "entry_id": self.config_entry.entry_id,
                "playlists": len(cache),
                "added": brief(diff.added),
                "removed": brief(diff.removed),
                "changed": brief(diff.changed),
            },
        )

    # -- freshness ----------------------------------------------------------------------------

    @property
    def cache_age(self) -> timedelta | None:
        """Return how old the cache is now."""
        return self.directory.age()

    @property
    def stale(self) -> bool:
        """Return whether the cache is stale (older than `stale_after`, or never refreshed)."""
        return self.directory.stale

    @callback
    def _update_staleness(self) -> None:
        """Raise or clear the stale-cache issue.

        None for a cache stale only because refreshes were skipped for the budget.
        """
        issue = (
            self.stale
            and self.cache_age is not None
            and (
                self.last_refresh_result is not RefreshResult.SKIPPED_BUDGET
                or self.last_refresh_error is not None
            )
        )
        if issue == self._stale_issue:
            return
        self._stale_issue = issue
        entry_id = self.config_entry.entry_id
        if issue:
            async_create_entry_issue(
                self.hass,
                entry_id,
                ISSUE_CACHE_STALE,
                severity=ir.IssueSeverity.WARNING,
                translation_placeholders={
                    "account": self.config_entry.title,
                    "stale_after": str(int(self.stale_after.total_seconds() // 60)),
                },
            )
        else:
            async_delete_entry_issue(self.hass, entry_id, ISSUE_CACHE_STALE)

    @callback
    def _async_tick(self, _now: datetime) -> None:
        """Tick the age and re-judge staleness every minute, without any call to Spotify."""
        self._update_staleness()
        self.async_update_listeners()
