"""phdt.scope: one area, its desa, its rows and its name."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from phdt import metrics, scope
from phdt.indicators import INDICATORS
from phdt.wilayah import load_wilayah


@pytest.fixture(scope="module")
def wilayah() -> pl.DataFrame:
    return load_wilayah()


def test_kabupaten_is_named_from_its_code_in_the_registry(wilayah):
    whole = scope.kabupaten(wilayah)
    assert (whole.level, whole.code, whole.name) == ("kabupaten", "33.03", "Purbalingga")
    assert whole.label("id") == "Kabupaten Purbalingga"
    assert whole.label("en") == "Purbalingga District"
    assert len(whole.desa) == wilayah.height
    # the name follows the registry, not the code: another registry, another name
    assert scope.kabupaten(wilayah, "Contoh").label("id") == "Kabupaten Contoh"


def test_kecamatan_scope_filters_desa_rows_and_units(wilayah):
    bobotsari = scope.from_selection(wilayah, kecamatan="33.03.09")
    assert bobotsari.label("id") == "Kec. Bobotsari"
    inside = bobotsari.filter(wilayah)
    assert set(inside["kode_desa"].cast(pl.String)) == {
        k for k in wilayah["kode_desa"].cast(pl.String) if k.startswith("33.03.09.")}
    puskesmas = wilayah.filter(pl.col("kode_kecamatan").cast(pl.String) == "33.03.09")["puskesmas"].cast(pl.String)
    assert bobotsari.puskesmas == frozenset(puskesmas)
    summary = pl.DataFrame({"kode": ["33.03.09", "33.03.01"], "value": [1.0, 2.0]})
    assert bobotsari.units(summary, "kecamatan")["kode"].to_list() == ["33.03.09"]
    assert bobotsari.row(summary)["value"] == 1.0


def test_desa_and_puskesmas_scopes(wilayah):
    desa = scope.from_selection(wilayah, kecamatan="33.03.17", desa="33.03.17.2003")
    assert desa.label("id") == "Desa Karangjambu, Kec. Karangjambu"
    assert desa.desa == frozenset({"33.03.17.2003"})
    kelurahan = wilayah.filter(pl.col("jenis") == "kelurahan").row(0, named=True)
    assert scope.of_desa(wilayah, kelurahan["kode_desa"]).label("id").startswith(f"Kel. {kelurahan['nama_desa']}")
    kutasari = scope.of_puskesmas(wilayah, "Kutasari")
    assert kutasari.label("en") == "Puskesmas Kutasari"
    assert kutasari.desa == frozenset(
        wilayah.filter(pl.col("puskesmas").cast(pl.String) == "Kutasari")["kode_desa"].cast(pl.String))
    with pytest.raises(ValueError):
        scope.of_kecamatan(wilayah, "99.99.99")


def test_filtered_kabupaten_summary_equals_the_scope_row(wilayah):
    """Summing a scope's filtered desa rows gives the same figure as its own row of the summary."""
    from phdt import dataset as ds

    data = ds.load()
    indicator, period = INDICATORS["anc_k6"], date(2025, 9, 1)
    bobotsari = scope.of_kecamatan(data.wilayah, "33.03.09")
    own = bobotsari.row(metrics.summarise(data.monthly, data.wilayah, indicator, period, "kecamatan"))
    filtered = metrics.summarise(bobotsari.filter(data.monthly), data.wilayah, indicator, period, "kabupaten")
    assert filtered["numerator"].item() == own["numerator"]
    assert filtered["gap"].item() == own["gap"]
    whole = metrics.summarise(data.monthly, data.wilayah, indicator, period, "kabupaten")
    assert whole["numerator"].item() != own["numerator"]
