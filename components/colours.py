"""The colour of each status class, shared by maps, tables, charts and legends."""

from __future__ import annotations

from phdt.indicators import Colour

FILL = {
    Colour.GREEN: "#1a9850",
    Colour.YELLOW: "#f5c400",
    Colour.RED: "#d73027",
    Colour.FLAG: "#7b3294",
    Colour.NO_DATA: "#bdbdbd",
}
TARGET_LINE = "#444444"
VALUE_LINE = "#1f5fa8"
LAST_YEAR_LINE = "#9bb7d4"
GAP_BAR = "#d73027"
DROPOUT_CATEGORY_COLOURS = {1: "#1a9850", 2: "#f5c400", 3: "#fc8d59", 4: "#d73027"}
# PWS desa status: above/below the linear target x rising/falling (green, yellow, orange, red).
PWS_STATUS = {"baik": "#1a9850", "kurang": "#f5c400", "cukup": "#fc8d59", "jelek": "#d73027"}
