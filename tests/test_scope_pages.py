"""Every page and the sidebar's area (phdt.scope): with a kecamatan chosen, each page shows that
kecamatan's figures and names it, or says visibly that it shows the whole kabupaten. Expected
figures are summed here from the monthly table with polars, not with the functions the pages call."""

from __future__ import annotations

import json
from datetime import date

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from phdt import dataset as ds
from phdt.config import ROOT
from phdt.indicators import INDICATORS, Direction, Programme, headline
from tests.helpers import open_page, shown, shown_table

LATEST = date(2025, 12, 1)
KECAMATAN, NAME = "33.03.09", "Kec. Bobotsari"
KABUPATEN = "Kabupaten Purbalingga"
FIGURE_FREE = {"teater_page", "data_page", "pengguna_page"}  # pages that show no coverage figure of their own


@pytest.fixture(scope="module")
def data() -> ds.Dataset:
    return ds.load()


def fmt(value: float, decimals: int = 0) -> str:
    return shown(value, decimals)


def desa_rows(data, slug: str, period: date, kecamatan: str = "") -> pl.DataFrame:
    """The monthly rows of one indicator and month, for the desa of a kecamatan (all for '')."""
    codes = data.wilayah.filter(pl.col("kode_kecamatan").cast(pl.String).str.starts_with(kecamatan))["kode_desa"]
    return data.monthly.filter(
        (pl.col("indicator_code") == slug) & (pl.col("period") == period)
        & pl.col("kode_desa").cast(pl.String).is_in(codes.cast(pl.String).implode()))


def expected_figures(data, slug: str, period: date, kecamatan: str = "") -> tuple[str, int]:
    """("70,8 %", people behind) of an area: Σ numerator / Σ denominator, and Σ of each desa's gap."""
    indicator = INDICATORS[slug]
    rows = desa_rows(data, slug, period, kecamatan)
    value = 100 * rows["numerator_cum"].sum() / rows["denominator"].sum()
    if indicator.direction is Direction.LOWER:
        gap = rows["numerator_cum"].clip(lower_bound=0).sum()
    else:
        target = rows["denominator"].cast(pl.Float64) * indicator.expected(period.month) / 100
        gap = (target - rows["numerator_cum"]).clip(lower_bound=0).round().sum()
    return f"{fmt(value, 1)} %", int(gap)


def page_text(at: AppTest) -> str:
    """Every text a user reads on the page (figure titles included)."""
    kinds = ("title", "subheader", "markdown", "caption", "info", "warning")
    parts = [e.value for kind in kinds for e in getattr(at, kind)]
    parts += [f"{m.label} {m.value}" for m in at.metric]
    parts += [s.label for s in at.selectbox]
    parts += [json.dumps(json.loads(c.proto.spec).get("layout", {}).get("title", {})) for c in at.get("plotly_chart")]
    return "\n".join(str(p) for p in parts)


def scope_notice(at: AppTest) -> bool:
    return any(NAME in i.value and KABUPATEN in i.value for i in at.info)


def test_ringkasan_cards_trend_and_gaps_follow_the_kecamatan(data):
    at = open_page("ringkasan_page", kecamatan=KECAMATAN)
    shown = {m.label: m.value for m in at.metric}
    for programme in Programme:
        ind = headline(programme)
        value, gap = expected_figures(data, ind.slug, LATEST, KECAMATAN)
        assert shown[ind.label_id] == value
        assert value != expected_figures(data, ind.slug, LATEST)[0]  # the kabupaten's would differ
        assert any(md.value.startswith(f"**{fmt(gap)} ") for md in at.markdown), (ind.slug, gap)
    assert [s.value for s in at.subheader][:1] == [f"Capaian program — {NAME}"]
    assert NAME in at.subheader[1].value
    assert NAME in page_text(at).split("Tren", 1)[1]  # the trend's title names the area
    _, k6_gap = expected_figures(data, "anc_k6", LATEST, KECAMATAN)
    assert any(md.value.startswith(f"{fmt(k6_gap)} ibu hamil") for md in at.markdown)
    assert set(shown_table(at.dataframe[0])["Kecamatan"]) == {"Bobotsari"}


def test_kesenjangan_follows_the_kecamatan(data):
    at = open_page("kesenjangan_page", kecamatan=KECAMATAN, indikator="anc_k6")
    assert NAME in at.title[0].value
    _, gap = expected_figures(data, "anc_k6", LATEST, KECAMATAN)
    assert any(f"**{fmt(gap)} ibu hamil**" in md.value for md in at.markdown)
    table = shown_table(at.dataframe[0])
    assert sum(int(v.replace(".", "")) for v in table["Kesenjangan (ibu hamil)"]) == gap
    k1 = desa_rows(data, "anc_k1", LATEST, KECAMATAN)["numerator_cum"].sum()
    assert any(c.value.startswith(f"{fmt(k1)} ibu hamil K1") for c in at.caption)
    assert NAME in at.subheader[0].value
    levels = at.get("button_group")[0]
    assert "Kecamatan" not in str(levels.proto)  # nothing coarser than the area to rank


def test_kesenjangan_ptm_table_is_the_kecamatan_s(data):
    at = open_page("kesenjangan_page", kecamatan=KECAMATAN, indikator="ptm_dm")
    _, gap = expected_figures(data, "ptm_dm", LATEST, KECAMATAN)
    assert list(shown_table(at.dataframe[1])["Kesenjangan"])[2] == fmt(gap)


def test_rapat_puskesmas_offers_the_kecamatan_s_puskesmas(data):
    purbalingga = "33.03.05"  # two puskesmas serve it
    serving = sorted(data.wilayah.filter(pl.col("kode_kecamatan").cast(pl.String) == purbalingga)
                     ["puskesmas"].cast(pl.String).unique().to_list())
    assert len(serving) == 2
    at = open_page("puskesmas_page", kecamatan=purbalingga)
    chooser = at.selectbox(key="puskesmas")
    assert chooser.options == serving and "Kec. Purbalingga" in chooser.label
    assert at.title[0].value.startswith(f"Puskesmas {serving[0]}")
    at = open_page("puskesmas_page", kecamatan=KECAMATAN, puskesmas="Kemangkon")
    assert at.session_state["puskesmas"] == "Bobotsari"
    assert any("Kemangkon" in i.value and NAME in i.value for i in at.info)


@pytest.mark.parametrize("page", ["dojo_page", "bupati_page"])
def test_kabupaten_wide_pages_say_so(page):
    assert scope_notice(open_page(page, kecamatan=KECAMATAN))
    assert not any(NAME in i.value for i in open_page(page).info)  # no notice without a kecamatan


def test_peta_table_is_the_kecamatan_s(data):
    at = open_page("peta_page", kecamatan=KECAMATAN)
    assert NAME in at.title[0].value
    desa = data.wilayah.filter(pl.col("kode_kecamatan").cast(pl.String) == KECAMATAN).height
    assert len(shown_table(at.dataframe[0])) == desa


@pytest.mark.parametrize("page", sorted(p.stem for p in (ROOT / "pages").glob("*_page.py")))
def test_no_page_shows_kabupaten_figures_under_a_kecamatan_without_saying_so(data, page):
    """With a kecamatan chosen, a page either names it and shows none of the kabupaten's headline
    figures, or says visibly that it shows the whole kabupaten."""
    at = open_page(page, role="admin" if page == "pengguna_page" else "staf", kecamatan=KECAMATAN)
    text = page_text(at)
    kabupaten = {slug: expected_figures(data, slug, LATEST) for slug in (headline(p).slug for p in Programme)}
    shown = [f"{slug}: {figure}" for slug, (value, gap) in kabupaten.items()
             for figure in (value, fmt(gap)) if figure in text]
    if scope_notice(at):
        return
    assert not shown, f"{page} shows kabupaten figures under {NAME} without saying so: {shown}"
    assert page in FIGURE_FREE or NAME in text, f"{page} does not name its area"
