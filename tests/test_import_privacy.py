"""No full NIK leaves the validation report (screen, CSV, XLSX), and one upload limit everywhere."""

from __future__ import annotations

import io
import re
import tomllib
from datetime import date

import polars as pl
from openpyxl import load_workbook

from phdt.config import ROOT, Settings
from phdt.imports.validate import report_bytes, validate
from phdt.privacy import mask_nik
from phdt.wilayah import load_wilayah

LONG = re.compile(r"\d{15}")  # 16 digits, or 15 after Excel rounded a NIK stored as a number


def test_mask_nik_keeps_six_and_two_digits():
    assert mask_nik("3303015501900012") == "330301********12"
    assert mask_nik("NIK 3303 0155 0190 0012.") == "NIK 330301********12."
    assert mask_nik("desa 3303082013") == "desa 3303082013"


def test_report_never_shows_a_full_nik():
    niks = ["3303015501900012", "3303015501900012", "9903015501900012", "3303019901900012", "330301550190001",
            "3303 0155 0190 0013", "3.30301550190001E+15"]
    rows = [{"id_anak": nik, "nik_ibu": nik, "nama_desa": "Serayu Larangan", "tgl_lahir": "01/01/2025",
             "antigen": "BCG" if i else "pcv1", "tgl_imunisasi": "05/01/2025"} for i, nik in enumerate(niks)]
    rows.append({**rows[1], "nik_ibu": "1234567890123456789", "tgl_imunisasi": "40/01/2025"})
    frame = pl.DataFrame(rows).with_row_index("_row", offset=2).with_columns(pl.col("_row").cast(pl.Int64))
    report = validate(frame, "imunisasi_dosis", load_wilayah(), today=date(2025, 4, 1)).report
    assert report.height >= 5  # NIK format, duplicates, the date: the NIK columns are reported
    cells = [str(v) for row in report.rows() for v in row]
    assert not [c for c in cells if LONG.search(c)]
    csv = report_bytes(report, "csv").decode("utf-8-sig")
    assert "330301" in csv and not LONG.search(csv)
    book = load_workbook(io.BytesIO(report_bytes(report, "xlsx")))
    xlsx = [str(c.value) for sheet in book for row in sheet.iter_rows() for c in row if c.value is not None]
    assert not [c for c in xlsx if LONG.search(c)]


def test_one_upload_limit():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["server"]["maxUploadSize"] == Settings().max_upload_mb
