"""Issue #18, logins and tokens: the rate limit holds across addresses, forged proxy headers and concurrent
guesses; the limiter's memory is bounded; an attacker's address locks out neither another address nor a known
session or token; password rules; tokens expire, are revoked one by one and by a password change; failed
logins are logged and audited without the password."""

from __future__ import annotations

import datetime as dt
import logging
import secrets
import sqlite3
import threading
import tracemalloc
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace

import pytest
from fastapi.testclient import TestClient

from centinela.errors import InputError, NotFoundError
from centinela.store import embedded_store, open_store
from centinela.store import users as U
from centinela.web import Settings, create_app
from centinela.web.errors import TooManyAttempts
from centinela.web.limits import LoginLimiter, client_address, parse_proxies

PASSWORD = "correct horse battery"
WRONG = "not the password at all"


def make_app(tmp_path, **settings):
    store = embedded_store(tmp_path / "centinela.gpkg")
    for role in U.ROLES:
        store.add_user(role, PASSWORD, role, actor="test")
    defaults = {"login_delay_s": 120.0, "login_max_delay_s": 600.0}  # no retry slips through while a test runs
    web = create_app(Settings(store=str(store.path), work_dir=tmp_path / "web", **(defaults | settings)))
    return web, store


def limiter_of(web) -> LoginLimiter:
    return web.state.login_limiter


def client(web, address="198.51.100.1", **kw) -> TestClient:
    return TestClient(web, client=(address, 50000), **kw)


def login(c, user, password, **kw):
    return c.post("/api/login", json={"username": user, "password": password}, **kw)


# --- 1. the limit cannot be bypassed --------------------------------------------------------------------------


def test_ten_addresses_get_no_more_guesses_than_the_account_allows(tmp_path):
    """Before: failures counted per (address, username) only, so 10 addresses × 5 guesses = 50 guesses."""
    web, _ = make_app(tmp_path, login_attempts=5, login_account_attempts=10)
    codes = [login(client(web, f"203.0.113.{i}"), "admin", WRONG).status_code for i in range(10) for _ in range(5)]
    assert codes.count(401) == 10 and codes.count(429) == 40, codes
    r = login(client(web, "198.51.100.77"), "admin", PASSWORD)
    assert r.status_code == 429 and int(r.headers["Retry-After"]) > 0, "the account backs off for new addresses too"
    assert login(client(web, "198.51.100.77"), "ADMIN ", WRONG).status_code == 429, "case and spaces are one name"


def test_forged_forwarded_for_is_not_trusted_by_default(tmp_path):
    """Before: uvicorn believed X-Forwarded-For from loopback, so a rotating header was never limited."""
    web, _ = make_app(tmp_path, login_attempts=5)
    c = client(web, "127.0.0.1")
    codes = [
        login(c, "ranger", WRONG, headers={"X-Forwarded-For": f"192.0.2.{i}", "Forwarded": f"for=192.0.2.{i}"})
        for i in range(30)
    ]
    assert [r.status_code for r in codes].count(401) == 5
    names = [login(c, f"user{i}", WRONG, headers={"X-Forwarded-For": f"192.0.2.{i}"}) for i in range(30)]
    assert [r.status_code for r in names].count(401) == 20 - 5, "the per-address limit holds over usernames"


def test_the_served_app_ignores_a_rotating_forwarded_for_from_loopback(tmp_path):
    """End to end through `centinela serve` (uvicorn): before, uvicorn trusted the header from 127.0.0.1."""
    import socket
    import subprocess
    import sys
    import time

    import httpx

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    cmd = [sys.executable, "-m", "centinela.cli", "serve", "--store", str(tmp_path / "s.gpkg"), "--port", str(port)]
    proc = subprocess.Popen(cmd, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):
            try:
                httpx.get(f"{url}/api/health", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.2)
        else:
            pytest.fail("server did not answer")
        codes = [
            httpx.post(
                f"{url}/api/login",
                json={"username": "admin", "password": WRONG},
                headers={"X-Forwarded-For": f"192.0.2.{i}"},
                timeout=30,
            ).status_code
            for i in range(8)
        ]
        assert codes == [401] * 5 + [429] * 3, codes
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_forwarded_for_is_trusted_only_from_a_configured_proxy(tmp_path):
    web, _ = make_app(tmp_path, login_attempts=5, trusted_proxies=("10.0.0.0/8",))
    proxy = client(web, "10.0.0.2")
    for _ in range(5):
        assert login(proxy, "ranger", WRONG, headers={"X-Forwarded-For": "198.51.100.7"}).status_code == 401
    # the client behind the proxy is limited, whatever it writes to the left of what the proxy appended
    forged = {"X-Forwarded-For": "1.2.3.4, 198.51.100.7"}
    assert login(proxy, "ranger", PASSWORD, headers=forged).status_code == 429
    # another client behind the same proxy is not: the proxy's own address is not what is counted
    assert login(proxy, "ranger", PASSWORD, headers={"X-Forwarded-For": "198.51.100.8"}).status_code == 200
    # a peer that is not a configured proxy cannot choose its address
    direct = client(web, "192.0.2.50")
    codes = [login(direct, "viewer", WRONG, headers={"X-Forwarded-For": f"203.0.113.{i}"}) for i in range(8)]
    assert [r.status_code for r in codes].count(401) == 5


def test_client_address_reads_the_header_from_the_right():
    proxies = parse_proxies(["10.0.0.0/8", "::1"])

    def req(peer, **headers):
        class H(dict):
            def getlist(self, k):
                return [self[k]] if k in self else []

        return SimpleNamespace(client=SimpleNamespace(host=peer), headers=H({k.lower(): v for k, v in headers.items()}))

    xff = "x-forwarded-for"
    assert client_address(req("192.0.2.1", **{xff: "9.9.9.9"}), proxies) == "192.0.2.1"
    assert client_address(req("10.1.1.1", **{xff: "9.9.9.9, 198.51.100.3, 10.2.2.2"}), proxies) == "198.51.100.3"
    assert client_address(req("10.1.1.1"), proxies) == "10.1.1.1", "no header: the proxy itself"
    assert client_address(req("10.1.1.1", **{xff: "garbage"}), proxies) == "10.1.1.1"
    assert client_address(req("::1", forwarded='for="[2001:db8::5]:443";proto=https'), proxies, "forwarded") == (
        "2001:db8::5"
    )
    assert client_address(req("10.1.1.1", **{xff: "9.9.9.9"}), ()) == "10.1.1.1", "no proxies configured"
    with pytest.raises(InputError, match="'proxy.example'"):
        parse_proxies(["proxy.example"])


def test_forty_concurrent_wrong_passwords_check_at_most_the_limit(tmp_path, monkeypatch):
    """Before: 36 of 40 simultaneous wrong passwords were checked against a limit of 5."""
    web, _ = make_app(tmp_path, login_attempts=5)
    store_class = type(web.state.ctx.store)
    checked, lock = [], threading.Lock()
    real = store_class.authenticate

    def counting(self, username, password):
        with lock:
            checked.append(username)
        return real(self, username, password)

    monkeypatch.setattr(store_class, "authenticate", counting)
    barrier = threading.Barrier(40)

    def one(_):
        c = client(web, "203.0.113.9")
        barrier.wait()
        return login(c, "analyst", WRONG).status_code

    with ThreadPoolExecutor(40) as pool:
        codes = list(pool.map(one, range(40)))
    assert len(checked) <= 5 and codes.count(401) == len(checked) and codes.count(429) == 40 - len(checked), codes


# --- 2. bounded memory ----------------------------------------------------------------------------------------


def test_the_limiter_keeps_at_most_its_cap_and_refusals_add_nothing():
    now = [0.0]
    lim = LoginLimiter(attempts=5, address_attempts=20, max_entries=1000, window_s=300, clock=lambda: now[0])
    for i in range(60_000):  # new usernames from rotating addresses, all counted failures
        try:
            lim.begin(f"10.{i // 65536}.{i // 256 % 256}.{i % 256}", f"nobody{i}")
        except TooManyAttempts:
            pass
        assert len(lim) <= 1000
    # one address past its limit: 60,000 refused logins create no entry and take (almost) no memory
    for i in range(20):
        lim.begin("203.0.113.1", f"x{i}")
    size = len(lim)
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    for i in range(60_000):
        with pytest.raises(TooManyAttempts):
            lim.begin("203.0.113.1", f"refused{i}")
    grown = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    assert len(lim) == size and grown < 200_000, grown
    now[0] += 301  # entries expire after the window (the ceiling is shorter here)
    lim.begin("192.0.2.1", "someone")
    assert len(lim) == 3


def test_flooding_the_limiter_does_not_reset_an_accounts_back_off():
    lim = LoginLimiter(attempts=5, account_attempts=10, max_entries=300, clock=lambda: 0.0)
    for i in range(10):
        for _ in range(5):
            try:
                lim.begin(f"203.0.113.{i}", "admin")
            except TooManyAttempts:
                pass
    for i in range(20_000):  # new names from new addresses, to push the account's counter out
        lim.begin(f"2001:db8::{i:x}", f"flood{i}")
    assert len(lim) <= 300
    with pytest.raises(TooManyAttempts):
        lim.begin("198.51.100.99", "admin")


def test_unknown_usernames_over_http_keep_the_limiter_bounded(tmp_path):
    web, _ = make_app(tmp_path, login_max_entries=30, trusted_proxies=("10.0.0.1",))
    proxy = client(web, "10.0.0.1")
    for i in range(25):
        r = login(proxy, f"ghost{i}", WRONG, headers={"X-Forwarded-For": f"192.0.2.{i}"})
        assert r.status_code == 401
    lim = limiter_of(web)
    assert len(lim) <= 30
    lim_before = len(lim)
    blocked = client(web, "203.0.113.200")
    for i in range(20):
        login(blocked, f"ghost-b{i}", WRONG)
    size = len(lim)
    for i in range(200):
        assert login(blocked, f"never{i}", WRONG).status_code == 429
    assert len(lim) == size <= 30 and lim_before <= 30


# --- 3. one address does not lock everyone out ---------------------------------------------------------------


def test_an_attackers_address_locks_out_neither_another_address_nor_a_known_token(tmp_path):
    """Before: 20 failures from one address gave the real analyst 429 for 5 minutes."""
    web, store = make_app(tmp_path, login_attempts=5, login_account_attempts=10)
    attacker = client(web, "203.0.113.66")
    for _ in range(12):
        login(attacker, "analyst", WRONG)
    for i in range(20):
        login(attacker, f"name{i}", WRONG)
    assert login(attacker, "analyst", PASSWORD).status_code == 429, "the attacker's address backs off"
    assert login(client(web, "198.51.100.20"), "analyst", PASSWORD).status_code == 200, (
        "one address adds at most login_attempts failures to the account: the analyst elsewhere is not locked out"
    )
    token = store.create_token("analyst", "qgis", actor="test")
    same_nat = client(web, "203.0.113.66")
    auth = {"Authorization": f"Bearer {token}"}
    assert login(same_nat, "analyst", PASSWORD, headers=auth).status_code == 200, "a known token keeps working"
    viewer_token = store.create_token("viewer", "qgis", actor="test")
    other = {"Authorization": f"Bearer {viewer_token}"}
    assert login(same_nat, "analyst", PASSWORD, headers=other).status_code == 429, "another user's token is no key"
    assert same_nat.get("/api/me", headers=auth).status_code == 200


def test_a_distributed_attack_backs_off_but_a_known_session_still_logs_in(tmp_path):
    web, _ = make_app(tmp_path, login_attempts=5, login_account_attempts=10, login_max_delay_s=600)
    office = client(web, "198.51.100.30")
    assert login(office, "ranger", PASSWORD).status_code == 200
    for i in range(4):
        for _ in range(5):
            login(client(web, f"203.0.113.{i}"), "ranger", WRONG)
    r = login(client(web, "198.51.100.31"), "ranger", PASSWORD)
    assert r.status_code == 429 and 0 < int(r.headers["Retry-After"]) <= 600, "capped back-off"
    assert login(office, "ranger", PASSWORD).status_code == 200, "the session cookie marks a known device"


def test_back_off_doubles_up_to_the_ceiling():
    now = [0.0]
    lim = LoginLimiter(attempts=3, delay_s=5, max_delay_s=60, window_s=300, clock=lambda: now[0])
    for _ in range(3):
        lim.begin("192.0.2.1", "rosa")
    waits = []
    for _ in range(6):
        with pytest.raises(TooManyAttempts) as exc:
            lim.begin("192.0.2.1", "rosa")
        waits.append(exc.value.retry_after)
        now[0] += exc.value.retry_after
        lim.begin("192.0.2.1", "rosa")
    assert waits == [5, 10, 20, 40, 60, 60]
    attempt = lim.begin("192.0.2.9", "rosa")  # another address is not blocked; a success forgets its failures
    lim.succeeded(attempt)
    assert "pair|192.0.2.9|rosa" not in lim.entries


# --- 5. passwords, tokens, failed logins ---------------------------------------------------------------------


@pytest.fixture(params=["gpkg", "postgis"])
def target(request, tmp_path):
    if request.param == "gpkg":
        return str(tmp_path / "s.gpkg")
    return request.getfixturevalue("pg_url")


@pytest.mark.parametrize(
    "password, expected",
    [
        (" " * 10, "only spaces"),
        ("\t \n" * 5, "only spaces"),
        ("a" * 12, "repeats too much"),
        ("aaaaaaaaaaaab1", "repeats too much"),
        ("abcabcabcabc", "repeats too much"),
        ("1q2w3e1q2w3e", "pattern of 6"),
        ("short", "at least 10"),
        ("x" + secrets.token_hex(150), "at most 256"),
    ],
)
def test_password_rules(tmp_path, password, expected):
    st = embedded_store(tmp_path / "s.gpkg")
    with pytest.raises(InputError, match=expected) as exc:
        st.add_user("rosa", password, "ranger", actor="test")
    assert password.strip() == "" or password not in str(exc.value), "the message never repeats the password"
    st.add_user("rosa", PASSWORD, "ranger", actor="test")
    with pytest.raises(InputError, match=expected):
        st.set_password("rosa", password, actor="test")


def test_a_256_character_password_can_be_set_and_used(tmp_path):
    web, store = make_app(tmp_path)
    long = secrets.token_urlsafe(192)[:256]
    assert len(long) == 256
    store.set_password("viewer", long, actor="test")
    assert login(client(web), "viewer", long).status_code == 200
    r = login(client(web), "viewer", long + "x")
    assert r.status_code == 422 and long not in r.text


def test_tokens_expire(target, monkeypatch):
    st = open_store(target)
    st.add_user("ana", PASSWORD, "analyst", actor="test")
    default = st.create_token("ana", "qgis", actor="test")
    short = st.create_token("ana", "script", actor="test", days=1)
    rows = {r["label"]: r for r in st.list_tokens("ana")}
    expires = dt.datetime.fromisoformat(rows["qgis"]["expires_at"])
    assert abs((expires - dt.datetime.now(dt.UTC)).days - U.DEFAULT_TOKEN_DAYS) <= 1
    assert st.user_for_token(short).username == "ana"
    real = U._now
    monkeypatch.setattr(U, "_now", lambda: real() + dt.timedelta(days=2))
    assert st.user_for_token(short) is None and st.user_for_token(default).username == "ana"
    assert {r["label"]: r["state"] for r in st.list_tokens()} == {"qgis": "active", "script": "expired"}
    with pytest.raises(InputError, match="3650"):
        st.create_token("ana", "forever", actor="test", days=100_000)
    assert st.verify().ok


def test_an_expired_token_is_refused_by_the_api(tmp_path, monkeypatch):
    web, store = make_app(tmp_path)
    token = store.create_token("viewer", "qgis", actor="test", days=0.5)
    c = client(web)
    assert c.get("/api/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    real = U._now
    monkeypatch.setattr(U, "_now", lambda: real() + dt.timedelta(days=1))
    assert c.get("/api/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_revoke_one_token(target):
    st = open_store(target)
    st.add_user("ana", PASSWORD, "analyst", actor="test")
    first = st.create_token("ana", "qgis", actor="test")
    second = st.create_token("ana", "phone", actor="test")
    ids = {r["label"]: r["id"] for r in st.list_tokens("ana")}
    assert ids["qgis"] == U.token_id_of(first) and len(ids["qgis"]) == U.TOKEN_ID
    assert st.revoke_token(ids["qgis"], actor="admin") is True
    assert st.user_for_token(first) is None and st.user_for_token(second).username == "ana"
    assert st.revoke_token(ids["qgis"], actor="admin") is False, "revoking twice changes nothing"
    with pytest.raises(NotFoundError):
        st.revoke_token("0123456789ab", actor="admin")
    with pytest.raises(InputError, match="'zz'"):
        st.revoke_token("zz", actor="admin")
    entry = [e for e in st.audit() if e["action"] == "token_revoked"][-1]
    assert ids["qgis"] in entry["detail"] and first not in entry["detail"]
    assert st.verify().ok


def test_a_password_change_revokes_every_token(target):
    st = open_store(target)
    st.add_user("ana", PASSWORD, "analyst", actor="test")
    tokens = [st.create_token("ana", label, actor="test") for label in ("qgis", "phone")]
    assert st.set_password("ana", "a brand new passphrase", actor="admin") == 2
    assert all(st.user_for_token(t) is None for t in tokens)
    assert {r["state"] for r in st.list_tokens("ana")} == {"revoked"}
    assert st.verify().ok


def test_failed_logins_are_logged_and_audited_without_the_password(tmp_path, caplog):
    web, store = make_app(tmp_path)
    secret = "my-secret-guess-123"
    with caplog.at_level(logging.WARNING, logger="centinela.web.auth"):
        assert login(client(web, "203.0.113.5"), "ranger", secret).status_code == 401
        assert login(client(web, "203.0.113.5"), "nobody-here", secret).status_code == 401
    text = caplog.text
    assert "'ranger'" in text and "'nobody-here'" in text and "203.0.113.5" in text and secret not in text
    failed = [e for e in store.audit() if e["action"] == "login_failed"]
    assert len(failed) == 1, "an unknown username is logged but not written to the audit chain"
    assert "ranger" in failed[0]["detail"] and "203.0.113.5" in failed[0]["detail"] and failed[0]["at"]
    assert secret not in str(store.audit()) and store.verify().ok


def test_token_commands(tmp_path, capsys, monkeypatch):
    from centinela.cli import main

    path = str(tmp_path / "s.gpkg")

    def run(*args):
        with pytest.raises(SystemExit) as exc:
            main(["--lang", "en", *args, "--store", path])
        out = capsys.readouterr()
        return exc.value.code, out.out + out.err

    monkeypatch.setenv("CENTINELA_PASSWORD", PASSWORD)
    assert run("users", "add", "rosa", "--role", "ranger")[0] == 0
    code, out = run("token", "add", "rosa", "--label", "qgis", "--days", "30")
    token = out.split()[0]
    assert code == 0 and token.startswith("cnt_") and U.token_id_of(token) in out
    code, out = run("token", "list")
    assert code == 0 and U.token_id_of(token) in out and "active" in out and token not in out
    code, out = run("token", "revoke", U.token_id_of(token))
    assert code == 0 and "revoked" in out
    assert open_store(path).user_for_token(token) is None
    code, out = run("token", "revoke", "nothex!")
    assert code != 0 and "nothex!" in out
    code, out = run("users", "token", "rosa")
    assert code == 0
    code, out = run("users", "password", "rosa")
    assert code == 0 and "1 API token" in out


def test_serve_turns_off_uvicorn_proxy_headers(tmp_path, monkeypatch):
    import uvicorn

    monkeypatch.chdir(tmp_path)  # the app makes outputs/web where it runs

    from centinela.cli import main

    seen = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: seen.update(kw, app=app))
    monkeypatch.setenv("CENTINELA_TRUSTED_PROXIES", "10.0.0.1, 10.1.0.0/16")
    with pytest.raises(SystemExit) as exc:
        main(["--lang", "en", "serve", "--store", str(tmp_path / "s.gpkg")])
    assert exc.value.code in (0, None) and seen["proxy_headers"] is False
    web = seen["app"]
    c = client(web, "10.1.2.3")
    for _ in range(5):
        login(c, "nobody", WRONG, headers={"X-Forwarded-For": "198.51.100.1"})
    assert len([k for k in limiter_of(web).entries if "198.51.100.1" in k]) == 2
    monkeypatch.setenv("CENTINELA_TRUSTED_PROXIES", "proxy.example")
    with pytest.raises(SystemExit) as exc:
        main(["--lang", "en", "serve", "--store", str(tmp_path / "s.gpkg")])
    assert exc.value.code != 0


def test_tokens_made_before_schema_12_get_an_expiry_and_stay_verified(tmp_path):
    """Upgrading: the expiry column is added, old tokens get 90 days, each is re-recorded in the audit chain;
    a token row edited behind Centinela's back before the upgrade stays reported."""
    path = tmp_path / "s.gpkg"
    st = embedded_store(path)
    st.add_user("ana", PASSWORD, "analyst", actor="test")
    # the store as schema 11 left it: api_tokens without expires_at, tokens audited by their rows
    with st.connect(write=True) as c:
        c.execute("ALTER TABLE api_tokens DROP COLUMN expires_at")
        c.execute("DELETE FROM schema_migrations WHERE version = 12")
        for h, label in (("a" * 64, "qgis"), ("b" * 64, "phone")):
            c.execute(
                "INSERT INTO api_tokens (token_hash, username, label, created_at, revoked) VALUES (?,?,?,?,0)",
                (h, "ana", label, "2024-01-01T00:00:00+00:00"),
            )
            st._audit(c, "admin", "token_created", None, {"user": [None, "ana"]}, st._ref(c, "api_tokens", h))
    with sqlite3.connect(path) as c:  # revoked by someone with the file, not through Centinela
        c.execute("UPDATE api_tokens SET revoked = 1 WHERE label = 'phone'")
    st = embedded_store(path)
    rows = {r["label"]: r for r in st.list_tokens()}
    assert rows["qgis"]["state"] == "active" and rows["qgis"]["expires_at"]
    v = st.verify()
    assert not v.ok and f"api_tokens:{'b' * 64}" in v.message and f"api_tokens:{'a' * 64}" not in v.message
