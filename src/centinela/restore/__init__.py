"""Recovery of mined land and alternative land uses (issue #9)."""
