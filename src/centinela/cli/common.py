"""Pieces shared by the command modules: progress bars, option parsing, shared options."""

import datetime as dt
from contextlib import contextmanager
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from ..i18n import t

err = Console(stderr=True)


@contextmanager
def progress_bar(label: str):
    """A progress bar on stderr; yields (set_total, advance)."""
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=err,
        transient=False,
    ) as prog:
        task = prog.add_task(label, total=None)
        yield (lambda n: prog.update(task, total=n)), (lambda k=1: prog.advance(task, k))


def _date(value: str, option: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise typer.BadParameter(f"{option} expects a date as YYYY-MM-DD; got {value!r}") from exc


def _as_date(value, option: str) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return _date(value, option)


def _center(value: str) -> tuple[float, float]:
    try:
        lat, lon = (float(v) for v in value.split(","))
    except ValueError as exc:
        raise typer.BadParameter(f"expected LAT,LON in degrees such as -12.95,-70.0; got {value!r}") from exc
    return lat, lon


def _store(value: str | None) -> Path:
    from ..store import store_path

    return store_path(value)


def store_option(lang: str):
    return typer.Option("--store", help=t("opt.store", lang), envvar="CENTINELA_STORE")


def actor_option(lang: str):
    return typer.Option("--actor", help=t("opt.actor", lang), envvar="CENTINELA_USER")
