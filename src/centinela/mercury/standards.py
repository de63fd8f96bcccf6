"""Mercury standards kept as data (``standards.yaml``), and results judged against every applicable one."""

from __future__ import annotations

from dataclasses import dataclass
from importlib.resources import files

import yaml

from ..errors import InputError
from .units import to_canonical, wet_to_dry

STATUSES = ("V", "V2", "U")


@dataclass(frozen=True)
class Standard:
    id: str
    matrix: str
    analyte: str
    value: float  # in the matrix's canonical unit
    basis: str  # wet, dry or none
    group: str
    jurisdiction: str
    instrument: str
    status: str
    source: str


@dataclass(frozen=True)
class Verdict:
    standard: Standard
    exceeds: bool
    ratio: float
    unverified: bool


def load_standards(path=None) -> tuple[Standard, ...]:
    text = (
        (files(__package__) / "standards.yaml").read_text(encoding="utf-8")
        if path is None
        else open(path, encoding="utf-8").read()
    )
    doc = yaml.safe_load(text)
    out, seen = [], set()
    for s in doc["standards"]:
        if s["id"] in seen:
            raise InputError(f"standards: duplicate id {s['id']}")
        if s["status"] not in STATUSES:
            raise InputError(f"standards: {s['id']}: status must be one of {STATUSES}")
        seen.add(s["id"])
        out.append(
            Standard(
                s["id"],
                s["matrix"],
                s["analyte"],
                to_canonical(s["value"], s["unit"], s["matrix"]),
                s["basis"],
                s["group"],
                s["jurisdiction"],
                s["instrument"],
                s["status"],
                s["source"],
            )
        )
    return tuple(out)


def evaluate(
    value: float,
    unit: str,
    matrix: str,
    basis: str = "none",
    moisture: float | None = None,
    group: str | None = None,
    standards: tuple[Standard, ...] | None = None,
) -> list[Verdict]:
    """Judge one result against every standard of its matrix (and group, when given).

    Bases must match: a wet-weight fish result is compared with wet-weight limits; a wet sediment result
    needs ``moisture`` to be put on the dry basis of sediment guidelines. Unverified (U) standards are
    reported with ``unverified=True`` so no one mistakes them for verified limits.
    """
    standards = standards or load_standards()
    v = to_canonical(value, unit, matrix)
    out = []
    for s in standards:
        if s.matrix != matrix or (group and s.group not in (group, "any")):
            continue
        x = v
        if s.basis in ("wet", "dry") and basis != s.basis:
            if basis == "wet" and s.basis == "dry" and moisture is not None:
                x = wet_to_dry(v, moisture)
            else:
                raise InputError(
                    f"{matrix} result on a '{basis}' basis cannot be compared with {s.id} ({s.basis} basis)"
                    + (" without its moisture" if s.basis == "dry" else "")
                )
        out.append(Verdict(s, x > s.value, x / s.value, s.status == "U"))
    return out
