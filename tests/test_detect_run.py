"""Detection end to end on small simulated scenes: no change, clouds, mining, sandbars, bad input, increments."""

from __future__ import annotations

import datetime as dt
import json
import shutil

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest

from centinela.cli import main
from centinela.detect import detect
from centinela.errors import AOIOutsideDataError, MissingBandError, NoImageryError
from centinela.imagery import read_aoi
from centinela.sim import simulate
from centinela.sim.landscape import build_scene, day_number

SPAN = dict(start=dt.date(2024, 3, 1), end=dt.date(2024, 10, 31), revisit=5)
WINDOW = dict(start=dt.date(2024, 5, 15), end=dt.date(2024, 10, 31), history_days=75)


@pytest.fixture(scope="module")
def nochange(tmp_path_factory):
    return simulate(tmp_path_factory.mktemp("nc") / "s", seed=21, size=128, changes=False, **SPAN)


def _mining_seed(size: int) -> int:
    """The first seed whose scene has a mining front starting well inside the window (cheap: no pixels)."""
    lo, hi = day_number(WINDOW["start"]) + 10, day_number(SPAN["end"]) - 90
    for seed in range(1, 200):
        sc = build_scene(seed, size, SPAN["start"], SPAN["end"])
        starts = {}
        for e in sc.by_cause("mining"):
            starts.setdefault(e.group, []).append(e)
        for stages in starts.values():
            if lo <= stages[0].day <= hi and sum(e.geometry.area for e in stages) > 3e4:
                return seed
    raise AssertionError("no seed with a mining front in the window")


@pytest.fixture(scope="module")
def mining(tmp_path_factory):
    seed = _mining_seed(192)
    return simulate(tmp_path_factory.mktemp("mn") / "s", seed=seed, size=192, **SPAN)


def _detect(res, tmp_path, name="a.gpkg", **kw):
    return detect(res.catalog, read_aoi(res.aoi), tmp_path / name, **{**WINDOW, **kw})


def test_no_change_gives_no_alerts(nochange, tmp_path):
    r = _detect(nochange, tmp_path)
    assert len(r.alerts) == 0, r.alerts[["first_seen", "cause", "area_ha", "reasons"]]
    assert r.dates_processed == r.dates_total > 30


def test_cloudy_season_with_no_change_gives_no_alerts(tmp_path):
    res = simulate(
        tmp_path / "wet",
        seed=22,
        size=128,
        start=dt.date(2024, 1, 1),
        end=dt.date(2024, 4, 30),
        revisit=5,
        changes=False,
    )
    r = detect(
        res.catalog,
        read_aoi(res.aoi),
        tmp_path / "w.gpkg",
        start=dt.date(2024, 2, 15),
        end=dt.date(2024, 4, 30),
        history_days=45,
    )
    assert len(r.alerts) == 0, r.alerts[["first_seen", "cause", "area_ha", "reasons"]]


def test_mining_is_found_with_its_date_and_cause_and_sandbars_are_not_mining(mining, tmp_path):
    r = _detect(mining, tmp_path)
    truth = gpd.read_file(mining.truth, layer="events")
    fronts = truth[(truth.cause == "mining") & (truth.event_date.astype(str) >= str(WINDOW["start"]))]
    assert len(fronts)
    front = fronts[fronts.group_id == fronts.sort_values("event_date").group_id.iloc[0]]
    start = min(pd.to_datetime(front.event_date)).date()
    area = front.union_all()
    mine_alerts = r.alerts[r.alerts.cause == "mining"]
    covered = mine_alerts.intersection(area).area.sum()
    assert covered >= 0.6 * area.area, "most of the front is alerted as mining"
    best = mine_alerts.loc[mine_alerts.intersection(area).area.idxmax()]
    assert start <= best.first_seen <= start + dt.timedelta(days=60)
    assert best.confirmed is not None and best.confirmed > best.first_seen and best.confidence == "high"
    river = truth[truth.cause == "river_change"]
    if len(river):
        assert mine_alerts.intersection(river.union_all()).area.sum() < 0.1 * river.area.sum() + 1.0


def test_alerts_layer_contract(mining, tmp_path, capsys):
    out = tmp_path / "cli.gpkg"
    with pytest.raises(SystemExit) as exc:
        main(
            [
                "--lang",
                "en",
                "detect",
                "--catalog",
                str(mining.catalog),
                "--aoi",
                str(mining.aoi),
                "--out",
                str(out),
                "--start",
                "2024-05-15",
                "--end",
                "2024-10-31",
                "--history-days",
                "75",
                "--mmu-ha",
                "0.5",
            ]
        )
    assert exc.value.code == 0
    assert "alerts (" in capsys.readouterr().out
    info = pyogrio.read_info(out, layer="alerts")
    assert info["crs"] == "EPSG:32719" and info["geometry_type"] in ("Polygon", "MultiPolygon", "Unknown")
    g = gpd.read_file(out, layer="alerts")
    assert {"alert_id", "first_seen", "confirmed", "cause", "confidence", "area_ha"} <= set(g.columns)
    assert g.alert_id.is_unique and set(g.cause) <= {"mining", "other"} and set(g.confidence) <= {"low", "high"}
    assert (g.area_ha >= 0.5).all()
    assert (tmp_path / "cli_dates.tif").exists()


def test_incremental_equals_full_and_rerun_changes_nothing(mining, tmp_path):
    full = _detect(mining, tmp_path, "full.gpkg")
    part = _detect(mining, tmp_path, "inc.gpkg", end=dt.date(2024, 8, 15))
    assert part.dates_processed < full.dates_processed
    more = _detect(mining, tmp_path, "inc.gpkg")
    assert 0 < more.dates_processed < full.dates_processed, "only the new dates were read"
    cols = ["alert_id", "first_seen", "confirmed", "cause", "confidence", "area_ha"]
    assert more.alerts[cols].equals(full.alerts[cols])
    again = _detect(mining, tmp_path, "inc.gpkg")
    assert again.dates_processed == 0 and again.alerts[cols].equals(full.alerts[cols])


def test_state_from_another_area_is_refused(mining, nochange, tmp_path):
    _detect(mining, tmp_path, "x.gpkg")
    from centinela.errors import InputError

    with pytest.raises(InputError, match="another area"):
        detect(nochange.catalog, read_aoi(nochange.aoi), tmp_path / "x.gpkg", **WINDOW)


def test_all_cloud_period_is_a_clear_error(tmp_path):
    res = simulate(
        tmp_path / "wet",
        seed=23,
        size=64,
        start=dt.date(2024, 1, 1),
        end=dt.date(2024, 3, 31),
        revisit=5,
        changes=False,
    )
    sc = json.loads((res.out / "simulation.json").read_text())
    assert sc["complete"]
    items = sorted((res.out / "cogs").iterdir())
    overcast = [json.loads((p / "done.json").read_text()) for p in items]
    day = next(
        d
        for d in overcast
        if d["cloud_cover"] >= 99.99 and d["scl_counts"][4] + d["scl_counts"][5] + d["scl_counts"][6] == 0
    )
    when = dt.datetime.strptime(day["id"].split("_")[3], "%Y%m%d").date()
    with pytest.raises(NoImageryError, match="no clear observation"):
        detect(res.catalog, read_aoi(res.aoi), tmp_path / "c.gpkg", start=when, end=when, history_days=0)


def test_missing_band_and_aoi_outside(nochange, tmp_path):
    bad = tmp_path / "cat"
    shutil.copytree(nochange.out / "stac", bad / "stac")
    shutil.copytree(nochange.out / "cogs", bad / "cogs")
    for p in (bad / "stac").rglob("*.json"):
        d = json.loads(p.read_text())
        if d.get("type") == "Feature":
            d["assets"].pop("swir22")
            p.write_text(json.dumps(d))
    with pytest.raises(MissingBandError, match="swir22"):
        detect(bad / "stac" / "catalog.json", read_aoi(nochange.aoi), tmp_path / "m.gpkg", **WINDOW)
    import shapely

    with pytest.raises(AOIOutsideDataError):
        detect(nochange.catalog, shapely.box(-75, -10, -74.9, -9.9), tmp_path / "o.gpkg", **WINDOW)


def test_interrupted_run_resumes_to_the_same_alerts(mining, tmp_path):
    full = _detect(mining, tmp_path, "full.gpkg")
    calls = {"n": 0}

    def die(_=1):
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt  # as if the user pressed Ctrl-C part-way

    with pytest.raises(KeyboardInterrupt):
        _detect(mining, tmp_path, "cut.gpkg", dates_per_read=4, progress=die)
    resumed = _detect(mining, tmp_path, "cut.gpkg", dates_per_read=4)
    assert 0 < resumed.dates_processed < full.dates_processed
    cols = ["alert_id", "first_seen", "confirmed", "cause", "confidence", "area_ha"]
    assert resumed.alerts[cols].equals(full.alerts[cols])


@pytest.mark.slow
def test_dates_read_through_odc_stac_give_the_same_result(mining, tmp_path):
    """Dates that cannot be read straight from their files (several items a day, another grid) go through
    odc-stac's lazy cube: same numbers, so the same state and alerts."""
    from centinela.detect.kernel import BANDS
    from centinela.detect.state import Block, load_block
    from centinela.imagery.dn import load_dn

    direct = _detect(mining, tmp_path, "direct.gpkg", block=96)
    cube = load_dn(
        mining.catalog,
        read_aoi(mining.aoi),
        WINDOW["start"] - dt.timedelta(days=WINDOW["history_days"]),
        WINDOW["end"],
        bands=BANDS,
        chunks=96,
    )
    assert all(h is not None for h in cube.hrefs), "the simulator's dates are single items on the cube's grid"
    cube.hrefs = [None] * len(cube.hrefs)
    odc = _detect(mining, tmp_path, "odc.gpkg", block=96, cube=cube)
    assert cube._blocked is not None, "the blocks were read through odc-stac"
    assert len(direct.alerts) and direct.alerts.drop(columns="geometry").equals(odc.alerts.drop(columns="geometry"))
    for r, c in ((0, 0), (96, 96)):
        a, b = (load_block(x.state, Block(r, c, 96, 96))[0].to_dict() for x in (direct, odc))
        assert all(np.array_equal(a[k], b[k], equal_nan=True) for k in a)


def test_windows_read_straight_from_files_equal_odc_stac_even_past_the_files_edge(nochange):
    """An AOI larger than the scene: the grid reaches past the COGs, where both readers give no data (0)."""
    from centinela.detect.kernel import BANDS
    from centinela.imagery.dn import load_dn

    aoi = read_aoi(nochange.aoi).buffer(0.003)
    cube = load_dn(nochange.catalog, aoi, dt.date(2024, 6, 1), dt.date(2024, 6, 30), bands=BANDS, chunks=64)
    H, W = cube.shape
    assert H > 128 and W > 128 and all(h is not None for h in cube.hrefs)
    dn_a, scl_a = np.empty((6, 64, 64), np.uint16), np.empty((64, 64), np.uint8)
    dn_b, scl_b = np.empty_like(dn_a), np.empty_like(scl_a)
    with cube.reader() as direct:
        odc = cube.reader()
        for t in range(len(cube.hrefs)):
            for r0, c0 in ((0, 0), (H - 64, W - 64), (H // 2 - 32, 0)):
                direct.read(t, r0, c0, dn_a, scl_a)
                for k, b in enumerate((*cube.bands, "scl")):
                    odc._through_odc(b, t, r0, c0, scl_b if b == "scl" else dn_b[k])
                assert np.array_equal(dn_a, dn_b) and np.array_equal(scl_a, scl_b), (t, r0, c0)
                assert (scl_a == 0).any(), "the window reaches past the files"


@pytest.mark.slow
def test_any_number_of_threads_gives_the_same_result(mining, tmp_path, capsys):
    one = _detect(mining, tmp_path, "one.gpkg", block=64, threads=1)
    three = _detect(mining, tmp_path, "three.gpkg", block=64, threads=3)  # three rows of blocks at once
    assert len(one.alerts) and one.alerts.drop(columns="geometry").equals(three.alerts.drop(columns="geometry"))
    assert one.alerts.geometry.geom_equals_exact(three.alerts.geometry, tolerance=0).all()
    with pytest.raises(SystemExit) as exc:  # the option through the CLI
        main(
            [
                "--lang",
                "en",
                "detect",
                "--catalog",
                str(mining.catalog),
                "--aoi",
                str(mining.aoi),
                "--out",
                str(tmp_path / "cli.gpkg"),
                "--start",
                str(WINDOW["start"]),
                "--end",
                str(WINDOW["end"]),
                "--history-days",
                str(WINDOW["history_days"]),
                "--threads",
                "2",
            ]
        )
    assert exc.value.code == 0, capsys.readouterr()
    assert sorted(gpd.read_file(tmp_path / "cli.gpkg").alert_id) == sorted(one.alerts.alert_id)


@pytest.mark.slow
def test_corrupt_cog_is_a_clear_error_and_a_rerun_after_repair_resumes(mining, tmp_path):
    """A damaged COG stops the run with its name; blocks already saved stay, and once the file is
    repaired a re-run finishes with the same alerts as a run that never failed."""
    from centinela.errors import RasterReadError

    bad = tmp_path / "cat"
    shutil.copytree(mining.out / "stac", bad / "stac")
    shutil.copytree(mining.out / "cogs", bad / "cogs")
    victim = sorted((bad / "cogs").glob("*/red.tif"))[-1]
    good = victim.read_bytes()
    with open(victim, "r+b") as f:  # keep the header, wreck the tiles
        f.seek(len(good) // 2)
        f.write(b"\0" * (len(good) // 2))
    kw = dict(**WINDOW, block=64)
    with pytest.raises(RasterReadError, match=r"red\.tif"):
        detect(bad / "stac" / "catalog.json", read_aoi(mining.aoi), tmp_path / "a.gpkg", **kw)
    assert list((tmp_path / "a.gpkg.state").glob("block_*.state")), "blocks saved before the bad date are kept"
    victim.write_bytes(good)
    again = detect(bad / "stac" / "catalog.json", read_aoi(mining.aoi), tmp_path / "a.gpkg", **kw)
    ref = detect(mining.catalog, read_aoi(mining.aoi), tmp_path / "ref.gpkg", **kw)
    assert len(ref.alerts) and again.alerts.drop(columns="geometry").equals(ref.alerts.drop(columns="geometry"))
    assert 0 < again.dates_processed <= ref.dates_processed
