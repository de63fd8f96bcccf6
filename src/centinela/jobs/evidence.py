"""An alert's evidence package: read the alert, its imagery and zones, write the package (files, a PDF report
in Spanish and English, a SHA-256 manifest signed with Ed25519), record it in the audit log with the zip's
SHA-256 (the package prints the log's head, so it anchors the chain); check a package handed over.

Packages asked for over the web are cached by content (the alert's row, notes and history, the imagery items,
the code version, the language, the signing key): a second request for an unchanged alert gets the same zip
without rebuilding it, and concurrent requests for one alert wait for a single build."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import os
import threading
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import shapely

from .. import __version__
from ..alerts.evidence import MANIFEST, PHOTO_DIR, SIGNATURE, UTM, pair_for, seal_package, sha256, write_evidence
from ..errors import InputError
from ..imagery import load_cube
from ..imagery.render import MARGIN_M, is_simulated

KEY_ENV = "CENTINELA_EVIDENCE_KEY"  # path of the Ed25519 private key (PEM) that signs packages
SIGNATURE_FORMAT = "centinela-evidence-signature/1"
MAX_BUILDS = 2  # packages built at once (each reads imagery and renders a PDF: CPU and memory bound)

_builds = threading.BoundedSemaphore(MAX_BUILDS)
_locks: dict[str, threading.Lock] = {}
_locks_guard = threading.Lock()


# --- signing ------------------------------------------------------------------------------------------------


def _crypto():
    from ..store.audit import _ed25519  # the Ed25519 of audit checkpoints: one implementation

    return _ed25519()


def signing_key(path: str | Path | None, store=None) -> bytes | None:
    """The private key's PEM from ``path`` (else $CENTINELA_EVIDENCE_KEY), or None when neither is set.

    A key kept inside the store's folder is refused: whoever can rewrite the store could then re-sign."""
    from ..store.checkpoint import read_key

    path = path or os.environ.get(KEY_ENV) or None
    if path is None:
        return None
    path = Path(path)
    home = getattr(store, "path", None)
    if home is not None and Path(home).resolve().parent in path.resolve().parents:
        raise InputError(f"{path}: the signing key lies in the store's folder {Path(home).parent}; keep it elsewhere")
    return read_key(path)


def signer(private_pem: bytes):
    """A function: manifest bytes → signature document (Ed25519 over the manifest's exact bytes)."""
    serialization, _ = _crypto()
    key = serialization.load_pem_private_key(private_pem, password=None)
    public = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)

    def sign(manifest: bytes) -> dict:
        return {
            "format": SIGNATURE_FORMAT,
            "signed_file": MANIFEST,
            "manifest_sha256": hashlib.sha256(manifest).hexdigest(),
            "algorithm": "Ed25519",
            "signature": base64.b64encode(key.sign(manifest)).decode("ascii"),
            "public_key": public.decode("ascii"),
        }

    return sign


def key_fingerprint(public_pem: str | bytes) -> str:
    return hashlib.sha256(public_pem.encode() if isinstance(public_pem, str) else public_pem).hexdigest()[:16]


# --- building -----------------------------------------------------------------------------------------------


@dataclass
class Inputs:
    """What a package is made from, read once; ``key()`` names its content."""

    alert: dict
    ds: object
    zones_text: str
    legal: str
    legal_lines: dict
    lang: str
    public_key: str | None = None
    extra: dict = field(default_factory=dict)

    def key(self) -> str:
        a = {k: v for k, v in self.alert.items() if k not in ("geometry", "history", "notes", "fid", "geom")}
        body = {
            "alert": a,
            "geometry": shapely.to_wkb(self.alert["geometry"], hex=True),
            "notes": self.alert.get("notes", []),
            "history": alert_history(self.alert),
            "items": list(self.ds.attrs.get("items", [])),
            "version": __version__,
            "lang": self.lang,
            "zones": self.zones_text,
            "legal": self.legal,
            "signer": self.public_key and key_fingerprint(self.public_key),
        }
        if self.extra.get("field_reports"):  # a new or re-marked field report makes a new package
            body["field_reports"] = self.extra["field_reports"]
        return hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode("utf-8")).hexdigest()


def alert_history(alert: dict) -> list[dict]:
    """The alert's own history: its audit entries but those about packages made or downloaded (they would
    otherwise change with every download, and they are not facts about the alert)."""
    return [h for h in alert.get("history", []) if not str(h.get("action", "")).startswith("evidence_")]


def alert_cube(alert: dict, catalog: str):
    """The lazy cube a package reads: 1 km around the alert, 180 days before its first detection to 120 after."""
    first = dt.date.fromisoformat(str(alert["first_seen"])[:10])
    geom = alert["geometry"]
    bbox = shapely.box(*gpd.GeoSeries([geom], crs=4326).to_crs(UTM).buffer(1000).to_crs(4326).total_bounds)
    return load_cube(catalog, bbox, first - dt.timedelta(days=180), first + dt.timedelta(days=120))


def imagery_pair(store, alert_id: str, catalog: str | None) -> dict:
    """The before/after pair the package shows, for the web map (the same rule: :func:`pair_for`)."""
    a = store.alert(alert_id)
    if catalog is None:
        if not a.get("area_name"):
            raise InputError(f"alert {alert_id} has no monitored area to take imagery from; give a catalog")
        catalog = store.area(a["area_name"])["catalog"]
    ds = alert_cube(a, catalog)
    p = pair_for(a, ds)
    return {
        "before": None if p.before is None else {"date": p.before, "clear": p.before_clear},
        "after": None if p.after is None else {"date": p.after, "clear": p.after_clear},
        "margin_m": MARGIN_M,
        "window_days": p.window_days,
        "min_clear": p.min_clear,
        "simulated": is_simulated(ds.attrs.get("items", [])),
    }


def read_inputs(store, alert_id: str, catalog: str | None, lang: str, zones_path: Path | None) -> Inputs:
    """The alert, its imagery (lazy: 180 days before its first detection to 120 after) and its zones."""
    from ..zones import assess, load_rules, load_zones

    a = store.alert(alert_id)
    if catalog is None:
        if not a.get("area_name"):
            raise InputError(f"alert {alert_id} has no monitored area to take imagery from; give a catalog")
        catalog = store.area(a["area_name"])["catalog"]
    ds = alert_cube(a, catalog)
    one = gpd.GeoDataFrame(
        [{k: v for k, v in a.items() if k not in ("geometry", "notes", "history")}], geometry=[a["geometry"]], crs=4326
    )
    rules = load_rules()
    zones = load_zones(zones_path if zones_path is not None else store)
    judged = {x: assess(one, zones, rules, x).iloc[0] for x in ("es", "en")}  # zone kinds named in each language
    legal = legal_lines(judged[lang], rules)
    for x in legal:
        legal[x]["zones"] = judged[x]["zones"]
    field = store.field_reports(alert_id) if hasattr(store, "field_reports") else []
    extra = {"field_reports": field} if field else {}
    return Inputs(a, ds, judged[lang]["zones"], " · ".join(legal[lang]["lines"]), legal, lang, extra=extra)


def legal_lines(judged, rules) -> dict:
    """Per language: the verdict's lines (status, legal basis, verification, zone layer), its citations (rule,
    instrument and article, verification mark V/V2/U, where it was read) and what the marks mean.

    The caveats come from :func:`centinela.zones.legal.legal_verdict`, the one verdict every consumer prints;
    with a legal module that lacks it, from the rule set (an article marked "(verify)" was not verified)."""
    from ..zones import legal as L

    out = {}
    for lang in ("es", "en"):
        if hasattr(L, "legal_verdict"):
            v = L.legal_verdict(judged, rules, lang)
            cites = [
                {
                    "rule": rid,
                    "text": c.text(lang),
                    "verified": c.verified,
                    "source": c.source if c.verified != "U" else None,
                }
                for rid, c in v.citations
            ]
            note = L.verification_note(lang) if hasattr(L, "verification_note") else ""
            out[lang] = {"lines": v.lines(), "citations": cites, "note": note}
            continue
        ids = {part.split(":", 1)[0].strip() for part in str(judged.get("legal_reasons") or "").split(" | ")}
        cites = [
            {
                "rule": r.id,
                "text": getattr(r, "source", ""),
                "verified": "U" if "(verify)" in getattr(r, "source", "") else "V",
                "source": None,
            }
            for r in rules.rules
            if r.id in ids
        ]
        out[lang] = {
            "lines": [f"{judged.get('legal_label')}: {judged.get('legal_reasons')}"],
            "citations": cites,
            "note": "",
        }
    return out


def build_package(store, inputs: Inputs, out: Path, private_pem: bytes | None, actor: str) -> tuple[Path, Path]:
    """Write the package from ``inputs`` into ``out``: files, report PDFs, signed manifest, zip."""
    from ..reports.evidence_pdf import write_reports

    head = store.head()  # the audit log as it stood when the package was made: anchors the package to the chain
    made = {
        "made_by": actor,
        "made_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "store": store.label() if hasattr(store, "label") else None,
        "legal_rules": inputs.legal_lines,
        "signed_by_key": inputs.public_key and key_fingerprint(inputs.public_key),
    }
    reports = inputs.extra.get("field_reports") or []
    if reports:
        made["field_reports"] = [_field_facts(r) for r in reports]
    folder, _ = write_evidence(
        inputs.alert, inputs.ds, out, inputs.zones_text, inputs.legal, audit_head=head, extra=made, seal=False
    )
    for r in made.get("field_reports", []):
        for p in r["photos"]:  # the bytes as the phone sent them; the manifest lists each with its SHA-256
            _, data = store.field_photo(r["report_id"], p["sha256"])
            target = folder / p["file"]
            target.parent.mkdir(exist_ok=True)
            target.write_bytes(data)
    write_reports(folder, inputs.alert, alert_history(inputs.alert))
    zpath = seal_package(folder, signer(private_pem) if private_pem else None)
    return folder, zpath


def _field_facts(report: dict) -> dict:
    """A field report as the package states it: verdict, author, times, position, notes, status and photos (file
    in the package, SHA-256, EXIF time and GPS)."""
    from ..store.field import CONTENT_TYPES

    keep = ("report_id", "verdict", "author", "observed_at", "created_at", "lon", "lat", "accuracy_m", "notes")
    out = {k: report.get(k) for k in keep}
    out.update(status=report.get("status"), stands=report.get("stands") == "yes")
    out["photos"] = [
        {
            "file": f"{PHOTO_DIR}/{p['sha256']}.{CONTENT_TYPES.get(p['content_type'], 'bin')}",
            "sha256": p["sha256"],
            "original_name": p.get("file_name"),
            "content_type": p["content_type"],
            "size_bytes": p["size_bytes"],
            "exif_time": p.get("exif_time"),
            "exif_lat": p.get("exif_lat"),
            "exif_lon": p.get("exif_lon"),
        }
        for p in report.get("photos", [])
    ]
    return out


def evidence_for(
    store,
    alert_id: str,
    out: str | Path,
    catalog: str | None = None,
    lang: str = "es",
    zones_path: Path | None = None,
    progress=None,
    actor: str | None = None,
    key: str | Path | None = None,
) -> tuple[Path, Path]:
    """Read what the package needs, write it under ``out`` and record it in the audit log."""
    private = signing_key(key, store)
    inputs = read_inputs(store, alert_id, catalog, lang, zones_path)
    if private:
        inputs.public_key = _public_of(private)
    if progress:
        progress()
    folder, zpath = build_package(store, inputs, Path(out), private, actor or "centinela")
    _log_created(store, alert_id, zpath, actor)
    if progress:
        progress()
    return folder, zpath


def _public_of(private_pem: bytes) -> str:
    serialization, _ = _crypto()
    key = serialization.load_pem_private_key(private_pem, password=None)
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def _log_created(store, alert_id: str, zpath: Path, actor: str | None) -> None:
    facts = json.loads((zpath.parent / alert_id / "facts.json").read_text(encoding="utf-8"))
    head = facts.get("audit_log_head") or {}
    store.log_event(
        actor or "centinela",
        "evidence_created",
        alert_id,
        {"zip": [None, zpath.name], "zip_sha256": [None, sha256(zpath)], "audit_head": [None, head.get("seq")]},
    )


def cached_evidence(
    store,
    alert_id: str,
    cache_dir: str | Path,
    catalog: str | None = None,
    lang: str = "es",
    zones_path: Path | None = None,
    actor: str | None = None,
    key: str | Path | None = None,
) -> tuple[Path, bool]:
    """The package's zip from ``cache_dir/<content key>/`` (built when missing) and whether it was built now.

    One build per key at a time (later requests wait for it, then find it made) and at most ``MAX_BUILDS``
    builds at once."""
    private = signing_key(key, store)
    inputs = read_inputs(store, alert_id, catalog, lang, zones_path)
    if private:
        inputs.public_key = _public_of(private)
    k = inputs.key()
    where = Path(cache_dir) / k
    zpath = where / f"{alert_id}.zip"
    with _locks_guard:
        lock = _locks.setdefault(k, threading.Lock())
    try:
        with lock:
            if zpath.exists():
                return zpath, False
            with _builds:
                _, zpath = build_package(store, inputs, where, private, actor or "centinela")
            _log_created(store, alert_id, zpath, actor)
            return zpath, True
    finally:
        with _locks_guard:
            _locks.pop(k, None)  # bounded: once its zip exists a key needs no lock


# --- checking a package handed over -------------------------------------------------------------------------


@dataclass
class Check:
    ok: bool
    problems: list[str]
    notes: list[str]
    files: int


def _read_package(path: Path) -> dict[str, bytes]:
    path = Path(path)
    if path.is_dir():
        found = {p.name: p.read_bytes() for p in sorted(path.iterdir()) if p.is_file()}
        photos = path / PHOTO_DIR
        if photos.is_dir():
            found |= {f"{PHOTO_DIR}/{p.name}": p.read_bytes() for p in sorted(photos.iterdir()) if p.is_file()}
        return found
    try:
        with zipfile.ZipFile(path) as z:
            out = {}
            for info in z.infolist():
                if info.is_dir():
                    continue
                name = info.filename.split("/", 1)[-1] if "/" in info.filename else info.filename
                nested = "/" in name and not (name.startswith(f"{PHOTO_DIR}/") and name.count("/") == 1)
                if nested or name in out:
                    raise InputError(f"{path}: entry {info.filename} is not a file of one package folder")
                out[name] = z.read(info)
            return out
    except (zipfile.BadZipFile, OSError) as exc:
        raise InputError(f"{path}: not a package folder or zip ({exc})") from exc


def verify_package(
    path: str | Path, public_key: bytes | None = None, checkpoint: dict | None = None, log: list[dict] | None = None
) -> Check:
    """Every file against the manifest, the manifest against its signature (with ``public_key``, the key the
    checker trusts; else the key the package carries, which proves only that the package is whole), and the
    audit head the package prints against a ``checkpoint`` (and the store's ``log`` when given)."""
    files = _read_package(Path(path))
    problems: list[str] = []
    notes: list[str] = []
    manifest = files.get(MANIFEST)
    if manifest is None:
        return Check(False, [f"{MANIFEST}: missing (not a Centinela evidence package, or its manifest removed)"], [], 0)
    listed: dict[str, str] = {}
    for n, line in enumerate(manifest.decode("utf-8", "replace").splitlines(), 1):
        digest, sep, name = line.partition("  ")
        if not sep or len(digest) != 64:
            problems.append(f"{MANIFEST}: line {n} is not '<sha256>  <file>': {line[:80]!r}")
            continue
        listed[name] = digest
    for name, digest in sorted(listed.items()):
        if name not in files:
            problems.append(f"{name}: listed in the manifest but missing from the package")
        elif hashlib.sha256(files[name]).hexdigest() != digest:
            problems.append(f"{name}: content does not match its SHA-256 in the manifest (file altered)")
    for name in sorted(set(files) - set(listed) - {MANIFEST, SIGNATURE}):
        problems.append(f"{name}: in the package but not in the manifest (file added)")
    sig_doc = files.get(SIGNATURE)
    if sig_doc is None:
        (problems if public_key is not None else notes).append(
            f"{SIGNATURE}: missing: the manifest is not signed (anyone could have rewritten it)"
        )
    else:
        problems += _check_signature(manifest, sig_doc, public_key, notes)
    if checkpoint is not None or log is not None:
        problems += _check_head(files.get("facts.json"), checkpoint, log, notes)
    return Check(not problems, problems, notes, len(files))


def _check_signature(manifest: bytes, sig_doc: bytes, public_key: bytes | None, notes: list[str]) -> list[str]:
    from cryptography.exceptions import InvalidSignature

    serialization, _ = _crypto()
    try:
        doc = json.loads(sig_doc)
        signature = base64.b64decode(doc["signature"])
        carried = doc["public_key"].encode("ascii")
    except (ValueError, KeyError, TypeError, AttributeError):
        return [f"{SIGNATURE}: not a signature document (expected JSON with 'signature' and 'public_key')"]
    if doc.get("format") != SIGNATURE_FORMAT:
        return [f"{SIGNATURE}: format {doc.get('format')!r}, expected {SIGNATURE_FORMAT}"]
    if public_key is None:
        notes.append(
            f"signature checked with the key the package carries ({key_fingerprint(carried)}): it shows the "
            "package is whole, not who made it; give --public-key to check the maker"
        )
    try:
        key = serialization.load_pem_public_key(public_key or carried)
        key.verify(signature, manifest)
    except InvalidSignature:
        return [f"{MANIFEST}: its signature in {SIGNATURE} does not match (manifest altered, or signed by another key)"]
    except ValueError as exc:
        return [f"public key: not a PEM Ed25519 public key ({exc})"]
    return []


def _check_head(facts_bytes: bytes | None, checkpoint: dict | None, log: list[dict] | None, notes) -> list[str]:
    if facts_bytes is None:
        return ["facts.json: missing, so the package's audit head cannot be checked"]
    head = json.loads(facts_bytes).get("audit_log_head")
    if not head:
        return ["facts.json: the package records no audit head to check against the checkpoint"]
    seq, h = head["seq"], head["sha256"]
    problems = []
    if checkpoint is not None:
        cseq, chash = checkpoint.get("seq"), checkpoint.get("hash")
        if cseq == seq and chash != h:
            problems.append(
                f"facts.json: audit head entry {seq} has hash {h[:16]}…, the checkpoint has {str(chash)[:16]}… "
                "for the same entry (the chain was rewritten, or the package altered)"
            )
        elif cseq != seq and log is None:
            notes.append(
                f"the package's audit head is entry {seq}, the checkpoint's entry {cseq}: give --store to check "
                "both lie on the same chain"
            )
    if log is not None:
        from ..store.audit import verify_chain

        entry = next((e for e in log if e["seq"] == seq), None)
        if entry is None or entry["hash"] != h:
            problems.append(f"facts.json: audit entry {seq} of the package is not in the store's log with that hash")
        v = verify_chain(log)
        if not v.ok:
            problems.append(f"store audit log: {v.message}")
        if checkpoint is not None:
            from ..store.audit import check_checkpoint

            problems += [f"checkpoint: {p}" for p in check_checkpoint(checkpoint, log)]
    return problems
