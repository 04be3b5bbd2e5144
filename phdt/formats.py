"""The one formatter: every number the app shows, exports as text or prints goes through here.

Bahasa Indonesia writes 1.234,5 and English 1,234.5; a negative number has a true minus sign (−),
never "-0". A change carries its number and which way is better, and from those alone (never from
its text) decides its arrow and its colour: a fall of zero-dose is green, a fall of K6 is red.

Pure functions with the language passed in: the Streamlit side (``components.i18n``) adds the
session's language, the slide builder and the exports call them with theirs.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from phdt.indicators import Direction

DASH = "–"  # no value
MINUS = "−"  # U+2212, for text; st.metric is told the direction explicitly (Change.arrow)
SEPARATORS = {"id": (".", ","), "en": (",", ".")}  # (thousands, decimal)


def plotly_separators(language: str = "id") -> str:
    """Plotly's ``layout.separators`` for the language: the decimal mark, then the thousands mark
    (its axis ticks are then written as this module writes numbers)."""
    thousands, point = SEPARATORS[language]
    return point + thousands


def number(value: float | int | None, decimals: int = 0, language: str = "id") -> str:
    """1234.5 -> '1.234,5' (id) or '1,234.5' (en); -0.04 with one decimal -> '0,0'; None -> '–'."""
    if value is None or value != value:  # None or NaN
        return DASH
    thousands, point = SEPARATORS[language]
    text = f"{abs(value):,.{decimals}f}"
    negative = value < 0 and text.strip("0.,") != ""
    text = text.replace(",", "\0").replace(".", point).replace("\0", thousands)
    return f"{MINUS}{text}" if negative else text


def percent(value: float | None, language: str = "id", decimals: int = 1) -> str:
    """'73,9 %' / '73.9 %'."""
    return DASH if value is None or value != value else f"{number(value, decimals, language)} %"


def signed(delta: float | None, language: str = "id", decimals: int = 1) -> str:
    """A change: '+1,5', '−2,0', '0,0' when it rounds to nothing."""
    if delta is None or delta != delta:
        return DASH
    text = number(delta, decimals, language)
    return text if text.startswith(MINUS) or _rounds_to_zero(delta, decimals) else f"+{text}"


def people(count: float | int | None, language: str = "id") -> str:
    """A count of people (or desa): a whole number with thousands separators."""
    return number(None if count is None else round(count), 0, language)


def interval(low: float | None, high: float | None, language: str = "id", decimals: int = 1) -> str:
    """'74,3–80,7'."""
    if low is None or high is None:
        return DASH
    return f"{number(low, decimals, language)}–{number(high, decimals, language)}"


def cell(value: object, language: str = "id", decimals: int = 1) -> object:
    """A table cell as shown: a float with `decimals`, an integer with thousands separators, both in
    `language`; anything else unchanged."""
    if isinstance(value, bool) or value is None:
        return DASH if value is None else value
    if isinstance(value, int):
        return number(value, 0, language)
    if isinstance(value, float):
        return number(value, decimals, language)
    return value


def _rounds_to_zero(value: float, decimals: int) -> bool:
    return round(abs(value), decimals) == 0


class Tone(Enum):
    BETTER = "better"
    WORSE = "worse"
    SAME = "same"


TONE_COLOUR = {Tone.BETTER: "green", Tone.WORSE: "red", Tone.SAME: "gray"}  # st.metric's colour names
ARROW_SYMBOL = {"up": "↑", "down": "↓", "off": "→"}


@dataclass(frozen=True)
class Change:
    """A change of `delta` points where `better` says which sign is good (an indicator's direction,
    or HIGHER for "points closer to the target"). Arrow from the sign of the rounded number, colour
    from the arrow and `better`: nothing is read back from text."""

    delta: float
    better: Direction
    decimals: int = 1

    @property
    def arrow(self) -> str:
        """'up', 'down' or 'off' (a change that shows as 0,0 has no direction)."""
        if _rounds_to_zero(self.delta, self.decimals):
            return "off"
        return "up" if self.delta > 0 else "down"

    @property
    def tone(self) -> Tone:
        if self.arrow == "off":
            return Tone.SAME
        up_is_better = self.better is Direction.HIGHER
        return Tone.BETTER if (self.arrow == "up") == up_is_better else Tone.WORSE

    @property
    def colour(self) -> str:
        return TONE_COLOUR[self.tone]

    @property
    def symbol(self) -> str:
        return ARROW_SYMBOL[self.arrow]

    def text(self, language: str) -> str:
        return signed(self.delta, language, self.decimals)


def change(delta: float | None, better: Direction, decimals: int = 1) -> Change | None:
    """The change of a number in points; None when there is nothing to compare."""
    return None if delta is None or delta != delta else Change(float(delta), better, decimals)
