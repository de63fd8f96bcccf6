"""Legality of mining alerts by place, from a rule set kept as data (YAML per jurisdiction)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely
import yaml

from ..errors import InputError
from .kinds import KINDS
from .registry import ZoneSet

DEFAULT_RULES = "peru_madre_de_dios"


@dataclass(frozen=True)
class Rule:
    id: str
    status: str | None
    text: dict[str, str]
    source: str
    inside: tuple[str, ...] = ()
    and_inside: tuple[str, ...] = ()
    outside: str | None = None
    and_outside: str | None = None
    named: tuple[str, str] | None = None  # (kind, regex)


@dataclass(frozen=True)
class RuleSet:
    jurisdiction: str
    version: str
    statuses: tuple[dict, ...]
    rules: tuple[Rule, ...]

    def severity(self, status: str) -> int:
        return [s["id"] for s in self.statuses].index(status)

    def label(self, status: str, lang: str) -> str:
        return next(s[lang] for s in self.statuses if s["id"] == status)


def load_rules(name_or_path: str | Path = DEFAULT_RULES) -> RuleSet:
    """A bundled rule set by name, or a YAML file; unknown kinds and statuses are refused."""
    path = Path(name_or_path)
    if not path.exists():
        path = Path(str(files(__package__).joinpath("rules", f"{name_or_path}.yaml")))
    if not path.exists():
        raise InputError(f"{name_or_path}: no such rule set (expected a YAML file or one of the bundled names)")
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    statuses = tuple(doc["statuses"])
    known = {s["id"] for s in statuses}
    rules = []
    for r in doc["rules"]:
        kinds = [
            *r.get("if_inside", []),
            *r.get("and_inside", []),
            *(k for k in (r.get("if_outside"), r.get("and_outside")) if k),
        ]
        if r.get("if_inside_named"):
            kinds.append(r["if_inside_named"]["kind"])
        bad = [k for k in kinds if k not in KINDS]
        if bad or (r.get("status") is not None and r["status"] not in known):
            raise InputError(f"{path}: rule {r.get('id')}: unknown kind {bad} or status {r.get('status')!r}")
        named = r.get("if_inside_named")
        rules.append(
            Rule(
                id=r["id"],
                status=r.get("status"),
                text={"es": r["es"], "en": r["en"]},
                source=r["source"],
                inside=tuple(r.get("if_inside", [])),
                and_inside=tuple(r.get("and_inside", [])),
                outside=r.get("if_outside"),
                and_outside=r.get("and_outside"),
                named=(named["kind"], named["pattern"]) if named else None,
            )
        )
    return RuleSet(doc["jurisdiction"], str(doc["version"]), statuses, tuple(rules))


def zone_hits(alerts: gpd.GeoDataFrame, zones: ZoneSet) -> pd.DataFrame:
    """(alert index, zone_id, kind, name, illustrative, share of the alert inside) for every overlap."""
    a = alerts.to_crs(zones.zones.crs)
    pairs = gpd.sjoin(a[["geometry"]], zones.zones, how="inner", predicate="intersects")
    if pairs.empty:
        return pd.DataFrame(columns=["alert", "zone_id", "kind", "name", "illustrative", "share"])
    inter = shapely.intersection(pairs.geometry.values, zones.zones.geometry.loc[pairs.index_right].values)
    share = shapely.area(inter) / shapely.area(a.geometry.loc[pairs.index].values)  # a ratio: degrees² cancel out
    out = pd.DataFrame(
        {
            "alert": pairs.index,
            "zone_id": pairs.zone_id.values,
            "kind": pairs.kind.values,
            "name": pairs["name"].values,
            "illustrative": pairs.illustrative.values.astype(bool),
            "share": share,
        }
    )
    return out[out.share > 1e-4]


def _applies(rule: Rule, hits: pd.DataFrame, loaded: set[str]) -> tuple[bool, list[str], bool]:
    """Whether the rule applies, the zone names that make it apply, and whether a needed layer is missing."""
    names: list[str] = []
    kinds = set(hits.kind)
    missing = False
    for k in rule.inside:
        if k not in kinds:
            return False, [], False
        names += list(hits[hits.kind == k].name)
    for k in rule.and_inside:
        if k not in kinds:
            if k not in loaded:
                missing = True
            return False, [], missing
        names += list(hits[hits.kind == k].name)
    for k in (rule.outside, rule.and_outside):
        if k is None:
            continue
        if k not in loaded:
            return False, [], True
        if k in kinds:
            return False, [], False
    if rule.named:
        kind, pattern = rule.named
        sub = hits[(hits.kind == kind) & hits.name.str.contains(pattern, flags=re.IGNORECASE, regex=True)]
        if sub.empty:
            return False, [], False
        names += list(sub.name)
    return True, names, False


def _illustrative(rule: Rule, names: list[str], hits: pd.DataFrame, zones: ZoneSet) -> bool:
    """Whether a rule's verdict rests on an illustrative layer (a zone it named, or a layer judged by absence)."""
    named = hits[hits.name.isin(names)]
    if len(named) and named.illustrative.any():
        return True
    for kind in (rule.outside, rule.and_outside):
        if kind is not None and zones.of_kind(kind).illustrative.any():
            return True
    return False


def assess(alerts: gpd.GeoDataFrame, zones: ZoneSet, rules: RuleSet, lang: str = "es") -> gpd.GeoDataFrame:
    """Add ``legal_status``, ``legal_label``, ``legal_reasons``, ``zones`` and ``illustrative_basis`` to each alert."""
    hits = zone_hits(alerts, zones)
    loaded = zones.kinds()
    out = alerts.copy()
    statuses, labels, reasons, zone_txt, illus = [], [], [], [], []
    for idx, row in alerts.iterrows():
        h = hits[hits.alert == idx]
        zone_txt.append("; ".join(f"{KINDS[k][lang]}: {', '.join(sorted(set(g.name)))}" for k, g in h.groupby("kind")))
        if row.get("cause", "mining") != "mining":
            statuses.append("not_mining")
            reasons.append("")
            illus.append(False)
            labels.append(rules.label("not_mining", lang))
            continue
        found, missing_for = [], []
        for rule in rules.rules:
            ok, names, missing = _applies(rule, h, loaded)
            if missing:
                missing_for.append(rule.id)
            if ok:
                found.append((rule, names))
        graded = [r.status for r, _ in found if r.status]
        status = min(graded, key=rules.severity) if graded else "undetermined"
        # The status rests on illustrative layers only if every rule giving it does.
        deciding = [(r, n) for r, n in found if r.status == status]
        basis_illustrative = bool(deciding) and all(_illustrative(r, n, h, zones) for r, n in deciding)
        text = [f"{r.id}: {r.text[lang]}" + (f" ({', '.join(sorted(set(n)))})" if n else "") for r, n in found]
        if status == "undetermined" and missing_for:
            text.append(("faltan capas para " if lang == "es" else "layers missing for ") + ", ".join(missing_for))
        statuses.append(status)
        labels.append(rules.label(status, lang))
        reasons.append(" | ".join(text))
        illus.append(basis_illustrative)
    out["legal_status"], out["legal_label"], out["legal_reasons"] = statuses, labels, reasons
    out["zones"], out["illustrative_basis"] = zone_txt, illus
    return out
