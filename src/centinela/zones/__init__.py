"""Where an alert fell and what the law says there (issue #4)."""
