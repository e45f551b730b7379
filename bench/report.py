"""Collecting figures, judging targets, printing tables and writing the JSON file."""

from __future__ import annotations

from dataclasses import dataclass, field
import json
from pathlib import Path
from typing import Any

from .emulator_host import jsonable


@dataclass(slots=True)
class Target:
    """One target of the issue, judged. `hard` targets fail the run when missed."""

    section: str
    name: str
    met: bool
    detail: str
    hard: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "section": self.section,
            "name": self.name,
            "met": self.met,
            "hard": self.hard,
            "detail": self.detail,
        }


@dataclass(slots=True)
class Table:
    """A titled table of strings, with notes printed under it."""

    title: str
    headers: list[str]
    rows: list[list[str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    left: tuple[int, ...] = (0,)  # left-aligned columns (the others are right-aligned)

    def add(self, *cells: object) -> None:
        self.rows.append([str(cell) for cell in cells])

    def render(self) -> str:
        widths = [len(header) for header in self.headers]
        for row in self.rows:
            for index, cell in enumerate(row):
                widths[index] = max(widths[index], len(cell))

        def line(cells: list[str]) -> str:
            return "  ".join(
                cell.ljust(widths[index]) if index in self.left else cell.rjust(widths[index])
                for index, cell in enumerate(cells)
            ).rstrip()

        out = [self.title, line(self.headers), line(["-" * width for width in widths])]
        out += [line(row) for row in self.rows]
        out += [f"  {note}" for note in self.notes]
        return "\n".join(out)

    def markdown(self) -> str:
        out = [
            f"**{self.title}**",
            "",
            "| " + " | ".join(self.headers) + " |",
            "|"
            + "|".join("---" if i in self.left else "---:" for i in range(len(self.headers)))
            + "|",
        ]
        out += ["| " + " | ".join(row) + " |" for row in self.rows]
        if self.notes:
            out.append("")
            out += [f"- {note}" for note in self.notes]
        return "\n".join(out)


@dataclass(slots=True)
class Report:
    """Everything one `scripts/bench` run measured."""

    meta: dict[str, Any] = field(default_factory=dict)
    figures: dict[str, Any] = field(default_factory=dict)
    tables: list[Table] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)

    def target(
        self, section: str, name: str, met: bool, detail: str, *, hard: bool = False
    ) -> Target:
        found = Target(section, name, met, detail, hard)
        self.targets.append(found)
        return found

    @property
    def hard_failures(self) -> list[Target]:
        return [target for target in self.targets if target.hard and not target.met]

    def targets_table(self) -> Table:
        table = Table("Targets", ["target", "result", "detail"], left=(0, 1, 2))
        for target in self.targets:
            verdict = "met" if target.met else ("MISSED (hard)" if target.hard else "MISSED")
            table.add(f"[{target.section}] {target.name}", verdict, target.detail)
        return table

    def render(self) -> str:
        return "\n\n".join(table.render() for table in [*self.tables, self.targets_table()])

    def markdown(self) -> str:
        return "\n\n".join(table.markdown() for table in [*self.tables, self.targets_table()])

    def write(self, path: Path) -> None:
        data = {
            "meta": self.meta,
            "figures": self.figures,
            "targets": [target.as_dict() for target in self.targets],
        }
        path.write_text(json.dumps(jsonable(data), indent=2, sort_keys=False) + "\n")


def ms(seconds: float) -> str:
    """Seconds as milliseconds for a table cell."""
    return f"{seconds * 1000:.1f} ms" if seconds < 10 else f"{seconds:.2f} s"


def secs(seconds: float) -> str:
    """Seconds for a table cell."""
    return f"{seconds:.2f} s"


def ratio(value: float) -> str:
    """A ratio for a table cell."""
    return f"{value:.2f}x"


def percent_over(value: float, limit: float) -> str:
    """How far `value` is above `limit`, in percent of `limit`."""
    if limit <= 0:
        return "n/a"
    return f"{(value - limit) / limit * 100:+.1f}%"
