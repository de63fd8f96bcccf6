"""The evidence package's report for a prosecutor, in Spanish and English: an HTML document printed to PDF,
made from the package's own files (facts.json, the chips, the index plot), so it says nothing the files do
not, plus a small locator map."""

from __future__ import annotations

import json
import math
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import geopandas as gpd  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
from jinja2 import Environment, PackageLoader  # noqa: E402

from .. import data  # noqa: E402
from ..errors import MissingExtraError  # noqa: E402
from ..i18n import MESSAGES, t  # noqa: E402
from .pdf import write_pdf  # noqa: E402

NAMES = {"es": "informe_es", "en": "report_en"}
KEYS = (
    "title alert disclaimer facts locator alert_id first_seen confirmed status area cause mining_prob confidence "
    "point wgs84 utm images clear_share no_image date_rule series zones_legal zones legal_status rule meaning "
    "source verified verified_yes verified_no legal_note history when who what history_empty notes notes_empty "
    "field_checks field_checks_empty integrity made_by made_at audit_head entry signed unsigned scenes software "
    "integrity_text before after verified_v2 field_reports field_reports_note field_conflict verdict observed received "
    "phone_position photos photos_none exif_time exif_gps field_checks_by_reports"
).split()
VERDICTS = ("verified_mining", "verified_other", "false_positive")


def write_locator(folder: Path, lat: float, lon: float) -> Path:
    """A small map of Madre de Dios's districts with the alert's point (bundled boundaries)."""
    districts = gpd.read_file(data.path("boundaries/madre_de_dios_districts.geojson")).to_crs(4326)
    fig, ax = plt.subplots(figsize=(2.6, 2.6))
    districts.plot(ax=ax, facecolor="#f1f1f1", edgecolor="#888", linewidth=0.4)
    ax.plot([lon], [lat], marker="o", color="#d00000", markersize=6, markeredgecolor="white")
    x0, y0, x1, y1 = districts.total_bounds
    x0, x1, y0, y1 = min(x0, lon - 0.2), max(x1, lon + 0.2), min(y0, lat - 0.2), max(y1, lat + 0.2)
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect("equal")
    ax.annotate(
        "N",
        xy=(0.9, 0.95),
        xytext=(0.9, 0.80),
        xycoords="axes fraction",
        ha="center",
        fontsize=8,
        arrowprops={"arrowstyle": "-|>", "color": "black"},
    )
    ax.tick_params(labelsize=5)
    ax.set_xlabel("")  # GeoPandas labels the axes in English; the degrees speak for themselves
    ax.set_ylabel("")
    ax.set_title("Madre de Dios (Perú)", fontsize=7)
    fig.tight_layout()
    path = folder / "locator.png"
    fig.savefig(path, dpi=150, metadata={"Software": None})
    plt.close(fig)
    return path


def _history(history: list[dict], lang: str) -> list[dict]:
    """The alert's audit entries for a reader: actions, fields and statuses in the reader's language (the stored
    code beside a translated status, as elsewhere in the report)."""
    out = []
    for h in history:
        d = h.get("detail")
        try:
            d = json.loads(d) if isinstance(d, str) else d
        except ValueError:
            pass
        if isinstance(d, dict):  # {field: [old, new]}: the change, short
            d = "; ".join(_change(k, v, lang) for k, v in d.items())
        action = h.get("action")
        key = f"ev.action.{action}"
        out.append({**h, "action": t(key, lang) if key in MESSAGES else action, "detail": str(d or "")[:300]})
    return out


def _change(field: str, value, lang: str) -> str:
    key = f"ev.field.{field}"
    name = t(key, lang) if key in MESSAGES else field
    if not (isinstance(value, list) and len(value) == 2):
        return f"{name}: {value}"
    old, new = value
    if field == "status":
        old, new = (_label("status", old, lang) if old is not None else None), _label("status", new, lang)
    return f"{name}: {old if old is not None else '—'} → {new}"


def _checks(history: list[dict], notes: list[dict]) -> list[dict]:
    """Verdicts recorded after a visit or a look at very-high-resolution imagery: status changes to a verdict,
    with the note its author wrote with it (same author, same second)."""
    out = []
    for h in history:
        d = h.get("detail")
        try:
            d = json.loads(d) if isinstance(d, str) else (d or {})
        except ValueError:
            d = {}
        change = d.get("status") if isinstance(d, dict) else None
        new = change[-1] if isinstance(change, list) and change else None
        if new in VERDICTS:
            said = [
                n["text"]
                for n in notes
                if n.get("actor") == h.get("actor") and str(n.get("at"))[:19] == str(h.get("at"))[:19]
            ]
            out.append({"at": h.get("at"), "actor": h.get("actor"), "verdict": new, "note": "; ".join(said)})
    return out


def _field_reports(facts: dict, lang: str) -> list[dict]:
    """The package's field reports (facts.json) for a reader: verdicts in words, position, photo hashes and EXIF."""
    out = []
    for r in facts.get("field_reports") or []:
        lat, lon, acc = r.get("lat"), r.get("lon"), r.get("accuracy_m")
        pos = f"{float(lat):.5f}, {float(lon):.5f}" if _number(lat) and _number(lon) else "—"
        if pos != "—" and _number(acc):
            pos += " " + t("ev.accuracy", lang, m=f"{float(acc):.0f}")
        state = t("ev.report_superseded", lang) if r.get("status") == "superseded" else ""
        state = t("ev.report_stands", lang) if r.get("stands") else state
        photos = []
        for p in r.get("photos") or []:
            gps = p.get("exif_lat"), p.get("exif_lon")
            where = f"{float(gps[0]):.5f}, {float(gps[1]):.5f}" if all(_number(v) for v in gps) else "—"
            n = p.get("size_bytes") or 0
            size = f"{n / 1e6:.2f} MB" if n >= 1e6 else f"{max(n / 1e3, 1):.0f} kB"
            photos.append({**p, "size": size, "exif_gps": where})
        out.append(
            {**r, "verdict_label": _label("report_verdict", r.get("verdict"), lang), "position": pos, "state": state}
            | {"photos": photos}
        )
    return out


def _field_conflict(facts: dict) -> bool:
    from ..store.field import conflict

    reports = [{**r, "stands": "yes" if r.get("stands") else None} for r in facts.get("field_reports") or []]
    return conflict(reports)


def _label(kind: str, code, lang: str) -> str:
    """A stored code in the reader's language, the code itself beside it (what the store and the API hold)."""
    if code is None or code == "":
        return "—"
    key = f"ev.{kind}.{code}"
    if key not in MESSAGES or t(key, lang) == str(code):
        return str(code)
    return f"{t(key, lang)} ({code})"


def _number(v) -> bool:
    try:
        return v is not None and math.isfinite(float(v))
    except (TypeError, ValueError):
        return False


def render_html(folder: Path, facts: dict, alert: dict, history: list[dict], lang: str) -> str:
    T = {k: t(f"ev.{k}", lang) for k in KEYS}
    T["simulated"] = t("fig.simulated", lang)
    files = {p.name for p in folder.iterdir()}
    sides, false_sides = [], []
    for side in ("before", "after"):
        date = facts["dates_used"].get(side)
        clear = facts.get("date_choice", {}).get("clear_share", {}).get(side)
        true = f"{side}_{date}_true.png" if date else None
        false = f"{side}_{date}_false.png" if date else None
        sides.append(
            {
                "label": T[side],
                "date": date,
                "file": true if true in files else None,
                "share": f"{clear:.1%}" if clear is not None else "—",
            }
        )
        if false in files:
            false_sides.append({"label": T[side], "file": false})
    note = (facts.get("imagery_note") or {}).get(lang)
    idp = facts.get("id_point")
    point_note = t("ev.point_note", lang)
    if idp:
        point_note += " " + t(
            "ev.id_point_note",
            lang,
            lat=f"{idp['lat']:.4f}",
            lon=f"{idp['lon']:.4f}",
            m=f"{idp['metres_from_point']:.0f}",
        )
    prob = facts.get("mining_prob")
    area = facts.get("area_ha")
    legal = (facts.get("legal_rules") or {}).get(lang) or {"lines": [], "citations": [], "note": ""}
    marks = {"V": T["verified_yes"], "V2": T["verified_v2"], "U": T["verified_no"]}
    rules = [{**c, "mark": marks.get(c.get("verified"), c.get("verified"))} for c in legal["citations"]]
    # Always escape: notes and names are typed by users, and the PDF printer would follow their markup.
    env = Environment(loader=PackageLoader("centinela.reports", "templates"), autoescape=True)
    return env.get_template("evidence.html.j2").render(
        lang=lang,
        T=T,
        f=facts,
        sides=sides,
        false_sides=false_sides,
        note=note,
        point_note=point_note,
        prob=f"{float(prob):.0%}" if _number(prob) else "—",
        area=f"{float(area):.2f} ha" if _number(area) else "—",
        rules=rules,
        legal=legal,
        status=_label("status", facts.get("status"), lang),
        cause=_label("cause", facts.get("cause"), lang),
        confidence=_label("confidence", facts.get("confidence"), lang),
        history=_history(history, lang),
        notes=alert.get("notes") or [],
        checks=[
            {**c, "verdict": _label("status", c["verdict"], lang)} for c in _checks(history, alert.get("notes") or [])
        ],
        field_reports=_field_reports(facts, lang),
        field_conflict=_field_conflict(facts),
    )


def write_reports(folder: Path, alert: dict, history: list[dict]) -> list[Path]:
    """``informe_es.html/.pdf`` and ``report_en.html/.pdf`` in the package ``folder`` (and ``locator.png``).

    The HTML is written first, so a missing PDF extra loses nothing (the package then says so)."""
    folder = Path(folder)
    facts = json.loads((folder / "facts.json").read_text(encoding="utf-8"))
    out = [write_locator(folder, facts["point_wgs84"]["lat"], facts["point_wgs84"]["lon"])]
    for lang, stem in NAMES.items():
        html = render_html(folder, facts, alert, history, lang)
        hp = folder / f"{stem}.html"
        hp.write_text(html, encoding="utf-8")
        out.append(hp)
        try:
            out.append(write_pdf(html, folder, folder / f"{stem}.pdf"))
        except MissingExtraError:
            pass  # the HTML stands in; the README names both
    return out
