"""The one table `make bench` ends with: every figure, SQLite beside PostgreSQL.

Each benchmark prints its own detailed table as it goes; this gathers their
headline figures into rows of (what, target, SQLite, PostgreSQL), so a run
can be read, and compared with the README's, at a glance.
"""

from __future__ import annotations

from dataclasses import dataclass, field

DATABASES = ("SQLite", "PostgreSQL")


@dataclass
class Line:
    """One row: a figure measured on each database, against a target."""

    section: str
    what: str
    unit: str
    target: str
    values: dict[str, str] = field(default_factory=dict)
    missed: set[str] = field(default_factory=set)


@dataclass
class Summary:
    """The rows, in the order the benchmarks ran."""

    lines: list[Line] = field(default_factory=list)

    def add(
        self,
        section: str,
        what: str,
        database: str,
        value: str,
        *,
        unit: str = "ms",
        target: str = "",
        missed: bool = False,
    ) -> None:
        """Record one figure; the same (section, what) on another database joins its row."""
        for line in self.lines:
            if line.section == section and line.what == what:
                break
        else:
            line = Line(section, what, unit, target)
            self.lines.append(line)
        line.values[database] = value
        if missed:
            line.missed.add(database)

    def add_timing(
        self, section: str, what: str, database: str, p50: float, p95: float, target: float | None
    ) -> None:
        """A p50 / p95 pair in milliseconds, against a p95 target."""
        self.add(
            section,
            what,
            database,
            f"{_ms(p50)} / {_ms(p95)}",
            unit="ms p50 / p95",
            target=f"p95 ≤ {_ms(target)}" if target else "",
            missed=bool(target and p95 > target),
        )

    def format(self) -> str:
        """The table, with ! beside each figure that misses its target."""
        if not self.lines:
            return ""
        width = max(len(line.what) for line in self.lines) + 2
        column = max(
            [14] + [len(value) + 1 for line in self.lines for value in line.values.values()]
        )
        target_width = max([6] + [len(line.target) for line in self.lines])
        header = (
            f"{'':<{width}} {'target':<{target_width}} "
            + " ".join(f"{name:>{column}}" for name in DATABASES)
            + "  unit"
        )
        rule = "─" * len(header)
        out = ["== Summary: SQLite and PostgreSQL, ! = target missed ==", header]
        section = None
        for line in self.lines:
            if line.section != section:
                section = line.section
                out += [rule, section]
            cells = []
            for name in DATABASES:
                value = line.values.get(name, "–")
                cells.append(f"{value + ('!' if name in line.missed else ' '):>{column}}")
            out.append(
                f"  {line.what:<{width - 2}} {line.target:<{target_width}} "
                + " ".join(cells)
                + f"  {line.unit}"
            )
        out.append(rule)
        missed = [line for line in self.lines if line.missed]
        out.append(
            "Every target met."
            if not missed
            else "Targets missed: "
            + "; ".join(f"{line.what} ({', '.join(sorted(line.missed))})" for line in missed)
        )
        return "\n".join(out)


def _ms(value: float) -> str:
    """Milliseconds as people read them: 4.2, 38, 1,204."""
    if value < 10:
        return f"{value:.1f}"
    return f"{value:,.0f}"
