"""The Spotify client: spotipy configured so that errors surface, with counting and bounded retries.

spotipy is synchronous: every method here blocks and must run in an executor thread. spotipy's own
retries are switched off (`retries=0`, 429 left out of `status_forcelist`) because they sleep through
`Retry-After` inside the call and then hide the status; retries for reads happen here instead, where
they are bounded and counted. Writes are never retried: a POST that timed out may have been applied.
Every request is counted in the account's `RequestPace`; the playlist listing (`core/paging.py`)
paces its pages by it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
import functools
import logging
import threading
import time
from typing import Any, Final, Protocol

import requests
import spotipy

from .cache import Listed
from .call_window import CallWindow
from .errors import SpotifyError, SpotifyUnavailableError
from .paging import (
    ENDPOINT as PLAYLISTS_ENDPOINT,
    MAX_IN_FLIGHT,
    PAGE_LIMIT,
    RequestPace,
    read_listing,
)
from .records import is_count
from .spotify_errors import (
    UnparsedAnswerError,
    connection_error,
    intercept_error_answers,
    malformed_error,
    map_spotify_exception,
)

_LOGGER = logging.getLogger(__name__)

DEFAULT_API_URL: Final = "https://api.spotify.com/v1/"
ITEMS_PAGE_LIMIT: Final = 50
SAVED_TRACKS_PAGE_LIMIT: Final = 50
WRITE_CHUNK: Final = 100
SEARCH_LIMIT_MAX: Final = 10
READ_ATTEMPTS: Final = 3
BACKOFF_SECONDS: tuple[float, ...] = (0.5, 2.0)  # between read attempts; tests shorten it
REQUEST_TIMEOUT: Final = 10


@dataclass(frozen=True, slots=True)
class PlaylistItem:
    """One entry of a playlist, reduced to what syncs and snapshots need.

    `name` and `artist` are for display only (a snapshot lists what a playlist held): a track's
    title and artists, an episode's title and show. `isrc`: the recording's ISRC, when the track
    object names one (`external_ids.isrc`, served again since March 2026): the same recording
    under another URI has the same ISRC.
    """

    uri: str | None
    kind: str  # "track", "episode", "local" or "unavailable"
    added_at: str | None = None
    name: str | None = None
    artist: str | None = None
    isrc: str | None = None

    @property
    def addable(self) -> bool:
        """Return whether the entry can be added to another playlist by URI."""
        return self.kind in ("track", "episode") and self.uri is not None

    @property
    def entry(self) -> str | None:
        """Return the URI as an edit sees the entry: None when it is unavailable."""
        return self.uri if self.kind != "unavailable" else None


def _names(obj: Mapping[str, Any]) -> tuple[str | None, str | None]:
    """Return the display title and artist (artists joined, or an episode's show) of an item."""
    name = obj.get("name") if isinstance(obj.get("name"), str) else None
    artists = obj.get("artists")
    if isinstance(artists, list):
        joined = ", ".join(
            str(artist["name"])
            for artist in artists
            if isinstance(artist, Mapping) and artist.get("name")
        )
        return name, joined or None
    show = obj.get("show")
    if isinstance(show, Mapping) and show.get("name"):
        return name, str(show["name"])
    return name, None


def _isrc(obj: Mapping[str, Any]) -> str | None:
    """Return a track object's ISRC (upper-cased), if it names one."""
    external = obj.get("external_ids")
    isrc = external.get("isrc") if isinstance(external, Mapping) else None
    if not isinstance(isrc, str) or not isrc.strip():
        return None
    return isrc.strip().upper()


def item_from_entry(entry: Mapping[str, Any] | None) -> PlaylistItem:
    """Reduce a playlist or saved-track entry; reads both 2026 shapes (`item` and `track`)."""
    if not entry:
        return PlaylistItem(uri=None, kind="unavailable")
    obj = entry.get("item") or entry.get("track")
    added_at = entry.get("added_at")
    if not obj:
        return PlaylistItem(uri=None, kind="unavailable", added_at=added_at)
    uri = obj.get("uri")
    name, artist = _names(obj)
    if entry.get("is_local") or obj.get("is_local") or (uri or "").startswith("spotify:local:"):
        kind = "local"
    else:
        kind = obj.get("type") or "track"
        if kind not in ("track", "episode") or not uri or obj.get("is_playable") is False:
            kind = "unavailable"
    return PlaylistItem(
        uri=uri,
        kind=kind,
        added_at=added_at,
        name=name,
        artist=artist,
        isrc=_isrc(obj) if kind == "track" else None,
    )


class CallCounter:
    """Counts requests sent to Spotify, in total and per endpoint; safe across executor threads."""

    def __init__(self, parent: CallCounter | None = None) -> None:
        """Initialize a counter; with a parent, every call is counted there too."""
        self._lock = threading.Lock()
        self._parent = parent
        self.total = 0
        self.by_endpoint: Counter[str] = Counter()
        # The account's calls over the last day (set on the account's counter by the host).
        self.window: CallWindow | None = None

    def add(self, endpoint: str) -> None:
        """Count one request (and count it in the parent and the rolling window too)."""
        with self._lock:
            self.total += 1
            self.by_endpoint[endpoint] += 1
        if self.window is not None:
            self.window.add()
        if self._parent is not None:
            self._parent.add(endpoint)


def build_spotipy(api_url: str, *, timeout: int = REQUEST_TIMEOUT) -> spotipy.Spotify:
    """Return a spotipy client whose errors surface: no hidden retries, no Retry-After sleeps."""
    client = spotipy.Spotify(
        auth=None,
        retries=0,
        status_retries=0,
        status_forcelist=(500, 502, 503, 504),
        requests_timeout=timeout,
    )
    # `prefix` is an instance attribute, not a constructor argument.
    client.prefix = api_url if api_url.endswith("/") else f"{api_url}/"
    # Error answers are read here, before spotipy parses them (5xx still surface as spotipy's
    # "Max Retries", which `map_spotify_exception` reads).
    client._session.hooks["response"].append(intercept_error_answers)
    return client


class SpotifyClient:
    """Blocking access to the Spotify Web API for one account. Run every method in an executor.

    `fork()` gives a view that shares the connection pool, token and pace but counts its own calls
    too, so a sync run can report what it spent while the account-wide counter keeps the total.
    """

    def __init__(
        self,
        api_url: str = DEFAULT_API_URL,
        *,
        spotipy_client: spotipy.Spotify | None = None,
        counter: CallCounter | None = None,
        pace: RequestPace | None = None,
        sleep: Callable[[float], None] = time.sleep,
        backoff: Sequence[float] | None = None,
    ) -> None:
        """Initialize the client for `api_url` (or over a given spotipy client)."""
        self._spotipy = spotipy_client or build_spotipy(api_url)
        self.counter = counter or CallCounter()
        self.pace = pace or RequestPace()
        self._sleep = sleep
        self._backoff = tuple(BACKOFF_SECONDS if backoff is None else backoff)

    @property
    def api_url(self) -> str:
        """Return the base URL requests go to."""
        return str(self._spotipy.prefix)

    def fork(self) -> SpotifyClient:
        """Return a view sharing connection and token whose counter also feeds this one's."""
        return SpotifyClient(
            spotipy_client=self._spotipy,
            counter=CallCounter(parent=self.counter),
            pace=self.pace,
            sleep=self._sleep,
            backoff=self._backoff,
        )

    def set_token(self, access_token: str) -> None:
        """Use this access token from now on (set before each batch of calls)."""
        self._spotipy.set_auth(access_token)

    # -- the one way every request goes -------------------------------------------------------

    def _request(
        self,
        endpoint: str,
        call: Callable[[], Any],
        *,
        read: bool,
        check: Callable[[Any], bool] | None = None,
        paced: bool = False,
    ) -> Any:
        """Send one request (reads: up to three attempts); `check` says whether an answer is one.

        An answer that fails `check` (spotipy turns a 200 whose body is not JSON into None) is
        a `SpotifyMalformedError`, retried like a 5xx. A `paced` request waits for room in the
        account's pace (and raises while a Retry-After runs); every other one is only noted.
        """
        attempts = READ_ATTEMPTS if read else 1
        for attempt in range(attempts):
            if paced:
                self.pace.acquire()
            else:
                self.pace.note()
            self.counter.add(endpoint)
            try:
                result = call()
                if check is None or check(result):
                    return result
                error: SpotifyError = malformed_error(endpoint, f"{type(result).__name__}")
            except UnparsedAnswerError as answer:
                error = answer.error(endpoint)
            except spotipy.SpotifyException as err:
                error = map_spotify_exception(err, endpoint)
            except (requests.ConnectionError, requests.Timeout) as err:
                error = connection_error(err, endpoint)
            if not isinstance(error, SpotifyUnavailableError) or attempt + 1 >= attempts:
                raise error
            delay = self._backoff[min(attempt, len(self._backoff) - 1)] if self._backoff else 0
            _LOGGER.debug("%s failed (%s); retrying in %.1fs", endpoint, error, delay)
            self._sleep(delay)
        raise AssertionError("unreachable")  # pragma: no cover

    def _pages(self, endpoint: str, first: Callable[[], Any]) -> Iterator[dict[str, Any]]:
        """Yield a paging object and each following page (spotipy follows absolute `next` URLs).

        A listing counts only when it reaches `next: null` through well-formed pages (a mapping
        with an `items` list) holding as many entries as `total` says, null entries included;
        anything else raises `SpotifyMalformedError` — never a short listing. A caller that
        stops reading early (a cursor) stops the check with it.
        """
        page: dict[str, Any] = self._request(endpoint, first, read=True, check=_is_page)
        entries = 0
        while True:
            entries += len(page["items"])
            total = page.get("total")
            yield page
            complete = not page.get("next")
            if not is_count(total) or (entries != total if complete else entries > total):
                raise malformed_error(endpoint, f"{entries} entries, total {total!r}")
            if complete:
                return
            page = self._request(
                endpoint, functools.partial(self._spotipy.next, page), read=True, check=_is_page
            )

    # -- reads --------------------------------------------------------------------------------

    def current_user(self) -> dict[str, Any]:
        """Return the account (`GET /me`: id, display_name, ...)."""
        result: dict[str, Any] = self._request("GET me", self._spotipy.me, read=True)
        return result

    def playlist_listing(self, *, max_in_flight: int = MAX_IN_FLIGHT) -> list[list[Listed]]:
        """Return every entry of `GET /me/playlists`, normalised, page by page: ⌈P/50⌉ requests.

        The pages after the first are read side by side, paced (`core/paging.py`).
        """

        def read(offset: int) -> dict[str, Any]:
            page: dict[str, Any] = self._request(
                PLAYLISTS_ENDPOINT,
                lambda: self._spotipy.current_user_playlists(limit=PAGE_LIMIT, offset=offset),
                read=True,
                check=_is_page,
                paced=True,
            )
            return page

        return read_listing(read, max_in_flight=max_in_flight)

    def playlist(self, playlist_id: str, fields: str | None = None) -> dict[str, Any]:
        """Return a playlist (`GET /playlists/{id}`, optionally only `fields`)."""
        result: dict[str, Any] = self._request(
            "GET playlists/{id}",
            lambda: self._spotipy.playlist(playlist_id, fields=fields),
            read=True,
        )
        return result

    def playlist_items(self, playlist_id: str) -> list[PlaylistItem]:
        """Return every entry of a playlist, in order: ⌈N/50⌉ requests."""
        items: list[PlaylistItem] = []
        for page in self._pages(
            "GET playlists/{id}/items",
            lambda: self._spotipy.playlist_items(playlist_id, limit=ITEMS_PAGE_LIMIT),
        ):
            items.extend(item_from_entry(entry) for entry in page.get("items") or [])
        return items

    def saved_tracks(
        self, *, stop: Callable[[PlaylistItem], bool] | None = None, limit: int | None = None
    ) -> list[PlaylistItem]:
        """Return the liked songs, newest first, read only until `stop(item)` or `limit`.

        The item for which `stop` is true is not included; no further page is requested.
        """
        result: list[PlaylistItem] = []
        for page in self._pages(
            "GET me/tracks",
            lambda: self._spotipy.current_user_saved_tracks(limit=SAVED_TRACKS_PAGE_LIMIT),
        ):
            for entry in page.get("items") or []:
                item = item_from_entry(entry)
                if stop is not None and stop(item):
                    return result
                result.append(item)
                if limit is not None and len(result) >= limit:
                    return result
        return result

    def search_tracks(self, query: str, limit: int = SEARCH_LIMIT_MAX) -> list[dict[str, Any]]:
        """Return the tracks a search finds (`GET /search?type=track`, at most 10 since 2026)."""
        limit = max(1, min(limit, SEARCH_LIMIT_MAX))
        result = self._request(
            "GET search",
            lambda: self._spotipy.search(q=query, limit=limit, type="track"),
            read=True,
        )
        tracks: list[dict[str, Any]] = [
            track for track in ((result or {}).get("tracks") or {}).get("items") or [] if track
        ]
        return tracks

    # -- writes (never retried) ---------------------------------------------------------------

    def create_playlist(self, name: str, *, public: bool, description: str = "") -> dict[str, Any]:
        """Create a playlist (`POST /me/playlists`) and return it."""
        result: dict[str, Any] = self._request(
            "POST me/playlists",
            lambda: self._spotipy.current_user_playlist_create(
                name, public=public, collaborative=False, description=description
            ),
            read=False,
        )
        return result

    def add_items(self, playlist_id: str, uris: Sequence[str], position: int | None = None) -> str:
        """Add at most 100 URIs (`POST /playlists/{id}/items`) at the end, or at `position`.

        Returns the new snapshot id.
        """
        _check_chunk(uris)
        result = self._request(
            "POST playlists/{id}/items",
            lambda: self._spotipy.playlist_add_items(playlist_id, list(uris), position=position),
            read=False,
        )
        return str((result or {}).get("snapshot_id", ""))

    def replace_items(self, playlist_id: str, uris: Sequence[str]) -> str:
        """Replace the items by at most 100 URIs (`PUT`; none empties it); return the snapshot id."""
        _check_chunk(uris, empty=True)
        result = self._request(
            "PUT playlists/{id}/items",
            lambda: self._spotipy.playlist_replace_items(playlist_id, list(uris)),
            read=False,
        )
        return str((result or {}).get("snapshot_id", ""))

    def remove_items(
        self, playlist_id: str, uris: Sequence[str], snapshot_id: str | None = None
    ) -> str:
        """Remove every occurrence of at most 100 URIs (`DELETE`); return the new snapshot id.

        `snapshot_id`: the playlist's snapshot the removal is meant for (sent along, as the API
        documents; Spotify applies the removal to the current contents).
        """
        _check_chunk(uris)
        result = self._request(
            "DELETE playlists/{id}/items",
            lambda: self._spotipy.playlist_remove_all_occurrences_of_items(
                playlist_id, list(uris), snapshot_id=snapshot_id or None
            ),
            read=False,
        )
        return str((result or {}).get("snapshot_id", ""))


class SpotifyRunner(Protocol):
    """Runs `job(client)` in an executor thread with a valid token, from the event loop.

    A 401 refreshes the token once and runs the job again; other failures raise the core's
    `SpotifyError` subclasses. A sync run's runner counts the calls of that run.
    """

    def __call__[T](self, job: Callable[[SpotifyClient], T]) -> Awaitable[T]:
        """Run the job and return its result."""
        ...


def _is_page(answer: Any) -> bool:
    """Return whether an answer is a paging object with an `items` list."""
    return isinstance(answer, Mapping) and isinstance(answer.get("items"), list)


def _check_chunk(uris: Sequence[str], *, empty: bool = False) -> None:
    if not (0 if empty else 1) <= len(uris) <= WRITE_CHUNK:
        raise ValueError(f"between 1 and {WRITE_CHUNK} URIs per request, got {len(uris)}")


def chunked(items: Sequence[str], size: int = WRITE_CHUNK) -> Iterator[list[str]]:
    """Return consecutive slices of at most `size` items."""
    for start in range(0, len(items), size):
        yield list(items[start : start + size])
