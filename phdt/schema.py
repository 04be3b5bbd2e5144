"""Every table of the data model, with its explicit polars schema.

Join on codes (``kode_desa`` = Kemendagri ``33.03.08.2013``), never on names: Purbalingga has
eight desa names that occur in two kecamatan. Small fixed vocabularies are ``pl.Enum``; wilayah
codes and puskesmas names are ``pl.Categorical`` so the same code serves a kabupaten and a
province.

Tables
------
wilayah            one row per desa/kelurahan, with its kecamatan and puskesmas (registry CSV)
fasilitas          puskesmas, pustu, posyandu, posbindu with type, parent puskesmas and location
sasaran            annual denominators per desa and target group, with the estimation method
anc_kunjungan      line list: one row per ANC visit of a pregnancy (e-Kohort style)
imunisasi_dosis    line list: one row per dose given to a child (ASIK style)
ptm_skrining       line list: one row per PTM screening or service of an adult (ASIK/SIPTM style)
laporan            monthly report receipts per desa (for completeness and timeliness)
indikator_bulanan  canonical long monthly aggregate, computed from the line lists
"""

from __future__ import annotations

import polars as pl

from phdt.indicators import INDICATORS

Code = pl.Categorical()

SASARAN_GROUPS = (
    "penduduk", "ibu_hamil", "ibu_bersalin", "lahir_hidup", "bayi", "baduta", "usia_produktif", "hipertensi", "dm",
)
FACILITY_TYPES = ("puskesmas", "pustu", "posyandu", "posbindu")
ANTIGENS = ("hb0", "bcg", "polio1", "polio2", "polio3", "polio4", "dpt1", "dpt2", "dpt3", "ipv1", "mr1")
SOURCES = ("demo", "asik", "ekohort", "pws_kia", "komdat", "epuskesmas", "manual")

Jenis = pl.Enum(["desa", "kelurahan"])
FacilityType = pl.Enum(list(FACILITY_TYPES))
SasaranGroup = pl.Enum(list(SASARAN_GROUPS))
Antigen = pl.Enum(list(ANTIGENS))
Provider = pl.Enum(["bidan", "dokter"])
Sex = pl.Enum(["L", "P"])
Source = pl.Enum(list(SOURCES))
IndicatorCode = pl.Enum(list(INDICATORS))

WILAYAH = pl.Schema({
    "kode_kecamatan": Code, "nama_kecamatan": pl.String, "kode_desa": Code, "nama_desa": pl.String,
    "jenis": Jenis, "puskesmas": Code, "lat": pl.Float64, "lon": pl.Float64,
})
FASILITAS = pl.Schema({
    "kode_fasilitas": pl.String, "nama": pl.String, "tipe": FacilityType, "puskesmas": Code,
    "kode_desa": Code, "lat": pl.Float64, "lon": pl.Float64, "lokasi": pl.String,
})
SASARAN = pl.Schema({
    "tahun": pl.Int16, "kode_desa": Code, "kelompok": SasaranGroup, "jumlah": pl.Int32, "metode": pl.String,
})
ANC_KUNJUNGAN = pl.Schema({
    "id_kehamilan": pl.String, "nik_ibu": pl.String, "nama_ibu": pl.String, "kode_desa": Code,
    "hpht": pl.Date, "tgl_kunjungan": pl.Date, "kunjungan_ke": pl.Int8, "usia_kehamilan_minggu": pl.Int8, "pemeriksa": Provider,
    "usg": pl.Boolean, "lila_cm": pl.Float32, "hb_g_dl": pl.Float32, "td_sistolik": pl.Int16,
    "td_diastolik": pl.Int16, "sumber": Source,
})
IMUNISASI_DOSIS = pl.Schema({
    "id_anak": pl.String, "nik_ibu": pl.String, "nama_anak": pl.String, "kode_desa": Code,
    "jenis_kelamin": Sex, "tgl_lahir": pl.Date, "antigen": Antigen, "tgl_imunisasi": pl.Date, "sumber": Source,
})
PTM_SKRINING = pl.Schema({
    "nik": pl.String, "nama": pl.String, "kode_desa": Code, "jenis_kelamin": Sex, "tgl_lahir": pl.Date,
    "tgl_skrining": pl.Date, "td_sistolik": pl.Int16, "td_diastolik": pl.Int16, "gula_darah_mg_dl": pl.Int16,
    "imt": pl.Float32, "hipertensi": pl.Boolean, "dm": pl.Boolean, "sumber": Source,
})
LAPORAN = pl.Schema({"period": pl.Date, "kode_desa": Code, "tgl_diterima": pl.Date})
INDIKATOR_BULANAN = pl.Schema({
    "period": pl.Date,  # first day of the month
    "kode_desa": Code, "puskesmas": Code, "indicator_code": IndicatorCode,
    "numerator_month": pl.Int32,  # null when the desa's report for the month is missing
    "numerator_cum": pl.Int32,  # January to this month of the same year
    "denominator": pl.Int32,  # annual sasaran (or DPT1 reached, desa count: see the registry)
    "source_system": Source,
})

LINE_LISTS = {"anc_kunjungan": ANC_KUNJUNGAN, "imunisasi_dosis": IMUNISASI_DOSIS, "ptm_skrining": PTM_SKRINING}
PERSONAL_COLUMNS = ("nik_ibu", "nama_ibu", "nama_anak", "nik", "nama")  # never shown in aggregate views


def conform(df: pl.DataFrame, schema: pl.Schema) -> pl.DataFrame:
    """Select and cast `df` to `schema`, failing loudly on a missing column."""
    missing = [name for name in schema if name not in df.columns]
    if missing:
        raise ValueError(f"missing column(s): {', '.join(missing)}")
    return df.select([pl.col(name).cast(dtype) for name, dtype in schema.items()])
