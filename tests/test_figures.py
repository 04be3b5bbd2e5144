"""Every figure reads true: a change shown by any page has the arrow of its number and the colour of
its indicator's direction (a fall of IDL red, a fall of drop-out green), in both languages. Expected
values are computed here from the dataset's own rows (Σ numerator / Σ denominator), not by the
functions the pages call."""

from __future__ import annotations

import ast
from datetime import date
from pathlib import Path

import polars as pl
import pytest
from streamlit.proto.Metric_pb2 import Metric as MetricProto

from phdt import critique
from phdt import dataset as ds
from phdt.config import ROOT
from phdt.indicators import INDICATORS
from tests.helpers import open_page, shown_table, user

ARROW = {"up": MetricProto.MetricDirection.UP, "down": MetricProto.MetricDirection.DOWN}
COLOUR = {"green": MetricProto.MetricColor.GREEN, "red": MetricProto.MetricColor.RED}
MINUS = "−"


@pytest.fixture(scope="module")
def monthly() -> pl.DataFrame:
    return ds.load().monthly


def coverage(monthly: pl.DataFrame, slug: str, period: date, puskesmas: str | None = None) -> float:
    rows = monthly.filter((pl.col("indicator_code") == slug) & (pl.col("period") == period))
    if puskesmas is not None:
        rows = rows.filter(pl.col("puskesmas").cast(pl.String) == puskesmas)
    return 100 * rows["numerator_cum"].sum() / rows["denominator"].sum()


def one_decimal(value: float, language: str) -> str:
    """Written out by hand, independently of phdt.formats."""
    text = f"{abs(value):.1f}"
    return ("−" if value < 0 else "+") + (text.replace(".", ",") if language == "id" else text)


def assert_reads(metric, delta: float, lower_is_better: bool) -> None:
    falls = delta < 0
    assert metric.proto.direction == ARROW["down" if falls else "up"], metric.delta
    assert metric.proto.color == COLOUR["green" if falls == lower_is_better else "red"], metric.delta


@pytest.mark.parametrize("language", ["id", "en"])
def test_ringkasan_shows_a_fall_of_idl_as_a_red_fall(monthly, language):
    """The tracker's case: IDL March 2025 vs March 2024 is 2751/14500 − 2921/14389 = −1,3 points."""
    at = open_page("ringkasan_page", indikator="imm_idl", periode="2025-03", bahasa=language)
    delta = coverage(monthly, "imm_idl", date(2025, 3, 1)) - coverage(monthly, "imm_idl", date(2024, 3, 1))
    assert round(delta, 1) == -1.3
    (card,) = [m for m in at.metric if m.label == INDICATORS["imm_idl"].label(language)]
    assert one_decimal(delta, language) in card.delta and MINUS in card.delta
    assert_reads(card, delta, lower_is_better=False)
    for metric in at.metric:  # the other headline cards: arrow from their own number
        slug = next(s for s, i in INDICATORS.items() if i.label(language) == metric.label)
        other = coverage(monthly, slug, date(2025, 3, 1)) - coverage(monthly, slug, date(2024, 3, 1))
        assert_reads(metric, other, lower_is_better=False)


@pytest.mark.parametrize("language", ["id", "en"])
def test_bupati_change_is_distance_to_the_linear_target_and_says_so(monthly, language):
    """Closer to the linear target (annual target × month / 12) than a quarter ago: up and green."""
    at = open_page("bupati_page", periode="2025-12", bahasa=language)
    assert len(at.metric) == 3
    for metric, slug in zip(at.metric, ("anc_k6", "imm_idl", "ptm_hipertensi"), strict=True):
        target = INDICATORS[slug].target
        behind_now = target - coverage(monthly, slug, date(2025, 12, 1))
        behind_then = target * 9 / 12 - coverage(monthly, slug, date(2025, 9, 1))
        closer = behind_then - behind_now
        assert_reads(metric, closer, lower_is_better=False)
        words = {("id", True): "lebih dekat", ("id", False): "lebih jauh",
                 ("en", True): "closer", ("en", False): "further"}[(language, closer > 0)]
        assert words in metric.delta and one_decimal(closer, language)[1:] in metric.delta


@pytest.mark.parametrize("language", ["id", "en"])
def test_dojo_panels_show_a_fall_of_drop_out_as_green(monthly, store, language):
    """Drop-out is lower-is-better: a puskesmas whose DO fell since March 2024 gets a green down-arrow,
    one whose DO rose a red up-arrow."""
    slug, now, then = "imm_do_dpt1_dpt3", date(2025, 3, 1), date(2024, 3, 1)
    names = sorted(monthly["puskesmas"].cast(pl.String).unique())
    values = {name: (coverage(monthly, slug, now, name), coverage(monthly, slug, then, name)) for name in names}
    plausible = [n for n in names if all(0 <= v <= 100 for v in values[n])]  # no impossible value either month
    changes = {name: values[name][0] - values[name][1] for name in plausible}
    fell = [n for n in plausible if changes[n] < -0.05][:2]
    rose = [n for n in plausible if changes[n] > 0.05][:2]
    session = critique.create_session(store, "Dojo DO", "2025-03", [slug], fell + rose, user(name="Kasie"))
    at = open_page("dojo_page", dojo="sesi", sesi=str(session), bahasa=language)
    shown = [m for m in at.metric if m.label == INDICATORS[slug].label(language)]
    assert len(shown) == 4
    compared = set()
    for metric, name in zip(shown, fell + rose, strict=True):
        if not metric.delta:  # not ranked this month (data quality): no change is shown
            continue
        assert one_decimal(changes[name], language) in metric.delta
        assert_reads(metric, changes[name], lower_is_better=True)
        compared.add(changes[name] < 0)
    assert compared == {True, False}  # at least one fall and one rise were drawn


def _metric_calls_with_a_delta(path: Path) -> list[int]:
    """Lines where `path` calls ``.metric(`` / ``metric(`` of Streamlit with a delta of its own."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "metric":
            if len(node.args) > 2 or any(k.arg in ("delta", "delta_color", "delta_arrow") for k in node.keywords):
                found.append(node.lineno)
    return found


def test_only_the_one_formatter_draws_a_change():
    """Every st.metric with a change goes through components.i18n.metric (arrow and colour from the
    number): a new page calling st.metric with a delta of its own fails here."""
    offenders = {}
    for path in sorted([ROOT / "app.py", *(ROOT / "pages").glob("*.py"), *(ROOT / "components").glob("*.py")]):
        lines = _metric_calls_with_a_delta(path)
        if path.name == "i18n.py":
            assert lines, "components.i18n.metric should be the one call with a delta"
            continue
        if lines:
            offenders[str(path.relative_to(ROOT))] = lines
    assert offenders == {}


# --- tables -----------------------------------------------------------------------------------

WRONG_DECIMAL = {"id": r"^[−-]?\d+\.\d{1,2}( %)?$", "en": r"^[−-]?\d+,\d{1,2}( %)?$"}  # "77.6" in Bahasa, "77,6" in English
RIGHT_DECIMAL = {"id": r"^[−-]?\d+,\d( %)?$", "en": r"^[−-]?\d+\.\d( %)?$"}
PAGES = [
    ("ringkasan_page", {"indikator": "imm_idl", "periode": "2025-03"}),
    ("peta_page", {"indikator": "anc_k6", "tingkat": "desa"}),
    ("peta_page", {"indikator": "imm_zero_dose", "tampilan": "banding", "periode": "2025-09"}),
    ("kesenjangan_page", {"indikator": "anc_k6"}),
    ("kesenjangan_page", {"indikator": "ptm_hipertensi"}),
    ("puskesmas_page", {"puskesmas": "Kemangkon", "bagian": "profil"}),
    ("puskesmas_page", {"puskesmas": "Kemangkon", "bagian": "pws"}),
    ("puskesmas_page", {"puskesmas": "Kemangkon", "bagian": "kualitas"}),
    ("dojo_page", {"dojo": "peringkat", "indikator": "imm_do_dpt1_dpt3"}),
    ("dojo_page", {"dojo": "rapor"}),
    ("dojo_page", {"dojo": "kesetaraan"}),
    ("bupati_page", {}),
]


@pytest.mark.parametrize("language", ["id", "en"])
@pytest.mark.parametrize(("page", "params"), PAGES, ids=[f"{p}-{'-'.join(q.values())}" for p, q in PAGES])
def test_every_table_writes_its_numbers_in_the_session_language(page, params, language):
    """No table column is left as numbers for st.dataframe to write as "77.6" in Bahasa; no cell
    has the other language's decimal mark; and the page does show decimals in its own."""
    import re

    at = open_page(page, bahasa=language, **params)
    assert at.dataframe, "every one of these views has a table"
    decimals = 0
    for element in at.dataframe:
        numbers = [c for c in element.value.columns if element.value[c].dtype.kind in "iuf"]
        assert not numbers or element.proto.arrow_data.styler.display_values, ("shown unformatted", numbers)
        frame = shown_table(element)
        for column in frame.columns:
            for cell in frame[column].dropna().astype(str):
                assert not re.match(WRONG_DECIMAL[language], cell), (column, cell)
                decimals += bool(re.match(RIGHT_DECIMAL[language], cell))
    if params.get("bagian") != "kualitas":  # quality scores and counts are whole numbers
        assert decimals, "some decimal shown in this page's language"


def test_a_table_keeps_its_numbers_under_the_shown_text_so_it_sorts_by_value():
    from components import tables

    shown = tables.as_shown(pl.DataFrame({"desa": ["A", "B", "C"], "x": [8.5, 77.6, 1234.5]}))
    assert shown.data["x"].tolist() == [8.5, 77.6, 1234.5]  # what a header click sorts
    assert [line.split()[-1] for line in shown.to_string().splitlines()[1:]] == ["8,5", "77,6", "1.234,5"]
