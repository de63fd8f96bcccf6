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


def kill_after_steps(target: str, after: int) -> None:
    """Arm this (child) process to SIGKILL itself after ``after`` steps of the database engine, so a test can
    kill a write at many points of its transaction: SQLite, every 5 virtual-machine instructions; PostgreSQL,
    every statement sent (an executemany sends its rows one by one, so a kill falls between any two)."""
    import signal
    import sqlite3

    from centinela.store import dialect

    steps = {"n": 0}

    def tick():
        steps["n"] += 1
        if steps["n"] >= after:
            os.kill(os.getpid(), signal.SIGKILL)
        return 0

    if target.startswith("postgresql"):
        send, send_many = dialect._Conn.execute, dialect._Conn.executemany

        def execute(self, sql, args=()):
            tick()
            return send(self, sql, args)

        def executemany(self, sql, rows):
            for row in rows:
                tick()
                send_many(self, sql, [row])

        dialect._Conn.execute, dialect._Conn.executemany = execute, executemany
    else:
        real = sqlite3.connect

        def connect(*args, **kwargs):
            conn = real(*args, **kwargs)
            conn.set_progress_handler(tick, 5)
            return conn

        sqlite3.connect = connect
