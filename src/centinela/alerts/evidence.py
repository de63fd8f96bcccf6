"""Evidence package of one alert: before/after chips, index time series, polygon, coordinates, zones and
legal meaning, source scenes, software and parameters, and a SHA-256 manifest — byte-identical for the
same inputs (no timestamps, fixed zip entry dates, PNGs without metadata).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import shutil
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
from ..imagery.render import (  # noqa: E402
    FALSE_COLOUR,
    MARGIN_M,
    TRUE_COLOUR,
    Pair,
    choose_pair,
    clear_shares,
    composite,
    footprint_mask,
    is_simulated,
)

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


def navigation_point(alert: dict) -> shapely.Point:
    """The one point people are sent to: the stored point (lon, lat) when it lies inside the alert, else a
    point on its surface. Not the point in the alert id: that names the first pixel detected and never moves
    (ids stay stable across runs), so as the alert grows it can end up away from where the loss is."""
    geom = alert["geometry"]
    lon, lat = alert.get("lon"), alert.get("lat")
    if lon is not None and lat is not None and np.isfinite([lon, lat]).all():
        p = shapely.Point(float(lon), float(lat))
        if geom.buffer(1e-7).contains(p):
            return p
    return geom.representative_point()


def id_point(alert_id: str) -> tuple[float, float] | None:
    """(lat, lon) written in an alert id (``CEN-YYYYMMDD-12.3456S-70.1234W``), or None."""
    import re

    m = re.search(r"-(\d+(?:\.\d+)?)([NS])-(\d+(?:\.\d+)?)([EW])$", alert_id)
    if not m:
        return None
    lat = float(m.group(1)) * (-1 if m.group(2) == "S" else 1)
    lon = float(m.group(3)) * (-1 if m.group(4) == "W" else 1)
    return lat, lon


def pair_for(alert: dict, ds: xr.Dataset) -> Pair:
    """The before/after dates of an alert: the one rule the package and the web map's pair both use."""
    return choose_pair(clear_shares(ds, footprint_mask(ds, alert["geometry"])), str(alert["first_seen"])[:10])


def _no_clear_note(pair: Pair, first: str) -> dict | None:
    missing = [s for s, d in (("before", pair.before), ("after", pair.after)) if d is None]
    if not missing:
        return None
    es = {"before": "antes", "after": "después"}
    share = f"{pair.min_clear:.0%}"
    return {
        "es": f"No hay imagen despejada {' ni '.join(es[m] for m in missing)} de la primera detección ({first}) "
        f"dentro de {pair.window_days} días: ninguna fecha tiene al menos {share} de la alerta y su margen sin "
        "nubes. El paquete se entrega sin esa imagen.",
        "en": f"No clear image {' or '.join(missing)} the first detection ({first}) within {pair.window_days} "
        f"days: no date has at least {share} of the alert and its margin free of cloud. The package is made "
        "without that image.",
        "missing": missing,
    }


def _decorate(ax, ext, simulated: bool) -> None:
    """Scale bar and north arrow (the chips are in UTM metres, north up), and SIMULATED across the image."""
    x0, x1, y0, y1 = ext
    span = x1 - x0
    bar = next((v for v in (50, 100, 200, 250, 500, 1000, 2000, 5000) if v >= span / 5), 10000)
    bx, by = x0 + 0.05 * span, y0 + 0.06 * (y1 - y0)
    ax.plot([bx, bx + bar], [by, by], color="white", linewidth=4, solid_capstyle="butt")
    ax.plot([bx, bx + bar], [by, by], color="black", linewidth=2, solid_capstyle="butt")
    ax.text(
        bx + bar / 2,
        by + 0.03 * (y1 - y0),
        f"{bar} m",
        ha="center",
        fontsize=7,
        color="white",
        bbox={"facecolor": "black", "alpha": 0.5, "pad": 1, "linewidth": 0},
    )
    ax.annotate(
        "N",
        xy=(0.93, 0.95),
        xytext=(0.93, 0.80),
        xycoords="axes fraction",
        ha="center",
        va="center",
        fontsize=9,
        color="white",
        fontweight="bold",
        arrowprops={"arrowstyle": "-|>", "color": "white", "linewidth": 1.5},
    )
    if simulated:
        ax.text(
            0.5,
            0.5,
            "SIMULADA / SIMULATED",
            transform=ax.transAxes,
            ha="center",
            va="center",
            fontsize=15,
            color="#d00000",
            alpha=0.75,
            rotation=30,
            fontweight="bold",
        )


def write_evidence(
    alert: dict,
    ds: xr.Dataset,
    out: str | Path,
    zones_text: str = "",
    legal: str = "",
    params: Params = Params(),
    audit_head: tuple[int, str] | None = None,
    extra: dict | None = None,
    seal: bool = True,
) -> tuple[Path, Path | None]:
    """Write the package folder ``out/<alert_id>/`` and ``out/<alert_id>.zip``; returns both.

    ``audit_head``: the store's newest audit entry (number, hash) when the package was made; printed in it so
    that the package, once handed over, anchors the audit chain (a later rewrite of the log cannot match it).
    ``extra``: more facts for facts.json (who made it, legal caveats...). ``seal=False``: write the files but
    neither the manifest nor the zip (the caller adds the report and seals with :func:`seal_package`); the
    zip is then None. When no date is clear enough before or after the alert, the package is still made and
    says so (facts ``imagery_note``): a missing image is a fact for the reader, not a failure."""
    aid = alert["alert_id"]
    folder = Path(out) / aid
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.iterdir():  # a rebuild leaves no file of an earlier package behind
        if old.is_file():
            old.unlink()
    shutil.rmtree(folder / PHOTO_DIR, ignore_errors=True)  # nor an earlier package's field photos
    poly = gpd.GeoSeries([alert["geometry"]], crs=4326)
    poly_utm = poly.to_crs(ds.attrs["crs"])
    transform = _transform(ds)
    mask = features.geometry_mask(poly_utm.values, (ds.sizes["y"], ds.sizes["x"]), transform, invert=True)
    series = index_series(ds, mask)
    first, confirmed = alert["first_seen"], alert.get("confirmed")
    pair = pair_for(alert, ds)
    chosen = {k: v for k, v in (("before", pair.before), ("after", pair.after)) if v is not None}
    note = _no_clear_note(pair, first)
    simulated = is_simulated(ds.attrs.get("items", []))
    files = []
    x0, y0, x1, y1 = poly_utm.total_bounds
    pad = max(300.0, 0.6 * max(x1 - x0, y1 - y0))
    window = ds.sel(x=slice(x0 - pad, x1 + pad), y=slice(y1 + pad, y0 - pad))
    shares = {"before": pair.before_clear, "after": pair.after_clear}
    for label, date in chosen.items():
        sl = window.sel(time=window.time.values[[str(t)[:10] == date for t in window.time.values]][0]).compute()
        for name, recipe in (("true", TRUE_COLOUR), ("false", FALSE_COLOUR)):
            fig, ax = plt.subplots(figsize=(5, 5))
            ext = [float(sl.x.min()), float(sl.x.max()), float(sl.y.min()), float(sl.y.max())]
            ax.imshow(composite(sl, recipe), extent=ext, interpolation="nearest")
            poly_utm.boundary.plot(ax=ax, color="yellow" if name == "true" else "white", linewidth=1.2)
            ax.set_xlim(ext[0], ext[1])
            ax.set_ylim(ext[2], ext[3])
            _decorate(ax, ext, simulated)
            ax.set_title(
                f"{aid}\n{label} / {'antes' if label == 'before' else 'después'}: {date} · "
                f"{'color verdadero / true colour' if name == 'true' else 'falso color / false colour (B11-B8-B4)'}"
                f"\ndespejado / clear: {shares[label]:.1%} (alerta + {MARGIN_M:.0f} m / alert + {MARGIN_M:.0f} m)",
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
        if k in series:
            ax.plot(pd.to_datetime(series.date), series[k], "o-", ms=3, color=c, label=k.upper())
    ax.axvline(pd.Timestamp(first), color="red", linestyle="--", label="first seen / primera detección")
    if confirmed:
        ax.axvline(pd.Timestamp(confirmed), color="black", linestyle=":", label="confirmed / confirmada")
    ax.set_title(
        f"{aid}: índices sobre la alerta (píxeles despejados) / indices over the alert (clear pixels)"
        + ("\nSIMULADA / SIMULATED" if simulated else ""),
        fontsize=8,
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

    c = navigation_point(alert)
    cu = gpd.GeoSeries([c], crs=4326).to_crs(UTM).iloc[0]
    idp = id_point(aid)
    id_dist = None
    if idp is not None:
        pu = gpd.GeoSeries([shapely.Point(idp[1], idp[0])], crs=4326).to_crs(UTM).iloc[0]
        id_dist = round(float(pu.distance(cu)), 1)
    items = [i for i in ds.attrs.get("items", [])]
    facts = {
        "alert_id": aid,
        "first_seen": first,
        "confirmed": confirmed,
        "cause": alert.get("cause"),
        "confidence": alert.get("confidence"),
        "mining_prob": alert.get("mining_prob"),
        "area_ha": alert.get("area_ha"),
        "status": alert.get("status"),
        "point_wgs84": {"lat": round(c.y, 6), "lon": round(c.x, 6)},
        "point_utm19s": {"epsg": 32719, "easting": round(cu.x, 1), "northing": round(cu.y, 1)},
        "point_kind": "navigation point: a point inside the alert (point on surface), the same the web map gives",
        "id_point": None if idp is None else {"lat": idp[0], "lon": idp[1], "metres_from_point": id_dist},
        "dates_used": chosen,
        "date_choice": {
            "rule": "clearest date over the alert and a margin, nearest the first detection, within the window",
            "margin_m": MARGIN_M,
            "window_days": pair.window_days,
            "min_clear": pair.min_clear,
            "clear_share": {k: v for k, v in shares.items() if v is not None},
        },
        "imagery_note": note,
        "simulated": simulated,
        "zones": zones_text,
        "legal": legal,
        "source": ds.attrs.get("source"),
        "scenes": [i for i in items if any(d.replace("-", "") in i for d in chosen.values())],
        "software": {"name": "centinela", "version": __version__},
        "parameters": dataclasses.asdict(params),
        "audit_log_head": None if audit_head is None else {"seq": audit_head[0], "sha256": audit_head[1]},
        **(extra or {}),
    }
    fj = folder / "facts.json"
    fj.write_text(json.dumps(facts, sort_keys=True, indent=2, ensure_ascii=False, default=str), encoding="utf-8")
    readme = folder / "LEAME_README.txt"
    readme.write_text(_readme(facts), encoding="utf-8")
    files += [fj, readme]
    if not seal:
        return folder, None
    return folder, seal_package(folder)


MANIFEST = "MANIFEST.sha256"
SIGNATURE = "MANIFEST.sig.json"
PHOTO_DIR = "photos"  # field photos, the package's one subfolder (byte for byte as the phones sent them)


def seal_package(folder: Path, sign=None) -> Path:
    """Write ``MANIFEST.sha256`` (every file of ``folder``), its signature when ``sign`` (manifest bytes →
    signature document) is given, and the zip beside the folder (fixed entry dates: same files, same bytes)."""
    folder = Path(folder)
    files = sorted(
        (p for p in folder.iterdir() if p.is_file() and p.name not in (MANIFEST, SIGNATURE)), key=lambda p: p.name
    )
    photos = folder / PHOTO_DIR
    files += sorted(p for p in photos.iterdir() if p.is_file()) if photos.is_dir() else []
    rel = {p: p.relative_to(folder).as_posix() for p in files}  # "photos/<sha256>.jpg" for field photos
    files.sort(key=rel.get)
    manifest = folder / MANIFEST
    manifest.write_text("".join(f"{sha256(p)}  {rel[p]}\n" for p in files), encoding="utf-8")
    rel[manifest] = MANIFEST
    files.append(manifest)
    sig = folder / SIGNATURE
    if sign is not None:
        sig.write_text(json.dumps(sign(manifest.read_bytes()), indent=2, sort_keys=True) + "\n", encoding="utf-8")
        files.append(sig)
    elif sig.exists():
        sig.unlink()
    aid = folder.name
    zpath = folder.parent / f"{aid}.zip"
    tmp = zpath.with_name(zpath.name + ".part")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as z:
        for p in sorted(files, key=lambda p: rel.get(p, p.name)):
            info = zipfile.ZipInfo(f"{aid}/{rel.get(p, p.name)}", date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, p.read_bytes())
    tmp.replace(zpath)  # a reader never sees half a zip
    return zpath


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


def _legal_text(f: dict) -> str:
    both = f.get("legal_rules")
    if not isinstance(both, dict) or not all(isinstance(both.get(x), dict) for x in ("es", "en")):
        return f"Estado legal / legal status: {f['legal'] or '—'}\n"
    return "".join("\n".join(both[x]["lines"]) + "\n" for x in ("es", "en") if both[x].get("lines"))


def _field_line(f: dict) -> str:
    reports = f.get("field_reports") or []
    if not reports:
        return ""
    n = sum(len(r.get("photos") or []) for r in reports)
    return (
        f"Informes de campo / field reports: {len(reports)}, con {n} foto(s) / with {n} photo(s) en/in "
        f"{PHOTO_DIR}/ (tal como se recibieron, EXIF incluido / as received, EXIF included)\n"
    )


def _readme(f: dict) -> str:
    p, u = f["point_wgs84"], f["point_utm19s"]
    used = f["dates_used"]
    note = f.get("imagery_note")
    idp = f.get("id_point")
    return (
        f"PAQUETE DE EVIDENCIA / EVIDENCE PACKAGE — {f['alert_id']}\n\n"
        + (
            "IMÁGENES SIMULADAS / SIMULATED IMAGERY: no son adquisiciones reales / not real acquisitions\n\n"
            if f.get("simulated")
            else ""
        )
        + f"Primera detección / first seen: {f['first_seen']}   Confirmada / confirmed: {f['confirmed'] or '—'}\n"
        f"Causa / cause: {f['cause']}   Confianza / confidence: {f['confidence']}   Área / area: {f['area_ha']} ha\n"
        f"Punto de navegación (dentro de la alerta) / navigation point (inside the alert), WGS84: "
        f"{p['lat']}, {p['lon']}   UTM 19S: E {u['easting']} N {u['northing']}\n"
        + (
            f"(Las coordenadas del código de alerta son el primer píxel detectado, a {idp['metres_from_point']} m; "
            f"no navegue a ellas. / The id's coordinates are the first pixel detected, {idp['metres_from_point']} m "
            "away; do not navigate to them.)\n"
            if idp
            else ""
        )
        + f"Imágenes usadas / images used: antes/before {used.get('before', '—')}, "
        f"después/after {used.get('after', '—')}\n"
        + (f"{note['es']}\n{note['en']}\n" if note else "")
        + f"Escenas / scenes: {', '.join(f['scenes']) or '—'}\n"
        f"Zonas / zones: {f['zones'] or '—'}\n"
        + _legal_text(f)
        + f"Software: centinela {f['software']['version']} (parámetros en facts.json / parameters in facts.json)\n"
        "Informe / report: informe_es.pdf, report_en.pdf\n" + _field_line(f) + "\n"
        "Integridad / integrity: MANIFEST.sha256 lista el SHA-256 de cada archivo (sha256sum -c MANIFEST.sha256);\n"
        "MANIFEST.sig.json lo firma (Ed25519): centinela evidence verify <carpeta|zip> --public-key <clave.pub.pem>\n"
        + _head_line(f.get("audit_log_head"))
        + "Verifique en campo o con imágenes de muy alta resolución antes de una denuncia. "
        "/ Verify in the field or with\n"
        "very-high-resolution imagery before filing a complaint.\n"
    )
