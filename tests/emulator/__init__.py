"""An emulator of the Spotify Web API, the Spotify accounts service and Last.fm, for tests,
benchmarks and demos. See README.md in this directory."""

from .accounts import DEFAULT_SCOPE
from .faults import Fault, RequestRecord
from .library import (
    LASTFM_API_KEY,
    LASTFM_SUSPENDED_API_KEY,
    PERIODS,
    Album,
    Artist,
    ChangeRecord,
    Episode,
    Image,
    LastfmTrack,
    LastfmUser,
    Library,
    LibraryError,
    Playlist,
    PlaylistEntry,
    SavedTrack,
    Track,
    User,
)
from .server import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, Emulator

__all__ = [
    "DEFAULT_CLIENT_ID",
    "DEFAULT_CLIENT_SECRET",
    "DEFAULT_SCOPE",
    "LASTFM_API_KEY",
    "LASTFM_SUSPENDED_API_KEY",
    "PERIODS",
    "Album",
    "Artist",
    "ChangeRecord",
    "Emulator",
    "Episode",
    "Fault",
    "Image",
    "LastfmTrack",
    "LastfmUser",
    "Library",
    "LibraryError",
    "Playlist",
    "PlaylistEntry",
    "RequestRecord",
    "SavedTrack",
    "Track",
    "User",
]
