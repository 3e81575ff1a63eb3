"""Charts of a unit's metrics over time, drawn on the server: as SVG for the page (and its
download), as PNG (Pillow) and as CSV. The same geometry serves the SVG and the PNG."""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass

from django.utils.html import escape

from .models import Snapshot

WIDTH, HEIGHT = 560, 220
LEFT, RIGHT, TOP, BOTTOM = 48, 30, 12, 28


@dataclass(frozen=True)
class Series:
    metric: str
    share: bool
    points: list[tuple[dt.date, float | None]]  # oldest first; a share in per cent


def series(unit_id: int, metric: str, share: bool, months: list[dt.date]) -> Series:
    """The metric's values for the months (one query); a month without a snapshot is a gap."""
    found = dict(
        Snapshot.objects.filter(unit_id=unit_id, metric=metric, month__in=months).values_list(
            "month", "value"
        )
    )
    points: list[tuple[dt.date, float | None]] = []
    for month in months:
        value = found.get(month)
        points.append((month, None if value is None else (value * 100 if share else value)))
    return Series(metric, share, points)


def _nice_top(value: float) -> float:
    """A round upper bound for the axis: 1, 2 or 5 times a power of ten."""
    if value <= 0:
        return 1.0
    power = 10 ** (len(str(int(value))) - 1)
    for step in (1, 2, 5, 10):
        if value <= step * power:
            return float(step * power)
    return float(10 * power)


@dataclass(frozen=True)
class Geometry:
    lines: list[list[tuple[float, float]]]  # runs of points without gaps
    y_ticks: list[tuple[float, str]]  # y, label
    x_ticks: list[tuple[float, str]]  # x, label


def geometry(data: Series) -> Geometry:
    values = [v for _m, v in data.points if v is not None]
    top = 100.0 if data.share else _nice_top(max(values, default=0.0))
    inner_w, inner_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = inner_w / max(1, len(data.points) - 1)
    runs: list[list[tuple[float, float]]] = [[]]
    for i, (_month, value) in enumerate(data.points):
        if value is None:
            runs.append([])
            continue
        runs[-1].append((LEFT + i * step, TOP + inner_h * (1 - min(value, top) / top)))
    y_ticks = [
        (TOP + inner_h * (1 - k / 4), f"{top * k / 4:,.0f}{'%' if data.share else ''}")
        for k in range(5)
    ]
    every = max(1, len(data.points) // 6)
    x_ticks = [
        (LEFT + i * step, f"{month:%Y-%m}")
        for i, (month, _v) in enumerate(data.points)
        if i % every == 0 or i == len(data.points) - 1
    ]
    return Geometry([r for r in runs if r], y_ticks, x_ticks)


def svg(data: Series, title: str) -> str:
    """A standalone SVG document (also inlined in the page): axes, ticks, the line."""
    g = geometry(data)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img"'
        f' class="chart" font-family="Noto Sans JP, Noto Sans KR, sans-serif" font-size="11">'
        f"<title>{escape(title)}</title>",
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="#ffffff"/>',
    ]
    for y, label in g.y_ticks:
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="#dddddd"/>'
            f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" fill="#333333">'
            f"{escape(label)}</text>"
        )
    for x, label in g.x_ticks:
        parts.append(
            f'<text x="{x:.1f}" y="{HEIGHT - 8}" text-anchor="middle" fill="#333333">'
            f"{escape(label)}</text>"
        )
    for run in g.lines:
        if len(run) == 1:
            x, y = run[0]
            parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.5" fill="#1f5fa8"/>')
        else:
            points = " ".join(f"{x:.1f},{y:.1f}" for x, y in run)
            parts.append(
                f'<polyline points="{points}" fill="none" stroke="#1f5fa8" stroke-width="2"/>'
            )
    parts.append("</svg>")
    return "".join(parts)


def png(data: Series) -> bytes:
    """The same chart as a PNG (ticks in Pillow's own font: digits and dates only)."""
    from PIL import Image, ImageDraw, ImageFont

    scale = 2  # drawn at twice the size, for sharp lines on a printed page
    g = geometry(data)
    image = Image.new("RGB", (WIDTH * scale, HEIGHT * scale), "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=11 * scale)
    for y, label in g.y_ticks:
        draw.line(
            [(LEFT * scale, y * scale), ((WIDTH - RIGHT) * scale, y * scale)],
            fill="#dddddd",
            width=scale,
        )
        draw.text(((LEFT - 6) * scale, y * scale), label, fill="#333333", font=font, anchor="rm")
    for x, label in g.x_ticks:
        draw.text((x * scale, (HEIGHT - 8) * scale), label, fill="#333333", font=font, anchor="ms")
    for run in g.lines:
        points = [(x * scale, y * scale) for x, y in run]
        if len(points) == 1:
            x, y = points[0]
            draw.ellipse([x - 5, y - 5, x + 5, y + 5], fill="#1f5fa8")
        else:
            draw.line(points, fill="#1f5fa8", width=2 * scale, joint="curve")
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def csv_text(data: Series) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["month", data.metric])
    for month, value in data.points:
        writer.writerow([f"{month:%Y-%m}", "" if value is None else f"{value:g}"])
    return out.getvalue()
