"""How the benchmark calls the product: its command line, from one fixed version of the code.

A full benchmark runs ``centinela monitor`` a hundred times over a quarter of an hour. If the code under
``src/`` changes meanwhile (other people work on it), later runs would use another detector than earlier ones,
or refuse to continue (the detection state records the detector's parameters). So by default the package is
copied once at the start and every command runs from that copy (``python -m centinela.cli`` with the copy
first on ``PYTHONPATH``); ``live=True`` runs the installed ``centinela`` script instead.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Product:
    argv: tuple[str, ...]  # the command before the CLI's own arguments
    pythonpath: str | None
    description: str  # for the results file: which code was measured

    def run(self, args: list[str]) -> tuple[int, str, float]:
        """(exit status, stdout + stderr, seconds) of ``centinela --lang en ARGS`` as user ``bench``."""
        env = {**os.environ, "CENTINELA_USER": "bench", "CENTINELA_LANG": "en"}
        env.pop("CENTINELA_STORE", None)  # the store is always given explicitly
        if self.pythonpath:
            env["PYTHONPATH"] = self.pythonpath + os.pathsep + env.get("PYTHONPATH", "")
        t0 = time.perf_counter()
        p = subprocess.run([*self.argv, "--lang", "en", *args], capture_output=True, text=True, env=env)
        return p.returncode, (p.stdout + p.stderr).strip(), time.perf_counter() - t0


def git(*args: str) -> str:
    try:
        return subprocess.run(["git", "-C", str(REPO), *args], capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return ""


def tree_digest(root: Path) -> str:
    """Short SHA-256 of every file under ``root`` (paths and contents), to name the exact code measured."""
    h = hashlib.sha256()
    for p in sorted(root.rglob("*")):
        if p.is_file() and "__pycache__" not in p.parts:
            h.update(str(p.relative_to(root)).encode())
            h.update(p.read_bytes())
    return h.hexdigest()[:12]


def _uncommitted() -> str:
    changed = [line[3:] for line in git("status", "--porcelain", "--", "src").splitlines() if line.strip()]
    if not changed:
        return "no uncommitted changes under src/"
    return f"uncommitted changes under src/ in {len(changed)} files ({', '.join(changed)})"


def installed(live: bool, workdir: Path) -> Product:
    """The product to benchmark: a frozen copy of ``src/centinela`` (default) or the installed script."""
    commit = git("rev-parse", "--short", "HEAD").strip() or "unknown"
    if live:
        exe = Path(sys.executable).parent / "centinela"
        cmd = str(exe) if exe.exists() else (shutil.which("centinela") or "centinela")
        return Product((cmd,), None, f"the installed `centinela` script, live on commit `{commit}` ({_uncommitted()})")
    copy = workdir / "_code"
    if copy.exists():
        shutil.rmtree(copy)
    shutil.copytree(REPO / "src" / "centinela", copy / "centinela", ignore=shutil.ignore_patterns("__pycache__"))
    desc = (
        f"a copy of `src/centinela` taken at the start (tree digest `{tree_digest(copy / 'centinela')}`) at commit "
        f"`{commit}`, {_uncommitted()}"
    )
    return Product((sys.executable, "-m", "centinela.cli"), str(copy), desc)
