"""Print sampled index percentiles of each measured cover next to the reference's second table.

Run: ``python benchmarks/independent/check_spectra.py``. The band percentiles match the reference by
construction; this shows how well the band co-variation (``Cover.nir_vs_visible`` ...) reproduces the
reference's index percentiles, which were the only target of those parameters.
"""

from __future__ import annotations

import numpy as np

import spectra as S

# real-spectra-amazon.md, second table: p10 / p50 / p90 of each index
REFERENCE = {
    "mining": {
        "NDVI": (0.000, 0.203, 0.479),
        "NBR": (0.015, 0.205, 0.440),
        "MNDWI": (-0.505, -0.282, 0.015),
        "BSI": (-0.060, 0.077, 0.191),
    },
    "human": {
        "NDVI": (-0.005, 0.230, 0.475),
        "NBR": (0.061, 0.208, 0.458),
        "MNDWI": (-0.504, -0.159, 0.070),
        "BSI": (-0.109, -0.018, 0.142),
    },
    "natural": {
        "NDVI": (-0.190, 0.345, 0.495),
        "NBR": (0.152, 0.409, 0.643),
        "MNDWI": (-0.475, -0.182, 0.539),
        "BSI": (-0.150, -0.025, 0.125),
    },
    "forest": {
        "NDVI": (0.813, 0.853, 0.896),
        "NBR": (0.568, 0.641, 0.695),
        "MNDWI": (-0.654, -0.566, -0.486),
        "BSI": (-0.354, -0.288, -0.213),
    },
}


def main() -> None:
    rng = np.random.default_rng(0)
    print("| cover | index | sampled p10 / p50 / p90 | reference p10 / p50 / p90 |")
    print("|---|---|---|---|")
    for cover in S.COVERS:
        idx = S.indices(S.sample(rng, cover, (200, 200)))
        for name in ("NDVI", "NBR", "MNDWI", "BSI"):
            got = " / ".join(f"{v:.2f}" for v in np.percentile(idx[name], [10, 50, 90]))
            ref = REFERENCE.get(cover.name, {}).get(name)
            want = " / ".join(f"{v:.2f}" for v in ref) if ref else "(not measured)"
            print(f"| {cover.name} | {name} | {got} | {want} |")


if __name__ == "__main__":
    main()
