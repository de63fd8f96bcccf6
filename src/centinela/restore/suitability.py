"""Alternative land uses for abandoned mining sites: a transparent multi-criteria assessment.

The weights, the rules and their sources are data (``suitability.yaml``, or a user's copy); this module only
applies them, and writes next to every score which criteria made it (``explain_<option>``), which were
missing, and why an option was ruled out. Mercury comes from the laboratory results in the store
(:func:`centinela.mercury.mapping.site_values`), judged against :mod:`centinela.mercury.standards`.
Pure computation: the rules file is read by :func:`load_rules`, nothing else opens a file.
"""

from __future__ import annotations

import itertools
import logging
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import yaml

from ..errors import InputError

log = logging.getLogger(__name__)

OPTIONS = ("natural_regeneration", "active_reforestation", "agroforestry", "aquaculture")


@dataclass(frozen=True)
class Criterion:
    name: str
    field: str
    points: tuple[tuple[float, float], ...]
    why: str = ""
    sources: tuple[str, ...] = ()

    def score(self, values) -> np.ndarray:
        x = np.array([p[0] for p in self.points], dtype=float)
        y = np.array([p[1] for p in self.points], dtype=float)
        v = pd.to_numeric(pd.Series(values), errors="coerce").to_numpy(dtype=float)
        return np.where(np.isfinite(v), np.interp(v, x, y), np.nan)


@dataclass(frozen=True)
class Option:
    name: str
    label: dict
    weights: dict[str, float]
    requires: tuple[dict, ...] = ()


@dataclass(frozen=True)
class Rules:
    criteria: dict[str, Criterion]
    options: dict[str, Option]
    sources: dict[str, dict]
    eligible_status: tuple[str, ...]
    mercury: dict = field(default_factory=dict)
    version: str = ""
    path: str = "suitability.yaml (default)"


def rules_text() -> str:
    """The default rules file, for users to copy and edit."""
    return (files(__package__) / "suitability.yaml").read_text(encoding="utf-8")


def load_rules(path: str | Path | None = None) -> Rules:
    """Read and check a rules file (default: the bundled one). Errors name the file, the entry and what was expected."""
    where = "suitability.yaml (default)" if path is None else str(path)
    if path is None:
        text = rules_text()
    else:
        p = Path(path)
        if not p.exists():
            raise InputError(f"{p}: rules file not found")
        text = p.read_text(encoding="utf-8")
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise InputError(f"{where}: not valid YAML ({exc})") from exc
    if not isinstance(doc, dict) or "criteria" not in doc or "options" not in doc:
        raise InputError(f"{where}: expected 'criteria' and 'options' sections")
    sources = doc.get("sources") or {}
    crit = {}
    for name, c in (doc["criteria"] or {}).items():
        try:
            pts = tuple((float(a), float(b)) for a, b in c["points"])
            fieldname = str(c["field"])
        except (KeyError, TypeError, ValueError) as exc:
            raise InputError(
                f"{where}: criterion '{name}' needs 'field' and 'points' as [[value, score], …] ({exc})"
            ) from exc
        if len(pts) < 2 or any(b[0] <= a[0] for a, b in itertools.pairwise(pts)):
            raise InputError(f"{where}: criterion '{name}': 'points' need at least two values in increasing order")
        if any(not 0 <= s <= 1 for _, s in pts):
            raise InputError(f"{where}: criterion '{name}': scores must be between 0 and 1")
        unknown = [s for s in c.get("sources") or [] if s not in sources]
        if unknown:
            raise InputError(f"{where}: criterion '{name}' cites unknown source(s) {unknown}; add them under 'sources'")
        crit[name] = Criterion(name, fieldname, pts, str(c.get("why", "")), tuple(c.get("sources") or ()))
    opts = {}
    for name, o in (doc["options"] or {}).items():
        weights = {k: float(v) for k, v in (o.get("weights") or {}).items()}
        missing = [k for k in weights if k not in crit]
        if missing:
            raise InputError(f"{where}: option '{name}' weights unknown criteria {missing}; known: {sorted(crit)}")
        if not weights or any(w < 0 for w in weights.values()) or sum(weights.values()) <= 0:
            raise InputError(f"{where}: option '{name}' needs non-negative weights with a positive sum")
        for r in o.get("requires") or []:
            if "field" not in r or not ({"min", "max"} & set(r)):
                raise InputError(f"{where}: option '{name}': each 'requires' rule needs 'field' and 'min' or 'max'")
        opts[name] = Option(
            name, dict(o.get("label") or {"es": name, "en": name}), weights, tuple(o.get("requires") or ())
        )
    hg = doc.get("mercury") or {}
    if hg and hg.get("on_exceed", "exclude") not in ("exclude", "flag"):
        raise InputError(f"{where}: mercury.on_exceed must be 'exclude' or 'flag'")
    for chk in hg.get("checks") or []:
        bad = [o for o in chk.get("options", []) if o not in opts]
        if bad or "matrix" not in chk or "standard" not in chk:
            raise InputError(
                f"{where}: each mercury check needs 'matrix', 'standard' and 'options' among {sorted(opts)}"
            )
    return Rules(crit, opts, sources, tuple(doc.get("eligible_status") or ()), hg, str(doc.get("version", "")), where)


@dataclass
class HgCheck:
    matrix: str
    standard: str
    status: str  # V / V2 / U of the standard
    limit: float
    options: tuple[str, ...]
    values: np.ndarray  # per site: highest site mean within the radius (NaN: no sample near)
    n_sites: np.ndarray


def _site_points(results: pd.DataFrame, matrix: str, analyte: str, notes: list[str]):
    """Sampling-site means of one matrix, or None without results of it. Fish are never averaged across
    species of different diets: each trophic guild gets its own site means and every guild's sites are judged
    (so the most exposed guild, usually the fish-eaters, decides)."""
    from ..mercury.mapping import GUILDS, site_values

    if matrix != "fish":
        try:
            return site_values(results, matrix, analyte, notes)
        except InputError:
            return None
    parts = []
    for guild in GUILDS:
        try:
            parts.append(site_values(results, "fish", analyte, notes, guild=guild))
        except InputError:
            continue  # no fish of that guild
    return pd.concat(parts, ignore_index=True) if parts else None


def mercury_near(
    sites: gpd.GeoDataFrame, results: pd.DataFrame | None, rules: Rules, notes: list[str]
) -> list[HgCheck]:
    """For each mercury check of the rules: the highest sampling-site mean within ``radius_km`` of each site."""
    from ..mercury.standards import load_standards

    checks = rules.mercury.get("checks") or []
    if results is None or not checks:
        return []
    radius_m = float(rules.mercury.get("radius_km", 5.0)) * 1000
    standards = {s.id: s for s in load_standards()}
    metric = sites.to_crs(sites.estimate_utm_crs()) if sites.crs.is_geographic else sites
    out = []
    for chk in checks:
        std = standards.get(chk["standard"])
        if std is None:
            raise InputError(
                f"{rules.path}: mercury check names standard '{chk['standard']}', not in mercury/standards.yaml; "
                f"known: {', '.join(sorted(standards))}"
            )
        pts = _site_points(results, chk["matrix"], std.analyte if std.analyte in ("THg", "MeHg") else "THg", notes)
        if pts is None:
            continue  # no result of that matrix: nothing to judge
        pts = pts.to_crs(metric.crs)
        vals, ns = np.full(len(metric), np.nan), np.zeros(len(metric), dtype=int)
        for i, g in enumerate(metric.geometry):
            d = pts.distance(g).to_numpy()
            near = d <= radius_m
            if near.any():
                vals[i] = float(pts.value.to_numpy()[near].max())
                ns[i] = int(near.sum())
        out.append(HgCheck(chk["matrix"], std.id, std.status, std.value, tuple(chk.get("options", ())), vals, ns))
    return out


def assess(
    sites: gpd.GeoDataFrame, rules: Rules | None = None, mercury_results: pd.DataFrame | None = None
) -> tuple[gpd.GeoDataFrame, list[str]]:
    """Score, rank and flag each site (the inventory's fields) for every option of the rules."""
    rules = rules or load_rules()
    notes: list[str] = []
    out = sites.copy().reset_index(drop=True)
    n = len(out)
    crit_scores = {}
    for name, c in rules.criteria.items():
        if c.field in out.columns:
            crit_scores[name] = c.score(out[c.field])
        else:
            crit_scores[name] = np.full(n, np.nan)
    used = {c for o in rules.options.values() for c in o.weights}
    absent = sorted(
        {
            rules.criteria[c].field
            for c in used
            if rules.criteria[c].field not in out.columns or out[rules.criteria[c].field].isna().all()
        }
    )
    if absent:
        notes.append(
            f"no value for {', '.join(absent)}: those criteria are left out and the others re-weighted "
            "(give --roads/--communities layers to the inventory to use them)"
        )
    hg = mercury_near(out, mercury_results, rules, notes)
    exclude = rules.mercury.get("on_exceed", "exclude") == "exclude"
    flags = [[] for _ in range(n)]
    for chk in hg:
        col = f"hg_{chk.matrix}_mg_kg"
        out[col] = np.round(chk.values, 4)
        out[f"hg_{chk.matrix}_sites"] = chk.n_sites
    for opt in rules.options.values():
        num = np.zeros(n)
        den = np.zeros(n)
        explain = [[] for _ in range(n)]
        missing = [[] for _ in range(n)]
        for cname, w in opt.weights.items():
            s = crit_scores[cname]
            ok = np.isfinite(s)
            num += np.where(ok, w * np.nan_to_num(s), 0.0)
            den += np.where(ok, w, 0.0)
            for i in range(n):
                (explain[i].append(f"{cname}={s[i]:.2f}×{w:g}") if ok[i] else missing[i].append(cname))
        with np.errstate(invalid="ignore", divide="ignore"):
            score = np.where(den > 0, num / den, np.nan)
        why_zero = [[] for _ in range(n)]
        for rule in opt.requires:
            v = pd.to_numeric(out.get(rule["field"], pd.Series([np.nan] * n)), errors="coerce").to_numpy(dtype=float)
            fail = ~np.isfinite(v)
            if "min" in rule:
                fail |= v < float(rule["min"])
            if "max" in rule:
                fail |= v > float(rule["max"])
            for i in np.flatnonzero(fail):
                why_zero[i].append(rule.get("why") or f"{rule['field']} outside the required range")
            score = np.where(fail, 0.0, score)
        hg_flag = np.zeros(n, dtype=bool)
        for chk in hg:
            if opt.name not in chk.options:
                continue
            over = np.isfinite(chk.values) & (chk.values > chk.limit)
            for i in np.flatnonzero(over):
                text = (
                    f"{opt.name}: mercury in {chk.matrix} {chk.values[i]:.3g} mg/kg "
                    f"within {rules.mercury.get('radius_km', 5)} km "
                    f"> {chk.standard} {chk.limit:g} ({'unverified' if chk.status == 'U' else chk.status})"
                )
                flags[i].append(text)
                if exclude:
                    why_zero[i].append(text)
            hg_flag |= over
        if exclude:
            score = np.where(hg_flag, 0.0, score)
        out[f"score_{opt.name}"] = np.round(score, 3)
        out[f"hg_flag_{opt.name}"] = hg_flag
        out[f"explain_{opt.name}"] = [
            " ".join(e) + (f" | missing: {', '.join(m)}" if m else "") + (f" | ruled out: {'; '.join(z)}" if z else "")
            for e, m, z in zip(explain, missing, why_zero, strict=True)
        ]
    names = list(rules.options)
    scores = out[[f"score_{o}" for o in names]].to_numpy(dtype=float)
    eligible = (
        out["status"].isin(rules.eligible_status).to_numpy()
        if "status" in out and rules.eligible_status
        else np.ones(n, dtype=bool)
    )
    best, ranks = [], np.zeros_like(scores, dtype=int)
    for i in range(n):
        s = np.nan_to_num(scores[i], nan=-1.0)
        order = np.argsort(-s, kind="stable")  # ties keep the rules' order of options
        ranks[i, order] = np.arange(1, len(names) + 1)
        if not eligible[i]:
            best.append("")
            flags[i].append(
                f"site status '{out.status.iloc[i]}': mining is active, enforcement comes before restoration"
            )
        elif s[order[0]] <= 0:
            best.append("")
        else:
            best.append(names[order[0]])
    for j, o in enumerate(names):
        out[f"rank_{o}"] = ranks[:, j]
        s = pd.Series(np.where(eligible, scores[:, j], np.nan))
        out[f"site_rank_{o}"] = s.rank(ascending=False, method="min").astype("Int64")
    out["best_option"] = best
    out["flags"] = ["; ".join(f) for f in flags]
    out["rules"] = f"{rules.path} v{rules.version}"
    return out, notes
