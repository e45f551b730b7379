"""Syncs inside Home Assistant: the core's account syncs, persisted, announced and guarded.

The algorithms live in `core/` and `core/account_syncs.py` runs them; this module keeps what they
leave behind in a Store, fires `spotifreak_sync_finished`, raises translated errors, follows the
configured syncs (config subentries), and interrupts running syncs when Home Assistant stops.
The playlist history (`playlist_history.py`) is loaded with it; restores run here like syncs.
A dry run is returned and announced, but leaves no trace: no history, no state, no entity change.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
import hashlib
import json
from typing import Any, Final

from homeassistant.config_entries import (
    SIGNAL_CONFIG_ENTRY_CHANGED,
    ConfigEntry,
    ConfigEntryChange,
)
from homeassistant.const import EVENT_HOMEASSISTANT_STOP
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.dispatcher import async_dispatcher_connect, async_dispatcher_send
from homeassistant.util import dt as dt_util

from .api import SpotifyAccount
from .clients import lastfm_client
from .const import (
    CONF_LASTFM_API_KEY,
    CONF_LASTFM_USERNAME,
    DOMAIN,
    EVENT_SYNC_FINISHED,
    LASTFM_API_ACCOUNTS_URL,
    LOGGER,
)
from .core.account_syncs import AccountSyncs
from .core.directory import PlaylistDirectory
from .core.engine import RunHistory, SyncInputError
from .core.errors import HistorySaveError, LocalSaveError, SpotifyError
from .core.history import PlaylistVersion
from .core.lastfm import LastfmClient
from .core.match_cache import MatchCache
from .core.reasons import (
    REASON_INTERRUPTED,
    REASON_LASTFM_AUTH,
    REASON_QUOTA_EXCEEDED,
    REASON_SAVE_FAILED,
    REASON_SNAPSHOT_FAILED,
    REASON_SPOTIFY_AUTH,
)
from .core.records import PlaylistRecord
from .core.references import shown, track_uri
from .core.runs import RunRecord, RunStatus
from .errors import spotify_error
from .issues import ISSUE_LASTFM_AUTH, async_create_entry_issue, async_delete_entry_issue
from .playlist_history import HistoryStore
from .stores import EntryStore, entry_store
from .sync_types import SYNC_TYPE_LASTFM, SYNC_TYPES

STORE_SAVE_DELAY: Final = 1
# Ad hoc syncs (actions' sync_ids) whose state and history are kept: the most recently run.
ADHOC_SYNCS_KEPT: Final = 50
NO_MATCH: Final = "none"  # `set_lastfm_match`'s track that forbids any match
# A run that failed because what must precede a write could not be saved: its own error.
NOT_SAVED_REASONS: Final = frozenset({REASON_SNAPSHOT_FAILED, REASON_SAVE_FAILED})


def sync_store(hass: HomeAssistant, entry_id: str) -> EntryStore:
    """Return the Store holding an entry's run history, sync states and Last.fm match cache."""
    return entry_store(hass, f"{DOMAIN}.{entry_id}.syncs")


def signal_sync_finished(entry_id: str) -> str:
    """Return the dispatcher signal sent after each run of an entry's syncs."""
    return f"{DOMAIN}_{entry_id}_sync_finished"


def adhoc_sync_id(sync_type: str, options: Mapping[str, Any]) -> str:
    """Return a stable id for an action run without `sync_id`: the same options share cursors."""
    digest = hashlib.sha1(
        json.dumps(dict(options), sort_keys=True, default=str).encode(), usedforsecurity=False
    ).hexdigest()[:12]
    return f"{sync_type}_{digest}"


def _lastfm_client(hass: HomeAssistant, entry: ConfigEntry[Any]) -> LastfmClient | None:
    """Return a Last.fm client for the API key in the entry's options, if one is set."""
    api_key = str(entry.options.get(CONF_LASTFM_API_KEY) or "")
    if not api_key:
        return None
    return lastfm_client(hass, api_key)


class SyncManager:
    """Runs an account's syncs and keeps their history and state in a Store."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: ConfigEntry[Any],
        spotify: SpotifyAccount,
        directory: PlaylistDirectory,
    ) -> None:
        """Initialize the manager and the account's syncs."""
        self._hass = hass
        self._entry = entry
        self._spotify = spotify
        self._store = sync_store(hass, entry.entry_id)
        self.runs = AccountSyncs(
            spotify.client,
            directory,
            bind=spotify.bound,
            now=dt_util.now,
            lastfm_client=_lastfm_client(hass, entry),
            lastfm_username=entry.options.get(CONF_LASTFM_USERNAME) or None,
            persist=self._async_save_now,
        )
        self._running: set[asyncio.Task[Any]] = set()
        self._subentry_ids = set(entry.subentries)
        self._playlist_history = HistoryStore(hass, entry)

    @property
    def history(self) -> RunHistory:
        """Return the finished runs of the account's syncs."""
        return self.runs.history

    async def async_load(self) -> None:
        """Load history, sync states and the match cache; start following subentry changes."""
        try:
            stored = await self._store.async_load() or {}
            self.runs.history = RunHistory.from_store(stored.get("history"))
            self.runs.states = {
                str(key): dict(value) for key, value in (stored.get("states") or {}).items()
            }
            self.runs.match_cache = MatchCache.from_store(stored.get("match_cache"))
        except (HomeAssistantError, ValueError, KeyError, TypeError, AttributeError) as err:
            LOGGER.warning("The stored sync history could not be read; starting afresh")
            LOGGER.debug("Reading the stored sync history failed: %r", err)
        self.runs.playlist_history = await self._playlist_history.async_load(self.runs.states)
        self._entry.async_on_unload(
            async_dispatcher_connect(self._hass, SIGNAL_CONFIG_ENTRY_CHANGED, self._entry_changed)
        )
        self._entry.async_on_unload(
            self._hass.bus.async_listen_once(EVENT_HOMEASSISTANT_STOP, self._async_stop)
        )

    async def _async_save_now(self) -> None:
        """Store history, states and the match cache now; raise unless it reached the disk.

        A run saves through here before its first write to a target, so that the mark "being
        written" survives a power loss (`LocalSaveError`: the write is not sent).
        """
        await self._store.async_save_checked(self._data())

    @callback
    def _data(self) -> dict[str, Any]:
        return {
            "history": self.runs.history.to_store(),
            "states": self.runs.states,
            "match_cache": self.runs.match_cache.to_store(),
        }

    @callback
    def _entry_changed(self, change: ConfigEntryChange, entry: Any) -> None:
        """Forget the history and state of a configured sync that was removed.

        Only ids that were configured syncs and are gone now: a `sync_id` chosen in an action
        is never a subentry and keeps its history through every entry update (token refreshes).
        """
        if entry.entry_id != self._entry.entry_id or change is not ConfigEntryChange.UPDATED:
            return
        current = set(entry.subentries)
        gone = self._subentry_ids - current
        self._subentry_ids = current
        for sync_id in gone:
            self.runs.history.remove(sync_id)
            self.runs.states.pop(sync_id, None)
        if gone:
            self._store.async_delay_save(self._data, STORE_SAVE_DELAY)

    @property
    def playlist_versions(self) -> int:
        """Return the number of playlist versions the history keeps."""
        return len(self.runs.playlist_history.history)

    async def async_run(
        self,
        sync_type: str,
        options_data: Mapping[str, Any],
        *,
        sync_id: str | None = None,
        dry_run: bool = False,
        configured: bool = False,
    ) -> RunRecord:
        """Run a sync once and return its record.

        An ad hoc run (not `configured`) may not use a configured sync's id: that state and
        history belong to the configured sync. Raises `ServiceValidationError` for input the
        user can fix (nothing was written) and `HomeAssistantError` when the run failed or was
        rate limited; partial runs return.
        """
        if self._spotify.reauth_pending:
            raise HomeAssistantError(translation_domain=DOMAIN, translation_key="reauth_required")
        if not configured and sync_id is not None and sync_id in self._entry.subentries:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="sync_id_configured",
                translation_placeholders={"sync_id": sync_id},
            )
        sync_id = sync_id or adhoc_sync_id(sync_type, options_data)

        @callback
        def finished(record: RunRecord) -> None:
            self._async_finished(record, dry_run=dry_run)

        # The run is the manager's own task: cancelling the caller (an automation stopped
        # mid-way) does not cut the run short, and stopping Home Assistant or unloading the
        # entry interrupts only runs, never the callers' tasks.
        run = self._entry.async_create_background_task(
            self._hass,
            self.runs.run(sync_type, options_data, sync_id, on_finished=finished, dry_run=dry_run),
            name=f"{DOMAIN} {sync_type} {sync_id}",
        )
        self._running.add(run)
        run.add_done_callback(self._running.discard)
        try:
            record = await asyncio.shield(run)
        except SyncInputError as err:
            raise _input_error(err) from err
        except asyncio.CancelledError:
            caller = asyncio.current_task()
            if not run.cancelled() or (caller is not None and caller.cancelling()):
                raise
            last = self.runs.history.last(sync_id)
            raise _run_error(
                "sync_failed", REASON_INTERRUPTED, last.error if last else None
            ) from None
        if record.status is RunStatus.FAILED and record.reason in NOT_SAVED_REASONS:
            raise _not_saved(record.reason, record.error)
        if record.status in (RunStatus.FAILED, RunStatus.RATE_LIMITED):
            key = {
                REASON_QUOTA_EXCEEDED: REASON_QUOTA_EXCEEDED,
                REASON_SPOTIFY_AUTH: "reauth_required",
            }.get(record.reason or "", f"sync_{record.status}")
            raise _run_error(key, record.reason, record.error, record.retry_after)
        return record

    @callback
    def _async_finished(self, record: RunRecord, *, dry_run: bool = False) -> None:
        """Save the sync's state and history, and tell Home Assistant the run ended.

        A dry run is only announced: it changed nothing to save or show.
        """
        if not dry_run:
            self.runs.prune(self._entry.subentries, ADHOC_SYNCS_KEPT)
            self._store.async_delay_save(self._data, STORE_SAVE_DELAY)
            self._track_lastfm_key(record)
        self._hass.bus.async_fire(
            EVENT_SYNC_FINISHED, {**record.as_dict(), "entry_id": self._entry.entry_id}
        )
        if not dry_run:
            async_dispatcher_send(self._hass, signal_sync_finished(self._entry.entry_id))

    @callback
    def _track_lastfm_key(self, record: RunRecord) -> None:
        """Raise or clear the repair issue of Last.fm refusing the API key (errors 10, 26)."""
        if record.sync_type != SYNC_TYPE_LASTFM:
            return
        entry_id = self._entry.entry_id
        if record.reason == REASON_LASTFM_AUTH:
            async_create_entry_issue(
                self._hass,
                entry_id,
                ISSUE_LASTFM_AUTH,
                severity=ir.IssueSeverity.ERROR,
                translation_placeholders={
                    "account": self._entry.title,
                    "lastfm_api_url": LASTFM_API_ACCOUNTS_URL,
                },
            )
        elif record.status is not RunStatus.FAILED:
            async_delete_entry_issue(self._hass, entry_id, ISSUE_LASTFM_AUTH)

    async def async_run_configured(self, subentry_id: str, *, dry_run: bool = False) -> RunRecord:
        """Run a configured sync (a config subentry) by its id."""
        subentry = self._entry.subentries.get(subentry_id)
        if subentry is None or subentry.subentry_type not in SYNC_TYPES:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="sync_not_found",
                translation_placeholders={"sync_id": subentry_id},
            )
        return await self.async_run(
            subentry.subentry_type,
            subentry.data,
            sync_id=subentry_id,
            dry_run=dry_run,
            configured=True,
        )

    async def async_snapshot(self, reference: str) -> PlaylistVersion:
        """Keep a version of a playlist now; translated errors."""
        with _translated_errors():
            return await self.runs.snapshot(reference)

    async def async_versions(self, reference: str) -> tuple[PlaylistRecord, list[dict[str, Any]]]:
        """Return a playlist's versions compared with it now; translated errors."""
        with _translated_errors():
            return await self.runs.versions(reference)

    async def async_set_lastfm_match(self, artist: str, title: str, track: str) -> str | None:
        """Fix the Spotify track of a Last.fm track, or forbid any (`none`); stored at once.

        Every later run of the account's Last.fm syncs uses it instead of searching. Returns
        the track URI (None: forbidden). Raises `ServiceValidationError` for a blank artist or
        title, or a track that is not a track URI or link; nothing is stored then.
        """
        artist, title, track = artist.strip(), title.strip(), track.strip()
        if not artist or not title:
            raise ServiceValidationError(
                translation_domain=DOMAIN, translation_key="lastfm_match_incomplete"
            )
        uri = None if track.casefold() == NO_MATCH else track_uri(track)
        if uri is None and track.casefold() != NO_MATCH:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="invalid_track",
                translation_placeholders={"track": shown(track)},
            )
        self.runs.match_cache.set_override(artist, title, uri)
        try:
            await self._async_save_now()
        except LocalSaveError as err:
            raise _not_saved(REASON_SAVE_FAILED, str(err)) from err
        LOGGER.debug("Last.fm match of %r by %r set to %s", title, artist, uri or "none")
        return uri

    def last_run(self, sync_id: str) -> RunRecord | None:
        """Return the newest finished run of a sync."""
        return self.runs.history.last(sync_id)

    async def _async_stop(self, _event: Event) -> None:
        await self.async_shutdown()

    async def async_shutdown(self) -> None:
        """Interrupt running syncs and save everything: Home Assistant stops or the entry unloads.

        An interrupted run is recorded as failed (`interrupted`), never left as running.
        """
        running = [task for task in self._running if not task.done()]
        for task in running:
            task.cancel()
        if running:
            await asyncio.gather(*running, return_exceptions=True)
        await self._store.async_save(self._data())
        await self._playlist_history.async_flush()


async def async_remove_sync_store(hass: HomeAssistant, entry_id: str) -> None:
    """Delete an entry's run history and sync state."""
    await sync_store(hass, entry_id).async_remove()


@contextmanager
def _translated_errors() -> Iterator[None]:
    """Turn the core's errors in a playlist history action into translated ones."""
    try:
        yield
    except SyncInputError as err:
        raise _input_error(err) from err
    except SpotifyError as err:
        raise spotify_error(err) from err
    except HistorySaveError as err:
        raise _not_saved(REASON_SNAPSHOT_FAILED, str(err)) from err
    except LocalSaveError as err:
        raise _not_saved(REASON_SAVE_FAILED, str(err)) from err


def _input_error(err: SyncInputError) -> ServiceValidationError:
    """Return the translated error of input the user can fix (nothing was written)."""
    return ServiceValidationError(
        translation_domain=DOMAIN,
        translation_key=err.key,
        translation_placeholders=err.placeholders,
    )


def _not_saved(reason: str, error: str | None) -> HomeAssistantError:
    """Return the translated error of what could not be saved before a write (not sent)."""
    return HomeAssistantError(
        translation_domain=DOMAIN,
        translation_key=reason,
        translation_placeholders={"error": error or ""},
    )


def _run_error(
    key: str, reason: str | None, error: str | None, retry_after: int | None = None
) -> HomeAssistantError:
    """Return the translated error of a run that failed, was rate limited or interrupted."""
    return HomeAssistantError(
        translation_domain=DOMAIN,
        translation_key=key,
        translation_placeholders={
            "reason": reason or "",
            "error": error or "",
            "retry_after": str(retry_after or 0),
        },
    )
