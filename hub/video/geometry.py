"""Plane geometry on points in frame fractions (x right, y down)."""

from __future__ import annotations

from collections.abc import Sequence

Point = tuple[float, float]


def point_in_polygon(point: Point, polygon: Sequence[Point]) -> bool:
    """Even-odd ray casting; a point exactly on an edge may fall either way."""
    x, y = point
    inside = False
    n = len(polygon)
    for i in range(n):
        x1, y1 = polygon[i]
        x2, y2 = polygon[(i + 1) % n]
        if (y1 > y) != (y2 > y):
            x_cross = x1 + (y - y1) * (x2 - x1) / (y2 - y1)
            if x < x_cross:
                inside = not inside
    return inside


def polygon_area(polygon: Sequence[Point]) -> float:
    """Absolute area by the shoelace formula."""
    total = 0.0
    n = len(polygon)
    for i in range(n):
        x1, y1 = polygon[i]
        x2, y2 = polygon[(i + 1) % n]
        total += x1 * y2 - x2 * y1
    return abs(total) / 2


def side_of_line(point: Point, a: Point, b: Point) -> float:
    """Signed distance of `point` from the line a→b (positive on the right of a→b in image coordinates)."""
    dx, dy = b[0] - a[0], b[1] - a[1]
    length = (dx * dx + dy * dy) ** 0.5 or 1.0
    return ((point[0] - a[0]) * dy - (point[1] - a[1]) * dx) / length


def projection_on_segment(point: Point, a: Point, b: Point) -> float:
    """Where `point` projects on the segment a→b: 0 at a, 1 at b, outside [0, 1] beyond the ends."""
    dx, dy = b[0] - a[0], b[1] - a[1]
    length_sq = dx * dx + dy * dy or 1.0
    return ((point[0] - a[0]) * dx + (point[1] - a[1]) * dy) / length_sq
