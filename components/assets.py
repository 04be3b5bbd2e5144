"""Third-party browser assets, served by Streamlit's static serving and installed from packages.

Leaflet comes from the ``XStatic-Leaflet`` wheel and is copied to ``static/vendor/leaflet`` at
start (git-ignored), so maps work with no request leaving the machine.
"""

from __future__ import annotations

import shutil

from phdt.config import ROOT

LEAFLET_DIR = ROOT / "static" / "vendor" / "leaflet"
LEAFLET_URL = "/app/static/vendor/leaflet"


def ensure_leaflet() -> None:
    """Copy Leaflet from the installed XStatic-Leaflet package into the static folder once."""
    if (LEAFLET_DIR / "leaflet.js").exists():
        return
    import xstatic.pkg.leaflet as xleaflet

    LEAFLET_DIR.parent.mkdir(parents=True, exist_ok=True)
    tmp = LEAFLET_DIR.with_name("leaflet.tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    shutil.copytree(xleaflet.BASE_DIR, tmp)
    shutil.rmtree(LEAFLET_DIR, ignore_errors=True)
    tmp.rename(LEAFLET_DIR)
