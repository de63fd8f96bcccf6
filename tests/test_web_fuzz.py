"""Fuzz the API from its own OpenAPI document (schemathesis): whatever the input, never a server error."""

from __future__ import annotations

import tempfile
from pathlib import Path

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from centinela.store import embedded_store
from test_web_api import seed

_tmp = Path(tempfile.mkdtemp(prefix="centinela-fuzz-"))
_store = embedded_store(_tmp / "centinela.gpkg")
app = seed(_store, _tmp)
TOKEN = _store.create_token("admin", "fuzz", actor="test")
schema = schemathesis.openapi.from_asgi("/openapi.json", app)


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_input_makes_a_server_error(case):
    case.call_and_validate(headers={"Authorization": f"Bearer {TOKEN}"}, checks=[not_a_server_error])
