"""Maps with real sites: co-located site ids grouped (or refused with --strict-sites), one id at two places
refused, fish mapped per guild or species and never averaged across them, and length-standardised site means."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from centinela.errors import InputError
from centinela.jobs.mercury import hg_map, map_line
from centinela.mercury.lengths import standardise
from centinela.mercury.mapping import make_map, site_values

# Beaches of the Madre de Dios river below Puerto Maldonado (about -12.59, -69.19), a few km apart.
BEACHES = {
    "MD-01": (-12.5901, -69.1702),
    "MD-02": (-12.6105, -69.1313),
    "MD-03": (-12.6312, -69.0958),
    "MD-04": (-12.6520, -69.0611),
}
M_PER_DEG_LAT = 110_574.0


def row(sample, site, lat, lon, value, matrix="sediment", **extra):
    base = dict(
        sample_id=sample,
        site_id=site,
        lat=lat,
        lon=lon,
        matrix=matrix,
        analyte="THg",
        value_canonical=value,
        censored=False,
        basis="dry" if matrix == "sediment" else "wet",
        qc_type="sample",
        qc_flag="ok",
        batch="B-2024-08",
        community="",
        source_file="lab_2024-08.csv",
        source_line=0,
    )
    return {**base, **extra}


def sediment_with_twin():
    """Four beaches; MD-02 was also logged as MD-02b by a second team, its GPS reading 5 m to the north."""
    rows = [row(f"SED-{i}", s, lat, lon, 0.05 + 0.01 * i) for i, (s, (lat, lon)) in enumerate(BEACHES.items())]
    lat, lon = BEACHES["MD-02"]
    rows.append(row("SED-9", "MD-02b", lat + 5 / M_PER_DEG_LAT, lon, 0.09))
    for i, r in enumerate(rows):
        r["source_line"] = i + 2
    return pd.DataFrame(rows)


def test_two_site_ids_five_metres_apart_are_one_mapped_site():
    notes = []
    sites = site_values(sediment_with_twin(), "sediment", notes=notes, lang="en").set_index("site_id")
    assert len(sites) == 4, "MD-02 and MD-02b are one place"
    merged = sites.loc["MD-02+MD-02b"]
    assert merged.n == 2 and merged.value == pytest.approx((0.06 + 0.09) / 2)
    note = next(n for n in notes if "one site" in n)
    assert "MD-02 (" in note and "MD-02b (" in note and "5 m" in note


def test_strict_sites_names_both_ids_and_their_coordinates_and_the_way_out():
    with pytest.raises(InputError) as e:
        site_values(sediment_with_twin(), "sediment", strict_sites=True, lang="en")
    msg = str(e.value)
    lat, lon = BEACHES["MD-02"]
    assert "MD-02 (" in msg and "MD-02b (" in msg
    assert f"{lat:.6f}, {lon:.6f}" in msg and f"{lat + 5 / M_PER_DEG_LAT:.6f}" in msg
    assert "--strict-sites" in msg
    es = pytest.raises(InputError, site_values, sediment_with_twin(), "sediment", strict_sites=True, lang="es")
    assert "están a 5 m" in str(es.value)


def test_one_site_id_at_two_places_is_an_error_naming_the_samples():
    frame = sediment_with_twin()
    far = frame.index[frame.sample_id == "SED-3"][0]
    frame.loc[far, "site_id"] = "MD-01"  # MD-04's core filed under MD-01, some 13 km away
    with pytest.raises(InputError) as e:
        site_values(frame, "sediment", lang="en")
    msg = str(e.value)
    assert "site MD-01" in msg and "SED-0 (lab_2024-08.csv:2)" in msg and "SED-3 (lab_2024-08.csv:5)" in msg
    assert "km apart" in msg


# Fish caught at three reaches: piscivores (fish-eaters) and detritivores (mud-eaters) at every reach, in
# different numbers, as nets catch them. Values near the Martinez et al. 2018 species means (mercury-figures.md A1).
FISH = [
    ("MD-01", "Cynodon gibbus", [0.62, 0.80]),
    ("MD-01", "Prochilodus nigricans", [0.08, 0.09, 0.11, 0.10, 0.12]),
    ("MD-02", "Serrasalmus rhombeus", [0.48, 0.55, 0.51]),
    ("MD-02", "Prochilodus nigricans", [0.10]),
    ("MD-03", "Hoplias malabaricus", [0.16]),
    ("MD-03", "Potamorhina altamazonica", [0.11, 0.13, 0.12, 0.14, 0.10, 0.09]),
]


def fish_frame(lengths=None):
    rows, i = [], 0
    for site, species, values in FISH:
        lat, lon = BEACHES[site]
        for v in values:
            i += 1
            extra = {"length_cm": lengths(site, species, i)} if lengths else {}
            rows.append(row(f"F-{i:03d}", site, lat, lon, v, matrix="fish", species=species, **extra))
    return pd.DataFrame(rows)


def test_a_piscivore_map_does_not_average_in_the_detritivores():
    sites = site_values(fish_frame(), "fish", guild="piscivore", lang="en").set_index("site_id")
    for site in ("MD-01", "MD-02", "MD-03"):
        pisc = [
            v
            for s, sp, vals in FISH
            if s == site and sp in ("Cynodon gibbus", "Serrasalmus rhombeus", "Hoplias malabaricus")
            for v in vals
        ]
        assert sites.loc[site, "value"] == pytest.approx(np.mean(pisc)), site
        assert sites.loc[site, "n"] == len(pisc)
    everything = site_values(fish_frame(), "fish").set_index("site_id")
    assert everything.loc["MD-01", "value"] < 0.3 < sites.loc["MD-01", "value"], (
        "averaged with its five detritivores the piscivore site would look clean"
    )
    detr = site_values(fish_frame(), "fish", guild="detritivore").set_index("site_id")
    assert detr.loc["MD-03", "value"] == pytest.approx(np.mean([0.11, 0.13, 0.12, 0.14, 0.10, 0.09]))
    one = site_values(fish_frame(), "fish", species="boquichico").set_index("site_id")  # a local name
    assert set(one.index) == {"MD-01", "MD-02"} and one.loc["MD-02", "value"] == pytest.approx(0.10)


def test_fish_map_without_guild_or_species_is_refused_with_the_choices(tmp_path):
    with pytest.raises(InputError) as e:
        make_map(fish_frame(), tmp_path, "fish", lang="en")
    msg = str(e.value)
    assert "--guild piscivore" in msg and "--guild detritivore" in msg and "6 fish at 3 sites" in msg
    with pytest.raises(InputError, match="unknown trophic guild"):
        make_map(fish_frame(), tmp_path, "fish", guild="carnivore", lang="en")
    with pytest.raises(InputError, match="not a name in the species table"):
        make_map(fish_frame(), tmp_path, "fish", species="pez dragón", lang="en")


class Store:
    """What hg_map reads from a store."""

    def __init__(self, results):
        self._results = results

    def results(self):
        return self._results

    def alerts(self, cause=None):
        return None


def test_hg_map_job_writes_a_guild_layer_and_says_what_it_mapped(tmp_path):
    import geopandas as gpd

    res = hg_map(Store(fish_frame()), tmp_path, "fish", lang="es", guild="piscivore")
    layer = gpd.read_file(res.files["gpkg"], layer="sites_fish_piscivore")
    assert len(layer) == 3 and layer.value.max() == pytest.approx(0.71)
    assert res.files["figure"].stat().st_size > 10_000
    assert "piscívoros" in map_line(res, "fish", "es")


def test_length_standardised_means_recover_the_value_at_the_standard_length():
    # ln Hg = a(site) + 0.04 × length: each site caught fish of different sizes (bigger at MD-01).
    a = {"MD-01": math.log(0.05), "MD-02": math.log(0.10), "MD-03": math.log(0.20)}
    b, standard = 0.04, 30.0
    rng = np.random.default_rng(5)
    site, length = [], []
    for s, centre in (("MD-01", 60), ("MD-02", 30), ("MD-03", 20)):
        n = 12
        site += [s] * n
        length += list(rng.uniform(centre - 8, centre + 8, n))
    site, length = pd.Series(site), pd.Series(length)
    exact = np.exp(site.map(a) + b * length)
    fit = standardise(site, length, exact, standard)
    assert fit.slope == pytest.approx(b, rel=1e-9)
    for s in a:
        assert fit.values[s] == pytest.approx(math.exp(a[s] + b * standard), rel=1e-9)
    # The plain means rank the sites by the size of fish caught; the standardised ones by the water.
    plain = exact.groupby(site).mean()
    assert plain["MD-01"] > plain["MD-03"] and fit.values["MD-01"] < fit.values["MD-03"]
    # With lognormal scatter (sd 0.2) and 40 fish a site spanning the standard length, the mean at the standard
    # length, exp(a + b L + 0.2²/2), is recovered within sampling error.
    site = pd.Series(np.repeat(list(a), 40))
    length = pd.Series(rng.uniform(18, 48, len(site)))
    noisy = np.exp(site.map(a) + b * length + rng.normal(0, 0.2, len(site)))
    fit = standardise(site, length, noisy, standard)
    assert fit.slope == pytest.approx(b, abs=0.005)
    for s in a:
        assert fit.values[s] == pytest.approx(math.exp(a[s] + b * standard + 0.02), rel=0.08)


def test_length_standardised_map_counts_lengths_and_leaves_out_sites_without():
    def lengths(site, species, i):
        return "" if site == "MD-02" else 25.0 + i  # MD-02's fish were not measured

    notes = []
    frame = fish_frame(lengths)
    sites = site_values(frame, "fish", species="Prochilodus nigricans", standard_length=28, notes=notes, lang="en")
    assert list(sites.site_id) == ["MD-01"]
    assert sites.n_with_length.iloc[0] == 5 and "mean_unstandardised" in sites
    assert any("5 of 6 fish had a length" in n for n in notes)
    assert any("without fish lengths left out" in n and "MD-02" in n for n in notes)
    with pytest.raises(InputError, match="--species"):
        site_values(frame, "fish", guild="piscivore", standard_length=28, lang="en")
    with pytest.raises(InputError, match="--species"):
        site_values(sediment_with_twin(), "sediment", standard_length=28, lang="en")


def test_map_command_refuses_all_fish_and_maps_a_guild_or_a_species_at_a_length(tmp_path, capsys):
    import shapely

    from centinela.cli import main
    from centinela.mercury.synthetic import synthetic_results, write_csv

    river = shapely.LineString([(-69.80, -12.86), (-69.72, -12.90), (-69.64, -12.93), (-69.56, -12.97)])
    frame, _ = synthetic_results(river, seed=3, n_sediment_sites=6, n_fish=80, n_donors=20, communities=2)
    store = str(tmp_path / "s.gpkg")

    def run(*args):
        with pytest.raises(SystemExit) as e:
            main(["--lang", "en", "mercury", *args, "--store", store])
        out = capsys.readouterr()
        return e.value.code, out.out + out.err

    assert run("ingest", str(write_csv(frame, tmp_path / "lab.csv")))[0] == 0
    code, out = run("map", "--matrix", "fish", "--out", str(tmp_path / "m"))
    assert code != 0 and "--guild piscivore" in out and "--guild detritivore" in out
    code, out = run("map", "--matrix", "fish", "--guild", "piscivore", "--out", str(tmp_path / "m"))
    assert code == 0 and "sites of fish (fish-eaters)" in out, out
    code, out = run(
        "map", "--matrix", "fish", "--species", "boquichico", "--standard-length", "28", "--out", str(tmp_path / "b")
    )
    assert code == 0 and "length-standardised to 28 cm" in out and "fish had a length" in out, out
    code, out = run("map", "--matrix", "sediment", "--strict-sites", "--out", str(tmp_path / "s"))
    assert code == 0, "the synthetic sediment sites are distinct places: --strict-sites has nothing to refuse"
