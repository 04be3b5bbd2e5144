"""Boundaries and spatial analysis (pure functions on geopandas; see geo.boundaries).

Their attribution, shown in every page footer as ../shared/geo/PROVENANCE.md asks, is the text
`attribution` of locales/<language>/domain.toml.
"""
