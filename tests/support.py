"""Helpers shared by test modules (conftest.py holds the fixtures)."""

from __future__ import annotations

import os

import pytest


def strict() -> bool:
    """Under `make test` and CI every test must run: a missing service or browser fails instead of skipping."""
    return bool(os.environ.get("CI") or os.environ.get("CENTINELA_TEST_STRICT"))


def unavailable(reason: str, *, module: bool = False) -> None:
    """Skip for a developer's partial set-up; fail where the whole suite is required to run."""
    if strict():
        pytest.fail(f"{reason} (required under `make test` and CI)", pytrace=False)
    pytest.skip(reason, allow_module_level=module)
