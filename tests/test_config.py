"""Settings come from defaults, a TOML file and environment variables, with clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from phdt import config
from phdt.indicators import INDICATORS


@pytest.fixture
def configured(monkeypatch, tmp_path):
    def use(text: str) -> config.Settings:
        path = tmp_path / "phdt.toml"
        path.write_text(text, encoding="utf-8")
        monkeypatch.setenv("PHDT_CONFIG", str(path))
        config.settings.cache_clear()
        return config.settings()

    yield use
    config.settings.cache_clear()


def test_example_config_is_valid(configured):
    example = (config.ROOT / "config" / "example.toml").read_text(encoding="utf-8")
    cfg = configured(example)
    assert cfg.targets["anc_k6"] == 90
    assert INDICATORS["anc_k6"].target == 90
    assert INDICATORS["anc_k6"].expected(6) == 45


def test_unknown_key_is_rejected(configured):
    with pytest.raises(config.ConfigError, match="unknown setting.*cbr"):
        configured("cbr = 14\n")


def test_out_of_range_values_are_rejected(configured):
    with pytest.raises(config.ConfigError, match="uci_threshold"):
        configured("uci_threshold = 80\n")
    with pytest.raises(config.ConfigError, match="percentage"):
        configured("[targets]\nanc_k6 = 900\n")
    with pytest.raises(config.ConfigError, match="dojo_min_quality"):
        configured("dojo_min_quality = 101\n")
    with pytest.raises(config.ConfigError, match="suppress_below"):
        configured("suppress_below = -1\n")
    assert configured("suppress_below = 0\ndojo_min_quality = 80\n").suppress_below == 0


def test_bad_toml_and_missing_file(configured, monkeypatch):
    with pytest.raises(config.ConfigError, match="not valid TOML"):
        configured("cbr_per_1000 = = 1\n")
    monkeypatch.setenv("PHDT_CONFIG", "/nonexistent/phdt.toml")
    config.settings.cache_clear()
    with pytest.raises(config.ConfigError, match="does not exist"):
        config.settings()


def test_geo_dir_from_environment(monkeypatch, tmp_path):
    monkeypatch.delenv("PHDT_CONFIG", raising=False)
    monkeypatch.setenv("PHDT_GEO_DIR", str(tmp_path))
    config.settings.cache_clear()
    try:
        assert config.settings().geo_dir == Path(tmp_path).resolve()
    finally:
        config.settings.cache_clear()


def test_boundary_files_default_and_configured(configured):
    assert config.Settings().boundary_files == "purbalingga"
    assert configured("boundary_files = \"jateng\"\n").boundary_files == "jateng"
    assert configured("boundary_files = \"kab_33-02\"\n").boundary_files == "kab_33-02"


@pytest.mark.parametrize("value", ['"../jateng"', '"jateng_desa.geojson"', '"Jateng"', '""', '"jateng desa"', "5"])
def test_boundary_files_must_be_a_file_stem(configured, value):
    with pytest.raises(config.ConfigError, match="boundary_files must be a file stem"):
        configured(f"boundary_files = {value}\n")
