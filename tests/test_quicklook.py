"""Quick-look pictures and the one-command demo."""

from __future__ import annotations

import datetime as dt

import matplotlib.image as mpimg
import numpy as np
import pandas as pd
import pytest

from centinela.cli import main
from centinela.errors import InputError
from centinela.imagery import load_cube
from centinela.reports.quicklook import pick_dates, write_quicklook


def test_pick_dates_takes_the_clearest_early_and_late():
    idx = pd.date_range("2024-01-01", periods=9, freq="5D")
    s = pd.Series([0.1, 0.9, 0.2, 0.5, 0.5, 0.5, 0.3, 0.2, 0.8], index=idx)
    assert pick_dates(s) == (idx[1], idx[8])
    with pytest.raises(InputError):
        pick_dates(s.iloc[:1])


def test_quicklook_writes_pictures_with_content(catalog, tmp_path):
    ds = load_cube(catalog)
    files = write_quicklook(ds, tmp_path, simulated=True)
    assert files.panel.exists() and files.cloud_plot.exists() and len(files.images) == 4
    assert files.dates[0] < files.dates[1]
    for path in (files.panel, *files.images):
        img = mpimg.imread(path)
        assert img.shape[0] >= 128 and img[..., :3].std() > 0.03, f"{path} is blank"
    # The false-colour image shows forest green: G channel dominates on most pixels.
    fc = mpimg.imread([p for p in files.images if p.name.startswith("falsecolour")][-1])[..., :3]
    assert (fc[..., 1] > fc[..., 0]).mean() > 0.4


def test_quicklook_at_requested_dates(catalog, tmp_path):
    ds = load_cube(catalog)
    files = write_quicklook(ds, tmp_path, dates=(dt.date(2024, 6, 4), dt.date(2024, 8, 20)))
    assert files.dates == (dt.date(2024, 6, 5), dt.date(2024, 8, 19))  # nearest acquisitions (5-day revisit from 1 May)
    with pytest.raises(InputError, match="no acquisition within 16 days"):
        write_quicklook(ds, tmp_path, dates=(dt.date(2023, 1, 1), dt.date(2024, 8, 20)))


@pytest.mark.slow
def test_demo_runs_end_to_end(tmp_path, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--lang", "en", "demo", "--out", str(tmp_path / "demo"), "--size", "128", "--workers", "1"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert "Demo finished" in out
    for name in (
        "scene/stac/catalog.json",
        "scene/truth.gpkg",
        "quicklook/quicklook.png",
        "quicklook/cloud_cover.png",
        "alerts.gpkg",
        "alerts_map.png",
        "zones/zone_stats.csv",
        "report/bulletin_2024-01-01_2024-12-31_en.pdf",
        "report/bulletin_2024-01-01_2024-12-31_en.html",
    ):
        assert (tmp_path / "demo" / name).exists(), name
        assert str(tmp_path / "demo" / name) in out
    img = mpimg.imread(tmp_path / "demo" / "quicklook" / "cloud_cover.png")
    assert np.asarray(img).std() > 0.05
    assert "alerts (" in out
    import geopandas as gpd

    alerts = gpd.read_file(tmp_path / "demo" / "alerts.gpkg", layer="alerts")
    assert alerts.crs.to_epsg() == 32719
    assert mpimg.imread(tmp_path / "demo" / "alerts_map.png")[..., :3].std() > 0.05


def test_quicklook_command_with_dates_and_bad_aoi(catalog, tmp_path, capsys):
    with pytest.raises(SystemExit) as exc:
        main(
            [
                "--lang",
                "es",
                "quicklook",
                "--catalog",
                str(catalog),
                "--out",
                str(tmp_path / "ql"),
                "--date",
                "2024-06-04",
                "--date",
                "2024-08-20",
            ]
        )
    assert exc.value.code == 0
    assert "Vistas rápidas escritas" in capsys.readouterr().out
    assert (tmp_path / "ql" / "rgb_2024-06-05.png").exists() and (
        tmp_path / "ql" / "falsecolour_2024-08-19.png"
    ).exists()

    far = tmp_path / "far.geojson"
    far.write_text(
        '{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":'
        '{"type":"Polygon","coordinates":[[[-75,-10],[-74.9,-10],[-74.9,-9.9],[-75,-9.9],[-75,-10]]]}}]}'
    )
    with pytest.raises(SystemExit) as exc:
        main(
            ["--lang", "en", "quicklook", "--catalog", str(catalog), "--out", str(tmp_path / "ql2"), "--aoi", str(far)]
        )
    assert exc.value.code == 2
    assert "outside the data" in capsys.readouterr().err
