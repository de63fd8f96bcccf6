"""The ``centinela`` command line: a thin Typer layer over the library, in Spanish and English.

Help texts are chosen when the app is built, so ``--lang`` / ``CENTINELA_LANG`` is read from the
command line before Typer parses it (:func:`main`). Each command module registers its commands."""

# No `from __future__ import annotations`: Typer evaluates the Annotated help texts built in register().
import logging
import sys
from collections.abc import Sequence
from typing import Annotated

import typer

from .. import __version__
from ..errors import CentinelaError
from ..i18n import LANGS, resolve_lang, t
from . import alerts, demo, detection, drone, imagery, layers, mercury, restore, web, zones
from .common import err


def build_app(lang: str) -> typer.Typer:
    """The Typer application with every help text in ``lang``."""
    app = typer.Typer(
        help=t("app.help", lang), add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False
    )

    @app.callback()
    def root(
        lang_: Annotated[str, typer.Option("--lang", help=t("opt.lang", lang), envvar="CENTINELA_LANG")] = lang,
        verbose: Annotated[bool, typer.Option("--verbose", "-v", help=t("opt.verbose", lang))] = False,
    ) -> None:
        if lang_ not in LANGS:
            raise typer.BadParameter(f"--lang must be one of {', '.join(LANGS)}; got {lang_!r}")
        logging.basicConfig(
            level=logging.DEBUG if verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s"
        )

    @app.command(help=t("cmd.version", lang))
    def version() -> None:
        typer.echo(f"centinela {__version__}")

    for module in (imagery, detection, zones, layers, alerts, mercury, restore, drone, web, demo):
        module.register(app, lang)
    return app


def main(argv: Sequence[str] | None = None) -> None:
    """Console entry point: pick the language, build the app, map our errors to a clean message."""
    argv = list(sys.argv[1:] if argv is None else argv)
    lang = resolve_lang(argv)
    app = build_app(lang)
    try:
        rc = app(args=argv, prog_name="centinela", standalone_mode=False)
    except CentinelaError as exc:
        from rich.markup import escape  # messages may hold [brackets] (a TOML table, a list) that are not markup

        text = exc.localized(lang) if hasattr(exc, "localized") else str(exc)
        err.print(f"[bold red]{t('error', lang)}:[/] {escape(text)}", highlight=False, soft_wrap=True)
        raise SystemExit(2) from None
    except typer.Exit as exc:
        raise SystemExit(exc.exit_code) from None
    except (typer.Abort, KeyboardInterrupt):
        raise SystemExit(130) from None
    except typer.TyperException as exc:  # usage errors: wrong option, bad value
        exc.show() if hasattr(exc, "show") else err.print(str(exc))
        raise SystemExit(getattr(exc, "exit_code", 2)) from None
    raise SystemExit(rc if isinstance(rc, int) else 0)


if __name__ == "__main__":
    main()
