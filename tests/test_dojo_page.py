"""AppTest of the Dojo page: each comparison section against phdt computed independently, the
session states (none, created, unknown, notes, suggestion -> action, summary) and suppression."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from phdt import critique, dojo, metrics
from phdt import dataset as ds
from phdt import quality as dq
from phdt.config import settings
from phdt.indicators import INDICATORS
from tests.helpers import account, open_page, shown_table, user
from tests.helpers import shown as number_shown

DECEMBER, LAST_DECEMBER = date(2025, 12, 1), date(2024, 12, 1)
SEPTEMBER, LAST_SEPTEMBER = date(2024, 9, 1), date(2023, 9, 1)  # Pegandekan's report is missing: Kemangkon 94.4


@pytest.fixture(scope="module")
def data() -> ds.Dataset:
    return ds.load()


@pytest.fixture(scope="module")
def scores(data) -> pl.DataFrame:
    evaluation = dq.evaluate(data.monthly, data.laporan, data.sasaran, data.wilayah, settings=settings())
    return dq.scores(evaluation.flags, evaluation.expected_cells).puskesmas


@pytest.fixture
def configured(tmp_path, monkeypatch):
    """Run the app with extra settings (a PHDT_CONFIG file); cached results are cleared."""
    import streamlit as st

    def use(text: str) -> None:
        path = tmp_path / "phdt.toml"
        path.write_text(text, encoding="utf-8")
        monkeypatch.setenv("PHDT_CONFIG", str(path))
        settings.cache_clear()
        st.cache_data.clear()

    yield use
    monkeypatch.undo()
    settings.cache_clear()
    st.cache_data.clear()


def dojo_page(section: str, indikator: str = "anc_k6", periode: str = "2025-12", **params: str) -> AppTest:
    return open_page("dojo_page", dojo=section, indikator=indikator, periode=periode, **params)


def expected_league(data, scores, slug: str, period: date = DECEMBER, earlier: date = LAST_DECEMBER) -> pl.DataFrame:
    units = {p: metrics.summarise(data.monthly, data.wilayah, INDICATORS[slug], p, "puskesmas") for p in (period, earlier)}
    quality = scores.filter(pl.col("period") == period).select("puskesmas", "score")
    return dojo.league(units[period], units[earlier], quality, INDICATORS[slug], settings().dojo_min_quality,
                       compared=metrics.comparison(INDICATORS[slug], period, earlier))


def frame_with(at: AppTest, column: str):
    """The first table with that column (AppTest does not expose a dataframe's key)."""
    return next(shown_table(df) for df in at.dataframe if column in df.value.columns)


def markdown_with(at: AppTest, start: str) -> str:
    return next(m.value for m in at.markdown if m.value.startswith(start))


def test_funnel_sentence_counts_match_the_funnel(data, scores):
    at = dojo_page("funnel")
    funnel = dojo.funnel(expected_league(data, scores, "anc_k6"), INDICATORS["anc_k6"])
    placed = funnel.points.drop_nulls("position")
    inside = placed.filter(pl.col("position") == "within").height
    text = markdown_with(at, "Capaian K6 kabupaten")
    assert f"**{inside} dari {placed.height}** puskesmas" in text
    worst = placed.filter(pl.col("position") == "worse_998")["kode"].sort().to_list()
    assert worst and ", ".join(worst) in text  # the demo has K6 outliers far below the district
    assert funnel.dispersion.detected  # so the page suggests an adjustment
    assert any("Overdispersi terdeteksi" in i.value for i in at.info)


def test_funnel_adjustment_from_the_url_widens_the_limits(data, scores):
    at = dojo_page("funnel", penyesuaian="aditif")
    assert at.segmented_control(key="penyesuaian").value == "aditif"
    phi = dojo.funnel(expected_league(data, scores, "anc_k6"), INDICATORS["anc_k6"], "additive").dispersion.phi
    shown = f"{phi:.1f}".replace(".", ",")
    assert any(c.value == f"Batas dilebarkan untuk overdispersi (φ = {shown})." for c in at.caption)


def test_funnel_profile_button_opens_the_review_meeting():
    # Not the latest month: the period chosen must survive the switch to the other page.
    at = dojo_page("funnel", periode="2025-06", indikator="imm_idl")
    at.selectbox(key="funnel_profile_pick").set_value("Rembang").run()
    at.button(key="funnel_profile_open").click().run()
    assert not at.exception
    assert at.title[0].value == "Puskesmas Rembang — Juni 2025"
    assert at.session_state["indikator"] == "imm_idl"
    assert at.session_state["bagian"] == "profil"


def test_league_table_values_intervals_and_unranked(data, scores):
    at = dojo_page("peringkat", periode="2024-09")
    expected = expected_league(data, scores, "anc_k6", SEPTEMBER, LAST_SEPTEMBER)
    table = frame_with(at, "Keterangan")
    assert table["Puskesmas"].tolist() == expected["nama"].to_list()
    first = expected.row(0, named=True)
    assert table["Peringkat (rentang 95 %)"].iloc[0] == f"1 ({first['rank_low']}–{first['rank_high']})"
    assert table["Capaian (%)"].iloc[0] == number_shown(first["value"], 1)
    assert table["IK 95 %"].iloc[0] == f"{first['ci_low']:.1f}–{first['ci_high']:.1f}".replace(".", ",")
    unranked = expected.filter(pl.col("reason") == "quality")
    assert unranked["nama"].to_list() == ["Kemangkon"]  # September 2024: one puskesmas scores below the default 95
    # The score is shown with the one decimal it is judged on: 94,4 < 95, never a "95" below "≥ 95".
    kemangkon = table[table["Puskesmas"] == "Kemangkon"].iloc[0]
    score = round(unranked["quality"].item(), 1)
    assert kemangkon["Skor kualitas data"] == number_shown(score, 1)
    assert 94 < score < 95 and score != round(score)
    shown = table[table["Keterangan"] != ""]
    assert shown["Puskesmas"].tolist() == unranked["nama"].to_list()
    assert set(shown["Peringkat (rentang 95 %)"]) == {"–"}
    assert any(w.value.startswith(f"{unranked.height} puskesmas ditampilkan tetapi tidak diperingkat") for w in at.warning)


def test_small_counts_are_suppressed_and_the_rule_is_configurable(configured):
    # Children dropping out between DPT1 and MR1 by March are few: counts 1-4 stay within the puskesmas.
    at = dojo_page("peringkat", indikator="imm_do_dpt1_mr1", periode="2025-03")
    numerators = frame_with(at, "Keterangan")["Pembilang"].tolist()
    assert "<5" in numerators
    assert not any(n.isdigit() and 0 < int(n) < 5 for n in numerators)
    # Desa counts (UCI) identify nobody: not suppressed.
    uci = frame_with(dojo_page("peringkat", indikator="imm_uci", periode="2025-03"), "Keterangan")["Pembilang"]
    assert "<5" not in uci.tolist() and any(n in ("1", "2", "3", "4") for n in uci)
    configured("suppress_below = 0\n")
    at = dojo_page("peringkat", indikator="imm_do_dpt1_mr1", periode="2025-03")
    assert "<5" not in frame_with(at, "Keterangan")["Pembilang"].tolist()


def test_quality_threshold_is_configurable(configured):
    configured("dojo_min_quality = 0\n")
    at = dojo_page("peringkat", periode="2024-09")  # Kemangkon (94,4) is ranked too
    assert set(frame_with(at, "Keterangan")["Keterangan"]) == {""}  # everyone ranked


def test_scorecard_order_values_and_most_improved(data, scores):
    at = dojo_page("rapor")
    units = {(slug, p): metrics.summarise(data.monthly, data.wilayah, ind, p, "puskesmas")
             for slug, ind in INDICATORS.items() for p in (DECEMBER, LAST_DECEMBER)}
    card = dojo.scorecard({s: units[s, DECEMBER] for s in INDICATORS}, {s: units[s, LAST_DECEMBER] for s in INDICATORS},
                          scores.filter(pl.col("period") == DECEMBER).select("puskesmas", "score"),
                          settings().dojo_min_quality, periods=(DECEMBER, LAST_DECEMBER))
    matrix = at.dataframe[0].value  # the scorecard keeps its numbers under the colours
    best = dojo.standings(card, by="best")
    assert matrix.index.tolist() == best["puskesmas"].to_list()
    k6 = card.filter((pl.col("slug") == "anc_k6") & (pl.col("puskesmas") == "Rembang"))["value"][0]
    assert matrix.loc["Rembang", "K6"] == pytest.approx(k6)
    assert frame_with(at, "Indikator membaik")["Puskesmas"].tolist() == \
        dojo.standings(card, by="improved")["nama"].to_list()
    at = dojo_page("rapor", urutan="meningkat")
    improved = dojo.standings(card, by="improved")["puskesmas"].to_list()
    assert shown_table(at.dataframe[0]).index.tolist() == improved


def test_funnel_sentence_and_panel_follow_the_trust_rule(data, scores, store):
    """September 2024: Kemangkon's data quality is below the threshold. The funnel sentence does not judge it
    (no "far above/below"), says why, and a session panel shows the reason as its funnel position."""
    at = dojo_page("funnel", periode="2024-09")
    funnel = dojo.funnel(expected_league(data, scores, "anc_k6", SEPTEMBER, LAST_SEPTEMBER), INDICATORS["anc_k6"])
    assert funnel.points.filter(pl.col("kode") == "Kemangkon")["position"].item() is None
    text = markdown_with(at, "Capaian K6 kabupaten")
    assert text.endswith("Tidak dinilai (kualitas data di bawah ambang): **Kemangkon**.")
    assert text.count("Kemangkon") == 1
    assert f"dari {funnel.points.drop_nulls('position').height}** puskesmas" in text
    session = critique.create_session(store, "Dojo K6", SEPTEMBER, ["anc_k6"], ["Kemangkon", "Rembang"], user(name="Dinkes"))
    at = dojo_page("sesi", periode="2024-09", sesi=str(session))
    positions = [m.value for m in at.markdown if m.value.startswith("Posisi di funnel plot")]
    assert positions[0] == "Posisi di funnel plot: **tidak dinilai: kualitas data di bawah ambang**"
    assert "tidak dinilai" not in positions[1]
    scores_shown = [m.value for m in at.markdown if m.value.startswith("Skor kualitas data")]
    kemangkon = scores.filter((pl.col("period") == SEPTEMBER) & (pl.col("puskesmas") == "Kemangkon"))["score"].item()
    assert scores_shown[0] == f"Skor kualitas data: **{kemangkon:.1f}**".replace(".", ",")


def test_standings_give_unranked_puskesmas_their_reason(configured):
    # With a threshold of 99.9, Kemangkon (94,4 in September 2024) is ranked on no indicator.
    configured("dojo_min_quality = 99.9\n")
    at = dojo_page("rapor", periode="2024-09")
    best = frame_with(at, "Keterangan")
    row = best[best["Puskesmas"] == "Kemangkon"].iloc[0]
    assert row["Keterangan"] == "Tidak diperingkat: kualitas data di bawah ambang"
    assert best["Puskesmas"].tolist()[-1] == "Kemangkon" or best.iloc[-1]["Keterangan"] != ""
    assert row["Hijau"] == "–"  # no counts, not 0/0/0
    ranked = best[best["Keterangan"] == ""]
    assert len(ranked) > 0 and (ranked["Hijau"] != "–").all()


def test_equity_never_names_an_untrusted_area_best(data):
    # Desa, hypertension served, December 2025: Mewek's stale projection makes it the highest (its data-quality
    # score is far below 95). The Dojo's trust rule leaves it out and says so.
    at = dojo_page("kesetaraan", indikator="ptm_hipertensi", tingkat="desa")
    units = metrics.summarise(data.monthly, data.wilayah, INDICATORS["ptm_hipertensi"], DECEMBER, "desa")
    assert dojo.equity(units, INDICATORS["ptm_hipertensi"], 20).best == "Mewek"  # without the trust rule
    text = markdown_with(at, "Penderita hipertensi")
    assert "tertinggi di **Mewek**" not in text
    assert text.endswith("Tidak dibandingkan karena datanya tidak dapat dipercaya (1): Mewek.")
    table = frame_with(at, "Selisih terbaik–terburuk")
    assert not table["Terbaik"].str.startswith("Mewek").any()


def test_equity_sentence_and_table(data):
    at = dojo_page("kesetaraan", tingkat="kecamatan")
    units = metrics.summarise(data.monthly, data.wilayah, INDICATORS["anc_k6"], DECEMBER, "kecamatan")
    summary = dojo.equity(units, INDICATORS["anc_k6"])
    text = markdown_with(at, "K6 per kecamatan")
    assert f"tertinggi di **{summary.best}**" in text and f"terendah di **{summary.worst}**" in text
    assert f"**{summary.gap_half_units} dari {summary.units}** wilayah" in text
    table = frame_with(at, "Selisih terbaik–terburuk")
    assert len(table) == len(INDICATORS)
    row = table[table["Indikator"] == "K6"].iloc[0]
    assert row["Selisih terbaik–terburuk"] == number_shown(summary.difference, 1)


def test_session_states_from_none_to_summary(store):
    at = dojo_page("sesi")
    assert any(i.value == "Belum ada sesi Dojo." for i in at.info)
    # One presenter is not a session: the form says why and nothing is stored.
    at.text_input(key="session_new_title").input("Dojo KIA")
    at.multiselect(key="session_new_presenters").set_value(["Rembang"])
    assert not [w for w in at.text_input if "who" in str(w.key)]  # no typed author: the signed-in account is
    next(b for b in at.button if b.label == "Mulai sesi").click().run()
    assert any("Puskesmas penyaji harus 2 sampai 4" in e.value for e in at.error)
    assert critique.sessions(store) == []
    at.multiselect(key="session_new_presenters").set_value(["Rembang", "Bukateja"])
    next(b for b in at.button if b.label == "Mulai sesi").click().run()
    assert not at.exception
    (session,) = critique.sessions(store)
    assert at.session_state["sesi"] == str(session.id) and session.presenters == ("Rembang", "Bukateja")
    assert session.created_by == account("staf").author
    assert at.subheader[0].value == f"#{session.id} · Dojo KIA"
    assert [m.label for m in at.metric][:2] == ["K6", "K6"]
    assert at.metric[0].value == "63,5 %"  # Rembang's K6, December 2025 (as in the league table)


def test_notes_suggestion_to_action_and_summary(store):
    session_id = critique.create_session(store, "Dojo <b>KIA</b>", "2025-12", ["anc_k6"], ["Rembang", "Bukateja"], user(name="Kasie"))
    at = dojo_page("sesi", sesi=str(session_id))
    at.radio(key="note_kind_0").set_value("saran")
    at.text_area(key="note_text_0").input("Kunjungan rumah bersama kader")
    at.selectbox(key="note_reviewer_0").set_value("Bukateja")
    assert not [w for w in at.text_input if "author" in str(w.key)]  # the signed-in account writes the note
    next(b for b in at.button if b.label == "Simpan catatan").click().run()
    assert any(s.value == "Catatan tersimpan." for s in at.success)
    (note,) = critique.notes(store, session_id)
    assert (note.presenter, note.reviewer, note.kind, note.text) == ("Rembang", "Bukateja", "saran",
                                                                    "Kunjungan rumah bersama kader")
    signed_in = account("staf")
    assert (note.author, note.author_account) == (signed_in.author, signed_in.username)
    at.text_area(key="note_action_masalah_0").input("K6 rendah")
    at.text_input(key="note_action_pj_0").input("Bidan koordinator")
    next(b for b in at.button if b.label == "Buat RTL").click().run()
    assert not at.exception
    action = store.for_month("Rembang", "2025-12")[0]
    assert (action.rtl, action.masalah, action.indicator) == ("Kunjungan rumah bersama kader", "K6 rendah", None)
    assert critique.notes(store, session_id)[0].action_id == action.id
    assert action.created_by == signed_in.author
    summary = dojo_page("ringkasan", sesi=str(session_id))
    text = "\n".join(m.value for m in summary.markdown)
    assert "Dojo \\<b\\>KIA\\</b\\>" in text  # user text escaped
    assert f"RTL #{action.id}: Kunjungan rumah bersama kader — Bidan koordinator" in text
    assert signed_in.author == "Uji Staf (uji.staf)"  # the signed-in author, escaped for markdown:
    assert r"Kunjungan rumah bersama kader — *Bukateja, Uji Staf \(uji\.staf\)* → RTL" in text


def test_unknown_session_falls_back_to_the_list(store):
    at = dojo_page("sesi", sesi="999")
    assert any(w.value.startswith("Sesi #999 tidak ditemukan") for w in at.warning)
    assert at.text_input(key="session_new_title").label == "Judul sesi"  # the form to start one


@pytest.mark.parametrize("section", ["funnel", "peringkat", "rapor", "kesetaraan", "sesi", "ringkasan"])
def test_every_section_in_english(section, store):
    at = dojo_page(section, bahasa="en")
    assert at.title[0].value == "Dojo: fair comparison between puskesmas"
    sections = [option.content for option in at.get("button_group")[0].proto.options]
    assert sections == ["Funnel plot", "League table", "Scorecard", "Equity", "Session", "Session summary"]
    assert not any("Peringkat" in m.value or "Kesetaraan" in m.value for m in at.markdown)  # nothing left in Bahasa
