"""Laboratory QA/QC per batch: blanks, duplicate RPD, certified reference material recovery, calibration.

Acceptance limits come from a YAML file (defaults in ``qc_limits.yaml``); a failing batch is flagged and
all its results are marked, never silently dropped.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

import pandas as pd
import yaml


def load_limits(path: str | Path | None = None) -> dict:
    text = (files(__package__) / "qc_limits.yaml").read_text() if path is None else Path(path).read_text()
    return yaml.safe_load(text)


def rpd(a: float, b: float) -> float:
    """Relative percent difference of a duplicate pair."""
    m = (a + b) / 2
    return 0.0 if m == 0 else abs(a - b) / m * 100


def _blank(r, batch: pd.DataFrame, limits: dict) -> str | None:
    """Why a blank fails, or None. Its own LOQ (or LOD) is the limit; a blank without one is held to the lowest
    LOD its batch states for the same unit, else to the ceiling in the limits file: a contaminated blank must never
    pass for lack of a number on its row."""
    if r.censored:
        return None
    if r.loq or r.lod:
        lim = float(r.loq) if r.loq else float(r.lod)
        return (
            f"blank {r.sample_id} {r.value:g} {r.unit} above its {'LOQ' if r.loq else 'LOD'} {lim:g}"
            if r.value > lim
            else None
        )
    stated = pd.to_numeric(batch.loc[batch.unit == r.unit, "lod"].replace("", None), errors="coerce").dropna()
    if len(stated):
        lim = float(stated.min())
        return f"blank {r.sample_id} {r.value:g} {r.unit} above the batch's LOD {lim:g}" if r.value > lim else None
    ceiling = (limits.get("blank_max_without_lod") or {}).get(_ascii_unit(r.canonical_unit))
    if ceiling is None:
        return f"blank {r.sample_id} has no LOD or LOQ and the batch states none: cannot judge it"
    value = float(r.value_canonical)
    if value > ceiling:
        unit = r.canonical_unit
        return f"blank {r.sample_id} {value:g} {unit} above {ceiling:g} {unit} (no LOD stated in the batch)"
    return None


def _ascii_unit(unit: str) -> str:
    return str(unit).replace("µ", "u").replace("μ", "u")


def check_batches(results: pd.DataFrame, limits: dict | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(batch table with pass/fail and reasons, results with a ``qc_flag`` column)."""
    limits = limits or load_limits()
    rows = []
    for batch, b in results.groupby("batch"):
        reasons = []
        for r in b[b.qc_type == "blank"].itertuples():
            reason = _blank(r, b, limits)
            if reason:
                reasons.append(reason)
        for r in b[b.qc_type == "duplicate"].itertuples():
            orig = b[(b.sample_id == r.duplicate_of) & (b.qc_type == "sample") & (b.analyte == r.analyte)]
            if orig.empty:
                reasons.append(f"duplicate {r.sample_id}: original '{r.duplicate_of}' not in the batch")
                continue
            o = orig.iloc[0]
            if o.censored or r.censored:
                continue  # RPD is undefined below the detection limit
            d = rpd(o.value_canonical, r.value_canonical)
            if d > limits["duplicate_rpd_max_pct"]:
                reasons.append(f"duplicate {r.sample_id} RPD {d:.1f}% > {limits['duplicate_rpd_max_pct']}%")
        for r in b[b.qc_type == "crm"].itertuples():
            if not r.certified_value:
                reasons.append(f"CRM {r.sample_id} without its certified value")
                continue
            rec = r.value / float(r.certified_value) * 100
            lo, hi = limits["crm_recovery_pct"]
            if not lo <= rec <= hi:
                reasons.append(f"CRM {r.sample_id} recovery {rec:.1f}% outside {lo}–{hi}%")
        for r in b[b.qc_type == "calibration"].itertuples():
            if r.certified_value:
                dev = abs(r.value / float(r.certified_value) - 1) * 100
                if dev > limits["calibration_deviation_max_pct"]:
                    reasons.append(f"calibration check {r.sample_id} off by {dev:.1f}%")
        if limits.get("require_crm") and b[b.qc_type == "crm"].empty:
            reasons.append("no certified reference material in the batch")
        rows.append(
            {
                "batch": batch,
                "passed": not reasons,
                "reasons": "; ".join(reasons),
                "n_samples": int((b.qc_type == "sample").sum()),
            }
        )
    table = pd.DataFrame(rows)
    failed = set(table.loc[~table.passed, "batch"]) if len(table) else set()
    out = results.copy()
    out["qc_flag"] = out.batch.map(lambda x: "batch_failed_qc" if x in failed else "ok")
    return table, out
