"""Packaging: the ranges in pyproject.toml, the exact tested set in requirements.lock, and the optional extras.

These read the installed environment: `make test` installs it from the lock, so the lock is what was tested.
"""

from __future__ import annotations

import ast
import importlib.metadata as md
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
EXTRAS = {"pdf", "maps", "distributed", "postgis"}  # the heavy parts the core runs without


def locked() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        if line and not line.startswith("#"):
            name, version = line.split("==")
            pins[canonicalize_name(name)] = version
    return pins


def closure(extras: set[str]) -> set[str]:
    """Every distribution `pip install centinela[extras]` brings, walked through installed metadata."""
    seen: set[str] = set()
    todo = [(canonicalize_name(PROJECT["name"]), frozenset(extras))]
    visited: set[tuple[str, frozenset]] = set()
    while todo:
        name, want = todo.pop()
        if (name, want) in visited:
            continue
        visited.add((name, want))
        seen.add(name)
        for text in md.requires(name) or []:
            req = Requirement(text)
            env = [{"extra": e} for e in want] or [{"extra": ""}]
            if req.marker is None or any(req.marker.evaluate(e) for e in env):
                todo.append((canonicalize_name(req.name), frozenset(req.extras)))
    return seen - {canonicalize_name(PROJECT["name"])}


def test_installed_set_is_the_locked_set():
    pins = locked()
    needed = closure(set(PROJECT["optional-dependencies"]))
    missing = sorted(n for n in needed if n not in pins)
    assert not missing, f"requirements.lock lacks {missing}: run scripts/lock.sh"
    wrong = {n: (md.version(n), pins[n]) for n in needed if md.version(n) != pins[n]}
    assert not wrong, f"installed versions differ from requirements.lock (installed, locked): {wrong}"


def test_locked_versions_satisfy_the_ranges():
    pins = locked()
    reqs = [Requirement(r) for r in PROJECT["dependencies"]]
    reqs += [Requirement(r) for group in PROJECT["optional-dependencies"].values() for r in group]
    for req in reqs:
        name = canonicalize_name(req.name)
        if name == canonicalize_name(PROJECT["name"]):
            continue
        assert name in pins, f"{req.name} is required by pyproject.toml but not locked"
        assert req.specifier.contains(pins[name], prereleases=True), f"lock has {name}=={pins[name]}, outside {req}"


def imported_top_modules(folder: Path) -> set[str]:
    names = set()
    for path in folder.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
            elif (  # centinela.extras.optional("weasyprint", "pdf", ...): an import made where it is needed
                isinstance(node, ast.Call)
                and getattr(node.func, "id", None) == "optional"
                and node.args
                and isinstance(node.args[0], ast.Constant)
            ):
                names.add(node.args[0].value.split(".")[0])
    return names


def declared(group: str | None) -> set[str]:
    reqs = PROJECT["dependencies"] if group is None else PROJECT["optional-dependencies"][group]
    return {canonicalize_name(Requirement(r).name) for r in reqs}


def test_runtime_dependencies_are_exactly_what_the_code_imports():
    by_module = md.packages_distributions()
    runtime = declared(None).union(*(declared(e) for e in EXTRAS))
    undeclared, providers = [], set()
    for module in sorted(imported_top_modules(ROOT / "src" / "centinela")):
        if module in sys.stdlib_module_names or module in ("centinela", "__future__"):
            continue
        dists = {canonicalize_name(d) for d in by_module.get(module, [])}
        assert dists, f"src imports '{module}', which no installed distribution provides"
        providers |= dists
        if not dists & runtime:  # namespace packages (odc, pystac) come from several distributions
            undeclared.append(f"{module} ({', '.join(sorted(dists))})")
    assert not undeclared, f"imported but not declared in pyproject.toml: {undeclared}"
    unused = runtime - providers
    assert not unused, f"declared but imported nowhere (drop them): {sorted(unused)}"


BLOCK_EXTRAS = """
import importlib.abc, sys
BLOCKED = {"weasyprint", "pykrige", "libpysal", "esda", "distributed", "psycopg", "sklearn"}
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            raise ImportError(f"No module named {name!r} (blocked: extra not installed)")
sys.meta_path.insert(0, Block())
"""

WITHOUT_EXTRAS = (
    BLOCK_EXTRAS
    + """
import pkgutil, importlib, tempfile, pathlib
import centinela
for m in pkgutil.walk_packages(centinela.__path__, "centinela."):
    importlib.import_module(m.name)
from centinela.errors import MissingExtraError
from centinela.reports.pdf import write_pdf
from centinela.mercury import interpolate, hotspots
from centinela.detect.distributed import cluster_client
from centinela.store.core import postgis_store
import numpy as np
tmp = pathlib.Path(tempfile.mkdtemp())
checks = {
    "pdf": lambda: write_pdf("<p>x</p>", tmp, tmp / "x.pdf"),
    "maps": lambda: interpolate._ok(np.zeros((3, 2)), np.zeros(3), "spherical"),
    "maps ": lambda: hotspots.gi_star(np.random.default_rng(0).random((12, 2)), np.arange(1, 13.0)),
    "distributed": lambda: cluster_client("local:1").__enter__(),
    "postgis": lambda: postgis_store("postgresql://nobody@127.0.0.1:1/x"),
}
for extra, call in checks.items():
    try:
        call()
    except MissingExtraError as e:
        assert f"centinela[{extra.strip()}]" in str(e), str(e)
    else:
        raise SystemExit(f"{extra}: no MissingExtraError")
print("ok")
"""
)


@pytest.mark.slow
def test_core_runs_without_the_extras_and_names_the_missing_one():
    """Every module imports with the heavy extras absent; each use of one says which extra to install."""
    done = subprocess.run([sys.executable, "-c", WITHOUT_EXTRAS], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0 and done.stdout.strip().endswith("ok"), done.stderr[-3000:]


def test_cli_help_runs_without_the_extras():
    code = BLOCK_EXTRAS + "import sys; sys.argv = ['centinela', '--help']\nfrom centinela.cli import main\nmain()"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "monitor" in done.stdout
