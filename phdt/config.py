"""Settings a Dinkes must be able to confirm or change without touching code.

Defaults follow ../shared/domain/INDICATORS.md and purbalingga_facts.md; values marked
*unverified* there are defaults, not facts. Override any of them with a TOML file named
in ``PHDT_CONFIG`` (see ``config/example.toml``).
"""

from __future__ import annotations

import difflib
import os
import re
import tomllib
import types
import typing
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
    # Accounts (phdt.accounts): a sign-in lasts this many hours in a browser. With public_read the
    # aggregate pages are open without signing in (a public screen); writes and names still need an account.
    session_hours: int = 12
    public_read: bool = False
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
    # The kabupaten/kota the dataset covers, as shown in titles, the briefing and slide sources.
    kabupaten: str = "Purbalingga"

    @property
    def profiles_dir(self) -> Path:
        """Saved column mappings of the importer, beside the dataset folder."""
        return self.data_dir.with_name(f"{self.data_dir.name}-profiles")

    def __post_init__(self) -> None:
        _check_types(self)
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
        if not 1 <= self.session_hours <= 24 * 30:
            raise ConfigError(f"session_hours must be 1-720 hours, got {self.session_hours}")
        if not 1 <= self.max_upload_mb <= 200:
            raise ConfigError(f"max_upload_mb must be 1-200, got {self.max_upload_mb}")
        if not 0 <= self.dojo_min_quality <= 100:
            raise ConfigError(f"dojo_min_quality must be a score 0-100, got {self.dojo_min_quality}")
        if not 0 <= self.suppress_below <= 100:
            raise ConfigError(f"suppress_below must be a count 0-100 (0 = off), got {self.suppress_below}")
        for name in ("baduta_factor",):
            if getattr(self, name) <= 0:
                raise ConfigError(f"{name} must be positive, got {getattr(self, name)}")
        if self.line_list_retention_days < 0:
            raise ConfigError(f"line_list_retention_days must be 0 or more days, got {self.line_list_retention_days}")
        if not self.kabupaten.strip():
            raise ConfigError("kabupaten must name the kabupaten/kota (such as 'Purbalingga'), got an empty text")
        _check_idl(self.idl_components)
        _check_targets(self.targets)


def _allowed(value: str, allowed: list[str]) -> str:
    """' — did you mean x?' for a near miss (case first), else the allowed values."""
    close = [a for a in allowed if a.lower() == value.lower()] or difflib.get_close_matches(value, allowed, n=1)
    return f" — did you mean {close[0]}?" if close else f"; allowed: {', '.join(allowed)}"


def _check_idl(components: tuple[str, ...]) -> None:
    from phdt.schema import ANTIGENS  # phdt.schema reads the settings: imported when they are checked

    for name in components:
        if name not in ANTIGENS:
            raise ConfigError(f"idl_components: unknown antigen {name!r}{_allowed(name, list(ANTIGENS))}")
    if not components or len(set(components)) != len(components):
        raise ConfigError(f"idl_components must list distinct antigens of {', '.join(ANTIGENS)}, "
                          f"got {list(components)}")


def _check_targets(targets: dict[str, float]) -> None:
    from phdt.indicators import INDICATORS  # imports this module: imported when the settings are checked

    for slug, value in targets.items():
        if slug not in INDICATORS:
            raise ConfigError(f"[targets] {slug}: unknown indicator{_allowed(slug, sorted(INDICATORS))}")
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigError(f"[targets] {slug} must be a number (percent), got {value!r}")
        if not 0 <= value <= 100:
            raise ConfigError(f"target for {slug} must be a percentage 0-100, got {value}")


def _kind(annotation: object) -> tuple[type, ...]:
    """The value types a field accepts (an int is a float; a bool is neither)."""
    hint = typing.get_type_hints(Settings)[annotation] if isinstance(annotation, str) else annotation
    kinds = typing.get_args(hint) if isinstance(hint, types.UnionType) else (hint,)
    out: list[type] = []
    for kind in kinds:
        origin = typing.get_origin(kind) or kind
        out += [int, float] if origin is float else [type(None) if kind is None else origin]
    return tuple(out)


TYPE_NAMES = {bool: "true or false", int: "a whole number", float: "a number", str: "a text in quotes",
              Path: "a path in quotes",
              tuple: "a list", dict: "a table", type(None): "absent"}


def _check_types(cfg: Settings) -> None:
    """Every setting of the type its default has, named with the key (not a bare TypeError later)."""
    for f in fields(cfg):
        if f.name == "boundary_files":  # checked below, with the allowed form named
            continue
        value, kinds = getattr(cfg, f.name), _kind(f.name)
        if (isinstance(value, bool) and bool not in kinds) or not isinstance(value, kinds):
            allowed = " or ".join(dict.fromkeys(TYPE_NAMES[k] for k in kinds if k is not int or float not in kinds))
            raise ConfigError(f"{f.name} must be {allowed}, got {value!r} ({type(value).__name__})")
        if f.name == "idl_components" and not all(isinstance(v, str) for v in value):
            raise ConfigError(f"idl_components must be a list of antigen names in quotes, got {list(value)!r}")


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
            if not isinstance(raw[key], str):
                raise ConfigError(f"{path}: {key} must be a path in quotes, got {raw[key]!r}")
            raw[key] = (path.parent / raw[key]).resolve()
    if "idl_components" in raw:
        if not isinstance(raw["idl_components"], list):
            raise ConfigError(f"{path}: idl_components must be a list such as [\"hb0\", \"bcg\"], "
                              f"got {raw['idl_components']!r}")
        raw["idl_components"] = tuple(raw["idl_components"])
    try:
        Settings(**raw)
    except ConfigError as exc:
        raise ConfigError(f"{path}: {exc}") from None
    return raw


@cache
def settings() -> Settings:
    """Settings from defaults, the optional ``PHDT_CONFIG`` TOML file, then ``PHDT_GEO_DIR``,
    ``PHDT_DATA_DIR`` and ``PHDT_ACTIONS_DB``."""
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
    return base
