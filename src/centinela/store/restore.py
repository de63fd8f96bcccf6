"""Restoration sites in the store: one row per site with what its latest tracking found (status, NDVI now and its
trend, recovery, re-disturbed area), so a restoration team's sites and their state live beside the alerts.

A tracking run updates only the sites whose result changed, in one transaction with one audit entry that names
every status change (``recovering → re-disturbed``…), so the audit log is the sites' history. A GeoPackage
multipolygon layer (``restoration_sites``) in the embedded store, a PostGIS table on a server.
"""

from __future__ import annotations

import datetime as dt
import math

import geopandas as gpd
import pandas as pd
import shapely

TABLE = "restoration_sites"
TEXTS = ("site_id", "planting_date", "status", "first_look", "last_look", "reference", "source", "tracked_at")
REALS = (
    "area_ha",
    "ndvi_initial",
    "ndvi_recent",
    "ndvi_reference",
    "ndvi_slope_per_yr",
    "p_increase",
    "recovery_pct",
    "veg_frac_recent",
    "water_frac_recent",
    "redisturbed_ha",
)
INTS = ("n_looks", "short_record")
COLUMNS = (*TEXTS, *REALS, *INTS)
RESULT = tuple(c for c in COLUMNS if c not in ("source", "tracked_at"))
"""What a tracking run says about a site: a site whose result is unchanged is left as it is."""


def _ddl(types: dict[str, str]) -> str:
    return ", ".join(
        [
            *(f"{c} {types['text']}{' NOT NULL' if c in ('site_id', 'status') else ''}" for c in TEXTS),
            *(f"{c} {types['real']}" for c in REALS),
            *(f"{c} {types['int']}" for c in INTS),
        ]
    )


def migrate(store, c) -> None:
    """Schema 9: the restoration sites table."""
    d = store.dialect
    d.feature_table(c, TABLE, "MULTIPOLYGON", _ddl(d.TYPES), "Restoration sites and their latest tracking")
    c.execute(f"CREATE UNIQUE INDEX IF NOT EXISTS {TABLE}_site_id ON {TABLE}(site_id)")


def _value(v, kind: str):
    if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)):
        return None
    if kind == "real":
        return round(float(v), 6)
    if kind == "int":
        return int(v)
    return v.isoformat() if isinstance(v, (dt.date, pd.Timestamp)) else str(v)


def _multi(geom):
    parts = [p for p in shapely.get_parts(geom) if p.geom_type == "Polygon"]
    return shapely.MultiPolygon(parts) if parts else None


def site_rows(sites: gpd.GeoDataFrame, source: str) -> list[dict]:
    """Rows of the table from a tracking result's ``sites`` (any CRS; areas already in hectares)."""
    s = sites.to_crs(4326)
    now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    rows = []
    for rec, geom in zip(s.drop(columns="geometry").to_dict("records"), s.geometry, strict=True):
        row = {c: _value(rec.get(c), "real" if c in REALS else "int" if c in INTS else "text") for c in COLUMNS}
        row.update(source=source, tracked_at=now, geom=_multi(geom))
        rows.append(row)
    return rows


class RestoreTables:
    """The store's restoration-site methods (mixed into the store class, which brings ``connect`` and ``_audit``)."""

    def record_sites(self, sites: gpd.GeoDataFrame, source: str, actor: str) -> dict[str, int]:
        """Record a tracking run's sites (new ones added, changed ones replaced, unchanged ones left alone) in
        one transaction with its audit entry; returns how many sites were added, changed and unchanged."""
        rows = site_rows(sites, source)
        counts = {"added": 0, "changed": 0, "unchanged": 0}
        with self.connect(write=True) as c:
            known = {r["site_id"]: dict(r) for r in c.execute(f"SELECT * FROM {TABLE}")}
            fresh, gone, statuses = [], [], {}
            for row in rows:
                old = known.get(row["site_id"])
                if old is not None and all(old[k] == row[k] for k in RESULT) and self._same_geom(old, row):
                    counts["unchanged"] += 1
                    continue
                counts["changed" if old is not None else "added"] += 1
                statuses[row["site_id"]] = [old and old["status"], row["status"]]
                if old is not None:
                    gone.append(old)
                fresh.append(row)
            if not fresh:
                return counts
            removed = [self._hash_row(r) for r in gone]
            for r in gone:
                c.execute(f"DELETE FROM {TABLE} WHERE fid = ?", (r["fid"],))
            added = self._add_rows(c, TABLE, COLUMNS, fresh)
            self._audit(
                c,
                actor,
                "restoration_tracked",
                None,
                {"source": [None, source], "status": statuses},
                self._digest_ref(c, TABLE, added, removed),
            )
        return counts

    def _same_geom(self, old: dict, row: dict) -> bool:
        a, b = self.dialect.g_out(old["geom"]), row["geom"]
        if a is None or b is None:
            return a is None and b is None
        return shapely.equals_exact(shapely.normalize(a), shapely.normalize(b), 1e-9)

    def restoration_sites(self) -> gpd.GeoDataFrame:
        """Every recorded restoration site with its latest tracking (WGS84); empty when none was recorded."""
        with self.connect() as c:
            rows = [dict(r) for r in c.execute(f"SELECT geom, {', '.join(COLUMNS)} FROM {TABLE} ORDER BY site_id")]
        geoms = [self.dialect.g_out(r.pop("geom")) for r in rows]
        return gpd.GeoDataFrame(
            pd.DataFrame(rows, columns=list(COLUMNS)), geometry=gpd.GeoSeries(geoms, crs=4326), crs=4326
        )
