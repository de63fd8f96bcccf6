"""Evidence package of one alert: before/after chips, index time series, polygon, coordinates, zones and
legal meaning, source scenes, software and parameters, and a SHA-256 manifest — byte-identical for the
same inputs (no timestamps, fixed zip entry dates, PNGs without metadata).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import zipfile
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import geopandas as gpd  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import shapely  # noqa: E402
import xarray as xr  # noqa: E402
from rasterio import features  # noqa: E402

from .. import __version__  # noqa: E402
from ..detect.indices import bsi, mndwi, nbr, ndvi  # noqa: E402
from ..detect.kernel import Params  # noqa: E402
from ..imagery.render import FALSE_COLOUR, TRUE_COLOUR, composite  # noqa: E402

UTM = "EPSG:32719"
PNG = {"Software": None}  # no version/time metadata: same inputs, same bytes
ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def _save(fig, path: Path) -> None:
    fig.savefig(path, dpi=110, metadata=PNG)
    plt.close(fig)


def index_series(ds: xr.Dataset, mask: np.ndarray) -> pd.DataFrame:
    """Median of each index over the alert's clear pixels, per date (dates with < 30 % clear are dropped)."""
    rows = []
    for i, t in enumerate(ds.time.values):
        sl = ds.isel(time=i)
        clear = sl.clear.values & mask
        if clear.sum() < 0.3 * mask.sum():
            continue
        b = {k: sl[k].values[clear] for k in ("blue", "green", "red", "nir", "swir16", "swir22")}
        rows.append(
            {
                "date": str(t)[:10],
                "clear_share": round(float(clear.sum() / mask.sum()), 3),
                "ndvi": float(np.median(ndvi(b["nir"], b["red"]))),
                "nbr": float(np.median(nbr(b["nir"], b["swir22"]))),
                "mndwi": float(np.median(mndwi(b["green"], b["swir16"]))),
                "bsi": float(np.median(bsi(b["blue"], b["red"], b["nir"], b["swir16"]))),
            }
        )
    return pd.DataFrame(rows)


def write_evidence(
    alert: dict,
    ds: xr.Dataset,
    out: str | Path,
    zones_text: str = "",
    legal: str = "",
    params: Params = Params(),
    audit_head: tuple[int, str] | None = None,
) -> tuple[Path, Path]:
    """Write the package folder ``out/<alert_id>/`` and ``out/<alert_id>.zip``; returns both.

    ``audit_head``: the store's newest audit entry (number, hash) when the package was made; printed in it so
    that the package, once handed over, anchors the audit chain (a later rewrite of the log cannot match it)."""
    aid = alert["alert_id"]
    folder = Path(out) / aid
    folder.mkdir(parents=True, exist_ok=True)
    poly = gpd.GeoSeries([alert["geometry"]], crs=4326)
    poly_utm = poly.to_crs(ds.attrs["crs"])
    transform = _transform(ds)
    mask = features.geometry_mask(poly_utm.values, (ds.sizes["y"], ds.sizes["x"]), transform, invert=True)
    series = index_series(ds, mask)
    first, confirmed = alert["first_seen"], alert.get("confirmed")
    before = series[series.date < first].tail(1)
    after = series[series.date >= first].head(1)
    if before.empty or after.empty:
        raise ValueError(f"alert {aid}: no clear observation before and after {first} in the imagery given")
    chosen = {"before": before.date.iloc[0], "after": after.date.iloc[0]}
    files = []
    x0, y0, x1, y1 = poly_utm.total_bounds
    pad = max(300.0, 0.6 * max(x1 - x0, y1 - y0))
    window = ds.sel(x=slice(x0 - pad, x1 + pad), y=slice(y1 + pad, y0 - pad))
    for label, date in chosen.items():
        sl = window.sel(time=window.time.values[[str(t)[:10] == date for t in window.time.values]][0]).compute()
        for name, recipe in (("true", TRUE_COLOUR), ("false", FALSE_COLOUR)):
            fig, ax = plt.subplots(figsize=(5, 5))
            ext = [float(sl.x.min()), float(sl.x.max()), float(sl.y.min()), float(sl.y.max())]
            ax.imshow(composite(sl, recipe), extent=ext, interpolation="nearest")
            poly_utm.boundary.plot(ax=ax, color="yellow" if name == "true" else "white", linewidth=1.2)
            ax.set_title(
                f"{aid}\n{label} / {'antes' if label == 'before' else 'después'}: {date} · "
                f"{'color verdadero / true colour' if name == 'true' else 'falso color / false colour (B11-B8-B4)'}",
                fontsize=7,
            )
            ax.tick_params(labelsize=6)
            ax.ticklabel_format(useOffset=False, style="plain")
            ax.set_xlabel("UTM 19S E (m)", fontsize=6)
            ax.set_ylabel("UTM 19S N (m)", fontsize=6)
            path = folder / f"{label}_{date}_{name}.png"
            _save(fig, path)
            files.append(path)
    fig, ax = plt.subplots(figsize=(8, 3.4))
    for k, c in (("ndvi", "green"), ("nbr", "brown"), ("mndwi", "blue"), ("bsi", "orange")):
        ax.plot(pd.to_datetime(series.date), series[k], "o-", ms=3, color=c, label=k.upper())
    ax.axvline(pd.Timestamp(first), color="red", linestyle="--", label="first seen / primera detección")
    if confirmed:
        ax.axvline(pd.Timestamp(confirmed), color="black", linestyle=":", label="confirmed / confirmada")
    ax.set_title(
        f"{aid}: índices sobre la alerta (píxeles despejados) / indices over the alert (clear pixels)", fontsize=8
    )
    ax.legend(fontsize=6, ncol=3)
    ax.tick_params(labelsize=7)
    fig.tight_layout()
    ts_png = folder / "index_timeseries.png"
    _save(fig, ts_png)
    files.append(ts_png)
    csv = folder / "index_timeseries.csv"
    series.to_csv(csv, index=False, float_format="%.4f")
    files.append(csv)

    gj = folder / "polygon.geojson"
    gj.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"alert_id": aid},
                        "geometry": shapely.geometry.mapping(alert["geometry"]),
                    }
                ],
            },
            sort_keys=True,
        ),
        encoding="utf-8",
    )
    kml = folder / "polygon.kml"
    kml.write_text(_kml(aid, alert["geometry"]), encoding="utf-8")
    files += [gj, kml]

    c = poly.representative_point().iloc[0]
    cu = gpd.GeoSeries([c], crs=4326).to_crs(UTM).iloc[0]
    items = [i for i in ds.attrs.get("items", [])]
    facts = {
        "alert_id": aid,
        "first_seen": first,
        "confirmed": confirmed,
        "cause": alert.get("cause"),
        "confidence": alert.get("confidence"),
        "area_ha": alert.get("area_ha"),
        "status": alert.get("status"),
        "point_wgs84": {"lat": round(c.y, 6), "lon": round(c.x, 6)},
        "point_utm19s": {"epsg": 32719, "easting": round(cu.x, 1), "northing": round(cu.y, 1)},
        "dates_used": chosen,
        "zones": zones_text,
        "legal": legal,
        "source": ds.attrs.get("source"),
        "scenes": [i for i in items if any(d.replace("-", "") in i for d in chosen.values())],
        "software": {"name": "centinela", "version": __version__},
        "parameters": dataclasses.asdict(params),
        "audit_log_head": None if audit_head is None else {"seq": audit_head[0], "sha256": audit_head[1]},
    }
    fj = folder / "facts.json"
    fj.write_text(json.dumps(facts, sort_keys=True, indent=2, ensure_ascii=False, default=str), encoding="utf-8")
    readme = folder / "LEAME_README.txt"
    readme.write_text(_readme(facts), encoding="utf-8")
    files += [fj, readme]

    manifest = folder / "MANIFEST.sha256"
    manifest.write_text(
        "".join(f"{sha256(p)}  {p.name}\n" for p in sorted(files, key=lambda p: p.name)), encoding="utf-8"
    )
    files.append(manifest)
    zpath = Path(out) / f"{aid}.zip"
    with zipfile.ZipFile(zpath, "w", zipfile.ZIP_DEFLATED) as z:
        for p in sorted(files, key=lambda p: p.name):
            info = zipfile.ZipInfo(f"{aid}/{p.name}", date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, p.read_bytes())
    return folder, zpath


def _transform(ds: xr.Dataset):
    from ..detect.run import cube_transform

    return cube_transform(ds)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _kml(aid: str, geom: shapely.Geometry) -> str:
    polys = []
    for p in shapely.get_parts(geom):
        ring = " ".join(f"{x:.7f},{y:.7f},0" for x, y in p.exterior.coords)
        polys.append(
            f"<Polygon><outerBoundaryIs><LinearRing><coordinates>{ring}</coordinates></LinearRing></outerBoundaryIs></Polygon>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<kml xmlns="http://www.opengis.net/kml/2.2"><Document>'
        f"<Placemark><name>{aid}</name><MultiGeometry>{''.join(polys)}</MultiGeometry></Placemark></Document></kml>\n"
    )


def _head_line(head: dict | None) -> str:
    if head is None:
        return ""
    return (
        f"Registro de auditoría al crear el paquete / audit log when the package was made: entrada/entry "
        f"{head['seq']}, SHA-256 {head['sha256']}\n(centinela audit verify lo comprueba / checks it)\n"
    )


def _readme(f: dict) -> str:
    p, u = f["point_wgs84"], f["point_utm19s"]
    return (
        f"PAQUETE DE EVIDENCIA / EVIDENCE PACKAGE — {f['alert_id']}\n\n"
        f"Primera detección / first seen: {f['first_seen']}   Confirmada / confirmed: {f['confirmed'] or '—'}\n"
        f"Causa / cause: {f['cause']}   Confianza / confidence: {f['confidence']}   Área / area: {f['area_ha']} ha\n"
        f"Punto / point (WGS84): {p['lat']}, {p['lon']}   UTM 19S: E {u['easting']} N {u['northing']}\n"
        f"Imágenes usadas / images used: antes/before {f['dates_used']['before']}, "
        f"después/after {f['dates_used']['after']}\n"
        f"Escenas / scenes: {', '.join(f['scenes'])}\n"
        f"Zonas / zones: {f['zones'] or '—'}\nEstado legal / legal status: {f['legal'] or '—'}\n"
        f"Software: centinela {f['software']['version']} (parámetros en facts.json / parameters in facts.json)\n\n"
        "Integridad / integrity: MANIFEST.sha256 lista el SHA-256 de cada archivo (sha256sum -c MANIFEST.sha256).\n"
        + _head_line(f.get("audit_log_head"))
        + "Verifique en campo o con imágenes de muy alta resolución antes de una denuncia. "
        "/ Verify in the field or with\n"
        "very-high-resolution imagery before filing a complaint.\n"
    )
