"""Dated land-cover changes (the truth): where each event happens, when each part of it happens, and what the
ground looks like afterwards, month by month.

Every event is a list of steps; a step is the set of pixels that change on its date (its *new* area).
Mining fronts grow over several steps; most other events have one. After its date a pixel follows the
trajectory of its event's kind, expressed as endmember weights (see ``landscape``):

- mining: felled, then bare sediment for good; a fifth of the pits fill into turbid ponds after 1-4 months
  (the reference: mined ground stays bare or turns to ponds);
- farm (green): slash, bare, then crops or pasture green up, NDVI back above 0.55 in 2-6 months
  (the reference: crops and pasture green up);
- farm (burn): slash that dries, is burnt (char), then greens up;
- road: a narrow bare corridor that stays bare;
- bank erosion: the bank collapses (wet, muddy) and becomes river;
- bar: river water turns to sand for a season, then is water again (a change that is not forest loss);
- burn: a fire scar in forest, char that regrows into scrub.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
from scipy import ndimage

import amw
from landscape import (
    CHAR,
    FOREST,
    HUMAN,
    MINING,
    N_COVERS,
    NATURAL,
    SAND,
    WATER,
    Landscape,
    blob,
    place_outline,
    ragged,
    random_free_pixel,
    rotated_rectangle,
)
from spectra import smooth_normal

CAUSE = {
    "river_mining": "mining",
    "terrace_mining": "mining",
    "scrub_mining": "mining_nonforest",
    "farm_green": "farm",
    "farm_burn": "farm",
    "road": "road",
    "bank_erosion": "bank_erosion",
    "bar": "bar",
    "burn": "burn",
}
"""Event kind -> truth cause (the causes the brief names)."""
MINING_CAUSES = ("mining", "mining_nonforest")


@dataclass
class Step:
    date: dt.date
    mask: np.ndarray  # bool (H, W): pixels that change on this date


@dataclass
class Event:
    event_id: str
    kind: str
    setting: str  # where it happens: river bank, terrace, scrub, floodplain, upland, channel
    steps: list[Step]
    ends: dt.date | None = None  # a temporary change (a bar) is gone from this date
    params: dict = field(default_factory=dict)  # per-event rates (greening time, burn day...)
    pond: np.ndarray | None = None  # bool (H, W): mined pixels that become ponds

    @property
    def cause(self) -> str:
        return CAUSE[self.kind]

    @property
    def start(self) -> dt.date:
        return self.steps[0].date

    @property
    def footprint(self) -> np.ndarray:
        return np.logical_or.reduce([s.mask for s in self.steps])


# --- what a pixel looks like at age a (days since its step) -----------------------------------------------------


def _green(age: np.ndarray, start: float, days_to_055: float, f_max: float = 0.85) -> np.ndarray:
    """Green cover share of a regrowing field: 0 before ``start``, ~0.7 (NDVI ~0.6) ``days_to_055`` after clearing."""
    tau = max(days_to_055 - start, 10.0) / np.log(f_max / (f_max - 0.7))
    return np.where(age > start, f_max * (1 - np.exp(-(age - start) / tau)), 0.0)


def trajectory(ev: Event, age: np.ndarray, base: np.ndarray, pond: np.ndarray) -> np.ndarray:
    """Endmember weights (N_COVERS, n) of pixels ``age`` days after they changed; ``base`` is their cover before."""
    w = np.zeros((N_COVERS, age.size), np.float32)
    p = ev.params
    if ev.kind in ("river_mining", "terrace_mining", "scrub_mining"):
        felled = age < 12  # trees cut first, ground stripped within two weeks
        w[:] = np.where(felled, 0.35 * base, 0.0)
        w[MINING] += np.where(felled, 0.65, 1.0)
        wet = np.clip((age - p["pond_day"]) / 20.0, 0, 1) * pond
        w *= 1 - wet
        w[WATER] += wet
    elif ev.kind == "farm_green":
        slash = np.clip(1 - age / 15.0, 0, 0.5)
        g = _green(age, p["green_start"], p["days_to_green"])
        w[:] = slash * base
        w[FOREST] += (1 - slash) * g
        w[HUMAN] += (1 - slash) * (1 - g)
    elif ev.kind == "farm_burn":
        b = p["burn_day"]
        drying = np.where(age < b, np.clip(0.5 - 0.3 * age / b, 0.2, 0.5), 0.0)  # felled trees drying on the field
        char = np.where(age >= b, np.exp(-(age - b) / 45.0), 0.0)
        g = _green(age, b + 20, b + p["days_to_green"])
        w[:] = drying * base
        w[FOREST] += g
        w[CHAR] += (1 - drying) * (1 - g) * char
        w[HUMAN] += (1 - drying) * (1 - g) * (1 - char)
    elif ev.kind == "road":
        keep = np.where(age < 8, 0.4, 0.0)
        w[:] = keep * base
        w[HUMAN] += 1 - keep
    elif ev.kind == "bank_erosion":
        w[NATURAL] = age < 15  # slumped wet bank for a fortnight, then part of the channel
        w[WATER] = age >= 15
    elif ev.kind == "bar":
        # Emerges over ten days at low water, drowns over ten days when the river rises.
        sand = np.clip((age + 1) / 10.0, 0, 1) * np.clip((p["duration"] - age) / 10.0, 0, 1)
        w[:] = (1 - sand) * base
        w[SAND] += sand
    elif ev.kind == "burn":
        keep = np.where(age < 45, 0.3, 0.0)  # dead trees still standing over the ash for six weeks
        char = 0.7 * np.clip(1 - (age - 45) / 150.0, 0, 1)  # then the char fades over five months
        regrow = np.clip((age - 45) / 240.0, 0, 0.6)  # and scrub, not forest, comes back
        w[:] = keep * base
        w[CHAR] += char
        w[FOREST] += regrow
        w[HUMAN] += np.clip(1 - keep - char - regrow, 0, 1)
    else:
        raise ValueError(ev.kind)
    return w


@dataclass
class Compiled:
    """An event as flat pixel arrays, for rendering one date quickly."""

    event: Event
    idx: np.ndarray  # flat pixel indices
    start_day: np.ndarray  # day number (ordinal) each pixel changes
    pond: np.ndarray  # bool per pixel


def compile_events(events: list[Event]) -> list[Compiled]:
    out = []
    for ev in events:
        day = np.full(ev.steps[0].mask.size, np.iinfo(np.int32).max, np.int64)
        for s in ev.steps:  # earlier steps win where steps touch (they never should)
            day[s.mask.ravel() & (day == np.iinfo(np.int32).max)] = s.date.toordinal()
        idx = np.flatnonzero(day != np.iinfo(np.int32).max)
        pond = ev.pond.ravel()[idx] if ev.pond is not None else np.zeros(idx.size, bool)
        out.append(Compiled(ev, idx, day[idx], pond))
    return out


def weights_at(base: np.ndarray, compiled: list[Compiled], date: dt.date) -> np.ndarray:
    """Endmember weights (N_COVERS, H, W) of the scene on ``date``."""
    w = base.reshape(N_COVERS, -1).copy()
    today = date.toordinal()
    for c in compiled:
        ev = c.event
        if ev.ends is not None and today >= ev.ends.toordinal() + 10:
            continue  # a bar that is gone (after ten days of drowning, see trajectory) leaves the base cover
        on = c.start_day <= today
        if not on.any():
            continue
        idx = c.idx[on]
        w[:, idx] = trajectory(ev, (today - c.start_day[on]).astype(np.float64), w[:, idx], c.pond[on])
    return w.reshape(base.shape)


# --- placing events ------------------------------------------------------------------------------------------


def _dates(rng: np.random.Generator, start: dt.date, n: int, gap: tuple[int, int]) -> list[dt.date]:
    out = [start]
    for _ in range(n - 1):
        out.append(out[-1] + dt.timedelta(days=int(rng.integers(*gap))))
    return out


def _grow(rng: np.random.Generator, mask: np.ndarray, seed: tuple[int, int], dates: list[dt.date]) -> list[Step]:
    """Split ``mask`` into steps of similar area that advance away from ``seed`` with a ragged front."""
    r, c = np.nonzero(mask)
    d = np.hypot(r - seed[0], c - seed[1])
    d = d + 0.25 * d.max() * smooth_normal(rng, mask.shape, 3)[r, c] / 2
    edges = np.quantile(d, np.linspace(0, 1, len(dates) + 1))
    steps = []
    for k, date in enumerate(dates):
        sel = (d >= edges[k]) & ((d < edges[k + 1]) | (k == len(dates) - 1))
        m = np.zeros(mask.shape, bool)
        m[r[sel], c[sel]] = True
        steps.append(Step(date, m))
    return steps


def _blocked(land: Landscape, gap: int = 3) -> np.ndarray:
    """Pixels a new event may not use: river water, and ``gap`` pixels around anything already there.

    The gap keeps separate events from merging into one alert; the river gets none, because mining fronts
    and bank erosion happen right at the water's edge."""
    water = land.river.water if land.river is not None else np.zeros(land.grid.shape, bool)
    return ndimage.binary_dilation(land.occupied & ~water, iterations=gap) | water


def _outward(field_: np.ndarray, pix: tuple[int, int]) -> np.ndarray:
    """Unit vector (rows, cols) along which ``field_`` grows fastest at ``pix``."""
    gr, gc = np.gradient(field_)
    v = np.array([gr[pix], gc[pix]], np.float64)
    return v / (np.linalg.norm(v) or 1.0)


def _mine(
    rng: np.random.Generator,
    land: Landscape,
    seed: tuple[int, int],
    away: np.ndarray,
    ha: float,
    allowed: np.ndarray,
    reach: float = 0.9,
) -> np.ndarray | None:
    """An AMW outline of ``ha`` hectares near ``seed``, its centre ``reach`` radii away along ``away``."""
    outline = amw.pick(rng, periods=(201900, 202000, 202100, 202200, 202300, 202400, 202502, 202503))
    shape = amw.scaled(outline, ha)
    radius = np.sqrt(shape.area / np.pi) / land.grid.pixel_m
    centre = np.array(seed, np.float64) + away * radius * reach
    m = place_outline(land.grid, shape, *centre)
    inside = m & allowed
    if inside.sum() < 0.8 * m.sum() or inside.sum() < 60:
        return None
    return ragged(rng, inside, depth_px=2, keep=0.6)


def _ponds(rng: np.random.Generator, mask: np.ndarray, share: float) -> np.ndarray:
    n = smooth_normal(rng, mask.shape, 2)
    vals = n[mask]
    return mask & (n > np.quantile(vals, 1 - share)) if vals.size else mask & False


def place(
    rng: np.random.Generator, land: Landscape, kind: str, start: dt.date, last: dt.date, eid: str, scale: float = 1.0
) -> Event | None:
    """One event of ``kind`` starting on ``start``, all of its steps before ``last``; None when it cannot fit."""
    g, rv, n = land.grid, land.river, land.grid.size
    free = ~_blocked(land)
    room = (last - start).days

    def steps_that_fit(k_max: int, gap=(20, 36)) -> list[dt.date]:
        dates = _dates(rng, start, int(rng.integers(max(1, k_max // 2), k_max + 1)), gap)
        return [d for d in dates if d <= last] or [start]

    if kind == "river_mining" and rv is not None:
        bank = rv.bank(reach_px=2.0) & free
        seed = random_free_pixel(rng, bank, margin=n // 8)
        if seed is None:
            return None
        mask = _mine(rng, land, seed, _outward(np.abs(rv.lateral), seed), rng.uniform(5, 10) * scale, free, reach=0.6)
        if mask is None or not (ndimage.binary_dilation(mask, iterations=2) & rv.water).any():
            return None  # a riverside front works the bank itself
        dates = steps_that_fit(min(8, max(1, room // 28)))
        return Event(
            eid,
            kind,
            "river bank",
            _grow(rng, mask, seed, dates),
            params={"pond_day": rng.uniform(30, 120)},
            pond=_ponds(rng, mask, 0.2),
        )
    if kind == "terrace_mining":
        if not land.old_mining.any():
            return None
        dist = ndimage.distance_transform_edt(~land.old_mining)
        near = (dist > 4) & (dist < 25) & free
        if rv is not None:
            near &= np.abs(rv.lateral) > 45  # a terrace: off the active floodplain
        seed = random_free_pixel(rng, near, margin=n // 8)
        if seed is None:
            return None
        mask = _mine(rng, land, seed, _outward(dist, seed), rng.uniform(3, 7) * scale, free)
        if mask is None:
            return None
        dates = steps_that_fit(min(4, max(1, room // 30)))
        return Event(
            eid,
            kind,
            "terrace near older mining",
            _grow(rng, mask, seed, dates),
            params={"pond_day": rng.uniform(30, 120)},
            pond=_ponds(rng, mask, 0.2),
        )
    if kind == "scrub_mining":
        patches = [p for p in land.scrub_patches if p.sum() > 150]
        if not patches:
            return None
        patch = patches[int(rng.integers(len(patches)))]
        core = ndimage.binary_erosion(patch, iterations=6)
        seed = random_free_pixel(rng, core, margin=n // 10)
        if seed is None:
            return None
        away = rng.standard_normal(2)
        away /= np.linalg.norm(away)
        inside = patch & ~ndimage.binary_dilation(~patch, iterations=2)  # keep a rim of scrub around the mine
        mask = _mine(rng, land, seed, away * 0.2, rng.uniform(2, 4) * scale, inside)
        if mask is None:
            return None
        land.scrub_patches = [p for p in land.scrub_patches if p is not patch]  # one mine per patch
        dates = steps_that_fit(min(3, max(1, room // 30)))
        return Event(
            eid,
            kind,
            "scrub (not forest)",
            _grow(rng, mask, seed, dates),
            params={"pond_day": rng.uniform(30, 120)},
            pond=_ponds(rng, mask, 0.2),
        )
    if kind in ("farm_green", "farm_burn"):
        where = free & (np.abs(rv.lateral) < 70 if rv is not None else True)
        for _ in range(40):
            pix = random_free_pixel(rng, where, margin=n // 10)
            if pix is None:
                return None
            area = rng.uniform(1.0, 3.5) * 1e4 * scale
            ratio = rng.uniform(1.2, 2.5)
            m = rotated_rectangle(g, *pix, np.sqrt(area * ratio), np.sqrt(area / ratio), rng.uniform(0, 90))
            if m.sum() > 40 and not (m & ~free).any():
                params = {"green_start": rng.uniform(15, 40), "days_to_green": rng.uniform(60, 180)}
                if kind == "farm_burn":
                    params["burn_day"] = rng.uniform(20, 50)
                return Event(eid, kind, "floodplain" if rv is not None else "upland", [Step(start, m)], params=params)
        return None
    if kind == "road":
        return _road(rng, land, start, last, eid, free)
    if kind == "bank_erosion" and rv is not None:
        outer = (np.sign(rv.lateral) != rv.inner) & (rv.bend > 0.3)
        seed = random_free_pixel(rng, rv.bank(side_inner=False, reach_px=1.5) & outer & free, margin=n // 10)
        if seed is None:
            return None
        u0, length, depth = rv.along[seed], rng.uniform(30, 70), rng.uniform(2.5, 5.0)
        beyond = np.abs(rv.lateral) - rv.halfwidth
        strip = (np.sign(rv.lateral) == np.sign(rv.lateral[seed])) & (np.abs(rv.along - u0) < length / 2)
        first = strip & (beyond > 0) & (beyond <= depth) & free
        if first.sum() < 40:
            return None
        steps = [Step(start, first)]
        second = start + dt.timedelta(days=int(rng.integers(40, 90)))
        if second <= last and rng.random() < 0.6:  # a second slump eats further into the bank
            more = strip & (beyond > depth) & (beyond <= depth + rng.uniform(1.5, 3.0)) & free
            if more.sum() >= 20:
                steps.append(Step(second, more))
        return Event(eid, kind, "outer bank of a bend", steps)
    if kind == "bar" and rv is not None:
        inner = (np.sign(rv.lateral) == rv.inner) & (rv.bend > 0.2)
        water_now = land.base[WATER] > 0.99
        seed = random_free_pixel(
            rng, rv.water & water_now & inner & (np.abs(rv.lateral) > rv.halfwidth - 3), margin=n // 10
        )
        if seed is None:
            return None
        u0, length = rv.along[seed], rng.uniform(20, 45)
        width = rng.uniform(3, 6)
        side = np.sign(rv.lateral) == np.sign(rv.lateral[seed])
        lens = 1 - ((rv.along - u0) / (length / 2)) ** 2  # widest mid-way along, tapering at both ends
        m = side & water_now & (np.abs(rv.lateral) > rv.halfwidth - width * np.clip(lens, 0, 1)) & (lens > 0)
        m &= np.abs(rv.lateral) <= rv.halfwidth
        if m.sum() < 40:
            return None
        duration = int(rng.integers(60, 150))
        return Event(
            eid,
            kind,
            "river channel",
            [Step(start, m)],
            ends=start + dt.timedelta(days=duration),
            params={"duration": duration},
        )
    if kind == "burn":
        pix = random_free_pixel(rng, ndimage.binary_erosion(free, iterations=10), margin=n // 10)
        if pix is None:
            return None
        m = blob(rng, g.shape, pix, rng.uniform(5, 9) * np.sqrt(scale)) & free
        if m.sum() < 40:
            return None
        return Event(eid, kind, "forest", [Step(start, m)])
    return None


def _road(
    rng: np.random.Generator, land: Landscape, start: dt.date, last: dt.date, eid: str, free: np.ndarray
) -> Event | None:
    """A new road: a gently curving 25 m corridor from the scene edge, pushed forward in two or three stages."""
    n = land.grid.size
    water = land.river.water if land.river is not None else np.zeros(land.grid.shape, bool)
    side = int(rng.integers(4))
    t = rng.uniform(0.2, 0.8) * n
    pos = np.array([(0, t), (t, n - 1), (n - 1, t), (t, 0)][side], np.float64)
    heading = np.array([(1, 0), (0, -1), (-1, 0), (0, 1)][side], np.float64)
    length = int(rng.uniform(0.45, 0.8) * n)
    path = []
    turn = 0.0
    for _ in range(length):
        turn = 0.9 * turn + rng.normal(0, 0.02)
        c, s = np.cos(turn), np.sin(turn)
        heading = np.array([c * heading[0] - s * heading[1], s * heading[0] + c * heading[1]])
        pos = pos + heading
        r, cc = int(round(pos[0])), int(round(pos[1]))
        if not (0 <= r < n and 0 <= cc < n) or water[r, cc]:
            break  # no bridges: a road stops at the river
        path.append((r, cc))
    if len(path) < n // 4:
        return None
    stages = int(rng.integers(2, 4))
    dates = [d for d in _dates(rng, start, stages, (15, 45)) if d <= last] or [start]
    cuts = np.linspace(0, len(path), len(dates) + 1).astype(int)
    steps = []
    taken = np.zeros(land.grid.shape, bool)
    for k, date in enumerate(dates):
        line = np.zeros(land.grid.shape, bool)
        for r, cc in path[cuts[k] : cuts[k + 1]]:
            line[r, cc] = True
        m = ndimage.binary_dilation(line, iterations=1) & free & ~taken  # 3 px ~ 25-30 m cleared corridor
        taken |= m
        if m.sum() >= 10:
            steps.append(Step(date, m))
    if not steps:
        return None
    return Event(eid, "road", "forest", steps)


def claim(land: Landscape, ev: Event) -> None:
    """Mark an event's pixels as taken, so later events keep their distance."""
    land.occupied |= ev.footprint
