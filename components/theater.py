"""Theater mode: a presenter's script of views (deep links), played full-screen on the room's big
screen with the data frozen, and exported as a briefing pack.

A view plays in an iframe of the app itself (``embed=true``), so any page state that has a link can
be shown, exactly as the page draws it. Every view gets the frozen data version (``versi``) and
``layar=teater`` (large type, no sidebar). Keys (→, PageDown, space / ←, PageUp, Esc) work both on
the player and inside the view, which forwards them to the player (components.layout)."""

from __future__ import annotations

import html
from urllib.parse import parse_qsl, urlencode, urlsplit

import plotly.graph_objects as go
import polars as pl
import streamlit as st

from components import auth, briefing, charts, data, forms, layout, peta, state, tables
from components.i18n import lang, period_label, t
from components.text import html_text, md_escape
from phdt import actions, deck, dojo, gaps, theater
from phdt.indicators import INDICATORS
from phdt.metrics import parse_period
from phdt.roles import Forbidden, Right
from phdt.texts import render

VIEW_PAGES = ("", "peta", "kesenjangan", "puskesmas", "dojo", "bupati")  # url paths a script can show
NOT_IN_LINKS = ("versi", "layar", "embed", "naskah", "langkah", "otomatis")  # set by the player itself
VIEW_HEIGHT = 760  # px: with the title, banner and controls, a view fills a 1080-pixel screen


def _params() -> dict[str, state.Param]:
    return {p.name: p for p in state.params(*state.codes())}


def check_link(link: str) -> str | None:
    """Why a link cannot be a view (None when it can): a path of this app with known, valid
    parameters; never another site."""
    parts = urlsplit(link.strip())
    if parts.scheme or parts.netloc or not link.strip().startswith("/"):
        return t("link_not_local")
    if parts.path.strip("/") not in VIEW_PAGES:
        return t("link_unknown_page", page=state.shown_value(parts.path))
    known = _params()
    for name, value in parse_qsl(parts.query, keep_blank_values=True):
        if name in NOT_IN_LINKS or name not in known:
            return t("link_unknown_param", name=state.shown_value(name))
        if not known[name].valid(value):
            return t("link_bad_value", name=name, value=state.shown_value(value))
    return None


def view_params(link: str) -> dict[str, str]:
    """The view's state: its link's parameters over the defaults."""
    defaults = {name: param.default() for name, param in _params().items()}
    return defaults | dict(parse_qsl(urlsplit(link).query))


def embed_url(link: str, version_id: str) -> str:
    """The view inside the player, rebuilt from its checked path and parameters."""
    parts = urlsplit(link)
    query = dict(parse_qsl(parts.query)) | {"versi": version_id, "layar": "teater", "embed": "true"}
    query.setdefault("bahasa", lang())
    return f"/{parts.path.strip('/')}?{urlencode(query)}"


def view_area(p: dict[str, str]):
    """The scope of a view's parameters (phdt.scope); an unknown code counts as not chosen."""
    desa = p["desa"] if p["desa"] in data.desa_names() else ""
    kecamatan = desa[:8] or (p["kecamatan"] if p["kecamatan"] in data.kecamatan_names() else "")
    return data.area(kecamatan, desa, data.version_id())


def describe(link: str) -> str:
    """The filter banner of a view: page, indicator, period, area."""
    p = view_params(link)
    area = view_area(p).label(lang())
    parts = [INDICATORS[p["indikator"]].label(lang()), period_label(parse_period(p["periode"])), area]
    if urlsplit(link).path.strip("/") == "puskesmas":
        parts.append(f"Puskesmas {p['puskesmas']}")
    return " · ".join(parts)


# --- the script's figures, for the pack --------------------------------------------------------


def view_figure(link: str) -> tuple[go.Figure, bool]:
    """The main figure of a view, built by the page's own builder, and whether it is a map."""
    p = view_params(link)
    version, slug, period = data.dataset().version, p["indikator"], parse_period(p["periode"])
    indicator, page = INDICATORS[slug], urlsplit(link).path.strip("/")
    if page == "peta":
        level = "desa" if p["kecamatan"] else p["tingkat"]
        return peta.twin_figure(slug, period, level, p["klasifikasi"], lang(), version, p["kecamatan"]), True
    if page == "kesenjangan":  # the page's own area: the view's kecamatan or desa
        ranked = gaps.pareto(view_area(p).units(data.units(slug, period, "desa", version), "desa"))
        return charts.pareto_figure(ranked, t(f"unit_{indicator.denominator}")), False
    if page == "puskesmas":
        status = data.pws_status(slug, period, p["puskesmas"], version)
        return charts.pws_bar_figure(status, t("pws_bar_title", indicator=indicator.label(lang()),
                                                period=period_label(period))), False
    if page == "dojo":
        league = data.league(slug, period, data.default_comparison(period), version)
        return charts.funnel_figure(dojo.funnel(league, indicator)), False
    if page == "bupati":
        return briefing.focus_map(briefing.summary(period, version)), False  # already sized, with north and scale
    level, code = ("desa", p["desa"]) if p["desa"] else ("kecamatan", p["kecamatan"]) if p["kecamatan"] else ("kabupaten", None)
    return charts.trend_figure(data.trend(slug, level, code, version), period, indicator.label(lang())), False


def script_deck(script_id: int) -> deck.Deck:
    """One slide per view: its title, its filters, its figure and the speaker note."""
    script = theater.get(data.action_store(), script_id)
    period = max(parse_period(view_params(v.link)["periode"]) for v in script.views)
    slides = [deck.Slide(script.name, t("brief_title_sub", period=period_label(period), date=briefing.data_date(period)))]
    for view in script.views:
        figure, is_map = view_figure(view.link)
        image = briefing.map_png(figure) if is_map else briefing.png(figure)
        slides.append(deck.Slide(view.title, describe(view.link), image=image, note=view.note))
    return deck.Deck(script.name, briefing.footer(), briefing.data_date(period), tuple(slides))


# --- editing ---------------------------------------------------------------------------------------


STANDARD_VIEWS = (  # a new script starts from the bupati's ten minutes
    ("/bupati", "view_bupati"),
    ("/peta?tingkat=desa", "view_peta"),
    ("/kesenjangan", "view_kesenjangan"),
    ("/dojo?dojo=funnel", "view_dojo"),
)


def editor(period: str) -> theater.Script | None:
    """Choose, create or edit a script; play it from here. Returns the chosen script."""
    store = data.action_store()
    saved = {s.id: s for s in theater.scripts(store)}
    if (just_saved := st.session_state.pop("script_saved_id", None)) in saved:
        st.session_state["script_pick"] = just_saved  # before the selectbox exists in this run
    choices = {0: t("script_new"), **{i: f"{s.name} ({len(s.views)})" for i, s in saved.items()}}
    chosen = st.selectbox(t("script_pick"), list(choices), format_func=choices.__getitem__, key="script_pick")
    script = saved.get(chosen)
    if notice := st.session_state.pop("script_notice", None):
        st.success(notice, icon=":material/check:")
    if script:
        play_column, auto_column = st.columns([1, 2], vertical_alignment="bottom")
        play_column.button(t("script_play"), type="primary", icon=":material/play_arrow:", key="script_play",
                           on_click=start, args=(script.id,))
        auto = {s: t("script_auto_off") if s == 0 else t("script_auto_every", s=s) for s in state.AUTO_ADVANCE_SECONDS}
        auto_column.selectbox(t("script_auto"), list(auto), format_func=auto.__getitem__, key="script_auto")
    rows = ([{"link": v.link, "title": v.title, "note": v.note} for v in script.views] if script else
            [{"link": f"{link}{'&' if '?' in link else '?'}periode={period}", "title": t(key), "note": ""}
             for link, key in STANDARD_VIEWS])
    user = auth.user()
    if user is None or not user.can(Right.WRITE_SCRIPT):
        return script
    with st.form(f"script_form_{chosen}"):
        name = st.text_input(t("script_name"), value=script.name if script else "", max_chars=80)
        edited = st.data_editor(pl.DataFrame(rows), num_rows="dynamic", hide_index=True, key=f"script_views_{chosen}",
                                column_config={
                                    "link": st.column_config.TextColumn(t("script_link"), width="large", required=True),
                                    "title": st.column_config.TextColumn(t("script_view_title"), required=True),
                                    "note": st.column_config.TextColumn(t("script_note"), width="large"),
                                })
        st.caption(t("written_as", name=md_escape(user.author)) + " · " + t("script_help"))
        if st.form_submit_button(t("script_save"), type="primary"):
            views = [theater.View(str(r["link"] or ""), str(r["title"] or ""), str(r["note"] or ""))
                     for r in edited.iter_rows(named=True)]
            _save(store, script, name, views)
    if script:
        script_history(store, script)
    return script


def _save(store: actions.Store, script: theater.Script | None, name: str, views: list[theater.View]) -> None:
    """Create or replace a script as the signed-in user; on success rerun with the saved script chosen."""
    content = (name, tuple(views))
    try:
        saved_id = theater.save(store, name, views, auth.user(), check_link, script_id=script.id if script else None,
                                expected_version=script.version if script else None,
                                token=None if script else forms.token("script_new", content))
    except (actions.ConflictError, Forbidden) as exc:
        st.error(md_escape(render(exc, lang())), icon=":material/sync_problem:")
    except actions.ValidationError as exc:
        st.error("\n".join(f"- {md_escape(render(m, lang()))}" for m in exc.messages))
    else:
        if script is None:
            forms.saved("script_new", content)
        st.session_state["script_saved_id"] = saved_id
        st.session_state["script_notice"] = t("script_saved")
        st.rerun()


def script_history(store: actions.Store, script: theater.Script) -> None:
    """Every saved state of the script, and putting an earlier one back (itself a new, recorded save)."""
    earlier = theater.history(store, script.id)
    with st.expander(t("script_history", n=len(earlier))):
        tables.show(pl.DataFrame([{t("rtl_when"): h.at[:16].replace("T", " "), t("rtl_who"): h.who,
                                   t("script_version"): h.version, t("script_name"): h.name,
                                   t("script_views"): len(h.views)} for h in earlier]), key="script_history")
        older = {h.version: h for h in earlier if h.version != script.version and h.change == "saved"}
        if older:
            pick, go = st.columns([3, 1], vertical_alignment="bottom")
            version = pick.selectbox(t("script_version"), list(older), key=f"script_restore_{script.id}")
            if go.button(t("script_restore"), key=f"script_restore_go_{script.id}"):
                _save(store, script, older[version].name, list(older[version].views))


def start(script_id: int) -> None:
    """Play from the first view with the current data frozen for the whole show."""
    st.session_state["naskah"] = str(script_id)
    st.session_state["langkah"] = "1"
    st.session_state["otomatis"] = str(st.session_state.get("script_auto", 0))
    st.session_state["versi"] = data.version_id()


# --- playing ---------------------------------------------------------------------------------------


def step(by: int, total: int) -> None:
    st.session_state["langkah"] = str(min(max(int(st.session_state["langkah"]) + by, 1), total))


def stop() -> None:
    """Back to the editor; the data is no longer frozen."""
    st.session_state["langkah"] = ""
    st.session_state["versi"] = ""


def player(script: theater.Script) -> None:
    layout.theater()
    total = len(script.views)
    current = min(max(int(st.session_state["langkah"]), 1), total)
    view = script.views[current - 1]
    version_id = data.version_id()
    st.markdown(f"<div class='phdt-theater-title'>{html_text(view.title)}"
                f"<span>{current} / {total}</span></div>", unsafe_allow_html=True)
    st.markdown(f"<div class='phdt-theater-banner' data-testid='theater-banner'>"
                f"{html.escape(t('theater_frozen', date=briefing.data_date(data.dataset().periods[-1])))}"
                f" · {html_text(describe(view.link))}</div>", unsafe_allow_html=True)
    if problem := check_link(view.link):  # checked when saved; checked again before it is framed
        st.error(md_escape(problem))
    else:
        st.iframe(embed_url(view.link, version_id), height=VIEW_HEIGHT)
    back, forward, leave, note = st.columns([1, 1, 1, 5], vertical_alignment="center")
    back.button(t("theater_prev"), key="theater_prev", on_click=step, args=(-1, total), disabled=current == 1,
                icon=":material/chevron_left:")
    forward.button(t("theater_next"), key="theater_next", on_click=step, args=(1, total), disabled=current == total,
                   icon=":material/chevron_right:")
    leave.button(t("theater_exit"), key="theater_exit", on_click=stop, icon=":material/close:")
    if view.note:
        note.caption(f"{t('script_note')}: {md_escape(view.note)}")
    keys(current, total, int(st.session_state["otomatis"] or 0))


KEYS_JS = """
<script>
// Handlers are replaced, not added once: this frame is rebuilt at every step, and a handler left
// behind by a removed frame no longer runs.
const doc = window.parent.document, host = window.parent;
const press = (key) => {
  const name = {ArrowRight: "next", PageDown: "next", " ": "next", ArrowLeft: "prev", PageUp: "prev",
                Escape: "exit"}[key];
  const button = name && doc.querySelector(`.st-key-theater_${name} button:not([disabled])`);
  if (button) { button.click(); return true; }
  return false;
};
const onKey = (e) => { if (e.target.tagName !== "INPUT" && press(e.key)) e.preventDefault(); };
const onMessage = (e) => { if (e.origin === host.location.origin && e.data && e.data.phdtKey) press(e.data.phdtKey); };
if (host.phdtTheater) {
  doc.removeEventListener("keydown", host.phdtTheater.onKey);
  host.removeEventListener("message", host.phdtTheater.onMessage);
  clearTimeout(host.phdtTheater.timer);
}
doc.addEventListener("keydown", onKey);
host.addEventListener("message", onMessage);
const step = STEP, total = TOTAL, auto = AUTO;
const timer = auto > 0 && step < total ? setTimeout(() => press("ArrowRight"), auto * 1000) : null;
host.phdtTheater = {onKey, onMessage, timer, step};
</script>
"""


def keys(step_number: int, total: int, auto_seconds: int) -> None:
    """Keyboard and clicker control of the player (and the optional auto-advance timer)."""
    script = KEYS_JS.replace("STEP", str(step_number)).replace("TOTAL", str(total)).replace("AUTO", str(auto_seconds))
    st.iframe(script, height=1)
