"""The demo command: the main job on the embedded default (the steps are :mod:`centinela.jobs.demo`)."""

# No `from __future__ import annotations`: Typer evaluates the Annotated help texts built in register().
import os
from pathlib import Path
from typing import Annotated

import typer

from ..i18n import t
from .common import progress_bar


def register(app: typer.Typer, lang: str) -> None:
    @app.command(help=t("cmd.demo", lang))
    def demo(
        out: Annotated[Path, typer.Option(help=t("opt.out", lang))] = Path("outputs/demo"),
        size: Annotated[int, typer.Option(help=t("opt.size", lang))] = 512,
        workers: Annotated[int, typer.Option(min=1, max=64, help=t("opt.workers", lang))] = min(2, os.cpu_count() or 1),
        serve: Annotated[bool, typer.Option(help=t("opt.demo_serve", lang))] = False,
        port: Annotated[int, typer.Option(min=1, max=65535, help=t("opt.port", lang))] = 8000,
    ) -> None:
        from ..jobs.demo import run_demo

        res = run_demo(out, size, workers, lang, bar=progress_bar, say=typer.echo)
        typer.echo(t("demo.done", lang))
        for label, p in res.files:
            typer.echo(f"  {label:26s} {Path(p).absolute()}")
        url = f"http://127.0.0.1:{port}/"
        typer.echo(t("demo.web", lang, url=url, users=", ".join(res.users), file=res.login_file))
        if serve:
            from .web import _serve

            _serve(str(res.store), "127.0.0.1", port, str(res.catalog), None, False, lang)
        else:
            typer.echo(t("demo.serve_hint", lang, out=out, catalog=res.catalog, port=port))

    return app
