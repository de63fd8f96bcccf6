"""Append-only, hash-chained audit records that also bind the rows they changed, and signed checkpoints.

- The chain: each entry's hash covers the previous one, so an edit, deletion or reordering of entries
  in the middle of the log is detectable.
- Row binding: an entry that changes an alert or adds a note names the row (``row_ref``, e.g.
  ``alerts:CEN-1``) and the SHA-256 of its content after the change (``row_hash``). Verification
  recomputes every such row from the tables, so a direct edit, insertion or deletion of an alert or a note
  (SQL, QGIS) no longer passes as long as the log is intact.
- Checkpoints: the chain's head (sequence number and hash) written to a file kept away from the store
  and signed with an Ed25519 key kept outside it. Checking the log against a checkpoint catches what the
  chain alone cannot: the newest entries deleted, or the whole chain recomputed after an edit.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
from dataclasses import dataclass

GENESIS = "0" * 64
OPTIONAL = ("row_ref", "row_hash")  # absent from entries made before schema 7, so their hashes still hold
BASELINE = "row_hashes_baseline"
CHECKPOINT_FORMAT = "centinela-audit-checkpoint/1"


def entry_hash(prev_hash: str, record: dict) -> str:
    body = json.dumps(record, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256((prev_hash + body).encode("utf-8")).hexdigest()


def record_of(row: dict) -> dict:
    """The hashed part of a stored entry: every field but the two hashes (optional fields only when set)."""
    return {k: v for k, v in row.items() if k not in ("prev_hash", "hash") and not (k in OPTIONAL and v is None)}


def row_hash(values: dict) -> str:
    """SHA-256 of a row's content (a dict of plain values: text, numbers, None), independent of the backend."""
    body = json.dumps(values, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Verification:
    ok: bool
    entries: int
    first_bad: int | None
    message: str
    head: tuple[int, str] | None = None  # (sequence number, hash) of the newest entry


def verify_chain(rows: list[dict]) -> Verification:
    """``rows`` in sequence order, each with the stored ``prev_hash`` and ``hash`` besides the record."""
    prev = GENESIS
    for i, row in enumerate(rows):
        if row["prev_hash"] != prev:
            return Verification(
                False,
                len(rows),
                row["seq"],
                f"entry {row['seq']}: does not follow entry {rows[i - 1]['seq'] if i else 'genesis'} "
                "(entries removed or reordered)",
            )
        if entry_hash(prev, record_of(row)) != row["hash"]:
            return Verification(
                False, len(rows), row["seq"], f"entry {row['seq']}: content does not match its hash (entry edited)"
            )
        prev = row["hash"]
    head = (rows[-1]["seq"], rows[-1]["hash"]) if rows else None
    return Verification(True, len(rows), None, f"{len(rows)} entries, chain intact", head)


def audited_rows(log: list[dict]) -> dict[str, tuple[str, int]]:
    """Each bound row's latest hash and the entry that set it: ``{row_ref: (row_hash, seq)}``."""
    out: dict[str, tuple[str, int]] = {}
    for e in log:
        if e.get("action") == BASELINE:
            for ref, h in json.loads(e["detail"])["rows"][1].items():
                out[ref] = (h, e["seq"])
        elif e.get("row_ref"):
            out[e["row_ref"]] = (e["row_hash"], e["seq"])
    return out


def verify_rows(log: list[dict], current: dict[str, str], prefixes: tuple[str, ...]) -> list[str]:
    """Compare the rows as they are (``{row_ref: row_hash}`` for every row of the bound tables) with the log."""
    audited = {ref: v for ref, v in audited_rows(log).items() if ref.startswith(prefixes)}
    problems = []
    for ref, h in sorted(current.items()):
        if ref not in audited:
            problems.append(f"{ref}: no audit entry records it (added outside Centinela)")
        elif audited[ref][0] != h:
            problems.append(f"{ref}: changed outside Centinela (differs from audit entry {audited[ref][1]})")
    for ref, (_, seq) in sorted(audited.items()):
        if ref not in current:
            problems.append(f"{ref}: deleted outside Centinela (last recorded by audit entry {seq})")
    return problems


# --- checkpoints -------------------------------------------------------------------------------------


def _ed25519():
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519

    return serialization, ed25519


def new_key() -> tuple[bytes, bytes]:
    """A fresh Ed25519 key pair: (private key PEM, public key PEM)."""
    serialization, ed25519 = _ed25519()
    key = ed25519.Ed25519PrivateKey.generate()
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    public = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    return private, public


def _payload(doc: dict) -> bytes:
    body = {k: v for k, v in doc.items() if k not in ("signature", "public_key")}
    return json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def make_checkpoint(store_label: str, head: tuple[int, str] | None, private_pem: bytes | None) -> dict:
    """The chain head as a document, signed when a private key is given."""
    seq, h = head or (0, GENESIS)
    doc = {
        "format": CHECKPOINT_FORMAT,
        "store": store_label,
        "seq": seq,
        "hash": h,
        "made_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
    if private_pem is not None:
        serialization, _ = _ed25519()
        key = serialization.load_pem_private_key(private_pem, password=None)
        doc["signature"] = base64.b64encode(key.sign(_payload(doc))).decode("ascii")
        doc["public_key"] = (
            key.public_key()
            .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
            .decode("ascii")
        )
    return doc


def check_checkpoint(doc: dict, log: list[dict], public_pem: bytes | None = None) -> list[str]:
    """Problems (none: it holds) between a checkpoint and the log: the entry it names must still be there with
    the same hash; with ``public_pem`` (the key the verifier trusts) the signature must be valid for that key."""
    problems = []
    if doc.get("format") != CHECKPOINT_FORMAT:
        return [f"not a Centinela audit checkpoint (format {doc.get('format')!r}, expected {CHECKPOINT_FORMAT})"]
    if public_pem is not None:
        from cryptography.exceptions import InvalidSignature

        serialization, _ = _ed25519()
        try:
            key = serialization.load_pem_public_key(public_pem)
            key.verify(base64.b64decode(doc.get("signature") or ""), _payload(doc))
        except (InvalidSignature, ValueError, TypeError):
            problems.append("the checkpoint's signature is not valid for the given public key (checkpoint altered)")
    seq = doc.get("seq")
    if seq == 0:
        return problems
    entry = next((e for e in log if e["seq"] == seq), None)
    if entry is None:
        newest = log[-1]["seq"] if log else 0
        problems.append(f"entry {seq} of the checkpoint is gone (the log now ends at {newest}: newest entries deleted)")
    elif entry["hash"] != doc.get("hash"):
        problems.append(f"entry {seq} no longer has the checkpoint's hash (the chain was rewritten)")
    return problems


# --- table digests: the tables written by the batch (mercury results, zones, drone flights) ------------------
# One audit entry per row would be 40,000 entries for one laboratory import, so these tables are bound as a
# whole: the entry of each change carries the digest of the whole table after it, a multiset hash (the sum of
# one 4096-bit SHAKE-256 value per row, modulo 2^4096: AdHash, Bellare & Micciancio 1997, with the large
# modulus their security argument needs), which a change updates in time proportional to the rows it touches.
DIGEST_BYTES = 512
_MOD = 1 << (8 * DIGEST_BYTES)


def _element(row_hash_hex: str) -> int:
    return int.from_bytes(hashlib.shake_256(bytes.fromhex(row_hash_hex)).digest(DIGEST_BYTES), "big")


def digest_update(digest_hex: str | None, added: list[str] = (), removed: list[str] = ()) -> str:
    """The table digest after rows with hashes ``added`` came in and rows with hashes ``removed`` went out."""
    d = int(digest_hex, 16) if digest_hex else 0
    for h in added:
        d += _element(h)
    for h in removed:
        d -= _element(h)
    return format(d % _MOD, f"0{2 * DIGEST_BYTES}x")


def digest_of(row_hashes) -> str:
    return digest_update(None, list(row_hashes))
