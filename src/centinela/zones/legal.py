"""Legality of mining alerts by place, from a rule set kept as data (YAML per jurisdiction).

A verdict never travels without its caveats: :func:`legal_verdict` gives, in Spanish or English, the status,
the legal instruments and articles it rests on, whether each article was verified against the official
text (and where), and whether the zone layer behind it is illustrative, bundled (approximate) or imported.
Every consumer (API, web panel, exports, bulletin, evidence package) prints that one verdict.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely
import yaml

from ..errors import InputError
from ..i18n import LANGS, t
from .bundled import BUNDLED
from .kinds import KINDS
from .registry import ZoneSet

DEFAULT_RULES = "peru_madre_de_dios"
VERIFICATION = ("V", "V2", "U")  # read in the official text / read quoted in a secondary source / not verified
LAYER_ORIGINS = ("imported", "bundled", "illustrative")  # best support first


@dataclass(frozen=True)
class Citation:
    """One legal instrument a rule rests on, with the article relied on and how far it was verified."""

    instrument: dict[str, str]  # {"es": ..., "en": ...}
    article: dict[str, str] | None = None  # None: cited at the level of the instrument
    verified: str = "U"  # one of VERIFICATION
    source: str | None = None  # where the text was read (URL or gazette citation): required for V and V2
    read: str | None = None  # what was read there: required for V and V2
    about: dict[str, str] | None = None
    antecedent: bool = False

    def text(self, lang: str) -> str:
        out = self.instrument[lang]
        out += f", {self.article[lang]}" if self.article else f", {t('legal.no_article', lang)}"
        if self.about:
            out += f" ({self.about[lang]})"
        if self.antecedent:
            out += f" [{t('legal.antecedent', lang)}]"
        return out


@dataclass(frozen=True)
class Rule:
    id: str
    status: str | None
    text: dict[str, str]
    source: str = ""  # a free-text citation, kept only for rule files written before `basis`
    basis: tuple[Citation, ...] = ()
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
                source=r.get("source", ""),
                basis=_basis(path, r),
                inside=tuple(r.get("if_inside", [])),
                and_inside=tuple(r.get("and_inside", [])),
                outside=r.get("if_outside"),
                and_outside=r.get("and_outside"),
                named=(named["kind"], named["pattern"]) if named else None,
            )
        )
    return RuleSet(doc["jurisdiction"], str(doc["version"]), statuses, tuple(rules))


def _both(path: Path, rid: str, field: str, value) -> dict[str, str] | None:
    if value is None:
        return None
    if isinstance(value, str):  # the same words in both languages (a number, a proper name)
        return {lang: value for lang in LANGS}
    if not isinstance(value, dict) or any(not isinstance(value.get(lang), str) for lang in LANGS):
        raise InputError(f"{path}: rule {rid}: '{field}' must give text for each of {', '.join(LANGS)}; got {value!r}")
    return {lang: value[lang] for lang in LANGS}


def _basis(path: Path, r: dict) -> tuple[Citation, ...]:
    """The rule's citations; an old-style free-text `source` becomes one unverified citation."""
    rid = r.get("id")
    if "basis" not in r:
        if not r.get("source"):
            raise InputError(f"{path}: rule {rid}: give its legal 'basis' (instrument, article, verified)")
        return (Citation(_both(path, rid, "source", str(r["source"]))),)
    out = []
    for i, b in enumerate(r["basis"] or ()):
        where = f"basis[{i}]"
        if not isinstance(b, dict) or "instrument" not in b:
            raise InputError(f"{path}: rule {rid}: {where} needs an 'instrument'; got {b!r}")
        status = str(b.get("verified", "U"))
        if status not in VERIFICATION:
            raise InputError(f"{path}: rule {rid}: {where}.verified is {status!r}; expected one of V, V2, U")
        if status != "U" and not (b.get("source") and b.get("read")):
            raise InputError(
                f"{path}: rule {rid}: {where}.verified is {status} but 'source' (where it was read) and 'read' "
                "(what was read) are not both given; give them or set verified: U"
            )
        out.append(
            Citation(
                instrument=_both(path, rid, f"{where}.instrument", b["instrument"]),
                article=_both(path, rid, f"{where}.article", b.get("article")),
                verified=status,
                source=b.get("source"),
                read=b.get("read"),
                about=_both(path, rid, f"{where}.about", b.get("about")),
                antecedent=bool(b.get("antecedent", False)),
            )
        )
    if not out:
        raise InputError(f"{path}: rule {rid}: 'basis' is empty; cite at least one legal instrument")
    return tuple(out)


def zone_hits(alerts: gpd.GeoDataFrame, zones: ZoneSet) -> pd.DataFrame:
    """(alert index, zone_id, kind, name, layer, illustrative, share of the alert inside) for every overlap."""
    a = alerts.to_crs(zones.zones.crs)
    pairs = gpd.sjoin(a[["geometry"]], zones.zones, how="inner", predicate="intersects")
    if pairs.empty:
        return pd.DataFrame(columns=["alert", "zone_id", "kind", "name", "layer", "illustrative", "share"])
    inter = shapely.intersection(pairs.geometry.values, zones.zones.geometry.loc[pairs.index_right].values)
    share = shapely.area(inter) / shapely.area(a.geometry.loc[pairs.index].values)  # a ratio: degrees² cancel out
    out = pd.DataFrame(
        {
            "alert": pairs.index,
            "zone_id": pairs.zone_id.values,
            "kind": pairs.kind.values,
            "name": pairs["name"].values,
            "layer": pairs["layer"].values,
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


_BUNDLED = {(b.layer, b.source) for b in BUNDLED}


def _origins(zones: ZoneSet) -> dict[str, str]:
    """Each layer's origin: illustrative (drawn for a demo), bundled (shipped, generalised) or imported."""
    out = {}
    for r in zones.layers().itertuples():
        if bool(r.illustrative):
            out[r.layer] = "illustrative"
        elif (r.layer, r.source) in _BUNDLED:  # an imported layer may reuse a bundled name, not its source
            out[r.layer] = "bundled"
        else:
            out[r.layer] = "imported"
    return out


def _rule_layers(rule: Rule, names: list[str], hits: pd.DataFrame, zones: ZoneSet, origins: dict) -> list[tuple]:
    """(origin, kind, layer) of every layer a rule's verdict rests on: the zones it named, the layers judged by
    absence."""
    pairs = {(k, lyr) for k, lyr in hits[hits.name.isin(names)][["kind", "layer"]].itertuples(index=False)}
    for kind in (rule.outside, rule.and_outside):
        if kind is not None:
            pairs |= {(kind, lyr) for lyr in zones.of_kind(kind).layer.unique()}
    return sorted((origins.get(lyr, "imported"), k, lyr) for k, lyr in pairs)


def _worst(origins) -> str:
    return max(origins, key=LAYER_ORIGINS.index, default="")


@dataclass(frozen=True)
class LegalVerdict:
    """An alert's legal status with its caveats, in one language (see :func:`legal_verdict`)."""

    status: str
    label: str
    lang: str
    deciding: tuple[Rule, ...] = ()  # the rules that give the status
    flags: tuple[Rule, ...] = ()  # rules that applied without grading (e.g. indigenous territory)
    layers: tuple[tuple[str, str, str], ...] = ()  # (origin, kind, layer) behind the deciding rules
    layer: str = ""  # the best-supported origin among the deciding rules; "" when no zone decided it

    @property
    def citations(self) -> tuple[tuple[str, Citation], ...]:
        return tuple((r.id, c) for r in (*self.deciding, *self.flags) for c in r.basis)

    @property
    def verified(self) -> str:
        """V when every cited article was read in the official text, V2 when the least was read in a secondary
        source, U when any was not verified, "" when the verdict cites no law (not mining, undetermined)."""
        marks = [c.verified for _, c in self.citations]
        return max(marks, key=VERIFICATION.index) if marks else ""

    @property
    def layer_illustrative(self) -> bool:
        return self.layer == "illustrative"

    def _cites(self, rules: tuple[Rule, ...]) -> tuple[str, str]:
        ids = ", ".join(r.id for r in rules)
        which = t("legal.rules" if len(rules) > 1 else "legal.rule", self.lang, ids=ids)
        return which, "; ".join(c.text(self.lang) for r in rules for c in r.basis)

    def _verification(self) -> str:
        cites = [c for _, c in self.citations]
        if all(c.verified == "U" for c in cites):
            return t("legal.all_unverified", self.lang)
        return "; ".join(
            f"{c.text(self.lang)}: {t('legal.verified.' + c.verified, self.lang, source=c.source, read=c.read)}"
            for c in cites
        )

    def _layer_text(self) -> str:
        groups = []
        for origin in reversed(LAYER_ORIGINS):  # the weakest support first: it is the caveat
            # an imported layer is named (its name is the team's); bundled and illustrative ones by kind only
            names = [
                KINDS[k][self.lang] + (f" «{lyr}»" if o == "imported" else "")
                for o, k, lyr in self.layers
                if o == origin
            ]
            if names:
                groups.append(t("legal.layer." + origin, self.lang, layers=", ".join(dict.fromkeys(names))))
        return "; ".join(groups)

    def lines(self) -> list[str]:
        """The verdict, its legal basis, verification and zone layer: one line each (for documents)."""
        out = [f"{t('legal.status', self.lang)}: {self.label}"]
        if self.deciding:
            which, cites = self._cites(self.deciding)
            out.append(f"{t('legal.basis', self.lang, rules=which)}: {cites}")
        if self.flags:
            which, cites = self._cites(self.flags)
            out.append(f"{t('legal.also', self.lang, rules=which)}: {cites}")
        if self.citations:
            out.append(f"{t('legal.verification', self.lang)}: {self._verification()}")
        if self.layers:
            out.append(f"{t('legal.layer', self.lang)}: {self._layer_text()}")
        return out

    @property
    def sentence(self) -> str:
        """The whole verdict in one line: what a table cell, a map popup or an API client shows."""
        first, *rest = self.lines()
        return " ".join([self.label + "."] + [x.rstrip(".") + "." for x in rest])

    def as_dict(self) -> dict:
        """JSON-ready fields for the API: one entry per citation in the lists."""
        cites = self.citations
        return {
            "verdict": self.status,
            "label": self.label,
            "rules": [r.id for r in (*self.deciding, *self.flags)],
            "instrument": [c.instrument[self.lang] for _, c in cites],
            "article": [c.article[self.lang] if c.article else None for _, c in cites],
            "verified": self.verified or None,
            "source": [c.source for _, c in cites if c.verified != "U"],
            "citations": [
                {
                    "rule": rid,
                    "instrument": c.instrument[self.lang],
                    "article": c.article[self.lang] if c.article else None,
                    "verified": c.verified,
                    "source": c.source,
                    "read": c.read,
                }
                for rid, c in cites
            ],
            "layer": self.layer or None,
            "layer_illustrative": self.layer_illustrative,
            "layers": [{"origin": o, "kind": k, "layer": lyr} for o, k, lyr in self.layers],
            "sentence": self.sentence,
        }


def legal_verdict(judged, rules: RuleSet, lang: str = "es") -> LegalVerdict:
    """The legal verdict of one alert with its caveats, in ``lang`` ("es" or "en").

    ``judged``: one row of :func:`assess`'s output (a pandas Series or a dict with ``legal_status``,
    ``legal_rules`` and ``legal_layers``); ``rules``: the rule set given to :func:`assess`. The language need
    not be the one :func:`assess` ran in. Use ``.sentence`` (one line), ``.lines()`` (one line per caveat) or
    ``.as_dict()`` (API fields)."""
    if lang not in LANGS:
        raise InputError(f"language {lang!r}: expected one of {', '.join(LANGS)}")
    status = judged["legal_status"]
    by_id = {r.id: r for r in rules.rules}
    ids = [x for x in _text(judged.get("legal_rules")).split(",") if x]
    unknown = [x for x in ids if x not in by_id]
    if unknown:
        raise InputError(
            f"legal_rules names {', '.join(unknown)}, not in rule set {rules.jurisdiction} v{rules.version}; "
            "judge the alert with the same rule set"
        )
    layers = tuple(tuple(x) for x in json.loads(_text(judged.get("legal_layers")) or "[]"))
    return LegalVerdict(
        status=status,
        label=rules.label(status, lang),
        lang=lang,
        deciding=tuple(by_id[x] for x in ids if by_id[x].status is not None),
        flags=tuple(by_id[x] for x in ids if by_id[x].status is None),
        layers=layers,
        layer=_text(judged.get("legal_layer")),
    )


def _text(value) -> str:
    """A text cell as read back from a file: None and NaN are empty."""
    return "" if value is None or (isinstance(value, float) and value != value) else str(value)


def legal_caveat(judged, rules: RuleSet, lang: str = "es") -> str:
    """The one-line verdict with its caveats (:attr:`LegalVerdict.sentence`)."""
    return legal_verdict(judged, rules, lang).sentence


def legal_lines(judged, rules: RuleSet, lang: str = "es") -> list[str]:
    """The verdict, legal basis, verification and zone layer, one line each (:meth:`LegalVerdict.lines`)."""
    return legal_verdict(judged, rules, lang).lines()


def verification_note(lang: str = "es") -> str:
    """What "verified", "not verified", "illustrative" and "bundled" mean: print it once where verdicts appear."""
    return t("legal.note", lang)


def assess(alerts: gpd.GeoDataFrame, zones: ZoneSet, rules: RuleSet, lang: str = "es") -> gpd.GeoDataFrame:
    """Add ``legal_status``, ``legal_label``, ``legal_reasons``, ``zones`` and ``illustrative_basis`` to each alert,
    and the verdict's caveats: ``legal_rules``, ``legal_instrument``, ``legal_article``, ``legal_verified``,
    ``legal_source``, ``legal_layer``, ``legal_layers`` (JSON) and ``legal_caveat`` (see :func:`legal_verdict`)."""
    hits = zone_hits(alerts, zones)
    loaded = zones.kinds()
    origins = _origins(zones)
    out = alerts.copy()
    statuses, labels, reasons, zone_txt, illus, verdicts = [], [], [], [], [], []
    for idx, row in alerts.iterrows():
        h = hits[hits.alert == idx]
        zone_txt.append("; ".join(f"{KINDS[k][lang]}: {', '.join(sorted(set(g.name)))}" for k, g in h.groupby("kind")))
        if row.get("cause", "mining") != "mining":
            statuses.append("not_mining")
            reasons.append("")
            illus.append(False)
            labels.append(rules.label("not_mining", lang))
            verdicts.append(LegalVerdict("not_mining", rules.label("not_mining", lang), lang))
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
            text.append(t("legal.missing_layers", lang, rules=", ".join(missing_for)))
        statuses.append(status)
        labels.append(rules.label(status, lang))
        reasons.append(" | ".join(text))
        illus.append(basis_illustrative)
        per_rule = [_rule_layers(r, n, h, zones, origins) for r, n in deciding]
        verdicts.append(
            LegalVerdict(
                status,
                rules.label(status, lang),
                lang,
                deciding=tuple(r for r, _ in deciding),
                flags=tuple(r for r, _ in found if r.status is None),
                layers=tuple(dict.fromkeys(x for layers in per_rule for x in layers)),
                # the status holds if any deciding rule holds: the best-supported one says how firm it is
                layer=min(
                    (w for w in (_worst(o for o, _, _ in layers) for layers in per_rule) if w),
                    key=LAYER_ORIGINS.index,
                    default="",
                ),
            )
        )
    out["legal_status"], out["legal_label"], out["legal_reasons"] = statuses, labels, reasons
    out["zones"], out["illustrative_basis"] = zone_txt, illus
    out["legal_rules"] = [",".join(r.id for r in (*v.deciding, *v.flags)) for v in verdicts]
    out["legal_instrument"] = ["; ".join(c.instrument[lang] for _, c in v.citations) for v in verdicts]
    out["legal_article"] = ["; ".join(c.article[lang] if c.article else "—" for _, c in v.citations) for v in verdicts]
    out["legal_verified"] = [v.verified for v in verdicts]
    out["legal_source"] = ["; ".join(c.source for _, c in v.citations if c.verified != "U") for v in verdicts]
    out["legal_layer"] = [v.layer for v in verdicts]
    out["legal_layers"] = [json.dumps([list(x) for x in v.layers], ensure_ascii=False) for v in verdicts]
    out["legal_caveat"] = [v.sentence for v in verdicts]
    return out
