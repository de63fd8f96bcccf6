"""Alert lifecycle, audit trail and evidence packages (issue #5)."""
