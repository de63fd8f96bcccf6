"""Contact sheet of a generated scene: true colour of some dates, their SCL, truth outlines. For eyeballing only.

Run: ``python benchmarks/independent/preview.py outputs/smoke [--dates 2024-08-20 ...] [--out sheet.png]``
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import geopandas as gpd
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pystac  # noqa: E402
import rasterio  # noqa: E402

SCL_COLOURS = {
    0: "black",
    2: "dimgray",
    3: "navy",
    4: "green",
    5: "tan",
    6: "blue",
    7: "pink",
    8: "silver",
    9: "white",
    10: "cyan",
}


def read_rgb(item: pystac.Item) -> tuple[np.ndarray, np.ndarray, tuple]:
    bands = []
    for key in ("B04", "B03", "B02"):
        a = item.assets[key]
        rb = (a.extra_fields.get("raster:bands") or [{}])[0]
        with rasterio.open(a.get_absolute_href()) as src:
            bands.append(src.read(1) * rb.get("scale", 1e-4) + rb.get("offset", 0.0))
            extent = (src.bounds.left, src.bounds.right, src.bounds.bottom, src.bounds.top)
    with rasterio.open(item.assets["SCL"].get_absolute_href()) as src:
        scl = src.read(1)
    return np.clip(np.dstack(bands) / 0.15, 0, 1), scl, extent


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("scene", type=Path)
    ap.add_argument("--dates", nargs="*")
    ap.add_argument("--out", type=Path)
    a = ap.parse_args()
    cat = pystac.Catalog.from_file(str(a.scene / "catalog" / "catalog.json"))
    items = sorted(cat.get_items(recursive=True), key=lambda i: i.datetime)
    if a.dates:
        items = [i for i in items if i.datetime.date().isoformat() in a.dates]
    else:
        meta = json.loads((a.scene / "scene.json").read_text())
        clear = [i for i in items if meta["cloud_by_date"][i.datetime.date().isoformat()] < 0.5]
        items = [clear[0], *clear[len(clear) // 2 :: max(1, len(clear) // 10)][:4], clear[-1]]
        cloudy = [i for i in items if 0.3 < meta["cloud_by_date"][i.datetime.date().isoformat()] < 0.9]
        items += cloudy[:1]
    steps = gpd.read_file(a.scene / "truth.gpkg", layer="steps")
    fig, axes = plt.subplots(2, len(items), figsize=(4 * len(items), 8))
    for col, it in enumerate(items):
        rgb, scl, ext = read_rgb(it)
        axes[0, col].imshow(rgb, extent=ext)
        day = it.datetime.date().isoformat()
        steps[steps.date <= day].boundary.plot(ax=axes[0, col], color="yellow", linewidth=0.6)
        axes[0, col].set_title(f"{day} cc={it.properties['eo:cloud_cover']}")
        cols = np.zeros((*scl.shape, 3))
        for v, c in SCL_COLOURS.items():
            cols[scl == v] = matplotlib.colors.to_rgb(c)
        axes[1, col].imshow(cols, extent=ext)
        for ax in axes[:, col]:
            ax.set_xticks([])
            ax.set_yticks([])
    for _, r in gpd.read_file(a.scene / "truth.gpkg", layer="events").iterrows():
        c = r.geometry.representative_point()
        axes[0, -1].annotate(r.kind, (c.x, c.y), color="yellow", fontsize=7)
    fig.tight_layout()
    out = a.out or a.scene / "preview.png"
    fig.savefig(out, dpi=70)
    print(out)


if __name__ == "__main__":
    main()
