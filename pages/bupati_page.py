"""Ringkasan Bupati: on one screen the three programme headlines, the map of the biggest gap, the
five desa with most people missed and the open follow-up actions addressing them; and the
briefing pack to take away."""

from __future__ import annotations

import streamlit as st

from components import briefing, data, layout, pack, state, tables
from components.i18n import lang, metric, number, percent, period_label, t
from phdt import formats
from phdt.indicators import INDICATORS, Programme
from phdt.metrics import Basis, parse_period

period = parse_period(st.session_state["periode"])
version = data.dataset().version
summary = briefing.summary(period, version)
focus = INDICATORS[summary.focus.slug]

area, whole = state.scope(), data.area("", "", data.version_id())

layout.one_screen()
st.markdown(f"### {t('scope_exec_title', period=period_label(period), area=whole.label(lang()))}")
if not area.is_kabupaten:  # the bupati's briefing is the kabupaten's, like its pack: said, not silently ignored
    st.info(t("scope_exec_whole", kabupaten=whole.label(lang()), area=area.label(lang())), icon=":material/info:")
earlier = summary.headlines[0].earlier
st.caption(t("exec_caption", period=period_label(period), earlier=period_label(earlier)) if earlier
           else t("exec_caption_no_earlier", period=period_label(period)))
for column, programme, h in zip(st.columns(3), Programme, summary.headlines, strict=True):
    with column, st.container(border=True, key=f"headline_{programme.value}"):
        indicator = INDICATORS[h.slug]
        # As metrics.comparison says: for a cumulative indicator a quarter apart not the change of the
        # value (it restarts in January) but of the distance to the target to date (positive = closer).
        change = None if h.compared is None else formats.change(h.change, h.compared.better)
        if change is None:
            said = None
        elif h.compared.basis is Basis.DISTANCE:
            said = t("format_closer_vs" if h.change >= 0 else "format_further_vs", points=number(abs(h.change), 1),
                     month=period_label(h.earlier))
        else:
            said = t("format_value_vs", delta=change.text(lang()), period=period_label(h.earlier))
        metric(f"{t(f'programme_{programme.value}')} · {indicator.label(lang())}", percent(h.value), change, said,
               help=t("col_expected") + f": {percent(h.expected)}")
        st.markdown(briefing.sentence(h))

map_column, list_column = st.columns([3, 2])
with map_column:
    st.plotly_chart(briefing.screen_map(summary), key="exec_map", config={"displaylogo": False})
with list_column:
    st.markdown(f"**{t('exec_top', n=briefing.TOP, indicator=focus.label(lang()))}**")
    tables.show(tables.top_gaps(summary.top, focus), key="exec_top", file_name="desa-kesenjangan-terbesar")
    st.markdown(f"**{t('exec_actions')}**")
    if summary.actions:
        tables.show(tables.actions_brief(summary.actions), key="exec_actions", file_name="rtl-berjalan")
    else:
        st.caption(t("exec_no_actions"))

with st.expander(t("exec_pack")):
    pack.pack_buttons(period)
