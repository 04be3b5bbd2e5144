"""Boundaries and spatial analysis (pure functions on geopandas; see geo.boundaries)."""

ATTRIBUTION = (  # as ../shared/geo/PROVENANCE.md asks; shown in every page footer
    "Batas wilayah: Badan Informasi Geospasial (BIG), via cahyadsn/wilayah_boundaries (MIT). "
    "Kode wilayah: Kepmendagri 300.2.2-2138/2025; titik desa: geografis (MIT) © OpenStreetMap contributors."
)
