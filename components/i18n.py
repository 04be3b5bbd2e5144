"""Every user-visible string of the UI, in Bahasa Indonesia (default) and English.

Indicator labels and definitions live in the indicator registry, not here. ``t(key, **values)``
formats with ``str.format``; a test fails when a key is missing in either language.
"""

from __future__ import annotations

import streamlit as st

LANGUAGES = {"id": "Bahasa Indonesia", "en": "English"}
DEFAULT_LANGUAGE = "id"

T: dict[str, dict[str, str]] = {
    "id": {
        "app_title": "Teater Data Kesehatan Purbalingga",
        "nav_section_overview": "Ikhtisar",
        "page_ringkasan": "Ringkasan",
        "page_peta": "Peta",
        "language": "Bahasa",
        "period": "Periode",
        "programme": "Program",
        "indicator": "Indikator",
        "kecamatan": "Kecamatan",
        "all_kecamatan": "Seluruh kabupaten",
        "desa": "Desa/kelurahan",
        "all_desa": "Seluruh kecamatan",
        "area_desa": "{name}, Kec. {kecamatan}",
        "programme_anc": "ANC (ibu hamil)",
        "programme_imunisasi": "Imunisasi",
        "programme_ptm": "PTM (skrining dewasa)",
        "synthetic_badge": "DATA SINTETIS",
        "synthetic_note": "Data demo buatan (sintetis) untuk latihan — bukan data riil Dinkes. "
        "Angka dikalibrasi pada publikasi Purbalingga; lima masalah kualitas data sengaja disisipkan.",
        "invalid_param": "Parameter tautan `{name}={value}` tidak dikenal; ditampilkan {fallback}.",
        "ringkasan_title": "Ringkasan {period}",
        "ringkasan_caption": "Capaian kumulatif Januari–{month} dibanding target linear bulan ini (target tahunan × bulan/12).",
        "card_target": "Target s.d. bulan ini {expected}",
        "card_delta_month": "{delta} poin vs bulan lalu",
        "card_delta_year": "{delta} poin vs {period}",
        "card_month_increment": "bulan ini {delta} poin (laju target {needed} poin/bulan)",
        "card_behind": "{gap} {unit} tertinggal dari target",
        "card_lower_people": "{gap} {unit}",
        "trend_title": "Tren {indicator} — {area}",
        "trend_value": "Capaian kumulatif",
        "trend_target": "Target linear",
        "month_axis": "Bulan",
        "percent_axis": "Capaian (%)",
        "gaps_title": "Kesenjangan terbesar: {indicator}, {period}",
        "gaps_sentence": "{gap_total} {unit} tertinggal di {n_units} desa; {pareto} desa menanggung separuhnya.",
        "gaps_none": "Tidak ada desa yang tertinggal dari target untuk indikator ini.",
        "col_desa": "Desa/Kelurahan",
        "col_kecamatan": "Kecamatan",
        "col_puskesmas": "Puskesmas",
        "col_unit": "Wilayah",
        "col_numerator": "Pembilang",
        "col_denominator": "Sasaran",
        "col_value": "Capaian (%)",
        "col_expected": "Target s.d. bulan ini (%)",
        "col_gap": "Kesenjangan (orang)",
        "col_status": "Status",
        "definition": "Definisi",
        "numerator_label": "Pembilang",
        "denominator_label": "Penyebut",
        "target_label": "Target tahunan",
        "area_kabupaten": "Kabupaten Purbalingga",
        "area_kecamatan": "Kec. {name}",
        "peta_title": "Peta {indicator} — {period}",
        "map_level": "Tingkat peta",
        "map_scheme": "Klasifikasi warna",
        "map_scheme_help": "Target: warna menurut aturan program (target s.d. bulan ini). Kuantil: lima kelompok "
        "berisi jumlah wilayah yang sama. Interval sama: lima rentang nilai yang sama lebar.",
        "scheme_target": "Target",
        "scheme_kuantil": "Kuantil",
        "scheme_interval": "Interval sama",
        "level_kecamatan": "Kecamatan",
        "level_desa": "Desa/kelurahan",
        "map_click_hint": "Klik kecamatan pada peta untuk memilihnya.",
        "selected_kecamatan": "Kecamatan terpilih: {name}",
        "clear_selection": "Kembali ke seluruh kabupaten",
        "legend_title": "{indicator} · {period}",
        "legend_source": "Sumber: {source}",
        "legend_green": "Capai target (≥ {expected})",
        "legend_yellow": "Hampir ({low}–{expected})",
        "legend_red": "Jauh di bawah (< {low})",
        "legend_green_lower": "Baik (≤ {expected})",
        "legend_yellow_lower": "Perlu perhatian ({expected}–{high})",
        "legend_red_lower": "Buruk (> {high})",
        "legend_flag": "Cek data: pembilang > sasaran / nilai mustahil",
        "legend_no_data": "Tidak ada data",
        "legend_puskesmas": "Puskesmas (lokasi perkiraan)",
        "colour_green": "Hijau",
        "colour_yellow": "Kuning",
        "colour_red": "Merah",
        "colour_flag": "Cek data",
        "colour_no_data": "Tidak ada data",
        "tooltip_value": "Capaian",
        "tooltip_numerator": "Pembilang",
        "tooltip_denominator": "Sasaran",
        "tooltip_gap": "Kesenjangan",
        "no_boundaries": "Batas wilayah belum tersedia: peta menampilkan titik pusat desa. "
        "Tambahkan berkas batas (GeoJSON, GeoPackage atau Shapefile ber-zip) ke folder `PHDT_GEO_DIR` "
        "dan jalankan `make geo` — lihat README.",
        "point_map_label": "Peta titik (tanpa batas wilayah)",
        "units_table": "Tabel {level}",
        "footer_puskesmas": "Lokasi puskesmas dan pembagian wilayah kerja bersifat perkiraan.",
        "footer_data_version": "Versi data: {version}",
        "unit_ibu_hamil": "ibu hamil",
        "unit_lahir_hidup": "bayi",
        "unit_bayi": "bayi",
        "unit_usia_produktif": "penduduk 15–59 th",
        "unit_hipertensi": "penderita hipertensi",
        "unit_dm": "penderita DM",
        "unit_dpt1": "anak",
        "unit_desa": "desa",
        "data_missing_notice": "{n} desa belum mengirim laporan bulan ini (ditandai abu-abu).",
    },
    "en": {
        "app_title": "Purbalingga Health Data Theater",
        "nav_section_overview": "Overview",
        "page_ringkasan": "Summary",
        "page_peta": "Map",
        "language": "Language",
        "period": "Period",
        "programme": "Programme",
        "indicator": "Indicator",
        "kecamatan": "Kecamatan (sub-district)",
        "all_kecamatan": "Whole district",
        "desa": "Village",
        "all_desa": "Whole kecamatan",
        "area_desa": "{name}, Kec. {kecamatan}",
        "programme_anc": "ANC (pregnant women)",
        "programme_imunisasi": "Immunization",
        "programme_ptm": "NCD (adult screening)",
        "synthetic_badge": "SYNTHETIC DATA",
        "synthetic_note": "Made-up (synthetic) demo data for practice — not real Dinkes data. "
        "Figures are calibrated on published Purbalingga numbers; five data-quality problems are injected on purpose.",
        "invalid_param": "Link parameter `{name}={value}` is not recognised; showing {fallback}.",
        "ringkasan_title": "Summary {period}",
        "ringkasan_caption": "Cumulative coverage January–{month} against this month's linear target (annual target × month/12).",
        "card_target": "Target to date {expected}",
        "card_delta_month": "{delta} points vs last month",
        "card_delta_year": "{delta} points vs {period}",
        "card_month_increment": "this month {delta} points (target pace {needed} points/month)",
        "card_behind": "{gap} {unit} behind target",
        "card_lower_people": "{gap} {unit}",
        "trend_title": "{indicator} trend — {area}",
        "trend_value": "Cumulative coverage",
        "trend_target": "Linear target",
        "month_axis": "Month",
        "percent_axis": "Coverage (%)",
        "gaps_title": "Largest gaps: {indicator}, {period}",
        "gaps_sentence": "{gap_total} {unit} behind in {n_units} villages; {pareto} villages hold half of the gap.",
        "gaps_none": "No village is behind the target for this indicator.",
        "col_desa": "Village",
        "col_kecamatan": "Kecamatan",
        "col_puskesmas": "Puskesmas",
        "col_unit": "Area",
        "col_numerator": "Numerator",
        "col_denominator": "Target population",
        "col_value": "Coverage (%)",
        "col_expected": "Target to date (%)",
        "col_gap": "Gap (people)",
        "col_status": "Status",
        "definition": "Definition",
        "numerator_label": "Numerator",
        "denominator_label": "Denominator",
        "target_label": "Annual target",
        "area_kabupaten": "Purbalingga District",
        "area_kecamatan": "Kec. {name}",
        "peta_title": "Map of {indicator} — {period}",
        "map_level": "Map level",
        "map_scheme": "Colour classes",
        "map_scheme_help": "Target: colours by the programme rule (target to date). Quantiles: five groups with the "
        "same number of areas. Equal intervals: five value ranges of equal width.",
        "scheme_target": "Target",
        "scheme_kuantil": "Quantiles",
        "scheme_interval": "Equal intervals",
        "level_kecamatan": "Kecamatan",
        "level_desa": "Village",
        "map_click_hint": "Click a kecamatan on the map to select it.",
        "selected_kecamatan": "Selected kecamatan: {name}",
        "clear_selection": "Back to the whole district",
        "legend_title": "{indicator} · {period}",
        "legend_source": "Source: {source}",
        "legend_green": "On target (≥ {expected})",
        "legend_yellow": "Close ({low}–{expected})",
        "legend_red": "Far below (< {low})",
        "legend_green_lower": "Good (≤ {expected})",
        "legend_yellow_lower": "Watch ({expected}–{high})",
        "legend_red_lower": "Poor (> {high})",
        "legend_flag": "Check data: numerator > target population / impossible value",
        "legend_no_data": "No data",
        "legend_puskesmas": "Puskesmas (approximate location)",
        "colour_green": "Green",
        "colour_yellow": "Yellow",
        "colour_red": "Red",
        "colour_flag": "Check data",
        "colour_no_data": "No data",
        "tooltip_value": "Coverage",
        "tooltip_numerator": "Numerator",
        "tooltip_denominator": "Target pop.",
        "tooltip_gap": "Gap",
        "no_boundaries": "No boundary files yet: the map shows village centre points. "
        "Put a boundary file (GeoJSON, GeoPackage or zipped Shapefile) in the `PHDT_GEO_DIR` folder "
        "and run `make geo` — see the README.",
        "point_map_label": "Point map (no boundaries)",
        "units_table": "{level} table",
        "footer_puskesmas": "Puskesmas locations and catchment splits are approximate.",
        "footer_data_version": "Data version: {version}",
        "unit_ibu_hamil": "pregnant women",
        "unit_lahir_hidup": "infants",
        "unit_bayi": "infants",
        "unit_usia_produktif": "residents aged 15–59",
        "unit_hipertensi": "hypertensives",
        "unit_dm": "diabetics",
        "unit_dpt1": "children",
        "unit_desa": "villages",
        "data_missing_notice": "{n} villages have not sent this month's report yet (shown in grey).",
    },
}

MONTHS = {
    "id": ["Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober",
           "November", "Desember"],
    "en": ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"],
}


def lang() -> str:
    return st.session_state.get("bahasa", DEFAULT_LANGUAGE)


def t(key: str, **values: object) -> str:
    text = T[lang()][key]
    return text.format(**values) if values else text


def month_name(month: int) -> str:
    return MONTHS[lang()][month - 1]


def period_label(period) -> str:
    return f"{month_name(period.month)} {period.year}"


def number(value: float, decimals: int = 0) -> str:
    """1234.5 -> '1.234,5' in Bahasa Indonesia, '1,234.5' in English."""
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "_").replace(".", ",").replace("_", ".") if lang() == "id" else text


def percent(value: float | None) -> str:
    return "–" if value is None else f"{number(value, 1)} %"
