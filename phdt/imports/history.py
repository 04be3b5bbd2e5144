"""Line lists are history: a month's export adds to the people the dataset already knows.

A child's IDL, a pregnancy's K4/K6 and a drop-out depend on every earlier dose or visit, which
lie in earlier months' files. So an upload is merged into the stored line list
(:func:`merge`), and the programme's monthly indicators are recomputed from the whole merged
list (:func:`recompute`) with the code that builds the demo (:func:`phdt.aggregate.monthly_indicators`).
Importing January, February and March one file at a time gives what one file of the three
months gives.

Identity: a record is the same event when its key (:data:`phdt.imports.validate.EVENT_KEYS`)
is the same; a child without an identifier of its own (a newborn's HB0 before the NIK exists)
is linked to the identified records of the same mother's NIK and birth date (:func:`link_children`).
"""

from __future__ import annotations

from datetime import date

import polars as pl

from phdt.aggregate import monthly_indicators
from phdt.config import Settings
from phdt.imports.normalise import PROGRAMME, SERVICE_DATE, SOURCE_SYSTEM
from phdt.imports.validate import EVENT_KEYS
from phdt.indicators import REGISTRY, Kind
from phdt.schema import LINE_LISTS, conform

FALLBACK_ID = r"^(?:ibu|nama|baris):"  # ids made by validate for records without their own identifier


def cells(rows: pl.DataFrame, family: str) -> pl.DataFrame:
    """The (month, desa) cells a set of line-list rows reports on."""
    return rows.select(period=pl.col(SERVICE_DATE[family]).dt.truncate("1mo"),
                       kode_desa=pl.col("kode_desa").cast(pl.String)).unique()


def merge(stored: pl.DataFrame, incoming: pl.DataFrame, family: str, *, replace: bool) -> pl.DataFrame:
    """The stored line list with an upload in it.

    Added (``replace=False``): every record is kept; a record whose event key is already stored
    is the same event, and the upload's version of it wins (a correction of its details); an
    exact copy of a stored row is dropped. Replaced: for every (month, desa) the upload holds,
    the upload is the whole truth (a corrected export of that month), and stored records of
    those cells that it no longer lists are removed.
    """
    schema = LINE_LISTS[family]
    new, old = conform(incoming, schema), conform(stored, schema)
    if replace:
        cell = pl.struct(period=pl.col(SERVICE_DATE[family]).dt.truncate("1mo"),
                         kode_desa=pl.col("kode_desa").cast(pl.String))
        old = old.filter(~cell.is_in(cells(new, family).to_struct().implode()))
    key = list(EVENT_KEYS[family])
    keyed = pl.all_horizontal(pl.col(k).is_not_null() for k in key)
    new_keyed, new_loose, old_loose = new.filter(keyed), new.filter(~keyed), old.filter(~keyed)
    old_keyed = old.filter(keyed).join(new_keyed.select(key).unique(), on=key, how="anti")
    new_loose = new_loose.join(old_loose, on=list(schema), how="anti", nulls_equal=True).unique(maintain_order=True)
    return pl.concat([old_keyed, old_loose, new_keyed, new_loose])


def link_children(doses: pl.DataFrame) -> pl.DataFrame:
    """Records of a child without an identifier take the identifier of the same mother's NIK and
    birth date, when exactly one identified child has them (twins stay apart: no guess)."""
    fallback = pl.col("id_anak").str.contains(FALLBACK_ID)
    known = (
        doses.filter(~fallback & pl.col("nik_ibu").is_not_null())
        .group_by("nik_ibu", "tgl_lahir").agg(_real=pl.col("id_anak").unique())
        .filter(pl.col("_real").list.len() == 1)
        .select("nik_ibu", "tgl_lahir", _real=pl.col("_real").list.first())
    )
    return (
        doses.join(known, on=["nik_ibu", "tgl_lahir"], how="left", maintain_order="left")
        .with_columns(id_anak=pl.when(fallback & pl.col("_real").is_not_null()).then("_real").otherwise("id_anak"))
        .drop("_real")
    )


def _own_person(screenings: pl.DataFrame) -> pl.DataFrame:
    """A screening without NIK is its own person: counted, never merged with another."""
    return screenings.with_row_index("_i").with_columns(
        nik=pl.coalesce("nik", pl.format("baris:{}", "_i"))).drop("_i")


def programme_events(family: str) -> list[str]:
    """The event indicators a line-list family feeds (derived ones are computed from them)."""
    return [ind.slug for ind in REGISTRY if ind.programme is PROGRAMME[family] and ind.kind is Kind.EVENT]


def recompute(merged: pl.DataFrame, family: str, wilayah: pl.DataFrame, sasaran: pl.DataFrame,
              laporan: pl.DataFrame, cfg: Settings, *, since: date) -> pl.DataFrame:
    """The family's event indicators from `since` on, for every desa, from the whole merged line
    list (INDIKATOR_BULANAN rows; derived indicators are left to the caller)."""
    rows = {"imunisasi_dosis": link_children, "ptm_skrining": _own_person}.get(family, lambda f: f)(merged)
    tables = {name: rows if name == family else schema.to_frame() for name, schema in LINE_LISTS.items()}
    tables |= {"sasaran": sasaran, "laporan": laporan}
    monthly = monthly_indicators(tables, wilayah, cfg, source_system=SOURCE_SYSTEM[family],
                                 programme=PROGRAMME[family])
    return monthly.filter(pl.col("period") >= since)

