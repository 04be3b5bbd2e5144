"""Every user text reaches the page as text: an image, a link, a bare URL, an e-mail address or HTML
typed into a Dojo session, a note, a theater script or a follow-up action forms no link or image
(an image would make every viewer's browser fetch it from another server)."""

from __future__ import annotations

import re
from datetime import date

import pytest

from components.text import html_text, md_escape
from phdt import critique, theater
from tests.helpers import open_page, user

IMAGE = "![x](http://evil.example/x.png)"
URL = "lihat http://evil.example/a dan www.evil.example"
MAIL = "tulis ke mata@evil.example"
HTML = "<img src=http://evil.example/i.png>"
HOSTILE = (IMAGE, URL, MAIL, HTML)
# What Markdown (GFM) turns into a link, an image or an element; a backslash before it keeps it text.
LIVE = re.compile(r"(?<!\\)!(?<!\\)\[|(?<!\\)\]\(|https?://|www\.evil|(?<!\\)<img|(?<!\\)@evil")


def live_text(at) -> list[str]:
    """Every text element of the page that carries the hostile host in a form Markdown would link."""
    elements = [*at.markdown, *at.caption, *at.subheader, *at.header, *at.title, *at.error, *at.warning,
                *at.info, *at.success]
    values = [str(e.value) for e in elements]
    assert any("evil" in v for v in values), "the hostile text is not shown at all"
    return [v for v in values if "evil" in v and LIVE.search(v)]


@pytest.mark.parametrize("text", HOSTILE)
def test_md_escape_and_html_text_leave_nothing_markdown_would_link(text):
    assert not LIVE.search(md_escape(text))
    assert not LIVE.search(html_text(text)) and "<" not in html_text(text)
    assert "\n" not in html_text("a\n\nhttp://evil.example")


def test_a_dojo_session_and_its_notes_are_shown_as_text(store):
    session_id = critique.create_session(store, f"Dojo {URL}", "2025-12", ["anc_k6"], ["Rembang", "Bukateja"],
                                        user(name=IMAGE))  # an account's name is user text too
    for text, author in ((IMAGE, HTML), (URL, MAIL)):
        critique.add_note(store, session_id, "Rembang", "Bukateja", user(name=author), "saran", text)
    for section in ("sesi", "ringkasan"):
        at = open_page("dojo_page", dojo=section, sesi=str(session_id), indikator="anc_k6", periode="2025-12")
        assert not at.exception
        assert live_text(at) == []


def test_a_theater_script_is_shown_as_text(store):
    views = [theater.View("/bupati", f"{IMAGE} {URL}", f"{HTML} {MAIL}")]
    script_id = theater.save(store, "Naskah", views, user(name=HTML), lambda link: None)
    at = open_page("teater_page", periode="2025-12", naskah=str(script_id), langkah="1")
    assert not at.exception
    assert live_text(at) == []


def test_an_action_in_the_review_meeting_is_shown_as_text(store):
    store.add({"puskesmas": "Kemangkon", "period": date(2025, 12, 1), "masalah": IMAGE, "penyebab": URL,
               "rtl": HTML, "penanggung_jawab": MAIL, "tenggat": date(2025, 12, 31), "status": "berjalan"},
              user(name=IMAGE))
    at = open_page("puskesmas_page", puskesmas="Kemangkon", bagian="rtl", periode="2025-12")
    assert not at.exception
    values = [str(e.value) for e in [*at.markdown, *at.caption, *at.error, *at.warning, *at.info, *at.success]]
    assert not [v for v in values if "evil" in v and LIVE.search(v)]
