"""Users, tokens and sensitive areas from the command line, and `centinela serve` answering on loopback."""

from __future__ import annotations

import socket
import subprocess
import sys
import time

import httpx
import pytest

from centinela.cli import main
from centinela.store import embedded_store


def run(args, capsys, monkeypatch, password="a long enough password"):
    monkeypatch.setenv("CENTINELA_PASSWORD", password)
    with pytest.raises(SystemExit) as exc:
        main(["--lang", "en", *args])
    out = capsys.readouterr()
    return exc.value.code, out.out + out.err


def test_users_tokens_and_sensitive_zones(tmp_path, capsys, monkeypatch):
    store = tmp_path / "s.gpkg"
    code, out = run(["users", "add", "rosa", "--role", "ranger", "--store", str(store)], capsys, monkeypatch)
    assert code == 0 and "rosa" in out
    code, out = run(["users", "add", "rosa", "--store", str(store)], capsys, monkeypatch)
    assert code != 0 and "already exists" in out
    code, out = run(["users", "add", "juan", "--store", str(store)], capsys, monkeypatch, password="short")
    assert code != 0 and "10 characters" in out
    code, out = run(["users", "add", "ana", "--role", "boss", "--store", str(store)], capsys, monkeypatch)
    assert code != 0 and "viewer, ranger, analyst, admin" in out
    code, out = run(["users", "token", "rosa", "--label", "qgis", "--store", str(store)], capsys, monkeypatch)
    token = out.split()[0]
    assert code == 0 and token.startswith("cnt_")
    st = embedded_store(store)
    assert st.user_for_token(token).username == "rosa"
    assert token not in store.read_bytes().decode("latin-1"), "only the token's hash is stored"
    assert "a long enough password" not in store.read_bytes().decode("latin-1")
    code, out = run(["users", "list", "--store", str(store)], capsys, monkeypatch)
    assert "rosa" in out and "ranger" in out
    code, out = run(["sensitive", "Tambopata", "--reason", "test", "--store", str(store)], capsys, monkeypatch)
    assert code == 0 and st.sensitive_areas()
    actions = [e["action"] for e in st.audit()]
    assert {"user_added", "token_created", "sensitive_area"} <= set(actions)


def test_serve_answers_on_loopback(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, "-m", "centinela.cli", "serve", "--store", str(tmp_path / "s.gpkg"), "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        for _ in range(100):
            try:
                r = httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.2)
        else:
            pytest.fail("server did not answer")
        assert r.json()["status"] == "ok"
        assert httpx.get(f"http://127.0.0.1:{port}/api/alerts").status_code == 401
        page = httpx.get(f"http://127.0.0.1:{port}/")
        assert page.status_code == 200 and 'type="module"' in page.text and "login-form" in page.text
        script = page.text.split('src="')[1].split('"')[0]
        js = httpx.get(
            f"http://127.0.0.1:{port}{script}" if script.startswith("/") else f"http://127.0.0.1:{port}/{script}"
        )
        assert js.status_code == 200 and "javascript" in js.headers["content-type"]
    finally:
        proc.terminate()
        proc.wait(timeout=10)
