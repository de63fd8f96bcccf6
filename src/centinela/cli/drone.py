"""Drone commands (issue #9, part 4): ingest an orthomosaic, list flights, compare two flights, simulate flights."""

# No `from __future__ import annotations`: Typer evaluates the Annotated help texts built in register().
import datetime as dt
from pathlib import Path
from typing import Annotated

import typer

from ..i18n import t
from .common import actor_option, progress_bar, store_option


def _progress(set_total, advance):
    """Adapt the library's (done, total) callback to a rich progress bar."""
    seen = {"total": None}

    def cb(done: int, total: int) -> None:
        if seen["total"] != total:
            set_total(total)
            seen["total"] = total
        advance(1)

    return cb


def register(app: typer.Typer, lang: str) -> None:
    dr = typer.Typer(help=t("cmd.drone", lang), no_args_is_help=True)
    app.add_typer(dr, name="drone")

    @dr.command("ingest", help=t("cmd.drone_ingest", lang))
    def ingest(
        ortho: Path,
        sites: Annotated[str | None, typer.Option(help=t("opt.drone_sites", lang))] = None,
        out: Annotated[Path, typer.Option(help=t("opt.drone_out", lang))] = Path("outputs/drone"),
        store: Annotated[str | None, store_option(lang)] = None,
        date: Annotated[str | None, typer.Option(help=t("opt.drone_date", lang))] = None,
        bands: Annotated[str | None, typer.Option(help=t("opt.drone_bands", lang))] = None,
        reproject: Annotated[bool, typer.Option(help=t("opt.drone_reproject", lang))] = False,
        thresholds: Annotated[Path | None, typer.Option(help=t("opt.drone_thresholds", lang))] = None,
        actor: Annotated[str | None, actor_option(lang)] = None,
    ) -> None:
        from ..drone.flights import ingest as run_ingest
        from ..drone.text import cover_lines
        from ..store import open_store
        from ..store.core import default_actor
        from .common import _as_date

        st = open_store(store)
        with progress_bar(t("drone.progress_cover", lang)) as (set_total, advance):
            res = run_ingest(
                ortho,
                st,
                out=out,
                sites=sites,
                date=_as_date(date, "--date"),
                bands=bands,
                reproject=reproject,
                thresholds=thresholds,
                progress=_progress(set_total, advance),
                lang=lang,
                actor=actor or default_actor(),
            )
        rec = res.record
        if res.already:
            typer.echo(t("drone.already", lang, file=ortho, id=res.flight_id))
        else:
            typer.echo(
                t(
                    "drone.ingested",
                    lang,
                    id=res.flight_id,
                    file=ortho,
                    res=float(rec["res_m"]),
                    bands=rec["bands"],
                    date=rec["flight_date"] or t("drone.no_date", lang),
                    cog=res.cog,
                )
            )
        for line in cover_lines(res.cover.table, lang):
            typer.echo(f"  {line}")
        if res.cover.not_covered:
            typer.echo(t("drone.not_covered", lang, names=", ".join(res.cover.not_covered)))
        for label, p in res.files.items():
            typer.echo(f"  {label:8s} {Path(p).absolute()}")

    @dr.command("list", help=t("cmd.drone_list", lang))
    def list_(store: Annotated[str | None, store_option(lang)] = None) -> None:
        from ..drone.flights import list_flights
        from ..store import open_store

        st = open_store(store)
        g = list_flights(st)
        if not len(g):
            typer.echo(t("drone.no_flights", lang, store=st.label()))
            return
        for r in g.itertuples():
            sim = " [SIM]" if r.simulated else ""
            typer.echo(
                f"{r.flight_id:20s} {r.flight_date or '—':10s} {float(r.res_m):5.2f} m  {r.bands:22s} "
                f"{float(r.valid_ha):7.2f} ha  veg {float(r.vegetation_frac):5.1%}  bare {float(r.bare_frac):5.1%}  "
                f"water {float(r.water_frac):5.1%}  {r.file_name}{sim}"
            )

    @dr.command("compare", help=t("cmd.drone_compare", lang))
    def compare(
        a: str,
        b: str,
        out: Annotated[Path, typer.Option(help=t("opt.drone_compare_out", lang))],
        store: Annotated[str | None, store_option(lang)] = None,
        align: Annotated[bool, typer.Option(help=t("opt.drone_align", lang))] = False,
        thresholds: Annotated[Path | None, typer.Option(help=t("opt.drone_thresholds", lang))] = None,
    ) -> None:
        from ..drone.compare import compare_flights as run_compare
        from ..drone.cover import load_thresholds
        from ..drone.flights import open_flight
        from ..drone.text import change_lines
        from ..store import open_store

        st = open_store(store)
        ia, ib = open_flight(a, st), open_flight(b, st)
        with progress_bar(t("drone.progress_compare", lang)) as (set_total, advance):
            res = run_compare(
                ia, ib, out, load_thresholds(thresholds), align=align, progress=_progress(set_total, advance), lang=lang
            )
        for line in change_lines(res, lang):
            typer.echo(line)
        for label, p in res.files.items():
            typer.echo(f"  {label:5s} {Path(p).absolute()}")

    @dr.command("simulate", help=t("cmd.drone_simulate", lang))
    def simulate(
        out: Annotated[Path, typer.Option(help=t("opt.out", lang))],
        seed: Annotated[int, typer.Option(help=t("opt.seed", lang))] = 1,
        date: Annotated[list[str] | None, typer.Option(help=t("opt.drone_dates", lang))] = None,
        res: Annotated[float, typer.Option(help=t("opt.drone_res", lang))] = 0.1,
        size_m: Annotated[float, typer.Option(help=t("opt.drone_size_m", lang))] = 200.0,
        multispectral: Annotated[bool, typer.Option(help=t("opt.drone_multispectral", lang))] = False,
    ) -> None:
        from ..sim.drone import simulate_drone
        from .common import _date

        dates = tuple(_date(d, "--date") for d in date) if date else (dt.date(2024, 7, 15), dt.date(2025, 7, 20))
        sim = simulate_drone(out, seed=seed, dates=dates, res=res, size_m=size_m, multispectral=multispectral)
        typer.echo(t("drone.simulated_done", lang, n=len(sim.orthos), size=size_m, res=res, out=out))
        for p in (*sim.orthos, *sim.truths, sim.sites):
            typer.echo(f"  {Path(p).absolute()}")
