"""Showing user-entered text safely inside Streamlit Markdown."""

from __future__ import annotations

import re

_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!|~<>&$:])")


def md_escape(text: object) -> str:
    """Text that Markdown shows literally: every character that could start emphasis, a link, an
    image (a request to another server), HTML or LaTeX is backslash-escaped; line breaks become spaces."""
    return _MARKDOWN.sub(r"\\\1", " ".join(str(text).split()))
