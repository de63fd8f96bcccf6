"""Mercury results in the store: the ``mercury_results`` layer of the embedded GeoPackage (points where a
site has coordinates), so QGIS shows them beside the alerts; hair donors only as pseudonyms."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio

from ..errors import InputError

LAYER = "mercury_results"
KEY = ["sample_id", "analyte", "qc_type"]


def load_results(store: Path) -> pd.DataFrame:
    if not store.exists() or LAYER not in {n for n, _ in pyogrio.list_layers(store)}:
        raise InputError(f"{store}: no mercury results yet (use `centinela mercury ingest FILE`)")
    g = gpd.read_file(store, layer=LAYER)
    return pd.DataFrame(g.drop(columns="geometry"))


def _frame(results: pd.DataFrame) -> gpd.GeoDataFrame:
    lon = pd.to_numeric(results.get("lon"), errors="coerce")
    lat = pd.to_numeric(results.get("lat"), errors="coerce")
    frame = results.drop(columns=[c for c in ("geometry",) if c in results.columns]).copy()
    frame["censored"] = frame.censored.astype(bool)
    return gpd.GeoDataFrame(frame, geometry=gpd.points_from_xy(lon, lat), crs=4326)


def save_results(results: pd.DataFrame, store: Path) -> int:
    """Append validated results; a sample/analyte/QC type already in the store is an error (nothing written)."""
    try:
        old = load_results(store)
    except InputError:
        old = None
    if old is not None and len(old):
        keys = set(old[KEY].astype(str).agg("|".join, axis=1))
        dup = results[results[KEY].astype(str).agg("|".join, axis=1).isin(keys)]
        if len(dup):
            raise InputError(
                f"{len(dup)} result(s) already in {store} (e.g. {dup.sample_id.iloc[0]} {dup.analyte.iloc[0]}); "
                "nothing imported"
            )
        results = pd.concat([old, results], ignore_index=True)
    frame = _frame(results.assign(qc_flag=results.get("qc_flag", "unchecked")).fillna({"qc_flag": "unchecked"}))
    store.parent.mkdir(parents=True, exist_ok=True)
    frame.to_file(store, layer=LAYER, driver="GPKG")
    return len(results) - (0 if old is None else len(old))


def save_flags(results: pd.DataFrame, store: Path) -> None:
    _frame(results).to_file(store, layer=LAYER, driver="GPKG")


def usable(results: pd.DataFrame, notes: list[str]) -> pd.DataFrame:
    """Sample rows from batches that passed (or were not yet run through) QA/QC."""
    r = results[results.qc_type == "sample"]
    failed = r.qc_flag.astype(str).eq("batch_failed_qc") if "qc_flag" in r else pd.Series(False, index=r.index)
    if failed.any():
        notes.append(f"{int(failed.sum())} result(s) from batches that failed QA/QC left out")
    return r[~failed]
