"""Showing user-entered text safely inside Streamlit Markdown and HTML."""

from __future__ import annotations

import html
import re

# ':' and '.' break GFM's autolink literals (http://…, www.…); '@' its e-mail autolinks.
_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!|~<>&$:@])")

_LINKISH = re.compile(r"[\[\]():.@]")


def md_escape(text: object) -> str:
    """Text that Markdown shows literally: every character that could start emphasis, a link, an
    image (a request to another server), a bare-URL or e-mail autolink, HTML or LaTeX is
    backslash-escaped; line breaks become spaces."""
    return _MARKDOWN.sub(r"\\\1", " ".join(str(text).split()))


def html_text(text: object) -> str:
    """Text for inside an HTML block of ``st.markdown(..., unsafe_allow_html=True)``: escaped, on one
    line (a blank line would end the HTML block and let Markdown, links included, parse the rest), with
    what links are made of as character references, so not even a renderer that parses Markdown or
    autolinks inside HTML sees a link, an image or a URL."""
    return _LINKISH.sub(lambda m: f"&#{ord(m.group())};", html.escape(" ".join(str(text).split())))
