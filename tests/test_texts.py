"""The texts of both languages (locales/) and a Dinkes's override folder."""

from __future__ import annotations

import pytest

from phdt import texts
from phdt.config import ConfigError, settings


def test_both_languages_have_the_same_keys_and_placeholders():
    ids, ens = texts.texts("id"), texts.texts("en")
    assert set(ids) == set(ens)
    strings = [k for k, v in ids.items() if isinstance(v, str)]
    assert all(ids[k].strip() and ens[k].strip() for k in strings)
    differing = [k for k in strings if texts.placeholders(ids[k]) != texts.placeholders(ens[k])]
    assert differing == []
    assert len(ids["months"]) == len(ens["months"]) == 12


@pytest.fixture
def override(tmp_path, monkeypatch):
    """An override folder named in a settings file; caches cleared around the test."""
    (tmp_path / "teks" / "id").mkdir(parents=True)
    config = tmp_path / "dinkes.toml"
    config.write_text('locales_dir = "teks"\n', encoding="utf-8")
    monkeypatch.setenv("PHDT_CONFIG", str(config))
    settings.cache_clear()
    texts.texts.cache_clear()
    yield tmp_path / "teks" / "id"
    monkeypatch.undo()
    settings.cache_clear()
    texts.texts.cache_clear()


def test_an_override_replaces_a_text(override):
    (override / "koreksi.toml").write_text('page_data = "Unggah data"\n', encoding="utf-8")
    assert texts.text("id", "page_data") == "Unggah data"
    assert texts.text("en", "page_data") == "Data import"  # the other language is untouched


@pytest.mark.parametrize(("line", "error"), [
    ('page_dataa = "Unggah"', "unknown text key 'page_dataa'"),
    ('data_committed = "Versi baru aktif."', "must keep the placeholders ['months', 'version']"),
    ('page_data = ', "not a valid TOML"),
])
def test_an_override_with_a_typo_is_refused_naming_the_file_and_key(override, line, error):
    (override / "koreksi.toml").write_text(line + "\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="koreksi.toml") as refused:
        texts.texts("id")
    assert error in str(refused.value)


def test_a_key_defined_twice_is_refused(override):
    (override / "a.toml").write_text('page_data = "A"\n', encoding="utf-8")
    (override / "b.toml").write_text('page_data = "B"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="already defined in .*a.toml"):
        texts.texts("id")
