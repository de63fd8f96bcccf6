"""The monthly bulletin: HTML and PDF with headline figures, a map, plots, tables and sources.

Inputs are already-assessed alerts (see :func:`centinela.zones.assess`) and zone statistics; this
module draws and writes (matplotlib, Jinja2, WeasyPrint) and reads no data files.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
from dataclasses import dataclass
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import geopandas as gpd  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from jinja2 import Environment, PackageLoader  # noqa: E402
from matplotlib import patheffects  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402

from ..i18n import t  # noqa: E402
from ..palette import CAUSE_COLOURS  # noqa: E402
from ..zones.kinds import KINDS  # noqa: E402
from ..zones.legal import legal_verdict, verification_note  # noqa: E402
from ..zones.registry import ZoneSet  # noqa: E402
from .pdf import write_pdf  # noqa: E402
from .text import TEXT  # noqa: E402

ZONE_STYLE = {
    "protected_area": dict(facecolor="#2e7d32", alpha=0.18, edgecolor="#1b5e20", linewidth=1.4),
    "buffer_zone": dict(facecolor="none", edgecolor="#2e7d32", linewidth=1.0, linestyle="--"),
    "indigenous_land": dict(facecolor="#ef6c00", alpha=0.15, edgecolor="#e65100", linewidth=1.0),
    "mining_corridor": dict(facecolor="none", edgecolor="#1565c0", linewidth=1.6, linestyle="-."),
    "mining_concession": dict(facecolor="none", edgecolor="#6a1b9a", linewidth=0.8),
}
CAUSE_COLOUR = CAUSE_COLOURS  # one palette for the bulletin and the web page (centinela.palette)


@dataclass(frozen=True)
class BulletinFiles:
    html: Path
    pdf: Path
    figures: tuple[Path, ...]


def _png(fig) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=130)
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode()


def _scalebar(ax, x0, x1, y0, y1):
    width = x1 - x0
    bar = float(10 ** np.floor(np.log10(width / 4)))
    bx, by = x0 + 0.05 * width, y0 + 0.05 * (y1 - y0)
    ax.plot([bx, bx + bar], [by, by], color="black", lw=3, solid_capstyle="butt")
    ax.text(bx + bar / 2, by + 0.015 * (y1 - y0), f"{bar:g} km", ha="center", va="bottom", fontsize=7)
    ax.annotate(
        "N",
        xy=(x1 - 0.05 * width, y1 - 0.04 * (y1 - y0)),
        xytext=(x1 - 0.05 * width, y1 - 0.14 * (y1 - y0)),
        ha="center",
        fontsize=10,
        fontweight="bold",
        arrowprops=dict(arrowstyle="-|>", color="black", lw=1.5),
        path_effects=[patheffects.withStroke(linewidth=2, foreground="white")],
    )


def alert_map(alerts: gpd.GeoDataFrame, zones: ZoneSet, lang: str, background=None) -> plt.Figure:
    """Alerts over the zones, in the local UTM zone, axes in km; ``background`` is (rgb, extent_km, crs) or None."""
    T = TEXT[lang]
    crs = alerts.estimate_utm_crs() if len(alerts) else zones.zones.estimate_utm_crs()
    a = alerts.to_crs(crs)
    x0, y0, x1, y1 = a.total_bounds if len(a) else zones.zones.to_crs(crs).total_bounds
    pad = max(1500.0, 0.15 * max(x1 - x0, y1 - y0))
    x0, y0, x1, y1 = x0 - pad, y0 - pad, x1 + pad, y1 + pad
    fig, ax = plt.subplots(figsize=(8.2, 6.6), constrained_layout=True)
    if background is not None:
        rgb, ext = background
        ax.imshow(rgb, extent=ext, interpolation="nearest", alpha=0.85)
    km = 1e-3
    handles = []
    z = zones.zones.to_crs(crs).cx[x0:x1, y0:y1]
    admin = z[(z.kind == "admin") & (z.layer == "districts")]
    if len(admin):
        admin.boundary.scale(km, km, origin=(0, 0)).plot(ax=ax, color="#757575", linewidth=0.6, linestyle=":")
        for r in admin.itertuples():
            p = r.geometry.intersection(__import__("shapely").box(x0, y0, x1, y1)).representative_point()
            if not p.is_empty:
                ax.text(
                    p.x * km,
                    p.y * km,
                    r.name.title(),
                    fontsize=7,
                    color="#424242",
                    ha="center",
                    path_effects=[patheffects.withStroke(linewidth=2, foreground="white")],
                )
        handles.append(Line2D([], [], color="#757575", linestyle=":", label=T["districts"]))
    for kind, style in ZONE_STYLE.items():
        sub = z[z.kind == kind]
        if len(sub):
            sub.set_geometry(sub.geometry.scale(km, km, origin=(0, 0))).plot(ax=ax, **style)
            label = KINDS[kind][lang] + (" — " + T["illustrative"] if sub.illustrative.any() else "")
            handles.append(Patch(**{k: v for k, v in style.items() if k != "linewidth"}, label=label))
    for cause, colour in CAUSE_COLOUR.items():
        sub = a[a.cause == cause] if len(a) else a
        if len(sub):
            sub.set_geometry(sub.geometry.scale(km, km, origin=(0, 0))).plot(
                ax=ax, facecolor=colour, edgecolor="black", linewidth=0.5
            )
            handles.append(Patch(facecolor=colour, edgecolor="black", label=T[f"cause_{cause}"]))
    ax.set_xlim(x0 * km, x1 * km)
    ax.set_ylim(y0 * km, y1 * km)
    ax.set_aspect("equal")
    ax.set_xlabel(f"x (km, {crs.to_string()})", fontsize=7)
    ax.set_ylabel("y (km)", fontsize=7)
    ax.tick_params(labelsize=6)
    _scalebar(ax, x0 * km, x1 * km, y0 * km, y1 * km)
    ax.legend(handles=handles, loc="lower right", fontsize=7, framealpha=0.92)
    return fig


def monthly_hectares(alerts: gpd.GeoDataFrame, start: dt.date, end: dt.date) -> pd.DataFrame:
    """Hectares per month (rows, periods) and cause (columns): every alert once, by its ``area_ha`` — the figures
    of the monthly plot, and the same as the web API's monthly totals for the same alerts."""
    months = pd.period_range(start, end, freq="M")
    out = pd.DataFrame(0.0, index=months, columns=list(CAUSE_COLOUR))
    for cause in CAUSE_COLOUR:
        sub = alerts[alerts.cause == cause] if len(alerts) else alerts
        if len(sub):
            per = sub.groupby(pd.to_datetime(sub.first_seen).dt.to_period("M")).area_ha.sum()
            out[cause] = out[cause].add(per, fill_value=0).reindex(months, fill_value=0)
    return out


def monthly_plot(alerts: gpd.GeoDataFrame, start: dt.date, end: dt.date, lang: str):
    T = TEXT[lang]
    table = monthly_hectares(alerts, start, end)
    months = table.index
    fig, ax = plt.subplots(figsize=(8.2, 3.2), constrained_layout=True)
    bottom = np.zeros(len(months))
    for cause, colour in CAUSE_COLOUR.items():
        vals = table[cause]
        ax.bar(
            [m.strftime("%Y-%m") for m in months], vals.values, bottom=bottom, color=colour, label=T[f"cause_{cause}"]
        )
        bottom += vals.values
    ax.set_ylabel(T["hectares"])
    ax.set_title(T["by_month"], fontsize=10)
    ax.tick_params(axis="x", labelrotation=45, labelsize=7)
    ax.legend(fontsize=8)
    return fig


def zone_plot(table: pd.DataFrame, lang: str):
    T = TEXT[lang]
    t = table[
        (table.period_type == "year")
        & (table.cause == "mining")
        & (table.zone_kind != "admin")
        & ~table.zone_name.str.startswith("(")
    ]
    t2 = table[(table.period_type == "year") & (table.cause == "mining") & (table.zone_layer == "districts")]
    t = (
        pd.concat([t, t2])
        .groupby(["zone_kind", "zone_name"], as_index=False)
        .hectares.sum()
        .sort_values("hectares")
        .tail(12)
    )
    fig, ax = plt.subplots(figsize=(8.2, 0.45 * max(len(t), 3) + 1.2), constrained_layout=True)
    if len(t):
        labels = [
            f"{n.title() if n.isupper() else n} · {KINDS[k][lang]}"
            for k, n in zip(t.zone_kind, t.zone_name, strict=True)
        ]
        ax.barh(labels, t.hectares, color=CAUSE_COLOUR["mining"])
        for i, v in enumerate(t.hectares):
            ax.text(v, i, f" {v:,.1f}", va="center", fontsize=7)
    ax.set_xlabel(T["hectares"])
    ax.set_title(T["by_zone"], fontsize=10)
    ax.tick_params(labelsize=7)
    return fig


def write_bulletin(
    alerts: gpd.GeoDataFrame,
    table: pd.DataFrame,
    zones: ZoneSet,
    rules,
    start: dt.date,
    end: dt.date,
    out: str | Path,
    lang: str = "es",
    area: str | None = None,
    background=None,
    simulated: bool = False,
    method_note: str = "",
    mercury: dict | None = None,
    audit_head: tuple[int, str] | None = None,
) -> BulletinFiles:
    """Write ``bulletin_<from>_<to>_<lang>.html`` and its PDF, plus the figures as PNG, into ``out``."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    T = TEXT[lang]
    a = alerts.copy()
    mining = a[a.cause == "mining"]

    def ha_in(kind):
        if not len(mining):
            return 0.0
        p = table[
            (table.zone_kind == kind)
            & (table.period_type == "year")
            & (table.cause == "mining")
            & ~table.zone_name.str.startswith("(")
        ]
        return float(p.hectares.sum())

    figures = {
        "map": alert_map(a, zones, lang, background),
        "months": monthly_plot(a, start, end, lang),
        "zones": zone_plot(table, lang),
    }
    images, paths = {}, []
    for name, fig in figures.items():
        path = out / f"{name}.png"
        fig.savefig(path, dpi=130)
        paths.append(path)
        images[name] = _png(fig)

    sensitive = (
        mining[
            mining.zones.str.contains(
                KINDS["protected_area"][lang] + "|" + KINDS["indigenous_land"][lang] + "|" + KINDS["buffer_zone"][lang],
                regex=True,
            )
        ]
        if len(mining)
        else mining
    )

    def rows(df):
        return [
            dict(
                id=r.alert_id,
                first_seen=str(r.first_seen),
                confirmed=str(r.confirmed) if r.confirmed else "—",
                area=f"{r.area_ha:,.2f}",
                lat=f"{r.lat:.5f}",
                lon=f"{r.lon:.5f}",
                zones=r.zones or "—",
                status=r.legal_label,
                reasons=r.legal_reasons,
                # the verdict with its instrument, article, verification and zone layer, in this language
                caveat=legal_verdict(r, rules, lang).sentence,
                confidence=T["conf_" + r.confidence],
                illustrative=bool(r.illustrative_basis),
            )
            for _, r in df.sort_values("area_ha", ascending=False).iterrows()
        ]

    rule_rows = [
        dict(
            id=r.id,
            text=r.text[lang],
            basis=[
                (c.text(lang), t("legal.verified." + c.verified, lang, source=c.source, read=c.read)) for c in r.basis
            ],
        )
        for r in rules.rules
    ]

    status_counts = (
        mining.groupby("legal_label").agg(n=("area_ha", "size"), ha=("area_ha", "sum")).reset_index()
        if len(mining)
        else pd.DataFrame(columns=["legal_label", "n", "ha"])
    )
    layers = zones.layers()
    # Always escape: zone, community and fish names come from users' files, and select_autoescape() would not
    # match these templates (they end in .html.j2).
    env = Environment(loader=PackageLoader("centinela.reports", "templates"), autoescape=True)
    html = env.get_template("bulletin.html.j2").render(
        T=T,
        lang=lang,
        start=start,
        end=end,
        area=area,
        generated=dt.date.today(),
        simulated=simulated,
        audit_head=audit_head,
        n_alerts=len(a),
        n_mining=len(mining),
        ha_mining=float(mining.area_ha.sum()),
        ha_other=float(a[a.cause != "mining"].area_ha.sum()),
        ha_pa=ha_in("protected_area"),
        ha_bz=ha_in("buffer_zone"),
        ha_it=ha_in("indigenous_land"),
        n_prohibited=int(mining.legal_status.isin(["prohibited", "not_formalisable"]).sum()) if len(mining) else 0,
        images=images,
        sensitive=rows(sensitive),
        top=rows(mining.head(50)) if len(mining) else [],
        statuses=[dict(label=r.legal_label, n=int(r.n), ha=f"{r.ha:,.2f}") for r in status_counts.itertuples()],
        layers=[
            dict(
                layer=r.layer,
                kind=KINDS[r.kind][lang],
                source=r.source,
                licence=r.licence,
                zones=int(r.zones),
                illustrative=bool(r.illustrative),
            )
            for r in layers.itertuples()
        ],
        rules=rules,
        rule_rows=rule_rows,
        verification_note=verification_note(lang),
        method_note=method_note,
        any_illustrative=bool(layers.illustrative.any()),
        mercury=mercury,
    )
    stem = f"bulletin_{start}_{end}_{lang}"
    html_path = out / f"{stem}.html"
    html_path.write_text(html, encoding="utf-8")
    pdf_path = write_pdf(html, out, out / f"{stem}.pdf")
    return BulletinFiles(html_path, pdf_path, tuple(paths))
