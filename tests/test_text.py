"""User text inside Markdown stays text."""

from components.text import md_escape


def test_markdown_specials_are_escaped():
    assert md_escape("![x](http://evil.example/a.png)") == r"\!\[x\]\(http\:\/\/evil\.example\/a\.png\)".replace(r"\/", "/")
    assert md_escape("<script>alert(1)</script>") == r"\<script\>alert\(1\)\</script\>"
    assert md_escape("**Bu Sri**\n# judul") == r"\*\*Bu Sri\*\* \# judul"
    assert md_escape("Desa Karang-anyar") == r"Desa Karang\-anyar"
