"""Audit checkpoints and their keys on disk: the file I/O around :mod:`.audit`'s checkpoint documents."""

from __future__ import annotations

import json
import os
from pathlib import Path

from ..errors import InputError
from .audit import make_checkpoint, new_key


def read_key(path: Path) -> bytes:
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read the key ({exc.strerror})") from exc
    if b"-----BEGIN" not in data:
        raise InputError(f"{path}: not a PEM key (expected a file from `centinela audit keygen`)")
    return data


def read_checkpoint(path: Path) -> dict:
    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(f"{path}: cannot read the checkpoint ({exc.strerror})") from exc
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}: not a checkpoint (invalid JSON at line {exc.lineno})") from exc
    if not isinstance(doc, dict) or not isinstance(doc.get("seq"), int) or not isinstance(doc.get("hash"), str):
        raise InputError(f"{path}: not a checkpoint (expected fields 'seq', a number, and 'hash', text)")
    return doc


def write_checkpoint(store, out: Path, key: Path | None = None) -> dict:
    """Write the store's chain head to ``out`` (JSON), signed with the private key at ``key`` when given."""
    doc = make_checkpoint(store.label(), store.head(), read_key(key) if key else None)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return doc


def write_key_pair(folder: Path) -> tuple[Path, Path]:
    """``audit_key.pem`` (private, mode 600; never overwritten) and ``audit_key.pub.pem`` in ``folder``."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    private, public = folder / "audit_key.pem", folder / "audit_key.pub.pem"
    if private.exists():
        raise InputError(f"{private}: a key is already there; it is not overwritten (choose another --out)")
    priv, pub = new_key()
    fd = os.open(private, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(priv)
    public.write_bytes(pub)
    return private, public
