"""How tests/data/store_schema4.gpkg was made, with Centinela at 362fd1b (schema 4, the last before the store
owned every table): alerts with a status change and notes, an imported zone layer and mercury results with
QA/QC flags (both then GDAL layers rewritten whole). It runs only against that version:

    git worktree add /tmp/old 362fd1b && PYTHONPATH=/tmp/old/src python tests/data/make_store_schema4.py
"""

import sys

import geopandas as gpd
import shapely

sys.path.insert(0, "tests")
from centinela.mercury.ingest import read_results
from centinela.mercury.qc import check_batches
from centinela.mercury.results import load_results, save_flags, save_results
from centinela.mercury.synthetic import synthetic_results, write_csv
from centinela.store import EmbeddedStore
from centinela.zones import save_layer
from centinela.zones.layers import prepare_layer
from test_store import A, B, alerts

path = "store_schema4.gpkg"
st = EmbeddedStore(path)
st.ingest(alerts(("CEN-1", "2024-03-01", "mining", A), ("CEN-2", "2024-04-01", "other", B)), "analyst")
st.set_status("CEN-1", "under_review", "analyst", note="to the field on Monday")
st.add_note("CEN-2", "river bank, not mining", "ranger")
frame = gpd.GeoDataFrame(
    {"nombre": ["ZA Tambopata (test)"]}, geometry=[shapely.box(-69.8, -13.0, -69.6, -12.9)], crs=4326
)
save_layer(st.path, prepare_layer(frame, "za_test", "buffer_zone", "nombre", "test", "CC0", "f" * 64, "za_test", True))
f, _ = synthetic_results(
    shapely.LineString([(-69.8, -12.86), (-69.56, -12.97)]), seed=5, n_fish=20, n_donors=10, n_sediment_sites=8
)
res = read_results(write_csv(f, "lab.csv"))
save_results(res, st.path)
_, flagged = check_batches(load_results(st.path))
save_flags(flagged, st.path)
print(st.schema_version(), len(st.alerts()), len(load_results(st.path)), file=sys.stderr)
