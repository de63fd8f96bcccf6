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
import re
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
from ..i18n import t
from .censored import ros, summarise
from .hotspots import MIN_SITES as MIN_HOT
from .hotspots import gi_star
from .interpolate import MIN_SITES as MIN_INTERP
from .interpolate import cross_validate_idw, idw, krige
from .lengths import standardise
from .results import usable
from .sites import group_sites
from .units import wet_to_dry
from .upstream import upstream_mining

log = logging.getLogger(__name__)
SOLID_BASIS = {"sediment": "dry", "soil": "dry", "fish": "wet", "suspended_particles": "dry"}
HAIR_REFERENCE = 1.0  # µg/g, the hair level matching the EPA RfD (standards.yaml HAIR-1)
MIN_GROUP = 5  # people: hair statistics of smaller groups are withheld
# Trophic guilds of species.yaml: fish of one guild feed alike, so their mercury is comparable between sites.
GUILDS = ("piscivore", "omnivore", "insectivore", "detritivore", "herbivore", "planktivore")


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
    layer: str = ""  # what the files are named by: the matrix, or fish_<guild> / fish_<species>
    subject: str = ""  # what is mapped, in the reader's words (a fish map names its guild or species)


def fish_subject(
    species: str | None, guild: str | None, lang: str = "es", species_table: str | Path | None = None
) -> tuple[str, str]:
    """(layer suffix, words for a reader) of a fish map's subject: one species or one trophic guild."""
    from .species import load_species, match

    if species and guild:
        raise InputError(t("hg.species_and_guild", lang))
    if species:
        sp = match(species, path=species_table)
        if sp is None:
            raise InputError(t("hg.species_unknown", lang, name=species))
        return _slug(sp.scientific), f"{sp.local_name(lang)} ({sp.scientific})"
    if guild:
        known = sorted({s.guild for s in load_species(species_table)} | set(GUILDS))
        g = str(guild).strip().casefold()
        if g not in known:
            raise InputError(t("hg.guild_unknown", lang, guild=guild, known=", ".join(known)))
        return g, t("hg.fish_of_guild", lang, guild=t(f"hg.map_guild_{g}", lang) if g in GUILDS else g)
    raise InputError(t("hg.fish_choose", lang, available=""))  # make_map says what is available


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", str(name).casefold()).strip("_")


def _fish_guilds(r: pd.DataFrame, species_table) -> tuple[pd.Series, pd.Series]:
    """Scientific name and guild of each fish row ('' where the species table does not know the name)."""
    from .species import match

    names = r.get("species", pd.Series("", index=r.index)).fillna("").astype(str)
    known = {n: match(n, path=species_table) for n in names.unique()}
    scientific = names.map(lambda n: known[n].scientific if known[n] else n)
    guild = names.map(lambda n: known[n].guild if known[n] else "")
    return scientific, guild


def fish_available(results: pd.DataFrame, lang: str = "es", species_table=None) -> str:
    """What a fish map could show: fish and sites per guild, for the message asking the user to choose."""
    r = usable(results, [])
    r = r[r.matrix == "fish"]
    if r.empty:
        return ""
    scientific, guild = _fish_guilds(r, species_table)
    site = r.get("site_id", pd.Series("", index=r.index)).astype(str)
    parts = []
    for g, idx in sorted(r.groupby(guild.to_numpy()).groups.items()):
        who = t(f"hg.map_guild_{g}", lang) if g in GUILDS else (g or t("hg.map_guild_none", lang))
        kinds = sorted(set(scientific.loc[idx]))
        parts.append(
            t(
                "hg.fish_guild_line",
                lang,
                guild=g or "?",
                words=who,
                n=len(idx),
                sites=site.loc[idx].nunique(),
                species=", ".join(kinds[:6]) + (" …" if len(kinds) > 6 else ""),
            )
        )
    return "\n".join(parts)


def _select_fish(r, species, guild, notes, lang, species_table) -> pd.DataFrame:
    """Only the fish of one species or one guild: averaging a piscivore with a detritivore at a site maps
    which fish the net caught, not where the mercury is."""
    from .species import match

    scientific, fish_guild = _fish_guilds(r, species_table)
    if species:
        sp = match(species, path=species_table)
        keep = scientific.eq(sp.scientific)
        if not keep.any():
            raise InputError(
                t(
                    "hg.species_absent",
                    lang,
                    name=species,
                    scientific=sp.scientific,
                    present=", ".join(sorted(set(scientific))[:20]),
                )
            )
        return r[keep]
    g = str(guild).strip().casefold()
    unknown = fish_guild.eq("")
    if unknown.any():
        notes.append(
            t("hg.guild_unmatched", lang, n=int(unknown.sum()), names=", ".join(sorted(set(scientific[unknown]))[:10]))
        )
    keep = fish_guild.eq(g)
    if not keep.any():
        present = ", ".join(sorted(set(fish_guild[~unknown]))) or "—"
        raise InputError(t("hg.guild_absent", lang, guild=g, present=present))
    return r[keep]


def site_values(
    results: pd.DataFrame,
    matrix: str,
    analyte: str = "THg",
    notes: list[str] | None = None,
    *,
    species: str | None = None,
    guild: str | None = None,
    standard_length: float | None = None,
    strict_sites: bool = False,
    lang: str = "es",
    species_table: str | Path | None = None,
) -> gpd.GeoDataFrame:
    """One point per site: mean of ROS-imputed results on the matrix's guideline basis (mg/kg).

    Sites whose ids differ but whose positions are within :data:`sites.COLOCATED_M` are one site (``strict_sites``:
    an error naming them); one id at two places is an error. For fish, ``species`` or ``guild`` keeps only those
    fish (without either every species is averaged, as :mod:`centinela.restore.suitability` asks, and maps refuse
    it: see :func:`make_map`); ``standard_length`` (cm, needs ``species``) maps each site's mean at that length."""
    notes = notes if notes is not None else []
    r = usable(results, notes, lang)
    r = r[(r.matrix == matrix) & (r.analyte == analyte)].copy()
    if standard_length is not None and (matrix != "fish" or not species):
        raise InputError(t("hg.length_needs_species", lang))
    if matrix == "fish" and (species or guild):
        fish_subject(species, guild, lang, species_table)  # validates the names before anything is counted
        r = _select_fish(r, species, guild, notes, lang, species_table).copy()
    r["lat"], r["lon"] = pd.to_numeric(r.lat, errors="coerce"), pd.to_numeric(r.lon, errors="coerce")
    nocoords = r.lat.isna() | r.lon.isna()
    if nocoords.any():
        notes.append(t("hg.map_no_coords", lang, n=int(nocoords.sum()), matrix=matrix))
    r = r[~nocoords]
    want = SOLID_BASIS.get(matrix)
    v = np.array(pd.to_numeric(r.value_canonical, errors="coerce"), dtype=float)  # a writable copy
    if want == "dry":
        moist = np.array(pd.to_numeric(r.get("moisture", pd.Series(np.nan, index=r.index)), errors="coerce"), float)
        wet = r.basis.eq("wet").to_numpy()
        convertible = wet & np.isfinite(moist)
        v[convertible] = [wet_to_dry(x, m) for x, m in zip(v[convertible], moist[convertible], strict=True)]
        drop = wet & ~np.isfinite(moist)
        if drop.any():
            notes.append(t("hg.map_no_moisture", lang, n=int(drop.sum()), matrix=matrix))
        r, v = r[~drop], v[~drop]
    if len(r) == 0:
        raise InputError(t("hg.map_no_results", lang, matrix=matrix, analyte=analyte))
    cens = r.censored.astype(bool).to_numpy()
    filled = v
    if cens.any():
        try:
            filled = ros(v, cens)
        except InputError:  # too few detected values to fit ROS: show non-detects at their limit, said so
            notes.append(t("hg.map_ros_few", lang, matrix=matrix))
    r = r.assign(value_filled=filled, value_dl=v)
    if "site_id" not in r:
        r["site_id"] = ""
    blank = r.site_id.isna() | r.site_id.astype(str).str.strip().eq("")
    r["site_id"] = r.site_id.astype(str).where(~blank, r.lat.round(5).astype(str) + "," + r.lon.round(5).astype(str))
    r["site_id"] = group_sites(r, strict_sites, notes, lang).to_numpy()
    g = r.groupby("site_id").agg(
        lat=("lat", "mean"),
        lon=("lon", "mean"),
        n=("value_filled", "size"),
        n_censored=("censored", "sum"),
        value=("value_filled", "mean"),
        max_detected=("value_dl", "max"),
    )
    if standard_length is not None:
        g = _length_standardised(r, g, float(standard_length), notes, lang)
    g["all_censored"] = g.n_censored == g.n
    g = g.reset_index()
    return gpd.GeoDataFrame(g, geometry=gpd.points_from_xy(g.lon, g.lat), crs=4326)


def _length_standardised(r: pd.DataFrame, g: pd.DataFrame, standard_cm: float, notes, lang) -> pd.DataFrame:
    """Replace the site means by means at ``standard_cm`` (:mod:`.lengths`); sites without lengths leave."""
    length = pd.to_numeric(r.get("length_cm", pd.Series(np.nan, index=r.index)), errors="coerce")
    has = length.gt(0) & (r.value_filled > 0)
    if not has.any():
        raise InputError(t("hg.length_none", lang, n=len(r)))
    fit = standardise(r.site_id[has], length[has], r.value_filled[has], standard_cm)
    notes.append(
        t(
            "hg.length_note",
            lang,
            k=fit.n_fish,
            n=len(r),
            cm=standard_cm,
            slope=fit.slope,
            pct=100 * (np.exp(fit.slope) - 1),
            sites=len(fit.values),
            lo=fit.length_range[0],
            hi=fit.length_range[1],
        )
    )
    if not fit.length_range[0] <= standard_cm <= fit.length_range[1]:
        notes.append(t("hg.length_outside", lang, cm=standard_cm, lo=fit.length_range[0], hi=fit.length_range[1]))
    missing = sorted(set(g.index) - set(fit.values.index))
    if missing:
        notes.append(t("hg.length_sites_out", lang, n=len(missing), sites=", ".join(missing)))
    g = g.loc[fit.values.index].copy()
    g["mean_unstandardised"] = g.value
    g["value"] = fit.values
    g["n_with_length"] = fit.n
    return g


def community_hair(results: pd.DataFrame, notes: list[str], lang: str = "es") -> gpd.GeoDataFrame | None:
    """Hair by community: n, KM median, share above 1 µg/g; located at the mean of its sampling sites."""
    r = usable(results, notes, lang)
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
    *,
    species: str | None = None,
    guild: str | None = None,
    standard_length: float | None = None,
    strict_sites: bool = False,
    lang: str = "es",
    species_table: str | Path | None = None,
) -> MapResult:
    """Sites, surface, hotspots and mining upstream for one matrix. A fish map is of one species or one
    trophic guild: with neither given it is refused, naming the guilds and species present, because an
    average over all species maps which fish were caught where (a site of detritivores looks clean next to a
    site of piscivores) and one surface per guild needs each guild's own sites and hotspot test anyway."""
    notes: list[str] = []
    layer, subject = matrix, matrix
    if matrix == "fish":
        if not (species or guild):
            raise InputError(t("hg.fish_choose", lang, available=fish_available(results, lang, species_table)))
        suffix, subject = fish_subject(species, guild, lang, species_table)
        layer = f"fish_{suffix}"
        if standard_length is not None:
            subject = t("hg.at_length", lang, subject=subject, cm=standard_length)
    sites = site_values(
        results,
        matrix,
        notes=notes,
        species=species,
        guild=guild,
        standard_length=standard_length,
        strict_sites=strict_sites,
        lang=lang,
        species_table=species_table,
    )
    out.mkdir(parents=True, exist_ok=True)
    communities = community_hair(results, notes, lang)
    notes[:] = list(dict.fromkeys(notes))  # sites and hair each say what QA/QC left out: once is enough
    crs = sites.estimate_utm_crs()
    xy = np.column_stack([sites.to_crs(crs).geometry.x, sites.to_crs(crs).geometry.y])
    z = sites.value.to_numpy(float)
    res = MapResult(matrix, sites, communities, pd.DataFrame(), notes=notes, layer=layer, subject=subject)
    scores = []
    if len(sites) >= MIN_INTERP:
        pts, transform, shape, inside = _grid(xy)
        k = krige(xy, z, pts[inside])
        idw_grid, kr_grid, var_grid = (np.full(len(pts), np.nan) for _ in range(3))
        idw_grid[inside] = idw(xy, z, pts[inside])
        kr_grid[inside], var_grid[inside] = k.estimate, k.variance_log10
        for name, arr in (("idw", idw_grid), ("kriging", kr_grid), ("kriging_variance_log10", var_grid)):
            res.files[f"{layer}_{name}"] = _write_tif(out / f"{layer}_{name}.tif", arr.reshape(shape), transform, crs)
        scores = [cross_validate_idw(xy, z), *k.scores]
        res.scores = pd.DataFrame([s.__dict__ for s in scores]).assign(
            chosen=lambda d: d.method.eq(f"kriging {k.model}")
        )
        res.scores.to_csv(out / "cross_validation.csv", index=False)
        res.files["cross_validation"] = out / "cross_validation.csv"
        res.surface = (kr_grid.reshape(shape), transform, crs)
    else:
        notes.append(t("hg.map_no_surface", lang, n=len(sites), subject=subject, min=MIN_INTERP))
    if len(sites) >= MIN_HOT:
        h = gi_star(xy, z, seed=seed)
        sites["gi_z"], sites["gi_p"], sites["gi_q"], sites["hotspot"] = h.z, h.p, h.q, h.label
    else:
        notes.append(t("hg.map_no_hotspots", lang, n=len(sites), subject=subject, min=MIN_HOT))
    if rivers is not None and mining is not None:
        up = upstream_mining(sites, rivers, mining, max_km, lateral_m)
        for c in up.columns:
            sites[c] = up[c]
        if up.attrs.get("mining_off_river"):
            notes.append(t("hg.map_mining_off_river", lang, n=up.attrs["mining_off_river"], m=lateral_m))
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
    sites.to_file(gpkg, layer=f"sites_{layer}", driver="GPKG")
    if communities is not None:
        communities.to_file(gpkg, layer="communities_hair", driver="GPKG")
    res.files["gpkg"] = gpkg
    return res
