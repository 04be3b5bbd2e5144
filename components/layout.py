"""Page frame shared by every page: sidebar filters, synthetic-data badge, notices, footer."""

from __future__ import annotations

import html
from datetime import date
from functools import partial

import streamlit as st

from components import compare, data, state
from components.i18n import LANGUAGES, lang, month_name, period_label, t
from phdt.indicators import Indicator, Programme, by_programme
from phdt.metrics import parse_period


def sidebar() -> None:
    """Filters shared by all pages; their keys are the URL parameter names.

    Option labels are computed now, in the session's language: a format function that looked the
    language up later would run outside the script (AppTest does) and mislabel the options.
    """
    periods = {p: period_label(parse_period(p)) for p in data.period_codes()[::-1]}
    programmes = {p.value: t(f"programme_{p.value}") for p in Programme}
    indicators = {ind.slug: ind.label(lang()) for ind in by_programme(Programme(st.session_state["program"]))}
    kecamatan = {"": t("all_kecamatan"), **data.kecamatan_names()}
    with st.sidebar:
        st.radio(t("language"), list(LANGUAGES), format_func=LANGUAGES.__getitem__, key="bahasa", horizontal=True)
        st.selectbox(t("period"), list(periods), format_func=periods.__getitem__, key="periode")
        st.selectbox(t("programme"), list(programmes), format_func=programmes.__getitem__, key="program",
                     on_change=state.on_programme_change)
        st.selectbox(t("indicator"), list(indicators), format_func=indicators.__getitem__, key="indikator")
        st.selectbox(t("kecamatan"), list(kecamatan), format_func=kecamatan.__getitem__, key="kecamatan",
                     on_change=state.on_kecamatan_change)
        if st.session_state["kecamatan"]:
            desa = {"": t("all_desa"), **data.desa_names(st.session_state["kecamatan"])}
            st.selectbox(t("desa"), list(desa), format_func=desa.__getitem__, key="desa")


def breadcrumb() -> None:
    """Kabupaten › kecamatan › desa: the map's drill-down path; every crumb but the last goes back up.
    Button labels are plain text (Streamlit does not render them as HTML)."""
    kecamatan, desa = st.session_state["kecamatan"], st.session_state["desa"]
    crumbs = [(data.area("", "", data.version_id()).label(lang()), {})]
    if kecamatan:
        crumbs.append((data.area(kecamatan, "", data.version_id()).label(lang()), {"kecamatan": kecamatan}))
    if desa:
        crumbs.append((data.desa_names(kecamatan)[desa], {"desa": desa}))
    with st.container(horizontal=True, key="breadcrumb", vertical_alignment="center"):
        for depth, (label, area) in enumerate(crumbs):
            if depth:
                st.caption("›", width="content")
            st.button(label, key=f"crumb_{depth}", type="tertiary", on_click=state.open_area, kwargs=area,
                      disabled=depth == len(crumbs) - 1)


def comparison_picker(period: date, indicator: Indicator | None = None) -> date:
    """Choose the period to compare with (URL ``pembanding``; default: data.comparison_period). With
    an `indicator`, a month that would be compared on the distance to the target to date (another
    month of a cumulative indicator: phdt.metrics.comparison) says so in the list."""
    label = period_label if indicator is None else partial(compare.option_label, indicator, period)
    choices = {"": t("compare_default", period=label(data.default_comparison(period))),
               **{p: label(parse_period(p)) for p in data.period_codes()[::-1]}}
    st.selectbox(t("compare_with"), list(choices), format_func=choices.__getitem__, key="pembanding")
    earlier = data.comparison_period(period)
    if earlier == period:
        st.warning(t("compare_same_period"))
    return earlier


def synthetic_badge() -> None:
    if data.dataset().synthetic:
        st.markdown(
            f'<div class="phdt-badge" data-testid="synthetic-badge"><strong>{html.escape(t("synthetic_badge"))}</strong>'
            f' · {html.escape(t("synthetic_note"))}</div>',
            unsafe_allow_html=True,
        )


def notices() -> None:
    for notice in state.pop_notices():
        st.warning(notice, icon=":material/warning:")


def sasaran_notice() -> bool:
    """A selected period whose year has no sasaran: its coverage has no denominator. Said once,
    above every page, as an error naming what to load (instead of a silent "no data"); True when
    said, so that pages of coverage are not shown."""
    period = parse_period(st.session_state["periode"])
    months = data.missing_sasaran(data.version_id()).get(period.year)
    if months:
        shown = month_name(months[0].month) if len(months) == 1 else (
            f"{month_name(months[0].month)}–{month_name(months[-1].month)}")
        st.error(t("sasaran_missing", year=period.year, months=f"{shown} {period.year}"), icon=":material/block:")
    return bool(months)


def footer() -> None:
    version = data.dataset().version
    st.divider()
    st.caption(
        f"{t('attribution')} {t('footer_puskesmas')} {t('footer_data_version', version=version)}"
    )


CSS = """
<style>
.phdt-badge {background:#fff3cd;border:1px solid #d39e00;color:#5c4400;padding:.35rem .75rem;border-radius:.4rem;
  font-size:.85rem;margin-bottom:.5rem}
@media print {section[data-testid="stSidebar"], header[data-testid="stHeader"], [data-testid="stToolbar"],
  [data-testid="stElementContainer"]:has([data-testid="stButtonGroup"]), [class*="st-key-no_print"] {display:none !important}}
.phdt-badge strong {background:#d39e00;color:#fff;padding:0 .4rem;border-radius:.25rem;margin-right:.25rem}
</style>
"""


def one_screen() -> None:
    """Tighter spacing for a page that must fit a 1920×1080 screen without scrolling."""
    st.markdown("<style>.block-container {padding-top: 3rem; padding-bottom: 0.5rem}"
                "[data-testid='stMetricValue'] {font-size: 2rem}</style>", unsafe_allow_html=True)


THEATER_CSS = """
<style>
section[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"] {display:none}
.phdt-theater-title {font-size:2.2rem;font-weight:700;display:flex;justify-content:space-between;align-items:baseline}
.phdt-theater-title span {font-size:1.3rem;color:#555;font-weight:400}
.phdt-theater-banner {background:#1f2937;color:#fff;padding:.35rem .8rem;border-radius:.3rem;font-size:1.05rem;
  margin-bottom:.4rem}
</style>
"""
VIEW_CSS = """
<style>
html {font-size: 20px}
.block-container, [data-testid="stMainBlockContainer"] {padding-top: 0.5rem !important; max-width: 100%}
.phdt-badge, [data-testid="stElementContainer"]:has([data-testid="stButtonGroup"]),
[data-testid="stElementContainer"]:has([data-testid="stMultiSelect"]),
[data-testid="stElementContainer"]:has([data-testid="stCheckbox"]) {display:none}
</style>
"""  # a view in the player: large type, no controls; the player itself shows the synthetic-data badge
FORWARD_JS = """
<script>
// Inside a view of the theater player: pass the presenter's keys on to the player. The handler is
// replaced whenever this frame is rebuilt (one left by a removed frame would no longer run).
const view = window.parent;
const onKey = (e) => {
  if (["ArrowRight", "PageDown", " ", "ArrowLeft", "PageUp", "Escape"].includes(e.key)) {
    view.parent.postMessage({phdtKey: e.key}, view.location.origin);
    e.preventDefault();
  }
};
if (view.phdtForward) view.document.removeEventListener("keydown", view.phdtForward);
view.document.addEventListener("keydown", onKey);
view.phdtForward = onKey;
</script>
"""


def style() -> None:
    """The app's CSS; inside the theater player a view gets large type and passes keys on to it."""
    st.markdown(CSS, unsafe_allow_html=True)
    if st.session_state.get("layar") == "teater":
        st.markdown(THEATER_CSS + VIEW_CSS, unsafe_allow_html=True)
        st.iframe(FORWARD_JS, height=1)


def theater() -> None:
    """The player's own frame: no sidebar, a large title and the frozen-data banner."""
    st.markdown(THEATER_CSS, unsafe_allow_html=True)
