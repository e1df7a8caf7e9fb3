"""The index's charts as data: scales, ticks and positions for the templates that draw them.

A metric's figures over the years they describe are drawn twice over: the template
``_metric_chart.html`` draws a static SVG (it prints, and shows without scripts), and
``static/charts.js`` turns it into a uPlot chart (values on hover, a legend that hides
and shows sources), keeping the SVG's points as links to their mentions. Mentions per
source are a ranked list with bars (``_bars.html``). No markup is built here.
"""

from __future__ import annotations

import math

from review.pages import render

SERIES_COLOURS = ("#0072b2", "#d55e00", "#009e73", "#cc79a7", "#8a6d00", "#56b4e9", "#000000", "#7f3fbf")
BARS_MAX = 15  # sources listed in the bar chart (the most mentioned)


def nice_ticks(lo: float, hi: float, n: int = 5) -> list[float]:
    """Round axis ticks from at most ``lo`` to at least ``hi``."""
    if hi <= lo:
        hi = lo + 1
    raw = (hi - lo) / n
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    t = step * math.floor(lo / step)
    ticks = [round(t, 10)]
    while ticks[-1] < hi - step * 1e-9:
        t += step
        ticks.append(round(t, 10))
    return ticks


def bars(counts: dict[str, int]) -> list[dict]:
    """The most mentioned sources, each with a bar as long as its count (for ``_bars.html``)."""
    items = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:BARS_MAX]
    top = max((v for _, v in items), default=0)
    return [{"name": name, "n": v, "percent": round(80 * v / top, 1)} for name, v in items]


def metric_chart(
    series: dict[str, list[tuple[int, float, str, str]]], metric: str, unit: str, width: int = 520, height: int = 300, more: int = 0
) -> str:
    """One metric's chart, rendered (``_metric_chart.html``)."""
    return render("_metric_chart.html", chart=metric_chart_data(series, metric, unit, width, height, more))


def metric_chart_data(
    series: dict[str, list[tuple[int, float, str, str]]], metric: str, unit: str, width: int = 520, height: int = 300, more: int = 0
) -> dict | None:
    """One metric's figures over the years they describe: one series per source, axes with unit and years.

    ``series`` maps a source to points (year, value, label, href); each point links to its mention.
    A source's points are joined by a line only where it has one figure per year (several
    figures in one year are separate findings). None when there are no points.
    """
    points = [p for pts in series.values() for p in pts]
    if not points:
        return None
    years = [p[0] for p in points]
    vals = [p[1] for p in points]
    y0, y1 = min(years) - 0.5, max(years) + 0.5
    ticks = nice_ticks(min(0.0, min(vals)), max(vals) * 1.05 if max(vals) > 0 else 1.0)
    v0, v1 = ticks[0], ticks[-1]
    left, right, top, bottom = 52, 14, 14, 42

    def sx(y: float) -> float:
        return round(left + (width - left - right) * (y - y0) / (y1 - y0), 1)

    def sy(v: float) -> float:
        return round(height - bottom - (height - top - bottom) * (v - v0) / ((v1 - v0) or 1), 1)

    drawn = []
    for n, (source, pts) in enumerate(series.items()):
        pts = sorted(pts)
        line = len(pts) > 1 and len({y for y, *_ in pts}) == len(pts)
        drawn.append({
            "n": n,
            "name": source,
            "colour": SERIES_COLOURS[n % len(SERIES_COLOURS)],
            "line": " ".join(f"{sx(y)},{sy(v)}" for y, v, _l, _h in pts) if line else None,
            "points": [{"year": y, "value": v, "label": label, "href": href, "x": sx(y), "y": sy(v)} for y, v, label, href in pts],
        })
    step = max(1, int(y1 - y0) // 8)
    chart = {
        "metric": metric, "unit": unit, "width": width, "height": height, "left": left, "right": right, "top": top,
        "bottom": height - bottom, "x0": y0, "x1": y1, "v0": v0, "v1": v1,
        "yticks": [{"value": t, "y": sy(t)} for t in ticks],
        "xticks": [{"year": y, "x": sx(y)} for y in range(int(y0 + 0.5), int(y1 + 0.5), step)],
        "series": drawn, "more": more,
    }
    return chart
