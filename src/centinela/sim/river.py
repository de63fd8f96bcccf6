"""An analytic meandering river whose channel migrates and whose sandbars emerge in the dry season.

The centre line is a sum of two sine waves along a random axis; their phases drift slowly so the
meanders migrate downstream and erode the outer banks (forest loss that is *not* mining). The
water width follows the river stage (high water in February–March, low in August–September), so
point bars on the inner side of bends are exposed in the dry season and drowned in the wet one,
exactly the confuser that fools naive detectors.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely

DAYS_PER_YEAR = 365.25


@dataclass(frozen=True)
class River:
    """Parameters of one river, in metres and days since 1970-01-01."""

    px: float  # a point the axis passes through (UTM x, y)
    py: float
    angle: float  # axis direction, radians from east
    a1: float  # meander amplitudes (m) and wavelengths (m)
    l1: float
    a2: float
    l2: float
    phase1: float
    phase2: float
    migration_m_per_year: float  # peak lateral migration of the outer bank
    width_low: float  # water width at low stage (m)
    width_high: float  # water width at high stage (m)
    bar_max: float  # widest exposed point bar beyond the low-water edge (m)
    t0: float  # reference day of the phases

    def _phases(self, u: np.ndarray, t: float) -> tuple[np.ndarray, np.ndarray]:
        years = (t - self.t0) / DAYS_PER_YEAR
        k1 = self.migration_m_per_year / max(self.a1, 1.0)
        k2 = 0.5 * self.migration_m_per_year / max(self.a2, 1.0)
        return (2 * np.pi * u / self.l1 + self.phase1 - k1 * years, 2 * np.pi * u / self.l2 + self.phase2 - k2 * years)

    def centre(self, u: np.ndarray, t: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Centre-line offset v(u), slope dv/du and curvature d²v/du² at time ``t``."""
        p1, p2 = self._phases(u, t)
        w1, w2 = 2 * np.pi / self.l1, 2 * np.pi / self.l2
        v = self.a1 * np.sin(p1) + self.a2 * np.sin(p2)
        dv = self.a1 * w1 * np.cos(p1) + self.a2 * w2 * np.cos(p2)
        d2v = -self.a1 * w1**2 * np.sin(p1) - self.a2 * w2**2 * np.sin(p2)
        return v, dv, d2v

    def stage(self, t: float) -> float:
        """River stage in [0, 1]: 1 at the wet-season peak (~1 March), 0 at the dry-season low."""
        doy = (t + 0.0) % DAYS_PER_YEAR  # day 0 = 1 January (1970 started on a 1 January)
        return float(0.5 + 0.5 * np.cos(2 * np.pi * (doy - 60.0) / DAYS_PER_YEAR))

    def to_axis(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        c, s = np.cos(self.angle), np.sin(self.angle)
        dx, dy = x - self.px, y - self.py
        return dx * c + dy * s, -dx * s + dy * c

    def from_axis(self, u: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        c, s = np.cos(self.angle), np.sin(self.angle)
        return self.px + u * c - v * s, self.py + u * s + v * c

    def state(self, x: np.ndarray, y: np.ndarray, t: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Masks (water, exposed bar, active belt) for points x, y (any matching shapes) at day ``t``."""
        u, v = self.to_axis(x, y)
        vc, dv, d2v = self.centre(u, t)
        d = (v - vc) / np.sqrt(1 + dv**2)  # signed distance to the centre line, first order
        half_w = 0.5 * (self.width_low + (self.width_high - self.width_low) * self.stage(t))
        curvature_ref = 4 * np.pi**2 * self.a1 / self.l1**2
        inner = np.sign(d) == np.sign(d2v)  # bars grow on the inner (convex) bank
        bar_w = self.bar_max * np.clip(np.abs(d2v) / curvature_ref, 0, 1) * inner
        belt = np.abs(d) < 0.5 * self.width_high + bar_w
        water = np.abs(d) < half_w
        return water, belt & ~water, belt

    def belt_polygon(self, t: float, u_range: tuple[float, float], margin: float = 0.0) -> shapely.Geometry:
        """Approximate vector outline of the active belt at ``t`` (for keeping events off the river)."""
        u = np.arange(u_range[0], u_range[1], 20.0)
        v, _, _ = self.centre(u, t)
        x, y = self.from_axis(u, v)
        line = shapely.LineString(np.column_stack([x, y]))
        return line.buffer(0.5 * self.width_high + self.bar_max + margin)

    def bank_point(self, u: float, side: int, t: float, offset: float) -> tuple[float, float, float]:
        """A point ``offset`` m beyond the high-water bank on ``side`` (±1); returns x, y, flow angle."""
        v, dv, _ = self.centre(np.asarray([u]), t)
        normal = side * (0.5 * self.width_high + self.bar_max + offset) * np.sqrt(1 + dv[0] ** 2)
        x, y = self.from_axis(np.asarray([u]), np.asarray([v[0] + normal]))
        return float(x[0]), float(y[0]), float(self.angle + np.arctan(dv[0]))


def random_river(rng: np.random.Generator, cx: float, cy: float, extent_m: float, t0: float) -> River:
    """A Madre de Dios-like river: 120–250 m wide at low water, meander wavelength 2–6 km."""
    width_low = float(rng.uniform(120, 250))
    l1 = float(rng.uniform(2000, 6000))
    offset = rng.uniform(-0.2, 0.2, size=2) * extent_m
    return River(
        px=cx + float(offset[0]),
        py=cy + float(offset[1]),
        angle=float(rng.uniform(0, np.pi)),
        a1=float(rng.uniform(0.08, 0.16) * l1),
        l1=l1,
        a2=float(rng.uniform(0.02, 0.05) * l1),
        l2=float(l1 * rng.uniform(0.3, 0.45)),
        phase1=float(rng.uniform(0, 2 * np.pi)),
        phase2=float(rng.uniform(0, 2 * np.pi)),
        migration_m_per_year=float(rng.uniform(15, 60)),
        width_low=width_low,
        width_high=width_low * float(rng.uniform(1.4, 1.8)),
        bar_max=float(rng.uniform(60, 160)),
        t0=t0,
    )
