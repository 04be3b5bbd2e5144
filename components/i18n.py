"""The session's language and its texts (``phdt.texts``: ``locales/<language>/*.toml``).

Indicator labels and definitions live in the indicator registry, not here. ``t(key, **values)``
formats with ``str.format``; a test fails when a key or a placeholder differs between languages.
"""

from __future__ import annotations

import streamlit as st

from phdt import formats
from phdt.texts import DEFAULT_LANGUAGE, LANGUAGES, text, texts

__all__ = ["DEFAULT_LANGUAGE", "LANGUAGES", "lang", "t", "month_name", "period_label", "number", "signed", "percent", "people", "interval",
           "metric"]


def lang() -> str:
    return st.session_state.get("bahasa", DEFAULT_LANGUAGE)


def t(key: str, **values: object) -> str:
    return text(lang(), key, **values)


def month_name(month: int) -> str:
    return texts(lang())["months"][month - 1]


def period_label(period) -> str:
    return f"{month_name(period.month)} {period.year}"


def number(value: float | None, decimals: int = 0, language: str | None = None) -> str:
    """1234.5 -> '1.234,5' in Bahasa Indonesia, '1,234.5' in English (phdt.formats). Pass `language`
    when formatting thousands of cells: looking it up in the session each time is slow."""
    return formats.number(value, decimals, language or lang())


def signed(delta: float | None, language: str | None = None, decimals: int = 1) -> str:
    """+1,5 / −2,0: a change in points, with a true minus sign."""
    return formats.signed(delta, language or lang(), decimals)


def percent(value: float | None, language: str | None = None) -> str:
    return formats.percent(value, language or lang())


def people(count: float | None, language: str | None = None) -> str:
    return formats.people(count, language or lang())


def interval(low: float | None, high: float | None, language: str | None = None) -> str:
    return formats.interval(low, high, language or lang())


def metric(label: str, value: str, change: formats.Change | None = None, delta: str | None = None, *,
           where=None, **options) -> None:
    """The app's only ``st.metric`` with a change. `delta` is its text (the caller's sentence around
    ``change.text(lang())``); the arrow and colour are set from `change` (its number and which way
    is better), so a true minus sign or a word in the text can never turn a fall into a rise.
    `where` is a column or container (default: the current one)."""
    target = where if where is not None else st
    if change is None:
        target.metric(label, value, **options)
        return
    target.metric(label, value, delta if delta is not None else change.text(lang()),
                  delta_color=change.colour, delta_arrow=change.arrow, **options)
