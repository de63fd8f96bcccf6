"""The web map and API (issue #7)."""
