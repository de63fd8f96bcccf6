"""Synthetic mercury laboratory results with a known truth, for tests and the demo.

One field campaign along a river (drawn upstream → downstream, lon/lat): sediment sites, fish catch
reaches and hair donors in riverside communities, analysed in laboratory batches with a blank, a duplicate
and a certified reference material each, in the lab template format that ``centinela mercury ingest`` reads.

The truth follows the Madre de Dios literature (shared/reference/mercury-figures.md):
- fish THg per species is lognormal around the Martinez et al. 2018 species means (A1), bigger fish of a
  species carrying more; fish move, so there is no spatial effect;
- sediment is ~0.03 mg/kg dry weight away from mining and rises to ~0.12 at a hotspot just below the
  mining town, decaying slowly downstream and fast upstream (A3 ranges);
- hair Hg follows fish meals per week (B1): the downstream fish-eating community is the highest and the
  mining town, whose people eat little fish, is not — a model that uses closeness to mining gets it wrong.
Results below the detection limit are written as "<LOD", with two detection limits per matrix (batches
analysed at different sensitivities), so censored statistics have something to do.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
from shapely.geometry import LineString

from ..errors import InputError
from .ingest import COLUMNS

# Chain-of-custody and donor columns being added to the template; the reader ignores unknown ones until then.
EXTRA_COLUMNS = (
    "collected_time",
    "container",
    "preservative",
    "custody_seal",
    "transferred",
    "lab_report",
    "analysed_at",
    "sex",
    "age_years",
    "fish_meals_week",
    "fish_group",
)

# Species means, mg/kg wet weight (mercury-figures.md A1, Martinez et al. 2018), with the number of fish
# Martinez caught (used as sampling weights), typical length (cm) and trophic group.
FISH = {
    "Cynodon gibbus": (0.72, 7, 30, "predatory"),
    "Serrasalmus rhombeus": (0.53, 14, 25, "predatory"),
    "Pristobrycon sp.": (0.53, 12, 16, "predatory"),
    "Acestrorhynchus falcatus": (0.34, 7, 22, "predatory"),
    "Hoplias malabaricus": (0.15, 6, 35, "predatory"),
    "Satanoperca jurupari": (0.14, 18, 15, "non_predatory"),
    "Triportheus angulatus": (0.14, 7, 17, "non_predatory"),
    "Pimelodus blochii": (0.13, 17, 20, "non_predatory"),
    "Potamorhina altamazonica": (0.12, 64, 22, "non_predatory"),
    "Prochilodus nigricans": (0.10, 39, 28, "non_predatory"),
    "Mylossoma aureum": (0.05, 7, 16, "non_predatory"),
    "Squaliforma emarginata": (0.04, 21, 25, "non_predatory"),
}
FISH_GSD = 1.6
LENGTH_SD_LOG = 0.15  # between fish of one species
HG_LENGTH_SLOPE = 1.0  # log Hg per log length: older, longer fish have accumulated more

HAIR_PER_MEAL = 0.45  # µg/g hair per weekly fish meal: 10 meals/week ≈ 4.5 µg/g, as in the B1 fish-eating villages
HAIR_GSD = 2.0
MEALS_SD_LOG = 0.4  # how much donors of one village differ in fish meals

SEDIMENT = {"background": 0.03, "amplitude": 0.09, "gsd": 1.3}  # mg/kg dw (A3: 0.005–0.113)
HOTSPOT_AT = 0.30  # fraction of the river length from its upstream end
DECAY_DOWN, DECAY_UP = 0.2, 0.03  # e-folding lengths as fractions of the river length

# Two detection limits per matrix (mg/kg = µg/g), alternating by batch: direct combustion AAS and an older
# cold-vapour set-up whose limit cuts into background sediment and the low-mercury fish.
DETECTION_LIMITS = {"sediment": (0.005, 0.04), "fish": (0.02, 0.08), "hair": (0.05, 0.3)}
# Certified reference materials (values as published by the producers; check the certificate of your lot).
CRM = {"fish": ("DORM-4", 0.410), "sediment": ("MESS-3", 0.091), "hair": ("NIES-13", 4.42)}
BATCH_SIZE = 20
LAB = "Laboratorio Regional"
COLLECTORS = ("J. Quispe", "R. Huamán", "L. Mamani", "C. Ríos")
CUSTODY = {  # condition, container, preservative
    "sediment": ("cooled, sealed", "amber glass jar", "cooled 4 °C"),
    "fish": ("frozen, sealed", "polyethylene bag", "frozen −20 °C"),
    "hair": ("dry, sealed envelope", "paper envelope", "none"),
}
PREFIX = {"sediment": "SD", "fish": "FS", "hair": "HR"}  # sample ids; sites are SED-nn, REACH-nn, COM-x
UNIT = {"sediment": ("mg/kg", "dry"), "fish": ("mg/kg", "wet"), "hair": ("µg/g", "none")}


@dataclass(frozen=True)
class Truth:
    """The parameters the data were drawn from; concentrations in mg/kg (= µg/g), distances in km along the river."""

    seed: int
    river_length_km: float
    communities: tuple[str, ...]  # upstream → downstream
    community_km: dict[str, float]
    hair_median: dict[str, float]  # µg/g, lognormal median per community
    hair_gsd: dict[str, float]
    fish_meals_week: dict[str, float]  # median weekly fish meals per community: what drives hair Hg
    mining_town: str  # the community next to the sediment hotspot (not the highest in hair)
    fish_eaters: str  # the downstream fish-eating community (the highest in hair)
    fish_mean: dict[str, float]  # mg/kg ww, arithmetic mean per species
    fish_gsd: float
    fish_group: dict[str, str]
    sediment_background: float  # mg/kg dw, lognormal median far from the hotspot
    hotspot_km: float
    hotspot_lonlat: tuple[float, float]
    hotspot_amplitude: float  # mg/kg dw added at the hotspot
    hotspot_decay_km: float  # downstream e-folding length
    hotspot_decay_up_km: float  # upstream e-folding length
    sediment_gsd: float
    detection_limits: dict[str, tuple[float, ...]]
    censored_share: float  # realised share of "<LOD" among the samples (QC rows left out)
    site_km: dict[str, float] = field(default_factory=dict)
    true_values: dict[str, float] = field(default_factory=dict)  # sample_id → concentration before censoring

    def sediment_median(self, km):
        """Median sediment THg (mg/kg dw) at ``km`` along the river."""
        return _sediment(
            km,
            self.sediment_background,
            self.hotspot_amplitude,
            self.hotspot_km,
            self.hotspot_decay_km,
            self.hotspot_decay_up_km,
        )


def _sediment(km, sediment_background, hotspot_amplitude, hotspot_km, hotspot_decay_km, hotspot_decay_up_km):
    # Tailings travel with the current: a long tail downstream, a short one upstream.
    d = np.asarray(km, float) - hotspot_km
    decay = np.where(d >= 0, hotspot_decay_km, hotspot_decay_up_km)
    return sediment_background + hotspot_amplitude * np.exp(-np.abs(d) / decay)


class _River:
    """The river in a local equirectangular frame (km), enough for placing points a few hundred metres apart."""

    def __init__(self, line: LineString):
        lon, lat = np.asarray(line.coords, float)[:, :2].T
        self.lon0, self.lat0 = float(lon.mean()), float(lat.mean())
        self.kx, self.ky = 111.320 * math.cos(math.radians(self.lat0)), 110.574
        self.line = LineString(np.column_stack([(lon - self.lon0) * self.kx, (lat - self.lat0) * self.ky]))
        self.length = self.line.length

    def point(self, km: float, offset_km: float = 0.0) -> tuple[float, float]:
        """(lon, lat) at ``km`` along the river, ``offset_km`` to its left (negative: right)."""
        km = min(max(km, 0.0), self.length)
        a = self.line.interpolate(max(km - 0.05, 0.0))
        b = self.line.interpolate(min(km + 0.05, self.length))
        p = self.line.interpolate(km)
        tx, ty = b.x - a.x, b.y - a.y
        norm = math.hypot(tx, ty) or 1.0
        x, y = p.x - ty / norm * offset_km, p.y + tx / norm * offset_km
        return self.lon0 + x / self.kx, self.lat0 + y / self.ky


def _river(river) -> _River:
    if not isinstance(river, LineString) or river.is_empty:
        raise InputError(f"river must be a shapely LineString in lon/lat (EPSG:4326); got {type(river).__name__}")
    xy = np.asarray(river.coords, float)
    if np.abs(xy[:, 0]).max() > 180 or np.abs(xy[:, 1]).max() > 90:
        raise InputError("river coordinates are not longitude/latitude degrees (EPSG:4326); reproject it first")
    r = _River(river)
    if r.length < 2.0:
        raise InputError(f"river is {r.length:.2f} km long; the synthetic campaign needs at least 2 km")
    return r


def _fmt(v: float) -> str:
    return f"{v:.3g}"


def _community_plan(n: int, hotspot_at: float) -> list[tuple[float, float, str]]:
    """(fraction along the river, median fish meals per week, role), upstream → downstream."""
    if not 2 <= n <= 26:
        raise InputError(f"communities must be from 2 to 26; got {n}")
    town = max(0.0, hotspot_at - 0.02)  # the mining town sits just above its own tailings
    eaters = min(0.97, max(0.88, hotspot_at + 0.25))
    # Other villages spread evenly above the fish eaters, away from the hotspot so that the mining town stays
    # the village next to it.
    grid = np.linspace(0.03, eaters, 400)
    for gap in (0.08, 0.04, 0.01):
        free = grid[(np.abs(grid - hotspot_at) > gap) & (np.abs(grid - town) > gap) & (np.abs(grid - eaters) > gap)]
        if free.size >= 4 * n:
            break
    others = free[np.linspace(0, free.size - 1, n - 2).round().astype(int)] if n > 2 else []
    meals = np.linspace(3.0, 5.5, n - 2) if n > 3 else [4.0] * (n - 2)
    plan = [(float(f), float(m), "") for f, m in zip(others, meals, strict=True)]
    plan += [(town, 2.0, "mining_town"), (eaters, 10.0, "fish_eaters")]
    return sorted(plan)


def synthetic_results(
    river: LineString,
    seed: int = 0,
    n_sediment_sites: int = 30,
    n_fish: int = 150,
    n_donors: int = 200,
    communities: int = 4,
    start_date: str = "2024-07-01",
    hotspot_at: float | None = None,
) -> tuple[pd.DataFrame, Truth]:
    """Lab results (one row per sample or QC measurement, template columns plus ``EXTRA_COLUMNS``) and their truth.
    ``hotspot_at`` is where the sediment hotspot (and the mining town just above it) lies, as a fraction of the
    river's length from its upstream end (default 0.3)."""
    hotspot_at = HOTSPOT_AT if hotspot_at is None else float(hotspot_at)
    if not 0.0 <= hotspot_at <= 1.0:
        raise InputError(f"hotspot_at must be a fraction of the river length, 0 to 1; got {hotspot_at}")
    for name, n in (("n_sediment_sites", n_sediment_sites), ("n_fish", n_fish), ("n_donors", n_donors)):
        if n < 2:
            raise InputError(f"{name} must be at least 2; got {n}")
    r = _river(river)
    rng = np.random.default_rng(seed)
    start = date.fromisoformat(start_date)
    L = r.length
    samples: list[dict] = []  # rows before batching, with the true value under "_true"

    def site_row(matrix, site_id, km, offset_km, day):
        lon, lat = r.point(km, offset_km)
        condition, container, preservative = CUSTODY[matrix]
        unit, basis = UNIT[matrix]
        who = COLLECTORS[int(rng.integers(len(COLLECTORS)))]
        minutes = int(rng.integers(6 * 12 + 6, 17 * 12 + 6)) * 5  # 06:30–17:25 in 5-minute steps
        return {
            "site_id": site_id,
            "lat": round(lat, 6),
            "lon": round(lon, 6),
            "matrix": matrix,
            "collected_at": (start + timedelta(days=day)).isoformat(),
            "collected_time": f"{minutes // 60:02d}:{minutes % 60:02d}",
            "collected_by": who,
            "condition": condition,
            "container": container,
            "preservative": preservative,
            "custody_seal": "yes" if rng.random() > 0.02 else "no",
            "analyte": "THg",
            "unit": unit,
            "basis": basis,
            "method": "EPA 7473",
            "qc_type": "sample",
        }

    # Sediment: evenly spread sites, jittered, on either bank.
    hotspot_km = hotspot_at * L
    site_km = {}
    sed = {
        "sediment_background": SEDIMENT["background"],
        "hotspot_amplitude": SEDIMENT["amplitude"],
        "hotspot_km": hotspot_km,
        "hotspot_decay_km": DECAY_DOWN * L,
        "hotspot_decay_up_km": DECAY_UP * L,
    }
    for i in range(n_sediment_sites):
        km = (i + 0.5 + rng.uniform(-0.3, 0.3)) / n_sediment_sites * L
        sid = f"SED-{i + 1:02d}"
        site_km[sid] = km
        row = site_row("sediment", sid, km, rng.choice([-1, 1]) * rng.uniform(0.02, 0.15), i // 6)
        true = float(_sediment(km, **sed)) * math.exp(rng.normal(0, math.log(SEDIMENT["gsd"])))
        samples.append({**row, "moisture": round(rng.uniform(0.2, 0.45), 3), "_true": true})

    # Fish: catch reaches along the river; species drawn by how often Martinez caught them.
    n_reaches = min(6, n_fish)
    reaches = np.linspace(0.1, 0.9, n_reaches) * L
    names = list(FISH)
    weights = np.array([FISH[s][1] for s in names], float)
    sigma = math.log(FISH_GSD)
    for _ in range(n_fish):
        k = int(rng.integers(n_reaches))
        sid = f"REACH-{k + 1:02d}"
        site_km[sid] = float(reaches[k])
        species = names[int(rng.choice(len(names), p=weights / weights.sum()))]
        mean, _, length0, group = FISH[species]
        z_len = rng.normal()
        length = length0 * math.exp(LENGTH_SD_LOG * z_len)
        # Length explains part of the species' scatter; the total stays lognormal with the stated mean and GSD.
        resid = math.sqrt(sigma**2 - (HG_LENGTH_SLOPE * LENGTH_SD_LOG) ** 2)
        true = mean * math.exp(-(sigma**2) / 2 + HG_LENGTH_SLOPE * LENGTH_SD_LOG * z_len + resid * rng.normal())
        row = site_row("fish", sid, float(reaches[k]), rng.uniform(-0.05, 0.05), 7 + k)
        samples.append(
            {
                **row,
                "species": species,
                "fish_group": group,
                "length_cm": round(length, 1),
                "weight_g": round(0.012 * length**3 * math.exp(rng.normal(0, 0.08))),
                "moisture": round(rng.uniform(0.76, 0.80), 3),
                "_true": true,
            }
        )

    # Hair: villages on the bank; meals per week drive hair Hg between and within villages.
    plan = _community_plan(communities, hotspot_at)
    labels = [f"Comunidad {chr(65 + i)}" for i in range(len(plan))]
    hair_median, hair_gsd, meals_week, community_km = {}, {}, {}, {}
    resid = math.sqrt(math.log(HAIR_GSD) ** 2 - MEALS_SD_LOG**2)
    per = np.full(len(plan), n_donors // len(plan))
    per[: n_donors % len(plan)] += 1
    donor = 0
    for j, ((frac, meals, role), name) in enumerate(zip(plan, labels, strict=True)):
        km = frac * L
        sid = f"COM-{chr(65 + j)}"
        site_km[sid], community_km[name], meals_week[name] = km, km, meals
        hair_median[name], hair_gsd[name] = HAIR_PER_MEAL * meals, HAIR_GSD
        offset = min(rng.uniform(0.2, 0.6), 0.03 * L)  # villages stand back from the bank, within a small scene too
        for _ in range(per[j]):
            donor += 1
            z = rng.normal()
            group = rng.choice(["women", "children", "men"], p=[0.45, 0.3, 0.25])
            age = int(
                rng.integers(15, 50)
                if group == "women"
                else rng.integers(1, 15)
                if group == "children"
                else rng.integers(15, 71)
            )
            sex = "F" if group == "women" else "M" if group == "men" else str(rng.choice(["F", "M"]))
            true = hair_median[name] * math.exp(MEALS_SD_LOG * z + resid * rng.normal())
            row = site_row("hair", sid, km, offset, 14 + 2 * j)
            samples.append(
                {
                    **row,
                    "community": name,
                    "donor_id": f"DON-{chr(65 + j)}-{donor:03d}",
                    "sex": sex,
                    "age_years": age,
                    "fish_meals_week": round(meals * math.exp(MEALS_SD_LOG * z) * 2) / 2,
                    "_true": true,
                }
            )
        if role == "mining_town":
            mining_town = name
        elif role == "fish_eaters":
            fish_eaters = name

    rows, true_values = _batches(samples, rng)
    columns = list(COLUMNS) + [c for c in EXTRA_COLUMNS if c not in COLUMNS]
    frame = pd.DataFrame([{c: row.get(c, "") for c in columns} for row in rows], columns=columns)
    is_sample = frame.qc_type.eq("sample")
    share = float(frame.loc[is_sample, "value"].str.startswith("<").mean())
    truth = Truth(
        seed=seed,
        river_length_km=L,
        communities=tuple(labels),
        community_km=community_km,
        hair_median=hair_median,
        hair_gsd=hair_gsd,
        fish_meals_week=meals_week,
        mining_town=mining_town,
        fish_eaters=fish_eaters,
        fish_mean={s: v[0] for s, v in FISH.items()},
        fish_gsd=FISH_GSD,
        fish_group={s: v[3] for s, v in FISH.items()},
        hotspot_lonlat=r.point(hotspot_km),
        sediment_gsd=SEDIMENT["gsd"],
        detection_limits=dict(DETECTION_LIMITS),
        censored_share=share,
        site_km=site_km,
        true_values=true_values,
        **sed,
    )
    return frame, truth


def _batches(samples: list[dict], rng: np.random.Generator) -> tuple[list[dict], dict[str, float]]:
    """Number the samples, group them into lab batches (shuffled, as a lab receives them) and add the QC rows."""
    rows, true_values = [], {}
    for matrix in ("sediment", "fish", "hair"):
        mine = [s for s in samples if s["matrix"] == matrix]
        for i, s in enumerate(mine):
            s["sample_id"] = f"{PREFIX[matrix]}-{i + 1:03d}"
        order = rng.permutation(len(mine))
        for b, first in enumerate(range(0, len(mine), BATCH_SIZE)):
            batch = [mine[i] for i in order[first : first + BATCH_SIZE]]
            lod = DETECTION_LIMITS[matrix][b % len(DETECTION_LIMITS[matrix])]
            rows += _one_batch(matrix, b, batch, lod, rng, true_values)
    return rows, true_values


def _one_batch(matrix, b, batch, lod, rng, true_values) -> list[dict]:
    collected = max(date.fromisoformat(s["collected_at"]) for s in batch)
    received = collected + timedelta(days=int(rng.integers(2, 5)))
    analysed = received + timedelta(days=int(rng.integers(3, 11)))
    batch_id = f"B-{collected.year}-{PREFIX[matrix]}{b + 1:02d}"
    lab = {
        "received_at": received.isoformat(),
        "received_by": LAB,
        "lab_report": f"INF-{batch_id}",
        "batch": batch_id,
        "analysed_at": analysed.isoformat(),
        "lod": lod,
        "loq": round(3 * lod, 6),
    }
    out = []
    for s in batch:
        true = s.pop("_true")
        true_values[s["sample_id"]] = true
        out.append(
            {
                **s,
                **lab,
                "value": f"<{lod:g}" if true < lod else _fmt(true),
                "transferred": f"{s['collected_by']}→{LAB} {received.isoformat()}",
            }
        )
    qc = {"matrix": matrix, "analyte": "THg", "unit": UNIT[matrix][0], "method": "EPA 7473", **lab}
    out.append({**qc, "sample_id": f"{batch_id}-BLK", "qc_type": "blank", "value": f"<{lod:g}"})
    # The duplicate re-measures a sample above the LOQ, where laboratories judge duplicate precision.
    above = [o for o in out if o.get("qc_type") == "sample" and true_values[o["sample_id"]] >= 3 * lod]
    if above:
        o = above[int(rng.integers(len(above)))]
        again = true_values[o["sample_id"]] * math.exp(float(np.clip(rng.normal(0, 0.04), -0.1, 0.1)))
        out.append(
            {
                **o,
                "sample_id": f"{o['sample_id']}-D",
                "qc_type": "duplicate",
                "duplicate_of": o["sample_id"],
                "value": _fmt(again),
            }
        )
    name, certified = CRM[matrix]
    out.append(
        {
            **qc,
            "sample_id": f"{batch_id}-{name}",
            "qc_type": "crm",
            "basis": "dry" if matrix != "hair" else "none",
            "certified_value": certified,
            "value": _fmt(certified * rng.uniform(0.92, 1.06)),
        }
    )
    return out


def write_csv(frame: pd.DataFrame, path: str | Path) -> Path:
    """The results as a lab CSV (English template headers, UTF-8) that ``centinela mercury ingest`` reads."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, index=False, encoding="utf-8")
    return path
