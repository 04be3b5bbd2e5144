"""The Dojo: fair comparison between puskesmas (funnel plot, league table, scorecard, equity) and the
session in which presenting puskesmas are critiqued by their peers.

Numbers come from phdt.dojo, notes from phdt.critique (the follow-up action database). These views
are shared between puskesmas, so counts of people go through ``count_text`` (small counts are
suppressed). User text is shown in tables (never rendered) or Markdown-escaped.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import partial

import polars as pl
import streamlit as st

from components import auth, charts, compare, data, forms, state, tables
from components.colours import FILL
from components.i18n import interval, lang, metric, number, percent, period_label, signed, t
from components.text import md_escape
from phdt import actions, critique, dojo, formats, metrics, pws
from phdt.config import settings
from phdt.indicators import INDICATORS, Colour, Indicator
from phdt.statistics import suppressed
from phdt.roles import Forbidden, Right
from phdt.texts import render

GREY = "#bdbdbd"
CELL_FILL = {**{c.value: FILL[c] for c in Colour}, "grey": GREY}
MAX_ROWS_SHOWN = 40
DINKES = "Dinkes"  # a reviewer who is not a puskesmas: the district health office facilitating the session


def count_text(value: int | None, people: bool = True) -> str:
    """A count for views shared between puskesmas: a small count of people (not of desa) is
    shown as "<5" (settings.suppress_below)."""
    text = suppressed(value, settings().suppress_below if people else 0)
    return number(value) if value is not None and text == str(value) else text


def table_height(rows: int) -> int | str:
    """All rows of a kabupaten's puskesmas at once; a scrolling table for a province's hundreds
    (drawing every row of a long styled table takes the browser seconds)."""
    return "content" if rows <= MAX_ROWS_SHOWN else 640


def rank_text(row: dict) -> str:
    """'3 (1–6)': the rank and its 95 % interval; '–' when not ranked."""
    if row["rank"] is None:
        return "–"
    interval = f" ({row['rank_low']}–{row['rank_high']})" if row["rank_low"] is not None else ""
    return f"{row['rank']}{interval}"


def counts_people(indicator: Indicator) -> bool:
    return indicator.denominator != "desa"  # UCI counts desa, which identify nobody


def reason_text(row: dict) -> str:
    return t(f"dojo_reason_{row['reason']}") if row["reason"] else ""


def interval_text(row: dict) -> str:
    if row["ci_low"] is None:
        return "–"
    return interval(row["ci_low"], row["ci_high"])


def position_text(row: dict) -> str:
    """The funnel position of a trusted unit; an untrusted one is not judged, and says why."""
    if row["position"]:
        return t(f"funnel_{row['position']}")
    return t("funnel_position_none", reason=reason_text(row)) if row["reason"] else "–"


def change_text(compared: metrics.Comparison, delta: float) -> str:
    """'capaian +1,5 poin vs Desember 2024' or '3,1 poin lebih dekat ke target … dibanding Maret 2025'."""
    if compared.basis is metrics.Basis.COVERAGE:
        return t("format_value_vs", delta=signed(delta), period=period_label(compared.earlier))
    return t("format_closer_vs" if delta >= 0 else "format_further_vs", points=number(abs(delta), 1),
             month=period_label(compared.earlier))


def movement(rank_change: int | None) -> str:
    if not rank_change:
        return "" if rank_change is None else "="
    return f"▲{rank_change}" if rank_change > 0 else f"▼{-rank_change}"


# --- funnel plot -----------------------------------------------------------------------------


def funnel_section(indicator: Indicator, period: date, earlier: date) -> None:
    adjustments = {key: t(f"funnel_adjust_{key}") for key in state.FUNNEL_ADJUSTMENTS}
    st.segmented_control(t("funnel_adjust"), list(adjustments), format_func=adjustments.__getitem__,
                         key="penyesuaian", help=t("funnel_adjust_help"))
    adjust = state.FUNNEL_ADJUSTMENTS[st.session_state["penyesuaian"] or "tanpa"]
    funnel = dojo.funnel(data.league(indicator.slug, period, earlier, data.dataset().version), indicator, adjust)
    if funnel.dispersion.detected and adjust == "none":
        st.info(t("funnel_overdispersed", phi=number(funnel.dispersion.phi, 1)), icon=":material/info:")
    elif funnel.dispersion.detected:
        st.caption(t("funnel_adjusted", phi=number(funnel.dispersion.phi, 1)))
    event = st.plotly_chart(charts.funnel_figure(funnel), key="funnel_chart", on_select="rerun",
                            selection_mode="points", config={"displaylogo": False})
    chosen = [point["customdata"] for point in event.selection.points if point.get("customdata")]
    if chosen:
        state.open_profile(chosen[0])
    st.markdown(funnel_sentence(funnel, indicator))
    st.caption(t("funnel_caption"))
    names = funnel.points.sort("kode")["kode"].to_list()
    pick, go = st.columns([3, 1], vertical_alignment="bottom")
    profile = pick.selectbox(t("dojo_open_profile"), names, key="funnel_profile_pick")
    if go.button(t("dojo_open"), key="funnel_profile_open"):
        state.open_profile(profile)


def funnel_sentence(funnel: dojo.Funnel, indicator: Indicator) -> str:
    """How many puskesmas lie inside the limits, and which lie outside (alarm: 99.8 %)."""
    positions = funnel.points.drop_nulls("position")
    counts = dict(positions.group_by("position").len().iter_rows())
    worse = positions.filter(pl.col("position") == "worse_998")["kode"].sort().to_list()
    better = positions.filter(pl.col("position") == "better_998")["kode"].sort().to_list()
    text = t("funnel_sentence", centre=percent(funnel.centre), indicator=indicator.label(lang()),
             inside=counts.get("within", 0), n=positions.height,
             alert=counts.get("worse_95", 0) + counts.get("better_95", 0))
    if worse:
        text += " " + t("funnel_worse", names=md_escape(", ".join(worse)))
    if better:
        text += " " + t("funnel_better", names=md_escape(", ".join(better)))
    untrusted = funnel.points.filter(pl.col("reason").is_not_null())
    for reason in dojo.REASONS:  # the trust rule's verdict, never a position
        names = untrusted.filter(pl.col("reason") == reason)["kode"].sort().to_list()
        if names:
            text += " " + t("funnel_not_judged", reasons=t(f"dojo_reason_{reason}"), names=md_escape(", ".join(names)))
    return text


# --- league table --------------------------------------------------------------------------


def league_section(indicator: Indicator, period: date, earlier: date) -> None:
    league = data.league(indicator.slug, period, earlier, data.dataset().version)
    compared = metrics.comparison(indicator, period, earlier)
    tables.show(league_table(league, indicator, compared), key="league_table", height=table_height(league.height))
    unranked = league.filter(pl.col("reason").is_not_null())
    basis = "" if compared is None else " " + t("compare_league_basis", basis=compare.basis(compared),
                                                earlier=period_label(earlier))
    st.caption(t("league_caption", earlier=period_label(earlier), threshold=number(settings().dojo_min_quality),
                 below=settings().suppress_below, ranked=league.height - unranked.height, n=league.height) + basis)
    if unranked.height:
        st.warning(t("league_unranked", n=unranked.height, names=md_escape(", ".join(unranked["nama"].to_list()))),
                   icon=":material/warning:")


def league_table(league: pl.DataFrame, indicator: Indicator, compared: metrics.Comparison | None = None) -> pl.DataFrame:
    """The league as shown: rank with its interval, capaian with its 95 % CI, counts suppressed; the
    change column says what it measures (`compared`: metrics.comparison)."""
    rows, people = league.to_dicts(), counts_people(indicator)
    return pl.DataFrame({
        t("col_rank_interval"): [rank_text(r) for r in rows],
        t("col_puskesmas"): [r["nama"] for r in rows],
        t("col_value"): [None if r["value"] is None else round(r["value"], 1) for r in rows],
        t("col_ci"): [interval_text(r) for r in rows],
        t("col_numerator"): [count_text(r["numerator"], people) for r in rows],
        t("col_denominator"): [count_text(r["denominator"], people) for r in rows],
        (t("col_change") if compared is None else compare.change_column(compared)):
            [signed(r["delta"]) for r in rows],  # +1,5 / −2,0 / –
        t("col_movement"): [movement(r["rank_change"]) for r in rows],
        t("dq_score"): [None if r["quality"] is None else round(r["quality"], dojo.QUALITY_DECIMALS) for r in rows],
        t("col_note"): [reason_text(r) for r in rows],
    }, strict=False)


# --- scorecard -----------------------------------------------------------------------------


def scorecard_section(period: date, earlier: date) -> None:
    orders = {key: t(f"scorecard_order_{key}") for key in state.SCORECARD_ORDERS}
    st.segmented_control(t("scorecard_order"), list(orders), format_func=orders.__getitem__, key="urutan")
    by = {"terbaik": "best", "meningkat": "improved"}[st.session_state["urutan"] or "terbaik"]
    card = data.scorecard(period, earlier, data.dataset().version)
    order = dojo.standings(card, by=by)["puskesmas"].to_list()
    st.dataframe(scorecard_styler(card, order, by), key="scorecard", height=table_height(len(order)))
    tables.download(scorecard_numbers(card, order, by), "scorecard", f"rapor-{period:%Y-%m}")
    distance = "" if earlier.month == period.month else " " + t("compare_scorecard_distance", earlier=period_label(earlier))
    st.caption(t("scorecard_caption", earlier=period_label(earlier), threshold=number(settings().dojo_min_quality))
               + distance)
    for column, kind in zip(st.columns(2), ("best", "improved"), strict=True):
        with column:
            st.markdown(f"**{t(f'standings_{kind}')}**")
            tables.show(standings_table(dojo.standings(card, by=kind), kind),
                         key=f"standings_{kind}", height=table_height(len(order)))


def scorecard_styler(card: pl.DataFrame, order: list[str], by: str):
    """Puskesmas × indicators in the registry's colours (grey: data quality too low to compare),
    showing the value (or, for "improved", the change in points) with ▲/▼ when the rank rose or
    fell (the league table gives the places). The cells keep their numbers underneath, so a click
    on a header sorts numerically."""
    shown = "value" if by == "best" else "improvement"
    slugs = [slug for slug in INDICATORS if slug in set(card["slug"])]

    def matrix(values: str):
        wide = card.pivot(on="slug", index="puskesmas", values=values).to_pandas().set_index("puskesmas")
        return wide.loc[order, slugs]

    numbers, colours, moves = matrix(shown), matrix("colour"), matrix("rank_change")
    labels = [INDICATORS[slug].label(lang()) for slug in slugs]
    numbers.columns = labels
    numbers.index.name = t("col_puskesmas")
    language = lang()
    fmt = partial(number, decimals=1, language=language) if by == "best" else partial(signed, language=language)
    styler = numbers.style.apply(lambda _: colours.map(_cell_style).to_numpy(), axis=None).format(fmt, na_rep="–")
    for slug, label in zip(slugs, labels, strict=True):  # one format call per arrow and column: cells are many
        for arrow, moved in (("▲", moves[slug] > 0), ("▼", moves[slug] < 0)):
            if moved.any():
                styler = styler.format(_with_arrow(fmt, arrow), subset=(moves.index[moved].tolist(), [label]),
                                       na_rep="–")
    return styler


def scorecard_numbers(card: pl.DataFrame, order: list[str], by: str) -> pl.DataFrame:
    """The scorecard's numbers as a plain table (for the Excel file): one column per indicator."""
    shown = "value" if by == "best" else "improvement"
    wide = card.pivot(on="slug", index="nama", values=shown)
    ranks = {name: i for i, name in enumerate(order)}
    labels = {slug: ind.label(lang()) for slug, ind in INDICATORS.items() if slug in wide.columns}
    return (wide.sort(pl.col("nama").replace_strict(ranks, return_dtype=pl.Int64))
            .rename({"nama": t("col_puskesmas"), **labels}))


def _with_arrow(fmt, arrow: str):
    return lambda value: f"{fmt(value)} {arrow}"


def _cell_style(colour: str) -> str:
    text = "#000" if colour in ("yellow", "grey", "no_data") else "#fff"
    return f"background-color: {CELL_FILL.get(colour, GREY)}; color: {text}"


def standings_table(standings: pl.DataFrame, by: str) -> pl.DataFrame:
    columns = [pl.col("nama").alias(t("col_puskesmas"))]
    if by == "best":
        columns += [pl.col("green").alias(t("colour_green")), pl.col("yellow").alias(t("colour_yellow")),
                    pl.col("red").alias(t("colour_red")), pl.col("mean_rank").round(1).alias(t("col_mean_rank"))]
    else:
        columns += [pl.col("improved").alias(t("col_improved")),
                    pl.col("mean_improvement").round(1).alias(t("col_mean_improvement")),
                    pl.col("mean_rank_change").round(1).alias(t("col_mean_rank_change"))]
    reasons = {reason: f"{t('standings_unranked')}: {t(f'dojo_reason_{reason}')}" for reason in dojo.REASONS}
    columns.append(pl.col("reason").replace_strict(reasons, default="").alias(t("col_note")))
    return standings.select(columns)


# --- equity --------------------------------------------------------------------------------

EQUITY_MIN_DENOMINATOR = {"kecamatan": 0, "desa": 20}  # a desa with fewer than 20 in sasaran swings by chance


def equity_section(indicator: Indicator, period: date) -> None:
    levels = {level: t(f"level_{level}") for level in state.MAP_LEVELS}
    st.segmented_control(t("equity_level"), state.MAP_LEVELS, format_func=levels.__getitem__, key="tingkat")
    level = st.session_state["tingkat"] or state.MAP_LEVELS[0]
    version = data.dataset().version
    units = data.units(indicator.slug, period, level, version)
    summary = dojo.equity(units, indicator, EQUITY_MIN_DENOMINATOR[level], trust_rule(units, period, level))
    if summary is None:
        st.info(t("equity_none"))
    else:
        st.markdown(equity_sentence(summary, indicator, level))
        columns = st.columns(4)
        columns[0].metric(t("equity_difference"), f"{number(summary.difference, 1)} {t('points')}")
        columns[1].metric(t("equity_ratio"), "–" if summary.ratio is None else f"{number(summary.ratio, 2)}×")
        columns[2].metric(t("equity_mdm"), f"{number(summary.mdm, 1)} {t('points')}", help=t("equity_mdm_help"))
        columns[3].metric(t("equity_half_gap"), f"{summary.gap_half_units} / {summary.units}",
                          help=t("equity_half_gap_help"))
    st.markdown(f"**{t('equity_all_title', level=levels[level])}**")
    tables.show(equity_table(period, level), key="equity_table", height="content")
    st.caption(t("equity_caption", n=EQUITY_MIN_DENOMINATOR["desa"]))


def trust_rule(units: pl.DataFrame, period: date, level: str) -> dojo.Trust:
    """The Dojo's trust rule for kecamatan or desa: the same threshold as the ranking, on their own scores."""
    return dojo.trust(units, data.unit_quality(period, level, data.dataset().version), settings().dojo_min_quality)


def equity_sentence(summary: dojo.Equity, indicator: Indicator, level: str) -> str:
    ratio = "" if summary.ratio is None else t("equity_ratio_text", ratio=number(summary.ratio, 1))
    untrusted = "" if not summary.untrusted else " " + t(
        "equity_untrusted", n=len(summary.untrusted), names=md_escape(", ".join(summary.untrusted)))
    return t("equity_sentence", indicator=indicator.label(lang()), level=t(f"level_{level}").lower(),
             best=md_escape(summary.best), best_value=percent(summary.best_value), worst=md_escape(summary.worst),
             worst_value=percent(summary.worst_value), difference=number(summary.difference, 1), ratio=ratio,
             half=summary.gap_half_units, units=summary.units, gap=count_text(summary.gap_total, counts_people(indicator)),
             unit=compare.gap_unit(indicator)) + untrusted


def equity_table(period: date, level: str) -> pl.DataFrame:
    """Best vs worst, difference, ratio, MDM and gap concentration of every indicator."""
    version = data.dataset().version
    rows = []
    for slug, indicator in INDICATORS.items():
        units = data.units(slug, period, level, version)
        summary = dojo.equity(units, indicator, EQUITY_MIN_DENOMINATOR[level], trust_rule(units, period, level))
        if summary is None:
            continue
        rows.append({
            t("indicator"): indicator.label(lang()),
            t("equity_best"): f"{summary.best} ({percent(summary.best_value)})",
            t("equity_worst"): f"{summary.worst} ({percent(summary.worst_value)})",
            t("equity_difference"): round(summary.difference, 1),
            t("equity_ratio"): None if summary.ratio is None else round(summary.ratio, 2),
            t("equity_mdm"): round(summary.mdm, 1),
            t("equity_half_gap"): f"{summary.gap_half_units} / {summary.units}",
        })
    return pl.DataFrame(rows)


# --- the session ---------------------------------------------------------------------------


def session_list(period: date) -> None:
    """Sessions held so far, and the form that starts a new one."""
    store = data.action_store()
    held = critique.sessions(store)
    if held:
        choices = {s.id: f"#{s.id} · {s.title} · {period_label(s.period)}" for s in held}
        pick, go = st.columns([3, 1], vertical_alignment="bottom")
        chosen = pick.selectbox(t("session_pick"), list(choices), format_func=choices.__getitem__, key="session_pick")
        go.button(t("dojo_open"), key="session_open", on_click=open_session, args=(chosen,))
    else:
        st.info(t("session_none"))
    user = auth.user()
    if user is None or not user.can(Right.RUN_DOJO):
        return
    with st.form("session_new"):
        st.markdown(f"**{t('session_new')}**")
        title = st.text_input(t("session_title"), max_chars=120, key="session_new_title",
                              placeholder=t("session_title_placeholder", period=period_label(period)))
        labels = {slug: ind.label(lang()) for slug, ind in INDICATORS.items()}
        chosen = st.multiselect(t("session_indicators"), list(labels), format_func=labels.__getitem__,
                                default=[st.session_state["indikator"]], key="session_new_indicators")
        presenters = st.multiselect(t("session_presenters"), data.puskesmas_names(), key="session_new_presenters",
                                    max_selections=critique.MAX_PRESENTERS, help=t("session_presenters_help"))
        st.caption(t("written_as", name=md_escape(user.author)))
        if st.form_submit_button(t("session_start"), type="primary"):
            content = (title, period, tuple(chosen), tuple(presenters))
            try:
                created = critique.create_session(store, title, period, chosen, presenters, user,
                                                  token=forms.token("session_new", content))
            except (actions.ValidationError, Forbidden) as exc:
                show_refusal(exc)
            else:
                forms.saved("session_new", content)
                open_session(created)
                st.rerun()


def open_session(session_id: int) -> None:
    """Show a session (URL ``sesi``) in the current section: its panels, or its summary."""
    st.session_state["sesi"] = str(session_id)


def current_session() -> critique.Session | None:
    """The session in the URL (``sesi``); None, with a notice, when it does not exist."""
    if not st.session_state["sesi"]:
        return None
    try:
        return critique.get_session(data.action_store(), int(st.session_state["sesi"]))
    except actions.NotFoundError:
        st.warning(t("session_missing", id=st.session_state["sesi"]), icon=":material/warning:")
        return None


def session_header(session: critique.Session) -> Indicator:
    """Title line, the way back to the list, and the indicator the panels show (one of the session's)."""
    st.subheader(f"#{session.id} · {md_escape(session.title)}")
    st.caption(t("session_meta", period=period_label(session.period), who=md_escape(session.created_by),
                 at=session.created_at[:16].replace("T", " ")))
    labels = {slug: INDICATORS[slug].label(lang()) for slug in session.indicators}
    if st.session_state.get("session_indicator") not in labels:
        st.session_state["session_indicator"] = session.indicators[0]
    st.segmented_control(t("indicator"), list(labels), format_func=labels.__getitem__, key="session_indicator")
    return INDICATORS[st.session_state["session_indicator"] or session.indicators[0]]


def session_panels(session: critique.Session, indicator: Indicator) -> None:
    """The presenters side by side on the funnel, then one panel each: capaian, rank, funnel position,
    data quality, PWS status of their desa and this year's trend."""
    version = data.dataset().version
    earlier = data.default_comparison(session.period)
    league = data.league(indicator.slug, session.period, earlier, version)
    compared = metrics.comparison(indicator, session.period, earlier)
    funnel = dojo.funnel(league, indicator)
    st.plotly_chart(charts.funnel_figure(funnel, highlight=session.presenters, height=380), key="session_funnel",
                    config={"displaylogo": False})
    ranked = league.filter(pl.col("reason").is_null()).height
    rows = {row["kode"]: row for row in funnel.points.to_dicts()}
    for column, name in zip(st.columns(len(session.presenters)), session.presenters, strict=True):
        with column, st.container(border=True, key=f"panel_{session.presenters.index(name)}"):
            row = rows[name]
            st.markdown(f"#### {md_escape(name)}")
            change = None if compared is None else formats.change(row["delta"], compared.better)
            metric(indicator.label(lang()), percent(row["value"]), change,
                   None if change is None else change_text(compared, row["delta"]))
            st.caption(f"{t('col_ci')}: {interval_text(row)} · {t('col_rank_interval')}: {rank_text(row)} / {ranked} "
                       f"{reason_text(row)}")
            st.markdown(f"{t('funnel_position')}: **{position_text(row)}**")
            score = row["quality"]
            st.markdown(f"{t('dq_score')}: **{'–' if score is None else number(score, dojo.QUALITY_DECIMALS)}**")
            st.markdown(pws_counts(indicator, session.period, name))
            trend = data.trend(indicator.slug, "puskesmas", name, version)
            figure = charts.trend_figure(trend, session.period, "")
            figure.update_layout(height=240, showlegend=False, margin={"l": 0, "r": 0, "t": 10, "b": 0})
            st.plotly_chart(figure, key=f"panel_trend_{session.presenters.index(name)}",
                            config={"displayModeBar": False})


def pws_counts(indicator: Indicator, period: date, puskesmas: str) -> str:
    status = data.pws_status(indicator.slug, period, puskesmas, data.dataset().version)
    counts = pws.status_counts(status)
    return t("session_pws", counts=" · ".join(f"{t(f'pws_{s}')} **{n}**" for s, n in counts.items()))


def critique_tabs(session: critique.Session) -> None:
    """Per presenter: the notes so far, a form for a new one, and suggestions turned into actions."""
    store = data.action_store()
    if notice := st.session_state.pop("critique_notice", None):
        st.success(notice, icon=":material/check:")
    notes = critique.notes(store, session.id)
    user = auth.user()
    for index, (tab, name) in enumerate(zip(st.tabs(list(session.presenters)), session.presenters, strict=True)):
        with tab:
            own = [n for n in notes if n.presenter == name]
            if own:
                tables.show(notes_table(own), key=f"notes_{index}")
            if reviewers := reviewers_for(user, name):
                note_form(store, session, name, index, reviewers)
            if withdrawable := [n for n in own if not n.withdrawn and may_withdraw(user, n)]:
                withdraw_form(store, index, withdrawable)
            suggestions = [n for n in own if n.kind is critique.NoteKind.SARAN and n.action_id is None
                           and not n.withdrawn]
            if suggestions and user is not None and user.can(Right.WRITE_ACTION, name):
                action_form(store, session, name, index, suggestions)


def show_refusal(exc: actions.StoreError | Forbidden) -> None:
    """A refused write: every validation message, or the one reason (not allowed, not found)."""
    messages = exc.messages if isinstance(exc, actions.ValidationError) else [exc.args[0]]
    st.error("\n".join(f"- {md_escape(render(m, lang()))}" for m in messages))


def reviewers_for(user, presenter: str) -> list[str]:
    """Whom the user may write notes for: a puskesmas account only as itself, Dinkes roles as anyone."""
    if user is None:
        return []
    if user.can(Right.MODERATE):
        return [DINKES, *(name for name in data.puskesmas_names() if name != presenter)]
    own = user.puskesmas
    return [own] if own and own != presenter and user.can(Right.WRITE_NOTE, own) else []


def may_withdraw(user, note: critique.Note) -> bool:
    """The note's author (still writing for its reviewer) or a Dinkes role; critique.withdraw_note checks again."""
    if user is None:
        return False
    return user.can(Right.MODERATE) or (note.author_account == user.username
                                        and user.can(Right.WRITE_NOTE, note.reviewer))


def withdraw_form(store: actions.Store, index: int, notes: list[critique.Note]) -> None:
    with st.expander(t("note_withdraw")), st.form(f"note_withdraw_{index}"):
        choices = {n.id: f"#{n.id} · {n.text[:80]}" for n in notes}
        chosen = st.selectbox(t("note_pick"), list(choices), format_func=choices.__getitem__,
                              key=f"note_withdraw_pick_{index}")
        reason = st.text_input(t("field_withdraw_reason"), max_chars=1000, key=f"note_withdraw_reason_{index}")
        if st.form_submit_button(t("note_withdraw")):
            try:
                critique.withdraw_note(store, chosen, auth.user(), reason)
            except (actions.ValidationError, actions.NotFoundError, Forbidden) as exc:
                show_refusal(exc)
            else:
                st.session_state["critique_notice"] = t("note_withdrawn", id=chosen)
                st.rerun()


def notes_table(notes: list[critique.Note]) -> pl.DataFrame:
    return pl.DataFrame([{
        t("note_kind"): t(f"note_{n.kind.value}"), t("note_text"): n.text, t("note_reviewer"): n.reviewer,
        t("note_author"): n.author, t("indicator"): INDICATORS[n.indicator].label(lang()) if n.indicator else "–",
        t("note_action"): f"RTL #{n.action_id}" if n.action_id else "",
        t("note_status"): t("note_withdrawn_by", who=n.withdrawn_by, reason=n.withdraw_reason) if n.withdrawn else "",
    } for n in notes])


def note_form(store: actions.Store, session: critique.Session, presenter: str, index: int,
              reviewers: list[str]) -> None:
    kinds = {k.value: t(f"note_{k.value}") for k in critique.NoteKind}
    indicators = {"": "–", **{slug: INDICATORS[slug].label(lang()) for slug in session.indicators}}
    with st.form(f"note_form_{index}", clear_on_submit=True):
        st.markdown(f"**{t('note_add', name=md_escape(presenter))}**")
        kind = st.radio(t("note_kind"), list(kinds), format_func=kinds.__getitem__, horizontal=True,
                        key=f"note_kind_{index}")
        text = st.text_area(t("note_text"), max_chars=1000, key=f"note_text_{index}")
        left, middle, right = st.columns(3)
        reviewer = left.selectbox(t("note_reviewer"), reviewers, key=f"note_reviewer_{index}")
        middle.caption(t("written_as", name=md_escape(auth.user().author)))
        indicator = right.selectbox(t("indicator"), list(indicators), format_func=indicators.__getitem__,
                                    key=f"note_indicator_{index}")
        if st.form_submit_button(t("note_save"), type="primary"):
            content = (reviewer, kind, text, indicator)
            try:
                critique.add_note(store, session.id, presenter, reviewer, auth.user(), kind, text, indicator or None,
                                  token=forms.token(f"note_{session.id}_{index}", content))
            except (actions.ValidationError, Forbidden) as exc:
                show_refusal(exc)
            else:
                forms.saved(f"note_{session.id}_{index}", content)
                st.session_state["critique_notice"] = t("note_saved")
                st.rerun()


def action_form(store: actions.Store, session: critique.Session, presenter: str, index: int,
                suggestions: list[critique.Note]) -> None:
    """Turn a suggestion (saran) into a follow-up action of the presenting puskesmas."""
    with st.expander(t("note_to_action", n=len(suggestions))), st.form(f"note_action_{index}"):
        choices = {n.id: f"#{n.id} · {n.text[:80]}" for n in suggestions}
        chosen = st.selectbox(t("note_pick"), list(choices), format_func=choices.__getitem__, key=f"note_pick_{index}")
        note = next(n for n in suggestions if n.id == chosen)
        left, right = st.columns(2)
        masalah = left.text_area(t("rtl_masalah"), max_chars=1000, key=f"note_action_masalah_{index}")
        rtl = left.text_area(t("rtl_rtl"), value=note.text, max_chars=1000, key=f"note_action_rtl_{index}_{chosen}")
        pj = right.text_input(t("rtl_pj"), max_chars=120, key=f"note_action_pj_{index}")
        tenggat = right.date_input(t("rtl_tenggat"), value=session.period + timedelta(days=60), format="DD/MM/YYYY",
                                   key=f"note_action_tenggat_{index}")
        right.caption(t("written_as", name=md_escape(auth.user().author)))
        if st.form_submit_button(t("note_make_action"), type="primary"):
            action = {"puskesmas": presenter, "period": session.period, "masalah": masalah, "rtl": rtl,
                      "penanggung_jawab": pj, "tenggat": tenggat, "status": actions.Status.DIRENCANAKAN.value,
                      "indicator": note.indicator}
            try:
                created = critique.note_to_action(store, note.id, action, auth.user())
            except (actions.ValidationError, Forbidden) as exc:
                show_refusal(exc)
            else:
                st.session_state["critique_notice"] = t("note_action_saved", id=created, name=presenter)
                st.rerun()


# --- session summary -------------------------------------------------------------------------


def session_summary(session: critique.Session) -> None:
    """What was shown, said and decided, per presenting puskesmas; printed without the app's frame."""
    with st.container(key="no_print_hint"):
        st.caption(t("summary_print"))
    with st.container(key="dojo_summary"):
        st.markdown(summary_markdown(session))


def summary_markdown(session: critique.Session) -> str:
    """The summary as Markdown, every user text escaped; counts suppressed (shared between puskesmas)."""
    store = data.action_store()
    notes = critique.notes(store, session.id)
    version = data.dataset().version
    earlier = data.default_comparison(session.period)
    funnels = {slug: dojo.funnel(data.league(slug, session.period, earlier, version), INDICATORS[slug])
               for slug in session.indicators}
    lines = [f"## {t('summary_title', id=session.id)}: {md_escape(session.title)}",
             t("session_meta", period=period_label(session.period), who=md_escape(session.created_by),
               at=session.created_at[:16].replace("T", " ")), ""]
    for name in session.presenters:
        lines += [f"### {md_escape(name)}", "", f"| {t('indicator')} | {t('col_value')} | {t('col_ci')} | "
                  f"{t('col_numerator')} / {t('col_denominator')} | {t('col_rank_interval')} | {t('funnel_position')} |",
                  "|---|---|---|---|---|---|"]
        for slug, funnel in funnels.items():
            row = funnel.points.filter(pl.col("kode") == name).row(0, named=True)
            ranked = funnel.points.filter(pl.col("reason").is_null()).height
            people = counts_people(INDICATORS[slug])
            lines.append(f"| {INDICATORS[slug].label(lang())} | {percent(row['value'])} | {interval_text(row)} | "
                         f"{count_text(row['numerator'], people)} / {count_text(row['denominator'], people)} | "
                         f"{rank_text(row)} / {ranked} {reason_text(row)} | {position_text(row)} |")
        own = [n for n in notes if n.presenter == name and not n.withdrawn]
        for kind in critique.NoteKind:
            said = [n for n in own if n.kind is kind]
            if said:
                lines += ["", f"**{t(f'note_{kind.value}')}**", ""]
                lines += [f"- {md_escape(n.text)} — *{md_escape(n.reviewer)}, {md_escape(n.author)}*"
                          + (f" → RTL #{n.action_id}" if n.action_id else "") for n in said]
        decided = [store.get(n.action_id) for n in own if n.action_id]
        lines += ["", f"**{t('summary_decided')}**", ""]
        lines += [f"- RTL #{a.id}: {md_escape(a.rtl)} — {md_escape(a.penanggung_jawab)}, "
                  f"{a.tenggat:%d/%m/%Y} ({t(f'rtl_status_{a.status}')})" for a in decided] or [f"- {t('summary_no_actions')}"]
        lines.append("")
    return "\n".join(lines)
