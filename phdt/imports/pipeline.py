"""One monthly import, end to end: read the file safely, recognise its columns, validate, turn it
into monthly indicator rows, and commit a new dataset version. The Data page and the command line
call the same two steps: :func:`prepare` (nothing is written) and :func:`commit`.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import polars as pl

from phdt import dataset as ds
from phdt import versions
from phdt.config import settings
from phdt.imports import apply, files, history, layout, normalise, parse, validate
from phdt.schema import INDIKATOR_BULANAN
from phdt.texts import UserError

WIDE = "aggregate_wide"  # a PWS-style sheet: one row per desa, column groups per indicator, one month
FAMILIES = (*normalise.FAMILIES, WIDE)
ROW_BLOCK = 1_000_000  # `_row` of sheet n of several is n * ROW_BLOCK + its row (files.Limits.max_rows is less)


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
    puskesmas: str | None = None  # whose wilayah kerja the desa were matched in (None: the kabupaten)
    sheets: list[str] = field(default_factory=list)  # the sheets imported
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
        """The dry run: the dataset after this import, kept for the last choice and data version
        only (it holds the merged line list, which is large and personal)."""
        key = (replace, dataset.version)
        if key not in self._outcomes:
            self._outcomes.clear()
            self._outcomes[key] = apply.outcome(self, dataset, settings(), replace=replace)
        return self._outcomes[key]


def raw_frame(rows: list[list[object]], headers: list[str], start: int, mapping: dict[int, str]) -> pl.DataFrame:
    """The mapped columns as raw text, with `_row` the 1-based row number in the sheet; empty rows
    are spacers (a blank line in a CSV), not data. Id columns keep whether each cell was a number
    (``validate.NUMERIC``)."""
    if isinstance(rows, files.FrameRows):  # already text columns (a CSV): no row is built in Python
        frame = rows.frame.with_row_index("_row", offset=1).slice(start)
        cells = [pl.col(frame.columns[i + 1]).alias(f) if i + 1 < frame.width else pl.lit(None, pl.String).alias(f)
                 for i, f in mapping.items()]
        numeric = [pl.lit(False).alias(validate.NUMERIC + f) for f in mapping.values() if f in validate.ID_PERSON]
        return frame.filter(pl.any_horizontal(pl.exclude("_row").is_not_null())).select(
            pl.col("_row").cast(pl.Int64), *cells, *numeric)
    body = [(number, row) for number, row in enumerate(rows[start:], start=start + 1) if any(v is not None for v in row)]
    width = max((len(row) for _, row in body), default=0)
    cells = list(zip(*(row + [None] * (width - len(row)) for _, row in body), strict=True)) or [()] * width
    empty = (None,) * len(body)
    column = {i: cells[i] if i < width else empty for i in mapping}
    columns = {f: [v if v.__class__ is str else _text(v) for v in column[i]] for i, f in mapping.items()}
    numeric = {validate.NUMERIC + f: [v.__class__ in (int, float) for v in column[i]]
               for i, f in mapping.items() if f in validate.ID_PERSON}  # Excel may have rounded these ids
    return pl.DataFrame({"_row": [number for number, _ in body], **columns, **numeric},
                        schema={"_row": pl.Int64, **{f: pl.String for f in mapping.values()},
                                **{f: pl.Boolean for f in numeric}})


def wide_to_long(rows: list[list[object]], found: layout.Layout, period: date) -> pl.DataFrame:
    """The desa rows of a wide PWS sheet as aggregate_long rows (raw text): one row per desa and
    indicator found, L and P columns summed where there is no total, a blank or "-" count read as 0
    (the sheet's way of writing zero). A cell that does not parse is passed on as written, so the
    validator reports it with its row and column."""
    records = []
    for index in found.data:
        row = rows[index]
        where = {f: _text(row[i] if i < len(row) else None) for i, f in found.place.items()}
        for slug, kinds in found.groups.items():
            records.append({"_row": index + 1, **where, "period": f"{period:%Y-%m}", "indicator_code": slug,
                            "numerator_month": _sum(row, kinds.get("month", []), zero=True),
                            "numerator_cum": _sum(row, kinds.get("cum", []), zero=True),
                            "denominator": _sum(row, kinds.get("denominator", []))})
    fields = ["_row", *dict.fromkeys(found.place.values()), "period", "indicator_code", "numerator_month",
              "numerator_cum", "denominator"]
    return pl.DataFrame(records, schema={f: pl.Int64 if f == "_row" else pl.String for f in fields})


def _sum(row: list[object], columns: list[int], zero: bool = False) -> str | None:
    """The count of `columns` as text: a single cell as written, several summed."""
    if not columns:
        return None
    cells = [row[i] if i < len(row) else None for i in columns]
    try:
        value = layout.count(row, columns)
    except ValueError:
        return " + ".join(str(cell) for cell in cells)
    if value is None:
        return "0" if zero else None
    return _text(cells[0]) if len(cells) == 1 else _text(value)


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


def default_sheets(sheets: list[files.Sheet], family: str, puskesmas: list[str] = ()) -> list[int]:
    """What is imported when the officer does not choose: for a wide PWS workbook whose visible
    sheets each report another month (JAN, FEB, …) or another puskesmas (a district workbook,
    one sheet per puskesmas of `puskesmas`), all of them; else the first visible sheet."""
    visible = [i for i, sheet in enumerate(sheets) if not sheet.hidden] or [0]
    if family == WIDE and len(visible) > 1:
        keys = [sheet_key(sheets[i], puskesmas) for i in visible]
        if all(month for month, _ in keys) and len(set(keys)) == len(keys):
            return visible
    return visible[:1]


def sheet_period(sheet: files.Sheet) -> date | None:
    """The month a wide PWS sheet reports, from its tab name or title block."""
    return sheet_key(sheet, [])[0]


def sheet_key(sheet: files.Sheet, puskesmas: list[str]) -> tuple[date | None, str | None]:
    """The month and the puskesmas (one of `puskesmas`) a wide PWS sheet's tab name or title names."""
    title = layout.read(sheet.rows).title
    return layout.find_period(sheet.name, title), layout.find_puskesmas(title, puskesmas)


def puskesmas_names(wilayah: pl.DataFrame) -> list[str]:
    return sorted(wilayah["puskesmas"].cast(pl.String).drop_nulls().unique().to_list())


def _wide_frame(sheets: list[files.Sheet], chosen: list[int], group: list[int], period: date | None
                ) -> tuple[pl.DataFrame, list[dict], list[layout.Layout]]:
    """The `group` of chosen sheets as one aggregate_long frame, their total-row checks and layouts;
    with several sheets `_row` is offset by ROW_BLOCK per sheet (see :func:`_per_sheet`)."""
    frames, checks, found = [], [], []
    for index in group:
        sheet = sheets[index]
        parts = layout.read(sheet.rows)
        month = (period if len(chosen) == 1 else None) or layout.find_period(sheet.name, parts.title)
        if month is None:
            raise files.FileRejected("import_sheet_month", sheet=sheet.name)
        offset = (chosen.index(index) + 1) * ROW_BLOCK if len(chosen) > 1 else 0
        frames.append(wide_to_long(sheet.rows, parts, month).with_columns(pl.col("_row") + offset))
        checks += [{**check, "_row": check["_row"] + offset} for check in layout.total_checks(sheet.rows, parts)]
        found.append(parts)
    return pl.concat(frames, how="diagonal"), checks, found


def _by_puskesmas(sheets: list[files.Sheet], chosen: list[int], given: str | None,
                  names: list[str]) -> dict[str | None, list[int]]:
    """The chosen sheets by the puskesmas whose wilayah kerja their desa are matched in: the
    officer's choice for all, else each sheet's title (a district workbook has one per puskesmas)."""
    groups: dict[str | None, list[int]] = {}
    for index in chosen:
        groups.setdefault(given or sheet_key(sheets[index], names)[1], []).append(index)
    return groups


def _per_sheet(report: pl.DataFrame, names: list[str]) -> pl.DataFrame:
    """Report rows of a several-sheet import back to each sheet's own row numbers, the sheet named
    at the start of the message ("Lembar 'FEB': …") so the officer finds the row."""
    sheet = (pl.col("row") // ROW_BLOCK).cast(pl.Int64)
    label = sheet.replace_strict(dict(enumerate(["", *names])), default="", return_dtype=pl.String)
    return report.with_columns(
        message=pl.when(sheet > 0).then(pl.format(validate._f("val_sheet"), label, "message")).otherwise("message"),
        row=pl.col("row") % ROW_BLOCK)


@validate._speaking  # language="en": the validation report in English (default Bahasa Indonesia)
def prepare(data: bytes, file_name: str, family: str, dataset: ds.Dataset, *, sheet: int | Sequence[int] | None = None,
            mapping: dict[int, str] | None = None, profile: dict[str, str] | None = None,
            period: date | None = None, puskesmas: str | None = None, today: date | None = None,
            limits: files.Limits = files.Limits()) -> Prepared:
    """Read, map, validate and normalise; raises files.FileRejected for a file that cannot be read.

    `sheet`: an index or several (default :func:`default_sheets`). A wide PWS sheet
    (`aggregate_wide`) reports one month: `period`, else the one its title or tab names; several
    sheets each take their own. `puskesmas` (else the one each wide sheet's title names) limits
    desa matching to its wilayah kerja, so a desa name shared with another kecamatan resolves; a
    line-list export of a puskesmas covers all its desa. A sasaran file without a Tahun column
    takes the year of `period`."""
    if family not in FAMILIES:
        raise ValueError(f"unknown family {family!r}; use one of {', '.join(FAMILIES)}")
    sheets = files.read_table(data, file_name, limits)
    names = puskesmas_names(dataset.wilayah)
    chosen = default_sheets(sheets, family, names) if sheet is None else [sheet] if isinstance(sheet, int) else list(sheet)
    if not chosen or not all(0 <= i < len(sheets) for i in chosen):
        raise files.FileRejected("import_no_such_sheet", n=len(sheets))
    sheet_names = [sheets[i].name for i in chosen]
    if family != WIDE and len(chosen) > 1:
        raise UserError("import_one_sheet")
    given = _puskesmas(names, puskesmas)
    year = period.year if period and family == normalise.SASARAN_FAMILY else None
    if family == WIDE:
        parts, headers = [], []
        for pkm, group in _by_puskesmas(sheets, chosen, given, names).items():
            frame, checks, found = _wide_frame(sheets, chosen, group, period)
            parts.append(_validated(frame, normalise.AGGREGATE, dataset, pkm, checks, today, year))
            headers = headers or found[0].headers
        checked, mapping, family = _combined(parts), {}, normalise.AGGREGATE
        puskesmas = given or (pkm if len(parts) == 1 else None)
    else:
        headers, start = parse.flatten_header(sheets[chosen[0]].rows)
        mapping = mapping if mapping is not None else parse.recognise(headers, family, profile)
        frame = raw_frame(sheets[chosen[0]].rows, headers, start, mapping)
        del sheets  # a large upload is held once, as `frame`, while it is validated
        checked, puskesmas = _validated(frame, family, dataset, given, [], today, year), given
    if len(chosen) > 1:
        checked = dataclasses.replace(checked, report=_per_sheet(checked.report, sheet_names))
    if family in normalise.LINE_LISTS:
        monthly, cells = INDIKATOR_BULANAN.to_frame(), history.cells(checked.clean, family)
    else:
        monthly = normalise.to_monthly(checked.clean, family, dataset.wilayah, settings(),
                                       normalise.SOURCE_SYSTEM.get(family, "manual"), sasaran=dataset.sasaran,
                                       current_monthly=dataset.monthly)
        cells = monthly.select("period", pl.col("kode_desa").cast(pl.String))
    loaded = [] if family == normalise.SASARAN_FAMILY else _loaded(cells, family, dataset.monthly)
    return Prepared(files.safe_name(file_name), data, family, headers, mapping, checked, monthly, loaded,
                    puskesmas, sheet_names)


def _puskesmas(names: list[str], given: str | None) -> str | None:
    """The wilayah table's spelling of the puskesmas ("PUSKESMAS KEMANGKON" → "Kemangkon")."""
    if not given:
        return None
    name = layout.match_puskesmas(given, names)
    if name is None:
        raise UserError("import_unknown_puskesmas", name=given)
    return name


def _validated(frame: pl.DataFrame, family: str, dataset: ds.Dataset, puskesmas: str | None, checks: list[dict],
               today: date | None, year: int | None) -> validate.Validation:
    """The validation of rows whose desa are matched within `puskesmas`'s wilayah kerja (the
    kabupaten's when None), with the total-row checks of their sheets."""
    area = dataset.wilayah.filter(pl.col("puskesmas").cast(pl.String) == puskesmas) if puskesmas else dataset.wilayah
    stored = dataset.line_list(family, [normalise.SERVICE_DATE[family]]) if family in normalise.LINE_LISTS else None
    checked = validate.validate(frame, family, area, today=today or date.today(), current_monthly=dataset.monthly,
                                sasaran=dataset.sasaran, year=year,
                                history_from=None if stored is None else stored[normalise.SERVICE_DATE[family]].min())
    report = pl.concat([checked.report, validate.total_mismatches(pl.DataFrame(checks))]).sort("row", maintain_order=True)
    if puskesmas:
        report = validate.outside_area(report, dataset.wilayah, puskesmas)
    return dataclasses.replace(checked, report=report)


def _combined(parts: list[validate.Validation]) -> validate.Validation:
    if len(parts) == 1:
        return parts[0]
    return validate.Validation(pl.concat([p.report for p in parts]).sort("row", maintain_order=True),
                               pl.concat([p.clean for p in parts]), parts[0].family,
                               tuple(sorted(r for p in parts for r in p.dropped)))


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
        raise UserError("import_blocked")
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
    parser.add_argument("--sheet", type=int, nargs="+",
                        help="sheet number(s), from 1 (default: the first visible one; every month sheet of a PWS workbook)")
    parser.add_argument("--period", type=parse.parse_period,
                        help="the month of a wide PWS sheet (2026-01), when its title or sheet name does not say; "
                        "for a sasaran file without a Tahun column, any month of its year")
    parser.add_argument("--puskesmas", help="the puskesmas whose wilayah kerja the desa are in (default: from the title)")
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
        prepared = prepare(args.file.read_bytes(), args.file.name, args.family, dataset, profile=profile, period=args.period,
                           sheet=[n - 1 for n in args.sheet] if args.sheet else None, puskesmas=args.puskesmas,
                           limits=upload_limits())
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
