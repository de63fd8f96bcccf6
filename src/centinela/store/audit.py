"""Append-only, hash-chained audit records: each entry's hash covers the previous one, so any edit,
deletion or reordering of the log is detectable."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

GENESIS = "0" * 64


def entry_hash(prev_hash: str, record: dict) -> str:
    body = json.dumps(record, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256((prev_hash + body).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Verification:
    ok: bool
    entries: int
    first_bad: int | None
    message: str


def verify_chain(rows: list[dict]) -> Verification:
    """``rows`` in sequence order, each with the stored ``prev_hash`` and ``hash`` besides the record."""
    prev = GENESIS
    for i, row in enumerate(rows):
        record = {k: v for k, v in row.items() if k not in ("prev_hash", "hash")}
        if row["prev_hash"] != prev:
            return Verification(
                False,
                len(rows),
                row["seq"],
                f"entry {row['seq']}: does not follow entry {rows[i - 1]['seq'] if i else 'genesis'} "
                "(entries removed or reordered)",
            )
        if entry_hash(prev, record) != row["hash"]:
            return Verification(
                False, len(rows), row["seq"], f"entry {row['seq']}: content does not match its hash (entry edited)"
            )
        prev = row["hash"]
    return Verification(True, len(rows), None, f"{len(rows)} entries, chain intact")
