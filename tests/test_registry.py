"""The registry is complete, and every UI string exists in both languages."""

from __future__ import annotations

import pytest

from phdt.texts import texts
from phdt.indicators import INDICATORS, REGISTRY, Colour, Direction
from phdt.schema import SASARAN_GROUPS

REQUIRED = {"anc_k1", "anc_k1_murni", "anc_k4", "anc_k6", "anc_usg_tm1", "imm_hb0", "imm_bcg", "imm_dpt1",
            "imm_dpt3", "imm_polio4", "imm_mr1", "imm_idl", "imm_zero_dose", "imm_do_dpt1_dpt3", "imm_do_dpt1_mr1",
            "imm_uci", "ptm_usia_produktif", "ptm_hipertensi", "ptm_dm"}


def test_required_indicators_present():
    assert REQUIRED <= set(INDICATORS)


@pytest.mark.parametrize("ind", REGISTRY, ids=lambda i: i.slug)
def test_every_indicator_is_fully_defined(ind):
    assert ind.label_id and ind.label_en and ind.definition_id and ind.definition_en
    assert ind.numerator_id and ind.numerator_en and ind.target_source
    assert 0 <= ind.target <= 100
    assert ind.colour_rule.yellow_ratio < 1 < ind.colour_rule.red_multiple
    assert ind.denominator in (*SASARAN_GROUPS, "dpt1", "desa")
    assert ind.ilp_cluster in (2, 3)


def test_every_denominator_has_a_unit_label_in_both_languages():
    for ind in REGISTRY:
        assert f"unit_{ind.denominator}" in texts("id") and f"unit_{ind.denominator}" in texts("en")


def test_colour_rules():
    k6, dropout = INDICATORS["anc_k6"], INDICATORS["imm_do_dpt1_dpt3"]
    assert k6.expected(6) == 50
    assert k6.colour(50, 6) is Colour.GREEN
    assert k6.colour(40, 6) is Colour.YELLOW  # 0.8 x 50
    assert k6.colour(39.9, 6) is Colour.RED
    assert k6.colour(None, 6) is Colour.NO_DATA
    assert k6.colour(120, 6, flagged=True) is Colour.FLAG
    assert dropout.direction is Direction.LOWER and dropout.expected(3) == 5  # not scaled by month
    assert dropout.colour(5, 3) is Colour.GREEN
    assert dropout.colour(10, 3) is Colour.YELLOW
    assert dropout.colour(10.1, 3) is Colour.RED


def test_rates_that_are_not_cumulative_keep_their_target_all_year():
    """Zero-dose and drop-out are shares of children so far, not counts that grow to the target."""
    for slug in ("imm_zero_dose", "imm_do_dpt1_dpt3", "imm_do_dpt1_mr1", "imm_uci"):
        assert INDICATORS[slug].expected(3) == INDICATORS[slug].target
    assert INDICATORS["imm_zero_dose"].colour(4, 6) is Colour.GREEN  # 4 % of infants so far <= 5 %


def test_indicator_docs_are_generated_from_the_registry():
    from phdt.config import ROOT
    from phdt.indicators import registry_markdown

    committed = (ROOT / "docs" / "indicators.md").read_text(encoding="utf-8")
    assert committed == registry_markdown(), "run: python -m phdt.indicators > docs/indicators.md"
