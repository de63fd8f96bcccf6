"""What changed: forest-loss detection and its attribution to mining (issue #3)."""
