"""Every figure reads true: two periods of an indicator are compared the one way phdt.metrics.comparison
decides and say which; "people behind" is one number on every page; a gap says what it counts.
Expected figures are computed here from the monthly rows with polars, not with the app's functions."""

from __future__ import annotations

import json
from datetime import date

import polars as pl
import pytest

from phdt import dataset as ds
from tests.helpers import open_page, shown, shown_table

DEC, JUNE, LAST_DEC = date(2025, 12, 1), date(2025, 6, 1), date(2024, 12, 1)
MISSING_REPORT_MONTH = date(2024, 9, 1)  # the demo's missing report (phdt.demo): one desa did not report


@pytest.fixture(scope="module")
def data() -> ds.Dataset:
    return ds.load()


def kecamatan_values(data, slug: str, period: date) -> dict[str, float]:
    """Capaian per kecamatan name: Σ numerator_cum / Σ denominator of its desa."""
    rows = data.monthly.filter((pl.col("indicator_code") == slug) & (pl.col("period") == period)).join(
        data.wilayah.select(pl.col("kode_desa").cast(pl.String), "nama_kecamatan"),
        on=pl.col("kode_desa").cast(pl.String))
    sums = rows.group_by("nama_kecamatan").agg(pl.col("numerator_cum").sum(), pl.col("denominator").sum())
    return {name: 100 * n / d for name, n, d in sums.iter_rows()}


def split_view(**params: str):
    at = open_page("peta_page", indikator="anc_k6", tampilan="banding", tingkat="kecamatan", **params)
    figures = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    table = next(shown_table(df) for df in at.dataframe if "Wilayah" in df.value.columns and len(df.value.columns) == 4)
    return at, figures, table


def test_split_view_compares_june_with_december_on_distance_to_target(data):
    """K6 is cumulative: December's 74 % and June's 40 % are not "up ≥ 10 points". Compared on the
    distance to each month's linear target (50 % in June, 100 % in December), and said so."""
    at, figures, table = split_view(periode="2025-12", pembanding="2025-06")
    change_map = figures[2]
    assert change_map["layout"]["title"]["text"].startswith("Jarak ke target s.d. bulan ini (poin lebih dekat)<br>Juni 2025 → Desember 2025")
    legend = change_map["data"][0]["colorbar"]["ticktext"]
    assert not any("naik" in label for label in legend)  # no coverage classes
    assert any("lebih dekat" in label for label in legend)
    assert any("jarak ke target s.d. bulan ini" in md.value and "Juni 2025" in md.value for md in at.markdown)
    assert "Perubahan capaian (poin)" not in table.columns
    now, then = kecamatan_values(data, "anc_k6", DEC), kecamatan_values(data, "anc_k6", JUNE)
    expected = {name: (now[name] - 100) - (then[name] - 50) for name in now}  # points closer to the target
    shown_deltas = dict(zip(table["Wilayah"], table["Lebih dekat ke target (poin)"], strict=True))
    assert shown_deltas == {name: shown(round(d, 1), 1) if d < 0 else "+" + shown(round(d, 1), 1)
                            for name, d in expected.items()}
    rose = sum(1 for name in now if now[name] - then[name] >= 10)
    assert rose == len(now)  # the trap the rule avoids: in coverage every kecamatan "rose ≥ 10 points"
    # The list of comparison periods says which months would be compared on distance.
    options = at.selectbox(key="pembanding").options
    assert "Juni 2025 · jarak ke target" in options and "Desember 2024" in options


def test_split_view_compares_december_with_december_on_coverage(data):
    at, figures, table = split_view(periode="2025-12", pembanding="2024-12")
    assert figures[2]["layout"]["title"]["text"].startswith("Perubahan capaian (poin persentase)<br>Desember 2024 → Desember 2025")
    now, then = kecamatan_values(data, "anc_k6", DEC), kecamatan_values(data, "anc_k6", LAST_DEC)
    shown_deltas = dict(zip(table["Wilayah"], table["Perubahan capaian (poin)"], strict=True))
    for name, value in now.items():
        d = round(value - then[name], 1)
        assert shown_deltas[name] == (shown(d, 1) if d < 0 else "+" + shown(d, 1)), name
    assert any("selisih capaian" in md.value for md in at.markdown)


def people_behind(data, slug: str, period: date, target: float) -> int:
    """Σ over desa whose report arrived of max(0, sasaran × target to date − reached), rounded per desa."""
    reported = data.monthly.filter((pl.col("period") == period) & pl.col("numerator_month").is_not_null())[
        "kode_desa"].cast(pl.String).unique()
    rows = data.monthly.filter((pl.col("indicator_code") == slug) & (pl.col("period") == period)
                               & pl.col("kode_desa").cast(pl.String).is_in(reported.implode())
                               & (pl.col("denominator") > 0))
    return int((pl.col("denominator") * target / 100 - pl.col("numerator_cum")).clip(lower_bound=0).round()
               .sum().pipe(lambda e: rows.select(e)).item())


def test_k6_people_behind_is_one_number_on_ringkasan_kesenjangan_and_bupati(data):
    """September 2024 has a missing report: the card, the gap lists, the Kesenjangan page and the bupati's
    sentence used to add different desa. One figure, computed here from the rows."""
    expected = shown(people_behind(data, "anc_k6", MISSING_REPORT_MONTH, 100 * 9 / 12))
    ringkasan = open_page("ringkasan_page", indikator="anc_k6", periode="2024-09")
    texts = [md.value for md in ringkasan.markdown]
    assert f"**{expected} ibu hamil tertinggal dari target**" in texts  # the K6 card
    assert any(text.startswith(f"{expected} ibu hamil tertinggal di") for text in texts)  # the gap list
    kesenjangan = open_page("kesenjangan_page", indikator="anc_k6", periode="2024-09")
    assert any(md.value.startswith(f"**{expected} ibu hamil** tertinggal dari target") for md in kesenjangan.markdown)
    # The cascade's other figures are named for what they are, and K6's shortfall is the same number.
    cascade = next(c.value for c in kesenjangan.caption if "hilang antara K1 dan K6" in c.value)
    assert f"({expected} ibu hamil, lihat di atas)" in cascade
    bupati = open_page("bupati_page", periode="2024-09")
    sentence = next(md.value for md in bupati.markdown if md.value.startswith("Cakupan K6"))
    assert f"{expected} ibu hamil di " in sentence


@pytest.mark.parametrize("page", ["ringkasan_page", "kesenjangan_page", "peta_page"])
def test_desa_uci_never_counts_people(page):
    at = open_page(page, program="imunisasi", indikator="imm_uci", periode="2025-09")
    words = [md.value for md in at.markdown] + [c.value for c in at.caption]
    words += [str(column) for df in at.dataframe for column in df.value.columns]
    assert not [w for w in words if "orang" in w.lower() and "UCI" in w], words
    assert not any("(orang)" in w for w in words)
    if page == "kesenjangan_page":
        assert "Kesenjangan (desa)" in at.dataframe[0].value.columns
        assert any(md.value.startswith("**") and " desa** tertinggal dari target" in md.value for md in at.markdown)
