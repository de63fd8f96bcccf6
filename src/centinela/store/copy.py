"""Copy a whole store to an empty one on another backend: a team moving from the GeoPackage on a laptop to
PostgreSQL/PostGIS on a server (or back, for a field copy).

Every row of every table is copied as it is, ids and audit entries included, so the audit chain and the rows
it binds verify on the new backend exactly as on the old; one entry appended at the end records the copy.
The managed drone orthomosaics are copied into the new store's files folder. One transaction on the
destination: a killed copy leaves it empty, and the source is only read.
"""

from __future__ import annotations

import shutil

from ..errors import InputError

TABLES = (  # parents before children; every table the store owns
    "areas",
    "alerts",
    "alert_notes",
    "subscriptions",
    "outbox",
    "users",
    "api_tokens",
    "sessions",
    "sensitive_areas",
    "zones",
    "mercury_results",
    "drone_flights",
    "restoration_sites",
    "field_reports",
    "field_photos",
    "reference_features",
    "audit_log",
)
SERIAL = {"alerts": "fid", "areas": "fid", "alert_notes": "id", "subscriptions": "id", "outbox": "id"}
SERIAL |= {"zones": "fid", "mercury_results": "fid", "drone_flights": "fid", "restoration_sites": "fid"}
SERIAL |= {"field_reports": "fid"}
SERIAL |= {"reference_features": "fid"}


def _columns(c, table: str) -> list[str]:
    cur = c.execute(f"SELECT * FROM {table} WHERE 1 = 0")
    return [d[0] for d in cur.description]


def copy_store(src, dst, actor: str) -> dict[str, int]:
    """Copy every row of ``src`` into the empty store ``dst`` (both opened stores, any backends); returns the
    rows copied per table."""
    if src.schema_version() != dst.schema_version():
        raise InputError(
            f"{src.label()} is at schema {src.schema_version()} and {dst.label()} at {dst.schema_version()}; "
            "open both with this version of Centinela first"
        )
    counts: dict[str, int] = {}
    with src.connect() as s, dst.connect(write=True) as d:
        busy = [t for t in TABLES if d.execute(f"SELECT count(*) AS n FROM {t}").fetchone()["n"]]
        if busy:
            raise InputError(f"{dst.label()} is not empty (tables {', '.join(busy)} hold rows); copy into a new store")
        for table in TABLES:
            theirs = set(_columns(d, table))
            cols = [c for c in _columns(s, table) if c in theirs]
            marks = [dst.dialect.G if c == "geom" else "?" for c in cols]
            rows = []
            for r in s.execute(f"SELECT {', '.join(cols)} FROM {table}"):
                row = dict(r)
                if "geom" in row:
                    row["geom"] = dst.dialect.g_in(src.dialect.g_out(row["geom"]))
                for k, v in row.items():
                    if isinstance(v, memoryview):
                        row[k] = bytes(v)
                rows.append(tuple(row[c] for c in cols))
            quoted = ", ".join(f'"{c}"' for c in cols)
            d.executemany(f"INSERT INTO {table} ({quoted}) VALUES ({', '.join(marks)})", rows)
            counts[table] = len(rows)
            if table in SERIAL and rows:
                dst.dialect.after_explicit_ids(d, table, SERIAL[table])
        head = src.head()
        dst._audit(
            d,
            actor,
            "store_copied",
            None,
            {"from": [None, src.label()], "rows": [None, counts], "source_head": [None, head and list(head)]},
        )
        _copy_files(src, dst, s)
    return counts


def _copy_files(src, dst, s) -> None:
    for r in s.execute("SELECT cog FROM drone_flights"):
        a, b = src.files_dir() / r["cog"], dst.files_dir() / r["cog"]
        if not a.exists():
            raise InputError(f"{a}: a drone orthomosaic of {src.label()} is missing; restore it before copying")
        if a.resolve() != b.resolve():
            b.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(a, b)
