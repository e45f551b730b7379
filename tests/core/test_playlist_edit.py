"""The in-place edit planner (`core/playlist_edit.py`), applied the way Spotify applies writes:
a DELETE removes every occurrence of its URIs, a POST inserts at its position."""

from __future__ import annotations

import random

import pytest

from custom_components.spotifreak.core.playlist_edit import (
    EditPlan,
    align,
    plan_edit,
    plan_keep,
)

LOCAL = "spotify:local:Home+Band:Tape:Kitchen+Song:200"


def apply(before: list[str | None], plan: EditPlan) -> list[str | None]:
    """What the playlist holds after the plan's writes, as Spotify would carry them out."""
    entries = list(before)
    for uri in plan.deletes:
        entries = [entry for entry in entries if entry is None or entry != uri]
    for insert in plan.inserts:
        assert 0 <= insert.position <= len(entries)
        assert 1 <= len(insert.uris) <= 100
        entries[insert.position : insert.position] = insert.uris
    return entries


def test_an_old_occurrence_goes_and_the_newer_one_is_put_back_in_place() -> None:
    before: list[str | None] = ["a", "b", "a", "c", None, LOCAL]
    plan = plan_keep(before, [False, True, True, True, True, True])
    assert plan.deletes == ("a",)
    assert [(i.position, i.uris, i.new) for i in plan.inserts] == [(1, ("a",), ())]
    assert (plan.removed, plan.added, plan.put_back) == (("a",), (), 1)
    assert apply(before, plan) == ["b", "a", "c", None, LOCAL]


def test_appends_are_only_inserted_and_long_runs_are_chunked() -> None:
    before: list[str | None] = [f"t{i}" for i in range(5)]
    wanted = [f"t{i}" for i in range(5)] + [f"n{i}" for i in range(230)]
    plan = plan_edit(before, align(before, wanted))
    assert plan.deletes == ()
    assert [(i.position, len(i.uris)) for i in plan.inserts] == [(5, 100), (105, 100), (205, 30)]
    assert len(plan.added) == 230
    assert apply(before, plan) == wanted


def test_what_cannot_be_put_back_is_never_removed() -> None:
    with pytest.raises(ValueError, match="cannot be put back"):
        plan_keep([LOCAL, "a"], [False, True])
    with pytest.raises(ValueError, match="in increasing order"):
        plan_edit(["a", "b"], [1, 0])  # out of order
    assert align([LOCAL, "x", None], ["a"]) == [0, 2, "a"]


@pytest.mark.parametrize("seed", range(20))
def test_every_plan_ends_where_it_says(seed: int) -> None:
    """Random playlists, duplicates, unavailable entries and local files: exact copies and
    removals both end with exactly the entries planned, keeping as much as they can."""
    rng = random.Random(seed)
    for _ in range(100):
        pool: list[str | None] = [f"t{i}" for i in range(rng.randint(1, 12))]
        before = [rng.choice([*pool, None, LOCAL]) for _ in range(rng.randint(0, 30))]
        wanted = [str(rng.choice(pool)) for _ in range(rng.randint(0, 25))]
        plan = plan_edit(before, align(before, wanted))
        after = apply(before, plan)
        assert after == list(plan.after)
        assert [uri for uri in after if uri not in (None, LOCAL)] == wanted
        keep = [rng.random() < 0.6 or uri in (None, LOCAL) for uri in before]
        kept = plan_keep(before, keep)
        assert apply(before, kept) == [uri for uri, k in zip(before, keep, strict=True) if k]
