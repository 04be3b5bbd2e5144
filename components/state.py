"""URL state: the one place that knows every query parameter, its default and its validation.

A link such as ``?indikator=anc_k6&kecamatan=33.03.08&periode=2025-09`` opens the same view for
anyone; an invalid value falls back to the default with a visible notice, never a traceback.
Values live in ``st.session_state`` under the parameter name (the sidebar widgets use the same
keys) and are written back to the URL after every run.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import streamlit as st

from components import data
from components.i18n import DEFAULT_LANGUAGE, LANGUAGES, t
from phdt.classify import Scheme
from phdt.indicators import DEFAULT_INDICATOR, INDICATORS, Programme, headline
from phdt.scope import Scope

NOTICES = "_notices"
MAP_LEVELS = ("kecamatan", "desa")
MAP_VIEWS = ("warna", "gelembung", "banding")  # choropleth, gap bubbles, two periods + change map
REVIEW_SECTIONS = ("profil", "pws", "kualitas", "rtl")  # the review meeting's agenda, in order
DOJO_SECTIONS = ("funnel", "peringkat", "rapor", "kesetaraan", "sesi", "ringkasan")
FUNNEL_ADJUSTMENTS = {"tanpa": "none", "multiplikatif": "multiplicative", "aditif": "additive"}  # URL -> phdt.dojo
SCORECARD_ORDERS = ("terbaik", "meningkat")  # best / most improved
AUTO_ADVANCE_SECONDS = (0, 10, 20, 30, 60)  # theater: 0 = step with the keys


@dataclass(frozen=True)
class Param:
    name: str
    default: Callable[[], str]
    valid: Callable[[str], bool]
    always_in_url: bool = False  # the data changes monthly: a shared link must pin what it showed


def _count(value: str) -> bool:
    return value == "" or (value.isdecimal() and value.isascii() and len(value) <= 6)


def params(periods: list[str], kecamatan_codes: set[str], desa_codes: set[str],
           puskesmas: list[str]) -> tuple[Param, ...]:
    """The query parameters, in the order they are read (language first, for the notices)."""
    return (
        Param("bahasa", lambda: DEFAULT_LANGUAGE, lambda v: v in LANGUAGES),
        Param("indikator", lambda: DEFAULT_INDICATOR, lambda v: v in INDICATORS, always_in_url=True),
        Param("periode", lambda: periods[-1], lambda v: v in periods, always_in_url=True),
        Param("kecamatan", lambda: "", lambda v: v == "" or v in kecamatan_codes),
        Param("desa", lambda: "", lambda v: v == "" or v in desa_codes),
        Param("tingkat", lambda: MAP_LEVELS[0], lambda v: v in MAP_LEVELS),
        Param("klasifikasi", lambda: Scheme.TARGET.value, lambda v: v in set(Scheme)),
        Param("tampilan", lambda: MAP_VIEWS[0], lambda v: v in MAP_VIEWS),
        Param("pembanding", lambda: "", lambda v: v == "" or v in periods),  # "": same month last year
        Param("puskesmas", lambda: puskesmas[0], lambda v: v in puskesmas),
        Param("bagian", lambda: REVIEW_SECTIONS[0], lambda v: v in REVIEW_SECTIONS),
        Param("dojo", lambda: DOJO_SECTIONS[0], lambda v: v in DOJO_SECTIONS),
        Param("penyesuaian", lambda: "tanpa", lambda v: v in FUNNEL_ADJUSTMENTS),
        Param("urutan", lambda: SCORECARD_ORDERS[0], lambda v: v in SCORECARD_ORDERS),
        Param("sesi", lambda: "", _count),
        Param("versi", lambda: "", lambda v: v == "" or data.is_version(v)),  # a frozen data version
        Param("layar", lambda: "", lambda v: v in ("", "teater")),  # a view inside the theater player
        Param("naskah", lambda: "", _count),  # theater: the script played ...
        Param("langkah", lambda: "", _count),  # ... its view, from 1 ("": the editor)
        Param("otomatis", lambda: "0", lambda v: v in {str(s) for s in AUTO_ADVANCE_SECONDS}),
    )


def init(periods: list[str], kecamatan_codes: set[str], desa_codes: set[str], puskesmas: list[str]) -> None:
    """On a session's first run, take each value from the URL, or fall back with a notice.
    A desa implies its kecamatan (the first eight characters of its code)."""
    notices = st.session_state.setdefault(NOTICES, [])
    for param in params(periods, kecamatan_codes, desa_codes, puskesmas):
        if param.name in st.session_state:
            continue
        raw = st.query_params.get(param.name)
        if raw is not None and param.valid(raw):
            st.session_state[param.name] = raw
            continue
        st.session_state[param.name] = param.default()
        if raw is not None:
            fallback = param.default() or "—"
            notices.append(t("invalid_param", name=param.name, value=shown_value(raw), fallback=fallback))
    st.session_state.setdefault("program", INDICATORS[st.session_state["indikator"]].programme.value)
    if st.session_state["desa"]:
        st.session_state["kecamatan"] = st.session_state["desa"][:8]


def shown_value(raw: str, limit: int = 40) -> str:
    """A URL value made safe to quote inside a Markdown code span: no backticks or line breaks
    (which could end the span and let Markdown, e.g. a remote image, through), and short."""
    cleaned = "".join(ch for ch in raw if ch not in "`\r\n")
    return cleaned if len(cleaned) <= limit else cleaned[:limit] + "…"


def codes() -> tuple[list[str], set[str], set[str], list[str]]:
    """What the parameters are checked against: the loaded periods, wilayah and puskesmas."""
    return data.period_codes(), set(data.kecamatan_names()), set(data.desa_names()), data.puskesmas_names()


def url_values(periods: list[str], kecamatan_codes: set[str], desa_codes: set[str],
               puskesmas: list[str]) -> dict[str, str]:
    """The current values as URL parameters, leaving out empty ones and optional defaults."""
    values = {}
    for param in params(periods, kecamatan_codes, desa_codes, puskesmas):
        value = st.session_state.get(param.name, "")
        if value and (param.always_in_url or value != param.default()):
            values[param.name] = value
    return values


def sync_url(periods: list[str], kecamatan_codes: set[str], desa_codes: set[str], puskesmas: list[str]) -> None:
    """Write the current values to the URL."""
    values = url_values(periods, kecamatan_codes, desa_codes, puskesmas)
    for param in params(periods, kecamatan_codes, desa_codes, puskesmas):
        if param.name in values:
            st.query_params[param.name] = values[param.name]
        elif param.name in st.query_params:
            del st.query_params[param.name]


def on_programme_change() -> None:
    """Keep the indicator inside the chosen programme (its headline indicator)."""
    st.session_state["indikator"] = headline(Programme(st.session_state["program"])).slug


def select_kecamatan(code: str) -> None:
    """Change the kecamatan; a desa of another kecamatan no longer applies."""
    st.session_state["kecamatan"] = code
    if not st.session_state.get("desa", "").startswith(code or "-"):
        st.session_state["desa"] = ""


def open_area(kecamatan: str = "", desa: str = "") -> None:
    """Drill down to a kecamatan, to a desa (its kecamatan is the first eight characters of its
    code), or with no arguments back up to the whole kabupaten."""
    st.session_state["kecamatan"] = desa[:8] or kecamatan
    st.session_state["desa"] = desa


def open_profile(puskesmas: str) -> None:
    """Go to a puskesmas's profile in the review-meeting page (e.g. from a point on the funnel plot)."""
    if puskesmas not in scope().puskesmas:
        open_area()  # its profile is outside the chosen kecamatan: back to the whole kabupaten, visibly
    st.session_state["puskesmas"] = puskesmas
    st.session_state["bagian"] = REVIEW_SECTIONS[0]
    # A switch from inside a run starts the page without the widgets' state (period, indicator...):
    # carry every value over in its URL, from which the next run takes what it misses.
    st.switch_page("pages/puskesmas_page.py", query_params=url_values(*codes()))


def scope() -> Scope:
    """The area every page shows (phdt.scope), from the sidebar's kecamatan and desa: read it,
    never the raw session values, so that a figure and its headline name the same area."""
    return data.area(st.session_state.get("kecamatan", ""), st.session_state.get("desa", ""), data.version_id())


def puskesmas_scope(name: str) -> Scope:
    return data.puskesmas_area(name, data.version_id())


def on_kecamatan_change() -> None:
    select_kecamatan(st.session_state["kecamatan"])


def pop_notices() -> list[str]:
    notices = st.session_state.get(NOTICES, [])
    st.session_state[NOTICES] = []
    return notices
