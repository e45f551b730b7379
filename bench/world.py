"""The simulated account of the day benchmark and its seeded rate of change, and the floor.

The account: `Library.generate` with P - 2 playlists, plus two source playlists the user keeps
editing ("Discoveries", 180 tracks; "Friends' Finds", collaborative, 320 tracks), 300 liked
songs, a Last.fm user whose 7-day chart moves. The syncs create their five targets on their
first (warm-up) run, which brings the list to P playlists.

What changes, per simulated day (Poisson counts; user actions weighted to waking hours, 07-24 h,
six times as likely as at night; Last.fm listening likewise):

| change | per day | what |
|---|---|---|
| likes | 20 | one song (85%) or 2-5 songs of one album (15%) |
| un-likes | 1 | one of the 50 newest liked songs |
| "Discoveries" edits | 4 | add 1-3 tracks at the end (70%), remove one (15%), move one (15%) |
| "Friends' Finds" edits | 6 | a friend adds 1-2 tracks (85%), removes one (15%) |
| new playlists | 2 | created at the top of the list with 0-30 tracks |
| other playlist edits | 15 | add 1-3 / remove one / rename, in the user's other playlists |
| Last.fm 7-day chart | 12 | two neighbours in the top 20 swap (65%), a track enters the top 20 (35%) |

The floor — the calls no design can avoid, from the emulator's change log and state, per sync run:
⌈P/50⌉ per cache refresh; the `/me/tracks` pages needed to see the new likes and one known one
(⌈(k+1)/50⌉, i.e. one page); ⌈N/50⌉ for a playlist source that changed since that sync's last run
(a change in the log not made by the syncs); a search per Last.fm track never seen before; and the
writes the changes require (⌈new/100⌉ per target holding fewer than all the new addable tracks, one
`PUT` when the correctly matched Last.fm list differs from the last run's).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
import math
import random
from typing import Any

from tests.emulator import ChangeRecord, Library, PlaylistEntry
from tests.emulator.library import LastfmTrack, iso

T0 = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)  # the day starts here (after the generated history)
TICK = timedelta(minutes=30)
LASTFM_USER = "emulator_fm"
LASTFM_PERIOD = "7day"
LASTFM_LIMIT = 20

SOURCE_A = "Discoveries"
SOURCE_B = "Friends' Finds"
TARGET_LIKED = "Liked Songs Backup"
TARGET_A = "Discoveries Mirror"
TARGET_B1 = "Friends' Finds Backup"
TARGET_B2 = "Everything New"
TARGET_LASTFM = "My Top 20 This Week"
SOURCE_SIZES = {SOURCE_A: 180, SOURCE_B: 320}
EXTRA_PLAYLISTS = 2 + 5  # the sources, then the targets the warm-up creates

MIRRORS: dict[str, dict[str, Any]] = {
    "mirror_liked": {"source": "liked_songs", "targets": [TARGET_LIKED]},
    "mirror_discoveries": {"source": SOURCE_A, "targets": [TARGET_A]},
    "mirror_friends": {"source": SOURCE_B, "targets": [TARGET_B1, TARGET_B2]},
}
LASTFM_SYNC = "lastfm_top20"
LASTFM_OPTIONS: dict[str, Any] = {
    "playlist": TARGET_LASTFM,
    "username": LASTFM_USER,
    "period": LASTFM_PERIOD,
    "limit": LASTFM_LIMIT,
    "mode": "replace",
}

# kind → changes per day
RATES: dict[str, float] = {
    "like": 20,
    "unlike": 1,
    "edit_discoveries": 4,
    "edit_friends": 6,
    "new_playlist": 2,
    "edit_other": 15,
    "lastfm_churn": 12,
}
NIGHT_WEIGHT = 1 / 6


def build_library(seed: int, playlists: int) -> Library:
    """The account at the start (before the warm-up created the targets)."""
    lib = Library.generate(
        seed=seed, playlists=max(10, playlists - EXTRA_PLAYLISTS), liked=300, catalogue=1500
    )
    rng = random.Random(f"{seed}:world")
    tracks = sorted(uri for uri, track in lib.tracks.items() if not track.is_local)
    for name, size in SOURCE_SIZES.items():
        lib.create_playlist(
            name,
            public=False,
            collaborative=name == SOURCE_B,
            items=rng.sample(tracks, size),
            position=rng.randint(len(lib.me_playlists) // 4, len(lib.me_playlists)),
        )
    return lib


@dataclass(frozen=True, slots=True)
class Change:
    """One change of the plan: applied at `at`, details drawn from its own seed."""

    at: datetime
    kind: str
    seed: int


def _poisson(rng: random.Random, mean: float) -> int:
    limit, count, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


def plan_changes(seed: int, start: datetime, hours: float) -> list[Change]:
    """Every change in [start, start + hours), in time order; the same for the same seed."""
    rng = random.Random(f"{seed}:changes")
    changes: list[Change] = []
    span = hours * 3600
    for kind, per_day in RATES.items():
        for _ in range(_poisson(rng, per_day * hours / 24)):
            while True:  # waking hours are six times as busy as the night
                at = start + timedelta(seconds=rng.random() * span)
                if at.hour >= 7 or rng.random() < NIGHT_WEIGHT:
                    break
            changes.append(Change(at, kind, rng.getrandbits(32)))
    changes.sort(key=lambda change: (change.at, change.kind))
    return changes


class World:
    """Applies the plan to a library (call on the emulator's thread) and computes the floor."""

    def __init__(self, lib: Library, seed: int) -> None:
        self.lib = lib
        self.tracks = sorted(uri for uri, track in lib.tracks.items() if not track.is_local)
        # what a mirror can add: catalogue tracks that play (unplayable ones are skipped)
        self.playable = frozenset(
            uri for uri, track in lib.tracks.items() if not track.is_local and track.is_playable
        )
        self.sources = {name: self._named(name) for name in SOURCE_SIZES}
        # the user edits other playlists by hand, never the sources' mirrors (targets)
        skip = set(self.sources.values())
        targets = {TARGET_LIKED, TARGET_A, TARGET_B1, TARGET_B2, TARGET_LASTFM}
        self.others = [
            playlist.id
            for playlist in lib.me_playlists
            if playlist is not None
            and playlist.owner_id == lib.user_id
            and playlist.id not in skip
            and playlist.name not in targets
        ]
        user = lib.lastfm[LASTFM_USER]
        seen: dict[tuple[str, str], LastfmTrack] = {}
        for period in sorted(user.top_tracks):
            for track in user.top_tracks[period]:
                seen.setdefault((track.artist, track.name), track)
        self.lastfm_pool = [seen[key] for key in sorted(seen)]
        self.seed = seed
        self.not_friends = {lib.user_id, "spotify"}
        self.applied: dict[str, int] = {}

    def _named(self, name: str) -> str:
        for playlist in self.lib.me_playlists:
            if playlist is not None and playlist.name == name:
                return playlist.id
        raise KeyError(name)

    def target_id(self, name: str) -> str | None:
        """The account's playlist of that name (a target), if it exists yet."""
        try:
            return self._named(name)
        except KeyError:
            return None

    # -- changes ------------------------------------------------------------------------------

    def apply(self, change: Change) -> None:
        rng = random.Random(change.seed)
        handler: Callable[[random.Random, datetime], None] = getattr(self, f"_{change.kind}")
        handler(rng, change.at)
        self.applied[change.kind] = self.applied.get(change.kind, 0) + 1

    def _like(self, rng: random.Random, at: datetime) -> None:
        liked = {saved.uri for saved in self.lib.liked}
        count = rng.randint(2, 5) if rng.random() < 0.15 else 1
        fresh = [uri for uri in rng.sample(self.tracks, count + 10) if uri not in liked][:count]
        self.lib.add_liked(fresh, added_at=iso(at))

    def _unlike(self, rng: random.Random, at: datetime) -> None:
        recent = [saved.uri for saved in self.lib.liked[:50]]
        if recent:
            self.lib.remove_liked([rng.choice(recent)])

    def _edit_discoveries(self, rng: random.Random, at: datetime) -> None:
        self._edit_source(self.sources[SOURCE_A], rng, at, add=0.70, remove=0.15, added_by=None)

    def _edit_friends(self, rng: random.Random, at: datetime) -> None:
        friend = rng.choice(sorted(uid for uid in self.lib.users if uid not in self.not_friends))
        self._edit_source(self.sources[SOURCE_B], rng, at, add=0.85, remove=0.15, added_by=friend)

    def _edit_source(
        self,
        playlist_id: str,
        rng: random.Random,
        at: datetime,
        *,
        add: float,
        remove: float,
        added_by: str | None,
    ) -> None:
        playlist = self.lib.playlists[playlist_id]
        roll = rng.random()
        if roll < add or not playlist.entries:
            present = set(playlist.uris)
            count = rng.randint(1, 3 if added_by is None else 2)
            fresh = [uri for uri in rng.sample(self.tracks, count + 10) if uri not in present]
            self.lib.add_items(playlist_id, fresh[:count], added_by=added_by, added_at=iso(at))
        elif roll < add + remove:
            victim = rng.choice([e.uri for e in playlist.entries if e.uri is not None])
            self.lib.remove_items(playlist_id, [victim])
        else:
            size = len(playlist.entries)
            self.lib.reorder_items(playlist_id, rng.randrange(size), rng.randrange(size + 1))

    def _new_playlist(self, rng: random.Random, at: datetime) -> None:
        name = f"New Playlist {at:%H%M} #{rng.randint(1, 99)}"
        self.lib.create_playlist(
            name, public=rng.random() < 0.5, items=rng.sample(self.tracks, rng.randint(0, 30))
        )

    def _edit_other(self, rng: random.Random, at: datetime) -> None:
        playlist_id = rng.choice(self.others)
        playlist = self.lib.playlists[playlist_id]
        roll = rng.random()
        if roll < 0.6 or not playlist.entries:
            self.lib.add_items(
                playlist_id, rng.sample(self.tracks, rng.randint(1, 3)), added_at=iso(at)
            )
        elif roll < 0.9:
            victim = [e.uri for e in playlist.entries if e.uri is not None]
            if victim:
                self.lib.remove_items(playlist_id, [rng.choice(victim)])
        else:
            self.lib.rename_playlist(playlist_id, f"{playlist.name} ({at:%b})")

    def _lastfm_churn(self, rng: random.Random, at: datetime) -> None:
        user = self.lib.lastfm[LASTFM_USER]
        chart = list(user.top_tracks[LASTFM_PERIOD])
        if rng.random() < 0.65 and len(chart) >= 2:
            index = rng.randrange(min(LASTFM_LIMIT, len(chart)) - 1)
            chart[index], chart[index + 1] = chart[index + 1], chart[index]
        else:
            present = {(track.artist, track.name) for track in chart}
            candidates = [t for t in self.lastfm_pool if (t.artist, t.name) not in present]
            if candidates:
                chart.insert(rng.randint(5, LASTFM_LIMIT - 1), rng.choice(candidates))
                del chart[30:]
        user.top_tracks[LASTFM_PERIOD] = chart

    # -- observation (for the floor) ----------------------------------------------------------

    def observe(self) -> Observation:
        """What the floor needs of the account right now."""
        lib = self.lib
        targets: dict[str, set[str]] = {}
        for name in (TARGET_LIKED, TARGET_A, TARGET_B1, TARGET_B2):
            found = self.target_id(name)
            targets[name] = set(lib.playlists[found].uris) if found else set()
        chart = lib.lastfm[LASTFM_USER].top_tracks[LASTFM_PERIOD][:LASTFM_LIMIT]
        return Observation(
            change_index=len(lib.changes),
            listed=len(lib.me_playlists),
            liked=[saved.uri for saved in lib.liked],
            sources={name: list(lib.playlists[pid].entries) for name, pid in self.sources.items()},
            source_ids=dict(self.sources),
            targets=targets,
            chart=[(track.artist, track.name, track.expected_uri) for track in chart],
            playable=self.playable,
        )


@dataclass(slots=True)
class Observation:
    """The account at one sync tick."""

    change_index: int
    listed: int
    liked: list[str]
    sources: dict[str, list[PlaylistEntry]]
    source_ids: dict[str, str]
    targets: dict[str, set[str]]
    chart: list[tuple[str, str, str | None]]
    playable: frozenset[str]


@dataclass(slots=True)
class Floor:
    """The unavoidable calls, by kind, accumulated over the day."""

    refresh: int = 0
    liked_pages: int = 0
    source_pages: int = 0
    searches: int = 0
    writes: int = 0
    lastfm_seen: set[tuple[str, str]] = field(default_factory=set)
    lastfm_previous: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.refresh + self.liked_pages + self.source_pages + self.searches + self.writes

    def as_dict(self) -> dict[str, int]:
        return {
            "refresh_pages": self.refresh,
            "liked_pages": self.liked_pages,
            "source_pages": self.source_pages,
            "searches": self.searches,
            "writes": self.writes,
            "total": self.total,
        }

    def add_refresh(self, listed: int) -> None:
        self.refresh += max(1, math.ceil(listed / 50))

    def add_lastfm(self, now: Observation, *, count: bool) -> None:
        """One Last.fm run: searches for unseen tracks, a PUT when the right list changed."""
        new = {(artist, title) for artist, title, _ in now.chart} - self.lastfm_seen
        self.lastfm_seen |= new
        wanted = list(dict.fromkeys(uri for _, _, uri in now.chart if uri))
        changed = bool(wanted) and wanted != self.lastfm_previous
        self.lastfm_previous = wanted
        if count:
            self.searches += len(new)
            self.writes += math.ceil(len(wanted) / 100) if changed else 0

    def add_mirrors(
        self, before: Observation, now: Observation, changes: list[ChangeRecord]
    ) -> None:
        """The three mirror runs of one tick, from the change log since the previous tick."""
        liked_before = set(before.liked)
        new_likes = [uri for uri in now.liked if uri not in liked_before]
        self.liked_pages += max(1, math.ceil((len(new_likes) + 1) / 50))
        missing = [
            uri for uri in new_likes if uri in now.playable and uri not in now.targets[TARGET_LIKED]
        ]
        self.writes += math.ceil(len(missing) / 100)
        for source, targets in ((SOURCE_A, (TARGET_A,)), (SOURCE_B, (TARGET_B1, TARGET_B2))):
            source_id = now.source_ids[source]
            changed = any(
                record.playlist_id == source_id and record.source != "api" for record in changes
            )
            if not changed:
                continue
            entries = now.sources[source]
            self.source_pages += max(1, math.ceil(len(entries) / 50))
            addable = {e.uri for e in entries if e.uri in now.playable}
            for target in targets:
                self.writes += math.ceil(len(addable - now.targets[target]) / 100)
