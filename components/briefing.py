"""The bupati briefing: one screen of the district's biggest gaps (executive view) and the same
content as a briefing pack (PPTX and PDF). Both read ``summary()``, so the screen and the file
always say the same thing; figures come from the builders the pages use, rendered by kaleido."""

from __future__ import annotations

import calendar
import threading
import warnings
from dataclasses import dataclass
from datetime import date

import plotly.graph_objects as go
import polars as pl
import streamlit as st

from components import charts, compare, data, peta, plotmaps, review
from components.i18n import lang, number, percent, period_label, signed, t
from phdt import actions, briefing, deck, pws
from phdt.classify import Scheme
from phdt.indicators import INDICATORS, Indicator, Programme, headline
from phdt.metrics import Basis
from phdt.quality import RULES

EXPORT_WIDTH, EXPORT_HEIGHT = 900, 520  # layout px of a slide image (beside the text), drawn at 2x
EXPORT_SCALE = 2
TOP = 5


class ExportError(Exception):
    """A briefing file cannot be built here (e.g. no Chromium for the images); nothing is offered."""


@dataclass(frozen=True)
class Summary:
    period: date
    headlines: tuple[briefing.Headline, ...]  # one per programme, in Programme order
    focus: briefing.Headline  # the headline with the most people behind
    top: pl.DataFrame  # the desa with most people behind on the focus indicator (+ kecamatan, puskesmas)
    actions: tuple[actions.Action, ...]  # open follow-up actions addressing them


def summary(period: date, version: str) -> Summary:
    """The figures (cached per data version) and the actions as stored right now."""
    headlines, focus, top = _figures(period, version)
    return Summary(period, headlines, focus, top, tuple(addressing(top, focus.slug, period)))


@st.cache_data(max_entries=16, show_spinner=False)
def _figures(period: date, version: str) -> tuple[tuple[briefing.Headline, ...], briefing.Headline, pl.DataFrame]:
    dataset = data.dataset()
    earlier = briefing.quarter_before(period, dataset.periods)
    headlines = tuple(briefing.headline(dataset.monthly, dataset.wilayah, headline(p), period, earlier)
                      for p in Programme)
    focus = max(headlines, key=lambda h: h.people)
    top = briefing.top_gaps(data.units(focus.slug, period, "desa", version), TOP).join(
        data.desa_index(version).drop("nama_desa"), on="kode", how="left")
    return headlines, focus, top


def addressing(top: pl.DataFrame, slug: str, period: date) -> list[actions.Action]:
    """Open actions of the top desa's puskesmas that name one of those desa or the indicator."""
    store = data.action_store()
    desa = set(top["kode"].to_list())
    found = [a for name in top["puskesmas"].unique().sort() for a in store.for_month(name, period)
             if a.is_open and (a.kode_desa in desa or a.indicator == slug)]
    return sorted(found, key=lambda a: (a.tenggat, a.id))


def people_word(indicator: Indicator) -> str:
    return t(f"people_{indicator.denominator}")


def sentence(h: briefing.Headline) -> str:
    """"Cakupan K6 71,0 %, 12,3 poin di bawah target s.d. Desember; membaik 3,1 poin dibanding
    September 2025. 1.240 ibu hamil di 12 desa belum mencapai target." """
    indicator = INDICATORS[h.slug]
    if h.value is None:
        return t("brief_no_data", indicator=indicator.label(lang()))
    if abs(h.behind) < 0.05:
        position = t("brief_on_target")
    else:
        key = "brief_behind" if h.behind > 0 else "brief_ahead"
        position = t(key, points=number(abs(h.behind), 1), month=period_label(h.period))
    if h.change is None:
        change = ""
    elif abs(h.change) < 0.05:
        change = t("brief_same", earlier=period_label(h.earlier))
    elif h.compared.basis is Basis.DISTANCE:  # said as what it is: closer to (further from) the target to date
        change = "; " + t("format_closer_vs" if h.change > 0 else "format_further_vs", points=number(abs(h.change), 1),
                          month=period_label(h.earlier))
    else:
        key = "brief_better" if h.change > 0 else "brief_worse"
        change = t(key, points=number(abs(h.change), 1), earlier=period_label(h.earlier))
    people = t("brief_people", people=number(h.people), who=people_word(indicator), desa=number(h.desa))
    return t("brief_sentence", indicator=indicator.label(lang()), value=percent(h.value), position=position,
             change=change, people=people)


# --- figures -----------------------------------------------------------------------------------


def focus_map(s: Summary, width: int = EXPORT_WIDTH, height: int = EXPORT_HEIGHT) -> go.Figure:
    """The focus indicator by desa in quantile classes: when every desa is below target, the
    target classes paint one colour, while quantiles show where it is worst. Sized, with north
    arrow and scale, for a screen column or a slide."""
    return _focus_map(s.focus.slug, s.period, data.dataset().version, lang(), width, height)


@st.cache_resource(max_entries=16, show_spinner=False)
def _focus_map(slug: str, period: date, version: str, language: str, width: int, height: int) -> go.Figure:
    """Built once per data version and language (copying 239 desa outlines takes a third of a
    second); callers only read it."""
    figure = peta.twin_figure(slug, period, "desa", Scheme.QUANTILE.value, language, version)
    figure = plotmaps.for_export(figure, width, height, t("north"))
    figure.update_layout(title={"text": t("brief_map_title", indicator=INDICATORS[slug].label(language),
                                          period=period_label(period))})
    return figure


def screen_map(s: Summary) -> go.Figure:
    return focus_map(s, width=860, height=370)


def pws_map(s: Summary) -> tuple[go.Figure | None, dict[str, int]]:
    """PWS status of every desa on the focus indicator (None without boundaries), and the count per status."""
    status = data.pws_status(s.focus.slug, s.period, None, data.dataset().version)
    figure = review.status_map(status, t("brief_pws_title", indicator=INDICATORS[s.focus.slug].label(lang())))
    return figure, pws.status_counts(status)


_render_lock = threading.Lock()


@st.cache_resource(show_spinner=False)
def _kaleido() -> bool:
    """One headless Chromium for the whole process (starting one per image takes seconds)."""
    import kaleido

    kaleido.start_sync_server(silence_warnings=True)
    return True


def png(figure: go.Figure, width: int = EXPORT_WIDTH, height: int = EXPORT_HEIGHT) -> bytes:
    """A figure as a PNG through kaleido and Debian chromium; a clear error when it is missing."""
    import plotly.io as pio

    try:
        with _render_lock, warnings.catch_warnings():
            warnings.filterwarnings("ignore", "The kopts argument is ignored")  # plotly passes it to the server
            _kaleido()
            return pio.to_image(figure, format="png", width=width, height=height, scale=EXPORT_SCALE)
    except Exception as exc:  # kaleido raises several types when no browser can be started
        raise ExportError(t("export_no_chromium", error=str(exc)[:200])) from exc


def map_png(figure: go.Figure) -> bytes:
    return png(plotmaps.for_export(figure, EXPORT_WIDTH, EXPORT_HEIGHT, t("north")))


# --- the pack ----------------------------------------------------------------------------------


def data_date(period: date) -> str:
    """The last day of the period shown: derived from the data, so a pack is reproducible."""
    return period.replace(day=calendar.monthrange(period.year, period.month)[1]).isoformat()


def footer() -> str:
    source = t("brief_source_synthetic") if data.dataset().synthetic else t("brief_source")
    return f"{source} · {t('attribution')}"


def standard_deck(period: date) -> deck.Deck:
    """Title, headlines, the focus map, top gaps, trends, PWS status, data-quality caveats, actions."""
    version = data.dataset().version
    s = summary(period, version)
    focus = INDICATORS[s.focus.slug]
    slides = [
        deck.Slide(t("brief_title_slide"), t("brief_title_sub", period=period_label(period), date=data_date(period)),
                   bullets=(t("brief_synthetic"),) if data.dataset().synthetic else ()),
        deck.Slide(t("brief_headlines"), t("brief_headlines_sub", period=period_label(period)),
                   bullets=tuple(sentence(h) for h in s.headlines), table=headline_table(s)),
        deck.Slide(t("brief_map", indicator=focus.label(lang())), period_label(period), bullets=(sentence(s.focus),),
                   image=png(focus_map(s))),
        deck.Slide(t("brief_top", n=TOP, indicator=focus.label(lang())), period_label(period),
                   table=top_table(s), bullets=(t("brief_top_share", people=number(int(s.top["gap"].sum())),
                                                  total=number(s.focus.people)),)),
    ]
    for h in s.headlines:
        indicator = INDICATORS[h.slug]
        trend = data.trend(h.slug, "kabupaten", None, version)
        figure = charts.trend_figure(trend, period, t("trend_title", indicator=indicator.label(lang()),
                                                      area=data.area("", "", version).label(lang())))
        slides.append(deck.Slide(t("brief_trend", indicator=indicator.label(lang())), period_label(period),
                                 bullets=(sentence(h),), image=png(figure)))
    figure, counts = pws_map(s)
    slides.append(deck.Slide(t("brief_pws", indicator=focus.label(lang())), period_label(period),
                             bullets=tuple(f"{t(f'pws_{x}')}: {n} desa" for x, n in counts.items()),
                             image=map_png(figure) if figure else None))
    slides.append(deck.Slide(t("brief_quality"), period_label(period), bullets=quality_caveats(period)))
    slides.append(deck.Slide(t("brief_actions"), period_label(period),
                             table=actions_table(s.actions) if s.actions else None,
                             bullets=() if s.actions else (t("brief_no_actions"),)))
    return deck.Deck(t("brief_deck_title"), footer(), data_date(period), tuple(slides))


def headline_table(s: Summary) -> deck.Table:
    rows = []
    for programme, h in zip(Programme, s.headlines, strict=True):
        indicator = INDICATORS[h.slug]
        change = signed(h.change)  # as h.compared measures it: points closer to the target than a quarter ago
        rows.append((t(f"programme_{programme.value}"), indicator.label(lang()), percent(h.value),
                     percent(h.expected), change, f"{number(h.people)} {compare.gap_unit(indicator)}"))
    return deck.Table((t("programme"), t("indicator"), t("col_value"), t("col_expected"), t("brief_col_change"),
                       t("brief_col_people")), tuple(rows))


def top_table(s: Summary) -> deck.Table:
    rows = tuple((r["nama"], r["nama_kecamatan"], r["puskesmas"], percent(r["value"]), number(r["gap"]))
                 for r in s.top.iter_rows(named=True))
    return deck.Table((t("col_desa"), t("col_kecamatan"), t("col_puskesmas"), t("col_value"),
                       compare.gap_column(INDICATORS[s.focus.slug])), rows)


def actions_table(rows: tuple[actions.Action, ...]) -> deck.Table:
    names = data.desa_names()
    return deck.Table((t("col_puskesmas"), t("col_desa"), t("rtl_rtl"), t("rtl_pj"), t("rtl_tenggat"), t("rtl_status")),
                      tuple((a.puskesmas, names.get(a.kode_desa or "", "–"), a.rtl, a.penanggung_jawab,
                             f"{a.tenggat:%d/%m/%Y}", t(f"rtl_status_{a.status}")) for a in rows))


def quality_caveats(period: date) -> tuple[str, ...]:
    """What the numbers may hide this month: flags by rule, missing reports."""
    flags, _, _ = data.quality(data.dataset().version)
    month = flags.filter((pl.col("period") == period) & (pl.col("severity") != "info"))  # errors and warnings
    counts = (month.group_by("rule").agg(pl.len(), pl.col("kode_desa").n_unique().alias("desa"))
              .sort(["len", "rule"], descending=[True, False]))  # ties by name: the same pack every time
    describe = {rule: (r.description_id if lang() == "id" else r.description_en).rstrip(".") for rule, r in RULES.items()}
    lines = [t("brief_dq_rule", rule=describe[rule], n=n, desa=desa) for rule, n, desa in counts.iter_rows()]
    return tuple(lines[:8]) or (t("brief_dq_none"),)
