# Two entry points for a newcomer: `make demo` and `make test`.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test

.PHONY: demo test clean web

$(VENV)/bin/python:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 is required (set PYTHON=/path/to/python3.11)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(VENV)/bin/python
	bash scripts/ensure-system-libs.sh
	$(PY) -m pip install --quiet -e .
	@touch $@

$(TEST_STAMP): pyproject.toml $(STAMP)
	bash scripts/ensure-chromium.sh
	$(PY) -m pip install --quiet -e '.[test]'
	@touch $@

# The map page's JavaScript, bundled from the npm registry into src/centinela/web/static (committed, so
# installing Centinela needs no Node.js; rebuild after changing web/frontend).
web:
	cd web/frontend && npm ci --no-audit --no-fund && npm run build

demo: $(STAMP)
	$(VENV)/bin/centinela demo --out outputs/demo $(if $(SERVE),--serve,)

test: $(TEST_STAMP)
	@url=$$(bash scripts/pg-test-cluster.sh start) && \
	  CENTINELA_TEST_PG=$$url $(PY) -m pytest -q; rc=$$?; bash scripts/pg-test-cluster.sh stop; exit $$rc

clean:
	rm -rf $(VENV) outputs
