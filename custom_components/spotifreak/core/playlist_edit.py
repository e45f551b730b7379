"""Editing a playlist in place: from what it holds to what it must hold, in few writes.

Spotify's API cannot remove "the entry at position i": `DELETE /playlists/{id}/items` removes every
occurrence of each URI it names, and `POST` adds URIs at a position. So an edit is planned as
- the URIs to delete: each URI one of whose entries goes (one DELETE per 100 URIs);
- then the insertions, in the order of their final positions: the entries that stay but share
  their URI with one that went (put back where they were; Spotify stamps them with the time of
  the write, so their `added_at` becomes the time of the run), and new entries (an exact
  mirror's). Each run of consecutive final positions is one POST of at most 100 URIs.
Inserting in the order of final positions is what makes every position right: when a run goes
in, everything before it is already in place and everything after it is still in order.

Entries that no write could put back are never removed (`removable`): local files (Spotify
refuses to add them by URI) and unavailable entries (the API shows them without a URI, so no
DELETE can name them). The rules that remove (retention, duplicates, an exact mirror) keep them.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

from .history import LOCAL_PREFIX
from .spotify import WRITE_CHUNK

type Entries = Sequence[str | None]  # a playlist's URIs in order; None: an unavailable entry
type Step = int | str  # in a plan's `after`: the index of an entry of `before` kept, or a new URI


def removable(uri: str | None) -> bool:
    """Return whether an entry can be removed and put back by URI (not a local or unknown one)."""
    return uri is not None and not uri.startswith(LOCAL_PREFIX)


@dataclass(frozen=True, slots=True)
class Insert:
    """One POST: `uris` at `position`; `new` of them were not in the playlist before."""

    position: int
    uris: tuple[str, ...]
    new: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class EditPlan:
    """The writes that turn `before` into `after`, and what they change."""

    before: tuple[str | None, ...]
    after: tuple[str | None, ...]
    deletes: tuple[str, ...]  # URIs whose every occurrence is deleted
    inserts: tuple[Insert, ...]  # in order
    removed: tuple[str, ...]  # entries that go for good (in the order they stood)
    added: tuple[str, ...]  # entries that are new (in the order they stand)

    @property
    def changed(self) -> bool:
        """Return whether anything is written."""
        return bool(self.deletes or self.inserts)

    @property
    def put_back(self) -> int:
        """Return how many entries are deleted with a URI that went and put back at their place."""
        return sum(len(insert.uris) - len(insert.new) for insert in self.inserts)


def plan_edit(before: Entries, after: Sequence[Step]) -> EditPlan:
    """Plan the writes that turn `before` into `after` (see the module docstring).

    `after` names each final entry: an int keeps the entry of `before` at that index (kept
    indices in increasing order), a string is a new URI. An entry left out is removed; it must
    be `removable` (`ValueError` otherwise, as for indices out of order).
    """
    kept = [step for step in after if isinstance(step, int)]
    if any(b <= a for a, b in pairwise(kept)) or (
        kept and not 0 <= kept[0] <= kept[-1] < len(before)
    ):
        raise ValueError("kept entries must be indices of `before`, in increasing order")
    keep = set(kept)
    gone = [index for index in range(len(before)) if index not in keep]
    if not all(removable(before[index]) for index in gone):
        raise ValueError("an entry that cannot be put back would be removed")
    deletes = tuple(dict.fromkeys(str(before[index]) for index in gone))
    deleted = set(deletes)
    final = [before[step] if isinstance(step, int) else step for step in after]
    removed = Counter(uri for uri in before if uri) - Counter(uri for uri in final if uri)
    added = Counter(uri for uri in final if uri) - Counter(uri for uri in before if uri)
    new = Counter(added)  # what an insert brings that the playlist did not hold (not a move)
    inserts: list[Insert] = []
    run: list[int] = []  # consecutive final positions to insert
    for position, step in enumerate([*after, None]):
        present = isinstance(step, int) and before[step] not in deleted
        if step is not None and not present:
            run.append(position)
            continue
        if run:
            inserts.extend(_inserts(run[0], [str(final[p]) for p in run], new))
            run = []
    return EditPlan(
        before=tuple(before),
        after=tuple(final),
        deletes=deletes,
        inserts=tuple(inserts),
        removed=tuple(_take(before, removed)),
        added=tuple(_take(final, added)),
    )


def _inserts(start: int, uris: list[str], new: Counter[str]) -> list[Insert]:
    """Return the POSTs of one run of consecutive positions from `start`, 100 at most each.

    Takes from `new` the URIs that are new to the playlist (the others were there: put back).
    """
    inserts = []
    for offset in range(0, len(uris), WRITE_CHUNK):
        chunk = tuple(uris[offset : offset + WRITE_CHUNK])
        fresh = []
        for uri in chunk:
            if new[uri] > 0:
                new[uri] -= 1
                fresh.append(uri)
        inserts.append(Insert(start + offset, chunk, tuple(fresh)))
    return inserts


def _take(entries: Sequence[str | None], counts: Counter[str]) -> list[str]:
    """Return, in order, the entries a multiset names (each URI as often as it counts)."""
    left = Counter(counts)
    taken = []
    for uri in entries:
        if uri and left[uri] > 0:
            left[uri] -= 1
            taken.append(uri)
    return taken


def plan_keep(before: Entries, keep: Sequence[bool]) -> EditPlan:
    """Plan the removal of the entries whose `keep` is False; the others stay in order."""
    return plan_edit(before, [index for index, kept in enumerate(keep) if kept])


def align(before: Entries, wanted: Sequence[str]) -> list[Step]:
    """Return the steps that make `before` hold `wanted` in order, keeping as much as possible.

    The entries kept are a longest common subsequence of `before` and `wanted` (Hunt-Szymanski:
    a longest increasing run of the matching positions), so an edit deletes and inserts as little
    as it can: appended tracks are only inserted, a moved one is deleted and inserted. Entries
    that are not `removable` stay where they stand among the kept ones.
    """
    where: dict[str, list[int]] = {}
    for position, wanted_uri in enumerate(wanted):
        where.setdefault(wanted_uri, []).append(position)
    tails: list[int] = []  # smallest end (position in wanted) of a common run of each length
    ends: list[int] = []  # the node ending it
    nodes: list[tuple[int, int, int]] = []  # (index in before, position in wanted, previous node)
    for index, uri in enumerate(before):
        if not removable(uri):
            continue
        for position in reversed(where.get(str(uri), ())):
            length = bisect_left(tails, position)
            nodes.append((index, position, ends[length - 1] if length else -1))
            if length == len(tails):
                tails.append(position)
                ends.append(len(nodes) - 1)
            else:
                tails[length], ends[length] = position, len(nodes) - 1
    matched: dict[int, int] = {}  # index in before → position in wanted
    node = ends[-1] if ends else -1
    while node >= 0:
        index, position, node = nodes[node]
        matched[index] = position
    steps: list[Step] = []
    next_wanted = 0
    for index, uri in enumerate(before):
        if not removable(uri):
            steps.append(index)
        elif index in matched:
            steps.extend(wanted[next_wanted : matched[index]])
            steps.append(index)
            next_wanted = matched[index] + 1
    steps.extend(wanted[next_wanted:])
    return steps
