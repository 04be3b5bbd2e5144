"""Every user-visible text, per language, from data files a Dinkes can correct without Python.

``locales/<language>/*.toml`` hold flat ``key = "text"`` pairs (and ``months``); a key lives in one
file only. The ``locales_dir`` setting may name a folder of the same shape whose texts replace
the app's: only known keys, with the same ``{placeholders}``, so a typo fails at start with the
file and key named instead of showing a wrong screen.
"""

from __future__ import annotations

import string
import tomllib
from functools import cache
from pathlib import Path

from phdt.config import ROOT, ConfigError, settings

LANGUAGES = {"id": "Bahasa Indonesia", "en": "English"}
DEFAULT_LANGUAGE = "id"
LOCALES = ROOT / "locales"


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def _read_folder(folder: Path) -> dict[str, tuple[object, Path]]:
    """Every key of the folder's TOML files, with the file it comes from."""
    found: dict[str, tuple[object, Path]] = {}
    for path in sorted(folder.glob("*.toml")):
        try:
            values = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"{path}: not a valid TOML text file ({exc})") from exc
        for key, value in values.items():
            if key in found:
                raise ConfigError(f"{path}: key {key!r} is already defined in {found[key][1]}")
            found[key] = (value, path)
    return found


@cache
def texts(language: str) -> dict[str, object]:
    """All texts of `language`, the override folder's applied (read once per process)."""
    if language not in LANGUAGES:
        raise ValueError(f"unknown language {language!r}; use one of {', '.join(LANGUAGES)}")
    base = {key: value for key, (value, _) in _read_folder(LOCALES / language).items()}
    override = settings().locales_dir
    if override is not None:
        for key, (value, path) in _read_folder(Path(override) / language).items():
            if key not in base:
                raise ConfigError(f"{path}: unknown text key {key!r} (a typo? see {LOCALES / language})")
            if not isinstance(value, type(base[key])) or (
                    isinstance(value, str) and placeholders(value) != placeholders(base[key])):
                raise ConfigError(f"{path}: {key!r} must keep the placeholders {sorted(placeholders(base[key]))}")
            base[key] = value
    return base


def text(language: str, key: str, **values: object) -> str:
    """The text `key` in `language`, its ``{placeholders}`` filled from `values`."""
    template = texts(language)[key]
    return template.format(**values) if values else template
