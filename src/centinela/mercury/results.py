"""Which stored mercury results count: the store keeps every result (:mod:`centinela.store.mercury`, superseded
and retracted ones too, which it does not hand out as current); this decides which of them the risk, maps and
suitability steps use, and says what it left out and why."""

from __future__ import annotations

import pandas as pd

from ..i18n import t


def usable(results: pd.DataFrame, notes: list[str], lang: str = "en") -> pd.DataFrame:
    """Sample rows from batches that passed QA/QC, or were never checked (used, with a note saying so)."""
    r = results[results.qc_type == "sample"]
    flag = r.qc_flag.astype(str) if "qc_flag" in r else pd.Series("unchecked", index=r.index)
    failed = flag.eq("batch_failed_qc")
    if failed.any():
        batches = ", ".join(sorted(set(r.batch[failed].astype(str))))
        notes.append(t("hg.left_out_failed", lang, n=int(failed.sum()), batches=batches))
    unchecked = flag.isin(["unchecked", ""])
    if unchecked.any():
        batches = ", ".join(sorted(set(r.batch[unchecked].astype(str))))
        notes.append(t("hg.unchecked_used", lang, n=int(unchecked.sum()), batches=batches))
    return r[~failed]
