"""Laboratory files as labs make them: CSV saved by Excel in Spanish (cp1252 or UTF-8 with a BOM, ``;`` between
fields, decimal commas, dates day first), latin-1 files, Excel workbooks; headers in English or Spanish, with or
without accents, capitals or spaces.

:func:`read_table` gives every cell as text with the line it came from, so messages can name the line a user
sees in a text editor. The decoding and cell helpers are those of the analyser-export reader (``dma.py``).
What cannot be read without guessing is refused with the line and what to do: a row with more fields than the
header (a decimal comma in a comma-separated file), a number with both thousands and decimal separators, or a
"1.234" that could be either in a file whose decimals are written the other way.
"""

from __future__ import annotations

import csv
import difflib
import io
import math
import re
from pathlib import Path

import pandas as pd

from ..errors import InputError
from .fields import COLUMNS, DATE_FIELDS, NUMBER_FIELDS, RESULT_COLUMNS
from .fields import cell as _cell
from .fields import decode as _decode
from .fields import norm as _norm
from .fields import parse_date as _parse_date
from .fields import text as _cell_text

DELIMITERS = (";", ",", "\t", "|")
# Header spellings beyond the template's English and Spanish names (compared with dma._norm, which ignores case,
# accents, spaces and punctuation, so "Fecha colecta" and "FECHA_COLECTA" need no entry).
HEADER_ALIASES = {
    "edad_años": "age_years",
    "edad": "age_years",
    "nombre_comun": "species",
    "nombre_local": "species",
}
_HEADERS = {
    **{_norm(k): k for k in COLUMNS},
    **{_norm(v): k for k, v in COLUMNS.items()},
    **{_norm(a): k for a, k in HEADER_ALIASES.items()},
}
_SHOWN = {_norm(v): v for v in COLUMNS.values()} | {_norm(k): k for k in COLUMNS}  # how a suggestion is written
_UNNAMED = "(column {})"
_POINT = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
_COMMA = re.compile(r"^[+-]?(\d+,\d*|,\d+)$")
_AMBIGUOUS = re.compile(r"^[+-]?[1-9]\d{0,2}[.,]\d{3}$")  # "1.234" / "1,234": thousands or decimals?
_DMY = re.compile(r"^(\d{1,2}[/.-]\d{1,2}[/.-]\d{4})(?:[ T](\d{1,2}:\d{2}(?::\d{2})?))?$")


def read_table(path: str | Path) -> pd.DataFrame:
    """Every cell of a CSV or Excel file as stripped text, columns as in the header row (the first non-empty
    row). ``attrs``: ``source_lines`` (the line or row of each record), ``header_line``, ``delimiter`` (None for
    Excel) and ``dayfirst`` (True for a ``;`` file, as Excel in Spanish writes them)."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: file not found")
    suffix = path.suffix.lower()
    delimiter = None
    if suffix in (".xlsx", ".xlsm"):
        rows = _excel_rows(path)
    elif suffix == ".xls":
        try:
            old = pd.read_excel(path, dtype=str, header=None, keep_default_na=False)
        except Exception as exc:  # pandas needs xlrd for .xls and raises many types for bad files
            raise InputError(f"{path}: cannot be read as Excel ({exc}); save it as .xlsx or CSV") from exc
        rows = [(i + 1, [str(c).strip() for c in r]) for i, r in enumerate(old.itertuples(index=False, name=None))]
    else:
        rows, delimiter = _csv_rows(_decode(path.read_bytes()), path)
    return _frame(rows, path, delimiter)


def _excel_text(v) -> str:
    c = _cell(v)
    if isinstance(c, float):  # shortest text that reads back as the same number (Excel keeps doubles)
        return str(int(c)) if c.is_integer() and abs(c) < 1e15 else repr(c) if math.isfinite(c) else ""
    return c


def _excel_rows(path: Path) -> list[tuple[int, list[str]]]:
    import openpyxl

    try:
        wb = openpyxl.load_workbook(path, data_only=True, read_only=True)
    except Exception as exc:  # openpyxl raises many types for damaged files
        raise InputError(f"{path}: cannot be read as Excel ({exc})") from exc
    try:
        ws = wb.worksheets[0]
        return [(i, [_excel_text(v) for v in row]) for i, row in enumerate(ws.iter_rows(values_only=True), start=1)]
    finally:
        wb.close()


def _delimiter(header: str) -> str:
    """The separator that splits the header into the most template columns (then into the most cells)."""

    def score(d: str) -> tuple[int, int]:
        cells = next(csv.reader([header], delimiter=d), [])
        return sum(_norm(c) in _HEADERS for c in cells), len(cells)

    return max(DELIMITERS, key=score)


def _csv_rows(text: str, path: Path) -> tuple[list[tuple[int, list[str]]], str]:
    lines = text.splitlines()
    skip = 0
    m = re.match(r"^\s*sep=(.)\s*$", lines[0]) if lines else None  # Excel's "sep=;" first line
    if m:
        delimiter, skip = m.group(1), 1
    else:
        header = next((ln for ln in lines if ln.strip()), "")
        delimiter = _delimiter(header)
    reader = csv.reader(io.StringIO("\n".join(lines[skip:])), delimiter=delimiter)
    rows, start = [], reader.line_num
    try:
        for cells in reader:
            rows.append((start + 1 + skip, [c.strip() for c in cells]))
            start = reader.line_num
    except csv.Error as exc:
        raise InputError(f"{path}:{reader.line_num + skip}: cannot be read as CSV ({exc})") from exc
    return rows, delimiter


def _frame(rows: list[tuple[int, list[str]]], path: Path, delimiter: str | None) -> pd.DataFrame:
    rows = [(line, cells) for line, cells in rows if any(c != "" for c in cells)]
    if not rows:
        raise InputError(f"{path}: the file is empty; expected a header row and one row per result")
    header_line, header = rows[0]
    while header and header[-1] == "":  # Excel leaves empty trailing cells
        header = header[:-1]
    names = [h if h else _UNNAMED.format(i + 1) for i, h in enumerate(header)]
    seen = {}
    for i, h in enumerate(names):
        if h in seen:
            raise InputError(f"{path}:{header_line}: column {h!r} appears twice (columns {seen[h] + 1} and {i + 1})")
        seen[h] = i
    width, data, lines, errors = len(names), [], [], []
    for line, cells in rows[1:]:
        if len(cells) > width and any(c != "" for c in cells[width:]):
            errors.append(f"{path}:{line}: {len(cells)} fields but the header has {width}: " + _split_advice(delimiter))
            continue
        data.append((cells + [""] * width)[:width])
        lines.append(line)
    if errors:
        raise InputError(f"{len(errors)} problem(s), nothing imported:\n" + "\n".join(errors[:50]))
    frame = pd.DataFrame(data, columns=names, dtype=object)
    frame.attrs.update(source_lines=lines, header_line=header_line, delimiter=delimiter, dayfirst=delimiter == ";")
    return frame


def _split_advice(delimiter: str | None) -> str:
    if delimiter == ",":
        return (
            "a value holds a comma, e.g. a decimal comma in a comma-separated file; save the CSV with ';' between "
            "fields (Excel in Spanish does) or put the value in quotes"
        )
    return f"a value holds the separator {delimiter!r}; put it in quotes or remove it"


def map_headers(columns) -> tuple[dict[str, str], list[tuple[str, str | None]]]:
    """({header: template column} for the headers understood, [(header, closest template header or None)] for the
    others). Derived columns of an exported result (value_canonical, source_line...) are dropped silently."""
    rename, ignored, taken = {}, [], {}
    for c in columns:
        c = str(c)
        field = _HEADERS.get(_norm(c))
        if field is not None:
            if field in taken:
                raise InputError(f"columns {taken[field]!r} and {c!r} both give {field}; keep one")
            taken[field] = c
            rename[c] = field
        elif c not in RESULT_COLUMNS and c not in ("qc_flag", "record_status", "replaced_by", "record_reason"):
            close = difflib.get_close_matches(_norm(c), list(_SHOWN), n=1, cutoff=0.75)
            ignored.append((c, _SHOWN[close[0]] if close else None))
    return rename, ignored


def is_unnamed(column: str) -> bool:
    return bool(re.fullmatch(r"\(column \d+\)", str(column)))


def normalise_numbers(
    frame: pd.DataFrame, fields, lines, where, comma_hint: bool = False
) -> tuple[pd.DataFrame, list[str], set[tuple[int, str]]]:
    """Decimal commas → points in ``fields`` (numbers only; free text keeps its commas). ``"0,42"`` and
    ``"-12.95"`` are read as written; a number with both separators, or an ambiguous ``"1.234"`` / ``"1,234"``
    when the file's other numbers do not say which separator is decimal, is a problem naming the line.
    ``comma_hint``: decimals are commas when nothing in the file says otherwise (a ``;`` file). Returns the
    frame, the problems and the (line, field) of each cell they name."""
    frame = frame.copy()
    errors, ambiguous, bad = [], [], set()
    seen = {",": False, ".": False}
    for f in fields:
        out = []
        for line, cell in zip(lines, frame[f], strict=True):
            text = _cell_text(cell)
            lt = "<" if text.startswith("<") else ""
            body = text[1:].strip() if lt else text
            if "," in body and "." in body or body.count(",") > 1 or body.count(".") > 1 and not _POINT.match(body):
                errors.append(
                    f"{where}:{line}: field '{f}' = {text!r}: expected a number without thousands separators "
                    "(one decimal separator, ',' or '.'; e.g. 1234,5 or 1234.5)"
                )
                bad.add((line, f))
            elif _AMBIGUOUS.match(body):
                ambiguous.append((f, line, text, len(out)))
            elif _COMMA.match(body):
                seen[","] = True
                text = lt + body.replace(",", ".")
            elif _POINT.match(body) and "." in body:
                seen["."] = True
            out.append(text)
        frame[f] = out
    decimal = "," if seen[","] and not seen["."] else "." if seen["."] and not seen[","] else None
    if not seen[","] and not seen["."]:
        decimal = "," if comma_hint else "."
    for f, line, text, pos in ambiguous:
        sep = "," if "," in text else "."
        if sep == decimal:
            frame.loc[frame.index[pos], f] = text.replace(",", ".")
            continue
        whole, part = text.lstrip("<").split(sep)
        bad.add((line, f))
        errors.append(
            f"{where}:{line}: field '{f}' = {text!r}: expected a number that reads one way only; it could be "
            f"{whole}{part} (with a thousands separator) or {whole}.{part}, and "
            + (
                "this file writes decimals with both ',' and '.'"
                if decimal is None
                else f"this file writes decimals with {decimal!r}"
            )
            + ": write it without thousands separators, with the file's decimal separator"
        )
    return frame, errors, bad


def normalise_dates(frame: pd.DataFrame, fields) -> pd.DataFrame:
    """Dates written day first (12/08/2024, as Excel in Spanish saves them) → 2024-08-12, keeping a time part.
    Only for files known to be day-first; a date that does not exist is left as written for the check to name."""
    frame = frame.copy()
    for f in fields:
        out = []
        for cell in frame[f]:
            text = _cell_text(cell)
            m = _DMY.match(text)
            if m:
                try:
                    iso = _parse_date(m.group(1), dayfirst=True).isoformat()
                    text = f"{iso} {m.group(2)}" if m.group(2) else iso
                except ValueError:
                    pass
            out.append(text)
        frame[f] = out
    return frame


def prepare(
    raw: pd.DataFrame, path, lines, required
) -> tuple[pd.DataFrame, list[str], list[str], set[tuple[int, str]]]:
    """A table as read → the template's columns: (frame, problems, warnings, (line, field) of the cells the
    problems name, which the row checks need not name again). Headers are matched ignoring case,
    accents and spacing; any other column is a warning naming it and the template header it most likely meant
    (its values would be lost). Decimal commas in number fields become points; in a ``;`` file (Excel in
    Spanish) dates written day first become ISO dates."""

    header_line = raw.attrs.get("header_line", 1)
    rename, ignored = map_headers(raw.columns)
    warnings = []
    for col, close in ignored:
        if is_unnamed(col):
            if any(_cell_text(v) for v in raw[col]):
                warnings.append(
                    f"{path}:{header_line}: {col} has no header, so its values were ignored; give it the template "
                    "header of what it holds"
                )
            continue
        hint = f"; did you mean {close!r}?" if close else " (see `centinela mercury template`)"
        warnings.append(f"{path}:{header_line}: column {col!r} was ignored: not a template header{hint}")
    frame = raw[list(rename)].rename(columns=rename)
    missing = [c for c in required if c not in frame.columns]
    if missing:
        near = [f"{col!r} looks like {close!r}" for col, close in ignored if close]
        raise InputError(
            f"{path}: missing column(s) {missing}; expected the template's headers (see `centinela mercury "
            "template`)" + (f"; the header has {', '.join(near)}" if near else "")
        )
    lines = list(lines) if lines is not None else list(range(2, len(frame) + 2))
    dayfirst = bool(raw.attrs.get("dayfirst"))
    numeric = [f for f in NUMBER_FIELDS if f in frame.columns]
    frame, errors, bad = normalise_numbers(frame, numeric, lines, path, comma_hint=dayfirst)
    if dayfirst:
        frame = normalise_dates(frame, [f for f in DATE_FIELDS if f in frame.columns])
    return frame, errors, warnings, bad
