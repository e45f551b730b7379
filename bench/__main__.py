"""`python -m bench` (what `scripts/bench` runs): every section, the table, the JSON file.

Exit status 1 when a hard target is missed (refresh calls ≠ ⌈P/50⌉, start-up calls ≠ 0); every
other target (timings, the day's ratios, stalls) is reported, with by how much it was missed, but
does not fail the run.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
import logging
import os
from pathlib import Path
import platform
import sys
import time
from typing import Any

from homeassistant import const as ha_const

from .day import DayConfig, run_day
from .refresh import RefreshConfig, run_refresh
from .report import Report, Table, ms, percent_over, ratio, secs
from .resolve import ResolveConfig, run_resolve
from .startup import HaConfig, run_home_assistant

SECTIONS = ("refresh", "day", "resolve", "ha")
STALL_LIMIT = 0.05
SPEEDUP_TARGET = 3.0
RESOLVE_P99_LIMIT = 0.001
FLOOR_MARGIN = 0.10
NAIVE_FACTOR = 4.0


@dataclass(frozen=True, slots=True)
class Plan:
    """The configuration of every section for one run."""

    refresh: RefreshConfig
    day: DayConfig
    intervals: tuple[timedelta, ...]
    resolve: ResolveConfig
    ha: HaConfig


def make_plan(args: argparse.Namespace) -> Plan:
    latency = args.latency / 1000
    if args.quick:
        return Plan(
            refresh=RefreshConfig(
                sizes=(50, 500),
                latency=latency,
                rate_limit=args.rate_limit,
                repeats_small=1,
                paced=False,
            ),
            day=DayConfig(playlists=120, hours=4, seed=args.seed, latency=latency),
            intervals=(timedelta(minutes=30), timedelta(hours=2)),
            resolve=ResolveConfig(playlists=1000, lookups=2000),
            ha=HaConfig(playlists=1000, latency=latency, mirror_tracks=200),
        )
    return Plan(
        refresh=RefreshConfig(latency=latency, rate_limit=args.rate_limit),
        day=DayConfig(playlists=500, hours=24, seed=args.seed, latency=latency),
        intervals=(timedelta(minutes=30), timedelta(hours=2)),
        resolve=ResolveConfig(),
        ha=HaConfig(latency=latency),
    )


# -- the sections, each adding its table and targets --------------------------------------------


def refresh_section(report: Report, figures: dict[str, Any]) -> None:
    table = Table(
        f"1. Cache refresh — latency {figures['latency_ms']:.0f} ms per request, emulator limit "
        f"{figures['rate_limit']['max_requests']} requests per rolling "
        f"{figures['rate_limit']['window_seconds']} s",
        [
            "playlists",
            "calls (⌈P/50⌉)",
            "lower bound",
            "before: one page at a time",
            "vs bound",
            f"after: {figures['max_in_flight']} in flight, paced",
            "speed-up",
            "429s",
        ],
    )
    for row in figures["rows"]:
        old, new = row["before"], row["after"]
        calls = sorted({*old["calls_all_runs"], *new["calls_all_runs"]})
        table.add(
            f"{row['playlists']:,}",
            f"{'/'.join(map(str, calls))} ({row['expected_calls']})",
            ms(row["lower_bound_seconds"]),
            ms(old["seconds"]),
            ratio(old["seconds"] / row["lower_bound_seconds"]),
            ms(new["seconds"]),
            ratio(row["speedup"]),
            str(old["rate_limited"] + new["rate_limited"]),
        )
        exact = calls == [row["expected_calls"]]
        report.target(
            "refresh",
            f"calls = ⌈P/50⌉ at P={row['playlists']:,}",
            exact,
            f"{calls} vs {row['expected_calls']}",
            hard=True,
        )
    same = all(r["before"]["digest"] == r["after"]["digest"] != "" for r in figures["rows"])
    report.target(
        "refresh",
        "the listing gives the same cache, in the same order, as before",
        same,
        "identical" if same else "differs",
    )
    limited = sum(r["before"]["rate_limited"] + r["after"]["rate_limited"] for r in figures["rows"])
    report.target(
        "refresh",
        "no 429 under the emulator's rolling-window limit",
        limited == 0,
        f"{limited} x 429",
    )
    largest = max(figures["rows"], key=lambda r: r["playlists"])
    if largest["playlists"] >= 10000:
        report.target(
            "refresh",
            f"≥ {SPEEDUP_TARGET:g}x faster than before at {largest['playlists']:,} playlists",
            largest["speedup"] >= SPEEDUP_TARGET,
            f"{largest['speedup']:.2f}x",
        )
    paced = figures.get("paced")
    if paced:
        old, new = paced["before"], paced["after_paced"]
        table.notes.append(
            f"Pacing, {paced['playlists']:,} playlists under {paced['emulator_limit']['max_requests']} "
            f"requests per rolling {paced['emulator_limit']['window_seconds']:.0f} s: before was "
            f"refused after {old['calls']} requests: {old['error']}; the integration's listing, "
            f"paced at {paced['pace']['max_requests']} per "
            f"{paced['pace']['window_seconds']:.0f} s, listed all {new['cached']:,} in "
            f"{new['calls']} requests, {secs(new['seconds'])} (≥ {secs(paced['min_seconds'])} "
            f"the pace allows), {new['rate_limited']} x 429."
        )
        report.target(
            "refresh",
            "paced listing: no 429 under a tight limit",
            new["rate_limited"] == 0 and new["calls"] == paced["expected_calls"],
            f"{new['rate_limited']} x 429, {new['calls']} calls",
        )
    table.notes.append(
        "before = the listing as it was until issue 16 (bench/baseline.py: one page after the "
        "other, raw entries held); after = SpotifyClient.playlist_listing (core/paging.py), what "
        "the directory's refresh runs; both end in PlaylistCache.from_listing. Lower bound = "
        "⌈P/50⌉ x latency."
    )
    report.tables.append(table)


def day_section(report: Report, figures: dict[str, Any]) -> None:
    config = figures["config"]
    naive = figures["naive"]
    table = Table(
        f"2. A simulated day — {config['hours']:g} h, {config['playlists']} playlists, 3 mirrors + "
        "1 Last.fm sync every 30 min",
        [
            "cache interval",
            "Spotifreak",
            "floor",
            "vs floor",
            "naive",
            "naive ÷ Spotifreak",
            "refreshes",
            "left undone",
        ],
    )
    for key, result in figures.items():
        if not key.startswith("spotifreak_"):
            continue
        floor = result["floor"]["total"]
        calls = result["calls"]
        undone = sum(result["outcome"].values())
        table.add(
            f"{result['interval_minutes']} min",
            str(calls),
            str(floor),
            ratio(calls / floor),
            str(naive["calls"]),
            ratio(naive["calls"] / calls),
            f"{result['refreshes']} ({result['refresh_calls']} calls)",
            "nothing" if undone == 0 else f"{undone} tracks",
        )
        if result["interval_minutes"] == 30:
            over = calls / floor - 1
            report.target(
                "day",
                "within 10% of the floor (30 min)",
                over <= FLOOR_MARGIN,
                f"{calls} vs floor {floor} ({percent_over(calls, floor)})",
            )
            factor = naive["calls"] / calls
            report.target(
                "day",
                "≥ 4x fewer calls than naive (30 min)",
                factor >= NAIVE_FACTOR,
                f"{factor:.2f}x"
                + ("" if factor >= NAIVE_FACTOR else f", {NAIVE_FACTOR - factor:.2f}x short"),
            )
    table.notes.append(
        "floor: the calls no design can avoid (bench/world.py); naive: the standalone daemon's "
        "behaviour (bench/naive.py); left undone: source tracks missing from their targets, or "
        "a wrong Last.fm playlist, at the end of the day. Below the floor at a long interval: a "
        "source edited twice between two refreshes is read once, later."
    )
    table.notes.append(
        f"naive left undone: {sum(naive['outcome'].values())}; changes applied: "
        + ", ".join(f"{k} {v}" for k, v in naive["changes_applied"].items())
    )
    for key, result in figures.items():
        if key.startswith("spotifreak_"):
            parts = ", ".join(f"{k} {v}" for k, v in result["floor"].items() if k != "total")
            table.notes.append(f"floor at {result['interval_minutes']} min: {parts}")
    breakdown = Table(
        "2b. The day's Spotify calls by endpoint",
        [
            "endpoint",
            *(
                k.replace("spotifreak_", "Spotifreak ")
                for k in figures
                if k.startswith("spotifreak_")
            ),
            "naive",
        ],
    )
    variants = [v for k, v in figures.items() if k.startswith("spotifreak_")] + [naive]
    endpoints = sorted({e for v in variants for e in v["by_endpoint"] if "/v1/" in e})
    for endpoint in endpoints:
        breakdown.add(endpoint, *(str(v["by_endpoint"].get(endpoint, 0)) for v in variants))
    breakdown.add("total", *(str(v["calls"]) for v in variants))
    report.tables += [table, breakdown, _history_table(report, figures)]
    if "retention" in figures:
        report.tables.append(_retention_table(report, figures["retention"]))


def _retention_table(report: Report, day: dict[str, Any]) -> Table:
    """2d: a day with a retention sync every 30 min — its calls against the floor."""
    table = Table(
        f"2d. A day with a retention sync — {day['hours']:g} h, every 30 min, max_age_days 30, "
        "an archive",
        [
            "runs",
            "Spotifreak",
            "floor",
            "version reads",
            "vs floor + versions",
            "removed (due)",
            "left due",
        ],
    )
    expected = day["floor"]["total"] + day["version_reads_expected"]
    table.add(
        str(day["runs"]),
        str(day["calls"]),
        str(day["floor"]["total"]),
        str(day["version_reads_expected"]),
        ratio(day["calls"] / expected) if expected else "-",
        f"{day['removed']} ({day['due']})",
        str(day["left_due"]),
    )
    report.target(
        "day",
        "retention: at the floor plus the versions' reads",
        day["calls"] <= expected and day["left_due"] == 0,
        f"{day['calls']} calls vs {expected} ({day['left_due']} entries left due)",
        hard=True,
    )
    table.notes.append(
        f"statuses: {', '.join(f'{k} {v}' for k, v in day['statuses'].items())}; floor: reads "
        f"{day['floor']['reads']} (the playlist changed by its user), writes "
        f"{day['floor']['writes']} (archive POSTs, DELETEs, put-back POSTs); versions kept "
        f"{day['versions']}; the shared cache refreshes ({day['refresh_calls']} calls) are not "
        "the retention's (section 2 counts them)."
    )
    table.notes.append(
        "Version reads: a run that removes keeps a version first; when nobody changed the "
        "playlist since the last run it was not read, so the version needs one read (⌈N/50⌉). "
        "A run with nothing due on an unchanged playlist costs no call (bench/retention_day.py)."
    )
    return table


def _history_table(report: Report, figures: dict[str, Any]) -> Table:
    """2c: the day with the playlist history on — what its versions cost, by sync."""
    table = Table(
        "2c. The day with the playlist history on (a version before every destructive write)",
        [
            "cache interval",
            "calls",
            "versions",
            "calls for versions",
            "calls without history",
            "mirrors (appends): versions / calls",
        ],
    )
    for key, result in figures.items():
        if not key.startswith("spotifreak_"):
            continue
        history = result["history"]
        table.add(
            f"{result['interval_minutes']} min",
            str(result["calls"]),
            str(history["versions"]),
            str(history["calls"]),
            str(result["calls"] - history["calls"]),
            f"{history['append_versions']} / {history['append_calls']}",
        )
        report.target(
            "day",
            f"appends cost nothing extra with history on ({result['interval_minutes']} min)",
            history["append_versions"] == 0 and history["append_calls"] == 0,
            f"{history['append_versions']} versions, {history['append_calls']} calls "
            "for the mirrors' versions",
            hard=True,
        )
        by_sync = ", ".join(
            f"{sync_id} {row['versions']}/{row['calls']}"
            for sync_id, row in history["by_sync"].items()
        )
        table.notes.append(f"{result['interval_minutes']} min, versions/calls by sync: {by_sync}")
    table.notes.append(
        "Only the Last.fm replace takes versions: each time the chart changed, the playlist is "
        "read once before it is replaced (a replace decides on what the playlist holds now, not "
        "on what the cache last saw) and its version keeps that read. Calls for versions = reads "
        "made only for a version; calls without history = calls - calls for versions."
    )
    return table


def resolve_section(report: Report, figures: dict[str, Any]) -> None:
    table = Table(
        f"3. Resolve, memory and stored size — {figures['playlists']:,} cached playlists",
        ["measure", "value"],
    )
    table.add("resolve p50", f"{figures['p50_seconds'] * 1e6:.1f} µs")
    table.add("resolve p99", f"{figures['p99_seconds'] * 1e6:.1f} µs")
    table.add("resolve max", f"{figures['max_seconds'] * 1e6:.1f} µs")
    table.add("lookups timed", f"{figures['lookups']:,}")
    table.add(
        "memory held by the cache",
        f"{figures['memory_bytes'] / 1e6:.2f} MB ({figures['memory_bytes_per_playlist']:.0f} B/playlist)",
    )
    table.add(
        "stored file (.storage)",
        f"{figures['stored_bytes'] / 1e6:.2f} MB ({figures['stored_bytes_per_playlist']:.0f} B/playlist)",
    )
    table.add("build from /me/playlists entries", ms(figures["build_seconds"]))
    table.add("one upsert (write-back)", ms(figures["upsert_seconds"]))
    report.target(
        "resolve",
        "p99 < 1 ms",
        figures["p99_seconds"] < RESOLVE_P99_LIMIT,
        f"{figures['p99_seconds'] * 1e6:.1f} µs"
        + (
            ""
            if figures["p99_seconds"] < RESOLVE_P99_LIMIT
            else f" ({percent_over(figures['p99_seconds'], RESOLVE_P99_LIMIT)})"
        ),
    )
    report.tables.append(table)


def ha_section(report: Report, figures: dict[str, Any]) -> None:
    startup = figures["startup"]
    table = Table(
        f"4. Start-up — fresh stored cache of {startup['playlists']:,} playlists "
        f"({startup['stored_age_seconds'] / 60:.0f} min old), real Home Assistant "
        f"{startup['home_assistant']} (Python {startup['python']})",
        ["measure", "value"],
    )
    table.add("Spotify calls during setup", str(startup["calls"]))
    table.add(
        "other requests (token, Last.fm)",
        str(sum(startup["requests_by_endpoint"].values()) - startup["calls"]),
    )
    table.add("setup time (entry set up, HA idle)", ms(startup["setup_seconds"]))
    table.add(
        "longest event-loop stall during setup",
        f"{ms(startup['setup_max_stall_seconds'])} (GC pause {ms(startup['setup_longest_gc_pause_seconds'])})",
    )
    table.add("stored file", f"{startup['stored_bytes'] / 1e6:.2f} MB")
    table.add(
        "entry state / playlists served",
        f"{startup['state'].split('.')[-1]} / {startup['cached_after_setup']:,}",
    )
    report.target(
        "start-up", "0 Spotify calls", startup["calls"] == 0, f"{startup['calls']} calls", hard=True
    )
    _stall_target(
        report,
        "start-up",
        startup["setup_max_stall_seconds"],
        startup["setup_max_busy_stall_seconds"],
        f"longest {ms(startup['setup_max_stall_seconds'])}, while running "
        f"{ms(startup['setup_max_busy_stall_seconds'])}",
        {
            "longest_gc_pause_seconds": startup["setup_longest_gc_pause_seconds"],
            "full_gc_collections": startup.get("setup_full_gc_collections", 0),
            "repeats": 1,
        },
    )
    report.tables.append(table)
    loop = figures.get("loop_health")
    if not loop:
        return
    health = Table(
        "5. Event-loop health - stalls seen by a 5 ms probe on Home Assistant's loop, 3 runs each",
        [
            "work",
            "longest stall",
            "median of runs",
            "while running",
            "longest GC pause",
            "full GCs",
            "Spotify calls",
            "duration",
        ],
    )
    labels = {
        "refresh": f"refresh of {loop['refresh']['playlists']:,} ({loop['refresh']['changed']} changed)",
        "first_refresh": f"first refresh, empty cache ({loop['first_refresh']['playlists']:,})",
        "mirror": f"mirror {loop['mirror']['tracks']:,} tracks into a new playlist "
        f"({loop['mirror']['status']}, {loop['mirror']['added']:,} added)",
    }
    if "refresh_before" in loop:
        labels["refresh_before"] = (
            "before: that refresh listed one page at a time, raw pages held, collector unfrozen"
        )
    for key, label in labels.items():
        row = loop[key]
        health.add(
            label,
            ms(row["max_stall_seconds"]),
            ms(row["median_max_stall_seconds"]),
            ms(row["max_busy_stall_seconds"]),
            ms(row["longest_gc_pause_seconds"]),
            str(row["full_gc_collections"]),
            str(row["calls"]),
            secs(row["seconds"]),
        )
        worst, typical, busy = (
            row["max_stall_seconds"],
            row["median_max_stall_seconds"],
            row["max_busy_stall_seconds"],
        )
        detail = f"longest {ms(worst)}, median of runs {ms(typical)}, while running {ms(busy)}"
        if key != "refresh_before":  # the baseline: reported, not judged
            _stall_target(report, key.replace("_", " "), worst, busy, detail, row)
    health.notes.append(
        "longest stall: the worst overshoot of a 5 ms sleep in any run; median of runs: the "
        "median of the three runs' worst; while running: the worst overshoot counting only "
        "the CPU time the process had meanwhile (the rest was spent descheduled: the machine "
        "is shared)."
    )
    health.notes.append(
        "full GCs: full garbage collections during the three runs. Before: the listing as it "
        "was until issue 16 (bench/baseline.py) and Python's garbage collector not frozen, as "
        "then; the integration's code otherwise as now (its cache rows among it)."
    )
    health.notes.append(
        "The refresh figures include the Store write that follows; the mirror figures the "
        "delayed Store writes (made due at once). A source's distinct playable tracks are fewer "
        "than its entries."
    )
    report.tables.append(health)


def _stall_target(
    report: Report, work: str, worst: float, busy: float, detail: str, row: dict[str, Any]
) -> None:
    """Judge "no stall over 50 ms in any run" and say what the longest stall was."""
    met = worst <= STALL_LIMIT
    if not met:
        detail += f" ({percent_over(worst, STALL_LIMIT)})"
        if row["longest_gc_pause_seconds"] >= 0.8 * busy > 0:
            detail += (
                f"; the stall is a full garbage collection ({ms(row['longest_gc_pause_seconds'])}"
                f", {row['full_gc_collections']} in {row['repeats']} runs)"
            )
        elif busy <= STALL_LIMIT:
            detail += "; the process was not running meanwhile (the machine is shared)"
    report.target("loop", f"no stall over 50 ms in any run ({work})", met, detail)


# -- running ------------------------------------------------------------------------------------


async def run(args: argparse.Namespace) -> Report:
    plan = make_plan(args)
    only = set(args.only.split(",")) if args.only else set(SECTIONS)
    unknown = only - set(SECTIONS)
    if unknown:
        raise SystemExit(f"unknown section(s): {', '.join(sorted(unknown))}")
    report = Report(
        meta={
            "mode": "quick" if args.quick else "full",
            "started": datetime.now(UTC).isoformat(timespec="seconds"),
            "latency_ms": args.latency,
            "seed": args.seed,
            "python": platform.python_version(),
            # sections 1-3 import the core only; sections 4-5 report the release they ran
            "home_assistant": ha_const.__version__,
            "cpus": os.cpu_count(),
            "sections": [s for s in SECTIONS if s in only],
        }
    )
    timings: dict[str, float] = {}
    steps: tuple[
        tuple[
            str,
            Callable[[], Coroutine[Any, Any, dict[str, Any]]],
            Callable[[Report, dict[str, Any]], None],
        ],
        ...,
    ] = (
        ("refresh", lambda: run_refresh(plan.refresh), refresh_section),
        ("day", lambda: run_day(plan.day, plan.intervals), day_section),
        ("resolve", lambda: run_resolve(plan.resolve), resolve_section),
        ("ha", lambda: run_home_assistant(plan.ha), ha_section),
    )
    for name, start, present in steps:
        if name not in only:
            continue
        print(f">> {name} …", file=sys.stderr, flush=True)
        started = time.perf_counter()
        figures = await start()
        timings[name] = time.perf_counter() - started
        report.figures[name] = figures
        if name == "ha":
            report.meta["home_assistant_ha_sections"] = figures["startup"]["home_assistant"]
            report.meta["python_ha_sections"] = figures["startup"]["python"]
        present(report, figures)
    report.meta["section_seconds"] = timings
    return report


def main() -> int:
    parser = argparse.ArgumentParser(prog="scripts/bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes: a smoke run in seconds")
    parser.add_argument(
        "--latency", type=float, default=30.0, help="added latency per request, ms (30)"
    )
    parser.add_argument("--output", type=Path, default=Path("bench-results.json"), help="JSON file")
    parser.add_argument("--markdown", type=Path, help="also write the tables as Markdown here")
    parser.add_argument("--only", help=f"comma-separated sections: {','.join(SECTIONS)}")
    parser.add_argument("--seed", type=int, default=7, help="seed of the simulated day (7)")
    parser.add_argument(
        "--rate-limit",
        type=int,
        default=250,
        help="emulator limit per rolling 30 s in section 1 (250)",
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    for name in ("homeassistant", "aiohttp_fast_zlib"):
        logging.getLogger(name).setLevel(logging.ERROR)
    started = time.perf_counter()
    report = asyncio.run(run(args))
    report.meta["total_seconds"] = time.perf_counter() - started
    print(report.render())
    print(
        f"\n{report.meta['mode']} run: {report.meta['total_seconds']:.0f} s; figures in {args.output}"
    )
    report.write(args.output)
    if args.markdown:
        args.markdown.write_text(report.markdown() + "\n")
    failures = report.hard_failures
    for failure in failures:
        print(
            f"HARD TARGET MISSED: [{failure.section}] {failure.name}: {failure.detail}",
            file=sys.stderr,
        )
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
