"""Every figure reads true in a meeting room: names on the PWS map and on the funnel's points, the
linear target labelled beside the bars (not over the first), margins that fit their labels at
1366 px, hover texts in the session's language, and the follow-up table's key columns in view."""

from __future__ import annotations

import json
import re
from datetime import date

import polars as pl
import pytest

from components import charts, labels
from phdt import dojo
from phdt.indicators import INDICATORS
from tests.helpers import open_page, user

RAW_FORMAT = re.compile(r"%\{[^}]*:[^}]*\}")  # a d3 format in a hover template: "%{y:.1f}", "%{x:,}"


@pytest.fixture(autouse=True)
def language(monkeypatch):
    """The figure builders read the session's language; outside a session it is set here."""
    import streamlit as st

    def use(code: str) -> None:
        monkeypatch.setitem(st.session_state, "bahasa", code)

    return use


def pws_status(n: int = 19, target: float = 75.0) -> pl.DataFrame:
    coverage = [76.7 - 2.5 * i for i in range(n)]
    return pl.DataFrame({
        "kode_desa": [f"33.03.01.20{i:02d}" for i in range(n)], "nama_desa": [f"Desa Nomor {i}" for i in range(n)],
        "coverage_cum": coverage, "target_linear": [target] * n,
        "status": ["baik" if c >= target else "jelek" for c in coverage],
    })


def league(n: int) -> pl.DataFrame:
    """n puskesmas around 74 %, two far outliers (Rendah, Tinggi), sizes 300–1,300."""
    rows = []
    for i in range(n):
        denominator = 300 + (1000 * i) // max(n - 1, 1)
        share = 0.74 + 0.01 * ((i * 7) % 5 - 2)
        rows.append((f"Puskesmas {i:02d}", round(share * denominator), denominator))
    rows[0] = ("Rendah", 200, 450)
    rows[-1] = ("Tinggi", 1180, 1250)
    return pl.DataFrame({
        "kode": [r[0] for r in rows], "nama": [r[0] for r in rows], "numerator": [r[1] for r in rows],
        "denominator": [r[2] for r in rows], "value": [100 * r[1] / r[2] for r in rows],
        "reason": pl.Series([None] * n, dtype=pl.String),
    })


def label_annotations(fig) -> dict[str, object]:
    return {a.name.removeprefix("label "): a for a in fig.layout.annotations if (a.name or "").startswith("label ")}


def test_pws_target_is_labelled_right_of_the_plot_not_over_the_first_bar(language):
    language("id")
    fig = charts.pws_bar_figure(pws_status(), "PWS")
    (label,) = [a for a in fig.layout.annotations if "Target linear" in a.text]
    assert label.xref == "paper" and label.x >= 1 and label.xanchor == "left"  # outside, on the right
    assert label.yref == "y" and label.y == 75.0 and "75,0 %" in label.text
    assert fig.layout.margin.r >= 7 * len("Target linear")  # the margin is made for it
    assert fig.layout.yaxis.range[1] > max(pws_status()["coverage_cum"])  # room for the status labels


@pytest.mark.parametrize("n", [22, 25])
def test_every_funnel_point_is_named_up_to_25_puskesmas(language, n):
    language("en")
    fig = charts.funnel_figure(dojo.funnel(league(n), INDICATORS["anc_k6"]))
    assert set(label_annotations(fig)) == set(league(n)["kode"])


def test_a_larger_funnel_names_its_outliers_and_presenters(language):
    language("id")
    funnel = dojo.funnel(league(40), INDICATORS["anc_k6"])
    fig = charts.funnel_figure(funnel, highlight=("Puskesmas 07",))
    outside = set(funnel.points.filter(pl.col("position") != "within")["kode"])
    assert {"Rendah", "Tinggi"} <= outside
    named = label_annotations(fig)
    assert set(named) == outside | {"Puskesmas 07"}
    assert named["Puskesmas 07"].text == "<b>Puskesmas 07</b>"


def test_placed_labels_overprint_no_label_and_no_point():
    points = [(100 + 4 * i, 100 + (i % 3)) for i in range(12)] + [(300, 50)]  # a tight cluster and one apart
    wanted = [(x, y, f"Puskesmas {i}", i == 0) for i, (x, y) in enumerate(points)]
    spots = labels.place(points, wanted, (700, 300), radius=7)
    boxes = []
    for (x, y, text, bold), spot in zip(wanted, spots, strict=True):
        assert spot is not None, text
        w, h = labels.size(text, bold)
        boxes.append((x + spot[0] - w / 2, y + spot[1] - h / 2, x + spot[0] + w / 2, y + spot[1] + h / 2))
    for i, box in enumerate(boxes):
        assert 0 <= box[0] and box[2] <= 700 and 0 <= box[1] and box[3] <= 300
        assert not any(labels.overlaps(box, other) for other in boxes[i + 1:])
        assert not any(labels.overlaps(box, (px - 7, py - 7, px + 7, py + 7)) for px, py in points)
    assert any(spot[2] for spot in spots)  # the cluster needs leader lines


def every_chart() -> dict[str, object]:
    months = pl.date_range(date(2024, 1, 1), date(2025, 12, 1), "1mo", eager=True)
    trend = pl.DataFrame({"period": months, "value": [5.0 * (i % 12 + 1) for i in range(24)],
                          "expected": [75 * (i % 12 + 1) / 12 for i in range(24)]})
    ranked = pl.DataFrame({"kode": ["a", "b"], "nama": ["Desa A", "Desa B"], "gap": [1234, 56], "cum_share": [0.9, 1.0]})
    steps = pl.DataFrame({"numerator": [11573, 10100, 8792], "lost": [None, 1473, 1308], "value": [71.9, 63.1, 54.6]})
    categories = pl.DataFrame({"nama": ["A", "B"], "dpt1": [81.26, 60.5], "dropout": [12.5, 3.25],
                               "category": [2, 3], "access_pace": [70.0, 70.0]})
    series = pl.DataFrame({"kode_desa": ["a"] * 3, "nama_desa": ["Desa A"] * 3, "month": [1, 2, 3],
                           "target_linear": [6.25, 12.5, 18.75], "coverage_cum": [5.5, 11.25, 17.0]})
    return {
        "trend": charts.trend_figure(trend, date(2025, 9, 1), "Tren"),
        "pareto": charts.pareto_figure(ranked, "ibu hamil"),
        "cascade": charts.cascade_figure(steps, ["K1", "K4", "K6"], "ibu hamil"),
        "dropout": charts.dropout_figure(categories),
        "pws_bar": charts.pws_bar_figure(pws_status(), "PWS"),
        "pws_multiples": charts.pws_small_multiples(series),
        "funnel": charts.funnel_figure(dojo.funnel(league(22), INDICATORS["anc_k6"])),
    }


@pytest.mark.parametrize("code, separators, decimal", [("id", ",.", "81,3 %"), ("en", ".,", "81.3 %")])
def test_every_chart_writes_numbers_in_the_session_language_with_margins_for_its_labels(language, code, separators,
                                                                                          decimal):
    language(code)
    figures = every_chart()
    for name, fig in figures.items():
        assert fig.layout.separators == separators, name
        axes = [key for key in fig.layout if re.fullmatch(r"[xy]axis\d*", key) and fig.layout[key] is not None]
        assert axes and all(fig.layout[key].automargin for key in axes), name
        for trace in fig.data:
            assert not RAW_FORMAT.search(trace.hovertemplate or ""), (name, trace.hovertemplate)
            assert not RAW_FORMAT.search(getattr(trace, "texttemplate", None) or ""), name
    hover = [text for trace in figures["dropout"].data for text in (trace.hovertext or ())]
    assert any(decimal in text for text in hover)  # pre-formatted by phdt.formats: 81.26 -> 81,3 %
    cascade = figures["cascade"].data[0]
    assert list(cascade.text) == (["71,9 %", "63,1 %", "54,6 %"] if code == "id" else ["71.9 %", "63.1 %", "54.6 %"])


def plotly_specs(at) -> list[dict]:
    return [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]


def test_the_pws_status_map_names_every_desa():
    at = open_page("puskesmas_page", puskesmas="Kemangkon", bagian="pws", periode="2025-09", indikator="anc_k6")
    table = next(df.value for df in at.dataframe if "Desa/Kelurahan" in df.value.columns)
    names = set(table["Desa/Kelurahan"])
    maps = [spec for spec in plotly_specs(at) if "Status PWS desa" in json.dumps(spec["layout"].get("title"))]
    assert len(maps) == 1
    written = {a["text"] for a in maps[0]["layout"].get("annotations", []) if a.get("name", "").startswith("label ")}
    assert written == names and len(names) == 19


def test_follow_up_table_shows_action_who_when_and_status_first(store):
    store.add({"puskesmas": "Kemangkon", "period": date(2024, 9, 1), "masalah": "K6 rendah " * 20,
               "penyebab": "Bidan cuti", "rtl": "Kunjungan rumah oleh bidan desa " * 5,
               "penanggung_jawab": "Bidan Koordinator", "tenggat": date(2024, 10, 31), "status": "direncanakan"},
              user(name="Penguji"))
    at = open_page("puskesmas_page", puskesmas="Kemangkon", bagian="rtl", periode="2024-09")
    table = next(df for df in at.dataframe if "Masalah" in df.value.columns)
    first = ["ID", "Rencana tindak lanjut", "Penanggung jawab", "Tenggat", "Status"]
    assert list(table.value.columns[:5]) == first
    config = json.loads(table.proto.columns)
    widths = [config[column]["width"] for column in first]
    assert sum(widths) <= 1920 - 300 - 2 * 80 - 300  # beside the sidebar at 1920 px, with the problem in view
    assert table.proto.row_height >= 3 * 20  # long text wraps over lines
