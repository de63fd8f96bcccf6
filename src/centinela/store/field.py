"""Field reports: what a ranger found at an alert (a verdict, notes, the phone's position and time) and the
photos taken there, kept byte for byte (EXIF included), each with its SHA-256.

A report's id is made by the phone (a UUID) before it is sent, so a report sent again after a lost answer is
the same report: same id and content → the stored one, unchanged; same id, other content → a conflict
(:class:`ReportConflict`), never a second row. A later report by the same person on the same alert supersedes
their earlier one (which stays, marked); reports by different people stand side by side, and when their
verdicts disagree the alert shows the conflict until an analyst marks the one that stands. Nothing is ever
overwritten: every change is one transaction with its audit entry, which names the photos' hashes.

``field_reports`` is a point layer (where the phone was) in a GeoPackage store, a PostGIS table on a server;
``field_photos`` holds the photos themselves.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import math
from dataclasses import dataclass, field

import shapely

from ..errors import InputError, NotFoundError

TABLE = "field_reports"
PHOTOS = "field_photos"
VERDICTS = ("mining_active", "mining_abandoned", "not_mining", "not_reached")
MINING = {"mining_active": "mining", "mining_abandoned": "mining", "not_mining": "not_mining"}
"""What each verdict says about the ground; 'not_reached' says nothing, so it disagrees with no one."""
MAX_PHOTO_BYTES = 20 * 1024 * 1024
MAX_PHOTOS = 8
MAX_NOTES = 5000
CONTENT_TYPES = {"image/jpeg": "jpg", "image/png": "png", "image/heic": "heic"}
TEXTS = ("report_id", "alert_id", "author", "verdict", "notes", "observed_at", "created_at", "status")
TEXTS_LATE = ("superseded_by", "stands", "decided_by", "decided_at", "photo_hashes", "content_sha256")
REALS = ("lon", "lat", "accuracy_m")
COLUMNS = (*TEXTS, *TEXTS_LATE, *REALS)
REQUIRED = ("report_id", "alert_id", "author", "verdict", "created_at", "status")
PHOTO_META = (
    "report_id",
    "sha256",
    "position",
    "file_name",
    "content_type",
    "size_bytes",
    "exif_time",
    "exif_lon",
    "exif_lat",
)


class ReportConflict(InputError):
    """A report id already stored with other content (the web answers 409)."""


@dataclass(frozen=True)
class Photo:
    data: bytes
    file_name: str
    content_type: str  # as sniffed from the bytes: image/jpeg, image/png or image/heic
    sha256: str
    exif_time: str | None = None
    exif_lon: float | None = None
    exif_lat: float | None = None


@dataclass(frozen=True)
class Report:
    report_id: str
    alert_id: str
    verdict: str
    notes: str = ""
    observed_at: str | None = None
    lon: float | None = None
    lat: float | None = None
    accuracy_m: float | None = None
    photos: tuple[Photo, ...] = field(default_factory=tuple)

    def content_hash(self, author: str) -> str:
        """SHA-256 of what was reported (photos by hash, in any order): equal for a re-sent report."""
        body = {
            "alert_id": self.alert_id,
            "author": author,
            "verdict": self.verdict,
            "notes": self.notes,
            "observed_at": self.observed_at,
            "position": [_round(self.lon), _round(self.lat), _round(self.accuracy_m)],
            "photos": sorted(p.sha256 for p in self.photos),
        }
        return hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()


def _round(v: float | None) -> float | None:
    return None if v is None else round(float(v), 7)


# --- checking what a phone sent --------------------------------------------------------------------------


def sniff(data: bytes) -> str | None:
    """The photo's type from its first bytes (what it is, not what the phone called it), or None."""
    if data[:3] == b"\xff\xd8\xff":
        return "image/jpeg"
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return "image/png"
    if data[4:8] == b"ftyp" and data[8:12] in (b"heic", b"heix", b"hevc", b"heim", b"heis", b"mif1", b"msf1"):
        return "image/heic"
    return None


def _rational(v) -> float:
    if isinstance(v, tuple) and len(v) == 2:
        return float(v[0]) / float(v[1])
    return float(v)


def read_exif(data: bytes) -> tuple[str | None, float | None, float | None]:
    """(time the photo was taken, lon, lat) from its EXIF, read with Pillow; Nones where absent or unreadable
    (HEIC, which Pillow does not read, keeps its EXIF in the stored bytes all the same)."""
    from PIL import Image

    try:
        with Image.open(io.BytesIO(data)) as im:
            exif = im.getexif()
    except Exception:  # not an image Pillow reads: the bytes are kept, the fields stay empty
        return None, None, None
    when = exif.get_ifd(0x8769).get(36867) or exif.get(306)  # DateTimeOriginal, else DateTime
    when = str(when).strip("\x00 ") if when else None
    if when:
        try:
            when = dt.datetime.strptime(when, "%Y:%m:%d %H:%M:%S").isoformat()
        except ValueError:
            pass  # kept as the camera wrote it
    gps = exif.get_ifd(0x8825)
    lon = lat = None
    try:
        if gps.get(2) and gps.get(4):
            lat = sum(_rational(x) / 60**i for i, x in enumerate(gps[2]))
            lon = sum(_rational(x) / 60**i for i, x in enumerate(gps[4]))
            lat = -lat if str(gps.get(1, "N")).upper().startswith("S") else lat
            lon = -lon if str(gps.get(3, "E")).upper().startswith("W") else lon
            if not (-90 <= lat <= 90 and -180 <= lon <= 180):
                lon = lat = None
            else:
                lon, lat = round(lon, 7), round(lat, 7)
    except (TypeError, ValueError, ZeroDivisionError):
        lon = lat = None
    return when, lon, lat


def make_photo(data: bytes, file_name: str, declared_type: str | None = None) -> Photo:
    """A photo as received, checked (size, type) and read (hash, EXIF); the bytes are never changed."""
    name = (file_name or "photo").replace("\\", "/").rsplit("/", 1)[-1][:200] or "photo"
    if len(data) == 0:
        raise InputError(f"photo {name!r} is empty")
    if len(data) > MAX_PHOTO_BYTES:
        raise InputError(
            f"photo {name!r} is {len(data) / 1e6:.1f} MB; at most {MAX_PHOTO_BYTES // (1024 * 1024)} MB per photo"
        )
    kind = sniff(data)
    if kind is None:
        raise InputError(
            f"photo {name!r} (sent as {declared_type or 'no type'}) is not a JPEG, PNG or HEIC image; "
            "expected a photo from the phone's camera"
        )
    when, lon, lat = read_exif(data) if kind != "image/heic" else (None, None, None)
    return Photo(data, name, kind, hashlib.sha256(data).hexdigest(), when, lon, lat)


def parse_time(value: str | None, what: str = "observed_at") -> str | None:
    """An ISO 8601 time with its offset (the phone's clock) as UTC ISO text; a time in the future is refused."""
    if value is None or not str(value).strip():
        return None
    text = str(value).strip()
    try:
        t = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise InputError(f"{what} {text!r}: expected an ISO 8601 time such as 2026-07-03T14:22:10Z") from exc
    if t.tzinfo is None:
        raise InputError(f"{what} {text!r}: the time needs its offset from UTC (…Z or …-05:00)")
    t = t.astimezone(dt.UTC)
    if t > dt.datetime.now(dt.UTC) + dt.timedelta(days=1):
        raise InputError(f"{what} {text!r} is in the future; check the phone's clock")
    return t.isoformat(timespec="seconds")


def make_report(
    report_id: str,
    alert_id: str,
    verdict: str,
    notes: str | None = None,
    observed_at: str | None = None,
    lon: float | None = None,
    lat: float | None = None,
    accuracy_m: float | None = None,
    photos: list[Photo] | tuple[Photo, ...] = (),
) -> Report:
    """A report checked field by field (each error names the field, the value and what was expected)."""
    if verdict not in VERDICTS:
        raise InputError(f"verdict {verdict!r}: expected one of {', '.join(VERDICTS)}")
    notes = (notes or "").strip()
    if len(notes) > MAX_NOTES:
        raise InputError(f"notes: {len(notes)} characters; at most {MAX_NOTES}")
    if (lon is None) != (lat is None):
        raise InputError("lon and lat: give both or neither")
    for name, v, lo, hi in (("lon", lon, -180, 180), ("lat", lat, -90, 90), ("accuracy_m", accuracy_m, 0, 1e6)):
        if v is not None and not (math.isfinite(v) and lo <= v <= hi):
            raise InputError(f"{name} {v}: expected a number from {lo} to {hi:g}")
    unique: dict[str, Photo] = {}
    for p in photos:
        unique.setdefault(p.sha256, p)  # the same file attached twice is one photo
    if len(unique) > MAX_PHOTOS:
        raise InputError(f"{len(unique)} photos; at most {MAX_PHOTOS} per report")
    return Report(
        str(report_id),
        alert_id,
        verdict,
        notes,
        parse_time(observed_at),
        lon,
        lat,
        accuracy_m,
        tuple(unique.values()),
    )


# --- what the alert shows --------------------------------------------------------------------------------


def conflict(reports: list[dict]) -> bool:
    """True when current reports by different people disagree on the ground (mining or not) and no report was
    marked as the one that stands."""
    current = [r for r in reports if r.get("status") == "current"]
    if any(r.get("stands") == "yes" for r in current):
        return False
    said = {MINING[r["verdict"]] for r in current if r["verdict"] in MINING}
    authors = {r["author"] for r in current if r["verdict"] in MINING}
    return len(said) > 1 and len(authors) > 1


def summary(reports: list[dict]) -> dict:
    """For the alert's detail: the reports (newest first, photo metadata, no bytes), the conflict flag and the
    report marked as standing."""
    standing = next((r["report_id"] for r in reports if r.get("stands") == "yes"), None)
    return {"field_reports": reports, "field_conflict": conflict(reports), "field_standing": standing}


def describe(report: dict, verdict_label=str) -> str:
    """A report as lines of text (the CLI): when, who, verdict, state, position, notes, photos with hash and EXIF."""
    where = "—" if report.get("lat") is None else f"{report['lat']:.5f}, {report['lon']:.5f}"
    if report.get("accuracy_m") is not None and report.get("lat") is not None:
        where += f" ±{report['accuracy_m']:.0f} m"
    state = report["status"] + (", stands" if report.get("stands") == "yes" else "")
    lines = [
        f"{report['report_id']}  {report.get('observed_at') or report['created_at']}  {report['author']}: "
        f"{verdict_label(report['verdict'])} [{state}]  {where}"
    ]
    if report.get("notes"):
        lines.append(f"  ✎ {report['notes']}")
    for p in report.get("photos", []):
        gps = "" if p.get("exif_lat") is None else f" GPS {p['exif_lat']:.5f}, {p['exif_lon']:.5f}"
        lines.append(f"  📷 {p['file_name']} sha256 {p['sha256']}  EXIF {p.get('exif_time') or '—'}{gps}")
    return "\n".join(lines)


# --- the tables --------------------------------------------------------------------------------------------


def migrate(store, c) -> None:
    """Schema 13: field reports (a point layer) and their photos (the bytes as received)."""
    d = store.dialect
    t = d.TYPES
    cols = ", ".join(
        [
            *(f"{col} {t['text']}{' NOT NULL' if col in REQUIRED else ''}" for col in TEXTS),
            *(f"{col} {t['text']}" for col in TEXTS_LATE),
            *(f"{col} {t['real']}" for col in REALS),
        ]
    )
    d.feature_table(c, TABLE, "POINT", cols, "Field reports from rangers (Centinela)")
    c.execute(f"CREATE UNIQUE INDEX IF NOT EXISTS {TABLE}_report_id ON {TABLE}(report_id)")
    c.execute(f"CREATE INDEX IF NOT EXISTS {TABLE}_alert_id ON {TABLE}(alert_id)")
    c.execute(
        f"CREATE TABLE IF NOT EXISTS {PHOTOS} (report_id TEXT NOT NULL, sha256 TEXT NOT NULL, "
        f"position {t['int']} NOT NULL, file_name TEXT, content_type TEXT NOT NULL, size_bytes {t['bigint']} NOT NULL, "
        f"exif_time TEXT, exif_lon {t['real']}, exif_lat {t['real']}, data {t['blob']} NOT NULL, "
        "PRIMARY KEY (report_id, sha256))"
    )


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _plain(row: dict) -> dict:
    return {k: v for k, v in row.items() if k not in ("fid", "geom")}


class FieldTables:
    """The store's field-report methods (mixed into the store class, which brings ``connect``, ``_audit``,
    ``_row`` and ``_hash_row``)."""

    def _field_ref(self, c, report_id: str) -> tuple[str, str]:
        row = c.execute(f"SELECT * FROM {TABLE} WHERE report_id = ?", (report_id,)).fetchone()
        return f"{TABLE}:{report_id}", self._hash_row(dict(row))

    def add_field_report(self, report: Report, actor: str) -> tuple[dict, bool]:
        """Store a report and its photos with one audit entry (the photos' SHA-256 in it), in one transaction;
        returns (the stored report, whether it was created now). The same id again with the same content is the
        stored report (nothing written); with other content, :class:`ReportConflict`."""
        digest = report.content_hash(actor)
        with self.connect(write=True) as c:
            old = c.execute(f"SELECT * FROM {TABLE} WHERE report_id = ?", (report.report_id,)).fetchone()
            if old is not None:
                if old["content_sha256"] != digest:
                    raise ReportConflict(
                        f"field report {report.report_id} is already stored with other content (by "
                        f"{old['author']}, {old['verdict']}); a changed report needs a new id"
                    )
                return self._field_reports(c, report_id=report.report_id)[0], False
            self._row(c, report.alert_id)  # the alert must exist (NotFoundError)
            now = _now()
            hashes = [p.sha256 for p in report.photos]
            earlier = c.execute(
                f"SELECT report_id FROM {TABLE} WHERE alert_id = ? AND author = ? AND status = 'current'",
                (report.alert_id, actor),
            ).fetchall()
            row = {
                "report_id": report.report_id,
                "alert_id": report.alert_id,
                "author": actor,
                "verdict": report.verdict,
                "notes": report.notes,
                "observed_at": report.observed_at,
                "created_at": now,
                "status": "current",
                "superseded_by": None,
                "stands": None,
                "decided_by": None,
                "decided_at": None,
                "photo_hashes": json.dumps(hashes),
                "content_sha256": digest,
                "lon": report.lon,
                "lat": report.lat,
                "accuracy_m": report.accuracy_m,
                "geom": None if report.lon is None else shapely.Point(report.lon, report.lat),
            }
            self._insert_rows(c, TABLE, COLUMNS, [row])
            marks = ", ".join("?" * (len(PHOTO_META) + 1))
            c.executemany(
                f"INSERT INTO {PHOTOS} ({', '.join(PHOTO_META)}, data) VALUES ({marks})",
                [
                    (
                        report.report_id,
                        p.sha256,
                        i,
                        p.file_name,
                        p.content_type,
                        len(p.data),
                        p.exif_time,
                        p.exif_lon,
                        p.exif_lat,
                        p.data,
                    )
                    for i, p in enumerate(report.photos)
                ],
            )
            self._audit(
                c,
                actor,
                "field_report",
                report.alert_id,
                {
                    "report_id": [None, report.report_id],
                    "verdict": [None, report.verdict],
                    "observed_at": [None, report.observed_at],
                    "position": [None, None if report.lon is None else [report.lon, report.lat, report.accuracy_m]],
                    "photos_sha256": [None, hashes],
                },
                self._field_ref(c, report.report_id),
            )
            for e in earlier:  # the author's earlier report on this alert: kept, marked superseded
                c.execute(
                    f"UPDATE {TABLE} SET status = 'superseded', superseded_by = ? WHERE report_id = ?",
                    (report.report_id, e["report_id"]),
                )
                self._audit(
                    c,
                    actor,
                    "field_report_superseded",
                    report.alert_id,
                    {"report_id": [None, e["report_id"]], "superseded_by": [None, report.report_id]},
                    self._field_ref(c, e["report_id"]),
                )
            return self._field_reports(c, report_id=report.report_id)[0], True

    def mark_standing(self, report_id: str, actor: str) -> dict:
        """Mark a current report as the one that stands for its alert (an analyst's call after a conflict); the
        others keep their content, each change audited."""
        with self.connect(write=True) as c:
            row = c.execute(f"SELECT * FROM {TABLE} WHERE report_id = ?", (report_id,)).fetchone()
            if row is None:
                raise NotFoundError(f"no field report '{report_id}'")
            if row["status"] != "current":
                raise InputError(f"field report {report_id} is {row['status']}; mark a current report instead")
            now = _now()
            others = c.execute(
                f"SELECT report_id FROM {TABLE} WHERE alert_id = ? AND stands = 'yes' AND report_id <> ?",
                (row["alert_id"], report_id),
            ).fetchall()
            for o in others:
                c.execute(
                    f"UPDATE {TABLE} SET stands = NULL, decided_by = ?, decided_at = ? WHERE report_id = ?",
                    (actor, now, o["report_id"]),
                )
                self._audit(
                    c,
                    actor,
                    "field_report_stands",
                    row["alert_id"],
                    {"report_id": [None, o["report_id"]], "stands": ["yes", None]},
                    self._field_ref(c, o["report_id"]),
                )
            if row["stands"] != "yes":
                c.execute(
                    f"UPDATE {TABLE} SET stands = 'yes', decided_by = ?, decided_at = ? WHERE report_id = ?",
                    (actor, now, report_id),
                )
                self._audit(
                    c,
                    actor,
                    "field_report_stands",
                    row["alert_id"],
                    {"report_id": [None, report_id], "stands": [row["stands"], "yes"]},
                    self._field_ref(c, report_id),
                )
            return self._field_reports(c, report_id=report_id)[0]

    def _field_reports(self, c, alert_id: str | None = None, report_id: str | None = None) -> list[dict]:
        where, args = ("report_id = ?", report_id) if report_id is not None else ("alert_id = ?", alert_id)
        reports = [_plain(dict(r)) for r in c.execute(f"SELECT * FROM {TABLE} WHERE {where}", (args,))]
        reports.sort(key=lambda r: (r["created_at"], r["report_id"]), reverse=True)
        if not reports:
            return []
        marks = ", ".join("?" * len(reports))
        photos: dict[str, list[dict]] = {r["report_id"]: [] for r in reports}
        for p in c.execute(
            f"SELECT {', '.join(PHOTO_META)} FROM {PHOTOS} WHERE report_id IN ({marks}) ORDER BY position",
            [r["report_id"] for r in reports],
        ):
            photos[p["report_id"]].append({k: p[k] for k in PHOTO_META if k != "report_id"})
        for r in reports:
            r["photos"] = photos[r["report_id"]]
            r.pop("photo_hashes", None)
        return reports

    def field_reports(self, alert_id: str) -> list[dict]:
        """The alert's field reports, newest first, with their photos' metadata (no bytes); [] when none."""
        with self.connect() as c:
            return self._field_reports(c, alert_id=alert_id)

    def field_report(self, report_id: str) -> dict:
        with self.connect() as c:
            found = self._field_reports(c, report_id=report_id)
        if not found:
            raise NotFoundError(f"no field report '{report_id}'")
        return found[0]

    def field_photo(self, report_id: str, sha256: str) -> tuple[dict, bytes]:
        """A photo's metadata and its bytes exactly as received."""
        with self.connect() as c:
            row = c.execute(
                f"SELECT {', '.join(PHOTO_META)}, data FROM {PHOTOS} WHERE report_id = ? AND sha256 = ?",
                (report_id, sha256),
            ).fetchone()
        if row is None:
            raise NotFoundError(f"no photo {sha256} in field report '{report_id}'")
        row = dict(row)
        return {k: row[k] for k in PHOTO_META}, bytes(row["data"])

    def _field_problems(self, c, log: list[dict]) -> list[str]:
        """What :meth:`verify` finds wrong with field reports: each report row against the entry that last changed
        it, and each photo's bytes against its SHA-256 and the hashes its report recorded."""
        from .audit import verify_rows

        reports = {r["report_id"]: dict(r) for r in c.execute(f"SELECT * FROM {TABLE}")}
        current = {f"{TABLE}:{k}": self._hash_row(r) for k, r in reports.items()}
        problems = verify_rows(log, current, (f"{TABLE}:",))
        listed = {(k, h) for k, r in reports.items() for h in json.loads(r["photo_hashes"] or "[]")}
        stored = set()
        for p in c.execute(f"SELECT report_id, sha256, data FROM {PHOTOS}"):
            stored.add((p["report_id"], p["sha256"]))
            if hashlib.sha256(bytes(p["data"])).hexdigest() != p["sha256"]:
                problems.append(f"{PHOTOS}:{p['report_id']}/{p['sha256']}: bytes do not match their SHA-256")
        for rid, h in sorted(stored - listed):
            problems.append(f"{PHOTOS}:{rid}/{h}: a photo its report does not list (added outside Centinela)")
        for rid, h in sorted(listed - stored):
            problems.append(f"{PHOTOS}:{rid}/{h}: listed by its report but missing (deleted outside Centinela)")
        return problems
