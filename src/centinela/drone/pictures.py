"""Pictures people read: the cover of one flight and the change between two, in Spanish and English at once."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Patch

from ..i18n import both
from .cover import CHANGE_COLOURS, CHANGE_KEYS, CLASS_COLOURS, CLASS_NAMES
from .ortho import OrthoInfo, OrthoReader, read_decimated

MAX_PX = 1600  # pictures are drawn from overviews: a 50 000 px orthomosaic costs what a 1600 px one does


def _rgba(codes: np.ndarray, colours: dict[int, tuple]) -> np.ndarray:
    lut = np.zeros((256, 4), np.uint8)
    for k, c in colours.items():
        lut[k] = c
    return lut[codes]


def _extent(t, shape) -> tuple[float, float, float, float]:
    h, w = shape
    return (t.c, t.c + w * t.a, t.f + h * t.e, t.f)


def _stamp(fig, simulated: bool) -> None:
    if simulated:
        fig.supxlabel(both("fig.simulated"), fontsize=8, color="#b00000")  # constrained layout keeps room for it


def true_colour(info: OrthoInfo, max_px: int = MAX_PX):
    """A display-ready RGB (float 0–1, NaN-free) of the orthomosaic from its overviews, with its transform."""
    with OrthoReader(info) as r:
        data, valid, t = r.overview(max_px, names=["red", "green", "blue"])
    rgb = np.stack([data["red"], data["green"], data["blue"]], axis=-1)
    if info.dtype == "uint8":
        rgb = rgb / 255.0
    else:  # linear reflectance or DN: a 2–98 % stretch, then a gamma to look like a photo
        v = rgb[valid]
        lo, hi = (np.percentile(v, 2), np.percentile(v, 98)) if v.size else (0.0, 1.0)
        rgb = np.clip((rgb - lo) / max(hi - lo, 1e-9), 0, 1) ** (1 / 2.2)
    rgba = np.concatenate([np.clip(rgb, 0, 1), valid[..., None]], axis=-1).astype(np.float32)
    return rgba, t


def cover_picture(info: OrthoInfo, classes_tif: Path, png: Path, whole: dict, lang: str = "es") -> Path:
    """True colour beside the cover classes, with the class legend and fractions."""
    rgba, t = true_colour(info)
    cls, tc = read_decimated(classes_tif, MAX_PX)
    fig, axes = plt.subplots(1, 2, figsize=(13, 6.8), constrained_layout=True)
    axes[0].imshow(rgba, extent=_extent(t, rgba.shape[:2]), interpolation="nearest")
    axes[0].set_title(both("drone.true_colour"), fontsize=10)
    axes[1].imshow(_rgba(cls, CLASS_COLOURS), extent=_extent(tc, cls.shape), interpolation="nearest")
    axes[1].set_title(both("drone.cover_classes"), fontsize=10)
    handles = [
        Patch(
            color=np.asarray(CLASS_COLOURS[c][:3]) / 255,
            label=f"{both('drone.cls_' + name)}: {whole.get(name + '_frac', float('nan')):.1%}",
        )
        for c, name in CLASS_NAMES.items()
    ]
    axes[1].legend(handles=handles, loc="lower left", fontsize=8, framealpha=0.85)
    for ax in axes:
        ax.set_xlabel(f"{info.crs} x (m)", fontsize=8)
        ax.tick_params(labelsize=7)
        ax.ticklabel_format(useOffset=False, style="plain")
    date = f" — {info.flight_date}" if info.flight_date else ""
    fig.suptitle(f"{both('drone.cover_title')}{date}\n{info.path.name}, {info.res_m:.2f} m", fontsize=11)
    _stamp(fig, info.simulated)
    png.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(png, dpi=110)
    plt.close(fig)
    return png


def change_picture(change_tif: Path, png: Path, summary: dict, lang: str = "es") -> Path:
    """The change map with a legend of the transitions and their hectares."""
    codes, t = read_decimated(change_tif, MAX_PX)
    fig, ax = plt.subplots(figsize=(9.5, 8.5), constrained_layout=True)
    ax.imshow(_rgba(codes, CHANGE_COLOURS), extent=_extent(t, codes.shape), interpolation="nearest")
    by_code = summary.get("ha_by_code", {})
    ha = {code: by_code.get(str(code), 0.0) for code in CHANGE_KEYS}
    ha[11], ha[44] = summary["unchanged_ha"], summary["uncertain_ha"]
    handles = []
    for code, key in CHANGE_KEYS.items():
        label = f"{both(key)}: {ha[code]:.3f} ha"
        handles.append(Patch(color=np.asarray(CHANGE_COLOURS[code][:3]) / 255, label=label))
    ax.legend(handles=handles, loc="lower left", fontsize=8, framealpha=0.85)
    ax.ticklabel_format(useOffset=False, style="plain")
    ax.tick_params(labelsize=7)
    dates = f"{summary.get('a_date') or 'A'} → {summary.get('b_date') or 'B'}"
    fig.suptitle(
        f"{both('drone.change_title')}: {dates}\n"
        f"{both('drone.ch_gain')} {summary['vegetation_gain_ha']:.3f} ha · "
        f"{both('drone.ch_loss')} {summary['vegetation_loss_ha']:.3f} ha · "
        f"{both('drone.ch_overlap')} {summary['overlap_ha']:.2f} ha",
        fontsize=10,
    )
    _stamp(fig, bool(summary.get("simulated")))
    png.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(png, dpi=110)
    plt.close(fig)
    return png
