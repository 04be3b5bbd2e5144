"""Deterministic synthetic demo dataset for the data theatre (honest, labelled synthetic data).

Nothing here is real patient data. Every table is generated from a fixed seed
(``Settings.demo_seed``): the same seed and registry give byte-identical parquet files. The
generator is vectorised (numpy/polars, no loops over people): the whole of Purbalingga
(239 desa, Jan 2023 – Dec 2025) builds in a few seconds.

``python -m phdt.dataset`` writes these tables and their monthly aggregate (see phdt.dataset).

Calibration choices (sources: ../shared/domain/purbalingga_facts.md and INDICATORS.md)
--------------------------------------------------------------------------------------
Population
    Kecamatan totals for mid-2024 are the "synthetic default" column of purbalingga_facts.md
    §2.1 (total 1,037,637; derived, not BPS). They are split across desa with a seeded
    log-normal ("Dirichlet-like") weight per desa, kelurahan weighted ×1.6 (denser town
    quarters), by largest remainders so kecamatan sums are exact. Growth 0.8 %/yr. This is
    the *registered* population in ``sasaran`` (group "penduduk", metode "proyeksi
    sintetis"). The people in the line lists come from a *true* population that differs per
    desa by a few per cent (projection error), so desa coverage scatters around 100 %.
    Sasaran are computed with :func:`phdt.sasaran.estimate_sasaran` from the configured
    factors (CBR 14 ‰, AKB 9,7 ‰, ...).
Pregnancies and ANC (e-Kohort style, one row per visit)
    Pregnancies start every day at a rate that gives live births ≈ 1.005 × CBR × true
    population (≈ 14,200–14,400 children a year appear in the immunization list; the 2020–21
    derived figure is 14,090–14,800). 8 % end in loss (mostly 6–12 weeks, many before any
    contact), so all pregnancies ≈ 0.99 × the 1,10 × CBR proxy and pregnancies with a
    recorded contact ≈ 0.96 ×. A pregnancy has a first contact (trimester 1 for most women,
    at ≈ 7 weeks), a second trimester-1 contact, two trimester-2 and four trimester-3 slots
    and an occasional unscheduled visit, each kept with a probability that depends on the date
    (improving), the desa and the kecamatan; one trimester-1 contact (often with ultrasound)
    and one trimester-3 contact are usually by a doctor. Trimesters follow the gestational age
    at the visit (TM1 ≤ 12 weeks, TM2 13–27, TM3 ≥ 28). LILA ~ N(26,1; 2,2) (≈ 12 % below
    23,5 cm = KEK); Hb is measured at the first contact and the first trimester-3 contact
    (≈ 20 % below 11 g/dL; null when not measured); ≈ 5 % of visits have BP ≥ 140/90.
    Pregnancies still running on 1 Jan 2023 keep their 2022 visits, because K4/K6 reached in
    2023 depend on them (the aggregate counts events from January 2023 only). Nothing is
    dated after 31 Dec 2025.
    Kabupaten figures (seed 20251231; 2023/2024/2025): K1 96/96/96 %, K1 murni 91/91/91 %,
    K4 83/85/84 %, K6 66/71/74 %, USG TM1 by a doctor 59/64/66 %. Note: with the aggregation
    rules K4 needs a recorded trimester-1 contact, so K4 ≤ K1 murni; and K4 is reached by
    women who get to the third trimester (≈ the live births), so K4 ≤ births / sasaran ibu
    hamil ≈ 1/1,10 ≈ 91 %. "K1 murni 75–85 %" and "K4 85–92 %" cannot both hold; the
    calibration keeps K4 near 85 % and lets K1 murni sit at ≈ 90 %.
Immunization (ASIK style, one row per dose)
    Children of live births (from 2022, so 2023 doses have a history) get HB0 at 0–1 days,
    BCG + polio1 at ~1 month, DPT-HB-Hib1–3 with polio2–4 at ~2, 3, 4 months (IPV1 with the
    third), MR1 at ~9 months; delays are child-specific (exponential, longer in remote areas),
    ≈ 3 % never get DPT1 (zero-dose), the series drops out step by step and HB0 is missed
    mostly by the children who also drop out. 1 % of infants die (mostly neonatal). Remote areas also have
    less access to sessions. Figures 2023/2024/2025: DPT1 96/98/97 %, DPT3 93/94/93 %,
    MR1 91/92/92 %, IDL 87/87/87 % of sasaran bayi (published 2021: 88,2 %), HB0 94/94/94 %
    of lahir hidup; desa IDL ≈ 67–103 % (5th–95th percentile), ≈ 50–200 % at the extremes.
PTM (ASIK/SIPTM style, one row per screening or service)
    A persistent pool of adults per desa (NIK 16 digits: kecamatan code, birth date with +40
    for women, serial). Per year a share is screened (people 15–59 screened ≈ 40 %, 48 %,
    55 % of sasaran in 2023–2025) and known hypertensives/diabetics are served 1–4 times
    (``hipertensi`` / ``dm`` True on all their rows: the flag means "known sufferer receiving
    the SPM service"; a screening with a high reading but no diagnosis keeps it False). HT
    served ≈ 18 → 25 → 32 %, DM ≈ 45 → 52 → 60 % of the estimated sufferers (Purbalingga
    reported 10 % HT in 2021). ≈ 0.37–0.55 M rows a year.
Geography and season
    Karangreja, Karangjambu and Rembang (the remote north) and a handful of seeded random
    desa ("behind") are clearly lower; every desa has a random effect, so maps are not
    uniform; these effects are centred so the kabupaten stays calibrated whatever the seed.
    Services dip in Ramadan (×0.72) and in the Lebaran week (×0.3) with a catch-up in the
    three weeks after; scheduled visits/doses that fall in a dip are partly postponed to the
    catch-up. Sundays and a few holidays are (almost) closed.
Facilities
    The puskesmas at their host desa (location approximate), pustu in ≈ 1 of 3 other desa,
    4–8 posyandu per desa (by population) and 1–2 posbindu / posyandu ILP per desa, jittered
    ≤ 600 m around the desa point (location synthetic).
Reports (``laporan``)
    One receipt per desa-month, on the 1st–9th of the following month.

Injected data problems are listed in :data:`INJECTED_PROBLEMS` (applied only when their desa
is in the wilayah table). :func:`replicate` clones the registry into a synthetic province for
scale benchmarks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import polars as pl

from phdt.config import Settings, settings as default_settings
from phdt.sasaran import estimate_sasaran
from phdt.schema import ANC_KUNJUNGAN, FASILITAS, IMUNISASI_DOSIS, LAPORAN, PTM_SKRINING, SASARAN, WILAYAH, conform

YEARS = (2023, 2024, 2025)
TABLES = ("fasilitas", "sasaran", "anc_kunjungan", "imunisasi_dosis", "ptm_skrining", "laporan")

# --------------------------------------------------------------------------------------------
# Calibration constants
# --------------------------------------------------------------------------------------------

# purbalingga_facts.md §2.1, "Synthetic default mid-2024 (derived, not BPS)".
KECAMATAN_PENDUDUK_2024 = {
    "Kemangkon": 66_112, "Bukateja": 81_171, "Kejobong": 52_723, "Pengadegan": 40_857, "Kaligondang": 68_113,
    "Purbalingga": 59_833, "Kalimanah": 59_924, "Padamara": 47_553, "Kutasari": 66_700, "Bojongsari": 67_430,
    "Mrebet": 79_925, "Bobotsari": 57_254, "Karangreja": 48_037, "Karangjambu": 28_781, "Karanganyar": 41_990,
    "Kertanegara": 37_479, "Karangmoncol": 53_084, "Rembang": 80_671,
}
DEFAULT_DESA_PENDUDUK = 4_342  # kabupaten mean per desa, for a kecamatan not in the table
REMOTE_KECAMATAN = ("Karangreja", "Karangjambu", "Rembang")
GROWTH_PER_YEAR = 0.008
KELURAHAN_WEIGHT = 1.6
PROJECTION_ERROR_SD = 0.04  # true vs registered population, log scale
BEHIND_SHARE = 0.03  # seeded random desa clearly behind
UNDERSTATED_SHARE = 0.45  # registered / true population of the coverage_over_100 desa
SMALL_DESA_WEIGHT = 0.5  # population weight of the k4_gt_k1 desa (a small desa)

# Ramadan first day and Idul Fitri (1 Syawal), per year.
RAMADAN = {
    2021: (date(2021, 4, 13), date(2021, 5, 13)), 2022: (date(2022, 4, 2), date(2022, 5, 2)),
    2023: (date(2023, 3, 23), date(2023, 4, 22)), 2024: (date(2024, 3, 11), date(2024, 4, 10)),
    2025: (date(2025, 3, 1), date(2025, 3, 31)), 2026: (date(2026, 2, 18), date(2026, 3, 20)),
}
RAMADAN_FACTOR, LEBARAN_FACTOR, CATCH_UP_FACTOR, CATCH_UP_DAYS = 0.72, 0.30, 1.30, 21
WEEKDAY_FACTOR = (1.0, 1.0, 1.0, 1.0, 1.0, 0.6, 0.05)  # Monday .. Sunday
HOLIDAYS = ((1, 1), (8, 17), (12, 25))

# Desa effects on the logit scale.
EFFECT_COMMON_SD, EFFECT_PROGRAMME_SD = 0.35, 0.22
REMOTE_PENALTY, BEHIND_PENALTY = 0.85, 1.1
REMOTE_IMM_EXTRA = 0.6

# Base probabilities for a typical desa, by year (2023, 2024, 2025); interpolated by date.
RATES: dict[str, tuple[float, float, float]] = {
    # ANC
    "anc_attend": (0.993, 0.994, 0.995),  # any recorded contact
    "anc_early": (0.965, 0.967, 0.969),  # first contact in trimester 1, among attenders
    "anc_tm1b": (0.97, 0.988, 0.997),  # second trimester-1 contact
    "anc_tm2a": (0.96, 0.965, 0.97),
    "anc_tm2b": (0.85, 0.87, 0.89),
    "anc_tm3a": (0.985, 0.987, 0.989),
    "anc_tm3b": (0.98, 0.982, 0.984),
    "anc_tm3c": (0.98, 0.984, 0.99),
    "anc_tm3d": (0.75, 0.84, 0.93),
    "anc_doc_tm1": (0.955, 0.98, 0.995),  # one trimester-1 contact by a doctor
    "anc_usg_tm1": (0.71, 0.745, 0.78),  # that doctor contact with ultrasound
    "anc_doc_tm3": (0.97, 0.987, 0.997),
    # Immunization (stage continuation probabilities)
    "imm_engaged": (0.983, 0.984, 0.985),  # not zero-dose
    "imm_hb0": (0.978, 0.978, 0.978),  # among children completing the series
    "imm_stage1": (0.996, 0.996, 0.996),  # BCG + polio1
    "imm_stage2": (0.995, 0.995, 0.995),  # DPT1 + polio2
    "imm_stage3": (0.989, 0.989, 0.989),  # DPT2 + polio3
    "imm_stage4": (0.989, 0.989, 0.989),  # DPT3 + polio4 + IPV1
    "imm_stage5": (0.992, 0.992, 0.992),  # MR1
    # PTM
    "ptm_screen": (0.393, 0.473, 0.543),  # person 15-59 screened in the year
    "ptm_screen_60": (0.30, 0.34, 0.38),
    "ptm_ht": (0.202, 0.28, 0.362),  # known hypertensive served in the year
    "ptm_dm": (0.468, 0.54, 0.625),
}

# Live births relative to CBR × population, and the share of pregnancies ending in a live birth.
BIRTH_FACTOR, P_LIVE = 1.005, 0.92


@dataclass(frozen=True)
class InjectedProblem:
    kind: str
    kode_desa: str
    period: date  # first day of the month (coverage_over_100: first month of the data)
    description_id: str
    description_en: str

    def as_dict(self) -> dict:
        return {
            "kind": self.kind, "kode_desa": self.kode_desa, "period": self.period.isoformat(),
            "description_id": self.description_id, "description_en": self.description_en,
        }


INJECTED_PROBLEMS: tuple[InjectedProblem, ...] = (
    InjectedProblem(
        "missing_report", "33.03.01.2010", date(2024, 9, 1),
        "Desa Pegandekan (Kemangkon) tidak melapor untuk September 2024: tidak ada satu pun baris "
        "di semua line list dan tidak ada tanda terima laporan.",
        "Pegandekan (Kemangkon) did not report for September 2024: no rows in any line list and no "
        "report receipt.",
    ),
    InjectedProblem(
        "late_report", "33.03.01.2003", date(2025, 5, 1),
        "Laporan Mei 2025 Desa Pelumutan (Kemangkon) baru diterima 27 Juni 2025 (batas tanggal 10).",
        "Pelumutan's (Kemangkon) May 2025 report arrived on 27 June 2025 (deadline: the 10th).",
    ),
    InjectedProblem(
        "outlier", "33.03.06.2003", date(2024, 11, 1),
        "Skrining PTM Desa Blater (Kalimanah) November 2024 ≈ 8× biasanya: satu batch data warga "
        "desa lain tercatat dengan kode desa Blater.",
        "PTM screenings in Blater (Kalimanah), November 2024, are ≈ 8× the usual month: a batch of "
        "records from another desa keyed to Blater.",
    ),
    InjectedProblem(
        "k4_gt_k1", "33.03.01.2018", date(2024, 8, 1),
        "Desa Jetis (Kemangkon), Agustus 2024: ±28 ibu hamil mencapai K4 tetapi kunjungan pertamanya "
        "(K1, di bidan praktik mandiri) tidak ada di e-Kohort, sehingga K4 > K1.",
        "Jetis (Kemangkon), August 2024: about 28 pregnancies reach K4 but their first visit (K1, at a "
        "private midwife) is missing from e-Kohort, so K4 > K1.",
    ),
    InjectedProblem(
        "coverage_over_100", "33.03.06.1011", date(2023, 1, 1),
        "Kelurahan Mewek (Kalimanah): proyeksi penduduk usang, hanya ±45 % dari penduduk sebenarnya, "
        "sehingga sasaran terlalu kecil dan cakupan > 100 % (semua tahun).",
        "Mewek (Kalimanah): a stale population projection, about 45 % of the people actually living "
        "there, so the sasaran is too small and coverage exceeds 100 % (every year).",
    ),
)
_PROBLEM = {p.kind: p for p in INJECTED_PROBLEMS}

# --------------------------------------------------------------------------------------------
# Synthetic names
# --------------------------------------------------------------------------------------------

FEMALE_FIRST = (
    "Siti Sri Dwi Tri Eka Nur Dewi Ani Rina Wati Yuni Ratna Indah Fitri Nurul Putri Ayu Desi Novi Wulan Anisa Ika "
    "Tuti Endang Sumiyati Suharti Kartini Umi Lina Mega Nia Retno Sari Yanti Heni Atik Tika Uswatun Laila Maya "
    "Nining Eni Rohmah Khusnul Dian Evi Lilis Yuli Titin Ismi Nanik Puji Sulastri Watini Darsih Rasinah Kasmi"
).split()
FEMALE_LAST = (
    "Rahayu Wahyuni Lestari Handayani Susanti Rahmawati Purwanti Setyaningsih Nurhayati Kurniasih Fitriani Safitri "
    "Pratiwi Anggraeni Utami Hidayati Mulyani Sulistyowati Astuti Wulandari Maryani Puspitasari Kusumawati Yuliani "
    "Ningsih Suryani Haryati Andriani Permatasari Oktaviani Khasanah Munawaroh Aminah Fatimah Nurjanah Mardiyah"
).split()
MALE_FIRST = (
    "Ahmad Agus Budi Slamet Joko Eko Dwi Tri Bambang Sugeng Wahyu Hadi Rudi Arif Imam Muhammad Rizky Fajar Dedi "
    "Hendra Yusuf Teguh Sutrisno Mulyono Sarno Darsono Kusno Tarsono Waluyo Priyo Heri Andi Bayu Dimas Adi Taufik "
    "Rohmat Sukirno Karyo Sodikin Tarmuji Casmadi Warsito Kasum Darmo Ridwan Khoirul Anton"
).split()
MALE_LAST = (
    "Santoso Prasetyo Wibowo Saputra Setiawan Nugroho Hidayat Susilo Pratama Kurniawan Hartono Purnomo Supriyadi "
    "Suryadi Riyanto Wijaya Firmansyah Mulyadi Rahman Syahputra Haryanto Sugiarto Budiman Yulianto Kusnadi Sutopo "
    "Triyono Sumarno Wahyudi Ardiansyah Maulana Hakim Rosyid Munir"
).split()
GIRL_FIRST = (
    "Aisyah Alya Naura Kirana Zahra Adiba Khanza Nayla Aqila Shakila Almahyra Azzahra Keisha Arsyila Hanum Salsabila "
    "Syifa Kayla Nadhira Queenza Asyifa Humaira Fatimah Zivana Aluna Nafisa"
).split()
BOY_FIRST = (
    "Muhammad Arkan Rafka Zidan Alfatih Abizar Arsenio Kenzo Rayyan Azka Danendra Gibran Raffasya Athar Shaka "
    "Arshaka Alvaro Fathan Hafiz Ibrahim Yusuf Zayn Emir Barra Akbar Galih"
).split()
CHILD_LAST = (
    "Putra Putri Ramadhan Pratama Al Fatih Kamila Azzahra Nugraha Prasetya Aditya Saputra Anindya Maheswari Rizqi "
    "Hasanah Mahendra Wijaya Ananta Khairunnisa Abqari Althaf Ayunda Safira Hidayat"
).split()
POSYANDU_NAMES = (
    "Melati Mawar Anggrek Dahlia Kenanga Cempaka Flamboyan Teratai Kamboja Seruni Bougenvil Tulip Sakura Kemuning"
).split()

# --------------------------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------------------------

EPOCH = date(1970, 1, 1)
_MASK64 = (1 << 64) - 1


def _day(d: date) -> int:
    return (d - EPOCH).days


def _dates(days: np.ndarray) -> pl.Series:
    return pl.Series(np.asarray(days, dtype=np.int32)).cast(pl.Date)


def _logit(p):
    p = np.asarray(p, dtype=np.float64)
    return np.log(p / (1 - p))


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def _hash_uniform(keys: np.ndarray, salt: int) -> np.ndarray:
    """Uniform (0, 1) per key from a splitmix64 hash: stable for a desa whatever else is in the table."""
    s = np.uint64((salt * 0x9E3779B97F4A7C15 + 0x632BE59BD9B4E019) & _MASK64)
    with np.errstate(over="ignore"):
        x = keys.astype(np.uint64) ^ s
        x = x + np.uint64(0x9E3779B97F4A7C15)
        x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        x = x ^ (x >> np.uint64(31))
    return ((x >> np.uint64(11)).astype(np.float64) + 0.5) / float(1 << 53)


def _hash_normal(keys: np.ndarray, salt: int) -> np.ndarray:
    u1, u2 = _hash_uniform(keys, 2 * salt), _hash_uniform(keys, 2 * salt + 1)
    return np.sqrt(-2 * np.log(u1)) * np.cos(2 * np.pi * u2)


def _rank_within(keys: np.ndarray) -> np.ndarray:
    """0-based rank of each element among equal keys (in input order)."""
    n = keys.size
    order = np.argsort(keys, kind="stable")
    sorted_keys = keys[order]
    starts = np.ones(n, dtype=bool)
    starts[1:] = sorted_keys[1:] != sorted_keys[:-1]
    first = np.maximum.accumulate(np.where(starts, np.arange(n), 0))
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n) - first
    return rank


def _civil(days: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    d = np.asarray(days, dtype="int64").astype("datetime64[D]")
    years = d.astype("datetime64[Y]")
    months = d.astype("datetime64[M]")
    return (
        years.astype(np.int64) + 1970, (months - years.astype("datetime64[M]")).astype(np.int64) + 1,
        (d - months.astype("datetime64[D]")).astype(np.int64) + 1,
    )


def _year_frac(days: np.ndarray) -> np.ndarray:
    return 1970 + np.asarray(days, dtype=np.float64) / 365.2425


def _nik(prefix6: np.ndarray, dob: np.ndarray, female: np.ndarray, serial_base: int) -> pl.Series:
    """NIK: 6-digit kecamatan code, birth date DDMMYY (DD + 40 for women), 4-digit serial."""
    y, m, d = _civil(dob)
    stem = prefix6.astype(np.int64) * 10**10 + (d + 40 * female) * 10**8 + m * 10**6 + (y % 100) * 10**4
    serial = serial_base + 1 + _rank_within(stem)
    return pl.Series(stem + np.minimum(serial, 9999)).cast(pl.String)


def _pick(rng: np.random.Generator, names: list[str], n: int) -> np.ndarray:
    return rng.integers(0, len(names), n)


def _full_names(first: list[str], last: list[str], i: np.ndarray, j: np.ndarray) -> pl.Series:
    return pl.select(
        pl.concat_str([pl.lit(pl.Series(first).gather(i)), pl.lit(pl.Series(last).gather(j))], separator=" ")
    ).to_series()


def _adult_names(rng: np.random.Generator, female: np.ndarray) -> pl.Series:
    n = female.size
    women = _full_names(FEMALE_FIRST, FEMALE_LAST, _pick(rng, FEMALE_FIRST, n), _pick(rng, FEMALE_LAST, n))
    men = _full_names(MALE_FIRST, MALE_LAST, _pick(rng, MALE_FIRST, n), _pick(rng, MALE_LAST, n))
    return women.zip_with(pl.Series(female), men)


class Calendar:
    """Day-level service weights (weekday, holidays, Ramadan/Lebaran dips, catch-up)."""

    def __init__(self, start: date, end: date):
        self.start = _day(start)
        n = _day(end) - self.start + 1
        days = np.arange(self.start, self.start + n)
        weekday = (days + 3) % 7  # 1970-01-01 was a Thursday; 0 = Monday
        self.weekday = np.asarray(WEEKDAY_FACTOR)[weekday]
        _, month, dom = _civil(days)
        for hm, hd in HOLIDAYS:
            self.weekday[(month == hm) & (dom == hd)] = 0.05
        self.dip = np.ones(n)
        self.boost = np.ones(n)
        self.catch_up = np.full(n, -1, dtype=np.int64)  # first catch-up day for days in a dip
        for first, lebaran in RAMADAN.values():
            r0, lb = _day(first) - self.start, _day(lebaran) - self.start
            if lb + 30 < 0 or r0 > n:
                continue
            sl = lambda a, b: slice(max(a, 0), max(min(b, n), 0))  # noqa: E731
            self.dip[sl(r0, lb - 1)] = RAMADAN_FACTOR
            self.dip[sl(lb - 1, lb + 7)] = LEBARAN_FACTOR
            self.boost[sl(lb + 7, lb + 7 + CATCH_UP_DAYS)] = CATCH_UP_FACTOR
            self.catch_up[sl(r0, lb + 7)] = self.start + lb + 7
        self.weight = self.weekday * self.dip * self.boost

    def idx(self, days: np.ndarray) -> np.ndarray:
        return np.clip(np.asarray(days) - self.start, 0, self.weight.size - 1)

    def schedule(self, rng: np.random.Generator, days: np.ndarray) -> np.ndarray:
        """Move planned service days: partly postponed out of Ramadan/Lebaran, off Sundays/holidays."""
        days = np.asarray(days, dtype=np.int64).copy()
        i = self.idx(days)
        postpone = (self.catch_up[i] >= 0) & (rng.random(days.size) > self.dip[i])
        days[postpone] = self.catch_up[i][postpone] + rng.integers(0, CATCH_UP_DAYS, int(postpone.sum()))
        return self.open_day(days)

    def open_day(self, days: np.ndarray) -> np.ndarray:
        """Roll days that fall on a Sunday or holiday forward to the next open day."""
        days = np.asarray(days, dtype=np.int64).copy()
        for _ in range(3):
            days[self.weekday[self.idx(days)] < 0.1] += 1
        return days

    def sample(self, rng: np.random.Generator, first: date, last: date, n: int) -> np.ndarray:
        """`n` service days between `first` and `last`, following the day weights."""
        a, b = _day(first) - self.start, _day(last) - self.start + 1
        cdf = np.cumsum(self.weight[a:b])
        pick = np.searchsorted(cdf, rng.random(n) * cdf[-1], side="right")
        return self.start + a + np.minimum(pick, b - a - 1)


def _rate(name: str, days: np.ndarray, effect: np.ndarray | float = 0.0) -> np.ndarray:
    """Base rate `name` at `days` (interpolated between year midpoints) shifted by a logit effect."""
    values = RATES[name]
    mids = np.array([2023.5, 2024.5, 2025.5])
    base = np.interp(_year_frac(days), mids, _logit(values))
    return _sigmoid(base + effect)


# --------------------------------------------------------------------------------------------
# Desa frame: population, effects, flags
# --------------------------------------------------------------------------------------------

_SUFFIX = r" \(\d{2}\.\d{2}\)$"  # the " (33.kk)" name suffix of replicate()


def _desa_frame(wilayah: pl.DataFrame, seed: int) -> pl.DataFrame:
    w = wilayah.select(
        pl.col("kode_kecamatan").cast(pl.String), "nama_kecamatan", pl.col("kode_desa").cast(pl.String), "nama_desa",
        pl.col("jenis").cast(pl.String), pl.col("puskesmas").cast(pl.String), "lat", "lon",
    ).sort("kode_desa")
    key = w["kode_desa"].str.replace_all(".", "", literal=True).cast(pl.UInt64).to_numpy()
    salt = seed * 1009
    weight = np.exp(0.30 * _hash_normal(key, salt + 1))
    weight *= np.where(w["jenis"].to_numpy() == "kelurahan", KELURAHAN_WEIGHT, 1.0)
    small = w["kode_desa"].to_numpy() == _PROBLEM["k4_gt_k1"].kode_desa
    weight[small] *= SMALL_DESA_WEIGHT
    base_kec = w["nama_kecamatan"].str.replace(_SUFFIX, "")
    remote = base_kec.is_in(list(REMOTE_KECAMATAN)).to_numpy()
    df = w.with_columns(
        key=pl.Series(key), weight=pl.Series(weight), base_kec=base_kec, remote=pl.Series(remote),
    ).with_columns(
        n_kec=pl.len().over("kode_kecamatan"), w_kec=pl.col("weight").sum().over("kode_kecamatan"),
    ).with_columns(
        kec_total=pl.col("base_kec").replace_strict(KECAMATAN_PENDUDUK_2024, default=None, return_dtype=pl.Int64)
        .fill_null(pl.col("n_kec").cast(pl.Int64) * DEFAULT_DESA_PENDUDUK)
    ).with_columns(exact=pl.col("kec_total") * pl.col("weight") / pl.col("w_kec"))
    # Largest remainders, so every kecamatan adds up exactly.
    df = df.with_columns(floor=pl.col("exact").floor().cast(pl.Int64)).with_columns(
        short=pl.col("kec_total") - pl.col("floor").sum().over("kode_kecamatan"),
        rank=(pl.col("exact") - pl.col("floor")).rank("ordinal", descending=True).over("kode_kecamatan"),
    ).with_columns(pop2024=pl.col("floor") + (pl.col("rank") <= pl.col("short")).cast(pl.Int64))
    # "Behind" desa: a fixed share of the non-remote desa, picked by a seeded hash.
    pick = np.where(remote, np.inf, _hash_uniform(key, salt + 7))
    behind = np.zeros(key.size, dtype=bool)
    behind[np.argsort(pick, kind="stable")[: round(BEHIND_SHARE * int((~remote).sum()))]] = True
    pop = df["pop2024"].to_numpy().astype(np.float64)

    def effect(k: int, sd: float) -> np.ndarray:
        """A desa random effect, centred on its population-weighted mean (keeps the kabupaten calibrated)."""
        z = sd * _hash_normal(key, salt + k)
        return z - np.average(z, weights=pop)

    understated = w["kode_desa"].to_numpy() == _PROBLEM["coverage_over_100"].kode_desa
    true_factor = np.exp(PROJECTION_ERROR_SD * _hash_normal(key, salt + 2))
    true_factor[understated] = 1 / UNDERSTATED_SHARE
    common = effect(3, EFFECT_COMMON_SD) - REMOTE_PENALTY * remote - BEHIND_PENALTY * behind
    return df.with_columns(
        true2024=pl.col("pop2024") * pl.Series(true_factor),
        behind=pl.Series(behind),
        eff_anc=pl.Series(common + effect(4, EFFECT_PROGRAMME_SD)),
        eff_imm=pl.Series(common + effect(5, EFFECT_PROGRAMME_SD)),
        eff_ptm=pl.Series(common + effect(6, EFFECT_PROGRAMME_SD)),
        nik_prefix=pl.col("kode_kecamatan").str.replace_all(".", "", literal=True).cast(pl.Int64),
        digits=pl.col("kode_desa").str.replace_all(".", "", literal=True),
    ).drop("n_kec", "w_kec", "exact", "floor", "short", "rank")


def _growth(year: np.ndarray | int) -> np.ndarray:
    return (1 + GROWTH_PER_YEAR) ** (np.asarray(year, dtype=np.float64) - 2024)


# --------------------------------------------------------------------------------------------
# Sasaran
# --------------------------------------------------------------------------------------------


def _sasaran(desa: pl.DataFrame, years, cfg: Settings) -> pl.DataFrame:
    penduduk = desa.select("kode_desa", "pop2024").join(pl.DataFrame({"tahun": list(years)}), how="cross").with_columns(
        penduduk=(pl.col("pop2024") * (1 + GROWTH_PER_YEAR) ** (pl.col("tahun") - 2024)).round().cast(pl.Int32),
        tahun=pl.col("tahun").cast(pl.Int16), metode=pl.lit("proyeksi sintetis"),
    )
    return estimate_sasaran(penduduk.select("tahun", "kode_desa", "penduduk", "metode"), cfg)


# --------------------------------------------------------------------------------------------
# Pregnancies and ANC visits
# --------------------------------------------------------------------------------------------

# Visit slots after the first contact: (min, max) gestational age in days and the rate name.
SLOTS = (
    (112, 140, "anc_tm2a"), (154, 182, "anc_tm2b"), (196, 210, "anc_tm3a"), (217, 231, "anc_tm3b"),
    (238, 252, "anc_tm3c"), (259, 273, "anc_tm3d"),
)
TM1_LAST_DAY, TM2_LAST_DAY = 90, 195  # GA ≤ 12 weeks (floor) and ≤ 27 weeks


def _pregnancies(rng: np.random.Generator, desa: pl.DataFrame, first: date, last: date, cfg: Settings) -> dict:
    """Pregnancies starting (hpht) between `first` and `last`, with outcome and mother."""
    month_starts = pl.date_range(first, last, "1mo", eager=True)
    starts = month_starts.cast(pl.Int32).to_numpy().astype(np.int64)
    ends = np.append(starts[1:], _day((last.replace(day=28) + timedelta(days=4)).replace(day=1)))
    lengths = ends - starts
    years = month_starts.dt.year().to_numpy()
    true_pop = desa["true2024"].to_numpy()
    lam = (true_pop[:, None] * _growth(years)[None, :] * cfg.cbr_per_1000 / 1000 * BIRTH_FACTOR / P_LIVE
           * lengths[None, :] / 365.2425)
    # Counts per desa-month rounded at random (floor + Bernoulli of the fraction) rather than
    # Poisson, so the kabupaten totals follow the calibration closely from year to year.
    counts = (np.floor(lam) + (rng.random(lam.shape) < lam - np.floor(lam))).astype(np.int64).ravel()
    cell = np.repeat(np.arange(counts.size), counts)
    d_idx, m_idx = cell // starts.size, cell % starts.size
    n = cell.size
    hpht = starts[m_idx] + (rng.random(n) * lengths[m_idx]).astype(np.int64)
    live = rng.random(n) < P_LIVE
    # Live births at 34-42 weeks; losses mostly early (6-20 weeks), many before any ANC contact.
    end_ga = np.where(live, np.clip(np.round(rng.normal(275, 9, n)), 238, 294),
                      np.minimum(42 + np.round(rng.exponential(25, n)), 140))
    age = np.clip(rng.normal(28, 5.5, n), 16, 45)
    return {"desa": d_idx, "hpht": hpht, "live": live, "end_ga": end_ga.astype(np.int64),
            "mother_dob": hpht - (age * 365.2425).astype(np.int64)}


def _anc_visits(rng: np.random.Generator, preg: dict, desa: pl.DataFrame, cal: Calendar, last_day: int,
                first_active: int) -> dict:
    """Visit rows (numpy) for the pregnancies active on or after `first_active`."""
    n = preg["hpht"].size
    hpht, end_ga = preg["hpht"], preg["end_ga"]
    eff = desa["eff_anc"].to_numpy()[preg["desa"]]
    t = hpht + 100
    attend = rng.random(n) < _rate("anc_attend", t, eff * 1.5)
    early = rng.random(n) < _rate("anc_early", t, eff * 1.8)
    g_early = 38 + np.floor(53 * rng.beta(1.1, 3.0, n))
    g_late = np.minimum(91 + np.floor(rng.exponential(35, n)), 250)
    g1 = np.where(early, g_early, g_late).astype(np.int64)
    k = 2 + len(SLOTS) + 1  # first contact, second TM1 contact, fixed slots, one unscheduled visit
    ga = np.zeros((n, k), dtype=np.int64)
    take = np.zeros((n, k), dtype=bool)
    ga[:, 0] = g1
    take[:, 0] = attend & (g1 < end_ga)
    ga[:, 1] = np.minimum(g1 + rng.integers(10, 25, n), TM1_LAST_DAY)
    take[:, 1] = (ga[:, 1] >= g1 + 8) & (rng.random(n) < _rate("anc_tm1b", t, eff))
    for j, (lo, hi, name) in enumerate(SLOTS, start=2):
        ga[:, j] = rng.integers(lo, hi + 1, n)
        take[:, j] = (ga[:, j] >= g1 + 10) & (rng.random(n) < _rate(name, t, eff))
    ga[:, -1] = g1 + (rng.random(n) * (end_ga - g1)).astype(np.int64)
    take[:, -1] = (ga[:, -1] >= g1 + 10) & (rng.random(n) < 0.15)
    take &= take[:, [0]] & (ga < end_ga[:, None])
    # Doctor contacts: one in trimester 1 (second TM1 contact if any), one in trimester 3.
    doc = rng.random((n, k)) < 0.05
    usg = np.where(doc, rng.random((n, k)) < 0.3, rng.random((n, k)) < 0.01)
    tm1_slot = np.where(take[:, 1], 1, 0)
    doc_tm1 = (ga[np.arange(n), tm1_slot] <= TM1_LAST_DAY) & (rng.random(n) < _rate("anc_doc_tm1", t, eff))
    usg_tm1 = rng.random(n) < _rate("anc_usg_tm1", t, eff * 0.5)
    rows = np.arange(n)
    doc[rows, tm1_slot] |= doc_tm1
    usg[rows, tm1_slot] = np.where(doc_tm1, usg_tm1, usg[rows, tm1_slot])
    tm3_slot = np.select([take[:, 5], take[:, 6], take[:, 4], take[:, 7]], [5, 6, 4, 7], 5)
    doc_tm3 = rng.random(n) < _rate("anc_doc_tm3", t, eff)
    doc[rows, tm3_slot] |= doc_tm3
    usg[rows, tm3_slot] |= doc_tm3 & (rng.random(n) < 0.9)
    # Flatten, move to service days, drop what falls after the outcome or the period.
    pi, si = np.nonzero(take)
    day = cal.schedule(rng, hpht[pi] + ga[pi, si])
    keep = (day - hpht[pi] < end_ga[pi]) & (day <= last_day)
    pi, si, day = pi[keep], si[keep], day[keep]
    order = np.lexsort((si, day, pi))
    pi, si, day = pi[order], si[order], day[order]
    same = np.zeros(pi.size, dtype=bool)
    same[1:] = (pi[1:] == pi[:-1]) & (day[1:] - day[:-1] < 7)
    pi, si, day = pi[~same], si[~same], day[~same]
    # Keep pregnancies still running on the first day of the period (their history included).
    active = (hpht + end_ga >= first_active)[pi] & np.isin(pi, pi[day >= first_active])
    pi, si, day = pi[active], si[active], day[active]
    return {"preg": pi, "day": day, "doc": doc[pi, si], "usg": usg[pi, si]}


def _anc_frame(rng: np.random.Generator, preg: dict, visits: dict, desa: pl.DataFrame, mothers: pl.DataFrame,
               id_base: int, missing_first: np.ndarray | None = None) -> pl.DataFrame:
    """ANC_KUNJUNGAN rows; `visits["preg"]` is sorted by pregnancy and date."""
    pi, day = visits["preg"], visits["day"]
    n_preg = preg["hpht"].size
    d_idx = preg["desa"]
    # Mothers: names, NIK, clinical baselines (per pregnancy).
    ids = np.unique(pi)
    m = ids.size
    lila0 = rng.normal(26.1, 2.2, m)
    hb0 = rng.normal(12.05, 1.0, m)
    hyper = rng.random(m) < 0.04
    sys0 = np.where(hyper, rng.normal(146, 7, m), rng.normal(110, 9, m))
    dia0 = np.where(hyper, rng.normal(94, 5, m), rng.normal(71, 7, m))
    pos = np.full(n_preg, -1)
    pos[ids] = np.arange(m)
    j = pos[pi]
    nth = _rank_within(pi) + 1
    if missing_first is not None:  # visit 1 missing from the export: numbering starts at 2
        nth = nth + missing_first[pi]
    ga_days = day - preg["hpht"][pi]
    n = pi.size
    first_tm3 = (ga_days > TM2_LAST_DAY)
    first_tm3 &= _rank_within(np.where(first_tm3, pi, -1)) == 0
    hb_measured = (_rank_within(pi) == 0) | first_tm3
    hb = hb0[j] - 0.35 * (ga_days > TM1_LAST_DAY) + rng.normal(0, 0.3, n)
    sys = np.round(sys0[j] + rng.normal(0, 5, n))
    dia = np.round(np.minimum(dia0[j] + rng.normal(0, 4, n), sys - 20))
    codes = desa["kode_desa"]
    digits = desa["digits"].to_numpy()
    seq = _rank_within(d_idx[ids]) + 1 + id_base
    id_preg = pl.Series(np.char.add(np.char.add("KH-" + digits[d_idx[ids]].astype(str), "-"),
                                    np.char.zfill(seq.astype(str), 5)))
    return pl.DataFrame({
        "id_kehamilan": id_preg.gather(j), "nik_ibu": mothers["nik_ibu"].gather(pi),
        "nama_ibu": mothers["nama_ibu"].gather(pi), "kode_desa": codes.gather(d_idx[pi]),
        "hpht": _dates(preg["hpht"][pi]), "tgl_kunjungan": _dates(day), "kunjungan_ke": nth,
        "usia_kehamilan_minggu": ga_days // 7, "pemeriksa": np.where(visits["doc"], "dokter", "bidan"),
        "usg": visits["usg"], "lila_cm": np.round(lila0[j] + rng.normal(0, 0.25, n), 1),
        "hb_g_dl": pl.Series(np.where(hb_measured, np.round(hb, 1), np.nan)).fill_nan(None),
        "td_sistolik": sys, "td_diastolik": dia, "sumber": "demo",
    })


def _k4_without_k1(rng: np.random.Generator, desa: pl.DataFrame, cal: Calendar, problem: InjectedProblem,
                   n: int = 28) -> tuple[dict, dict, np.ndarray]:
    """A batch of pregnancies whose K1 (at a private midwife) is missing; K4 reached in the problem month."""
    d = int(np.nonzero(desa["kode_desa"].to_numpy() == problem.kode_desa)[0][0])
    month_start = _day(problem.period)
    k4_day = month_start + rng.integers(2, 26, n)
    k4_ga = rng.integers(217, 232, n)  # 31-33 weeks
    hpht = k4_day - k4_ga
    offsets = np.stack([
        rng.integers(49, 60, n),  # visit 1 (missing from the export), TM1
        rng.integers(77, 88, n),  # visit 2, still TM1 (doctor + USG)
        rng.integers(133, 160, n),  # TM2
        rng.integers(196, 207, n),  # TM3
        k4_ga,  # TM3: K4 reached here, in the problem month
        rng.integers(245, 256, n),  # TM3
    ], axis=1)
    days = hpht[:, None] + offsets
    days[:, :4] = np.minimum(days[:, :4], days[:, [4]] - 7)
    pi = np.repeat(np.arange(n), offsets.shape[1])
    slot = np.tile(np.arange(offsets.shape[1]), n)
    day = cal.open_day(days.ravel())
    keep = (slot > 0) & (day <= _day(date(2025, 12, 31)))
    preg = {"desa": np.full(n, d), "hpht": hpht, "live": np.ones(n, dtype=bool), "end_ga": np.full(n, 275),
            "mother_dob": hpht - (rng.uniform(20, 38, n) * 365.2425).astype(np.int64)}
    visits = {"preg": pi[keep], "day": day[keep], "doc": (slot[keep] == 1) | (slot[keep] == 4),
              "usg": (slot[keep] == 1) | (slot[keep] == 4)}
    return preg, visits, np.ones(n, dtype=np.int64)


# --------------------------------------------------------------------------------------------
# Immunization
# --------------------------------------------------------------------------------------------

STAGES = (
    ("imm_stage1", 30, 8.0, ("bcg", "polio1")),
    ("imm_stage2", 60, 10.0, ("dpt1", "polio2")),
    ("imm_stage3", 90, 12.0, ("dpt2", "polio3")),
    ("imm_stage4", 120, 14.0, ("dpt3", "polio4", "ipv1")),
    ("imm_stage5", 270, 12.0, ("mr1",)),
)
SINGLE_MISS = {"polio1": 0.003, "polio4": 0.005, "ipv1": 0.03}


def _children(rng: np.random.Generator, preg: dict, mothers: pl.DataFrame, desa: pl.DataFrame, cal: Calendar,
              born_from: int, last_day: int) -> pl.DataFrame:
    """Children of live births born from `born_from`, with their doses (IMUNISASI_DOSIS rows)."""
    birth = preg["hpht"] + preg["end_ga"]
    who = np.nonzero(preg["live"] & (birth >= born_from) & (birth <= last_day))[0]
    n = who.size
    birth = birth[who]
    d_idx = preg["desa"][who]
    remote = desa["remote"].to_numpy()[d_idx]
    eff = desa["eff_imm"].to_numpy()[d_idx] - REMOTE_IMM_EXTRA * remote  # access to sessions, not just uptake
    dies = rng.random(n) < 0.01
    death = np.where(dies, birth + np.where(rng.random(n) < 0.7, rng.integers(0, 28, n), rng.integers(28, 365, n)),
                     np.iinfo(np.int64).max)
    engaged = rng.random(n) < _rate("imm_engaged", birth, eff)
    stage_ok = [rng.random(n) < _rate(name, birth, eff) for name, *_ in STAGES]
    complete = engaged & np.logical_and.reduce(stage_ok)
    # HB0 (given at the birth facility) is missed mostly by the children who also drop out later.
    hb0 = rng.random(n) < np.where(complete, _rate("imm_hb0", birth, eff * 0.5), np.where(engaged, 0.55, 0.35))
    late = np.exp(rng.normal(0, 0.45, n)) * np.where(remote, 1.5, 1.0)
    ch, ag, dd = [], [], []
    hb0_day = birth + np.select([rng.random(n) < 0.72, rng.random(n) < 0.85], [0, 1], rng.integers(2, 7, n))
    hb0 &= hb0_day <= last_day
    ch.append(np.nonzero(hb0)[0])
    ag.append(np.full(ch[-1].size, "hb0"))
    dd.append(hb0_day[hb0])
    reached = engaged.copy()
    prev = birth.copy()
    for (name, age, mean_delay, antigens), ok_stage in zip(STAGES, stage_ok):
        reached &= ok_stage
        planned = np.maximum(birth + age, prev + 28) + np.round(late * rng.exponential(mean_delay, n)).astype(np.int64)
        given = cal.schedule(rng, planned)
        prev = np.where(reached, given, prev)
        ok = reached & (given < death) & (given <= last_day)
        for antigen in antigens:
            got = ok & (rng.random(n) >= SINGLE_MISS.get(antigen, 0.0))
            ch.append(np.nonzero(got)[0])
            ag.append(np.full(ch[-1].size, antigen))
            dd.append(given[got])
    ci, antigen, day = np.concatenate(ch), np.concatenate(ag), np.concatenate(dd)
    order = np.lexsort((day, ci))
    ci, antigen, day = ci[order], antigen[order], day[order]
    # Names, ids, mothers.
    girl = rng.random(n) < 0.49
    firsts = np.where(girl, np.asarray(GIRL_FIRST, dtype=object)[_pick(rng, GIRL_FIRST, n)],
                      np.asarray(BOY_FIRST, dtype=object)[_pick(rng, BOY_FIRST, n)])
    names = firsts + " " + np.asarray(CHILD_LAST, dtype=object)[rng.integers(0, len(CHILD_LAST), n)]
    mother_first = mothers["nama_ibu"].gather(who).str.split(" ").list.first().to_numpy().astype(object)
    baby = rng.random(n) < 0.12  # unnamed newborn as entered at birth
    names = np.where(baby, "By. Ny. " + mother_first, names)
    digits = desa["digits"].to_numpy()[d_idx].astype(str)
    seq = (_rank_within(d_idx) + 1).astype(str)
    ids = np.char.add(np.char.add("AN-" + digits, "-"), np.char.zfill(seq, 5))
    return pl.DataFrame({
        "id_anak": pl.Series(ids).gather(ci), "nik_ibu": mothers["nik_ibu"].gather(who[ci]),
        "nama_anak": pl.Series(names.astype(str)).gather(ci), "kode_desa": desa["kode_desa"].gather(d_idx[ci]),
        "jenis_kelamin": pl.Series(np.where(girl, "P", "L")).gather(ci), "tgl_lahir": _dates(birth[ci]),
        "antigen": antigen, "tgl_imunisasi": _dates(day), "sumber": "demo",
    })


def _mother_table(rng: np.random.Generator, preg: dict, desa: pl.DataFrame, serial_base: int) -> pl.DataFrame:
    """NIK and name of the mother of every pregnancy."""
    n = preg["hpht"].size
    prefix = desa["nik_prefix"].to_numpy()[preg["desa"]]
    return pl.DataFrame({
        "nik_ibu": _nik(prefix, preg["mother_dob"], np.ones(n, dtype=np.int64), serial_base),
        "nama_ibu": _full_names(FEMALE_FIRST, FEMALE_LAST, _pick(rng, FEMALE_FIRST, n), _pick(rng, FEMALE_LAST, n)),
    })


# --------------------------------------------------------------------------------------------
# PTM
# --------------------------------------------------------------------------------------------


def _ptm(rng: np.random.Generator, desa: pl.DataFrame, cal: Calendar, years, cfg: Settings) -> pl.DataFrame:
    true_pop = desa["true2024"].to_numpy()
    n_adults = rng.poisson(true_pop * cfg.share_15_plus * _growth(max(years) - 0.5))
    d_idx = np.repeat(np.arange(true_pop.size), n_adults)
    n = d_idx.size
    mid = _day(date(2024, 7, 1))
    old = rng.random(n) < 1 - cfg.share_15_59 / cfg.share_15_plus
    # Ages at mid-2024; from 14 so that every year has its 15-year-olds (rows below 15 are dropped).
    age = np.where(old, 60 + np.minimum(rng.exponential(9.0, n), 35), 14 + 46 * rng.beta(1.0, 1.15, n))
    dob = mid - (age * 365.2425).astype(np.int64)
    female = (rng.random(n) < 0.5).astype(np.int64)
    p_ht = np.select([age < 30, age < 45, age < 60], [0.10, 0.28, 0.50], 0.68)
    p_dm = np.select([age < 30, age < 45, age < 60], [0.003, 0.012, 0.035], 0.055)
    ht = rng.random(n) < p_ht
    dm = rng.random(n) < p_dm
    u_ht, u_dm = rng.random(n), rng.random(n)
    eff = desa["eff_ptm"].to_numpy()[d_idx]
    sys0 = np.where(ht, rng.normal(148, 12, n), 104 + 0.35 * age + rng.normal(0, 9, n))
    glu0 = np.where(dm, rng.lognormal(np.log(205), 0.3, n), rng.lognormal(np.log(106), 0.14, n))
    imt0 = np.clip(rng.normal(24.3, 4.2, n), 15, 45)
    parts = []
    for year in years:
        t = np.full(n, _day(date(year, 7, 1)))
        age_y = age + (year + 0.5 - 2024.5)
        young = (age_y >= 15) & (age_y < 60)
        screened = rng.random(n) < np.where(young, _rate("ptm_screen", t, eff), _rate("ptm_screen_60", t, eff))
        churn_ht, churn_dm = rng.random(n) < 0.2, rng.random(n) < 0.2
        ht_served = ht & (np.where(churn_ht, rng.random(n), u_ht) < _rate("ptm_ht", t, eff))
        dm_served = dm & (np.where(churn_dm, rng.random(n), u_dm) < _rate("ptm_dm", t, eff))
        served = ht_served | dm_served
        n_rows = np.where(served, 1 + rng.choice(4, n, p=[0.35, 0.3, 0.2, 0.15]), screened.astype(np.int64))
        pi = np.repeat(np.arange(n), n_rows)
        day = cal.sample(rng, date(year, 1, 1), date(year, 12, 31), pi.size)
        parts.append((pi, day, ht_served[pi], dm_served[pi]))
    pi = np.concatenate([p[0] for p in parts])
    day = np.concatenate([p[1] for p in parts])
    ht_flag = np.concatenate([p[2] for p in parts])
    dm_flag = np.concatenate([p[3] for p in parts])
    keep = day - dob[pi] >= 15 * 365.25
    pi, day, ht_flag, dm_flag = pi[keep], day[keep], ht_flag[keep], dm_flag[keep]
    order = np.lexsort((pi, day, d_idx[pi]))
    pi, day, ht_flag, dm_flag = pi[order], day[order], ht_flag[order], dm_flag[order]
    m = pi.size
    treated = np.where(ht_flag, rng.normal(-6, 8, m), 0.0)
    sys = np.clip(np.round(sys0[pi] + treated + rng.normal(0, 6, m)), 85, 230)
    dia = np.clip(np.round(0.6 * sys + rng.normal(2, 6, m)), 50, 140)
    dia = np.minimum(dia, sys - 15)
    glu = np.clip(np.round(glu0[pi] * np.exp(rng.normal(0, 0.08, m))), 60, 600)
    nik = _nik(desa["nik_prefix"].to_numpy()[d_idx], dob, female, 0)
    seen = np.flatnonzero(np.bincount(pi, minlength=n))
    k = seen.size
    where = np.zeros(n, dtype=np.int64)
    where[seen] = np.arange(k)
    fem = female[seen] == 1
    people = pl.DataFrame({
        "nik": nik.gather(seen),
        "nama": _adult_names(rng, fem),
        "kode_desa": desa["kode_desa"].gather(d_idx[seen]), "jenis_kelamin": pl.Series(np.where(fem, "P", "L")),
        "tgl_lahir": _dates(dob[seen]),
    })
    rows = people[where[pi]].with_columns(
        tgl_skrining=_dates(day), td_sistolik=pl.Series(sys), td_diastolik=pl.Series(dia),
        gula_darah_mg_dl=pl.Series(glu), imt=pl.Series(np.round(imt0[pi] + rng.normal(0, 0.3, m), 1)),
        hipertensi=pl.Series(ht_flag), dm=pl.Series(dm_flag), sumber=pl.lit("demo"),
    )
    return rows


def _ptm_outlier(rng: np.random.Generator, ptm: pl.DataFrame, desa: pl.DataFrame, cal: Calendar,
                 problem: InjectedProblem) -> pl.DataFrame:
    """A batch of people from another kecamatan keyed to the problem desa (≈ 8× a usual month)."""
    monthly = (
        ptm.filter(pl.col("kode_desa") == problem.kode_desa)
        .group_by(pl.col("tgl_skrining").dt.truncate("1mo")).agg(pl.col("nik").n_unique())
    )
    usual = int(monthly["nik"].median() or 50)
    n = 7 * usual
    nxt = (problem.period.replace(day=28) + timedelta(days=4)).replace(day=1)
    day = cal.sample(rng, problem.period, nxt - timedelta(days=1), n)
    age = 15 + 45 * rng.random(n)
    dob = day - (age * 365.2425).astype(np.int64)
    female = (rng.random(n) < 0.5).astype(np.int64)
    kec = desa.filter(pl.col("kode_desa") == problem.kode_desa)["nik_prefix"].item()
    others = desa.filter(pl.col("nik_prefix") != kec)["nik_prefix"].unique().sort()
    source = others[int(rng.integers(0, others.len()))] if others.len() else kec
    sys = np.round(rng.normal(124, 14, n))
    return pl.DataFrame({
        "nik": _nik(np.full(n, source), dob, female, 8000),
        "nama": _adult_names(rng, female == 1),
        "kode_desa": problem.kode_desa, "jenis_kelamin": np.where(female == 1, "P", "L"), "tgl_lahir": _dates(dob),
        "tgl_skrining": _dates(day), "td_sistolik": sys, "td_diastolik": np.minimum(np.round(0.6 * sys + 2), sys - 15),
        "gula_darah_mg_dl": np.round(rng.lognormal(np.log(106), 0.14, n)), "imt": np.round(rng.normal(24.3, 4, n), 1),
        "hipertensi": False, "dm": False, "sumber": "demo",
    })


# --------------------------------------------------------------------------------------------
# Facilities and reports
# --------------------------------------------------------------------------------------------


def _jitter(rng: np.random.Generator, lat: np.ndarray, lon: np.ndarray, metres: float = 600.0):
    r = metres * np.sqrt(rng.random(lat.size))
    a = 2 * np.pi * rng.random(lat.size)
    dlat = r * np.cos(a) / 111_320
    dlon = r * np.sin(a) / (111_320 * np.cos(np.radians(lat)))
    return np.round(lat + dlat, 6), np.round(lon + dlon, 6)


def _code(prefix: str, n: int, width: int) -> list[str]:
    width = max(width, len(str(n)))
    return [f"{prefix}-{i:0{width}d}" for i in range(1, n + 1)]


def _fasilitas(rng: np.random.Generator, desa: pl.DataFrame, puskesmas: pl.DataFrame) -> pl.DataFrame:
    host = puskesmas.select(
        pl.col("nama").alias("puskesmas"), pl.col("kode_desa_lokasi").alias("kode_desa"),
        pl.col("lokasi_status").alias("lokasi"),
    ).join(desa.select("kode_desa", "lat", "lon"), on="kode_desa", how="inner")
    pkm = host.with_columns(
        kode_fasilitas=pl.Series(_code("PKM", host.height, 2)), nama="Puskesmas " + pl.col("puskesmas"),
        tipe=pl.lit("puskesmas"),
    )
    n = desa.height
    key = desa["key"].to_numpy()
    lat, lon = desa["lat"].to_numpy(), desa["lon"].to_numpy()
    hosts = set(host["kode_desa"].to_list())
    is_host = desa["kode_desa"].is_in(list(hosts)).to_numpy()
    frames = [pkm]
    # Pustu: about one desa in three, never the puskesmas's own desa.
    pustu = np.nonzero(~is_host & (rng.random(n) < 0.36))[0]
    plat, plon = _jitter(rng, lat[pustu], lon[pustu])
    frames.append(pl.DataFrame({
        "kode_fasilitas": _code("PUSTU", pustu.size, 3), "nama": "Pustu " + desa["nama_desa"].gather(pustu),
        "tipe": "pustu", "puskesmas": desa["puskesmas"].gather(pustu), "kode_desa": desa["kode_desa"].gather(pustu),
        "lat": plat, "lon": plon, "lokasi": "synthetic",
    }))
    # Posyandu: 4-8 per desa, by population; named after a flower, numbered within the desa.
    n_psy = np.clip(np.round(desa["pop2024"].to_numpy() / 800), 4, 8).astype(np.int64)
    pi = np.repeat(np.arange(n), n_psy)
    flower = np.asarray(POSYANDU_NAMES, dtype=object)[(_hash_uniform(key, 11) * len(POSYANDU_NAMES)).astype(int)]
    number = _rank_within(pi) + 1
    names = ("Posyandu " + flower[pi] + " " + number.astype(str).astype(object) + " "
             + desa["nama_desa"].to_numpy().astype(object)[pi])
    slat, slon = _jitter(rng, lat[pi], lon[pi])
    frames.append(pl.DataFrame({
        "kode_fasilitas": _code("PSY", pi.size, 4), "nama": names.astype(str), "tipe": "posyandu",
        "puskesmas": desa["puskesmas"].gather(pi), "kode_desa": desa["kode_desa"].gather(pi),
        "lat": slat, "lon": slon, "lokasi": "synthetic",
    }))
    # Posbindu PTM / posyandu ILP: 1-2 per desa.
    n_pbd = 1 + (rng.random(n) < 0.45)
    bi = np.repeat(np.arange(n), n_pbd)
    second = _rank_within(bi) == 1
    bnames = np.where(second, "Posyandu ILP ", "Posbindu PTM ").astype(object) + desa["nama_desa"].to_numpy().astype(
        object)[bi]
    blat, blon = _jitter(rng, lat[bi], lon[bi])
    frames.append(pl.DataFrame({
        "kode_fasilitas": _code("PBD", bi.size, 3), "nama": bnames.astype(str), "tipe": "posbindu",
        "puskesmas": desa["puskesmas"].gather(bi), "kode_desa": desa["kode_desa"].gather(bi),
        "lat": blat, "lon": blon, "lokasi": "synthetic",
    }))
    return pl.concat([conform(f, FASILITAS) for f in frames])


def _laporan(rng: np.random.Generator, desa: pl.DataFrame, years) -> pl.DataFrame:
    periods = pl.date_range(date(min(years), 1, 1), date(max(years), 12, 1), "1mo", eager=True)
    grid = desa.select("kode_desa").join(pl.DataFrame({"period": periods}), how="cross")
    delay = rng.integers(0, 9, grid.height)  # received on the 1st-9th of the following month
    return grid.with_columns(
        tgl_diterima=pl.col("period").dt.offset_by("1mo") + pl.duration(days=pl.Series(delay))
    ).select("period", "kode_desa", "tgl_diterima")


# --------------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------------


def _sorted(df: pl.DataFrame, *by: str) -> pl.DataFrame:
    """Rows ordered by desa code (as text, independent of categorical ids) and then `by`."""
    return df.sort(pl.col("kode_desa").cast(pl.String), *by, maintain_order=True)


def _present(problem: InjectedProblem, desa: pl.DataFrame, years) -> bool:
    return problem.kode_desa in set(desa["kode_desa"].to_list()) and (
        problem.kind == "coverage_over_100" or problem.period.year in years
    )


def generate(
    wilayah: pl.DataFrame, puskesmas: pl.DataFrame, settings: Settings | None = None, years=YEARS
) -> dict[str, pl.DataFrame]:
    """The demo tables, each in its schema: fasilitas, sasaran, anc_kunjungan, imunisasi_dosis,
    ptm_skrining, laporan. Deterministic for a given seed, registry and years.

    A wilayah with several kabupaten (see :func:`replicate`) is generated one kabupaten at a
    time, each with its own random streams, so memory stays bounded by one kabupaten's
    intermediates plus the result.
    """
    cfg = settings or default_settings()
    years = tuple(sorted(years))
    w = conform(wilayah, WILAYAH)
    kab = w["kode_desa"].cast(pl.String).str.slice(0, 5)
    desas, parts = [], []
    for code in sorted(kab.unique().to_list()):
        desa, tables = _generate_kabupaten(w.filter(kab == code), cfg, years, code)
        desas.append(desa)
        parts.append(tables)
    desa = pl.concat(desas)
    rng = np.random.default_rng([int(cfg.demo_seed), 11])
    out = {"fasilitas": _fasilitas(rng, desa, puskesmas)}
    for name in TABLES[1:]:
        out[name] = pl.concat([p[name] for p in parts]) if len(parts) > 1 else parts[0][name]
    return out


def _generate_kabupaten(
    wilayah: pl.DataFrame, cfg: Settings, years: tuple[int, ...], kab: str
) -> tuple[pl.DataFrame, dict[str, pl.DataFrame]]:
    """The desa frame and every table but fasilitas for the desa of one kabupaten (code ``kab``)."""
    seed = int(cfg.demo_seed)
    kab_id = int(kab.replace(".", "")) if kab.replace(".", "").isdigit() else 0
    rng = lambda stream: np.random.default_rng([seed, stream, kab_id])  # noqa: E731
    desa = _desa_frame(wilayah, seed)
    first_day, last_day = _day(date(years[0], 1, 1)), _day(date(years[-1], 12, 31))
    cal = Calendar(date(years[0] - 2, 1, 1), date(years[-1] + 1, 12, 31))
    present = {p.kind: p for p in INJECTED_PROBLEMS if _present(p, desa, years)}

    # Pregnancies from March two years before, so children born in the year before the period
    # exist (their 2023 doses) and pregnancies running on 1 January have their history.
    preg = _pregnancies(rng(1), desa, date(years[0] - 2, 3, 1), date(years[-1], 12, 1), cfg)
    mothers = _mother_table(rng(2), preg, desa, 5000)
    visits = _anc_visits(rng(3), preg, desa, cal, last_day, first_day)
    parts = [conform(_anc_frame(rng(4), preg, visits, desa, mothers, 0), ANC_KUNJUNGAN)]
    if "k4_gt_k1" in present:
        xpreg, xvisits, missing = _k4_without_k1(rng(5), desa, cal, present["k4_gt_k1"])
        xmothers = _mother_table(rng(6), xpreg, desa, 7000)
        parts.append(conform(_anc_frame(rng(12), xpreg, xvisits, desa, xmothers, 7000, missing), ANC_KUNJUNGAN))
    anc = pl.concat(parts)
    del visits, parts

    imm = conform(_children(rng(7), preg, mothers, desa, cal, _day(date(years[0] - 1, 1, 1)), last_day),
                  IMUNISASI_DOSIS)
    del preg, mothers

    ptm = conform(_ptm(rng(8), desa, cal, years, cfg), PTM_SKRINING)
    if "outlier" in present:
        ptm = pl.concat([ptm, conform(_ptm_outlier(rng(9), ptm, desa, cal, present["outlier"]), PTM_SKRINING)])

    laporan = _laporan(rng(10), desa, years)
    if "late_report" in present:
        p = present["late_report"]
        late = p.period.replace(day=28) + timedelta(days=4)
        laporan = laporan.with_columns(
            tgl_diterima=pl.when((pl.col("kode_desa") == p.kode_desa) & (pl.col("period") == p.period))
            .then(pl.lit(late.replace(day=27))).otherwise("tgl_diterima")
        )
    if "missing_report" in present:
        p = present["missing_report"]
        gone = lambda col: (pl.col("kode_desa").cast(pl.String) == p.kode_desa) & (  # noqa: E731
            pl.col(col).dt.truncate("1mo") == p.period)
        anc = anc.filter(~gone("tgl_kunjungan"))
        imm = imm.filter(~gone("tgl_imunisasi"))
        ptm = ptm.filter(~gone("tgl_skrining"))
        laporan = laporan.filter(~gone("period"))

    return desa, {
        "sasaran": conform(_sasaran(desa, years, cfg), SASARAN),
        "anc_kunjungan": _sorted(anc, "id_kehamilan", "tgl_kunjungan", "kunjungan_ke"),
        "imunisasi_dosis": _sorted(imm, "id_anak", "tgl_imunisasi", "antigen"),
        "ptm_skrining": _sorted(ptm, "tgl_skrining", "nik"),
        "laporan": _sorted(conform(laporan, LAPORAN), "period"),
    }


def replicate(wilayah: pl.DataFrame, puskesmas: pl.DataFrame, copies: int) -> tuple[pl.DataFrame, pl.DataFrame]:
    """A synthetic province of `copies` kabupaten cloned from the registry, for scale benchmarks.

    Copy k gets kabupaten code ``33.kk`` (k = 1, 2, ...) in every wilayah code; names of desa,
    kecamatan and puskesmas get the suffix ``" (33.kk)"`` except in the copy that keeps the
    registry's own code, which is the registry unchanged (so the injected problems apply there).
    Copies are laid out on a grid so their points do not overlap.
    """
    if not 1 <= copies <= 99:
        raise ValueError(f"copies must be 1..99, got {copies}")
    w = wilayah.with_columns(pl.col("kode_kecamatan", "kode_desa", "puskesmas").cast(pl.String))
    p = puskesmas.with_columns(pl.col("kode_kecamatan", "kode_desa_lokasi").cast(pl.String))
    own = w["kode_desa"][0][:5]  # "33.03"
    prov = own[:3]
    home = int(own[3:5]) if own[3:5].isdigit() else 0
    span_lat = float(w["lat"].max() - w["lat"].min()) + 0.05
    span_lon = float(w["lon"].max() - w["lon"].min()) + 0.05
    ws, ps = [], []
    for k in range(1, copies + 1):
        kab = f"{prov}{k:02d}"
        suffix = "" if k == home else f" ({kab})"
        col, row = (k - 1) % 6 - (home - 1) % 6, (k - 1) // 6 - (home - 1) // 6
        recode = lambda c: pl.lit(kab) + pl.col(c).str.slice(5)  # noqa: E731
        ws.append(w.with_columns(
            kode_kecamatan=recode("kode_kecamatan"), kode_desa=recode("kode_desa"),
            nama_kecamatan=pl.col("nama_kecamatan") + suffix, nama_desa=pl.col("nama_desa") + suffix,
            puskesmas=pl.col("puskesmas") + suffix, lat=pl.col("lat") - row * span_lat,
            lon=pl.col("lon") + col * span_lon,
        ))
        ps.append(p.with_columns(
            nama=pl.col("nama") + suffix, kode_kecamatan=recode("kode_kecamatan"),
            kode_desa_lokasi=recode("kode_desa_lokasi"),
        ))
    return conform(pl.concat(ws), WILAYAH), pl.concat(ps)


def manifest(tables: dict[str, pl.DataFrame], cfg: Settings, years=YEARS) -> dict:
    return {
        "synthetic": True, "seed": int(cfg.demo_seed), "generated_by": "phdt.demo", "years": list(years),
        "rows": {name: tables[name].height for name in TABLES},
        "injected_problems": [p.as_dict() for p in INJECTED_PROBLEMS],
    }
