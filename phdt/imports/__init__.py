"""Monthly data import: uploaded files in, canonical tables out."""
