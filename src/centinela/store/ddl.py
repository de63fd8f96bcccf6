"""Schema changes both backends run the same way (a leaf module: migrations anywhere in the store use it)."""

from __future__ import annotations


def add_columns(c, table: str, new: dict[str, str]) -> None:
    """Add the columns of ``new`` ({name: SQL type}) that ``table`` lacks (SQLite has no ADD COLUMN IF NOT EXISTS)."""
    have = {d[0] for d in c.execute(f"SELECT * FROM {table} WHERE 1 = 0").description}
    for name, sql_type in new.items():
        if name not in have:
            c.execute(f"ALTER TABLE {table} ADD COLUMN {name} {sql_type}")
