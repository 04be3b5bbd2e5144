"""The puskesmas review meeting (lokakarya mini): profile, PWS, data quality and follow-up actions.
Each section is one function the page calls; figures come from phdt (pws, quality, metrics, actions)."""

from __future__ import annotations

import html
from datetime import date
from urllib.parse import urlencode

import polars as pl
import streamlit as st

from components import auth, charts, compare, data, dojo, forms, peta, tables
from components.colours import FILL, PWS_STATUS
from components.i18n import lang, number, percent, period_label, t
from components.text import md_escape
from phdt import actions, pws
from phdt.indicators import INDICATORS, REGISTRY, Colour, Indicator
from phdt.quality import RULES
from phdt.roles import Forbidden, Right
from phdt.texts import render


def desa_of(puskesmas: str) -> pl.DataFrame:
    """kode, nama_desa, nama_kecamatan of the puskesmas's wilayah kerja."""
    index = data.desa_index(data.dataset().version)
    return index.filter(pl.col("puskesmas") == puskesmas).sort("kode")


def flagged_indicators(puskesmas: str, period: date) -> set[str]:
    """Indicators with a data-quality flag in one of the puskesmas's desa this month."""
    flags, _, _ = data.quality(data.dataset().version)
    codes = desa_of(puskesmas)["kode"]
    return set(flags.filter((pl.col("period") == period) & pl.col("kode_desa").is_in(codes.implode())
                            & (pl.col("severity") != "info"))["indicator_code"].drop_nulls().to_list())


# --- profile -------------------------------------------------------------------------------


def profile(puskesmas: str, period: date) -> None:
    version = data.dataset().version
    desa = desa_of(puskesmas)
    sasaran = data.dataset().sasaran.filter(
        (pl.col("tahun") == period.year) & pl.col("kode_desa").cast(pl.String).is_in(desa["kode"].implode())
    )
    groups = sasaran.group_by(pl.col("kelompok").cast(pl.String)).agg(pl.col("jumlah").sum())
    people = dict(groups.iter_rows())
    facilities = data.dataset().fasilitas.filter(pl.col("puskesmas").cast(pl.String) == puskesmas)
    counts = dict(facilities.group_by(pl.col("tipe").cast(pl.String)).len().iter_rows())
    _, _, scores = data.quality(version)
    score = scores.filter((pl.col("puskesmas") == puskesmas) & (pl.col("period") == period))["score"]
    columns = st.columns(5)
    columns[0].metric(t("profile_desa"), desa.height)
    columns[1].metric(t("sasaran_penduduk"), number(people.get("penduduk", 0)))
    columns[2].metric(t("facility_posyandu"), counts.get("posyandu", 0))
    columns[3].metric(t("facility_pustu"), counts.get("pustu", 0))
    columns[4].metric(t("dq_score"), "–" if score.is_empty() else number(score[0], 1),
                      help=t("dq_score_help"))
    with st.expander(t("profile_wilayah", n=desa.height)):
        tables.show(
            pl.DataFrame({t("sasaran_group"): [t(f"sasaran_{g}") for g in people], t("col_people"): list(people.values())}),
            key="profile_sasaran")
        tables.show(desa.select(pl.col("nama_desa").alias(t("col_desa")),
                                 pl.col("nama_kecamatan").alias(t("col_kecamatan")), pl.col("kode").alias("Kode")),
                     key="profile_desa")
    flagged = flagged_indicators(puskesmas, period)
    for cluster in sorted({ind.ilp_cluster for ind in REGISTRY}):
        st.subheader(t(f"ilp_cluster_{cluster}"))
        tables.show(cluster_table(puskesmas, period, cluster, flagged), key=f"cluster_{cluster}",
                     height="content",
                     column_config={t("col_trend"): st.column_config.LineChartColumn(t("col_trend"), y_min=0)})
    if flagged:
        st.warning(t("dq_flagged_indicators", n=len(flagged)), icon=":material/warning:")


def cluster_table(puskesmas: str, period: date, cluster: int, flagged: set[str]) -> pl.DataFrame:
    """Capaian vs target to date, rank among the puskesmas (as in the Dojo: with its range, and
    only on trusted data), this year's trend, and a data warning."""
    version = data.dataset().version
    rows = []
    for indicator in (ind for ind in REGISTRY if ind.ilp_cluster == cluster):
        own = data.units(indicator.slug, period, "puskesmas", version).filter(pl.col("kode") == puskesmas).row(0, named=True)
        league = data.league(indicator.slug, period, None, version)  # the rank only, no change
        ranked = league.filter(pl.col("reason").is_null()).height
        place = league.filter(pl.col("kode") == puskesmas).row(0, named=True)
        trend = data.trend(indicator.slug, "puskesmas", puskesmas, version).filter(
            (pl.col("period").dt.year() == period.year) & (pl.col("period") <= period))
        rows.append({
            t("indicator"): ("⚠ " if indicator.slug in flagged else "") + indicator.label(lang()),
            t("col_value"): None if own["value"] is None else round(own["value"], 1),
            t("col_expected"): round(own["expected"], 1),
            t("col_status"): t(f"colour_{own['colour']}"),
            t("col_gap"): own["gap"],
            t("compare_col_gap_unit"): compare.gap_unit(indicator),
            t("col_rank"): f"{dojo.rank_text(place)} / {ranked}" if place["rank"] else f"– ({dojo.reason_text(place)})",
            t("col_trend"): [round(v, 1) for v in trend["value"].fill_null(0)],
        })
    return pl.DataFrame(rows)


# --- PWS -----------------------------------------------------------------------------------


def pws_section(puskesmas: str, period: date, indicator: Indicator) -> None:
    dataset = data.dataset()
    status = data.pws_status(indicator.slug, period, puskesmas, dataset.version)
    counts = pws.status_counts(status)
    st.markdown(t("pws_summary", **counts, n=status.height,
                  target=percent(status["target_linear"][0] if status.height else None)))
    flagged = indicator.slug in flagged_indicators(puskesmas, period)
    if flagged:
        st.warning(t("dq_indicator_flagged"), icon=":material/warning:")
    chart_column, map_column = st.columns([3, 2])
    with chart_column:
        st.plotly_chart(charts.pws_bar_figure(status, t("pws_bar_title", indicator=indicator.label(lang()),
                                                        period=period_label(period))), key="pws_bar")
    with map_column:
        figure = status_map(status, t("pws_map_title", name=puskesmas))
        if figure is None:
            st.info(t("no_boundaries"))
        else:
            st.plotly_chart(figure, key="pws_map", config={"displaylogo": False})
    st.markdown(f"**{t('pws_table_title')}**")
    tables.show(pws_table(status, indicator), key="pws_table")
    with st.expander(t("pws_multiples_title"), expanded=True):
        series = pws.series(dataset.monthly, dataset.wilayah, indicator, period.year, puskesmas)
        st.plotly_chart(charts.pws_small_multiples(series.filter(pl.col("period") <= period)), key="pws_multiples")
    st.caption(t("pws_caption"))


def pws_table(status: pl.DataFrame, indicator: Indicator) -> pl.DataFrame:
    """The month-on-month table a bidan koordinator would build in Excel."""
    labels = {s: t(f"pws_{s}") for s in pws.STATUSES}
    return status.select(
        pl.col("nama_desa").alias(t("col_desa")),
        pl.col("numerator_month").alias(t("col_this_month")),
        pl.col("numerator_cum").alias(t("col_cumulative")),
        pl.col("denominator").alias(t("col_denominator")),
        pl.col("coverage_cum").round(1).alias(t("col_value")),
        pl.col("target_linear").round(1).alias(t("col_expected")),
        pl.col("gap_people").alias(compare.gap_column(indicator)),
        pl.col("status").replace_strict(labels, default=t("legend_no_data")).alias(t("col_status")),
    )


def status_map(status: pl.DataFrame, title: str):
    """Desa coloured by PWS status (plotly twin: offline, exportable); None without boundaries."""
    _, polygons = peta.layer_for("desa")
    if not polygons:
        return None
    legend = [(PWS_STATUS[s], t(f"pws_{s}"), s) for s in pws.STATUSES]
    legend.append((FILL[Colour.NO_DATA], t("legend_no_data"), Colour.NO_DATA.value))
    fills = [PWS_STATUS.get(s, FILL[Colour.NO_DATA]) for s in status["status"]]
    hover = [f"{html.escape(n)}: {t(f'pws_{s}') if s else t('legend_no_data')}"
             for n, s in zip(status["nama_desa"], status["status"], strict=True)]
    return peta.area_figure(status["kode_desa"].to_list(), fills, hover, legend, title)


# --- data quality --------------------------------------------------------------------------


def quality_section(puskesmas: str, period: date) -> None:
    version = data.dataset().version
    flags, desa_scores, scores = data.quality(version)
    desa = desa_of(puskesmas)
    history = scores.filter((pl.col("puskesmas") == puskesmas) & (pl.col("period") <= period)).tail(12)
    now = history.filter(pl.col("period") == period)
    st.metric(t("dq_score"), "–" if now.is_empty() else number(now["score"][0], 1), help=t("dq_score_help"))
    st.line_chart(history.select(pl.col("period").dt.strftime("%Y-%m").alias(t("month_axis")),
                                 pl.col("score").alias(t("dq_score_axis"))),
                  x=t("month_axis"), y=t("dq_score_axis"), height=180)
    month = flags.filter(pl.col("kode_desa").is_in(desa["kode"].implode()) & (pl.col("period") == period))
    own, review = month.filter(pl.col("severity") != "info"), month.filter(pl.col("severity") == "info")
    links = {t("col_view"): st.column_config.LinkColumn(t("col_view"), display_text="↗")}
    st.markdown(t("dq_flags_title", n=own.height, period=period_label(period)))
    if own.height:
        tables.show(flag_table(own, desa, period), key="dq_flags", column_config=links)
    if review.height:
        st.markdown(t("dq_review_title", n=review.height, desa=review["kode_desa"].n_unique(),
                      period=period_label(period)))
        tables.show(flag_table(review, desa, period), key="dq_review", column_config=links)
    else:
        st.caption(t("dq_review_none", period=period_label(period)))
    month_scores = desa_scores.filter((pl.col("puskesmas") == puskesmas) & (pl.col("period") == period))
    tables.show(month_scores.join(desa.rename({"kode": "kode_desa"}), on="kode_desa").sort("score").select(
        pl.col("nama_desa").alias(t("col_desa")), pl.col("score").round(1).alias(t("dq_score")),
        pl.col("errors").alias(t("dq_errors")), pl.col("warnings").alias(t("dq_warnings"))),
        key="dq_desa")
    st.caption(t("dq_caption") + " " + t("dq_classes_caption"))


def flag_table(flags: pl.DataFrame, desa: pl.DataFrame, period: date) -> pl.DataFrame:
    """One row per flagged cell: what is wrong, where, the value seen, the bound, and a link to the
    view it affects (the indicator's map at that desa)."""
    names = dict(desa.select("kode", "nama_desa").iter_rows())
    rules = {rule: (r.description_id if lang() == "id" else r.description_en) for rule, r in RULES.items()}
    labels = {slug: ind.label(lang()) for slug, ind in INDICATORS.items()}
    links = [f"./peta?{urlencode({'indikator': ind or 'anc_k6', 'desa': code, 'periode': f'{period:%Y-%m}'})}"
             for ind, code in zip(flags["indicator_code"], flags["kode_desa"], strict=True)]
    return flags.select(
        pl.col("severity").replace_strict({"error": t("dq_error"), "warning": t("dq_warning"), "info": t("dq_info")}).alias(t("dq_severity")),
        pl.col("rule").replace_strict(rules).alias(t("dq_rule")),
        pl.col("kode_desa").replace_strict(names).alias(t("col_desa")),
        pl.col("indicator_code").replace_strict(labels, default="–").alias(t("indicator")),
        pl.col("value").alias(t("dq_value")), pl.col("expected").alias(t("dq_expected")),
    ).with_columns(pl.Series(t("col_view"), links))


# --- follow-up actions ---------------------------------------------------------------------


def actions_section(puskesmas: str, period: date) -> None:
    store = data.action_store()
    if notice := st.session_state.pop("rtl_notice", None):
        st.success(notice, icon=":material/check:")
    rows = store.for_month(puskesmas, period)
    st.markdown(t("rtl_summary", n=len(rows), open=sum(a.is_open for a in rows), period=period_label(period)))
    if rows:
        tables.show(action_table(rows), key="rtl_table", column_config=action_columns(), row_height=RTL_ROW_HEIGHT)
        st.caption(t("rtl_table_caption"))
    user = auth.user()
    if user is None or not user.can(Right.WRITE_ACTION, puskesmas):
        st.caption(t("rtl_read_only"))
        return
    add_form(store, puskesmas, period)
    if rows:
        edit_form(store, rows)


RTL_ROW_HEIGHT = 78  # px: three lines of wrapped text per action


def action_columns() -> dict:
    """Widths that keep what the meeting follows up — the action, who, by when, its status — on a
    1920 px screen without scrolling sideways; long text wraps over three lines, and the whole text
    is in the edit form (and the Excel file)."""
    text = st.column_config.TextColumn
    return {
        "ID": st.column_config.NumberColumn(width=40),
        t("rtl_rtl"): text(width=340, help=t("rtl_full_text")),
        t("rtl_pj"): text(width=170),
        t("rtl_tenggat"): st.column_config.DateColumn(format="DD/MM/YYYY", width=95),
        t("rtl_status"): text(width=100),
        t("rtl_masalah"): text(width=260, help=t("rtl_full_text")),
        t("rtl_penyebab"): text(width=220, help=t("rtl_full_text")),
    }


def action_table(rows: list[actions.Action]) -> pl.DataFrame:
    """Text is shown as text: st.dataframe never renders it as HTML or Markdown. What is to be done,
    by whom, by when and how far it is come first; the problem and its cause after."""
    labels = {slug: ind.label(lang()) for slug, ind in INDICATORS.items()}
    return pl.DataFrame([{
        "ID": a.id, t("rtl_rtl"): a.rtl, t("rtl_pj"): a.penanggung_jawab, t("rtl_tenggat"): a.tenggat,
        t("rtl_status"): t(f"rtl_status_{a.status}"), t("rtl_masalah"): a.masalah, t("rtl_penyebab"): a.penyebab,
        t("indicator"): labels.get(a.indicator or "", "–"), t("col_desa"): data.desa_names().get(a.kode_desa or "", "–"),
        t("rtl_from"): period_label(a.carried_from) if a.carried_from else "",
        t("rtl_updated"): f"{a.updated_by} · {a.updated_at[:16].replace('T', ' ')}",
    } for a in rows])


def _action_fields(prefix: str, puskesmas: str, current: actions.Action | None = None) -> dict:
    """The editable fields of an action as form widgets (keys under `prefix`)."""
    indicators = {"": "–", **{slug: ind.label(lang()) for slug, ind in INDICATORS.items()}}
    desa = {"": "–", **dict(desa_of(puskesmas).select("kode", "nama_desa").iter_rows())}
    statuses = {s.value: t(f"rtl_status_{s.value}") for s in actions.Status}
    left, right = st.columns(2)
    with left:
        masalah = st.text_area(t("rtl_masalah"), value=current.masalah if current else "", max_chars=1000,
                               key=f"{prefix}_masalah")
        penyebab = st.text_area(t("rtl_penyebab"), value=current.penyebab if current else "", max_chars=1000,
                                key=f"{prefix}_penyebab")
        rtl = st.text_area(t("rtl_rtl"), value=current.rtl if current else "", max_chars=1000, key=f"{prefix}_rtl")
    with right:
        pj = st.text_input(t("rtl_pj"), value=current.penanggung_jawab if current else "", max_chars=120,
                           key=f"{prefix}_pj")
        tenggat = st.date_input(t("rtl_tenggat"), value=current.tenggat if current else None, key=f"{prefix}_tenggat",
                                format="DD/MM/YYYY")
        status = st.selectbox(t("rtl_status"), list(statuses), format_func=statuses.__getitem__,
                              index=list(statuses).index(current.status) if current else 0, key=f"{prefix}_status")
        indicator = st.selectbox(t("indicator"), list(indicators), format_func=indicators.__getitem__,
                                 index=list(indicators).index(current.indicator or "") if current else 0,
                                 key=f"{prefix}_indicator")
        kode_desa = st.selectbox(t("col_desa"), list(desa), format_func=desa.__getitem__,
                                 index=list(desa).index(current.kode_desa or "") if current else 0,
                                 key=f"{prefix}_desa")
    return {"masalah": masalah, "penyebab": penyebab, "rtl": rtl, "penanggung_jawab": pj, "tenggat": tenggat,
            "status": status, "indicator": indicator or None, "kode_desa": kode_desa or None}


def add_form(store: actions.Store, puskesmas: str, period: date) -> None:
    with st.expander(t("rtl_add"), expanded=False), st.form("rtl_add_form", clear_on_submit=False):
        fields = _action_fields("rtl_new", puskesmas)
        st.caption(t("written_as", name=md_escape(auth.user().author)))
        if st.form_submit_button(t("rtl_save"), type="primary"):
            content = {**fields, "puskesmas": puskesmas, "period": period}
            try:
                store.add(content, by=auth.user(), token=forms.token("rtl_add", content))
            except actions.ValidationError as exc:
                st.error("\n".join(f"- {md_escape(render(m, lang()))}" for m in exc.messages))
            except Forbidden as exc:
                st.error(render(exc, lang()), icon=":material/block:")
            else:
                for key in [k for k in st.session_state if str(k).startswith("rtl_new_")]:
                    del st.session_state[key]  # an empty form for the next action
                forms.saved("rtl_add", content)
                _saved()


def _save_merged(store: actions.Store, shown: actions.Action, changes: dict) -> None:
    """Update from the version shown; if it is stale, apply our changes to the stored version when
    the other edit touched none of our fields, else raise the store's ConflictError."""
    try:
        store.update(shown.id, changes, by=auth.user(), expected_version=shown.version)
    except actions.ConflictError:
        stored = store.get(shown.id)
        if any(getattr(stored, name) != getattr(shown, name) for name in changes):
            raise
        store.update(shown.id, changes, by=auth.user(), expected_version=stored.version)


def _saved() -> None:
    """Show the tables with the change: rerun, carrying the confirmation over."""
    st.session_state["rtl_notice"] = t("rtl_saved")
    st.rerun()


def edit_form(store: actions.Store, rows: list[actions.Action]) -> None:
    """Edit one action. Only the fields the user changed are saved, on top of the version the form
    showed. If someone saved in between: their change and ours are merged when they touched other
    fields; when both changed the same field, ours is refused (nothing is overwritten) and the form
    shows the stored version to re-apply it."""
    with st.expander(t("rtl_edit")):
        choices = {a.id: f"#{a.id} · {a.masalah[:60]}" for a in rows}
        chosen = st.selectbox(t("rtl_pick"), list(choices), format_func=choices.__getitem__, key="rtl_pick")
        current = next(a for a in rows if a.id == chosen)
        if conflict := st.session_state.pop("rtl_conflict", None):
            st.error(conflict, icon=":material/sync_problem:")
        shown = st.session_state.setdefault("rtl_base", {}).setdefault(chosen, current)
        with st.form(f"rtl_edit_form_{chosen}"):
            fields = _action_fields(f"rtl_edit_{chosen}", current.puskesmas, current)
            st.caption(t("written_as", name=md_escape(auth.user().author)))
            if st.form_submit_button(t("rtl_save"), type="primary"):
                changes = {name: value for name, value in fields.items() if value != getattr(shown, name)}
                try:
                    _save_merged(store, shown, changes)
                except actions.ConflictError as exc:
                    for key in [k for k in st.session_state if str(k).startswith(f"rtl_edit_{chosen}_")]:
                        del st.session_state[key]
                    st.session_state["rtl_base"].pop(chosen, None)
                    st.session_state["rtl_conflict"] = t("rtl_conflict", who=md_escape(exc.updated_by),
                                                         at=exc.updated_at[:16].replace("T", " "))
                    st.rerun()
                except actions.ValidationError as exc:
                    st.error("\n".join(f"- {md_escape(render(m, lang()))}" for m in exc.messages))
                except Forbidden as exc:
                    st.error(render(exc, lang()), icon=":material/block:")
                else:
                    st.session_state["rtl_base"].pop(chosen, None)  # the next edit starts from what is stored
                    _saved()
        history = store.history(chosen)
        tables.show(pl.DataFrame([{t("rtl_when"): c.at[:16].replace("T", " "), t("rtl_who"): c.who,
                                    t("rtl_field"): c.field, t("rtl_old"): c.old, t("rtl_new"): c.new}
                                   for c in history]), key="rtl_history")
