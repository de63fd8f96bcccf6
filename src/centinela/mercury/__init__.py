"""Mercury: units, standards as data, exposure and fish-consumption advice (issue #6, first part)."""
