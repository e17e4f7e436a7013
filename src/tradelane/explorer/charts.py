"""Charts as SVG written by the server: no script, so they show in the report file too."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from html import escape
from typing import Any

from markupsafe import Markup

#: Bottom to top: what has left the escrow, then what it still holds.
SERIES = (
    ("seller", "released to the seller", "#2e7d32"),
    ("fee", "platform fees", "#757575"),
    ("buyer", "refunded to the buyer", "#1565c0"),
    ("locked", "locked in escrow", "#f9a825"),
)
WIDTH, HEIGHT = 720, 260
LEFT, RIGHT, TOP, BOTTOM = 90, 16, 16, 40


def _day(ts: int) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d")


def money_chart(
    points: Sequence[Mapping[str, Any]], symbol: str, until: int, chart_id: str = "money-chart"
) -> Markup:
    """A stacked step chart of an order's money after each event that moved it, held until
    `until` (the index's time). Empty markup when nothing moved yet."""
    if not points:
        return Markup("")
    start = int(points[0]["time"])
    end = max(int(until), int(points[-1]["time"]))
    span = max(end - start, 1)
    end += max(span // 20, 1)  # room after the last change
    span = end - start
    total = max(sum(Decimal(str(p[key])) for key, _, _ in SERIES) for p in points) or Decimal(1)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(ts: int) -> float:
        return LEFT + plot_w * (ts - start) / span

    def y(value: Decimal) -> float:
        return TOP + plot_h * float(1 - value / total)

    parts: list[str] = [
        f'<svg id="{escape(chart_id)}" class="chart" xmlns="http://www.w3.org/2000/svg" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" role="img" '
        f'aria-label="Where the money was over time, in {escape(symbol)}">',
        f"<title>Where the money was over time ({escape(symbol)})</title>",
    ]
    # Stacked bands: for each series, the area between the running sums below and above it.
    below = [Decimal(0)] * len(points)
    for key, label, colour in SERIES:
        above = [below[i] + Decimal(str(p[key])) for i, p in enumerate(points)]
        if all(a == b for a, b in zip(above, below, strict=True)):
            below = above
            continue
        top_path: list[str] = []
        bottom_path: list[str] = []
        for i, p in enumerate(points):
            x0 = x(int(p["time"]))
            x1 = x(int(points[i + 1]["time"])) if i + 1 < len(points) else x(end)
            top_path += [f"{x0:.1f},{y(above[i]):.1f}", f"{x1:.1f},{y(above[i]):.1f}"]
            bottom_path += [f"{x0:.1f},{y(below[i]):.1f}", f"{x1:.1f},{y(below[i]):.1f}"]
        d = "M" + " L".join(top_path + list(reversed(bottom_path))) + " Z"
        parts.append(
            f'<path class="series" data-series="{key}" d="{d}" fill="{colour}" '
            f'fill-opacity="0.85"><title>{escape(label)}</title></path>'
        )
        below = above
    # Axes: amounts on the left, dates below.
    parts.append(
        f'<line x1="{LEFT}" y1="{TOP + plot_h}" x2="{LEFT + plot_w}" y2="{TOP + plot_h}" '
        'stroke="#333" />'
    )
    parts.append(f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{TOP + plot_h}" stroke="#333" />')
    for fraction in (Decimal(0), Decimal("0.5"), Decimal(1)):
        value = total * fraction
        shown = f"{value.normalize():f}" if value == value.to_integral() else f"{value:.2f}"
        parts.append(
            f'<text x="{LEFT - 6}" y="{y(value) + 4:.1f}" text-anchor="end" font-size="11">'
            f"{escape(shown)} {escape(symbol)}</text>"
        )
    ticks = 4
    for i in range(ticks + 1):
        ts = start + span * i // ticks
        anchor = "start" if i == 0 else "end" if i == ticks else "middle"
        parts.append(
            f'<text x="{x(ts):.1f}" y="{TOP + plot_h + 16}" text-anchor="{anchor}" '
            f'font-size="11">{_day(ts)}</text>'
        )
    for p in points:  # a mark where each change happened
        parts.append(
            f'<line class="event-mark" x1="{x(int(p["time"])):.1f}" y1="{TOP}" '
            f'x2="{x(int(p["time"])):.1f}" y2="{TOP + plot_h}" stroke="#000" '
            f'stroke-opacity="0.25" stroke-dasharray="3,3"><title>{escape(str(p["action"]))}'
            "</title></line>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def legend() -> list[dict[str, str]]:
    return [{"key": key, "label": label, "colour": colour} for key, label, colour in SERIES]


__all__ = ["SERIES", "legend", "money_chart"]
