"""What every benchmark returns: a named measure with its runs, a peer's runs, and a goal."""

from __future__ import annotations

import statistics
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Measure:
    name: str
    unit: str
    values: list[float]
    goal: str
    met: bool | None = None  # None: no goal to judge by
    peer: str | None = None
    peer_values: list[float] = field(default_factory=list)
    note: str = ""

    def spread(self, values: list[float]) -> str:
        if not values:
            return "—"
        return f"{_fmt(statistics.median(values))} ({_fmt(min(values))}–{_fmt(max(values))})"

    @property
    def ratio(self) -> str:
        if not self.peer_values:
            return ""
        return f"{statistics.median(self.values) / statistics.median(self.peer_values):.2f}×"


def _fmt(value: float) -> str:
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.3g}"


def table(measures: list[Measure]) -> str:
    """Markdown: one row per measure, medians with min–max, the peer side by side."""
    lines = [
        "| measure | mcp-tui: median (min–max) | peer | peer: median (min–max) | ratio | goal | met |",
        "|---|---|---|---|---|---|---|",
    ]
    for m in measures:
        met = {True: "yes", False: "**no**", None: "—"}[m.met]
        name = f"{m.name} ({m.unit})" + (f" — {m.note}" if m.note else "")
        lines.append(f"| {name} | {m.spread(m.values)} | {m.peer or '—'} | {m.spread(m.peer_values)} | {m.ratio or '—'} | {m.goal} | {met} |")
    return "\n".join(lines)


def median(values: list[float]) -> float:
    return statistics.median(values)


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]


Benchmark = Callable[[int], list[Measure]]  # runs → measures
