"""Every word a field user reads exists in Spanish and English (the CLI's MESSAGES are checked in test_cli.py)."""

from __future__ import annotations

import pytest

from centinela.reports import fish_guide, mercury_figure, mercury_section, text

CATALOGUES = {
    "reports/text.py TEXT": text.TEXT,
    "reports/fish_guide.py TEXT": fish_guide.TEXT,
    "reports/mercury_section.py WORDS": mercury_section.WORDS,
    "reports/mercury_figure.py LABELS": mercury_figure.LABELS,
}
SAME_IN_BOTH = {"col_latlon"}  # "Lat, lon (WGS84)" is the usual heading in both languages


@pytest.mark.parametrize("name", sorted(CATALOGUES))
def test_catalogue_has_both_languages_with_the_same_keys(name):
    words = CATALOGUES[name]
    assert set(words) == {"es", "en"}, name
    only = set(words["es"]) ^ set(words["en"])
    assert not only, f"{name}: keys in one language only: {sorted(only)}"
    for lang in ("es", "en"):
        empty = [k for k, v in words[lang].items() if isinstance(v, str) and not v.strip()]
        assert not empty, f"{name} [{lang}]: empty text for {empty}"
    # A Spanish text identical to its English one is almost always a missed translation (short codes excepted).
    same = [k for k, v in words["es"].items() if isinstance(v, str) and len(v) > 12 and v == words["en"][k]]
    same = [k for k in same if k not in SAME_IN_BOTH]
    assert not same, f"{name}: Spanish text equals the English one for {same}"
