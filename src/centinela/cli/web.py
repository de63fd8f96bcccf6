"""Web commands: serve the API and map, manage users and tokens, mark sensitive areas."""

# No `from __future__ import annotations`: Typer evaluates the Annotated help texts built in register().
import getpass
import os
from pathlib import Path
from typing import Annotated

import typer

from ..i18n import t


def register(app: typer.Typer, lang: str) -> None:
    store_opt = typer.Option("--store", help=t("opt.store", lang), envvar="CENTINELA_STORE")

    @app.command("serve", help=t("cmd.serve", lang))
    def serve(
        store: Annotated[str | None, store_opt] = None,
        host: Annotated[str, typer.Option(help=t("opt.host", lang))] = "127.0.0.1",
        port: Annotated[int, typer.Option(min=1, max=65535, help=t("opt.port", lang))] = 8000,
        catalog: Annotated[str | None, typer.Option(help=t("opt.web_catalog", lang))] = None,
        zones: Annotated[Path | None, typer.Option(help=t("opt.web_zones", lang))] = None,
        secure_cookies: Annotated[bool, typer.Option(help=t("opt.secure_cookies", lang))] = False,
        trusted_proxies: Annotated[
            str, typer.Option(help=t("opt.trusted_proxies", lang), envvar="CENTINELA_TRUSTED_PROXIES")
        ] = "",
        forwarded_header: Annotated[
            str, typer.Option(help=t("opt.forwarded_header", lang), envvar="CENTINELA_FORWARDED_HEADER")
        ] = "x-forwarded-for",
    ) -> None:
        proxies = tuple(p.strip() for p in trusted_proxies.split(",") if p.strip())
        _serve(store, host, port, catalog, zones, secure_cookies, lang, proxies, forwarded_header.strip().lower())

    users = typer.Typer(help=t("cmd.users", lang), no_args_is_help=True)
    app.add_typer(users, name="users")

    @users.command("add", help=t("cmd.users_add", lang))
    def add(
        username: str,
        role: Annotated[str, typer.Option(help=t("opt.role", lang))] = "viewer",
        see_sensitive: Annotated[bool, typer.Option(help=t("opt.see_sensitive", lang))] = False,
        store: Annotated[str | None, store_opt] = None,
    ) -> None:
        from ..store import open_store

        password = _password(lang)
        open_store(store).add_user(username, password, role, see_sensitive, actor=_actor())
        typer.echo(t("users.added", lang, user=username, role=role))

    @users.command("list", help=t("cmd.users_list", lang))
    def list_(store: Annotated[str | None, store_opt] = None) -> None:
        from ..store import open_store

        for u in open_store(store).list_users():
            flags = (" see_sensitive" if u["see_sensitive"] else "") + (" DISABLED" if u["disabled"] else "")
            typer.echo(f"{u['username']:24s} {u['role']:8s}{flags}  {u['created_at'][:10]}")

    @users.command("role", help=t("cmd.users_role", lang))
    def role(
        username: str,
        role: str,
        see_sensitive: Annotated[bool | None, typer.Option(help=t("opt.see_sensitive", lang))] = None,
        store: Annotated[str | None, store_opt] = None,
    ) -> None:
        from ..store import open_store

        open_store(store).set_role(username, role, see_sensitive, actor=_actor())
        typer.echo(t("users.changed", lang, user=username))

    @users.command("password", help=t("cmd.users_password", lang))
    def password(username: str, store: Annotated[str | None, store_opt] = None) -> None:
        from ..store import open_store

        revoked = open_store(store).set_password(username, _password(lang), actor=_actor())
        typer.echo(t("users.password_set", lang, user=username, n=revoked))

    @users.command("disable", help=t("cmd.users_disable", lang))
    def disable(username: str, store: Annotated[str | None, store_opt] = None) -> None:
        from ..store import open_store

        open_store(store).disable_user(username, actor=_actor())
        typer.echo(t("users.changed", lang, user=username))

    days_opt = typer.Option(help=t("opt.token_days", lang), envvar="CENTINELA_TOKEN_DAYS")

    def _new_token(username: str, label: str, days: float, store: str | None) -> None:
        from ..store import open_store
        from ..store.users import token_id_of

        st = open_store(store)
        secret = st.create_token(username, label, actor=_actor(), days=days)
        row = next(r for r in st.list_tokens(username) if r["id"] == token_id_of(secret))
        typer.echo(secret)
        typer.echo(t("tokens.created", lang, id=row["id"], user=username, expires=row["expires_at"][:16]), err=True)
        typer.echo(t("users.token_once", lang), err=True)

    tokens = typer.Typer(help=t("cmd.token", lang), no_args_is_help=True)
    app.add_typer(tokens, name="token")

    @tokens.command("add", help=t("cmd.token_add", lang))
    def token_add(
        username: str,
        label: Annotated[str, typer.Option(help=t("opt.token_label", lang))] = "",
        days: Annotated[float, days_opt] = 90,
        store: Annotated[str | None, store_opt] = None,
    ) -> None:
        _new_token(username, label, days, store)

    users.command("token", help=t("cmd.users_token", lang))(token_add)  # the older name, kept for scripts

    @tokens.command("list", help=t("cmd.token_list", lang))
    def token_list(
        user: Annotated[str | None, typer.Option(help=t("opt.token_user", lang))] = None,
        store: Annotated[str | None, store_opt] = None,
    ) -> None:
        from ..store import open_store

        rows = open_store(store).list_tokens(user)
        if not rows:
            typer.echo(t("tokens.none", lang))
        states = {"active": "tokens.active", "expired": "tokens.expired", "revoked": "tokens.revoked_state"}
        for r in rows:
            typer.echo(
                f"{r['id']}  {r['username']:16s} {t(states[r['state']], lang):9s} "
                f"{r['created_at'][:10]} → {(r['expires_at'] or '?')[:10]}  {r['label']}"
            )

    @tokens.command("revoke", help=t("cmd.token_revoke", lang))
    def token_revoke(token_id: str, store: Annotated[str | None, store_opt] = None) -> None:
        from ..store import open_store

        done = open_store(store).revoke_token(token_id, actor=_actor())
        typer.echo(t("tokens.revoked" if done else "tokens.already", lang, id=token_id))

    @app.command("sensitive", help=t("cmd.sensitive", lang))
    def sensitive(
        zone: Annotated[str, typer.Argument(help=t("opt.sensitive_zone", lang))],
        reason: Annotated[str, typer.Option(help=t("opt.sensitive_reason", lang))] = "",
        store: Annotated[str | None, store_opt] = None,
        zones_file: Annotated[Path | None, typer.Option("--zones", help=t("opt.web_zones", lang))] = None,
    ) -> None:
        import shapely

        from ..store import open_store
        from ..zones import load_zones

        st = open_store(store)
        found = load_zones(zones_file or st).find(zone)
        for name, g in found.groupby("name"):
            st.mark_sensitive(name, shapely.union_all(list(g.geometry)), reason, actor=_actor())
            typer.echo(t("sensitive.marked", lang, zone=name))


def _actor() -> str:
    return os.environ.get("CENTINELA_USER") or getpass.getuser()


def _password(lang: str) -> str:
    """From CENTINELA_PASSWORD (scripts) or asked twice without echo; never printed or logged."""
    value = os.environ.get("CENTINELA_PASSWORD")
    if value:
        return value
    return typer.prompt(t("users.password_prompt", lang), hide_input=True, confirmation_prompt=True)


def _serve(store, host, port, catalog, zones, secure_cookies, lang, proxies=(), forwarded_header="x-forwarded-for"):
    import uvicorn

    from ..store.url import DEFAULT_STORE
    from ..web import Settings, create_app

    settings = Settings(
        store=store or os.environ.get("CENTINELA_STORE") or DEFAULT_STORE,
        catalog=catalog,
        zones=zones,
        default_lang=lang,
        secure_cookies=secure_cookies,
        trusted_proxies=proxies,
        forwarded_header=forwarded_header,
    )
    app = create_app(settings)
    typer.echo(t("serve.url", lang, url=f"http://{host}:{port}/"))
    # uvicorn's own proxy handling would believe X-Forwarded-For from loopback by default; the app reads the
    # header itself, and only from the configured proxies (web/limits.py), so uvicorn's is turned off.
    uvicorn.run(app, host=host, port=port, log_level="warning", proxy_headers=False)
