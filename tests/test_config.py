"""Settings come from defaults, a TOML file and environment variables, with clear errors."""

from __future__ import annotations

import re
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


def test_every_setting_is_documented_in_the_example():
    example = (config.ROOT / "config" / "example.toml").read_text(encoding="utf-8")
    top = example.split("\n[", 1)[0]  # keys after a [table] line belong to that table
    undocumented = [f.name for f in config.fields(config.Settings)
                    if not re.search(rf"^#? ?{f.name} = ", top if f.name != "targets" else example, re.MULTILINE)
                    and f"[{f.name}]" not in example]
    assert undocumented == []


def test_every_commented_example_value_loads(configured):
    """Each commented line of the example, uncommented, is a valid setting (its documentation is not stale)."""
    example = (config.ROOT / "config" / "example.toml").read_text(encoding="utf-8")
    top = example.split("\n[", 1)[0]
    for line in re.findall(r"^# ?(\w+ = .*?)(?:\s+#.*)?$", top, re.MULTILINE):
        key = line.split(" = ")[0]
        if key in ("data_dir", "geo_cache_dir", "geo_dir", "actions_db", "locales_dir"):
            continue  # paths: not required to exist at start
        configured(line + "\n")


@pytest.mark.parametrize(("text", "error"), [
    ("[targets]\nanc_K6 = 50\n", "anc_K6: unknown indicator — did you mean anc_k6?"),
    ("[targets]\nk6 = 50\n", "k6: unknown indicator"),
    ("[targets]\nanc_k6 = \"90\"\n", "anc_k6 must be a number"),
    ('idl_components = ["hb0", "bgc"]\n', "unknown antigen 'bgc' — did you mean bcg?"),
    ('idl_components = "hb0"\n', "idl_components must be a list"),
    ('idl_components = []\n', "idl_components must list distinct antigens"),
    ('max_upload_mb = "20"\n', "max_upload_mb must be a whole number, got '20'"),
    ("max_upload_mb = 20.5\n", "max_upload_mb must be a whole number"),
    ("cbr_per_1000 = true\n", "cbr_per_1000 must be a number"),
    ("suppress_below = 2.5\n", "suppress_below must be a whole number"),
    ("kabupaten = \"\"\n", "kabupaten must name"),
    ('admin_password = "x"\n', "unknown setting(s) admin_password"),  # removed: accounts sign in instead
    ("public_read = 1\n", "public_read must be true or false, got 1"),
    ('session_hours = "12"\n', "session_hours must be a whole number"),
    ("session_hours = true\n", "session_hours must be a whole number"),
    ("session_hours = 0\n", "session_hours must be 1-720 hours"),
    ("data_dir = 5\n", "data_dir must be a path in quotes"),
    ("line_list_retention_days = -1\n", "line_list_retention_days must be 0 or more"),
])
def test_a_typo_or_wrong_type_is_refused_naming_the_key(configured, text, error):
    with pytest.raises(config.ConfigError, match="phdt.toml") as refused:
        configured(text)
    assert error in str(refused.value)


def test_public_read_and_session_hours_load(configured):
    assert (config.Settings().public_read, config.Settings().session_hours) == (False, 12)  # signed in by default
    got = configured("public_read = true\nsession_hours = 720\n")
    assert (got.public_read, got.session_hours) == (True, 720)


def test_a_number_may_be_written_without_decimals(configured):
    assert configured("cbr_per_1000 = 14\n[targets]\nanc_k6 = 90.5\n").cbr_per_1000 == 14
