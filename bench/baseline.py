"""The listing as the integration ran it before issue 16, kept as the benchmark's "before".

One page after the other, following each page's `next` link (`SpotifyClient._pages`, which the
integration still uses for a playlist's tracks and the liked songs, with the same completeness
check), every raw entry held until the last page, then normalised at once. The same ⌈P/50⌉
requests as the integration's listing (`core/paging.py`), which reads the pages after the first
side by side and normalises each as it arrives.
"""

from __future__ import annotations

from collections.abc import Iterator
import contextlib
from typing import Any

from custom_components.spotifreak.core.cache import Listed, listed
from custom_components.spotifreak.core.paging import ENDPOINT, PAGE_LIMIT
from custom_components.spotifreak.core.spotify import SpotifyClient


def raw_entries(client: SpotifyClient) -> list[Any]:
    """Every raw entry of `GET /me/playlists`, read one page after the other, as before."""
    entries: list[Any] = []
    for page in client._pages(
        ENDPOINT,
        lambda: client._spotipy.current_user_playlists(limit=PAGE_LIMIT, offset=0),
    ):
        entries.extend(page["items"])
    return entries


def sequential_listing(client: SpotifyClient) -> list[list[Listed]]:
    """The listing as before: every raw entry held, then normalised at once."""
    return [[listed(entry) for entry in raw_entries(client)]]


@contextlib.contextmanager
def listing_as_before() -> Iterator[list[int]]:
    """Make every refresh list as before (the integration's code otherwise unchanged); the
    yielded list counts the listings that went this way."""
    used: list[int] = []
    original = SpotifyClient.playlist_listing

    def listing(client: SpotifyClient, **_kwargs: Any) -> list[list[Listed]]:
        used.append(1)
        return sequential_listing(client)

    SpotifyClient.playlist_listing = listing  # type: ignore[method-assign, assignment]
    try:
        yield used
    finally:
        SpotifyClient.playlist_listing = original  # type: ignore[method-assign]
