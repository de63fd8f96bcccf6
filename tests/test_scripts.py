"""The set-up scripts `make` runs: standard output carries only the value a caller reads.

apt-get (and sudo) are replaced on PATH by stubs that print what the real ones print — progress lines on
standard output — so the install branch runs here in seconds and with no network."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import uuid
from pathlib import Path

import pytest

from support import unavailable

SCRIPTS = Path(__file__).resolve().parents[1] / "scripts"

APT_STUB = """#!/bin/sh
echo "apt-get $*" >> "{log}"
echo "Get:1 http://deb.debian.org/debian bookworm InRelease [151 kB]"
echo "Setting up $* ..."
echo "debconf: unable to initialize frontend" >&2
"""
SUDO_STUB = """#!/bin/sh
exec "$@"
"""


@pytest.fixture()
def stub_path(tmp_path):
    """A PATH whose apt-get and sudo are stubs logging their calls to `apt.log`."""
    bin_ = tmp_path / "bin"
    bin_.mkdir()
    log = tmp_path / "apt.log"
    (bin_ / "apt-get").write_text(APT_STUB.format(log=log))
    (bin_ / "sudo").write_text(SUDO_STUB)
    for f in bin_.iterdir():
        f.chmod(0o755)
    env = dict(os.environ, PATH=f"{bin_}:{os.environ['PATH']}", CENTINELA_FORCE_INSTALL="1")
    return env, log


def run(script: str, *args: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["bash", str(SCRIPTS / script), *args], env=env, capture_output=True, text=True, timeout=120, check=False
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_pg_cluster_prints_exactly_one_url_even_when_it_installs(stub_path):
    if not list(Path("/usr/lib/postgresql").glob("*/bin/initdb")):
        unavailable("PostgreSQL server binaries are not installed (scripts/pg-test-cluster.sh installs them)")
    env, log = stub_path
    port = free_port()
    # Not under pytest's private tmp: the postgres user must be able to reach the data folder.
    data = Path("/tmp") / f"centinela-pg-script-test-{uuid.uuid4().hex[:8]}"
    env.update(CENTINELA_PG_DIR=str(data), CENTINELA_PG_PORT=str(port))
    try:
        done = run("pg-test-cluster.sh", "start", env=env)
        assert done.returncode == 0, done.stderr
        assert done.stdout == f"postgresql://postgres@127.0.0.1:{port}/postgres\n"
        calls = log.read_text()
        assert "apt-get install" in calls and re.search(r"postgresql-\d+-postgis-3", calls)
        assert "Get:1 http://deb.debian.org" in done.stderr  # the tools' chatter went to standard error
        import psycopg

        with psycopg.connect(done.stdout.strip(), connect_timeout=10) as c:
            c.execute("CREATE EXTENSION IF NOT EXISTS postgis")
            assert c.execute("SELECT postgis_version()").fetchone()[0]
    finally:
        stopped = run("pg-test-cluster.sh", "stop", env=env)
    assert stopped.returncode == 0 and stopped.stdout == ""
    assert not data.exists()


@pytest.mark.parametrize(
    "script, package",
    [("ensure-chromium.sh", "chromium"), ("ensure-system-libs.sh", "libpango-1.0-0")],
)
def test_install_scripts_print_nothing_on_standard_output(stub_path, script, package):
    env, log = stub_path
    done = run(script, env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""
    assert package in log.read_text()
    assert "Get:1 http://deb.debian.org" in done.stderr


def test_pg_cluster_without_apt_get_says_what_is_missing(tmp_path):
    """With no apt-get and nothing installed, a clear message on standard error and nothing on standard output."""
    bin_ = tmp_path / "bin"
    bin_.mkdir()
    for tool in ("bash", "ls", "sort", "tail", "id", "basename", "dirname"):
        found = shutil.which(tool)
        if found:
            (bin_ / tool).symlink_to(found)
    env = dict(os.environ, PATH=str(bin_), CENTINELA_FORCE_INSTALL="1", CENTINELA_PG_DIR=str(tmp_path / "pg"))
    done = subprocess.run(
        [str(bin_ / "bash"), str(SCRIPTS / "pg-test-cluster.sh"), "start"], env=env, capture_output=True, text=True
    )
    assert done.returncode != 0
    assert done.stdout == ""
    assert "no apt-get" in done.stderr
