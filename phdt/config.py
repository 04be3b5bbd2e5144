"""Settings a Dinkes must be able to confirm or change without touching code.

Defaults follow ../shared/domain/INDICATORS.md and purbalingga_facts.md; values marked
*unverified* there are defaults, not facts. Override any of them with a TOML file named
in ``PHDT_CONFIG`` (see ``config/example.toml``).
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field, fields, replace
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FILE_STEM = re.compile(r"[a-z0-9_-]+")  # boundary_files: a bare file stem, no path or suffix


class ConfigError(ValueError):
    """A configuration value is missing, unknown or out of range."""


@dataclass(frozen=True)
class Settings:
    # Sasaran estimation (Pedoman PWS KIA proxy formulas; unverified).
    cbr_per_1000: float = 14.0
    imr_per_1000: float = 9.7
    bumil_factor: float = 1.10
    bersalin_factor: float = 1.05
    baduta_factor: float = 1.0
    share_15_plus: float = 0.7664
    share_15_59: float = 0.64
    hipertensi_prevalence: float = 0.364
    dm_prevalence: float = 0.021
    # Immunization.
    uci_threshold: float = 0.80
    idl_components: tuple[str, ...] = ("hb0", "bcg", "dpt1", "dpt2", "dpt3", "polio1", "polio2", "polio3", "polio4", "mr1")
    # Indicator targets in percent, keyed by indicator slug; unlisted ones keep the registry default.
    targets: dict[str, float] = field(default_factory=dict)
    # Where things live.
    data_dir: Path = ROOT / "var" / "data"
    geo_cache_dir: Path = ROOT / "var" / "geo"
    geo_dir: Path | None = None
    # Follow-up actions (rencana tindak lanjut) and Dojo sessions with their notes: an SQLite file outside git.
    actions_db: Path = ROOT / "var" / "phdt.sqlite"
    # The Data page (imports, restores) asks for this password; empty = the page is switched off.
    # Prefer the PHDT_ADMIN_PASSWORD environment variable to keeping it in a file.
    admin_password: str = ""
    max_upload_mb: int = 20
    # Uploaded line lists (NIK, names) are kept this many days after their import, then deleted;
    # the aggregated tables stay. 0 deletes them at the next import.
    line_list_retention_days: int = 90
    # Boundary files in geo_dir are <boundary_files>_kecamatan / <boundary_files>_desa (.geojson, .gpkg
    # or .zip): "purbalingga" for the district, "jateng" for the Jawa Tengah province benchmark.
    boundary_files: str = "purbalingga"
    # Dojo (default, unverified: confirm with the Dinkes). A puskesmas whose data-quality score this month
    # is below dojo_min_quality is shown but not ranked; counts below suppress_below are shown as
    # "<5" in views shared between puskesmas (0 switches suppression off).
    dojo_min_quality: float = 95.0
    suppress_below: int = 5
    demo_seed: int = 20251231
    # A folder of corrected texts (<folder>/id/*.toml, <folder>/en/*.toml: keys of locales/), or none.
    locales_dir: Path | None = None

    @property
    def profiles_dir(self) -> Path:
        """Saved column mappings of the importer, beside the dataset folder."""
        return self.data_dir.with_name(f"{self.data_dir.name}-profiles")

    def __post_init__(self) -> None:
        for name in ("cbr_per_1000", "imr_per_1000", "bumil_factor", "bersalin_factor"):
            if getattr(self, name) <= 0:
                raise ConfigError(f"{name} must be positive, got {getattr(self, name)}")
        for name in ("share_15_plus", "share_15_59", "hipertensi_prevalence", "dm_prevalence", "uci_threshold"):
            if not 0 < getattr(self, name) <= 1:
                raise ConfigError(f"{name} must be a share between 0 and 1, got {getattr(self, name)}")
        if not isinstance(self.boundary_files, str) or not FILE_STEM.fullmatch(self.boundary_files):
            raise ConfigError(
                f"boundary_files must be a file stem of lowercase letters, digits, '_' or '-' (such as "
                f"'purbalingga' or 'jateng'; no folder or suffix), got {self.boundary_files!r}"
            )
        if not 1 <= self.max_upload_mb <= 200:
            raise ConfigError(f"max_upload_mb must be 1-200, got {self.max_upload_mb}")
        if not 0 <= self.dojo_min_quality <= 100:
            raise ConfigError(f"dojo_min_quality must be a score 0-100, got {self.dojo_min_quality}")
        if not 0 <= self.suppress_below <= 100:
            raise ConfigError(f"suppress_below must be a count 0-100 (0 = off), got {self.suppress_below}")
        for slug, value in self.targets.items():
            if not 0 <= value <= 100:
                raise ConfigError(f"target for {slug} must be a percentage 0-100, got {value}")


def _from_toml(path: Path) -> dict:
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(f"PHDT_CONFIG points to {path}, which does not exist") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}") from exc
    known = {f.name for f in fields(Settings)}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise ConfigError(f"{path}: unknown setting(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")
    for key in ("data_dir", "geo_cache_dir", "geo_dir", "actions_db", "locales_dir"):
        if key in raw:
            raw[key] = (path.parent / raw[key]).resolve()
    if "idl_components" in raw:
        raw["idl_components"] = tuple(raw["idl_components"])
    return raw


@cache
def settings() -> Settings:
    """Settings from defaults, the optional ``PHDT_CONFIG`` TOML file, then ``PHDT_GEO_DIR``,
    ``PHDT_DATA_DIR``, ``PHDT_ACTIONS_DB`` and ``PHDT_ADMIN_PASSWORD``."""
    values: dict = {}
    if config_path := os.environ.get("PHDT_CONFIG"):
        values.update(_from_toml(Path(config_path)))
    base = Settings(**values)
    if geo_dir := os.environ.get("PHDT_GEO_DIR"):
        base = replace(base, geo_dir=Path(geo_dir).resolve())
    if data_dir := os.environ.get("PHDT_DATA_DIR"):
        base = replace(base, data_dir=Path(data_dir).resolve())
    if actions_db := os.environ.get("PHDT_ACTIONS_DB"):
        base = replace(base, actions_db=Path(actions_db).resolve())
    if password := os.environ.get("PHDT_ADMIN_PASSWORD"):
        base = replace(base, admin_password=password)
    return base
