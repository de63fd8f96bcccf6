"""The scene model: grid, dates, river, roads and the dated events that change the land.

Everything here is vector geometry and parameters in the scene's UTM CRS. The same objects are
rasterised window by window to draw the images (:mod:`centinela.sim.render`) and written as the
ground truth, so images and truth cannot disagree.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass

import numpy as np
import shapely
from affine import Affine
from pyproj import CRS, Transformer

from ..errors import SimulationError
from .noise import fbm
from .river import DAYS_PER_YEAR, River, random_river

EPOCH = dt.date(1970, 1, 1)
CAUSES = ("mining", "agriculture", "logging_road", "river_change", "regrowth")
RES = 10.0
DEFAULT_CENTER = (-12.95, -70.0)  # La Pampa, along the Interoceanic highway (km 98–115)
DEFAULT_CRS = "EPSG:32719"


POND_LEVEL = 0.6
"""Mine ground where :func:`pond_noise` exceeds this holds a pond (render draws them; restoration plots avoid them)."""


def pond_noise(rows: np.ndarray, cols: np.ndarray, seed: int) -> np.ndarray:
    """The field that places ponds on mine ground (and varies their colour), at absolute pixel rows × cols."""
    return fbm(rows, cols, 22.0, seed + 10, octaves=3)


def day_number(d: dt.date) -> int:
    return (d - EPOCH).days


def from_day_number(n: float) -> dt.date:
    return EPOCH + dt.timedelta(days=int(n))


@dataclass(frozen=True)
class Event:
    """One dated change of land cover, as it will appear in the ground truth."""

    event_id: str
    cause: str
    day: int  # days since 1970-01-01
    geometry: shapely.Geometry
    group: str  # the front or site this stage belongs to
    stage: int = 0
    source: str = "simulated"


@dataclass(frozen=True)
class Acquisition:
    """Per-date parameters of one simulated Sentinel-2 overpass."""

    day: int
    platform: str
    relative_orbit: int
    partial: bool  # the tile sits at the edge of this orbit's swath
    cloud_fraction: float
    thin_cloud: float  # peak opacity of thin cloud / cirrus
    haze: float
    shadow_shift: tuple[int, int]  # cloud-to-shadow offset in pixels (rows, cols)
    seed: int

    @property
    def date(self) -> dt.date:
        return from_day_number(self.day)


@dataclass(frozen=True)
class Scene:
    """Everything needed to render any window of any date, deterministically."""

    seed: int
    size: int
    crs: str
    transform: Affine
    acquisitions: tuple[Acquisition, ...]
    river: River
    highway: shapely.Geometry  # asphalt surface
    verges: shapely.Geometry  # cleared margins and settlements along the highway
    pasture: shapely.Geometry  # farmland already cleared before the first date
    stock_mining: tuple[Event, ...]  # mining already there before the first date
    events: tuple[Event, ...]
    swath_edge: tuple[float, float, float]  # a, b, c: pixels with a*col + b*row > c are outside the partial swath
    events_source: str = "random"

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        x0, y1 = self.transform.c, self.transform.f
        return (x0, y1 - self.size * RES, x0 + self.size * RES, y1)

    @property
    def footprint(self) -> shapely.Geometry:
        return shapely.box(*self.bounds)

    def by_cause(self, cause: str) -> list[Event]:
        return [e for e in self.events if e.cause == cause]


# --- clouds and seasons ---------------------------------------------------------------------------


def mean_cloud_fraction(day: int) -> float:
    """Climatological cloud fraction for Madre de Dios: wet Nov–Apr mostly cloudy, Jun–Sep clearer.

    A cosine peaking in mid-January (0.90) with its minimum in mid-July (0.20), matching the
    wet/dry season contrast described in remote-sensing-methods (§2, MDD is among the cloudiest
    parts of the Amazon; dry season ~Jun–Sep gives most clear scenes).
    """
    doy = day % DAYS_PER_YEAR
    return float(0.55 + 0.35 * np.cos(2 * np.pi * (doy - 15) / DAYS_PER_YEAR))


def make_acquisitions(rng: np.random.Generator, start: dt.date, end: dt.date, revisit: int) -> tuple[Acquisition, ...]:
    acqs = []
    d0, d1 = day_number(start), day_number(end)
    for i, day in enumerate(range(d0, d1 + 1, revisit)):
        m = mean_cloud_fraction(day)
        if rng.random() < max(0.0, m - 0.6) * 0.8:
            cf = 1.0  # all-cloud dates are common in the wet season
        else:
            k = 3.0
            cf = float(np.clip(rng.beta(max(m * k, 0.05), max((1 - m) * k, 0.05)), 0.0, 1.0))
        acqs.append(
            Acquisition(
                day=day,
                platform="sentinel-2a" if i % 2 == 0 else "sentinel-2b",
                relative_orbit=10 if i % 3 else 53,
                partial=(i % 3 == 0),
                cloud_fraction=cf,
                thin_cloud=float(rng.uniform(0.05, 0.3)) if rng.random() < 0.3 + 0.3 * m else 0.0,
                haze=float(rng.uniform(0.0, 0.6) * (0.5 + m)),
                shadow_shift=(int(rng.integers(15, 45)), int(rng.integers(-40, -10))),
                seed=int(rng.integers(1, 2**31 - 1)),
            )
        )
    if not acqs:
        raise SimulationError(f"no acquisition between {start} and {end} with a {revisit}-day revisit")
    return tuple(acqs)


# --- shapes ---------------------------------------------------------------------------------------


def blob(rng: np.random.Generator, cx: float, cy: float, radius: float, elongation: float, angle: float) -> tuple:
    """A star-shaped lobe generator: returns a function r -> irregular polygon of mean radius r."""
    k = np.arange(2, 7)
    amp = rng.uniform(0.04, 0.18, size=k.size) / k**0.3
    ph = rng.uniform(0, 2 * np.pi, size=k.size)
    phi = np.linspace(0, 2 * np.pi, 72, endpoint=False)
    wobble = 1 + (amp[:, None] * np.cos(k[:, None] * phi[None, :] + ph[:, None])).sum(0)
    ca, sa = np.cos(angle), np.sin(angle)

    def shape(r: float) -> shapely.Geometry:
        a = r * wobble * np.cos(phi) * elongation
        b = r * wobble * np.sin(phi) / elongation
        return shapely.Polygon(np.column_stack([cx + a * ca - b * sa, cy + a * sa + b * ca])).buffer(0)

    return shape


def grow_front(
    rng: np.random.Generator,
    region: shapely.Geometry,
    seed_xy: tuple[float, float],
    fraction: float,
    start_day: int,
    months: int,
    angle: float,
    group: str,
    source: str,
    cause: str = "mining",
) -> list[Event]:
    """Stages of a mining front that grows from ``seed_xy`` until it covers ``fraction`` of ``region``.

    The front's area grows linearly in time, one stage a month; each stage is the newly cleared ring.
    """
    target = fraction * region.area
    if target < 2 * RES * RES:
        return []
    shape = blob(rng, seed_xy[0], seed_xy[1], 1.0, float(rng.uniform(1.2, 2.2)), angle)
    lo, hi = 1.0, 4 * np.sqrt(region.area)
    for _ in range(30):  # bisection for the radius that reaches the target area
        mid = 0.5 * (lo + hi)
        if shape(mid).intersection(region).area < target:
            lo = mid
        else:
            hi = mid
    r_final = hi
    events, done = [], shapely.Polygon()
    months = max(1, months)
    for k in range(1, months + 1):
        r = r_final * np.sqrt(k / months)
        cover = shape(r).intersection(region)
        ring = cover.difference(done)
        done = cover
        if ring.area < RES * RES:
            continue
        events.append(
            Event(f"{group}-s{k:02d}", cause, int(start_day + (k - 1) * 30), shapely.make_valid(ring), group, k, source)
        )
    return events


def random_point_in(rng: np.random.Generator, geom: shapely.Geometry) -> tuple[float, float]:
    x0, y0, x1, y1 = geom.bounds
    for _ in range(200):
        p = shapely.Point(rng.uniform(x0, x1), rng.uniform(y0, y1))
        if geom.contains(p):
            return p.x, p.y
    rp = geom.representative_point()
    return rp.x, rp.y


def _roadside(
    rng: np.random.Generator, road: shapely.LineString, angle: float, dmin: float, dmax: float
) -> tuple[float, float, int]:
    """A random point on a random side of ``road``, ``dmin``–``dmax`` m off it: (x, y, side)."""
    p = road.interpolate(rng.uniform(0, road.length))
    side = int(rng.choice([-1, 1]))
    dist = rng.uniform(dmin, dmax)
    return p.x - dist * np.sin(angle) * side, p.y + dist * np.cos(angle) * side, side


def _wander(rng: np.random.Generator, x: float, y: float, heading: float, steps: int, step_m: float) -> np.ndarray:
    pts = [(x, y)]
    for _ in range(steps):
        heading += rng.normal(0, 0.25)
        x, y = x + step_m * np.cos(heading), y + step_m * np.sin(heading)
        pts.append((x, y))
    return np.asarray(pts)


# --- the scene ------------------------------------------------------------------------------------


def scene_grid(center: tuple[float, float], size: int, crs: str = DEFAULT_CRS) -> Affine:
    lat, lon = center
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise SimulationError(f"center must be LAT,LON in degrees; got {center}")
    x, y = Transformer.from_crs("EPSG:4326", crs, always_xy=True).transform(lon, lat)
    half = size * RES / 2
    x0 = np.round((x - half) / 20.0) * 20.0  # 20 m aligned, so the SWIR grid nests in the 10 m grid
    y1 = np.round((y + half) / 20.0) * 20.0
    return Affine(RES, 0.0, float(x0), 0.0, -RES, float(y1))


def build_scene(
    seed: int,
    size: int,
    start: dt.date,
    end: dt.date,
    center: tuple[float, float] = DEFAULT_CENTER,
    revisit: int = 5,
    footprints: list[tuple[shapely.Geometry, dt.date, dt.date, float | None]] | None = None,
    events_source: str = "random",
    changes: bool = True,
    restoration_plots: int = 0,
) -> Scene:
    """Draw a scene. ``footprints`` are real mining polygons (UTM) with their period (from, to) and the
    mined area in ha where known; without them, mining fronts are drawn along the river.

    With ``changes=False`` nothing changes during the series (no event, a river that does not migrate),
    but seasons, clouds, the river stage and its sandbars still come and go: a no-change control.

    ``restoration_plots`` adds that many old mine scars with known restoration trajectories (see
    :func:`restoration_plots_for`), drawn from their own random stream: with the default 0 a scene is
    exactly what it was without the option.
    """
    if size < 64 or size > 10980 or size % 2:
        raise SimulationError(f"--size must be an even number of pixels from 64 to 10980; got {size}")
    if end < start:
        raise SimulationError(f"--end {end} is before --start {start}")
    crs = CRS.from_user_input(DEFAULT_CRS).to_string()
    rng = np.random.default_rng(seed)
    transform = scene_grid(center, size, DEFAULT_CRS)
    x0, y1 = transform.c, transform.f
    extent = size * RES
    bounds = (x0, y1 - extent, x0 + extent, y1)
    box = shapely.box(*bounds)
    cx, cy = x0 + extent / 2, y1 - extent / 2
    d0, d1 = day_number(start), day_number(end)
    area_km2 = (extent / 1000) ** 2

    acqs = make_acquisitions(rng, start, end, revisit)
    river = random_river(rng, cx, cy, extent, float(d0))
    if not changes:
        river = dataclasses.replace(river, migration_m_per_year=0.0)
    u_range = (-extent * 1.5, extent * 1.5)
    belt_all = shapely.union_all([river.belt_polygon(t, u_range, margin=30.0) for t in np.linspace(d0, d1 + 365, 5)])

    # Highway (Interoceanic-like): a gently curving line across the scene, with cleared verges.
    h_angle = river.angle + rng.uniform(0.5, 1.2) * rng.choice([-1, 1])
    hx, hy = cx + rng.uniform(-0.25, 0.25) * extent, cy + rng.uniform(-0.25, 0.25) * extent
    pts = []
    for s in np.linspace(-1.6 * extent, 1.6 * extent, 64):
        bend = 0.04 * extent * np.sin(s / extent * 2.0 + seed)
        pts.append(
            (hx + s * np.cos(h_angle) - bend * np.sin(h_angle), hy + s * np.sin(h_angle) + bend * np.cos(h_angle))
        )
    highway_line = shapely.LineString(pts)
    highway = highway_line.buffer(6.0).intersection(box)
    verges = highway_line.buffer(25.0).difference(belt_all).intersection(box)

    # Farmland along the highway before the first date, and new clearings during the series.
    pasture_parts, events = [], []
    n_farms = max(3, int(area_km2 * 1.8))
    for _ in range(n_farms):
        x, y, side = _roadside(rng, highway_line, h_angle, 30, 900)
        w, length = rng.uniform(80, 300), rng.uniform(100, 500)
        rect = shapely.affinity.rotate(
            shapely.box(-length / 2, 0, length / 2, side * w), np.degrees(h_angle), origin=(0, 0)
        )
        pasture_parts.append(shapely.affinity.translate(rect, x, y))
    pasture = shapely.union_all(pasture_parts).difference(belt_all).intersection(box)

    n_clear = max(3, int(area_km2 * 0.8))
    for i in range(n_clear):
        x, y, _ = _roadside(rng, highway_line, h_angle, 150, 2000)
        ha = rng.lognormal(np.log(1.5), 0.6)  # small clearings, median 1.5 ha
        length = np.sqrt(ha * 1e4 * rng.uniform(1.0, 3.0))
        w = ha * 1e4 / length
        rect = shapely.affinity.rotate(
            shapely.box(-length / 2, -w / 2, length / 2, w / 2), np.degrees(h_angle) + rng.normal(0, 10), origin=(0, 0)
        )
        geom = shapely.affinity.translate(rect, x, y)
        geom = geom.difference(belt_all).difference(pasture).intersection(box)
        if geom.area > 2 * RES * RES:
            events.append(Event(f"agr-{i:03d}", "agriculture", int(rng.integers(d0, d1 + 1)), geom, f"agr-{i:03d}"))

    # Logging roads pushed from the highway into the forest, built over weeks.
    n_roads = max(1, int(area_km2 * 0.15))
    for i in range(n_roads):
        p = highway_line.interpolate(rng.uniform(0, highway_line.length))
        heading = h_angle + np.pi / 2 * rng.choice([-1, 1]) + rng.normal(0, 0.3)
        path = _wander(rng, p.x, p.y, heading, int(rng.integers(8, 30)), 100.0)
        day = int(rng.integers(d0, d1 + 1))
        seg_per_stage = 4
        for k, j in enumerate(range(0, len(path) - 1, seg_per_stage)):
            seg = shapely.LineString(path[j : j + seg_per_stage + 1]).buffer(4.0, cap_style="flat")
            seg = seg.difference(belt_all).difference(pasture).intersection(box)
            if seg.area > 0.5 * RES * RES:
                events.append(
                    Event(f"road-{i:03d}-s{k:02d}", "logging_road", day + 14 * k, seg, f"road-{i:03d}", k + 1)
                )

    # Mining: real footprints with their periods, or fronts along the river.
    stock: list[Event] = []
    if footprints:
        # Oldest first: a later period only clears what earlier ones left standing. AMW's period
        # layers overlap (re-detections across model generations), and land mined before is not
        # forest loss again.
        claimed = shapely.Polygon()
        order = sorted(range(len(footprints)), key=lambda k: (footprints[k][2], k))
        for i in order:
            geom, p_from, p_to, mined_ha = footprints[i]
            geom = geom.difference(belt_all).intersection(box)
            if geom.is_empty or geom.area < 4 * RES * RES:
                continue
            frac = 0.45 if mined_ha is None else float(np.clip(mined_ha * 1e4 / max(geom.area, 1.0), 0.2, 1.0))
            region = geom.difference(claimed)
            if region.area < 4 * RES * RES:
                continue
            frac = min(1.0, frac * geom.area / region.area)
            seed_xy = random_point_in(rng, region)
            angle = float(rng.uniform(0, np.pi))
            group = f"mine-{i:04d}"
            if day_number(p_to) < d0:  # visible before the series starts: existing mine scar
                stages = grow_front(rng, region, seed_xy, frac, d0 - 400, 1, angle, group, events_source)
                stock.extend(stages)
            elif day_number(p_from) <= d1:
                lo, hi = max(day_number(p_from), d0 - 60), min(day_number(p_to), d1)
                months = int(rng.integers(2, 7))
                t0 = int(rng.integers(lo, max(lo + 1, hi - 15 * months)))
                stages = grow_front(rng, region, seed_xy, frac, t0, months, angle, group, events_source)
                events.extend(stages)
            else:
                continue
            if stages:
                claimed = shapely.union_all([claimed, *(e.geometry for e in stages)])
    else:
        n_fronts = max(1, int(area_km2 * 0.12))
        n_old = max(1, n_fronts // 2)
        claimed = shapely.Polygon()
        # Older mines first, so new fronts only clear forest they left (and often grow out of them).
        for i in [*range(n_fronts, n_fronts + n_old), *range(n_fronts)]:
            u = float(rng.uniform(-0.45, 0.45) * extent)
            side = int(rng.choice([-1, 1]))
            x, y, flow = river.bank_point(u, side, float(d0), float(rng.uniform(20, 250)))
            region = shapely.Point(x, y).buffer(1.0)
            region = shapely.affinity.scale(region, rng.uniform(350, 900), rng.uniform(150, 400))
            region = shapely.affinity.rotate(region, np.degrees(flow), origin=(x, y))
            region = region.difference(belt_all).difference(claimed).intersection(box)
            if region.is_empty:
                continue
            group = f"mine-{i:04d}"
            if i >= n_fronts:  # older mines, already there
                stages = grow_front(
                    rng, region, (x, y), float(rng.uniform(0.5, 0.9)), d0 - 400, 1, flow, group, "random"
                )
                stock.extend(stages)
            else:
                months = int(rng.integers(3, 10))
                t0 = int(rng.integers(d0 - 60, max(d0, d1 - 30 * months)))
                stages = grow_front(
                    rng, region, (x, y), float(rng.uniform(0.5, 0.9)), t0, months, flow, group, "random"
                )
                events.extend(stages)
            if stages:
                claimed = shapely.union_all([claimed, *(e.geometry for e in stages)])

    # Mining takes precedence over farms and roads where they overlap (as when drawing), so the truth
    # counts each hectare once.
    mined = shapely.union_all([e.geometry for e in (*stock, *events) if e.cause == "mining"])
    if not mined.is_empty:
        kept = []
        for e in events:
            if e.cause in ("agriculture", "logging_road"):
                g = e.geometry.difference(mined)
                if g.area <= 0.5 * RES * RES:
                    continue
                e = dataclasses.replace(e, geometry=g)
            kept.append(e)
        events = kept

    # Regrowth on part of the old mine scars (natural or assisted recovery).
    for j, site in enumerate(stock):
        if rng.random() < 0.35:
            part = site.geometry.intersection(
                shapely.Point(random_point_in(rng, site.geometry)).buffer(np.sqrt(site.geometry.area) * 0.6)
            )
            if part.area > 4 * RES * RES:
                day = int(rng.integers(d0 - 200, max(d0 - 199, d1 - 30)))
                events.append(Event(f"regrowth-{j:03d}", "regrowth", day, part, site.group, 0, site.source))

    if restoration_plots:
        avoid = shapely.union_all(
            [belt_all, highway_line.buffer(40.0), pasture, *(e.geometry for e in (*stock, *events))]
        )
        plot_stock, plot_events = restoration_plots_for(seed, restoration_plots, box, avoid, d0, d1, transform)
        stock.extend(plot_stock)
        events.extend(plot_events)

    # Partial swath: the edge of the adjacent orbit runs roughly N–S, tilted ~10°.
    tilt = float(np.tan(np.radians(10.0)))
    edge = (1.0, tilt, float(size * rng.uniform(0.55, 0.85) + tilt * size / 2))
    if not changes:
        events = [e for e in events if e.day < d0 - 90]  # what happened long before stays; nothing new
    return Scene(
        seed=seed,
        size=size,
        crs=crs,
        transform=transform,
        acquisitions=acqs,
        river=river,
        highway=highway,
        verges=verges,
        pasture=pasture,
        stock_mining=tuple(stock),
        events=tuple(sorted(events, key=lambda e: (e.day, e.event_id))),
        swath_edge=edge,
        events_source=events_source,
    )


# --- restoration plots (test scenes for centinela.restore) ------------------------------------------

RESTORATION_TRAJECTORIES = ("planted", "remined", "bare")
"""What happens to each restoration plot, in turn: planted early in the series and greening; regrown for
years before the series and then mined again half-way through it; left bare (no recovery)."""


POND_SHARE = {"planted": (0.0, 0.2), "remined": (0.0, 0.2), "bare": (0.1, 0.6)}
"""Share of each plot under ponds: planted and re-mined plots need green ground to gain or lose; the bare plot is a
flooded, stalled scar with ponds, as many abandoned mines are."""


def pond_share(geom: shapely.Geometry, transform: Affine, seed: int) -> float:
    """Share of the pixels of ``geom`` that :func:`pond_noise` turns into ponds on mine ground."""
    inv = ~transform
    c0, r0 = inv @ (geom.bounds[0], geom.bounds[3])
    c1, r1 = inv @ (geom.bounds[2], geom.bounds[1])
    rows = np.arange(int(np.floor(r0)), int(np.ceil(r1)) + 1, dtype=np.float64)
    cols = np.arange(int(np.floor(c0)), int(np.ceil(c1)) + 1, dtype=np.float64)
    xs = transform.c + (cols + 0.5) * transform.a
    ys = transform.f + (rows + 0.5) * transform.e
    inside = shapely.contains_xy(geom, *np.meshgrid(xs, ys))
    if not inside.any():
        return 0.0
    return float((pond_noise(rows, cols, seed)[inside] > POND_LEVEL).mean())


def restoration_plots_for(
    seed: int,
    n: int,
    box: shapely.Geometry,
    avoid: shapely.Geometry,
    d0: int,
    d1: int,
    transform: Affine,
    source: str = "simulated",
) -> tuple[list[Event], list[Event]]:
    """``n`` old mine scars (about 1.5–3 ha, in forest, clear of the river, roads, farms and other mining) with known
    trajectories, cycling through :data:`RESTORATION_TRAJECTORIES`, each placed where the scene's pond pattern gives
    it the pond share of :data:`POND_SHARE`. Returns (stock scars, dated events).

    Group ids are ``rest-<k>-<trajectory>``, so the truth says what each plot should be judged. A planted
    plot gets a ``regrowth`` event early in the series (the planting date); a re-mined plot regrew from
    ~2 years before the series and gets a ``mining`` event over part of it half-way through. Their own
    random stream keeps every other draw of the scene unchanged.
    """
    rng = np.random.default_rng([seed, 0x5E57])
    x0, y0, x1, y1 = box.bounds
    margin = 100.0
    stock: list[Event] = []
    events: list[Event] = []
    taken = avoid
    for k in range(n):
        kind = RESTORATION_TRAJECTORIES[k % len(RESTORATION_TRAJECTORIES)]
        for _ in range(1000):
            cx, cy = rng.uniform(x0 + margin, x1 - margin), rng.uniform(y0 + margin, y1 - margin)
            shape = blob(rng, cx, cy, 1.0, float(rng.uniform(1.0, 1.4)), float(rng.uniform(0, np.pi)))(
                float(rng.uniform(70, 90))
            )
            lo, hi = POND_SHARE[kind]
            if not shape.buffer(40.0).intersects(taken) and lo <= pond_share(shape, transform, seed) <= hi:
                break
        else:
            raise SimulationError(f"no room for {n} restoration plots in a {int(x1 - x0)} m scene; use a larger --size")
        taken = shapely.union_all([taken, shape])
        group = f"rest-{k:02d}-{kind}"
        stock.append(Event(f"{group}-s01", "mining", d0 - 900, shape, group, 1, source))
        if kind == "planted":
            events.append(Event(f"{group}-planted", "regrowth", int(d0 + 0.1 * (d1 - d0)), shape, group, 0, source))
        elif kind == "remined":
            events.append(Event(f"{group}-regrowth", "regrowth", d0 - 700, shape, group, 0, source))
            part = shape.intersection(shapely.Point(shape.centroid).buffer(np.sqrt(shape.area) * 0.45))
            events.append(Event(f"{group}-s02", "mining", int(d0 + 0.5 * (d1 - d0)), part, group, 2, source))
    return stock, events
