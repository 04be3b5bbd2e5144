"""One monthly import, end to end: read the file safely, recognise its columns, validate, turn it
into monthly indicator rows, and commit a new dataset version. The Data page and the command line
call the same two steps: :func:`prepare` (nothing is written) and :func:`commit`.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import polars as pl

from phdt import dataset as ds
from phdt import versions
from phdt.config import settings
from phdt.imports import apply, files, history, normalise, parse, validate
from phdt.schema import INDIKATOR_BULANAN

WIDE = "aggregate_wide"  # a PWS-style sheet: one row per desa, column groups per indicator, one month
FAMILIES = (*normalise.FAMILIES, WIDE)
PLACE_FIELDS = ("kode_desa", "nama_desa", "kecamatan", "puskesmas")


@dataclass(frozen=True)
class Prepared:
    """What the user reviews before anything changes."""

    file_name: str
    data: bytes
    family: str
    headers: list[str]
    mapping: dict[int, str]  # column index -> canonical field
    validation: validate.Validation
    monthly: pl.DataFrame  # an aggregate file's INDIKATOR_BULANAN rows (line lists: computed with their history)
    loaded: list[date] = field(default_factory=list)  # the file's months the dataset already has for its desa
    _outcomes: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def periods(self) -> list[date]:
        """The months the file reports."""
        if self.family in normalise.LINE_LISTS:
            return sorted(history.cells(self.validation.clean, self.family)["period"].unique().to_list())
        return sorted(self.monthly["period"].unique().to_list())

    @property
    def blocked(self) -> bool:
        return self.validation.errors > 0 or self.validation.clean.is_empty()

    def outcome(self, dataset: ds.Dataset, *, replace: bool) -> apply.Outcome:
        """The dry run: the dataset after this import (computed once per choice and data version)."""
        key = (replace, dataset.version)
        if key not in self._outcomes:
            self._outcomes[key] = apply.outcome(self, dataset, settings(), replace=replace)
        return self._outcomes[key]


def raw_frame(rows: list[list[object]], headers: list[str], start: int, mapping: dict[int, str]) -> pl.DataFrame:
    """The mapped columns as raw text, with `_row` the 1-based row number in the sheet."""
    body = rows[start:]
    columns = {field_: [_text(row[i] if i < len(row) else None) for row in body] for i, field_ in mapping.items()}
    return pl.DataFrame({"_row": list(range(start + 1, start + 1 + len(body))), **columns},
                        schema={"_row": pl.Int64, **{f: pl.String for f in mapping.values()}})


def wide_to_long(rows: list[list[object]], headers: list[str], start: int, period: date) -> pl.DataFrame:
    """A wide PWS sheet as aggregate_long rows (raw text): one row per desa and indicator found,
    L and P columns summed where there is no total. A cell that does not parse is passed on as
    written, so the validator reports it with its row and column."""
    place = {i: f for i, f in parse.recognise(headers, normalise.AGGREGATE).items() if f in PLACE_FIELDS}
    groups = {slug: kinds for slug, kinds in parse.wide_groups(headers).items() if not slug.startswith("_")}
    records = []
    for number, row in enumerate(rows[start:], start=start + 1):
        where = {f: _text(row[i] if i < len(row) else None) for i, f in place.items()}
        for slug, kinds in groups.items():
            records.append({"_row": number, **where, "period": f"{period:%Y-%m}", "indicator_code": slug,
                            "numerator_month": _sum(row, kinds.get("month", [])),
                            "numerator_cum": _sum(row, kinds.get("cum", [])),
                            "denominator": _sum(row, kinds.get("denominator", []))})
    fields = ["_row", *dict.fromkeys(place.values()), "period", "indicator_code", "numerator_month",
              "numerator_cum", "denominator"]
    return pl.DataFrame(records, schema={f: pl.Int64 if f == "_row" else pl.String for f in fields})


def _sum(row: list[object], columns: list[int]) -> str | None:
    cells = [row[i] if i < len(row) else None for i in columns]
    if len(cells) <= 1:
        return _text(cells[0]) if cells else None
    try:
        values = [parse.parse_number(cell) for cell in cells]
    except ValueError:
        return " + ".join(str(cell) for cell in cells)
    present = [v for v in values if v is not None]
    return _text(float(sum(present))) if present else None


def _text(value: object) -> str | None:
    """Raw cell as text for the validator (Excel numbers keep their value; dates keep ISO form)."""
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return value.isoformat() if isinstance(value, date) else str(value)


def upload_limits() -> files.Limits:
    """The one upload limit (``Settings.max_upload_mb``) of the Data page and the command line."""
    return files.Limits(max_bytes=settings().max_upload_mb * 1_000_000)


def prepare(data: bytes, file_name: str, family: str, dataset: ds.Dataset, *, sheet: int = 0,
            mapping: dict[int, str] | None = None, profile: dict[str, str] | None = None,
            period: date | None = None, today: date | None = None,
            limits: files.Limits = files.Limits()) -> Prepared:
    """Read, map, validate and normalise; raises files.FileRejected for a file that cannot be read.
    A wide PWS sheet (`aggregate_wide`) needs the month it reports (`period`); a sasaran file
    without a Tahun column takes the year of `period`."""
    if family not in FAMILIES:
        raise ValueError(f"unknown family {family!r}; use one of {', '.join(FAMILIES)}")
    sheets = files.read_table(data, file_name, limits)
    if not 0 <= sheet < len(sheets):
        raise files.FileRejected(f"Lembar ke-{sheet + 1} tidak ada; berkas ini punya {len(sheets)} lembar.")
    headers, start = parse.flatten_header(sheets[sheet].rows)
    if family == WIDE:
        if period is None:
            raise ValueError("A wide PWS sheet holds one month: give its period.")
        frame, mapping, family = wide_to_long(sheets[sheet].rows, headers, start, period), {}, normalise.AGGREGATE
    else:
        mapping = mapping if mapping is not None else parse.recognise(headers, family, profile)
        frame = raw_frame(sheets[sheet].rows, headers, start, mapping)
    checked = validate.validate(frame, family, dataset.wilayah, today=today or date.today(),
                                current_monthly=dataset.monthly, sasaran=dataset.sasaran,
                                year=period.year if period and family == normalise.SASARAN_FAMILY else None)
    if family in normalise.LINE_LISTS:
        monthly, cells = INDIKATOR_BULANAN.to_frame(), history.cells(checked.clean, family)
    else:
        monthly = normalise.to_monthly(checked.clean, family, dataset.wilayah, settings(),
                                       normalise.SOURCE_SYSTEM.get(family, "manual"), sasaran=dataset.sasaran,
                                       current_monthly=dataset.monthly)
        cells = monthly.select("period", pl.col("kode_desa").cast(pl.String))
    loaded = [] if family == normalise.SASARAN_FAMILY else _loaded(cells, family, dataset.monthly)
    return Prepared(files.safe_name(file_name), data, family, headers, mapping, checked, monthly, loaded)


def _loaded(cells: pl.DataFrame, family: str, current: pl.DataFrame) -> list[date]:
    """The file's months for which the dataset already has figures of the file's desa (and programme)."""
    slugs = history.programme_events(family) if family in normalise.LINE_LISTS else list(normalise.EVENT_SLUGS)
    have = current.filter(pl.col("indicator_code").cast(pl.String).is_in(slugs)
                          & pl.col("numerator_month").is_not_null()).select(
        "period", pl.col("kode_desa").cast(pl.String))
    return sorted(cells.unique().join(have.unique(), on=["period", "kode_desa"], how="semi")["period"].unique())


def commit(prepared: Prepared, dataset: ds.Dataset, who: str, *, replace: bool, root: Path | None = None) -> str:
    """A new dataset version with the import (the dry run's outcome); the current one stays intact
    until the atomic switch."""
    if prepared.blocked:
        raise ValueError("Impor diblokir: perbaiki kesalahan di laporan validasi terlebih dahulu.")
    result = prepared.outcome(dataset, replace=replace)
    info = {"who": who, "file_name": prepared.file_name, "family": prepared.family,
            "periods": [f"{p:%Y-%m}" for p in prepared.periods], "rows": prepared.validation.clean.height,
            "replaced_periods": [f"{p:%Y-%m}" for p in prepared.loaded] if replace else [],
            "cells_changed": result.cells_changed, "later_changed": [f"{p:%Y-%m}" for p in result.later],
            "message": f"{prepared.validation.warnings} peringatan dikonfirmasi"} | _sasaran_info(prepared)
    version = versions.new_version_from(versions.current(root), result.tables, root, info, original=prepared.data,
                                        expect_current=versions.current_id(root))
    versions.purge_personal_originals(root, normalise.LINE_LISTS, settings().line_list_retention_days)
    return version


def _sasaran_info(prepared: Prepared) -> dict:
    """A sasaran version records its years, estimation method and source."""
    if prepared.family != normalise.SASARAN_FAMILY:
        return {}
    clean = prepared.validation.clean
    years, metode = sorted(clean["tahun"].unique().to_list()), sorted(clean["metode"].unique().to_list())
    return {"years": years, "metode": metode,
            "source": f"Sasaran {', '.join(map(str, years))} dari {prepared.file_name} ({'; '.join(metode)})",
            "message": f"sasaran {', '.join(map(str, years))}; {prepared.validation.warnings} peringatan dikonfirmasi"}


def summary(result: apply.Outcome, top: int = 10) -> str:
    """The dry run as text: how many figures change, the biggest changes, later months that follow."""
    lines = [f"{result.cells_changed} angka (bulan × desa × indikator) berubah."]
    for row in result.changes.head(top).iter_rows(named=True):
        before, after = (f"{v:.1f} %" if v is not None else "-" for v in (row["value_before"], row["value_after"]))
        lines.append(f"  {row['period']:%Y-%m} {row['kode_desa']} {row['indicator_code']}: {before} -> {after} "
                     f"({row['numerator_cum_before']} -> {row['numerator_cum_after']} orang)")
    if result.later:
        lines.append("Bulan sesudah berkas ini yang ikut berubah (kumulatif dihitung ulang): "
                     + ", ".join(f"{p:%Y-%m}" for p in result.later))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Scripted loads: the same checks as the Data page; errors stop, warnings need --yes."""
    parser = argparse.ArgumentParser(prog="python -m phdt.imports.pipeline", description=__doc__)
    parser.add_argument("file", type=Path)
    parser.add_argument("--family", choices=FAMILIES, required=True)
    parser.add_argument("--sheet", type=int, default=1, help="sheet number, from 1")
    parser.add_argument("--period", type=parse.parse_period, help="the month of a wide PWS sheet (2026-01); for a sasaran file "
                        "without a Tahun column, any month of its year")
    parser.add_argument("--profile", help="saved column-mapping profile name")
    parser.add_argument("--who", required=True, help="your name, kept with the new version")
    parser.add_argument("--replace", action="store_true", help="replace months that are already loaded")
    parser.add_argument("--yes", action="store_true", help="accept warnings")
    parser.add_argument("--report", type=Path, help="write the validation report here (.csv or .xlsx)")
    parser.add_argument("--dry-run", action="store_true", help="show what would change, write nothing")
    args = parser.parse_args(argv)
    cfg = settings()
    dataset = ds.load(versions.ensure_current(data_dir=cfg.data_dir))
    profile = parse.load_profile(cfg.profiles_dir, args.profile) if args.profile else None
    try:
        prepared = prepare(args.file.read_bytes(), args.file.name, args.family, dataset, sheet=args.sheet - 1,
                           profile=profile, period=args.period, limits=upload_limits())
    except (files.FileRejected, ValueError) as exc:
        print(f"DITOLAK: {exc}", file=sys.stderr)
        return 1
    checked = prepared.validation
    if args.report:
        args.report.write_bytes(validate.report_bytes(checked.report, "xlsx" if args.report.suffix == ".xlsx" else "csv"))
    print(f"{checked.clean.height} baris valid, {checked.errors} kesalahan, {checked.warnings} peringatan; "
          f"bulan: {', '.join(f'{p:%Y-%m}' for p in prepared.periods) or '-'}")
    if prepared.blocked:
        print("Impor diblokir: perbaiki kesalahan (lihat --report).", file=sys.stderr)
        return 1
    print(summary(prepared.outcome(dataset, replace=args.replace)))
    if args.dry_run:
        return 0
    if checked.warnings and not args.yes:
        print("Ada peringatan: periksa laporan, lalu ulangi dengan --yes untuk melanjutkan.", file=sys.stderr)
        return 2
    if prepared.loaded and not args.replace:
        print(f"Bulan yang sudah ada dipertahankan: {', '.join(f'{p:%Y-%m}' for p in prepared.loaded)} "
              "(pakai --replace untuk menggantinya).")
    version = commit(prepared, dataset, args.who, replace=args.replace)
    print(f"Versi baru: {version}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
