"""The area a page shows: the whole kabupaten, one kecamatan, one desa, or one puskesmas's wilayah
kerja. One frozen value, built once per run from the session and read by every page, so a figure
can never be computed for one area and titled with another.

A scope knows the desa it covers (from the wilayah), filters any frame of desa rows to them, picks
its own row from a summary (``phdt.metrics.summarise`` at ``scope.level``) and names itself:
"Kabupaten Purbalingga", "Kec. Bobotsari", "Desa Karangjambu, Kec. Karangjambu", "Puskesmas
Kutasari". The kabupaten's code comes from the wilayah (the first five characters of a kecamatan
code) and its name from the ``kabupaten`` setting, never from code.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from phdt.config import settings
from phdt.texts import text

LEVELS = ("kabupaten", "kecamatan", "desa", "puskesmas")


@dataclass(frozen=True)
class Scope:
    level: str  # one of LEVELS
    code: str  # the unit's key in metrics.summarise at `level`: "33.03", "33.03.08", a desa code, a puskesmas name
    name: str  # "Purbalingga", "Bobotsari", the desa's or the puskesmas's name
    desa: frozenset[str] = field(repr=False)  # every desa code inside
    kecamatan: frozenset[str] = field(repr=False)  # every kecamatan code with a desa inside
    puskesmas: frozenset[str] = field(repr=False)  # every puskesmas with a desa inside
    parent: str = ""  # a desa's kecamatan name, a puskesmas's kecamatan name
    jenis: str = "desa"  # a desa scope: desa or kelurahan

    def __post_init__(self) -> None:
        if self.level not in LEVELS:
            raise ValueError(f"scope level must be one of {LEVELS}, got {self.level!r}")

    @property
    def is_kabupaten(self) -> bool:
        return self.level == "kabupaten"

    def filter(self, frame: pl.DataFrame, column: str = "kode_desa") -> pl.DataFrame:
        """The rows of a frame of desa rows (monthly, sasaran, wilayah, a desa summary) inside the scope."""
        if self.is_kabupaten:
            return frame
        return frame.filter(pl.col(column).cast(pl.String).is_in(sorted(self.desa)))

    def units(self, summary: pl.DataFrame, level: str) -> pl.DataFrame:
        """The rows of a summary at `level` (column ``kode``) whose units lie inside the scope (a
        kecamatan scope keeps its desa and its puskesmas; a puskesmas belongs to one kecamatan)."""
        if self.is_kabupaten or level == "kabupaten":
            return summary
        inside = {"desa": self.desa, "kecamatan": self.kecamatan, "puskesmas": self.puskesmas}[level]
        return summary.filter(pl.col("kode").cast(pl.String).is_in(sorted(inside)))

    def row(self, summary: pl.DataFrame) -> dict | None:
        """The scope's own row of a summary at ``self.level``, or None."""
        own = summary.filter(pl.col("kode").cast(pl.String) == self.code)
        if own.is_empty() and self.is_kabupaten and summary.height == 1:
            own = summary  # the wilayah's only kabupaten, whatever its code
        return own.row(0, named=True) if own.height else None

    def label(self, language: str) -> str:
        """The area's name as a headline says it, in `language`."""
        if self.level == "desa":
            return text(language, f"scope_{self.jenis}", name=self.name, kecamatan=self.parent)
        return text(language, f"scope_{self.level}", name=self.name)

    def slug(self) -> str:
        """A file-name-safe token of the area (exports)."""
        return "".join(ch if ch.isalnum() else "-" for ch in f"{self.level}-{self.name}".lower()).strip("-")


def _index(wilayah: pl.DataFrame) -> pl.DataFrame:
    return wilayah.select(
        pl.col("kode_desa", "kode_kecamatan", "puskesmas").cast(pl.String), "nama_desa", "nama_kecamatan",
        pl.col("jenis").cast(pl.String),
    )


def kabupaten(wilayah: pl.DataFrame, name: str | None = None) -> Scope:
    """The whole area of the wilayah, named `name` (default: the ``kabupaten`` setting). Several
    kabupaten (a province dataset) are named by their common code prefix."""
    w = _index(wilayah)
    codes = sorted(set(w["kode_kecamatan"].str.slice(0, 5).to_list()))
    code = codes[0] if len(codes) == 1 else codes[0][:2]
    name = (settings().kabupaten if name is None else name) if len(codes) == 1 else code
    return Scope("kabupaten", code, name, frozenset(w["kode_desa"].to_list()),
                 frozenset(w["kode_kecamatan"].to_list()), frozenset(w["puskesmas"].to_list()))


def of_kecamatan(wilayah: pl.DataFrame, code: str) -> Scope:
    w = _index(wilayah).filter(pl.col("kode_kecamatan") == code)
    if w.is_empty():
        raise ValueError(f"no kecamatan {code!r} in the wilayah")
    return Scope("kecamatan", code, w["nama_kecamatan"][0], frozenset(w["kode_desa"].to_list()),
                 frozenset({code}), frozenset(w["puskesmas"].to_list()))


def of_desa(wilayah: pl.DataFrame, code: str) -> Scope:
    w = _index(wilayah).filter(pl.col("kode_desa") == code)
    if w.is_empty():
        raise ValueError(f"no desa {code!r} in the wilayah")
    row = w.row(0, named=True)
    return Scope("desa", code, row["nama_desa"], frozenset({code}), frozenset({row["kode_kecamatan"]}),
                 frozenset({row["puskesmas"]}), parent=row["nama_kecamatan"], jenis=row["jenis"] or "desa")


def of_puskesmas(wilayah: pl.DataFrame, name: str) -> Scope:
    """A puskesmas's wilayah kerja: the desa the wilayah assigns to it."""
    w = _index(wilayah).filter(pl.col("puskesmas") == name)
    if w.is_empty():
        raise ValueError(f"no puskesmas {name!r} in the wilayah")
    return Scope("puskesmas", name, name, frozenset(w["kode_desa"].to_list()),
                 frozenset(w["kode_kecamatan"].to_list()), frozenset({name}),
                 parent=", ".join(sorted(set(w["nama_kecamatan"].to_list()))))


def from_selection(wilayah: pl.DataFrame, kecamatan: str = "", desa: str = "") -> Scope:
    """The scope of the sidebar's choice: a desa, else a kecamatan, else the whole kabupaten."""
    if desa:
        return of_desa(wilayah, desa)
    if kecamatan:
        return of_kecamatan(wilayah, kecamatan)
    return kabupaten(wilayah)

