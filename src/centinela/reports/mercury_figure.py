"""The mercury map figure: interpolated surface with sites and hotspots, mercury against mining upstream,
and hair mercury by community — side by side, so the data speak rather than a distance-to-mining prior."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.colors import LogNorm  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.ticker import FuncFormatter  # noqa: E402

LABELS = {
    "es": {
        "map": "Mercurio en {m} (mg/kg, {how})",
        "no_surface": "sin superficie: pocos sitios",
        "sites": "sitios",
        "hot": "punto caliente Gi* (FDR 5 %)",
        "cold": "punto frío Gi*",
        "mining": "minería",
        "river": "río",
        "community": "comunidad",
        "scatter": "Mercurio vs. minería aguas arriba",
        "up_ha": "minería aguas arriba (ha)",
        "value": "{m} (mg/kg)",
        "hair": "Mercurio en cabello por comunidad",
        "median": "mediana (µg/g)",
        "ref": "referencia 1 µg/g",
        "no_up": "sin capa de ríos o de minería",
        "no_hair": "sin datos de cabello",
    },
    "en": {
        "map": "Mercury in {m} (mg/kg, {how})",
        "no_surface": "no surface: too few sites",
        "sites": "sites",
        "hot": "Gi* hotspot (FDR 5 %)",
        "cold": "Gi* cold spot",
        "mining": "mining",
        "river": "river",
        "community": "community",
        "scatter": "Mercury vs. mining upstream",
        "up_ha": "mining upstream (ha)",
        "value": "{m} (mg/kg)",
        "hair": "Hair mercury by community",
        "median": "median (µg/g)",
        "ref": "1 µg/g reference",
        "no_up": "no river or mining layer",
        "no_hair": "no hair data",
    },
}


MATRICES = {  # what a reader calls each matrix (fish maps are titled by their guild or species instead)
    "es": {
        "sediment": "sedimento",
        "soil": "suelo",
        "fish": "peces",
        "hair": "cabello",
        "water": "agua",
        "air": "aire",
        "suspended_particles": "partículas en suspensión",
    },
    "en": {"suspended_particles": "suspended particles"},
}


def _how(res, L: dict) -> str:
    """The interpolation the surface comes from (the cross-validated choice), or that there is none."""
    s = res.scores
    if res.surface is None or not len(s) or "chosen" not in s or not s.chosen.any():
        return L["no_surface"]
    return str(s[s.chosen].method.iloc[0])


def map_figure(res, rivers, mining, path: Path, lang: str = "es") -> Path:
    L = LABELS[lang]
    fig, axes = plt.subplots(1, 3, figsize=(17, 5.8), gridspec_kw={"width_ratios": [1.35, 1, 1]})
    ax = axes[0]
    sites = res.sites
    crs = res.surface[2] if res.surface else sites.estimate_utm_crs()
    s = sites.to_crs(crs)
    vals = sites.value.to_numpy(float)
    norm = LogNorm(vmin=max(vals.min(), 1e-4), vmax=max(vals.max(), vals.min() * 1.01, 1e-4))
    if res.surface is not None:
        grid, tr, _ = res.surface
        extent = (tr.c, tr.c + tr.a * grid.shape[1], tr.f + tr.e * grid.shape[0], tr.f)
        im = ax.imshow(grid, extent=extent, origin="upper", cmap="magma_r", norm=norm, alpha=0.85)
        fig.colorbar(im, ax=ax, shrink=0.75, label="mg/kg")
    x0, y0, x1, y1 = s.total_bounds
    pad = 0.15 * max(x1 - x0, y1 - y0, 1000)
    if mining is not None and len(mining):
        mining.to_crs(crs).plot(ax=ax, facecolor="#d32f2f", edgecolor="#b71c1c", alpha=0.5, linewidth=0.5)
    if rivers is not None and len(rivers):
        rivers.to_crs(crs).plot(ax=ax, color="#1565c0", linewidth=1.5)
    ax.scatter(s.geometry.x, s.geometry.y, c=vals, cmap="magma_r", norm=norm, edgecolor="black", s=36, zorder=3)
    handles = [
        Line2D([], [], marker="o", ls="", mfc="#888", mec="black", label=L["sites"]),
        Line2D([], [], color="#1565c0", label=L["river"]),
        Line2D([], [], color="#d32f2f", lw=6, alpha=0.5, label=L["mining"]),
    ]
    if "hotspot" in sites:
        for kind, colour in (("hot", "#d50000"), ("cold", "#2962ff")):
            sel = sites.hotspot.eq(kind).to_numpy()
            if sel.any():
                ax.scatter(
                    s.geometry.x[sel],
                    s.geometry.y[sel],
                    s=180,
                    facecolor="none",
                    edgecolor=colour,
                    linewidth=2,
                    zorder=4,
                )
                handles.append(Line2D([], [], marker="o", ls="", mfc="none", mec=colour, mew=2, ms=11, label=L[kind]))
    if res.communities is not None and len(res.communities):
        c = res.communities.to_crs(crs)
        ax.scatter(c.geometry.x, c.geometry.y, marker="^", s=90, color="#2e7d32", edgecolor="white", zorder=5)
        for name, gx, gy in zip(c.community, c.geometry.x, c.geometry.y, strict=True):
            ax.annotate(str(name), (gx, gy), xytext=(4, 4), textcoords="offset points", fontsize=7, color="#1b5e20")
        handles.append(Line2D([], [], marker="^", ls="", color="#2e7d32", label=L["community"]))
    ax.set_xlim(x0 - pad, x1 + pad)
    ax.set_ylim(y0 - pad, y1 + pad)
    ax.set_aspect("equal")
    subject = MATRICES[lang].get(res.matrix, res.matrix)
    ax.set_title(L["map"].format(m=subject, how=_how(res, L)), fontsize=10)
    ax.legend(handles=handles, fontsize=6, loc="best", framealpha=0.8)
    km = FuncFormatter(lambda v, _: f"{v / 1000:.0f}")
    ax.xaxis.set_major_formatter(km)
    ax.yaxis.set_major_formatter(km)
    ax.set_xlabel("UTM x (km)", fontsize=7)
    ax.set_ylabel("UTM y (km)", fontsize=7)
    ax.tick_params(labelsize=6)

    ax = axes[1]
    if "upstream_mining_ha" in sites and sites.upstream_mining_ha.notna().any():
        ax.scatter(sites.upstream_mining_ha, vals, color="#6d4c41", edgecolor="black")
        ax.set_xscale("symlog", linthresh=1)
        ax.set_yscale("log")
        ax.set_xlabel(L["up_ha"])
        ax.set_ylabel(L["value"].format(m=MATRICES[lang].get(res.matrix, res.matrix)))
        title = L["scatter"]
        if res.spearman:
            title += f"\nSpearman ρ = {res.spearman[0]:.2f} (p = {res.spearman[1]:.3f}, n = {res.spearman[2]})"
        ax.set_title(title, fontsize=10)
    else:
        ax.text(0.5, 0.5, L["no_up"], ha="center", transform=ax.transAxes)
        ax.set_axis_off()

    ax = axes[2]
    com = res.communities
    if com is not None and len(com) and com.median_ug_g.notna().any():
        com = com.sort_values("median_ug_g")
        bars = ax.barh(com.community.astype(str), com.median_ug_g, color="#2e7d32")
        for b, share in zip(bars, com.share_above_1, strict=True):
            if share is not None and np.isfinite(share):
                ax.text(
                    b.get_width(), b.get_y() + b.get_height() / 2, f" {100 * share:.0f}% >1", va="center", fontsize=7
                )
        ax.axvline(1.0, color="#b71c1c", ls="--", label=L["ref"])
        ax.set_xlabel(L["median"])
        ax.legend(fontsize=7)
        ax.set_title(L["hair"], fontsize=10)
        ax.tick_params(labelsize=7)
    else:
        ax.text(0.5, 0.5, L["no_hair"], ha="center", transform=ax.transAxes)
        ax.set_axis_off()
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path
