"""The prefectures of Japan as SVG outlines, for the map of the regions.

The outlines are the rough boundary data of the ``japanmap`` package (Apache-2.0, see
``data/README.md``): boundary points, and per prefecture (JIS codes 1–47) the runs of points
that make its outline. Hokkaido and Okinawa are moved closer, as printed maps of Japan do.
Longitude is scaled by cos 36° so that the country keeps its shape.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

DATA = Path(__file__).parent / "data" / "prefectures.json"
PREFECTURES = 47
X_SCALE = 0.812  # cos 36°: a degree of longitude at Japan's middle latitude
WIDTH = 400.0


@lru_cache(maxsize=1)
def outlines() -> tuple[str, tuple[str, ...]]:
    """The viewBox and the SVG path data of the 47 prefectures, in JIS order."""
    points, outlines_ = json.loads(DATA.read_text(encoding="utf-8"))
    coords = [list(p[0]) for p in points]
    # Hokkaido (1) moved south-west, Okinawa (47) north-east, by their own boundary points.
    for index in outlines_[0][0][1][:-1]:
        coords[index] = [coords[index][0] - 10, coords[index][1] - 4.5]
    for index in outlines_[PREFECTURES - 1][0][1][:-1]:
        coords[index] = [coords[index][0] + 4.5, coords[index][1] + 5]
    shapes = [
        [coords[i] for _neighbour, run in outlines_[k] for i in run] for k in range(PREFECTURES)
    ]
    xs = [x * X_SCALE for shape in shapes for x, _y in shape]
    ys = [-y for shape in shapes for _x, y in shape]
    left, top = min(xs), min(ys)
    scale = WIDTH / max(max(xs) - left, max(ys) - top)
    paths = []
    for shape in shapes:
        steps = [f"{(x * X_SCALE - left) * scale:.1f},{(-y - top) * scale:.1f}" for x, y in shape]
        paths.append("M" + " L".join(steps) + " Z")
    height = (max(ys) - top) * scale
    width = (max(xs) - left) * scale
    return f"0 0 {width:.0f} {height:.0f}", tuple(paths)
