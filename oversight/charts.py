"""Charts drawn on the server as SVG: shapes with coordinates and CSS classes, no inline
style or script (the CSP allows neither). Each chart's numbers are also in a table next
to it. A hidden (small) count is drawn as an outline up to the threshold, never as a bar
of its true height."""

from __future__ import annotations

from dataclasses import dataclass, field

from oversight.suppression import Count, Number

WIDTH = 640
LABEL_WIDTH = 230
ROW = 26


@dataclass
class Chart:
    key: str
    title: str
    desc: str
    width: int
    height: int
    bars: list[dict] = field(default_factory=list)
    texts: list[dict] = field(default_factory=list)
    lines: list[dict] = field(default_factory=list)
    legend: list[tuple[str, str]] = field(default_factory=list)


def _value(cell) -> tuple[float | None, bool]:
    """(height to draw, hidden). A hidden count is drawn as an outline up to the
    threshold (it is below it); a hidden rate or ratio has no bar at all (its size could
    be anything) and says so in words."""
    if isinstance(cell, Count):
        if cell.hidden:
            return float(cell.threshold), True
        return float(cell.value), False
    if isinstance(cell, Number):
        if cell.hidden:
            return None, True
        return cell.value, False
    return None, False


def horizontal(key, title, desc, rows, series, *, reference: float | None = None, places=0):
    """rows: [{"label": ..., <series key>: cell}], series: [(key, css class, legend)]."""
    per_row = ROW * len(series) + 10
    height = 30 + per_row * len(rows) + 20
    values = [_value(r[s])[0] or 0 for r in rows for s, _, _ in series]
    top = max([*values, reference or 0, 1])
    scale = (WIDTH - LABEL_WIDTH - 110) / top
    chart = Chart(
        key, title, desc, WIDTH, height, legend=[(cls, words) for _, cls, words in series]
    )
    y = 30
    for row in rows:
        chart.texts.append(
            {"x": 4, "y": y + per_row / 2, "text": row["label"], "cls": "chart__label"}
        )
        for i, (s, cls, _) in enumerate(series):
            value, hidden = _value(row[s])
            by = y + i * ROW
            if value is None:
                if hidden:
                    chart.texts.append(
                        {
                            "x": LABEL_WIDTH + 4,
                            "y": by + ROW / 2,
                            "cls": "chart__value",
                            "text": f"not shown: {row[s]}",
                        }
                    )
                continue
            w = max(value * scale, 1)
            chart.bars.append(
                {
                    "x": LABEL_WIDTH,
                    "y": by,
                    "w": round(w, 1),
                    "h": ROW - 6,
                    "cls": f"{cls} chart__bar--hidden" if hidden else cls,
                }
            )
            chart.texts.append(
                {
                    "x": LABEL_WIDTH + w + 6,
                    "y": by + ROW / 2,
                    "cls": "chart__value",
                    "text": str(row[s]) if hidden else f"{value:.{places}f}",
                }
            )
        y += per_row
    if reference is not None:
        x = LABEL_WIDTH + reference * scale
        chart.lines.append(
            {
                "x1": round(x, 1),
                "y1": 22,
                "x2": round(x, 1),
                "y2": height - 14,
                "cls": "chart__reference",
            }
        )
        chart.texts.append(
            {"x": x + 4, "y": 16, "text": f"{reference:g} = all pupils", "cls": "chart__value"}
        )
    return chart


def columns(key, title, desc, points, series):
    """Grouped columns, one group per point: points [{"label": ..., key: cell}]."""
    height, base, left = 260, 220, 40
    group = max(min((WIDTH - left) // max(len(points), 1), 90), 24)
    bar = max((group - 8) // len(series), 6)
    values = [_value(p[s])[0] or 0 for p in points for s, _, _ in series]
    top = max([*values, 1])
    scale = (base - 30) / top
    chart = Chart(
        key,
        title,
        desc,
        max(WIDTH, left + group * len(points)),
        height,
        legend=[(cls, words) for _, cls, words in series],
    )
    chart.lines.append(
        {"x1": left, "y1": base, "x2": chart.width, "y2": base, "cls": "chart__axis"}
    )
    chart.texts.append(
        {"x": 2, "y": base - top * scale + 4, "text": f"{top:g}", "cls": "chart__value"}
    )
    chart.texts.append({"x": 2, "y": base, "text": "0", "cls": "chart__value"})
    for i, p in enumerate(points):
        gx = left + i * group + 4
        for j, (s, cls, _) in enumerate(series):
            value, hidden = _value(p[s])
            if not value:
                continue
            h = max(value * scale, 1)
            chart.bars.append(
                {
                    "x": gx + j * bar,
                    "y": round(base - h, 1),
                    "w": bar - 2,
                    "h": round(h, 1),
                    "cls": f"{cls} chart__bar--hidden" if hidden else cls,
                }
            )
        chart.texts.append(
            {"x": gx, "y": base + 16, "text": p["label"], "cls": "chart__label chart__label--small"}
        )
    return chart
