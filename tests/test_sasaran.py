"""Sasaran formulas, checked against numbers worked out by hand."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from phdt.config import Settings
from phdt.sasaran import PENDUDUK_METODE, estimate_sasaran, missing_years
from phdt.schema import INDIKATOR_BULANAN, SASARAN, SASARAN_GROUPS

DESA = "33.03.01.2001"


def penduduk(pop: int, years=(2024,), desa: str = DESA, metode: str | None = None) -> pl.DataFrame:
    df = pl.DataFrame({"tahun": list(years), "kode_desa": [desa] * len(years), "penduduk": [pop] * len(years)})
    df = df.with_columns(pl.col("tahun").cast(pl.Int16), pl.col("penduduk").cast(pl.Int32))
    return df.with_columns(metode=pl.lit(metode)) if metode else df


def groups(df: pl.DataFrame, column: str = "jumlah") -> dict:
    return dict(zip(df["kelompok"].cast(pl.String), df[column]))


def test_default_formulas_for_10000_people():
    # CBR 14 ‰, AKB 9,7 ‰, 1,10 / 1,05 uplifts, 15-59 share 0,64, ≥15 share 0,7664,
    # HT prevalence 36,4 %, DM prevalence 2,1 % (Settings defaults).
    got = groups(estimate_sasaran(penduduk(10_000), Settings()))
    assert got == {
        "penduduk": 10_000,
        "lahir_hidup": 140,  # 0,014 × 10 000
        "ibu_hamil": 154,  # 1,10 × 140
        "ibu_bersalin": 147,  # 1,05 × 140
        "bayi": 139,  # 140 × (1 − 0,0097) = 138,642
        "baduta": 139,  # 1,00 × 138,642
        "usia_produktif": 6_400,  # 0,64 × 10 000
        "hipertensi": 2_790,  # 0,364 × 0,7664 × 10 000 = 2 789,696
        "dm": 161,  # 0,021 × 0,7664 × 10 000 = 160,944
    }


def test_rounds_half_up():
    # CBR 10 ‰ × 250 = 2,5 -> 3 (banker's rounding would give 2); 1,10 × 2,5 = 2,75 -> 3;
    # 1,05 × 2,5 = 2,625 -> 3; bayi 2,5 × 0,9903 = 2,47575 -> 2.
    got = groups(estimate_sasaran(penduduk(250), Settings(cbr_per_1000=10.0)))
    assert (got["lahir_hidup"], got["ibu_hamil"], got["ibu_bersalin"], got["bayi"]) == (3, 3, 3, 2)
    # 0,64 × 250 = 160; 0,7664 × 250 = 191,6 -> HT 69,7424 -> 70, DM 4,0236 -> 4
    assert (got["usia_produktif"], got["hipertensi"], got["dm"]) == (160, 70, 4)


def test_method_strings_state_the_numbers():
    got = groups(estimate_sasaran(penduduk(10_000), Settings()), "metode")
    assert got["penduduk"] == PENDUDUK_METODE
    assert got["ibu_hamil"] == "1,10 × CBR 14,0‰ × penduduk"
    assert got["ibu_bersalin"] == "1,05 × CBR 14,0‰ × penduduk"
    assert got["lahir_hidup"] == "CBR 14,0‰ × penduduk"
    assert got["bayi"] == "CBR 14,0‰ × (1 − AKB 9,7‰) × penduduk"
    assert got["baduta"] == "1,00 × bayi (CBR 14,0‰ × (1 − AKB 9,7‰) × penduduk)"
    assert got["usia_produktif"] == "penduduk 15–59 th 64 % × penduduk"
    assert got["hipertensi"] == "prevalensi hipertensi 36,4 % × penduduk ≥15 th 76,64 % × penduduk"
    assert got["dm"] == "prevalensi DM 2,1 % × penduduk ≥15 th 76,64 % × penduduk"


def test_penduduk_metode_column_is_passed_through():
    got = groups(estimate_sasaran(penduduk(5_000, metode="proyeksi sintetis"), Settings()), "metode")
    assert got["penduduk"] == "proyeksi sintetis"
    assert got["lahir_hidup"] == "CBR 14,0‰ × penduduk"


def test_settings_override():
    cfg = Settings(cbr_per_1000=20.0, imr_per_1000=20.0, bumil_factor=1.2, bersalin_factor=1.1, baduta_factor=2.0,
                   share_15_59=0.6, share_15_plus=0.7, hipertensi_prevalence=0.3, dm_prevalence=0.05)
    sasaran = estimate_sasaran(penduduk(10_000), cfg)
    assert groups(sasaran) == {
        "penduduk": 10_000, "lahir_hidup": 200, "ibu_hamil": 240, "ibu_bersalin": 220,
        "bayi": 196,  # 200 × (1 − 0,020)
        "baduta": 392,  # 2 × 196
        "usia_produktif": 6_000, "hipertensi": 2_100, "dm": 350,
    }
    metode = groups(sasaran, "metode")
    assert metode["ibu_hamil"] == "1,20 × CBR 20,0‰ × penduduk"
    assert metode["bayi"] == "CBR 20,0‰ × (1 − AKB 20,0‰) × penduduk"
    assert metode["baduta"].startswith("2,00 × bayi")
    assert metode["hipertensi"] == "prevalensi hipertensi 30 % × penduduk ≥15 th 70 % × penduduk"


def test_shape_schema_and_order():
    pop = pl.concat([penduduk(4_000, (2023, 2024, 2025), "33.03.01.2002"), penduduk(1_000, (2023, 2024, 2025))])
    sasaran = estimate_sasaran(pop, Settings())
    assert sasaran.schema == SASARAN
    assert sasaran.height == 2 * 3 * len(SASARAN_GROUPS)
    assert sasaran.select("tahun", pl.col("kode_desa").cast(pl.String), "kelompok").is_duplicated().sum() == 0
    first = sasaran.head(len(SASARAN_GROUPS))
    assert first["tahun"].unique().to_list() == [2023]
    assert first["kode_desa"].cast(pl.String).unique().to_list() == [DESA]
    assert first["kelompok"].cast(pl.String).to_list() == list(SASARAN_GROUPS)


@pytest.mark.parametrize("pop", [0, 1, 71, 99_999])
def test_large_and_small_populations(pop):
    got = groups(estimate_sasaran(penduduk(pop), Settings()))
    assert got["penduduk"] == pop
    assert all(v >= 0 for v in got.values())
    assert got["ibu_hamil"] >= got["ibu_bersalin"] >= got["lahir_hidup"] >= got["bayi"]


def test_a_year_is_missing_its_sasaran_only_where_counts_have_no_denominator():
    rows = [(date(2026, 1, 1), "33.03.01.2001", "Kemangkon", "anc_k1", 3, 3, 81, "pws_kia"),  # the file's sasaran
            (date(2026, 2, 1), "33.03.01.2001", "Kemangkon", "anc_k1", 2, 5, None, "asik"),
            (date(2026, 2, 1), "33.03.01.2001", "Kemangkon", "imm_do_dpt1_dpt3", None, 0, 0, "asik")]
    monthly = pl.DataFrame(rows, schema=list(INDIKATOR_BULANAN), orient="row").cast(INDIKATOR_BULANAN)
    assert missing_years(monthly, SASARAN.to_frame()) == {2026: [date(2026, 2, 1)]}
    with_2026 = pl.DataFrame([(2026, "33.03.01.2001", "ibu_hamil", 81, "proyeksi")], schema=list(SASARAN),
                             orient="row").cast(SASARAN)
    assert missing_years(monthly, with_2026) == {}
