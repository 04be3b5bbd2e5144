"""What an import does to the dataset, computed in full before anything is written: the dry run.

:func:`outcome` returns the tables the import replaces (the monthly table, and report receipts, the
stored line list or the sasaran as the file's kind requires), plus the changes a data officer
reviews before confirming, biggest first, as DHIS2's import dry run shows them. The same outcome
is what :func:`phdt.imports.pipeline.commit` writes.

A correction ripples: cumulatives restart every January and are sums of months, so a changed
month changes every later cumulative of its year (:func:`propagate`), and zero-dose, drop-out
and UCI follow their base indicators (:func:`rederive`). Later months that change are listed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import polars as pl

from phdt.config import Settings
from phdt.imports import history
from phdt.imports.normalise import AGGREGATE, EVENT_SLUGS, SASARAN_FAMILY, derived_rows, with_sasaran
from phdt.indicators import INDICATORS
from phdt.schema import INDIKATOR_BULANAN, conform

KEY = ["period", "kode_desa", "indicator_code"]
LINE_LIST_SOURCES = ("demo", "asik", "ekohort")  # monthly rows a line list can recompute


@dataclass(frozen=True)
class Outcome:
    tables: dict[str, pl.DataFrame]  # the dataset tables the import replaces, as they will be written
    changes: pl.DataFrame  # :func:`changes`: every cell that differs, biggest change first
    later: list[date]  # months after the file's last month whose figures change

    @property
    def monthly(self) -> pl.DataFrame:
        return self.tables["indikator_bulanan"]

    @property
    def cells_changed(self) -> int:
        return self.changes.height


def _text_key(df: pl.DataFrame) -> pl.DataFrame:
    return df.with_columns(pl.col("kode_desa", "indicator_code").cast(pl.String))


def merge_cells(current: pl.DataFrame, imported: pl.DataFrame, replace: bool) -> pl.DataFrame:
    """The monthly table with the imported cells in it: a cell present in both is replaced by the
    import, or kept as it was (`replace=False`)."""
    current, imported = _text_key(current), _text_key(imported)
    if replace:
        kept, new = current.join(imported.select(KEY), on=KEY, how="anti"), imported
    else:
        kept, new = current, imported.join(current.select(KEY), on=KEY, how="anti")
    return pl.concat([kept, new.select(current.columns).cast(current.schema)])


def propagate(monthly: pl.DataFrame, taken: pl.DataFrame) -> pl.DataFrame:
    """Later cumulatives of the same year follow the imported ones: after the last imported month
    of each desa and event indicator, cumulative = that month's cumulative + the later months'
    counts (a missing report adds nothing), as the PWS adds them up."""
    last = (taken.filter(pl.col("indicator_code").is_in(EVENT_SLUGS))
            .group_by("kode_desa", "indicator_code", pl.col("period").dt.year().alias("_year"))
            .agg(_last=pl.col("period").max()))
    m = monthly.with_columns(_year=pl.col("period").dt.year()).join(
        last, on=["kode_desa", "indicator_code", "_year"], how="left")
    group = ["kode_desa", "indicator_code", "_year"]
    at_last = pl.col("numerator_cum").filter(pl.col("period") == pl.col("_last")).first().over(group)
    after = (pl.col("period") > pl.col("_last")).fill_null(False)
    running = pl.when(after).then(pl.col("numerator_month").fill_null(0)).otherwise(0).cum_sum().over(
        group, order_by="period")
    return m.with_columns(
        numerator_cum=pl.when(after).then(at_last + running).otherwise(pl.col("numerator_cum"))
        .cast(monthly.schema["numerator_cum"])
    ).drop("_year", "_last")


def rederive(monthly: pl.DataFrame, desa: pl.Series, since: date, cfg: Settings) -> pl.DataFrame:
    """Zero-dose, drop-out and UCI recomputed from the base indicators for `desa` from `since` on."""
    scope = pl.col("kode_desa").is_in(desa.implode()) & (pl.col("period") >= since)
    derived = ~pl.col("indicator_code").is_in(EVENT_SLUGS)
    bases = monthly.filter(scope & ~derived)
    fresh = derived_rows(bases, cfg).join(  # a derived figure comes from where its first base came from
        _first_base_source(bases), on=["kode_desa", "period", "indicator_code"], how="left")
    return pl.concat([monthly.filter(~(scope & derived)), fresh.select(monthly.columns).cast(monthly.schema)])


def _first_base_source(bases: pl.DataFrame) -> pl.DataFrame:
    first = pl.DataFrame({"indicator_code": [s for s, ind in INDICATORS.items() if ind.base],
                          "_base": [ind.base[0] for ind in INDICATORS.values() if ind.base]})
    return first.join(bases.select("kode_desa", "period", _base="indicator_code", source_system="source_system"),
                      on="_base").drop("_base")


def changes(before: pl.DataFrame, after: pl.DataFrame) -> pl.DataFrame:
    """Every (month, desa, indicator) whose figures differ, with the value before and after
    (percent of the denominator; null where there is none), the largest change first."""
    cols = ["numerator_month", "numerator_cum", "denominator"]
    b = _text_key(before).select(*KEY, *[pl.col(c).alias(f"{c}_before") for c in cols])
    a = _text_key(after).select(*KEY, *[pl.col(c).alias(f"{c}_after") for c in cols])
    joined = b.join(a, on=KEY, how="full", coalesce=True)
    differs = pl.any_horizontal(pl.col(f"{c}_before").ne_missing(pl.col(f"{c}_after")) for c in cols)

    def value(when: str) -> pl.Expr:
        den = pl.col(f"denominator_{when}")
        return pl.when(den > 0).then(100 * pl.col(f"numerator_cum_{when}") / den).alias(f"value_{when}")

    return (
        joined.filter(differs)
        .with_columns(value("before"), value("after"))
        .with_columns(change=pl.col("value_after") - pl.col("value_before"),
                      _people=(pl.col("numerator_cum_after").fill_null(0)
                               - pl.col("numerator_cum_before").fill_null(0)).abs())
        .sort(pl.col("change").abs(), "_people", *KEY, descending=[True, True, False, False, False],
              nulls_last=True)
        .drop("_people")
    )


def outcome(prepared, dataset, cfg: Settings, *, replace: bool) -> Outcome:
    """The dataset after `prepared` (:class:`phdt.imports.pipeline.Prepared`) is committed."""
    current = _text_key(dataset.monthly)
    family, clean = prepared.family, prepared.validation.clean
    if family == SASARAN_FAMILY:  # numerators stay; denominators (and what derives from them) follow
        monthly = merge_cells(current, prepared.monthly, replace=True)
        tables = {"sasaran": with_sasaran(dataset.sasaran, clean)}
    else:
        if family == AGGREGATE:
            taken = _text_key(prepared.monthly).filter(pl.col("indicator_code").is_in(EVENT_SLUGS))
            tables = {"laporan": _received(dataset.laporan, taken.select("period", "kode_desa").unique())}
        else:
            covered = _covered(history.cells(clean, family), dataset.wilayah, prepared.puskesmas)
            line_list = history.merge(dataset.line_list(family), clean, family, replace=replace)
            tables = {family: line_list, "laporan": _received(dataset.laporan, covered)}
            fresh = _text_key(history.recompute(line_list, family, dataset.wilayah, dataset.sasaran,
                                                tables["laporan"], cfg, since=covered["period"].min()))
            taken = _line_list_cells(fresh, current, covered)
        monthly = propagate(merge_cells(current, taken, replace=replace or family != AGGREGATE), taken)
        monthly = rederive(monthly, _changed_desa(current, monthly, taken), taken["period"].min(), cfg)
    tables["indikator_bulanan"] = conform(monthly, INDIKATOR_BULANAN).sort("indicator_code", "kode_desa", "period")
    diff = changes(current, tables["indikator_bulanan"])
    last = max(prepared.periods, default=None)
    later = sorted(p for p in diff["period"].unique().to_list() if last is not None and p > last)
    return Outcome(tables, diff, later)


def _covered(cells: pl.DataFrame, wilayah: pl.DataFrame, puskesmas: str | None) -> pl.DataFrame:
    """The (month, desa) cells an export reports on: its own, and for a puskesmas's export every
    desa of its wilayah kerja in the file's months (a desa without a record had none)."""
    if puskesmas is None:
        return cells
    area = wilayah.filter(pl.col("puskesmas").cast(pl.String) == puskesmas).select(
        pl.col("kode_desa").cast(pl.String))
    return pl.concat([cells, cells.select("period").unique().join(area, how="cross")]).unique()


def _line_list_cells(fresh: pl.DataFrame, current: pl.DataFrame, covered: pl.DataFrame) -> pl.DataFrame:
    """Recomputed cells to take: the file's months for the desa it covers, and every later month
    a line list produced (a dose of March changes April's IDL), but not months an aggregate file
    reported (their cumulatives follow by :func:`propagate`)."""
    in_file = fresh.join(covered, on=["period", "kode_desa"], how="semi")
    from_aggregate = current.filter(~pl.col("source_system").cast(pl.String).is_in(LINE_LIST_SOURCES)).select(KEY)
    later = (fresh.filter(pl.col("period") > covered["period"].max())
             .join(covered.select("kode_desa").unique(), on="kode_desa", how="semi")
             .join(from_aggregate, on=KEY, how="anti"))
    return pl.concat([in_file, later]).unique(KEY, maintain_order=True)


def _changed_desa(before: pl.DataFrame, after: pl.DataFrame, taken: pl.DataFrame) -> pl.Series:
    events = pl.col("indicator_code").is_in(EVENT_SLUGS)
    moved = changes(before.filter(events), after.filter(events))["kode_desa"]
    return pl.concat([moved, taken["kode_desa"]]).unique()


def _received(laporan: pl.DataFrame, cells: pl.DataFrame) -> pl.DataFrame:
    """Report receipts for the imported desa-months that had none (dated the day of the import)."""
    new = (cells.select("period", "kode_desa").unique().with_columns(tgl_diterima=pl.lit(date.today()))
           .cast(laporan.schema)
           .join(laporan.select("period", "kode_desa"), on=["period", "kode_desa"], how="anti"))
    return pl.concat([laporan, new]).sort("period", "kode_desa")


def labelled(diff: pl.DataFrame, wilayah: pl.DataFrame, language: str = "id") -> pl.DataFrame:
    """The changes with desa and indicator names, for the dry-run screen and its download."""
    names = wilayah.select(pl.col("kode_desa").cast(pl.String), "nama_desa", "nama_kecamatan")
    label = {slug: (ind.label_id if language == "id" else ind.label_en) for slug, ind in INDICATORS.items()}
    return diff.join(names, on="kode_desa", how="left").with_columns(
        indicator=pl.col("indicator_code").replace_strict(label, default=pl.col("indicator_code")))
