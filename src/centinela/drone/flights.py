"""Ingesting drone orthomosaics: a managed COG copy next to the store and a ``drone_flights`` layer in it.

Where things go (embedded store ``centinela.gpkg`` in folder ``D``):

- ``D/drone/<flight_id>.tif`` — the orthomosaic as a Cloud-Optimized GeoTIFF (lossless copy; warped to
  its UTM zone when ingested with ``reproject``), which the web map tiles with rio-tiler;
- layer ``drone_flights`` of the store — one row per flight: id, source file and its SHA-256, CRS,
  resolution, bands, flight date and where it came from, cover of the whole flight and per site (JSON),
  display range, the flown area as a polygon (WGS 84), so QGIS shows flights beside the alerts.

A flight id is ``YYYYMMDD-<first 8 hex of the file's SHA-256>`` (``nodate-…`` without a date): ingesting
the same file again finds it by its hash and changes nothing. Only the embedded store keeps drone
flights for now (a PostgreSQL store gets a clear error): the orthomosaics are files beside it anyway.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer

from ..errors import InputError
from .cover import CoverResult, Thresholds, compute_cover, load_thresholds
from .ortho import OrthoInfo, OrthoReader, open_ortho, to_cog, utm_crs, valid_footprint

log = logging.getLogger(__name__)

LAYER = "drone_flights"
FLIGHT_ID = r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$"
_FLIGHT_ID = re.compile(FLIGHT_ID)
SRS = "EPSG:4326"
SITE_NAME_COLUMNS = ("site", "name", "nombre", "site_id", "id", "plot", "parcela")


@dataclass(frozen=True)
class IngestResult:
    """What ingesting one orthomosaic did.

    Attributes:
        flight_id: the flight's id in the store.
        record: its row of ``drone_flights`` (as a dict, geometry in WGS 84).
        cog: the managed COG.
        cover: cover of the whole flight and of the sites it covers.
        already: the same file (same SHA-256) was ingested before; nothing was stored again.
        files: pictures and tables written (``classes``, ``indices``, ``csv``, ``png``).
    """

    flight_id: str
    record: dict
    cog: Path
    cover: CoverResult
    already: bool
    files: dict[str, Path]


def drone_dir(store) -> Path:
    """Folder of the store's managed orthomosaics."""
    return store.files_dir() / "drone"


def sha256(path: Path, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(chunk), b""):
            h.update(block)
    return h.hexdigest()


def read_sites(spec: str | Path) -> gpd.GeoDataFrame:
    """Sites from a vector file (``FILE`` or ``FILE#layer``): polygons with a name in one of
    :data:`SITE_NAME_COLUMNS` (else ``site-1``, ``site-2``…), returned with a ``site`` column."""
    text = str(spec)
    path, _, layer = text.partition("#")
    p = Path(path)
    if not p.exists():
        raise InputError(
            f"{p}: sites file not found (expected polygons: GeoPackage, GeoJSON, Shapefile…; FILE#layer for a layer)"
        )
    try:
        g = gpd.read_file(p, layer=layer or None)
    except Exception as exc:  # pyogrio raises several types for unreadable files
        raise InputError(f"{text}: cannot be read as a vector file ({exc})") from exc
    if g.crs is None:
        raise InputError(f"{text}: no CRS declared (expected e.g. EPSG:4326 or EPSG:32719)")
    g = g[g.geometry.notna() & ~g.geometry.is_empty]
    g = g[g.geom_type.isin(["Polygon", "MultiPolygon"])]
    if not len(g):
        raise InputError(f"{text}: no polygon found; expected the sites as polygons")
    col = next((c for c in SITE_NAME_COLUMNS if c in g.columns), None)
    names = g[col].astype(str) if col else pd.Series([f"site-{i + 1}" for i in range(len(g))], index=g.index)
    g = gpd.GeoDataFrame({"site": names.values}, geometry=g.geometry.make_valid().values, crs=g.crs)
    return g.reset_index(drop=True)


def list_flights(store) -> gpd.GeoDataFrame:
    """Every ingested flight (the store's ``drone_flights``), oldest first; empty when there is none."""
    return store.flights()


def flight_record(store, flight_id: str) -> dict:
    """One flight's row; :class:`InputError` if the id is malformed or unknown."""
    if not isinstance(flight_id, str) or not _FLIGHT_ID.match(flight_id):
        raise InputError(f"flight id {flight_id!r}: expected letters, digits, '-' or '_' (e.g. 20240715-3fa2c1d9)")
    g = list_flights(store)
    row = g[g.flight_id == flight_id]
    if not len(row):
        raise InputError(f"no drone flight '{flight_id}' in {store.label()} (see `centinela drone list`)")
    return row.iloc[0].to_dict()


def stored_path(store, record: dict) -> Path:
    """The managed COG of a record (kept relative to the store's files folder)."""
    return store.files_dir() / str(record["cog"])


def _record_bands(record: dict) -> list[str]:
    idx = json.loads(record["band_index"])
    names = ["-"] * int(record["count"])
    for name, i in idx.items():
        names[int(i) - 1] = name
    if int(record.get("alpha") or 0) > 0:
        names[int(record["alpha"]) - 1] = "alpha"
    return names


def open_flight(ref: str | Path, store=None) -> OrthoInfo:
    """An orthomosaic given as a file path, or as the id of an ingested flight in ``store``."""
    p = Path(ref)
    if p.exists() or store is None or not _FLIGHT_ID.match(str(ref)):
        return open_ortho(p)
    rec = flight_record(store, str(ref))
    date = dt.date.fromisoformat(rec["flight_date"]) if rec.get("flight_date") else None
    return open_ortho(stored_path(store, rec), bands=_record_bands(rec), date=date)


def _display_range(info: OrthoInfo) -> tuple[list[float], list[float]]:
    """Per-band 2–98 % range of red, green, blue for web tiles (8-bit photos are shown as they are)."""
    if info.dtype == "uint8":
        return [0.0] * 3, [255.0] * 3
    with OrthoReader(info) as r:
        data, valid, _ = r.overview(512, names=["red", "green", "blue"])
    lo, hi = [], []
    for n in ("red", "green", "blue"):
        v = data[n][valid]
        lo.append(float(np.percentile(v, 2)) if v.size else 0.0)
        hi.append(float(np.percentile(v, 98)) if v.size else 1.0)
    return lo, hi


def ingest(
    path: str | Path,
    store,
    out: Path | None = None,
    sites: str | Path | gpd.GeoDataFrame | None = None,
    date: dt.date | str | None = None,
    bands: str | Sequence[str] | None = None,
    reproject: bool = False,
    thresholds: Thresholds | str | Path | None = None,
    progress: Callable[[int, int], None] | None = None,
    lang: str = "es",
    actor: str = "centinela",
) -> IngestResult:
    """Validate ``path``, keep it as a COG in the store's files folder, compute its cover (for the whole
    flight and each site it covers) and record it in the store (``drone_flights``, one audited transaction;
    the COG is in place before, so a kill leaves at most an unrecorded file that the re-run overwrites).
    With ``out``, writes the class and index GeoTIFFs, ``cover.csv`` and ``cover.png`` in ``out/<flight_id>/``.

    ``reproject`` warps a geographic (or non-UTM) orthomosaic to the UTM zone of its centre; without it a
    geographic CRS is an error (areas need metres).
    """
    th = thresholds if isinstance(thresholds, Thresholds) else load_thresholds(thresholds)
    site_frame = read_sites(sites) if isinstance(sites, (str, Path)) else sites
    info = open_ortho(path, bands=bands, date=date, allow_geographic=reproject)
    digest = sha256(info.path)
    known = list_flights(store)
    already = bool(len(known)) and digest in set(known["sha256"])
    if already:
        record = known[known.sha256 == digest].iloc[0].to_dict()
        flight_id = record["flight_id"]
        cog = stored_path(store, record)
        if not cog.exists():
            raise InputError(
                f"{info.path} was ingested as {flight_id} but its copy {cog} is missing; "
                f"restore the file from {info.path} (same SHA-256) to {cog}"
            )
        stored = open_ortho(cog, bands=_record_bands(record), date=info.flight_date)
    else:
        flight_id = f"{info.flight_date:%Y%m%d}-{digest[:8]}" if info.flight_date else f"nodate-{digest[:8]}"
        target = None
        if reproject:
            utm = utm_crs(info)
            target = utm if info.crs != utm else None
        cog = to_cog(info, drone_dir(store) / f"{flight_id}.tif", target_crs=target)
        band_list = None
        if bands is not None:
            band_list = bands
        stored = open_ortho(cog, bands=band_list, date=info.flight_date)
    out_dir = Path(out) / flight_id if out is not None else None
    result = compute_cover(stored, site_frame, th, out=out_dir, progress=progress)
    files = dict(result.files)
    if out_dir is not None:
        from .pictures import cover_picture

        files["png"] = cover_picture(stored, files["classes"], out_dir / "cover.png", result.whole(), lang)
    if not already:
        record = _record(
            flight_id,
            info,
            stored,
            digest,
            cog,
            store,
            result,
            reprojected_from=info.crs if stored.crs != info.crs else "",
        )
        store.add_flight(record, actor)
    return IngestResult(flight_id, record, cog, result, already, files)


def _record(
    flight_id: str,
    src: OrthoInfo,
    info: OrthoInfo,
    digest: str,
    cog: Path,
    store,
    res: CoverResult,
    reprojected_from: str,
) -> dict:
    whole = res.whole()
    foot = valid_footprint(info)
    tr = Transformer.from_crs(info.crs, SRS, always_xy=True)
    foot_ll = shapely.transform(foot, lambda xy: np.column_stack(tr.transform(xy[:, 0], xy[:, 1])))
    lo, hi = _display_range(info)
    sites = res.table.iloc[1:].replace({np.nan: None}).to_dict(orient="records")
    rec = {
        "flight_id": flight_id,
        "file_name": src.path.name,
        "source_path": str(src.path.absolute()),
        "sha256": digest,
        "cog": str(cog.absolute().relative_to(store.files_dir())),
        "crs": info.crs,
        "res_m": round(info.res_m, 5),
        "width": info.width,
        "height": info.height,
        "count": info.count,
        "dtype": info.dtype,
        "bands": ",".join(info.band_set),
        "band_index": json.dumps(dict(info.bands)),
        "alpha": info.alpha or 0,
        "multispectral": info.multispectral,
        "flight_date": str(info.flight_date) if info.flight_date else None,
        "date_source": src.date_source,
        "simulated": info.simulated,
        "reprojected_from": reprojected_from,
        "ingested_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "valid_ha": round(whole["covered_ha"], 6),
        **{f"{c}_ha": round(whole[f"{c}_ha"], 6) for c in ("vegetation", "bare", "water", "shadow")},
        **{f"{c}_frac": round(whole[f"{c}_frac"], 6) for c in ("vegetation", "bare", "water", "shadow")},
        "exg_mean": round(whole["exg_mean"], 6),
        "vari_mean": round(whole["vari_mean"], 6),
        "ndvi_mean": round(whole["ndvi_mean"], 6) if "ndvi_mean" in whole else None,
        "sites_json": json.dumps(sites, default=float),
        "thresholds_json": json.dumps(res.thresholds.as_dict()),
        "display_min": ",".join(f"{v:.6g}" for v in lo),
        "display_max": ",".join(f"{v:.6g}" for v in hi),
        "minx": info.bounds[0],
        "miny": info.bounds[1],
        "maxx": info.bounds[2],
        "maxy": info.bounds[3],
        "geometry": foot_ll if not foot_ll.is_empty else shapely.box(*tr.transform_bounds(*info.bounds)),
    }
    return rec
