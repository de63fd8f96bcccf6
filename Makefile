# Two entry points for a newcomer: `make demo` and `make test`.
# Both install from requirements.lock, the exact set of packages the suite was run with (scripts/lock.sh).
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
LOCK := requirements.lock
PIP_INSTALL := $(PY) -m pip install --quiet --disable-pip-version-check -c $(LOCK)
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test

.PHONY: demo test lint clean web

$(VENV)/bin/python:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 is required (set PYTHON=/path/to/python3.11)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PIP_INSTALL) --upgrade pip

# Everything the demo uses: the core and every extra (PDF, mercury maps, Dask distributed, PostGIS).
$(STAMP): pyproject.toml $(LOCK) | $(VENV)/bin/python
	bash scripts/ensure-system-libs.sh
	$(PIP_INSTALL) -e '.[all]'
	@touch $@

$(TEST_STAMP): pyproject.toml $(LOCK) $(STAMP)
	bash scripts/ensure-chromium.sh
	$(PIP_INSTALL) -e '.[all,test]'
	# GDAL's validate_gpkg.py, which the store's tests run: gdal-utils is pure Python but declares the GDAL
	# bindings (a C build) as a dependency that the validator does not need, hence --no-deps and its pin here.
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps gdal-utils==3.13.3.0
	@touch $@

# The map page's JavaScript, bundled from the npm registry into src/centinela/web/static (committed, so
# installing Centinela needs no Node.js; rebuild after changing web/frontend).
web:
	cd web/frontend && npm ci --no-audit --no-fund && npm run build

demo: $(STAMP)
	$(VENV)/bin/centinela demo --out outputs/demo $(if $(SERVE),--serve,)

# Guardrails: lint, formatting, the layers of the code (import-linter, pyproject.toml), and the committed
# bundle against its source.
lint: $(TEST_STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache
	bash scripts/check-bundle.sh

# Everything, with nothing skipped: PostGIS (a throw-away cluster) and browser tests must run
# (CENTINELA_TEST_STRICT turns a missing service into a failure). A fast subset: see DEVELOPERS.md.
# Two processes (pytest-xdist); the schemathesis fuzz test runs apart: its cases share one node id, which
# xdist would report (and run) once instead of once per API operation.
test: lint
	@url=$$(bash scripts/pg-test-cluster.sh start) && \
	  CENTINELA_TEST_STRICT=1 CENTINELA_TEST_PG=$$url $(PY) -m pytest -q -n 2 --dist loadfile \
	    --ignore=tests/test_web_fuzz.py && \
	  CENTINELA_TEST_STRICT=1 CENTINELA_TEST_PG=$$url $(PY) -m pytest -q tests/test_web_fuzz.py; rc=$$?; \
	  bash scripts/pg-test-cluster.sh stop; exit $$rc

clean:
	rm -rf $(VENV) outputs
