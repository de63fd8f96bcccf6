"""The ``centinela`` command line: a thin Typer layer over the library, in Spanish and English.

Help texts are chosen when the app is built, so ``--lang`` / ``CENTINELA_LANG`` is read from the
command line before Typer parses it (:func:`main`).
"""

# No `from __future__ import annotations`: Typer evaluates the Annotated help texts built in build_app.
import datetime as dt
import logging
import os
import sys
from collections.abc import Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from . import __version__
from .errors import CentinelaError
from .i18n import LANGS, resolve_lang, t

err = Console(stderr=True)
DEMO_CENTER = (-12.864, -70.092)
"""13 km north-west of La Pampa, where Amazon Mining Watch maps 2024 fronts pushing into forest."""


@contextmanager
def progress_bar(label: str):
    """A progress bar on stderr; yields (set_total, advance)."""
    with Progress(
        TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        TimeRemainingColumn(), console=err, transient=False,
    ) as prog:
        task = prog.add_task(label, total=None)
        yield (lambda n: prog.update(task, total=n)), (lambda k=1: prog.advance(task, k))


def _date(value: str, option: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise typer.BadParameter(f"{option} expects a date as YYYY-MM-DD; got {value!r}") from exc


def _center(value: str) -> tuple[float, float]:
    try:
        lat, lon = (float(v) for v in value.split(","))
    except ValueError as exc:
        raise typer.BadParameter(f"expected LAT,LON in degrees such as -12.95,-70.0; got {value!r}") from exc
    return lat, lon


def build_app(lang: str) -> typer.Typer:
    """The Typer application with every help text in ``lang``."""
    app = typer.Typer(help=t("app.help", lang), add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False)

    @app.callback()
    def root(
        lang_: Annotated[str, typer.Option("--lang", help=t("opt.lang", lang), envvar="CENTINELA_LANG")] = lang,
        verbose: Annotated[bool, typer.Option("--verbose", "-v", help=t("opt.verbose", lang))] = False,
    ) -> None:
        if lang_ not in LANGS:
            raise typer.BadParameter(f"--lang must be one of {', '.join(LANGS)}; got {lang_!r}")
        logging.basicConfig(level=logging.DEBUG if verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s")

    @app.command(help=t("cmd.version", lang))
    def version() -> None:
        typer.echo(f"centinela {__version__}")

    @app.command(help=t("cmd.simulate", lang))
    def simulate(
        out: Annotated[Path, typer.Option(help=t("opt.out", lang))],
        seed: Annotated[int, typer.Option(help=t("opt.seed", lang))] = 1,
        size: Annotated[int, typer.Option(help=t("opt.size", lang))] = 512,
        start: Annotated[str, typer.Option(help=t("opt.start", lang))] = "2024-01-01",
        end: Annotated[str, typer.Option(help=t("opt.end", lang))] = "2024-12-31",
        center: Annotated[str, typer.Option(help=t("opt.center", lang))] = "-12.95,-70.0",
        events_from: Annotated[Optional[Path], typer.Option(help=t("opt.events_from", lang))] = None,
        revisit: Annotated[int, typer.Option(min=1, max=60, help=t("opt.revisit", lang))] = 5,
        workers: Annotated[int, typer.Option(min=1, max=64, help=t("opt.workers", lang))] = 1,
        overwrite: Annotated[bool, typer.Option(help=t("opt.overwrite", lang))] = False,
    ) -> None:
        from .sim import simulate as run_simulation

        with progress_bar(t("sim.progress", lang)) as (set_total, advance):
            res = run_simulation(
                out, seed=seed, size=size, start=_date(start, "--start"), end=_date(end, "--end"), center=_center(center), revisit=revisit,
                events_from=events_from, workers=workers, overwrite=overwrite, progress=advance, on_total=set_total,
            )
        typer.echo(t("sim.done", lang, n=res.n_dates, size=size, catalog=res.catalog, truth=res.truth))

    @app.command(help=t("cmd.quicklook", lang))
    def quicklook(
        catalog: Annotated[str, typer.Option(help=t("opt.catalog", lang))],
        out: Annotated[Path, typer.Option(help=t("opt.out", lang))],
        aoi: Annotated[Optional[Path], typer.Option(help=t("opt.aoi", lang))] = None,
        start: Annotated[Optional[str], typer.Option(help=t("opt.start", lang))] = None,
        end: Annotated[Optional[str], typer.Option(help=t("opt.end", lang))] = None,
        date: Annotated[Optional[list[str]], typer.Option(help=t("opt.dates", lang))] = None,
    ) -> None:
        files = _quicklook(catalog, out, aoi, start, end, date, lang)
        typer.echo(t("ql.done", lang, files=", ".join(str(p) for p in (files.panel, files.cloud_plot))))

    @app.command(help=t("cmd.demo", lang))
    def demo(
        out: Annotated[Path, typer.Option(help=t("opt.out", lang))] = Path("outputs/demo"),
        size: Annotated[int, typer.Option(help=t("opt.size", lang))] = 512,
        workers: Annotated[int, typer.Option(min=1, max=64, help=t("opt.workers", lang))] = min(2, os.cpu_count() or 1),
    ) -> None:
        from . import data
        from .sim import simulate as run_simulation

        with progress_bar(t("sim.progress", lang)) as (set_total, advance):
            res = run_simulation(
                out / "scene", seed=7, size=size, center=DEMO_CENTER, start=dt.date(2024, 1, 1), end=dt.date(2024, 12, 31),
                events_from=data.path(data.AMW_MINING), workers=workers, overwrite=True, progress=advance, on_total=set_total,
            )
        files = _quicklook(str(res.catalog), out / "quicklook", res.aoi, None, None, None, lang)
        typer.echo(t("demo.done", lang))
        for label, p in (
            ("STAC", res.catalog), ("truth / verdad", res.truth), ("quick-look", files.panel),
            ("cloud cover / nubosidad", files.cloud_plot),
        ):
            typer.echo(f"  {label:26s} {p}")

    return app


def _quicklook(catalog, out, aoi, start, end, dates, lang):
    from .imagery import load_cube, read_aoi
    from .reports.quicklook import write_quicklook

    geom = read_aoi(aoi) if aoi else None
    with progress_bar(t("ql.progress", lang)) as (set_total, advance):
        set_total(2)
        ds = load_cube(catalog, geom, _date(start, "--start") if start else None, _date(end, "--end") if end else None)
        advance()
        picked = None
        if dates:
            if len(dates) != 2:
                raise typer.BadParameter("give --date exactly twice (before and after)")
            picked = (_date(dates[0], "--date"), _date(dates[1], "--date"))
        simulated = "SIM" in " ".join(ds.attrs.get("items", [])[:1])
        files = write_quicklook(ds, out, picked, simulated=simulated)
        advance()
    return files


def main(argv: Sequence[str] | None = None) -> None:
    """Console entry point: pick the language, build the app, map our errors to a clean message."""
    argv = list(sys.argv[1:] if argv is None else argv)
    lang = resolve_lang(argv)
    app = build_app(lang)
    try:
        rc = app(args=argv, prog_name="centinela", standalone_mode=False)
    except CentinelaError as exc:
        err.print(f"[bold red]{t('error', lang)}:[/] {exc}", highlight=False, soft_wrap=True)
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
