"""The static landscape of a scene before any event: forest, a meandering river, old mining, scrub, pasture.

Land cover is held as per-pixel weights over the endmembers of ``spectra.COVERS`` (linear mixing):
a forest pixel is (1, 0, ...), scrub is mostly forest with some bare/human-cleared ground, an old mine is
bare sediment, ponds and regrowth in a pattern. Mixing measured endmembers keeps every mixed cover
between real spectra instead of inventing new ones.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import rasterio.features
import shapely
from affine import Affine
from scipy import ndimage
from shapely import affinity

import amw
from spectra import INDEX, smooth_normal

FOREST, HUMAN, MINING, NATURAL, WATER, SAND, CHAR = (
    INDEX[k] for k in ("forest", "human", "mining", "natural", "water", "sand", "char")
)
N_COVERS = 7


@dataclass(frozen=True)
class Grid:
    """A square UTM 19S grid (north-up), ``size`` pixels a side."""

    size: int
    pixel_m: float
    x0: float  # west edge, m
    y0: float  # north edge, m
    epsg: int = 32719

    @property
    def shape(self) -> tuple[int, int]:
        return self.size, self.size

    @property
    def transform(self) -> Affine:
        return Affine(self.pixel_m, 0.0, self.x0, 0.0, -self.pixel_m, self.y0)

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        side = self.size * self.pixel_m
        return self.x0, self.y0 - side, self.x0 + side, self.y0

    def to_map(self, row: float, col: float) -> tuple[float, float]:
        return self.x0 + (col + 0.5) * self.pixel_m, self.y0 - (row + 0.5) * self.pixel_m

    def rasterize(self, geom: shapely.Geometry) -> np.ndarray:
        """Pixels whose centre lies inside ``geom`` (map metres)."""
        if geom.is_empty:
            return np.zeros(self.shape, bool)
        return rasterio.features.rasterize(
            [(geom, 1)], out_shape=self.shape, transform=self.transform, fill=0, dtype="uint8"
        ).astype(bool)

    def outline(self, mask: np.ndarray) -> shapely.Geometry:
        """The pixels of ``mask`` as one (multi)polygon in map metres: truth is exactly the changed pixels."""
        parts = [
            shapely.geometry.shape(g)
            for g, v in rasterio.features.shapes(mask.astype("uint8"), mask=mask, transform=self.transform)
            if v == 1
        ]
        return shapely.union_all(parts) if parts else shapely.Polygon()


@dataclass
class River:
    """A meandering channel, described per pixel by its signed distance from the centreline."""

    lateral: np.ndarray  # signed distance to the centreline across the flow, px
    along: np.ndarray  # position along the flow, px
    halfwidth: np.ndarray  # channel half width at that position, px
    inner: np.ndarray  # +1 or -1: the side of the centreline toward the bend's centre (where bars build)
    bend: np.ndarray  # 0..1: how sharp the bend is at that position

    @property
    def water(self) -> np.ndarray:
        return np.abs(self.lateral) <= self.halfwidth

    def bank(self, side_inner: bool | None = None, reach_px: float = 2.0) -> np.ndarray:
        """Land pixels within ``reach_px`` of the water's edge (on the inner or outer side of bends, or both)."""
        out = (np.abs(self.lateral) > self.halfwidth) & (np.abs(self.lateral) <= self.halfwidth + reach_px)
        if side_inner is not None:
            on_inner = np.sign(self.lateral) == self.inner
            out &= on_inner if side_inner else ~on_inner
        return out


def make_river(rng: np.random.Generator, n: int, width_px: float) -> River:
    """A river crossing the scene roughly west to east, two superposed meanders (wavelengths 1.2-3 km)."""
    theta = rng.uniform(-0.5, 0.5)
    r, c = np.mgrid[0:n, 0:n].astype(np.float64) - n / 2
    u = c * np.cos(theta) + r * np.sin(theta)
    v = -c * np.sin(theta) + r * np.cos(theta)
    lam1, lam2 = rng.uniform(150, 300), rng.uniform(80, 140)
    a1, a2 = rng.uniform(0.10, 0.16) * lam1, rng.uniform(0.04, 0.08) * lam2
    p1, p2 = rng.uniform(0, 2 * np.pi, 2)
    v0 = rng.uniform(-0.12, 0.12) * n
    k1, k2 = 2 * np.pi / lam1, 2 * np.pi / lam2
    centre = v0 + a1 * np.sin(k1 * u + p1) + a2 * np.sin(k2 * u + p2)
    slope = a1 * k1 * np.cos(k1 * u + p1) + a2 * k2 * np.cos(k2 * u + p2)
    curv = -a1 * k1**2 * np.sin(k1 * u + p1) - a2 * k2**2 * np.sin(k2 * u + p2)
    lateral = (v - centre) / np.sqrt(1 + slope**2)
    halfwidth = width_px / 2 * (1 + 0.15 * np.sin(2 * np.pi * u / rng.uniform(60, 120)))
    bend = np.clip(np.abs(curv) / (a1 * k1**2 + a2 * k2**2), 0, 1)
    return River(lateral, u, halfwidth, np.where(curv >= 0, 1.0, -1.0), bend)


def blob(
    rng: np.random.Generator, shape: tuple[int, int], centre: tuple[float, float], radius: float, rough: float = 0.35
) -> np.ndarray:
    """An irregular patch: a disc whose edge is pushed in and out by smooth noise."""
    r, c = np.ogrid[0 : shape[0], 0 : shape[1]]
    d = np.hypot(r - centre[0], c - centre[1]) / radius
    return d + rough * smooth_normal(rng, shape, max(radius / 3, 2)) < 1


def ragged(rng: np.random.Generator, mask: np.ndarray, depth_px: int = 3, keep: float = 0.55) -> np.ndarray:
    """``mask`` with its outer ``depth_px`` pixels thinned by smooth noise (clearings never have ruled edges)."""
    inner = ndimage.binary_erosion(mask, iterations=depth_px)
    noise = smooth_normal(rng, mask.shape, 1.5)
    return inner | (mask & (noise > np.quantile(noise, 1 - keep)))


@dataclass
class Landscape:
    grid: Grid
    base: np.ndarray  # (N_COVERS, H, W) float32 endmember weights before any event
    pasture: np.ndarray  # bool: vegetation cover that dries in the dry season
    river: River | None
    old_mining: np.ndarray  # bool
    scrub: np.ndarray  # bool: regrowth and scrub (not closed forest)
    occupied: np.ndarray  # bool: where new events must not go (water, old mining, pasture, earlier events)
    scrub_patches: list[np.ndarray] = field(default_factory=list)  # masks kept free for mining on scrub
    notes: list[str] = field(default_factory=list)

    def set_cover(self, mask: np.ndarray, weights: dict[int, np.ndarray | float]) -> None:
        """Replace the cover of ``mask`` pixels with the given endmember weights (scalars or full-size maps)."""
        self.base[:, mask] = 0.0
        for k, w in weights.items():
            self.base[k, mask] = w[mask] if isinstance(w, np.ndarray) else w


def old_mine_weights(rng: np.random.Generator, shape: tuple[int, int]) -> dict[int, np.ndarray]:
    """Years-old mining: bare sediment with ponds in the pits and regrowth creeping over the tailings."""
    n1, n2 = smooth_normal(rng, shape, 3), smooth_normal(rng, shape, 5)
    pond = n1 > np.quantile(n1, 0.72)  # about a quarter in ponds (AMW's mined area is 1/4-1/2 of a patch)
    regrow = np.clip((n2 - 0.3) / 1.5, 0, 0.8)  # vegetated share where tailings are older
    forest = np.where(pond, 0.0, regrow)
    return {WATER: pond.astype(np.float32), MINING: np.where(pond, 0.0, 1 - forest), FOREST: forest}


def scrub_weights(rng: np.random.Generator, shape: tuple[int, int]) -> dict[int, np.ndarray]:
    """Secondary regrowth and scrub: 65-92 % leafy cover over exposed ground (NDVI ~0.6-0.8, below closed forest)."""
    f = 0.80 + 0.06 * smooth_normal(rng, shape, 2.0)
    f = np.clip(f, 0.65, 0.92)
    return {FOREST: f, HUMAN: 1 - f}


def pasture_weights(rng: np.random.Generator, shape: tuple[int, int]) -> dict[int, np.ndarray]:
    """Established pasture or crops: ~80 % green cover (the reference's 'green again', NDVI >= 0.55)."""
    f = np.clip(0.80 + 0.05 * smooth_normal(rng, shape, 3.0), 0.65, 0.9)
    return {FOREST: f, HUMAN: 1 - f}


def place_outline(grid: Grid, shape: shapely.Geometry, row: float, col: float) -> np.ndarray:
    x, y = grid.to_map(row, col)
    return grid.rasterize(affinity.translate(shape, x, y))


def rotated_rectangle(grid: Grid, row: float, col: float, w_m: float, h_m: float, angle_deg: float) -> np.ndarray:
    """A field with straight edges: a rotated rectangle centred on (row, col)."""
    x, y = grid.to_map(row, col)
    box = shapely.box(-w_m / 2, -h_m / 2, w_m / 2, h_m / 2)
    return grid.rasterize(affinity.translate(affinity.rotate(box, angle_deg, origin=(0, 0)), x, y))


def random_free_pixel(rng: np.random.Generator, allowed: np.ndarray, margin: int) -> tuple[int, int] | None:
    """A random pixel of ``allowed`` at least ``margin`` pixels from the scene edge."""
    a = allowed.copy()
    a[:margin], a[-margin:], a[:, :margin], a[:, -margin:] = False, False, False, False
    idx = np.flatnonzero(a)
    if idx.size == 0:
        return None
    return divmod(int(rng.choice(idx)), a.shape[1])


def build(
    rng: np.random.Generator, grid: Grid, river: bool, n_old_mines: int, n_pastures: int, n_scrub_patches: int
) -> Landscape:
    n = grid.size
    base = np.zeros((N_COVERS, n, n), np.float32)
    base[FOREST] = 1.0
    land = Landscape(
        grid,
        base,
        np.zeros(grid.shape, bool),
        None,
        np.zeros(grid.shape, bool),
        np.zeros(grid.shape, bool),
        np.zeros(grid.shape, bool),
    )
    floodplain = np.ones(grid.shape, bool)
    if river:
        rv = make_river(rng, n, width_px=rng.uniform(9, 15))
        land.river = rv
        water = rv.water
        # Exposed point bars on the inner side of sharp bends (sand), young scrub on the bar tops behind them.
        on_inner = np.sign(rv.lateral) == rv.inner
        depth = np.abs(rv.lateral)
        sand = water & on_inner & (depth > rv.halfwidth - 6 * np.clip(rv.bend - 0.35, 0, 1)) & (rv.bend > 0.35)
        bar_scrub = ~water & on_inner & (depth < rv.halfwidth + 14 * np.clip(rv.bend - 0.3, 0, 1)) & (rv.bend > 0.3)
        land.set_cover(water & ~sand, {WATER: 1.0})
        land.set_cover(sand, {SAND: 1.0})
        land.set_cover(bar_scrub, scrub_weights(rng, grid.shape))
        land.scrub |= bar_scrub
        land.occupied |= water | bar_scrub
        floodplain = depth < 70  # ~700 m either side: where farms and river mining go
        land.notes.append(f"river {2 * float(np.median(rv.halfwidth[water])) * grid.pixel_m:.0f} m wide")
    # Old mining (AMW 2018 outlines), with a fringe of scrub where it has been abandoned longest.
    for _ in range(n_old_mines):
        outline = amw.pick(rng, periods=(201800, 201900), min_ha=15, max_ha=120)
        target = rng.uniform(8, 25)
        for _try in range(30):
            where = floodplain if river and rng.random() < 0.5 else ~land.occupied
            pix = random_free_pixel(rng, where & ~land.occupied, margin=n // 10)
            if pix is None:
                break
            m = ragged(rng, place_outline(grid, amw.scaled(outline, target), *pix), depth_px=2)
            if m.sum() and not (m & land.occupied).any():
                land.set_cover(m, old_mine_weights(rng, grid.shape))
                land.old_mining |= m
                fringe = ndimage.binary_dilation(m, iterations=int(rng.integers(4, 10))) & ~m & ~land.occupied
                fringe &= smooth_normal(rng, grid.shape, 3) > -0.3
                land.set_cover(fringe, scrub_weights(rng, grid.shape))
                land.scrub |= fringe
                land.occupied |= m | fringe
                ha = m.sum() * grid.pixel_m**2 / 1e4
                land.notes.append(f"old mining {ha:.1f} ha (AMW row {outline.source_index})")
                break
    # Scrub patches (abandoned fields regrowing) kept free for mining on non-forest.
    for _ in range(n_scrub_patches):
        for _try in range(30):
            pix = random_free_pixel(rng, ~ndimage.binary_dilation(land.occupied, iterations=6), margin=n // 8)
            if pix is None:
                break
            radius = rng.uniform(20, 30)
            m = blob(rng, grid.shape, pix, radius)
            if not (m & land.occupied).any():
                land.set_cover(m, scrub_weights(rng, grid.shape))
                land.scrub |= m
                land.scrub_patches.append(m)
                land.occupied |= m
                land.notes.append(f"scrub patch {m.sum() * grid.pixel_m**2 / 1e4:.1f} ha")
                break
    # Old pasture: straight-edged fields on the floodplain.
    for _ in range(n_pastures):
        for _try in range(30):
            pix = random_free_pixel(
                rng, floodplain & ~ndimage.binary_dilation(land.occupied, iterations=4), margin=n // 10
            )
            if pix is None:
                break
            m = rotated_rectangle(grid, *pix, rng.uniform(150, 350), rng.uniform(120, 250), rng.uniform(0, 90))
            if m.sum() and not (m & land.occupied).any():
                land.set_cover(m, pasture_weights(rng, grid.shape))
                land.pasture |= m
                land.occupied |= m
                break
    return land
