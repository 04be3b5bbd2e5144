"""The one formatter: numbers, percentages, changes and people in the session's language, and a
change's arrow and colour from its number and the indicator's direction (hand-written values)."""

import pytest

from phdt import formats
from phdt.indicators import INDICATORS, Direction


@pytest.mark.parametrize(("value", "decimals", "language", "expected"), [
    (1234.5, 1, "id", "1.234,5"), (1234.5, 1, "en", "1,234.5"),
    (1045, 0, "id", "1.045"), (1045, 0, "en", "1,045"),
    (77.55, 1, "id", "77,5"),  # binary 77.549999…: Python rounds it down, both languages alike
    (77.56, 1, "en", "77.6"),
    (-1.25, 1, "id", "−1,2"), (-1234567, 0, "en", "−1,234,567"),
    (-0.04, 1, "id", "0,0"), (-0.0, 0, "en", "0"),  # never "-0"
    (None, 1, "id", "–"), (float("nan"), 1, "en", "–"),
])
def test_number(value, decimals, language, expected):
    assert formats.number(value, decimals, language) == expected


def test_percent_interval_people():
    assert formats.percent(73.94, "id") == "73,9 %"
    assert formats.percent(73.94, "en") == "73.9 %"
    assert formats.percent(None, "en") == "–"
    assert formats.interval(74.31, 80.66, "id") == "74,3–80,7"
    assert formats.interval(74.31, 80.66, "en") == "74.3–80.7"
    assert formats.people(4245.0, "id") == "4.245"
    assert formats.people(4245, "en") == "4,245"


def test_signed_uses_a_true_minus_and_no_sign_for_zero():
    assert formats.signed(1.3, "id") == "+1,3"
    assert formats.signed(-1.3, "en") == "−1.3"
    assert formats.signed(-0.04, "id") == "0,0"
    assert formats.signed(1234.56, "en") == "+1,234.6"


def test_cell_formats_floats_and_integers_by_language():
    assert formats.cell(77.6, "id") == "77,6"
    assert formats.cell(77.6, "en") == "77.6"
    assert formats.cell(1045, "id") == "1.045"
    assert formats.cell(None, "id") == "–"
    assert formats.cell("Kemangkon", "en") == "Kemangkon"
    assert formats.cell(True, "en") is True


@pytest.mark.parametrize(("delta", "better", "arrow", "colour"), [
    (-1.3, Direction.HIGHER, "down", "red"),    # IDL fell: worse
    (1.3, Direction.HIGHER, "up", "green"),
    (-1.3, Direction.LOWER, "down", "green"),   # zero-dose fell: better
    (1.3, Direction.LOWER, "up", "red"),
    (0.04, Direction.HIGHER, "off", "gray"),    # shows as 0,0: no direction
    (-0.04, Direction.LOWER, "off", "gray"),
])
def test_change_arrow_and_colour_come_from_the_number(delta, better, arrow, colour):
    change = formats.change(delta, better)
    assert (change.arrow, change.colour) == (arrow, colour)
    assert change.text("id").startswith({"up": "+", "down": "−", "off": "0"}[arrow])


def test_lower_is_better_indicators_colour_a_fall_green():
    for slug in ("imm_zero_dose", "imm_do_dpt1_dpt3", "imm_do_dpt1_mr1"):
        indicator = INDICATORS[slug]
        assert indicator.direction is Direction.LOWER
        assert formats.change(-2.0, indicator.direction).colour == "green"
    assert formats.change(None, Direction.HIGHER) is None
