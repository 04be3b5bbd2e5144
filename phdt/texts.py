"""Every user-visible text, per language, from data files a Dinkes can correct without Python.

``locales/<language>/*.toml`` hold flat ``key = "text"`` pairs (and ``months``); a key lives in one
file only. The ``locales_dir`` setting may name a folder of the same shape whose texts replace
the app's: only known keys, with the same ``{placeholders}``, so a typo fails at start with the
file and key named instead of showing a wrong screen.

Domain code (``phdt/``) never writes a user-visible sentence in Python: its texts are keys of
``locales/<language>/domain.toml`` and ``messages.toml`` (errors and form checks). One mechanism everywhere:

* a message made before the reader's language is known is a :class:`Message` (key and values); it
  is a ``str`` whose value is the Bahasa Indonesia text (logs, the command line, old callers) and
  ``render(message, language)`` gives the reader's;
* an error shown to users is a :class:`UserError` (a ``ValueError``) carrying such a message, or
  any exception raised with a :class:`Message` as its argument (``FileRejected(Message(...))``,
  a store's ``NotFoundError``): ``render(error, language)`` renders both;
* a report built in bulk (the import validation) takes a ``language`` argument and writes its
  texts in it, ``pl.format`` templates included (``{}`` placeholders, same count per language).

``{kabupaten}`` in any text is the ``kabupaten`` setting unless given.
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
    """Named placeholders, and positional ones (``{}``, for ``pl.format``) as ``#0``, ``#1`` …"""
    found, positional = set(), 0
    for _, name, _, _ in string.Formatter().parse(text):
        if name:
            found.add(name)
        elif name == "":
            found.add(f"#{positional}")
            positional += 1
    return found


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
    """The text `key` in `language`, its ``{placeholders}`` filled from `values` (messages among
    them rendered in `language` too; ``{kabupaten}`` defaults to the setting)."""
    template = texts(language)[key]
    if "{kabupaten}" in template and "kabupaten" not in values:
        values["kabupaten"] = settings().kabupaten
    if not values:
        return template
    return template.format(**{name: render(value, language) for name, value in values.items()})


class Message(str):
    """A text by key and values, rendered later in the reader's language; as a ``str`` it is the
    Bahasa Indonesia text."""

    key: str
    values: dict[str, object]

    def __new__(cls, key: str, **values: object) -> Message:
        message = super().__new__(cls, text(DEFAULT_LANGUAGE, key, **values))
        message.key, message.values = key, values
        return message

    def render(self, language: str) -> str:
        return text(language, self.key, **self.values)


class UserError(ValueError):
    """An error whose message is shown to users: ``str(error)`` is Bahasa Indonesia,
    ``render(error, language)`` the reader's language."""

    def __init__(self, key: str, **values: object):
        self.text = Message(key, **values)
        super().__init__(str(self.text))

    def render(self, language: str) -> str:
        return self.text.render(language)


def render(value: object, language: str) -> str:
    """A message (:class:`Message`, :class:`UserError`, an exception raised with a Message, a list
    of messages) in `language`; anything else as ``str``."""
    if isinstance(value, Message | UserError):
        return value.render(language)
    if isinstance(value, BaseException) and len(value.args) == 1 and isinstance(value.args[0], Message):
        return value.args[0].render(language)
    if isinstance(value, list | tuple) and value and all(isinstance(v, Message) for v in value):
        return " ".join(v.render(language) for v in value)
    return str(value)
