"""Mercury laboratory results, QA/QC and exposure (issue #6)."""
