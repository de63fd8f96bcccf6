"""The command line: bilingual help, clean errors, exit codes."""

from __future__ import annotations

import pytest

from centinela.cli import main
from centinela.i18n import MESSAGES, resolve_lang


def run(capsys, *args):
    with pytest.raises(SystemExit) as exc:
        main(list(args))
    out = capsys.readouterr()
    return exc.value.code, out.out + out.err


def test_help_is_spanish_by_default(capsys, monkeypatch):
    monkeypatch.delenv("CENTINELA_LANG", raising=False)
    code, text = run(capsys, "--help")
    assert code == 0
    assert "minería ilegal" in text and "simulate" in text


def test_help_in_english_with_flag_and_env(capsys, monkeypatch):
    monkeypatch.delenv("CENTINELA_LANG", raising=False)
    code, text = run(capsys, "--lang", "en", "simulate", "--help")
    assert code == 0
    assert "Random seed" in text and "Semilla" not in text
    monkeypatch.setenv("CENTINELA_LANG", "en")
    code, text = run(capsys, "--help")
    assert "illegal gold mining" in text


def test_lang_resolution_order():
    assert resolve_lang(["--lang", "en"], {"CENTINELA_LANG": "es"}) == "en"
    assert resolve_lang(["--lang=es"], {"CENTINELA_LANG": "en"}) == "es"
    assert resolve_lang([], {"CENTINELA_LANG": "en"}) == "en"
    assert resolve_lang([], {}) == "es"
    assert resolve_lang(["--lang", "fr"], {}) == "es"


def test_every_message_has_both_languages():
    for key, entry in MESSAGES.items():
        assert set(entry) == {"es", "en"}, key
        assert all(v.strip() for v in entry.values()), key


def test_bad_size_is_a_clear_error_not_a_traceback(capsys, tmp_path):
    code, text = run(capsys, "--lang", "en", "simulate", "--out", str(tmp_path / "x"), "--size", "101")
    assert code == 2
    assert "Error" in text and "--size" in text and "even" in text
    assert "Traceback" not in text


def test_bad_date_names_the_option(capsys, tmp_path):
    code, text = run(capsys, "simulate", "--out", str(tmp_path / "x"), "--start", "2024-13-01")
    assert code != 0
    assert "--start" in text and "YYYY-MM-DD" in text


def test_missing_events_file_is_named(capsys, tmp_path):
    code, text = run(
        capsys,
        "--lang",
        "es",
        "simulate",
        "--out",
        str(tmp_path / "x"),
        "--size",
        "64",
        "--events-from",
        str(tmp_path / "nope.geojson"),
    )
    assert code == 2
    assert "nope.geojson" in text and "Error" in text


def test_version(capsys):
    code, text = run(capsys, "version")
    assert code is None or code == 0
    assert "centinela" in text
