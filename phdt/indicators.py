"""The indicator registry: every indicator is defined here once.

Pages, legends, URL validation, exports, docs and tests read these definitions; nothing else
may restate a label, target or colour rule. Definitions follow ../shared/domain/INDICATORS.md.
Every value is a ratio of sums (``numerator_cum / denominator``), so the same formula serves a
desa, a puskesmas, a kecamatan and the kabupaten.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from phdt.config import settings


class Programme(StrEnum):
    ANC = "anc"
    IMUNISASI = "imunisasi"
    PTM = "ptm"


class Direction(StrEnum):
    HIGHER = "higher"
    LOWER = "lower"


class Kind(StrEnum):
    """How the monthly numerator is obtained from the line lists."""

    EVENT = "event"  # people reaching a qualifying event in the month (counted once a year)
    SHORTFALL = "shortfall"  # expected-to-date cohort minus people reached by `base`
    DROPOUT = "dropout"  # base_from reached minus base_to reached, over base_from reached
    DESA_SHARE = "desa_share"  # desa whose `base` coverage meets the UCI threshold


class Colour(StrEnum):
    GREEN = "green"
    YELLOW = "yellow"
    RED = "red"
    FLAG = "flag"  # data-quality flag: numerator above denominator
    NO_DATA = "no_data"


@dataclass(frozen=True)
class ColourRule:
    """Traffic light (INDICATORS.md §5.2).

    Higher is better: green at or above the expected value, yellow from ``yellow_ratio`` of it,
    red below. Lower is better: green at or below the target, yellow up to ``red_multiple`` times
    the target, red above.
    """

    yellow_ratio: float = 0.8
    red_multiple: float = 2.0


@dataclass(frozen=True)
class Indicator:
    slug: str
    programme: Programme
    ilp_cluster: int
    label_id: str
    label_en: str
    definition_id: str
    definition_en: str
    numerator_id: str
    numerator_en: str
    denominator: str  # a sasaran group (phdt.schema.SASARAN_GROUPS), "dpt1" or "desa"
    default_target: float  # percent
    target_source: str
    kind: Kind = Kind.EVENT
    direction: Direction = Direction.HIGHER
    cumulative: bool = True  # True: compared with the linear PWS target (target x month / 12)
    colour_rule: ColourRule = ColourRule()
    base: tuple[str, ...] = ()
    unit: str = "%"

    @property
    def target(self) -> float:
        """Target in percent, as configured by the Dinkes (falls back to the registry default)."""
        return settings().targets.get(self.slug, self.default_target)

    def label(self, lang: str) -> str:
        return self.label_en if lang == "en" else self.label_id

    def definition(self, lang: str) -> str:
        return self.definition_en if lang == "en" else self.definition_id

    def numerator_text(self, lang: str) -> str:
        return self.numerator_en if lang == "en" else self.numerator_id

    def expected(self, month: int) -> float:
        """Target for the cumulative value at the end of `month` (PWS linear target)."""
        return self.target * month / 12 if self.cumulative else self.target

    def colour(self, value: float | None, month: int, flagged: bool = False) -> Colour:
        if value is None:
            return Colour.NO_DATA
        if flagged:
            return Colour.FLAG
        rule, expected = self.colour_rule, self.expected(month)
        if self.direction is Direction.HIGHER:
            if value >= expected:
                return Colour.GREEN
            return Colour.YELLOW if value >= rule.yellow_ratio * expected else Colour.RED
        if value <= expected:
            return Colour.GREEN
        return Colour.YELLOW if value <= rule.red_multiple * expected else Colour.RED


_SPM = "SPM (Permenkes 6/2024): 100 % (unverified text)"
_UNVERIFIED = "default, unverified: confirm with the Dinkes"

REGISTRY: tuple[Indicator, ...] = (
    Indicator(
        "anc_k1", Programme.ANC, 2, "K1 akses", "ANC first visit (K1)",
        "Ibu hamil yang mendapat kontak ANC pertama dengan tenaga kesehatan pada usia kehamilan berapa pun.",
        "Pregnant women with a first ANC contact with a health worker at any gestational age.",
        "Ibu hamil dengan kontak ANC pertama", "Pregnant women with a first ANC contact",
        "ibu_hamil", 100, _SPM,
    ),
    Indicator(
        "anc_k1_murni", Programme.ANC, 2, "K1 murni", "Early ANC (K1 in trimester 1)",
        "Ibu hamil yang kontak ANC pertamanya terjadi pada trimester 1 (usia kehamilan ≤ 12 minggu).",
        "Pregnant women whose first ANC contact is in trimester 1 (≤ 12 weeks).",
        "Ibu hamil dengan K1 pada trimester 1", "Pregnant women with a first contact in trimester 1",
        "ibu_hamil", 85, _UNVERIFIED,
    ),
    Indicator(
        "anc_k4", Programme.ANC, 2, "K4", "ANC 4 visits (K4)",
        "Ibu hamil dengan paling sedikit 4 kontak ANC: ≥1 di trimester 1, ≥1 di trimester 2, ≥2 di trimester 3.",
        "Pregnant women with at least 4 ANC contacts: ≥1 in trimester 1, ≥1 in trimester 2, ≥2 in trimester 3.",
        "Ibu hamil yang mencapai K4 dengan pola 1-1-2", "Pregnant women reaching K4 with a 1-1-2 pattern",
        "ibu_hamil", 100, "legacy SPM: 100 %",
    ),
    Indicator(
        "anc_k6", Programme.ANC, 2, "K6", "ANC 6 visits (K6)",
        "Ibu hamil dengan paling sedikit 6 kontak ANC (≥2 di trimester 1, ≥1 di trimester 2, ≥3 di trimester 3), "
        "minimal 2 kali oleh dokter.",
        "Pregnant women with at least 6 ANC contacts (≥2 in trimester 1, ≥1 in trimester 2, ≥3 in trimester 3), "
        "at least 2 by a doctor.",
        "Ibu hamil yang mencapai K6 dengan ≥2 pemeriksaan dokter", "Pregnant women reaching K6 with ≥2 doctor visits",
        "ibu_hamil", 100, _SPM,
    ),
    Indicator(
        "anc_usg_tm1", Programme.ANC, 2, "USG TM1 oleh dokter", "Doctor ultrasound in trimester 1",
        "Ibu hamil yang diperiksa dokter dengan USG pada trimester 1.",
        "Pregnant women examined by a doctor with ultrasound in trimester 1.",
        "Ibu hamil dengan USG dokter di trimester 1", "Pregnant women with a doctor ultrasound in trimester 1",
        "ibu_hamil", 80, _UNVERIFIED,
    ),
    Indicator(
        "imm_hb0", Programme.IMUNISASI, 2, "HB0", "Hepatitis B birth dose (HB0)",
        "Bayi yang mendapat imunisasi Hepatitis B dosis lahir.",
        "Infants who received the Hepatitis B birth dose.",
        "Bayi yang mendapat HB0", "Infants given HB0",
        "lahir_hidup", 95, _UNVERIFIED,
    ),
    Indicator(
        "imm_bcg", Programme.IMUNISASI, 2, "BCG", "BCG",
        "Bayi yang mendapat imunisasi BCG.", "Infants who received BCG.",
        "Bayi yang mendapat BCG", "Infants given BCG",
        "bayi", 95, _UNVERIFIED,
    ),
    Indicator(
        "imm_dpt1", Programme.IMUNISASI, 2, "DPT-HB-Hib1", "DTP-HepB-Hib dose 1",
        "Bayi yang mendapat DPT-HB-Hib dosis pertama.", "Infants who received the first pentavalent dose.",
        "Bayi yang mendapat DPT-HB-Hib1", "Infants given DTP-HepB-Hib1",
        "bayi", 95, _UNVERIFIED,
    ),
    Indicator(
        "imm_dpt3", Programme.IMUNISASI, 2, "DPT-HB-Hib3", "DTP-HepB-Hib dose 3",
        "Bayi yang mendapat DPT-HB-Hib dosis ketiga.", "Infants who received the third pentavalent dose.",
        "Bayi yang mendapat DPT-HB-Hib3", "Infants given DTP-HepB-Hib3",
        "bayi", 95, _UNVERIFIED,
    ),
    Indicator(
        "imm_polio4", Programme.IMUNISASI, 2, "Polio 4", "Polio dose 4",
        "Bayi yang mendapat polio tetes dosis keempat.", "Infants who received the fourth oral polio dose.",
        "Bayi yang mendapat Polio 4", "Infants given OPV4",
        "bayi", 95, _UNVERIFIED,
    ),
    Indicator(
        "imm_mr1", Programme.IMUNISASI, 2, "MR1", "Measles-rubella dose 1",
        "Bayi yang mendapat imunisasi campak-rubela (MR) pertama.", "Infants who received the first measles-rubella dose.",
        "Bayi yang mendapat MR1", "Infants given MR1",
        "bayi", 95, "≥95 % for elimination (unverified)",
    ),
    Indicator(
        "imm_idl", Programme.IMUNISASI, 2, "IDL", "Full basic immunization (IDL)",
        "Bayi yang telah mendapat semua imunisasi dasar (komponen IDL per tahun, dapat diatur) sebelum usia 12 bulan.",
        "Infants who received every basic dose (configurable IDL components) before 12 months of age.",
        "Bayi yang melengkapi semua komponen IDL", "Infants completing every IDL component",
        "bayi", 95, "Renstra Dinkes Jateng 2023: 95 %",
    ),
    Indicator(
        "imm_zero_dose", Programme.IMUNISASI, 2, "Anak zero-dose", "Zero-dose children",
        "Perkiraan bayi yang belum mendapat DPT-HB-Hib1: sasaran bayi s.d. bulan ini dikurangi penerima DPT-HB-Hib1.",
        "Estimated infants without DTP-HepB-Hib1: infant target to date minus DTP-HepB-Hib1 recipients.",
        "Sasaran bayi s.d. bulan ini − penerima DPT-HB-Hib1", "Infant target to date − DTP-HepB-Hib1 recipients",
        "bayi", 5, _UNVERIFIED, kind=Kind.SHORTFALL, direction=Direction.LOWER, cumulative=False,
        base=("imm_dpt1",),
    ),
    Indicator(
        "imm_do_dpt1_dpt3", Programme.IMUNISASI, 2, "Drop-out DPT1–DPT3", "Drop-out DTP1–DTP3",
        "(DPT-HB-Hib1 − DPT-HB-Hib3) / DPT-HB-Hib1: anak yang mulai tetapi tidak menyelesaikan seri.",
        "(DTP1 − DTP3) / DTP1: children who started but did not finish the series.",
        "Penerima DPT-HB-Hib1 − penerima DPT-HB-Hib3", "DTP1 recipients − DTP3 recipients",
        "dpt1", 5, "WHO: < 5 % good, > 10 % problem (unverified)",
        kind=Kind.DROPOUT, direction=Direction.LOWER, cumulative=False, base=("imm_dpt1", "imm_dpt3"),
    ),
    Indicator(
        "imm_do_dpt1_mr1", Programme.IMUNISASI, 2, "Drop-out DPT1–MR1", "Drop-out DTP1–MR1",
        "(DPT-HB-Hib1 − MR1) / DPT-HB-Hib1.", "(DTP1 − MR1) / DTP1.",
        "Penerima DPT-HB-Hib1 − penerima MR1", "DTP1 recipients − MR1 recipients",
        "dpt1", 5, "Kemenkes/Jateng: ≤ 5 %",
        kind=Kind.DROPOUT, direction=Direction.LOWER, cumulative=False, base=("imm_dpt1", "imm_mr1"),
    ),
    Indicator(
        "imm_uci", Programme.IMUNISASI, 2, "Desa UCI", "UCI villages",
        "Desa/kelurahan yang cakupan IDL-nya mencapai ambang UCI (dapat diatur, bawaan 80 %) dari target linear.",
        "Villages whose IDL coverage reaches the UCI threshold (configurable, default 80 %) of the linear target.",
        "Desa yang mencapai UCI", "Villages reaching UCI",
        "desa", 100, "100 % desa UCI", kind=Kind.DESA_SHARE, cumulative=False, base=("imm_idl",),
    ),
    Indicator(
        "ptm_usia_produktif", Programme.PTM, 3, "Skrining usia produktif", "Adults 15–59 screened",
        "Penduduk usia 15–59 tahun yang mendapat skrining kesehatan sesuai standar paling sedikit sekali setahun.",
        "Residents aged 15–59 screened to standard at least once a year.",
        "Penduduk 15–59 yang diskrining", "Residents 15–59 screened",
        "usia_produktif", 100, _SPM,
    ),
    Indicator(
        "ptm_hipertensi", Programme.PTM, 3, "Penderita hipertensi dilayani", "Hypertensives served",
        "Perkiraan penderita hipertensi ≥15 tahun yang mendapat pelayanan sesuai standar.",
        "Estimated hypertensives aged ≥15 receiving standard care.",
        "Penderita hipertensi ≥15 th yang dilayani", "Hypertensives ≥15 served",
        "hipertensi", 100, _SPM,
    ),
    Indicator(
        "ptm_dm", Programme.PTM, 3, "Penderita DM dilayani", "Diabetics served",
        "Perkiraan penderita diabetes melitus ≥15 tahun yang mendapat pelayanan sesuai standar.",
        "Estimated diabetics aged ≥15 receiving standard care.",
        "Penderita DM ≥15 th yang dilayani", "Diabetics ≥15 served",
        "dm", 100, _SPM,
    ),
)

INDICATORS: dict[str, Indicator] = {ind.slug: ind for ind in REGISTRY}
DEFAULT_INDICATOR = "anc_k6"


def by_programme(programme: Programme) -> list[Indicator]:
    return [ind for ind in REGISTRY if ind.programme is programme]


def headline(programme: Programme) -> Indicator:
    """The indicator a programme is summarised by on the Ringkasan page."""
    return INDICATORS[{Programme.ANC: "anc_k6", Programme.IMUNISASI: "imm_idl", Programme.PTM: "ptm_hipertensi"}[programme]]


def registry_markdown() -> str:
    """docs/indicators.md, generated from the registry (`python -m phdt.indicators`); a test keeps
    the committed file in step."""
    lines = [
        "# Indicators",
        "",
        "Generated from `phdt/indicators.py` by `python -m phdt.indicators > docs/indicators.md`; do not edit.",
        "Targets are defaults a Dinkes confirms or overrides in `PHDT_CONFIG` (`[targets]`).",
        "",
        "| slug | label (id / en) | programme · ILP cluster | numerator | denominator | target | direction | "
        "linear PWS target | source of the target |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for ind in REGISTRY:
        lines.append(
            f"| `{ind.slug}` | {ind.label_id} / {ind.label_en} | {ind.programme.value} · {ind.ilp_cluster} | "
            f"{ind.numerator_id} | {ind.denominator} | {ind.default_target:g} % | {ind.direction.value} is better | "
            f"{'yes' if ind.cumulative else 'no'} | {ind.target_source} |"
        )
    lines += ["", "## Definitions", ""]
    lines += [f"- **{ind.label_id}** (`{ind.slug}`): {ind.definition_id} — *{ind.definition_en}*" for ind in REGISTRY]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(registry_markdown(), end="")
