"""The session's language and its texts (``phdt.texts``: ``locales/<language>/*.toml``).

Indicator labels and definitions live in the indicator registry, not here. ``t(key, **values)``
formats with ``str.format``; a test fails when a key or a placeholder differs between languages.
"""

from __future__ import annotations

import streamlit as st

from phdt.texts import DEFAULT_LANGUAGE, LANGUAGES, text, texts

__all__ = ["DEFAULT_LANGUAGE", "LANGUAGES", "lang", "t", "month_name", "period_label", "number", "signed", "percent"]


def lang() -> str:
    return st.session_state.get("bahasa", DEFAULT_LANGUAGE)


def t(key: str, **values: object) -> str:
    return text(lang(), key, **values)


def month_name(month: int) -> str:
    return texts(lang())["months"][month - 1]


def period_label(period) -> str:
    return f"{month_name(period.month)} {period.year}"


def number(value: float, decimals: int = 0, language: str | None = None) -> str:
    """1234.5 -> '1.234,5' in Bahasa Indonesia, '1,234.5' in English. Pass `language` when
    formatting thousands of cells: looking it up in the session each time is slow."""
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "_").replace(".", ",").replace("_", ".") if (language or lang()) == "id" else text


def signed(delta: float, language: str | None = None) -> str:
    """+1,5 / −2,0: a change in points, with a true minus sign."""
    return f"{'+' if delta >= 0 else '−'}{number(abs(delta), 1, language)}"


def percent(value: float | None) -> str:
    return "–" if value is None else f"{number(value, 1)} %"
