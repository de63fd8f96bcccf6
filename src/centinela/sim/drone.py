"""Drone-resolution mode of the simulator: a ~0.1 m orthomosaic of one mined site, with known truth.

A drone flight over a restoration site in Madre de Dios is not a Sentinel-2 scene at finer pixels: at
0.1 m one sees single tree crowns, seedlings planted in rows, sand grains and gravel, calm pond water.
So this mode has its own small, self-contained site model (:class:`DroneSite`, ~200 × 200 m of UTM
19S) rather than the 10 m scene of :mod:`.landscape`:

- **forest** around the mine: crowns of 4–10 m (a jittered cell pattern), lit from the sun's side,
  leaf texture, dark gaps between crowns, a few leafless crowns (dry season);
- **the mined ground**: bright sand and gravel, darker wet tailings;
- **ponds** of turbid-brown, green or turquoise water (calm, so smooth); one drains between flights;
- **a replanted block**: seedlings on a 3 × 3 m grid in rows (some died), whose crowns grow each year;
- **natural regrowth**: grass and shrubs spreading into the mined ground from the forest edge;
- **a new clearing** at the forest edge between the flights (the mine growing again).

Everything is a pure function of (site, date, x, y) in metres: a flight at any resolution or grid
offset samples the same world, and the truth (vegetation / bare / water) is drawn from the same
vectors and fields as the picture, so they cannot disagree.

The camera: reflectance of each cover (blue, green, red, NIR; values and sources below) times an
exposure gain, sRGB-encoded (IEC 61966-2-1 transfer function) to 8 bits, plus ~1.5 DN of noise — an
RGB orthomosaic as OpenDroneMap writes it (``odm_orthophoto.tif``: RGBA uint8, alpha = 0 outside the
flown area, UTM CRS, tiled, with overviews). With ``multispectral=True`` it writes instead linear
reflectance × 10000 as uint16 red, green, blue, NIR + alpha (as a MicaSense-type camera processed by
ODM with radiometric calibration).

Reflectance (blue, green, red, NIR) and where each comes from (tags as in :mod:`.spectra`):

- ``leaf`` sunlit canopy — READ: green-vegetation endmember of Souza et al. 2005 (RSE 98:329-343):
  0.012, 0.048, 0.017, 0.625 (at 0.1 m a sunlit crown pixel is close to a pure endmember).
- ``sand`` — READ: USGS Spectral Library v7 "Sand DWO-3-DEL2a" (Kokaly et al. 2017): 0.113, 0.152,
  0.193, 0.279 (as ``bright_sand`` in :mod:`.spectra`).
- ``npv`` felled wood and litter — the ``npv`` ESTIMATE of :mod:`.spectra`.
- ``wet_tailings``, ``turbid_water``, ``green_pond``, ``turquoise_pond`` — as in :mod:`.spectra`
  (turbid water red/NIR DERIVED from Dogliotti et al. 2015; the rest ESTIMATES).
- ``grass`` herbaceous regrowth, ``seedling`` young planted trees — ESTIMATES between ``leaf`` and
  ``npv`` (young foliage is lighter and yellower than mature canopy).
- Seedling growth 0.75 m of crown radius per year, 15 % mortality, 3 × 3 m spacing — ESTIMATES in the
  range reported for fast-growing species planted on tailings in La Pampa; to be replaced with field data.

Limits: no cast shadows of the forest edge, no relief, no sun glint, no motion blur or seam lines of the
mosaic, no geolocation error between flights unless asked for (``shift_m`` moves the flown area, not
the map; a GPS-only offset is simulated by ``geo_error_m``).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import shapely
from affine import Affine
from pyproj import Transformer
from rasterio import features
from rasterio.windows import Window

from ..errors import SimulationError
from .landscape import DEFAULT_CENTER, DEFAULT_CRS, blob, day_number
from .noise import fbm, lattice

# Truth classes: the same codes as centinela.drone.cover (a test checks they agree).
NODATA, VEGETATION, BARE, WATER = 0, 1, 2, 3

DRONE_RES = 0.1
MIN_RES, MAX_RES = 0.02, 0.5
DEFAULT_SIZE_M = 200.0
WINDOW = 512  # pixels rendered at a time: memory stays bounded (~70 MB) whatever the flight's size
NOISE_UNIT = 0.1  # metres per noise-lattice unit: textures are fixed to the ground, not to a flight's pixels

_R = {
    #                 blue   green  red    nir
    "leaf": (0.012, 0.048, 0.017, 0.625),
    "seedling": (0.018, 0.060, 0.028, 0.520),
    "grass": (0.025, 0.065, 0.040, 0.400),
    "npv": (0.060, 0.080, 0.095, 0.210),
    "sand": (0.113, 0.152, 0.193, 0.279),
    "wet_tailings": (0.070, 0.090, 0.110, 0.140),
    "turbid_water": (0.070, 0.110, 0.120, 0.030),
    "green_pond": (0.030, 0.070, 0.040, 0.030),
    "turquoise_pond": (0.075, 0.100, 0.060, 0.025),
}
SPECTRA = {k: np.asarray(v, dtype=np.float32) for k, v in _R.items()}
"""Cover → reflectance in (blue, green, red, NIR)."""
POND_COLOURS = ("turbid_water", "green_pond", "turquoise_pond")


@dataclass(frozen=True)
class Pond:
    geometry: shapely.Geometry
    colour: str  # one of POND_COLOURS
    drained_day: int | None = None  # after this day the pond is wet mud (bare)


@dataclass(frozen=True)
class DroneSite:
    """One mined site under restoration: vectors in UTM metres and the days things happen on."""

    seed: int
    crs: str
    origin: tuple[float, float]  # (x0, y1): the site's top-left corner
    size_m: float
    mined: shapely.Geometry  # ground opened by mining before the first flight
    ponds: tuple[Pond, ...]
    replant: shapely.Geometry  # block planted with seedlings in rows
    planted_day: int
    row_angle: float  # radians
    spacing_m: float
    regrowth: shapely.Geometry  # where grass and shrubs spread from the forest edge
    regrowth_day: int
    clearing: shapely.Geometry  # forest cleared between the flights
    clearing_day: int

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        x0, y1 = self.origin
        return (x0, y1 - self.size_m, x0 + self.size_m, y1)

    def sites(self) -> list[tuple[str, shapely.Geometry]]:
        """Named areas a restoration team would map: the replanted plot, the mined ground, the whole site."""
        return [("replanted_plot", self.replant), ("mined_area", self.mined), ("whole_site", shapely.box(*self.bounds))]


@dataclass(frozen=True)
class Flight:
    """One drone flight: its date, grid and camera."""

    date: dt.date
    res: float
    transform: Affine
    width: int
    height: int
    footprint: shapely.Geometry  # flown area (alpha = 255 inside)
    gain: float  # camera exposure: linear reflectance × gain → sRGB
    sun_azimuth: float  # degrees from north
    diffuse: float  # 0 clear sky (strong crown shading) … 1 overcast (flat light)
    seed: int
    multispectral: bool = False
    geo_error_m: tuple[float, float] = (0.0, 0.0)  # (east, north) error of the written georeference (GPS-only flight)

    @property
    def written_transform(self) -> Affine:
        """The georeference written to the file: the true grid moved by the GPS error."""
        return Affine.translation(*self.geo_error_m) @ self.transform

    @property
    def day(self) -> int:
        return day_number(self.date)


def build_site(
    seed: int = 1,
    center: tuple[float, float] = DEFAULT_CENTER,
    size_m: float = DEFAULT_SIZE_M,
    first: dt.date = dt.date(2024, 7, 15),
    second: dt.date = dt.date(2025, 7, 20),
) -> DroneSite:
    """Draw a site. ``first`` and ``second`` are the flight dates the story is built around: planting
    ~10 months before the first, a pond drained and a clearing opened between the two."""
    if not 40.0 <= size_m <= 2000.0:
        raise SimulationError(f"drone site size must be 40–2000 m; got {size_m}")
    if second <= first:
        raise SimulationError(f"second flight {second} must be after the first {first}")
    lat, lon = center
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise SimulationError(f"center must be LAT,LON in degrees; got {center}")
    x, y = Transformer.from_crs("EPSG:4326", DEFAULT_CRS, always_xy=True).transform(lon, lat)
    x0, y1 = float(np.round(x - size_m / 2)), float(np.round(y + size_m / 2))
    rng = np.random.default_rng(seed)
    s = size_m
    cx, cy = x0 + s * rng.uniform(0.45, 0.55), y1 - s * rng.uniform(0.45, 0.55)
    angle = float(rng.uniform(0, np.pi))
    mined = blob(rng, cx, cy, 1.0, float(rng.uniform(1.15, 1.4)), angle)(0.34 * s)
    mined = mined.intersection(shapely.box(x0 + 0.06 * s, y1 - 0.94 * s, x0 + 0.94 * s, y1 - 0.06 * s))
    d1, d2 = day_number(first), day_number(second)

    # The replanted block: a rotated rectangle well inside the mined ground.
    inner = mined.buffer(-0.08 * s)
    rx, ry = inner.representative_point().coords[0]
    block = shapely.affinity.rotate(
        shapely.box(-0.14 * s, -0.1 * s, 0.14 * s, 0.1 * s), np.degrees(angle) + 20, origin=(0, 0)
    )
    replant = shapely.affinity.translate(block, rx, ry).intersection(inner)

    # Ponds in what is left, apart from each other and from the planted block.
    ponds: list[Pond] = []
    taken = replant.buffer(4.0)
    room = mined.buffer(-0.05 * s).difference(taken)
    for _ in range(40):
        if len(ponds) == 3 or room.is_empty:
            break
        px, py = _random_point(rng, room)
        r = float(rng.uniform(0.035, 0.075) * s)
        g = blob(rng, px, py, 1.0, float(rng.uniform(1.0, 1.8)), float(rng.uniform(0, np.pi)))(r).intersection(room)
        if g.area < 0.5 * np.pi * r * r:
            continue
        colour = POND_COLOURS[len(ponds) % len(POND_COLOURS)]
        drained = int(d1 + 0.4 * (d2 - d1)) if not ponds else None  # the largest-first pond is drained
        ponds.append(Pond(g, colour, drained))
        room = room.difference(g.buffer(5.0))

    # Regrowth: the ring of mined ground along the forest edge, where seeds arrive first.
    regrowth = mined.difference(mined.buffer(-0.1 * s)).difference(taken)
    for p in ponds:
        regrowth = regrowth.difference(p.geometry.buffer(2.0))

    # A new clearing where the forest meets the mine, on the side opposite the planted block.
    ex, ey = cx - (rx - cx), cy - (ry - cy)
    edge_pt = (
        mined.exterior.interpolate(mined.exterior.project(shapely.Point(ex, ey)))
        if mined.geom_type == "Polygon"
        else mined.boundary.interpolate(0.3, normalized=True)
    )
    clearing = blob(rng, edge_pt.x, edge_pt.y, 1.0, 1.3, float(rng.uniform(0, np.pi)))(0.08 * s)
    clearing = clearing.difference(mined).intersection(shapely.box(x0, y1 - s, x0 + s, y1))
    return DroneSite(
        seed=seed,
        crs=DEFAULT_CRS,
        origin=(x0, y1),
        size_m=s,
        mined=shapely.make_valid(mined),
        ponds=tuple(ponds),
        replant=shapely.make_valid(replant),
        planted_day=d1 - 300,
        row_angle=angle + np.radians(20),
        spacing_m=3.0,
        regrowth=shapely.make_valid(regrowth),
        regrowth_day=d1 - 365,
        clearing=shapely.make_valid(clearing),
        clearing_day=int(d1 + 0.75 * (d2 - d1)),
    )


def _random_point(rng: np.random.Generator, geom: shapely.Geometry) -> tuple[float, float]:
    x0, y0, x1, y1 = geom.bounds
    for _ in range(500):
        p = shapely.Point(rng.uniform(x0, x1), rng.uniform(y0, y1))
        if geom.contains(p):
            return p.x, p.y
    p = geom.representative_point()
    return p.x, p.y


def plan_flight(
    site: DroneSite,
    date: dt.date,
    res: float = DRONE_RES,
    shift_m: tuple[float, float] = (0.0, 0.0),
    seed: int | None = None,
    multispectral: bool = False,
    gain: float | None = None,
    diffuse: float | None = None,
    geo_error_m: tuple[float, float] = (0.0, 0.0),
) -> Flight:
    """A flight over ``site`` on ``date`` at ``res`` m: its flown area is the site shrunk by a ragged
    few metres (as ODM orthos end), moved by ``shift_m`` (east, north). ``geo_error_m`` offsets the
    georeference written to the file from where the pixels really are (a GPS-only flight's error)."""
    if not MIN_RES <= res <= MAX_RES:
        raise SimulationError(f"drone resolution must be {MIN_RES}–{MAX_RES} m; got {res}")
    seed = site.seed * 1000 + day_number(date) % 1000 if seed is None else seed
    rng = np.random.default_rng(seed)
    x0, y0, x1, y1 = site.bounds
    dx, dy = shift_m
    box = shapely.box(x0 + dx, y0 + dy, x1 + dx, y1 + dy)
    # Ragged edge: ODM leaves an irregular border where too few photos overlap.
    phi = np.linspace(0, 2 * np.pi, 181)[:-1]
    wob = 1 + 0.012 * np.sin(5 * phi + rng.uniform(0, 6)) + 0.008 * np.sin(13 * phi + rng.uniform(0, 6))
    c = box.centroid
    ring = shapely.Polygon(
        np.column_stack([c.x + 2 * site.size_m * np.cos(phi) * wob, c.y + 2 * site.size_m * np.sin(phi) * wob])
    )
    footprint = box.buffer(-0.03 * site.size_m, join_style="mitre").intersection(ring)
    footprint = footprint.buffer(-0.01 * site.size_m).buffer(0.01 * site.size_m * rng.uniform(0.5, 1.0))
    fx0, fy0, fx1, fy1 = footprint.bounds
    ox = np.floor((fx0 - 1) / res) * res + float(rng.uniform(0, res))  # grids of two flights never coincide
    oy = np.ceil((fy1 + 1) / res) * res - float(rng.uniform(0, res))
    width = int(np.ceil((fx1 + 1 - ox) / res))
    height = int(np.ceil((oy - (fy0 - 1)) / res))
    return Flight(
        date=date,
        res=float(res),
        transform=Affine(res, 0.0, float(ox), 0.0, -res, float(oy)),
        width=width,
        height=height,
        footprint=footprint,
        gain=float(gain if gain is not None else rng.uniform(3.3, 3.9)),
        sun_azimuth=float(rng.uniform(20, 80)),
        diffuse=float(diffuse if diffuse is not None else rng.uniform(0.1, 0.5)),
        seed=int(seed),
        multispectral=multispectral,
        geo_error_m=(float(geo_error_m[0]), float(geo_error_m[1])),
    )


# --- the ground at a date: pure functions of (site, day, x, y) ------------------------------------


@dataclass
class _Grid:
    """Pixel centres of one window: 1-D noise coordinates and 2-D metres."""

    u: np.ndarray  # noise columns (east, NOISE_UNIT steps from the site's west edge)
    v: np.ndarray  # noise rows (south, from the site's north edge)
    x: np.ndarray  # 1-D metres east of the site's west edge
    y: np.ndarray  # 1-D metres north of the site's north edge (negative inside the site)
    X: np.ndarray  # 2-D map coordinates
    Y: np.ndarray
    transform: Affine
    shape: tuple[int, int]
    rng: np.random.Generator = field(default_factory=np.random.default_rng)
    """Per-pixel noise (sensor, sand grains): seeded by the flight and the window's place, so a flight
    written with the same windows is the same file; far cheaper than hashing every pixel."""


def _grid(site: DroneSite, transform: Affine, window: Window, seed: int = 0) -> _Grid:
    r0, c0, h, w = int(window.row_off), int(window.col_off), int(window.height), int(window.width)
    res = transform.a
    xs = transform.c + (np.arange(c0, c0 + w) + 0.5) * res
    ys = transform.f - (np.arange(r0, r0 + h) + 0.5) * res
    X, Y = np.meshgrid(xs, ys)
    wt = transform @ Affine.translation(c0, r0)
    return _Grid(
        (xs - site.origin[0]) / NOISE_UNIT,
        (site.origin[1] - ys) / NOISE_UNIT,
        xs - site.origin[0],
        ys - site.origin[1],
        X,
        Y,
        wt,
        (h, w),
        np.random.default_rng([seed, r0, c0]),
    )


def _mask(geom: shapely.Geometry, g: _Grid) -> np.ndarray:
    if geom is None or geom.is_empty:
        return np.zeros(g.shape, dtype=bool)
    return features.geometry_mask([geom], out_shape=g.shape, transform=g.transform, invert=True)


def _cell_table(i0: int, i1: int, j0: int, j1: int, seed: int) -> np.ndarray:
    """Hashed uniforms for the lattice cells i0..i1 × j0..j1 (hashing cells, not pixels, is what keeps this fast)."""
    return lattice(np.arange(i0, i1 + 1)[:, None], np.arange(j0, j1 + 1)[None, :], seed)


def _runs(idx: np.ndarray) -> list[tuple[int, int, int]]:
    """(value, start, stop) of the runs of equal values in a monotonic 1-D index array."""
    cut = np.flatnonzero(np.diff(idx)) + 1
    starts = np.concatenate([[0], cut])
    stops = np.concatenate([cut, [idx.size]])
    return [(int(idx[a]), int(a), int(b)) for a, b in zip(starts, stops, strict=True)]


def _crowns(x: np.ndarray, y: np.ndarray, cell: float, seed: int):
    """Worley-style crowns on a jittered grid, for a north-up grid given by its 1-D pixel-centre
    coordinates ``x`` (east) and ``y`` (north), in metres from the site's corner.

    Returns the distance to the nearest crown centre in crown radii (< 1 inside a crown) and that
    crown's radius, offset from its centre (ox, oy) and hash. Worked cell by cell: in one cell only
    the 3 × 3 neighbouring centres can be nearest, so each block is a small broadcast, and hashing
    is per cell, not per pixel.
    """
    ix, iy = np.floor(x / cell).astype(np.int64), np.floor(y / cell).astype(np.int64)
    i0, j0 = int(ix.min()) - 1, int(iy.min()) - 1
    tabs = [_cell_table(i0, int(ix.max()) + 1, j0, int(iy.max()) + 1, seed + k) for k in range(4)]
    ci = np.arange(tabs[0].shape[0])[:, None] + i0
    cj = np.arange(tabs[0].shape[1])[None, :] + j0
    cx = (ci + 0.15 + 0.7 * tabs[0]) * cell
    cy = (cj + 0.15 + 0.7 * tabs[1]) * cell
    rad = cell * (0.48 + 0.3 * tabs[2])
    shape = (y.size, x.size)
    best = np.empty(shape, np.float32)
    out = {k: np.empty(shape, np.float32) for k in ("rad", "ox", "oy", "h")}
    nb = np.array([(a, b) for a in (-1, 0, 1) for b in (-1, 0, 1)])
    for jy, r0, r1 in _runs(iy):
        yb = y[r0:r1][None, :, None]
        for jx, c0, c1 in _runs(ix):
            ka, kb = jx - i0 + nb[:, 0], jy - j0 + nb[:, 1]
            ncx, ncy, nrad = cx[ka, kb][:, None, None], cy[ka, kb][:, None, None], rad[ka, kb][:, None, None]
            ox = x[c0:c1][None, None, :] - ncx
            oy = yb - ncy
            d = np.hypot(ox, oy) / nrad
            k = np.argmin(d, axis=0)[None]
            best[r0:r1, c0:c1] = np.take_along_axis(d, k, 0)[0]
            out["ox"][r0:r1, c0:c1] = np.take_along_axis(np.broadcast_to(ox, d.shape), k, 0)[0]
            out["oy"][r0:r1, c0:c1] = np.take_along_axis(np.broadcast_to(oy, d.shape), k, 0)[0]
            out["rad"][r0:r1, c0:c1] = nrad[:, 0, 0][k[0]]
            out["h"][r0:r1, c0:c1] = tabs[3][ka, kb][k[0]]
    return best, out


def _shade(ox, oy, rad, d, flight: Flight) -> np.ndarray:
    """Illumination of a dome-shaped crown: brighter on the sun's side, flatter under an overcast sky."""
    az = np.radians(flight.sun_azimuth)
    sx, sy = np.sin(az), np.cos(az)
    toward = (ox * sx + oy * sy) / np.maximum(rad, 1e-6)  # -1 … 1 across the crown
    dome = np.sqrt(np.clip(1 - d * d, 0, 1))
    direct = np.clip(0.55 + 0.45 * toward * (1 - 0.3 * dome) + 0.15 * dome, 0.1, 1.15)
    return (1 - flight.diffuse) * direct + flight.diffuse * (0.75 + 0.1 * dome)


def _years(day_now: int, day_then: int) -> float:
    return max(0.0, (day_now - day_then) / 365.25)


def ground(site: DroneSite, flight: Flight, g: _Grid, day: int | None = None, with_colour: bool = True):
    """Reflectance (4, h, w) in blue, green, red, NIR (None unless ``with_colour``) and truth classes (h, w)."""
    t = flight.day if day is None else day
    s = site.seed
    h, w = g.shape
    truth = np.full(g.shape, VEGETATION, dtype=np.uint8)
    refl = np.zeros((4, h, w), dtype=np.float32) if with_colour else None

    mined = _mask(site.mined, g)
    cleared = _mask(site.clearing, g) if t >= site.clearing_day else np.zeros(g.shape, bool)
    forest = ~mined & ~cleared

    if with_colour:
        # Forest: crowns 4–10 m across, leaf texture, dark gaps, some leafless crowns.
        d, c = _crowns(g.x, g.y, 7.0, s * 7 + 11)
        leafy = fbm(g.v, g.u, 4.0, s + 31, octaves=2)
        lit = _shade(c["ox"], c["oy"], c["rad"], d, flight) * (0.7 + 0.6 * leafy)
        gap = np.clip((d - 0.92) / 0.25, 0, 1)  # between crowns: understorey in shade
        lit = lit * (1 - 0.8 * gap)
        hue = (c["h"] - 0.5) * 0.5  # species: some crowns yellower, some bluer
        leaf = SPECTRA["leaf"][:, None, None] * (1 + hue * np.asarray([-0.6, 0.2, 0.8, 0.1], np.float32)[:, None, None])
        leafless = (c["h"] > 0.975)[None]
        canopy = np.where(leafless, 0.5 * leaf + 0.5 * SPECTRA["npv"][:, None, None], leaf) * lit[None]
        refl[:] = np.where(forest[None], canopy, 0)

    # Mined ground: sand and gravel, wet tailings.
    if mined.any() or cleared.any():
        if with_colour:
            big = 0.85 + 0.3 * fbm(g.v, g.u, 50.0, s + 41, octaves=2)
            gravel = 0.82 + 0.36 * fbm(g.v, g.u, 3.0, s + 42, octaves=2)
            grain = 1 + 0.08 * g.rng.standard_normal(g.shape, dtype=np.float32)
            wet = fbm(g.v, g.u, 60.0, s + 44, octaves=3) > 0.62
            sand = np.where(wet[None], SPECTRA["wet_tailings"][:, None, None], SPECTRA["sand"][:, None, None])
            refl[:] = np.where(mined[None], sand * (big * gravel * grain)[None], refl)
        truth[mined] = BARE

    # The clearing: felled trunks, litter and churned mud.
    if cleared.any():
        if with_colour:
            mix = np.clip(fbm(g.v, g.u, 8.0, s + 51, octaves=3) * 1.4 - 0.2, 0, 1)[None]
            wood = (1 - mix) * SPECTRA["npv"][:, None, None] + mix * SPECTRA["wet_tailings"][:, None, None]
            tex = 0.7 + 0.6 * fbm(g.v, g.u, 2.0, s + 52, octaves=2)
            refl[:] = np.where(cleared[None], wood * tex[None], refl)
        truth[cleared] = BARE

    # Natural regrowth: patches that spread with the years since it began.
    reg = _mask(site.regrowth, g) & mined
    if reg.any() and t > site.regrowth_day:
        thr = 0.66 - 0.12 * _years(t, site.regrowth_day)
        n = fbm(g.v, g.u, 25.0, s + 61, octaves=3)
        green = reg & (n > thr)
        if with_colour and green.any():
            tex = 0.65 + 0.7 * fbm(g.v, g.u, 2.5, s + 62, octaves=2)
            refl[:, green] = SPECTRA["grass"][:, None] * tex[green][None]
        truth[green] = VEGETATION

    # Planted seedlings: crowns on a rotated 3 m grid, growing each year, some dead.
    plant = _mask(site.replant, g) & mined
    if plant.any() and t > site.planted_day:
        X, Y = g.X[plant], g.Y[plant]
        ca, sa = np.cos(site.row_angle), np.sin(site.row_angle)
        c0 = site.replant.centroid
        a = (X - c0.x) * ca + (Y - c0.y) * sa
        b = -(X - c0.x) * sa + (Y - c0.y) * ca
        sp = site.spacing_m
        ia, ib = np.round(a / sp).astype(np.int64), np.round(b / sp).astype(np.int64)
        best = np.full(X.shape, np.inf)
        shade = np.zeros(X.shape)
        age = _years(t, site.planted_day)
        a0, b0 = int(ia.min()) - 1, int(ib.min()) - 1
        tabs = [_cell_table(a0, int(ia.max()) + 1, b0, int(ib.max()) + 1, s + 71 + k) for k in range(4)]
        for di in (-1, 0, 1):
            for dj in (-1, 0, 1):
                ja, jb = ia + di, ib + dj
                ka, kb = ja - a0, jb - b0
                ta = ja * sp + 0.3 * (tabs[0][ka, kb] - 0.5)
                tb = jb * sp + 0.3 * (tabs[1][ka, kb] - 0.5)
                alive = tabs[2][ka, kb] > 0.15
                r = (0.25 + 0.75 * age) * (0.7 + 0.6 * tabs[3][ka, kb])
                da, db = a - ta, b - tb
                dn = np.where(alive, np.hypot(da, db) / r, np.inf)
                closer = dn < best
                best = np.where(closer, dn, best)
                # crown offset back in map axes for the sun
                ox, oy = da * ca - db * sa, da * sa + db * ca
                shade = np.where(closer, _shade(ox, oy, r, np.minimum(dn, 1), flight), shade)
        crown = best < 1
        idx = np.flatnonzero(plant.ravel())[crown]
        if with_colour and idx.size:
            tex = (0.75 + 0.5 * fbm(g.v, g.u, 2.0, s + 75, octaves=2)).ravel()[idx]
            flat = refl.reshape(4, -1)
            flat[:, idx] = SPECTRA["seedling"][:, None] * (shade[crown] * tex)[None]
        truth.ravel()[idx] = VEGETATION

    # Ponds last: water covers what was there. Calm water is smooth: only a faint plume and ripples.
    for k, p in enumerate(site.ponds):
        m = _mask(p.geometry, g)
        if not m.any():
            continue
        if p.drained_day is not None and t >= p.drained_day:
            if with_colour:  # drying mud with cracks
                cracks = 0.75 + 0.5 * fbm(g.v, g.u, 3.0, s + 81 + k, octaves=2)
                refl[:, m] = SPECTRA["wet_tailings"][:, None] * 0.85 * cracks[m][None]
            truth[m] = BARE
            continue
        if with_colour:
            plume = np.clip(fbm(g.v, g.u, 120.0, s + 91 + k, octaves=2) * 1.6 - 0.3, 0, 1)
            ripple = 1 + 0.012 * (fbm(g.v, g.u, 4.0, s + 95 + k, octaves=1) - 0.5)
            water = (1 - plume)[None] * SPECTRA[p.colour][:, None, None] + plume[None] * SPECTRA["turbid_water"][
                :, None, None
            ]
            refl[:, m] = (water * ripple[None])[:, m]
        truth[m] = WATER
    return refl, truth


def srgb(linear: np.ndarray) -> np.ndarray:
    """IEC 61966-2-1 sRGB transfer function, linear [0, 1] → encoded [0, 1]."""
    x = np.clip(linear, 0, 1)
    return np.where(x <= 0.0031308, 12.92 * x, 1.055 * np.power(x, 1 / 2.4) - 0.055)


def render_window(site: DroneSite, flight: Flight, window: Window) -> tuple[np.ndarray, np.ndarray]:
    """Pixels of one window of a flight: (bands, truth). Bands are uint8 red, green, blue, alpha, or with
    ``multispectral`` uint16 red, green, blue, NIR (reflectance × 10000) and alpha (0/65535)."""
    g = _grid(site, flight.transform, window, flight.seed)
    refl, truth = ground(site, flight, g)
    inside = _mask(flight.footprint, g)
    truth[~inside] = NODATA
    # Light of the day: global brightness varies a few percent (thin cloud, sun height).
    light = 1 + 0.04 * (fbm(g.v, g.u, 2000.0, flight.seed + 5, octaves=1) - 0.5)
    rgb_refl = refl[[2, 1, 0]] * light[None]  # red, green, blue
    if flight.multispectral:
        noise = 0.002 * g.rng.standard_normal((4, *g.shape), dtype=np.float32)
        lin = np.concatenate([rgb_refl, refl[3:4] * light[None]]) + noise
        out = np.clip(np.round(lin * 10000), 1, 65535).astype(np.uint16)
        alpha = np.where(inside, 65535, 0).astype(np.uint16)
    else:
        enc = srgb(rgb_refl * flight.gain) * 255
        enc = enc + 1.5 * g.rng.standard_normal((3, *g.shape), dtype=np.float32)
        out = np.clip(np.round(enc), 0, 255).astype(np.uint8)
        alpha = np.where(inside, 255, 0).astype(np.uint8)
    out[:, ~inside] = 0
    return np.concatenate([out, alpha[None]]), truth


def truth_on_grid(site: DroneSite, day: int, transform: Affine, window: Window) -> np.ndarray:
    """Truth classes (no NODATA) of ``day`` sampled on any north-up grid: used to score a change map."""
    dummy = Flight(dt.date(1970, 1, 1), transform.a, transform, 0, 0, shapely.Polygon(), 1.0, 0.0, 0.0, 0)
    return ground(site, dummy, _grid(site, transform, window), day=day, with_colour=False)[1]


# --- files (the only part of this module that writes) ---------------------------------------------


def _windows(width: int, height: int, step: int = WINDOW):
    for r in range(0, height, step):
        for c in range(0, width, step):
            yield Window(c, r, min(step, width - c), min(step, height - r))


def write_flight(
    site: DroneSite,
    flight: Flight,
    path: str | Path,
    truth_path: str | Path | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Path:
    """Write the flight as an ODM-like orthophoto COG (and its truth classes as a uint8 COG)."""
    import rasterio
    import rasterio.shutil
    from rasterio.enums import ColorInterp

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    n = 5 if flight.multispectral else 4
    dtype = "uint16" if flight.multispectral else "uint8"
    prof = dict(
        driver="GTiff",
        width=flight.width,
        height=flight.height,
        count=n,
        dtype=dtype,
        crs=site.crs,
        transform=flight.written_transform,
        tiled=True,
        blockxsize=512,
        blockysize=512,
        compress="deflate",
        predictor=2,
    )
    tmp, ttmp = path.with_suffix(".tmp.tif"), path.with_suffix(".truth.tmp.tif")
    wins = list(_windows(flight.width, flight.height))
    tags = {
        "TIFFTAG_DATETIME": f"{flight.date:%Y:%m:%d} 10:00:00",
        "TIFFTAG_SOFTWARE": "Centinela drone simulator (SIMULATED imagery)",
        "CENTINELA_SIMULATED": "true",
    }
    try:
        with (
            rasterio.open(tmp, "w", **prof) as dst,
            rasterio.open(ttmp, "w", **{**prof, "count": 1, "dtype": "uint8", "predictor": 1}) as tdst,
        ):
            if flight.multispectral:
                dst.colorinterp = [ColorInterp.undefined] * 4 + [ColorInterp.alpha]
                for i, name in enumerate(("Red", "Green", "Blue", "NIR"), start=1):
                    dst.set_band_description(i, name)
            else:
                dst.colorinterp = [ColorInterp.red, ColorInterp.green, ColorInterp.blue, ColorInterp.alpha]
            dst.update_tags(**tags)
            for k, win in enumerate(wins):
                bands, truth = render_window(site, flight, win)
                dst.write(bands, window=win)
                tdst.write(truth, 1, window=win)
                if progress:
                    progress(k + 1, len(wins))
        rasterio.shutil.copy(
            tmp, path, driver="COG", compress="DEFLATE", predictor="YES", blocksize="512", overview_resampling="AVERAGE"
        )
        if truth_path is not None:
            rasterio.shutil.copy(
                ttmp, truth_path, driver="COG", compress="DEFLATE", blocksize="512", overview_resampling="MODE"
            )
    finally:
        for p in (tmp, ttmp):
            p.unlink(missing_ok=True)
    return path


@dataclass(frozen=True)
class DroneSimulation:
    """What :func:`simulate_drone` wrote."""

    out: Path
    site: DroneSite
    flights: tuple[Flight, ...]
    orthos: tuple[Path, ...]
    truths: tuple[Path, ...]
    sites: Path  # GeoPackage: layer 'sites' (replanted plot, mined area, whole site)


def simulate_drone(
    out: str | Path,
    seed: int = 1,
    dates: tuple[dt.date, ...] = (dt.date(2024, 7, 15), dt.date(2025, 7, 20)),
    res: float | tuple[float, ...] = DRONE_RES,
    size_m: float = DEFAULT_SIZE_M,
    center: tuple[float, float] = DEFAULT_CENTER,
    multispectral: bool = False,
    shift_m: tuple[float, float] = (6.0, -4.0),
    geo_error_m: tuple[float, float] = (0.0, 0.0),
    progress: Callable[[int, int], None] | None = None,
) -> DroneSimulation:
    """Simulate one or more flights of one site; later flights are moved by ``shift_m`` × their order
    (a different flown area, as a second mission never covers exactly the same ground) and their
    georeference is off by ``geo_error_m`` × their order (0 by default: flights with ground control)."""
    import geopandas as gpd

    if not dates:
        raise SimulationError("at least one flight date is needed")
    dates = tuple(sorted(dates))
    ress = res if isinstance(res, tuple) else (res,) * len(dates)
    if len(ress) != len(dates):
        raise SimulationError(f"{len(ress)} resolutions for {len(dates)} dates")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    second = dates[1] if len(dates) > 1 else dates[0] + dt.timedelta(days=365)
    site = build_site(seed, center, size_m, dates[0], second)
    flights, orthos, truths = [], [], []
    for i, (d, r) in enumerate(zip(dates, ress, strict=True)):
        f = plan_flight(
            site,
            d,
            r,
            (shift_m[0] * i, shift_m[1] * i),
            multispectral=multispectral,
            geo_error_m=(geo_error_m[0] * i, geo_error_m[1] * i),
        )
        stem = f"flight_{d:%Y%m%d}"
        orthos.append(write_flight(site, f, out / f"{stem}_odm_orthophoto.tif", out / f"{stem}_truth.tif", progress))
        truths.append(out / f"{stem}_truth.tif")
        flights.append(f)
    names, geoms = zip(*site.sites(), strict=True)
    sites = out / "sites.gpkg"
    gpd.GeoDataFrame({"site": list(names), "simulated": True}, geometry=list(geoms), crs=site.crs).to_file(
        sites, layer="sites"
    )
    (out / "drone_simulation.json").write_text(
        json.dumps(
            {
                "seed": seed,
                "dates": [str(d) for d in dates],
                "res": list(ress),
                "size_m": size_m,
                "center": list(center),
                "multispectral": multispectral,
                "shift_m": list(shift_m),
                "geo_error_m": list(geo_error_m),
                "simulated": True,
                "truth_codes": {"0": "nodata", "1": "vegetation", "2": "bare", "3": "water"},
            },
            indent=2,
        )
    )
    return DroneSimulation(out, site, tuple(flights), tuple(orthos), tuple(truths), sites)
