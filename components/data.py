"""Cached access to the dataset, summaries and boundaries.

Base frames are loaded once per process (``cache_resource``: no copy on a hit); derived results are
cached by small keys that include the dataset version, never by DataFrame arguments (Streamlit
hashes only a sample of a large frame).
"""

from __future__ import annotations

from datetime import date

import polars as pl
import streamlit as st

from phdt import actions, dojo, metrics, pws, scope, versions
from phdt import dataset as ds
from phdt import quality as dq
from phdt.config import settings
from phdt.indicators import INDICATORS
from phdt.metrics import parse_period
from phdt.schema import LINE_LISTS
from phdt.sasaran import missing_years


def dataset() -> ds.Dataset:
    """The dataset version pinned by the link (``versi``: a theater script freezes its data), else
    the current one (reading the small CURRENT pointer each run: an import or a restore in another
    session shows on the next rerun)."""
    _purge_once()
    return _dataset(version_id())


@st.cache_resource(show_spinner=False)
def _purge_once() -> None:
    """At server start, not only at the next import: uploaded line lists past their retention
    period, and staging folders of interrupted imports, are deleted."""
    versions.purge_personal_originals(None, LINE_LISTS, settings().line_list_retention_days)


def version_id() -> str:
    """The id of the version shown: pinned, current, or the demo registered as the first."""
    return pinned_version() or versions.current_id() or versions.bootstrap(data_dir=settings().data_dir)


def pinned_version() -> str:
    """``versi`` from the session, or on a session's first run from the URL when it names a stored
    version (state.init reports an invalid one)."""
    if "versi" not in st.session_state and is_version(raw := st.query_params.get("versi", "")):
        st.session_state["versi"] = raw
    return st.session_state.get("versi", "")


def is_version(raw: str) -> bool:
    return bool(versions.ID_PATTERN.fullmatch(raw)) and raw in versions.version_ids()


@st.cache_resource(max_entries=2, show_spinner="Memuat data… / Loading data…")
def _dataset(version_id: str) -> ds.Dataset:
    return ds.load(versions.default_root() / version_id)


@st.cache_data(max_entries=4, show_spinner=False)
@st.cache_data(max_entries=4, show_spinner=False)
def missing_sasaran(version_id: str) -> dict[int, list]:
    """Years with months but no sasaran (phdt.sasaran.missing_years), once per version."""
    loaded = _dataset(version_id)
    return missing_years(loaded.monthly, loaded.sasaran)


def period_codes() -> list[str]:
    return [p.strftime("%Y-%m") for p in dataset().periods]


def kecamatan_names() -> dict[str, str]:
    w = dataset().wilayah.select(pl.col("kode_kecamatan").cast(pl.String), "nama_kecamatan").unique()
    return dict(w.sort("kode_kecamatan").iter_rows())


def puskesmas_names() -> list[str]:
    return sorted(dataset().wilayah["puskesmas"].cast(pl.String).unique().to_list())


def desa_names(kecamatan: str = "") -> dict[str, str]:
    """Desa code -> name, for one kecamatan or all."""
    w = dataset().wilayah.select(pl.col("kode_desa").cast(pl.String), "nama_desa")
    return dict(w.filter(pl.col("kode_desa").str.starts_with(kecamatan)).iter_rows())


@st.cache_data(max_entries=256, show_spinner=False)
def area(kecamatan: str, desa: str, version: str) -> scope.Scope:
    """The scope of a sidebar choice (phdt.scope), once per choice and data version."""
    return scope.from_selection(dataset().wilayah, kecamatan, desa)


@st.cache_data(max_entries=256, show_spinner=False)
def puskesmas_area(name: str, version: str) -> scope.Scope:
    """A puskesmas's wilayah kerja as a scope."""
    return scope.of_puskesmas(dataset().wilayah, name)


@st.cache_data(max_entries=512, show_spinner=False)
def units(slug: str, period: date, level: str, version: str) -> pl.DataFrame:
    data = dataset()
    return metrics.summarise(data.monthly, data.wilayah, INDICATORS[slug], period, level)


@st.cache_data(max_entries=256, show_spinner=False)
def trend(slug: str, level: str, code: str | None, version: str) -> pl.DataFrame:
    data = dataset()
    return metrics.trend(data.monthly, data.wilayah, INDICATORS[slug], level, code)


@st.cache_data(max_entries=128, show_spinner=False)
def pws_status(slug: str, period: date, puskesmas: str | None, version: str) -> pl.DataFrame:
    """The PWS table of one puskesmas's desa (all desa for None): pws.desa_status, computed once
    per data version, not on every rerun of the pages that show it."""
    data = dataset()
    return pws.desa_status(data.monthly, data.wilayah, INDICATORS[slug], period, puskesmas)


@st.cache_data(max_entries=64, show_spinner=False)
def desa_index(version: str) -> pl.DataFrame:
    """Desa code -> name, kecamatan and puskesmas, for tables."""
    return dataset().wilayah.select(
        pl.col("kode_desa").cast(pl.String).alias("kode"), "nama_desa", "nama_kecamatan",
        pl.col("puskesmas").cast(pl.String),
    )


@st.cache_resource(show_spinner=False)
def boundary_layer(level: str):
    """The simplified boundary layer (geo.boundaries.BoundaryLayer), None without boundary files, or
    the error message of a bad file. geopandas is imported here, not at start: only maps need it."""
    from geo import boundaries

    w = dataset().wilayah
    column = "kode_kecamatan" if level == "kecamatan" else "kode_desa"
    expected = set(w[column].cast(pl.String).unique().to_list())
    try:
        return boundaries.load_layer(level, expected, settings())
    except boundaries.BoundaryError as exc:
        return str(exc)


@st.cache_data(max_entries=256, show_spinner=False)
def unit_indicators(level: str, code: str, period: date, version: str) -> pl.DataFrame:
    """Every registry indicator for one unit (a desa card, a puskesmas profile): one row per
    indicator with slug and the unit's summary columns."""
    rows = [
        units(slug, period, level, version).filter(pl.col("kode") == code).with_columns(slug=pl.lit(slug))
        for slug in INDICATORS
    ]
    return pl.concat(rows, how="diagonal_relaxed")


@st.cache_data(max_entries=4, show_spinner="Memeriksa kualitas data… / Checking data quality…")
def quality(version: str) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """Every data-quality flag of the dataset, and the scores per desa-month and puskesmas-month."""
    data = dataset()
    evaluation = dq.evaluate(data.monthly, data.laporan, data.sasaran, data.wilayah, settings=settings())
    scores = dq.scores(evaluation.flags, evaluation.expected_cells)
    return evaluation.flags, scores.desa, scores.puskesmas


@st.cache_data(max_entries=256, show_spinner=False)
def flagged_units(slug: str, period: date, level: str, version: str) -> set[str]:
    """Units of `level` with a data-quality flag this month on the indicator, or on the desa's
    report itself (missing or late): numbers shown for them carry a warning."""
    flags, _, _ = quality(version)
    codes = flags.filter(
        (pl.col("period") == period) & (pl.col("indicator_code").is_null() | (pl.col("indicator_code") == slug))
        & (pl.col("severity") != "info")  # a denominator to review is not a data error
    )["kode_desa"]
    units = dataset().wilayah.select(
        pl.col("kode_desa", "kode_kecamatan", "puskesmas").cast(pl.String),
        kode_kabupaten=pl.col("kode_kecamatan").cast(pl.String).str.slice(0, 5),
    ).filter(pl.col("kode_desa").is_in(codes.implode()))
    column = {"desa": "kode_desa", "kecamatan": "kode_kecamatan", "puskesmas": "puskesmas",
              "kabupaten": "kode_kabupaten"}[level]
    return set(units[column].to_list())


@st.cache_resource(show_spinner=False)
def action_store() -> actions.Store:
    """The follow-up action database (created or migrated on first use)."""
    return actions.Store(settings().actions_db)


def comparison_period(period: date) -> date:
    """The period compared with (URL ``pembanding``): by default the same month last year, since
    cumulative PWS values restart each January; the first loaded month when that is missing."""
    if st.session_state["pembanding"]:
        return parse_period(st.session_state["pembanding"])
    return default_comparison(period)


def default_comparison(period: date) -> date:
    same_month = date(period.year - 1, period.month, 1)
    return same_month if same_month in dataset().periods else dataset().periods[0]


@st.cache_data(max_entries=64, show_spinner=False)
def quality_scores(period: date, version: str) -> pl.DataFrame:
    """puskesmas, score: this month's data-quality score of each puskesmas."""
    _, _, scores = quality(version)
    return scores.filter(pl.col("period") == period).select("puskesmas", "score")


@st.cache_data(max_entries=64, show_spinner=False)
def unit_quality(period: date, level: str, version: str) -> pl.DataFrame:
    """kode, score: this month's data-quality score of each desa or kecamatan (dq.unit_scores)."""
    _, desa, _ = quality(version)
    return dq.unit_scores(desa.filter(pl.col("period") == period), dataset().wilayah, level)


@st.cache_data(max_entries=128, show_spinner=False)
def league(slug: str, period: date, earlier: date | None, version: str) -> pl.DataFrame:
    """The Dojo league table of one indicator (phdt.dojo.league), ranked only on trusted data;
    without `earlier` no change is computed (the ranks are the same)."""
    compared = metrics.comparison(INDICATORS[slug], period, earlier) if earlier else None
    before = units(slug, earlier, "puskesmas", version) if compared else None
    return dojo.league(units(slug, period, "puskesmas", version), before,
                       quality_scores(period, version), INDICATORS[slug], settings().dojo_min_quality,
                       compared=compared)


@st.cache_data(max_entries=32, show_spinner="Menyusun rapor… / Building the scorecard…")
def scorecard(period: date, earlier: date, version: str) -> pl.DataFrame:
    """Every puskesmas × every registry indicator (phdt.dojo.scorecard)."""
    return dojo.scorecard({slug: units(slug, period, "puskesmas", version) for slug in INDICATORS},
                          {slug: units(slug, earlier, "puskesmas", version) for slug in INDICATORS},
                          quality_scores(period, version), settings().dojo_min_quality, periods=(period, earlier))
