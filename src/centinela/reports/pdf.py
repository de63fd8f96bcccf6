"""Printing an HTML document to PDF with WeasyPrint (the optional ``pdf`` extra)."""

from __future__ import annotations

import logging
from pathlib import Path

from ..extras import optional


def write_pdf(html: str, base: Path, path: Path) -> Path:
    """Print ``html`` (its images resolved against ``base``) to ``path``; the HTML copy is written by the caller
    first, so a missing extra loses nothing."""
    weasyprint = optional("weasyprint", "pdf", f"The PDF {path.name} (its HTML is written beside it)")
    # Font-subsetting notices are not the reader's business.
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    weasyprint.HTML(string=html, base_url=str(base)).write_pdf(path)
    return path
