"""``centinela mercury map``: sites and communities, interpolated surfaces, hotspots and mining upstream.

Results come from the store (samples only, batches that failed QA/QC left out and counted). Censored
results are imputed by ROS over the whole matrix before sites are averaged, never set to LOD/2. Hair stays
at community level: no donor, no donor location, ever leaves this module.

The link to mining is shown, not assumed: each site gets the mined area upstream of it along the river,
and the figure plots mercury against it next to the community hair levels. In Madre de Dios the
fish-eating downstream communities often carry more mercury than the mining towns
(shared/reference/mercury-figures.md, B1), so a closeness-to-mining prior would mislead.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import rasterio
from rasterio.transform import Affine
from scipy.spatial import cKDTree
from scipy.stats import spearmanr

from ..errors import InputError
from .censored import ros, summarise
from .hotspots import MIN_SITES as MIN_HOT
from .hotspots import gi_star
from .interpolate import MIN_SITES as MIN_INTERP
from .interpolate import cross_validate_idw, idw, krige
from .results import usable
from .units import wet_to_dry
from .upstream import upstream_mining

log = logging.getLogger(__name__)
SOLID_BASIS = {"sediment": "dry", "soil": "dry", "fish": "wet", "suspended_particles": "dry"}
HAIR_REFERENCE = 1.0  # µg/g, the hair level matching the EPA RfD (standards.yaml HAIR-1)
MIN_GROUP = 5  # people: hair statistics of smaller groups are withheld


@dataclass
class MapResult:
    matrix: str
    sites: gpd.GeoDataFrame
    communities: gpd.GeoDataFrame | None
    scores: pd.DataFrame
    files: dict[str, Path] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    spearman: tuple[float, float, int] | None = None  # rho, p, n of value vs upstream mining
    surface: tuple | None = None  # (kriged grid, transform, crs) for the figure


def site_values(
    results: pd.DataFrame, matrix: str, analyte: str = "THg", notes: list[str] | None = None
) -> gpd.GeoDataFrame:
    """One point per site: mean of ROS-imputed results on the matrix's guideline basis (mg/kg)."""
    notes = notes if notes is not None else []
    r = usable(results, notes)
    r = r[(r.matrix == matrix) & (r.analyte == analyte)].copy()
    r["lat"], r["lon"] = pd.to_numeric(r.lat, errors="coerce"), pd.to_numeric(r.lon, errors="coerce")
    nocoords = r.lat.isna() | r.lon.isna()
    if nocoords.any():
        notes.append(f"{int(nocoords.sum())} {matrix} result(s) without coordinates left out of the map")
    r = r[~nocoords]
    want = SOLID_BASIS.get(matrix)
    v = np.array(pd.to_numeric(r.value_canonical, errors="coerce"), dtype=float)  # a writable copy
    if want == "dry":
        moist = np.array(pd.to_numeric(r.get("moisture"), errors="coerce"), dtype=float)
        wet = r.basis.eq("wet").to_numpy()
        convertible = wet & np.isfinite(moist)
        v[convertible] = [wet_to_dry(x, m) for x, m in zip(v[convertible], moist[convertible], strict=True)]
        drop = wet & ~np.isfinite(moist)
        if drop.any():
            notes.append(
                f"{int(drop.sum())} wet-basis {matrix} result(s) without moisture left out "
                "(cannot be put on a dry basis)"
            )
        r, v = r[~drop], v[~drop]
    if len(r) == 0:
        raise InputError(f"no usable {matrix} {analyte} results with coordinates in the store")
    cens = r.censored.astype(bool).to_numpy()
    filled = v
    if cens.any():
        try:
            filled = ros(v, cens)
        except InputError:  # too few detected values to fit ROS: show non-detects at their limit, said so
            notes.append(
                f"too few detected {matrix} results for ROS; non-detects are mapped at their detection limit "
                "(an upper bound)"
            )
    r = r.assign(value_filled=filled, value_dl=v)
    if "site_id" not in r or r.site_id.astype(str).str.strip().eq("").any():
        r["site_id"] = r.site_id.where(
            r.site_id.astype(str).str.strip() != "", r.lat.round(5).astype(str) + "," + r.lon.round(5).astype(str)
        )
    g = r.groupby("site_id").agg(
        lat=("lat", "mean"),
        lon=("lon", "mean"),
        n=("value_filled", "size"),
        n_censored=("censored", "sum"),
        value=("value_filled", "mean"),
        max_detected=("value_dl", "max"),
    )
    g["all_censored"] = g.n_censored == g.n
    g = g.reset_index()
    return gpd.GeoDataFrame(g, geometry=gpd.points_from_xy(g.lon, g.lat), crs=4326)


def community_hair(results: pd.DataFrame, notes: list[str]) -> gpd.GeoDataFrame | None:
    """Hair by community: n, KM median, share above 1 µg/g; located at the mean of its sampling sites."""
    r = usable(results, notes)
    r = r[(r.matrix == "hair") & r.community.astype(str).str.strip().ne("")]
    if r.empty:
        return None
    rows = []
    for name, c in r.groupby("community"):
        v, cens = pd.to_numeric(c.value_canonical).to_numpy(float), c.censored.astype(bool).to_numpy()
        row = {
            "community": name,
            "n": len(v),
            "lat": pd.to_numeric(c.lat, errors="coerce").mean(),
            "lon": pd.to_numeric(c.lon, errors="coerce").mean(),
        }
        if len(v) >= MIN_GROUP:  # smaller groups keep only their count, so no one can be picked out
            s = summarise(v, cens, threshold=HAIR_REFERENCE)
            row.update(n_censored=s.n_censored, median_ug_g=s.median, mean_ug_g=s.mean, share_above_1=s.share_above)
        rows.append(row)
    g = pd.DataFrame(rows).reindex(
        columns=["community", "n", "n_censored", "median_ug_g", "mean_ug_g", "share_above_1", "lat", "lon"]
    )
    return gpd.GeoDataFrame(g, geometry=gpd.points_from_xy(g.lon, g.lat), crs=4326)


def _grid(xy: np.ndarray, cells: int = 120) -> tuple[np.ndarray, rasterio.Affine, tuple[int, int], np.ndarray]:
    """Grid over the sites (+10 %), masked farther than twice the typical site spacing from any site."""
    lo, hi = xy.min(0), xy.max(0)
    pad = 0.1 * (hi - lo).max()
    lo, hi = lo - pad, hi + pad
    res = float((hi - lo).max() / cells)
    w, h = int(np.ceil((hi[0] - lo[0]) / res)), int(np.ceil((hi[1] - lo[1]) / res))
    transform = Affine(res, 0.0, lo[0], 0.0, -res, hi[1])
    cols, rows = np.meshgrid(np.arange(w) + 0.5, np.arange(h) + 0.5)
    pts = np.column_stack([lo[0] + cols.ravel() * res, hi[1] - rows.ravel() * res])
    tree = cKDTree(xy)
    spacing = np.median(tree.query(xy, k=2)[0][:, 1])
    inside = tree.query(pts)[0] <= 2.5 * spacing
    return pts, transform, (h, w), inside


def _write_tif(path: Path, data: np.ndarray, transform, crs) -> Path:
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        width=data.shape[1],
        height=data.shape[0],
        count=1,
        dtype="float32",
        crs=crs,
        transform=transform,
        nodata=np.nan,
        compress="deflate",
    ) as dst:
        dst.write(data.astype("float32"), 1)
    return path


def make_map(
    results: pd.DataFrame,
    out: Path,
    matrix: str = "sediment",
    rivers: gpd.GeoDataFrame | None = None,
    mining: gpd.GeoDataFrame | None = None,
    max_km: float = 50.0,
    lateral_m: float = 3000.0,
    seed: int = 0,
) -> MapResult:
    out.mkdir(parents=True, exist_ok=True)
    notes: list[str] = []
    sites = site_values(results, matrix, notes=notes)
    communities = community_hair(results, notes)
    crs = sites.estimate_utm_crs()
    xy = np.column_stack([sites.to_crs(crs).geometry.x, sites.to_crs(crs).geometry.y])
    z = sites.value.to_numpy(float)
    res = MapResult(matrix, sites, communities, pd.DataFrame(), notes=notes)
    scores = []
    if len(sites) >= MIN_INTERP:
        pts, transform, shape, inside = _grid(xy)
        k = krige(xy, z, pts[inside])
        idw_grid, kr_grid, var_grid = (np.full(len(pts), np.nan) for _ in range(3))
        idw_grid[inside] = idw(xy, z, pts[inside])
        kr_grid[inside], var_grid[inside] = k.estimate, k.variance_log10
        for name, arr in (("idw", idw_grid), ("kriging", kr_grid), ("kriging_variance_log10", var_grid)):
            res.files[f"{matrix}_{name}"] = _write_tif(out / f"{matrix}_{name}.tif", arr.reshape(shape), transform, crs)
        scores = [cross_validate_idw(xy, z), *k.scores]
        res.scores = pd.DataFrame([s.__dict__ for s in scores]).assign(
            chosen=lambda d: d.method.eq(f"kriging {k.model}")
        )
        res.scores.to_csv(out / "cross_validation.csv", index=False)
        res.files["cross_validation"] = out / "cross_validation.csv"
        res.surface = (kr_grid.reshape(shape), transform, crs)
    else:
        notes.append(f"{len(sites)} {matrix} site(s): fewer than {MIN_INTERP}, no interpolated surface")
    if len(sites) >= MIN_HOT:
        h = gi_star(xy, z, seed=seed)
        sites["gi_z"], sites["gi_p"], sites["gi_q"], sites["hotspot"] = h.z, h.p, h.q, h.label
    else:
        notes.append(f"{len(sites)} {matrix} site(s): fewer than {MIN_HOT}, no hotspot test")
    if rivers is not None and mining is not None:
        up = upstream_mining(sites, rivers, mining, max_km, lateral_m)
        for c in up.columns:
            sites[c] = up[c]
        if up.attrs.get("mining_off_river"):
            notes.append(
                f"{up.attrs['mining_off_river']} mining patch(es) farther than {lateral_m:g} m from any river line"
            )
        ok = sites.on_river.astype(bool)
        if ok.sum() >= 5 and sites.loc[ok, "upstream_mining_ha"].nunique() > 1:
            rho, p = spearmanr(sites.loc[ok, "upstream_mining_ha"], sites.loc[ok, "value"])
            res.spearman = (float(rho), float(p), int(ok.sum()))
        if communities is not None:
            upc = upstream_mining(communities, rivers, mining, max_km, lateral_m)
            communities["upstream_mining_ha"] = upc.upstream_mining_ha
    gpkg = out / "mercury_map.gpkg"
    if gpkg.exists():
        gpkg.unlink()
    sites.to_file(gpkg, layer=f"sites_{matrix}", driver="GPKG")
    if communities is not None:
        communities.to_file(gpkg, layer="communities_hair", driver="GPKG")
    res.files["gpkg"] = gpkg
    return res
