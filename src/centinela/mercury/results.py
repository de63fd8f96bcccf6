"""Which stored mercury results count: the store keeps every result (:mod:`centinela.store.mercury`); this
decides which of them the risk, maps and suitability steps use."""

from __future__ import annotations

import pandas as pd


def usable(results: pd.DataFrame, notes: list[str]) -> pd.DataFrame:
    """Sample rows from batches that passed (or were not yet run through) QA/QC."""
    r = results[results.qc_type == "sample"]
    failed = r.qc_flag.astype(str).eq("batch_failed_qc") if "qc_flag" in r else pd.Series(False, index=r.index)
    if failed.any():
        notes.append(f"{int(failed.sum())} result(s) from batches that failed QA/QC left out")
    return r[~failed]
