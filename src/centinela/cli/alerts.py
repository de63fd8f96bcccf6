"""The store's commands: alerts, areas, monitor, subscribe, evidence, audit."""

# No `from __future__ import annotations`: Typer evaluates the Annotated help texts built in register().
import datetime as dt
from pathlib import Path
from typing import Annotated

import typer
from typer.core import TyperGroup

from ..i18n import t
from .common import _as_date, actor_option, progress_bar, store_option


def register(app: typer.Typer, lang: str) -> None:
    store_opt, actor_opt = store_option(lang), actor_option(lang)  # noqa: F841

    alerts_app = typer.Typer(help=t("cmd.alerts", lang), no_args_is_help=True)
    app.add_typer(alerts_app, name="alerts")
    audit_app = typer.Typer(help=t("cmd.audit", lang), no_args_is_help=True)
    app.add_typer(audit_app, name="audit")

    @alerts_app.command("ingest", help=t("cmd.alerts_ingest", lang))
    def alerts_ingest(
        file: Annotated[Path, typer.Argument(help=t("opt.alerts_in", lang))],
        store: Annotated[str | None, store_opt] = None,
        actor: Annotated[str | None, actor_opt] = None,
    ) -> None:
        from ..store import open_store
        from ..zones.io import read_polygons

        res = open_store(store).ingest(read_polygons(file, "alerts"), actor)
        typer.echo(
            t(
                "alerts.ingested",
                lang,
                created=res.created,
                updated=res.updated,
                unchanged=res.unchanged,
                merged=res.merged,
            )
        )

    @alerts_app.command("list", help=t("cmd.alerts_list", lang))
    def alerts_list(
        status: Annotated[str | None, typer.Option(help=t("opt.f_status", lang))] = None,
        cause: Annotated[str | None, typer.Option(help=t("opt.f_cause", lang))] = None,
        confidence: Annotated[str | None, typer.Option(help=t("opt.f_confidence", lang))] = None,
        since: Annotated[str | None, typer.Option(help=t("opt.start", lang))] = None,
        until: Annotated[str | None, typer.Option(help=t("opt.end", lang))] = None,
        min_area: Annotated[float | None, typer.Option("--min-area-ha", help=t("opt.f_area", lang))] = None,
        min_prob: Annotated[
            float | None, typer.Option("--min-prob", min=0.0, max=1.0, help=t("opt.f_prob", lang))
        ] = None,
        zone: Annotated[str | None, typer.Option(help=t("opt.area", lang))] = None,
        fmt: Annotated[str, typer.Option("--format", help=t("opt.format", lang))] = "table",
        store: Annotated[str | None, store_opt] = None,
    ) -> None:
        a = _select(store, status, cause, confidence, since, until, min_area, zone, min_prob)
        if fmt == "geojson":
            typer.echo(a.to_json(drop_id=True))
        elif fmt == "csv":
            p = a.geometry.representative_point()
            typer.echo(
                a.drop(columns="geometry").assign(lat=p.y.round(6), lon=p.x.round(6)).to_csv(index=False), nl=False
            )
        elif fmt == "table":
            cols = ["alert_id", "first_seen", "cause", "confidence", "area_ha", "status", "assignee"]
            typer.echo(a[cols].fillna("—").to_string(index=False) if len(a) else t("alerts.none", lang))
        else:
            raise typer.BadParameter(f"--format must be table, csv or geojson; got {fmt!r}")

    @alerts_app.command("show", help=t("cmd.alerts_show", lang))
    def alerts_show(alert_id: str, store: Annotated[str | None, store_opt] = None) -> None:
        from ..store import open_store

        a = open_store(store).alert(alert_id)
        for k in (
            "alert_id",
            "status",
            "assignee",
            "first_seen",
            "confirmed",
            "cause",
            "confidence",
            "area_ha",
            "lat",
            "lon",
            "reasons",
        ):
            typer.echo(f"{k:12s} {a[k]}")
        typer.echo(t("alerts.history", lang))
        for h in a["history"]:
            typer.echo(f"  #{h['seq']} {h['at']} {h['actor']}: {h['action']} {h['detail']}")
        for n in a["notes"]:
            typer.echo(f"  ✎ {n['at']} {n['actor']}: {n['text']}")

    @alerts_app.command("reports", help=t("cmd.alerts_reports", lang))
    def alerts_reports(alert_id: str, store: Annotated[str | None, store_opt] = None) -> None:
        from ..store import field, open_store

        st = open_store(store)
        st.alert(alert_id)  # a clear error for an unknown alert
        reports = st.field_reports(alert_id)
        if not reports:
            typer.echo(t("report.cli.none", lang, id=alert_id))
        for r in reports:  # issue #19 (report): newest first, with the photos' hashes and EXIF
            typer.echo(field.describe(r, lambda code: t(f"ev.report_verdict.{code}", lang)))
        if field.conflict(reports):
            typer.echo(t("report.cli.conflict", lang))

    @alerts_app.command("set-status", help=t("cmd.alerts_status", lang))
    def alerts_set_status(
        alert_id: str,
        status: str,
        note: Annotated[str | None, typer.Option(help=t("opt.note", lang))] = None,
        store: Annotated[str | None, store_opt] = None,
        actor: Annotated[str | None, actor_opt] = None,
    ) -> None:
        from ..store import open_store

        open_store(store).set_status(alert_id, status, actor, note)
        typer.echo(t("alerts.changed", lang, alert_id=alert_id))

    @alerts_app.command("assign", help=t("cmd.alerts_assign", lang))
    def alerts_assign(
        alert_id: str,
        assignee: str,
        store: Annotated[str | None, store_opt] = None,
        actor: Annotated[str | None, actor_opt] = None,
    ) -> None:
        from ..store import open_store

        open_store(store).assign(alert_id, assignee, actor)
        typer.echo(t("alerts.changed", lang, alert_id=alert_id))

    @alerts_app.command("note", help=t("cmd.alerts_note", lang))
    def alerts_note(
        alert_id: str,
        text: str,
        store: Annotated[str | None, store_opt] = None,
        actor: Annotated[str | None, actor_opt] = None,
    ) -> None:
        from ..store import open_store

        open_store(store).add_note(alert_id, text, actor)
        typer.echo(t("alerts.changed", lang, alert_id=alert_id))

    @alerts_app.command("export", help=t("cmd.alerts_export", lang))
    def alerts_export(
        out: Annotated[Path, typer.Option(help=t("opt.export_out", lang))],
        fmt: Annotated[str | None, typer.Option("--format", help=t("opt.export_format", lang))] = None,
        status: Annotated[str | None, typer.Option(help=t("opt.f_status", lang))] = None,
        cause: Annotated[str | None, typer.Option(help=t("opt.f_cause", lang))] = None,
        confidence: Annotated[str | None, typer.Option(help=t("opt.f_confidence", lang))] = None,
        since: Annotated[str | None, typer.Option(help=t("opt.start", lang))] = None,
        until: Annotated[str | None, typer.Option(help=t("opt.end", lang))] = None,
        min_area: Annotated[float | None, typer.Option("--min-area-ha", help=t("opt.f_area", lang))] = None,
        min_prob: Annotated[
            float | None, typer.Option("--min-prob", min=0.0, max=1.0, help=t("opt.f_prob", lang))
        ] = None,
        zone: Annotated[str | None, typer.Option(help=t("opt.area", lang))] = None,
        store: Annotated[str | None, store_opt] = None,
    ) -> None:
        from ..store import export, open_store
        from ..zones import load_zones

        a = _select(store, status, cause, confidence, since, until, min_area, zone, min_prob)
        path = export(a, out, fmt, zones=load_zones(open_store(store)), lang=lang)  # with legal caveats
        typer.echo(t("alerts.exported", lang, n=len(a), path=path))

    areas_app = typer.Typer(help=t("cmd.areas", lang), no_args_is_help=True)
    app.add_typer(areas_app, name="areas")

    @areas_app.command("add", help=t("cmd.areas_add", lang))
    def areas_add(
        name: str,
        aoi_file: Annotated[Path, typer.Argument(help=t("opt.aoi", lang))],
        catalog: Annotated[
            str, typer.Option(help=t("opt.catalog", lang))
        ] = "https://earth-search.aws.element84.com/v1",
        since: Annotated[str | None, typer.Option(help=t("opt.since", lang))] = None,
        store: Annotated[str | None, store_opt] = None,
        actor: Annotated[str | None, actor_opt] = None,
    ) -> None:
        from ..imagery import read_aoi
        from ..store import open_store

        start = _as_date(since, "--since") or dt.date.today()
        open_store(store).add_area(name, read_aoi(aoi_file), catalog, start, actor)
        typer.echo(t("areas.added", lang, name=name, since=start))

    @areas_app.command("list", help=t("cmd.areas_list", lang))
    def areas_list(store: Annotated[str | None, store_opt] = None) -> None:
        from ..store import open_store

        for a in open_store(store).areas():
            typer.echo(f"{a['name']:24s} {a['since']}  {a['catalog']}  {a['last_run'] or '—'}")

    @app.command(help=t("cmd.monitor", lang))
    def monitor(
        area: Annotated[str, typer.Option(help=t("opt.area_name", lang))],
        catalog: Annotated[str | None, typer.Option(help=t("opt.catalog", lang))] = None,
        until: Annotated[str | None, typer.Option(help=t("opt.end", lang))] = None,
        history_days: Annotated[int, typer.Option(min=0, max=3650, help=t("opt.history", lang))] = 365,
        block: Annotated[int, typer.Option(min=64, max=4096, hidden=True)] = 512,
        dask_scheduler: Annotated[str | None, typer.Option(help=t("opt.dask_scheduler", lang))] = None,
        threads: Annotated[int | None, typer.Option(min=1, max=512, help=t("opt.threads", lang))] = None,
        known_mining: Annotated[str | None, typer.Option(help=t("opt.known_mining", lang))] = None,
        model: Annotated[Path | None, typer.Option(help=t("opt.model", lang))] = None,
        store: Annotated[str | None, store_opt] = None,
        actor: Annotated[str | None, actor_opt] = None,
    ) -> None:
        from ..detect.attribution import load_model
        from ..jobs.monitor import monitor as run_monitor
        from ..store import open_store

        with progress_bar(t("det.progress", lang)) as (set_total, advance):
            r = run_monitor(
                open_store(store),
                area,
                catalog,
                _as_date(until, "--until"),
                history_days,
                actor,
                advance,
                set_total,
                block,
                scheduler=dask_scheduler,
                threads=threads,
                model=load_model(model),
                known_mining=known_mining,
            )
        typer.echo(
            t(
                "monitor.done",
                lang,
                area=area,
                dates=r.dates_processed,
                alerts=r.alerts,
                created=r.ingest.created,
                updated=r.ingest.updated,
                growth=r.growth,
                mining=len(r.ingest.became_mining_ids),
            )
        )
        if r.delivery and (r.delivery.queued or r.delivery.failed):
            typer.echo(
                t(
                    "monitor.notified",
                    lang,
                    queued=r.delivery.queued,
                    delivered=r.delivery.delivered,
                    failed=r.delivery.failed,
                )
            )

    @app.command(help=t("cmd.subscribe", lang))
    def subscribe(
        area: str,
        email: Annotated[str | None, typer.Option(help=t("opt.email", lang))] = None,
        webhook: Annotated[str | None, typer.Option(help=t("opt.webhook", lang))] = None,
        min_confidence: Annotated[str | None, typer.Option(help=t("opt.f_confidence", lang))] = None,
        zones: Annotated[str | None, typer.Option(help=t("opt.sub_zones", lang))] = None,
        secret: Annotated[
            str | None, typer.Option(help=t("opt.secret", lang), envvar="CENTINELA_WEBHOOK_SECRET")
        ] = None,
        store: Annotated[str | None, store_opt] = None,
        actor: Annotated[str | None, actor_opt] = None,
    ) -> None:
        from ..store import open_store

        if (email is None) == (webhook is None):
            raise typer.BadParameter("give exactly one of --email or --webhook")
        kinds = [k.strip() for k in zones.split(",")] if zones else None
        sid = open_store(store).subscribe(
            area, "email" if email else "webhook", email or webhook, min_confidence, kinds, secret, actor
        )
        typer.echo(t("subscribed", lang, id=sid, area=area))

    # `evidence ALERT_ID --out DIR` makes a package (as before); `evidence verify DIR|ZIP` checks one.
    evidence_app = typer.Typer(cls=_MakeByDefault, help=t("cmd.evidence", lang), no_args_is_help=True)
    app.add_typer(evidence_app, name="evidence")

    @evidence_app.command("make", help=t("cmd.evidence", lang))
    def evidence(
        alert_id: str,
        out: Annotated[Path, typer.Option(help=t("opt.out", lang))],
        catalog: Annotated[str | None, typer.Option(help=t("opt.catalog", lang))] = None,
        key: Annotated[
            Path | None, typer.Option(help=t("opt.evidence_key", lang), envvar="CENTINELA_EVIDENCE_KEY")
        ] = None,
        store: Annotated[str | None, store_opt] = None,
    ) -> None:
        folder, zpath = _evidence(alert_id, out, catalog, store, lang, key)
        typer.echo(t("evidence.done", lang, folder=folder, zip=zpath))
        import json

        if json.loads((folder / "facts.json").read_text(encoding="utf-8")).get("imagery_note"):
            typer.echo(t("evidence.no_clear", lang))

    @evidence_app.command("verify", help=t("cmd.evidence_verify", lang))
    def evidence_verify(
        package: Annotated[Path, typer.Argument(help=t("cmd.evidence_verify", lang))],
        public_key: Annotated[Path | None, typer.Option(help=t("opt.public_key", lang))] = None,
        checkpoint: Annotated[Path | None, typer.Option(help=t("opt.checkpoint", lang))] = None,
        store: Annotated[str | None, typer.Option(help=t("opt.store", lang))] = None,
    ) -> None:
        from ..jobs.evidence import verify_package
        from ..store.checkpoint import read_checkpoint, read_key

        log = None
        if store:
            from ..store import open_store

            log = open_store(store).audit()
        v = verify_package(
            package,
            read_key(public_key) if public_key else None,
            read_checkpoint(checkpoint) if checkpoint else None,
            log,
        )
        for note in v.notes:
            typer.echo(f"  · {note}")
        if not v.ok:
            typer.echo(t("evidence.refused", lang))
            for p in v.problems:
                typer.echo(f"  ✗ {p}")
            raise typer.Exit(3)
        sig = t("evidence.sig_none" if any("not signed" in n for n in v.notes) else "evidence.sig_ok", lang)
        typer.echo(t("evidence.verified", lang, n=v.files, signature=sig))

    @audit_app.command("verify", help=t("cmd.audit_verify", lang))
    def audit_verify(
        store: Annotated[str | None, store_opt] = None,
        checkpoint: Annotated[Path | None, typer.Option(help=t("opt.checkpoint", lang))] = None,
        public_key: Annotated[Path | None, typer.Option(help=t("opt.public_key", lang))] = None,
    ) -> None:
        from ..store import open_store
        from ..store.checkpoint import read_checkpoint, read_key

        doc = read_checkpoint(checkpoint) if checkpoint else None
        v = open_store(store).verify(doc, read_key(public_key) if public_key else None)
        typer.echo(("OK: " if v.ok else "ALTERADO / TAMPERED: ") + v.message)
        if not v.ok:
            raise typer.Exit(3)

    @audit_app.command("checkpoint", help=t("cmd.audit_checkpoint", lang))
    def audit_checkpoint(
        out: Annotated[Path, typer.Option(help=t("opt.out", lang))],
        key: Annotated[Path | None, typer.Option(help=t("opt.signing_key", lang), envvar="CENTINELA_AUDIT_KEY")] = None,
        store: Annotated[str | None, store_opt] = None,
    ) -> None:
        from ..store import open_store
        from ..store.checkpoint import write_checkpoint

        doc = write_checkpoint(open_store(store), out, key)
        signed = t("audit.signed" if "signature" in doc else "audit.unsigned", lang)
        typer.echo(t("audit.checkpoint_done", lang, seq=doc["seq"], hash=doc["hash"][:16], out=out, signed=signed))

    store_app = typer.Typer(help=t("cmd.store", lang), no_args_is_help=True)
    app.add_typer(store_app, name="store")

    @store_app.command("copy", help=t("cmd.store_copy", lang))
    def store_copy(
        to: Annotated[str, typer.Option("--to", help=t("opt.copy_to", lang))],
        store: Annotated[str | None, store_opt] = None,
        actor: Annotated[str | None, actor_opt] = None,
    ) -> None:
        from ..store import open_store
        from ..store.copy import copy_store
        from ..store.core import default_actor

        src, dst = open_store(store), open_store(to)
        counts = copy_store(src, dst, actor or default_actor())
        typer.echo(t("store.copied", lang, src=src.label(), dst=dst.label(), n=sum(counts.values())))
        for table, n in counts.items():
            typer.echo(f"  {table:16s} {n}")
        v = dst.verify()
        typer.echo(("OK: " if v.ok else "ALTERADO / TAMPERED: ") + v.message)
        if not v.ok:
            raise typer.Exit(3)

    @audit_app.command("keygen", help=t("cmd.audit_keygen", lang))
    def audit_keygen(out: Annotated[Path, typer.Option(help=t("opt.out", lang))]) -> None:
        from ..store.checkpoint import write_key_pair

        private, public = write_key_pair(out)
        typer.echo(t("audit.keygen_done", lang, private=private, public=public))


class _MakeByDefault(TyperGroup):
    """A group whose unknown first word is an alert id: `evidence ID` means `evidence make ID`."""

    def resolve_command(self, ctx, args):
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            args = ["make", *args]
        return super().resolve_command(ctx, args)


def _evidence(alert_id, out, catalog, store, lang, key=None):
    from ..errors import InputError
    from ..jobs.evidence import evidence_for
    from ..store import open_store

    with progress_bar(t("ql.progress", lang)) as (set_total, advance):
        set_total(2)
        try:
            from ..store.core import default_actor

            return evidence_for(
                open_store(store), alert_id, out, catalog, lang, progress=advance, actor=default_actor(), key=key
            )
        except InputError as exc:
            if catalog is None and "monitored area" in str(exc):
                raise typer.BadParameter("this alert has no monitored area; give --catalog") from exc
            raise


def _select(store, status, cause, confidence, since, until, min_area, zone, min_prob=None):
    from ..store import open_store
    from ..zones import load_zones

    st = open_store(store)
    within = load_zones(st).find(zone).union_all() if zone else None
    return st.alerts(
        status, cause, confidence, _as_date(since, "--since"), _as_date(until, "--until"), min_area, within, min_prob
    )
