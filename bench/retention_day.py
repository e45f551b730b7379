"""Section 2d: a simulated day with a retention sync — its calls against the floor.

The account: `Library.generate` with P - 2 playlists, plus "Rolling 30 days": 150 tracks added
over the 45 days before the day starts (oldest first), two of them in it twice — an old entry
that ages out during the day and a recent one that must stay at its place. The user adds 1-3
tracks to it about six times a day (waking hours six times as likely). A retention sync
(`max_age_days: 30`, archive "Rolling archive") runs every 30 simulated minutes, after the
cache's refresh (interval 30 min), through the integration's own `PlaylistDirectory` and
`AccountSyncs`, as in section 2. A warm-up run (uncounted) prunes what was due before the day
and creates the archive. About one entry in 45 days ages out per day and playlist size: a few
runs of the day have something to remove, the others must find nothing and cost nothing.

The floor, per run, from the emulator's change log and state (ground truth):
- a read of the playlist (⌈N/50⌉) when someone other than the sync changed it since the last
  run: no design knows what it holds otherwise;
- when entries are due: ⌈new/100⌉ POSTs into the archive (the due tracks it lacks), ⌈URIs/100⌉
  DELETEs, and the POSTs that put back an entry that stays with a URI that went (Spotify's DELETE
  removes every occurrence) — the plan `core/playlist_edit.py` makes from the true contents.
Versions: a run that removes keeps a version first; when the run did not read the playlist
anyway (nobody changed it), that version needs the read. Those reads are the playlist history's
cost, counted apart (as in 2c).
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
import math
import random
from typing import Any, Final

from custom_components.spotifreak.core.account_syncs import AccountSyncs
from custom_components.spotifreak.core.playlist_edit import plan_keep
from custom_components.spotifreak.core.retention import prune_keep
from custom_components.spotifreak.core.retention_options import RetentionOptions
from tests.emulator import Library
from tests.emulator.library import iso

from .emulator_host import EmulatorHost
from .glue import Runner, Schedule, SimClock
from .world import NIGHT_WEIGHT, T0, TICK, _poisson

ROLLING: Final = "Rolling 30 days"
ARCHIVE: Final = "Rolling archive"
SIZE: Final = 150
SPAN_DAYS: Final = 45
ADDS_PER_DAY: Final = 6
SYNC_ID: Final = "retention_rolling"
OPTIONS: Final[dict[str, Any]] = {"playlist": ROLLING, "max_age_days": 30, "archive": ARCHIVE}


def _library(seed: int, playlists: int, hours: float) -> tuple[Library, list[str]]:
    """The account at the start, and the tracks the user may add during the day."""
    lib = Library.generate(seed=seed, playlists=max(10, playlists - 2), liked=50, catalogue=800)
    rng = random.Random(f"{seed}:retention")
    tracks = sorted(uri for uri, t in lib.tracks.items() if not t.is_local and t.is_playable)
    chosen = rng.sample(tracks, SIZE)
    ages = sorted((rng.random() * SPAN_DAYS for _ in chosen), reverse=True)
    # two tracks twice: the old entry ages out during the day, the recent one stays
    crossing = [i for i, age in enumerate(ages) if 30 - hours / 24 < age < 30][:2]
    entries = [(uri, age) for uri, age in zip(chosen, ages, strict=True)]
    entries += [(chosen[i], 1 + k) for k, i in enumerate(crossing)]
    entries.sort(key=lambda entry: -entry[1])
    playlist = lib.create_playlist(ROLLING, public=False, items=[uri for uri, _ in entries])
    for entry, (_uri, age) in zip(playlist.entries, entries, strict=True):
        entry.added_at = iso(T0 - timedelta(days=age))
    playlist.bump()
    spare = [uri for uri in tracks if uri not in set(chosen)]
    return lib, spare


def _plan_adds(seed: int, hours: float) -> list[tuple[Any, int]]:
    """When the user adds tracks (and how many), in time order; the same for the same seed."""
    rng = random.Random(f"{seed}:retention-adds")
    adds = []
    for _ in range(_poisson(rng, ADDS_PER_DAY * hours / 24)):
        while True:
            at = T0 + timedelta(seconds=rng.random() * hours * 3600)
            if at.hour >= 7 or rng.random() < NIGHT_WEIGHT:
                break
        adds.append((at, rng.randint(1, 3)))
    return sorted(adds)


def _floor(lib: Library, playlist_id: str, archive_id: str | None, now: Any) -> dict[str, int]:
    """The writes the true contents require now (call on the emulator's thread)."""
    entries = [(e.uri, e.added_at) for e in lib.playlists[playlist_id].entries]
    keep = prune_keep(entries, RetentionOptions.from_dict(OPTIONS), now)
    plan = plan_keep([uri for uri, _ in entries], keep)
    if not plan.changed:
        return {"due": 0, "writes": 0}
    held = set(lib.playlists[archive_id].uris) if archive_id else set()
    new = [uri for uri in dict.fromkeys(plan.removed) if uri not in held]
    writes = math.ceil(len(new) / 100) + math.ceil(len(plan.deletes) / 100) + len(plan.inserts)
    return {"due": len(plan.removed), "writes": writes}


async def run_retention_day(
    seed: int, playlists: int, hours: float, latency: float
) -> dict[str, Any]:
    """The day with one retention sync; its calls, the floor and the history's share."""
    lib, spare = _library(seed, playlists, hours)
    adds = _plan_adds(seed, hours)
    clock = SimClock(T0 - TICK)
    floor: Counter[str] = Counter()
    calls: Counter[str] = Counter()
    statuses: Counter[str] = Counter()
    with EmulatorHost(lib, latency=latency) as host:
        client = host.client()
        cache = Schedule(client, clock, lib.user_id, interval=TICK)
        syncs = AccountSyncs(client, cache.directory, bind=Runner, now=clock)
        history = syncs.playlist_history
        rolling = next(p.id for p in lib.me_playlists if p is not None and p.name == ROLLING)
        await cache.refresh()
        await syncs.run("playlist_retention", OPTIONS, SYNC_ID)  # the warm-up
        marks = (cache.refresh_calls, history.snapshots[SYNC_ID], history.snapshot_calls[SYNC_ID])
        seen = host.call(lambda: len(lib.changes))
        for tick in range(int(hours * 3600 // TICK.total_seconds())):
            clock.now = T0 + tick * TICK
            while adds and adds[0][0] <= clock.now:
                at, count = adds.pop(0)
                fresh, spare = spare[:count], spare[count:]
                host.call(lambda f=fresh, a=at: lib.add_items(rolling, f, added_at=iso(a)))
            if cache.due():
                await cache.refresh()
            changes = host.call(lambda s=seen: lib.changes[s:])
            touched = any(c.playlist_id == rolling and c.source != "api" for c in changes)
            archive = next((p.id for p in lib.me_playlists if p and p.name == ARCHIVE), None)
            due = host.call(lambda a=archive, n=clock.now: _floor(lib, rolling, a, n))
            size = host.call(lambda: len(lib.playlists[rolling].entries))
            floor["reads"] += math.ceil(size / 50) if touched else 0
            floor["writes"] += due["writes"]
            floor["due"] += due["due"]
            floor["version_reads"] += math.ceil(size / 50) if due["due"] and not touched else 0
            record = await syncs.run("playlist_retention", OPTIONS, SYNC_ID)
            calls["retention"] += record.api_calls
            calls["removed"] += record.removed
            statuses[str(record.status)] += 1
            seen = host.call(lambda: len(lib.changes))
        final = host.call(lambda n=clock.now: _floor(lib, rolling, None, n))
    return {
        "hours": hours,
        "runs": sum(statuses.values()),
        "statuses": dict(sorted(statuses.items())),
        "calls": calls["retention"],
        "removed": calls["removed"],
        "floor": {
            "reads": floor["reads"],
            "writes": floor["writes"],
            "total": floor["reads"] + floor["writes"],
        },
        "due": floor["due"],
        "version_reads_expected": floor["version_reads"],
        "versions": history.snapshots[SYNC_ID] - marks[1],
        "version_calls": history.snapshot_calls[SYNC_ID] - marks[2],
        "refresh_calls": cache.refresh_calls - marks[0],
        "left_due": final["due"],
    }
