"""viz/text: a user string shows as exactly its characters in Markdown, LaTeX and Plotly (the browser test checks
the rendering; these check the escaping rules and that nothing of the text is lost)."""

import html
import re
import string

from hypothesis import given
from hypothesis import strategies as st

from harness.corpus import injected
from viz.text import WORD_JOINER, latex_text, markdown_text, plain, plotly_text

NASTY = [*injected("http://127.0.0.1:9"), "a\\b", "{}^_~#&%$", "x\u202eevil", "tab\tnew\nline\r", "é ² ١٢ 😄",
         "&lt;b&gt; &#36;", "# h", "> q", "1. item", "|a|b|", "---", "\\(x\\)", "a@b.co www.x.org"]


def unescape_markdown(md: str) -> str:
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", md).replace(WORD_JOINER, "")


def test_plain_is_one_clean_line_cut_with_an_ellipsis():
    assert plain("a\tb\n\nc\r\x00d") == "a b c d"
    assert plain("x\u202eevil\u2066") == "xevil"
    assert plain("x" * 100) == "x" * 60 + "…"
    assert plain("x" * 100, limit=None) == "x" * 100
    assert plain(12) == "12"


@given(st.text())
def test_markdown_keeps_every_character_and_escapes_all_punctuation(text):
    md = markdown_text(text, limit=None)
    assert unescape_markdown(md) == plain(text, None)
    unescaped = re.sub(r"\\[!-/:-@\[-`{-~]", "", md)
    assert not set(unescaped) & set(string.punctuation)


def test_markdown_breaks_autolinks_and_icons():
    md = markdown_text("see http://x.org/a, www.x.org, a@b.co :material/home:")
    assert "http\\:" + WORD_JOINER + "\\/\\/" in md and "www" + WORD_JOINER in md and "@" + WORD_JOINER in md
    assert markdown_text("Restored exactly: iteration 4.").count(WORD_JOINER) == 0  # only where a link would be
    assert ":material/" not in md


@given(st.text())
def test_latex_is_one_text_group_without_dollars_or_commands(text):
    tex = latex_text(text, limit=None)
    assert tex.startswith(r"\text{") and tex.endswith("}") and "$" not in tex
    body = tex[len(r"\text{"):-1]
    # every backslash starts one of the spelled-out specials
    assert re.sub(r"\\(textbackslash|textdollar|textasciitilde|textasciicircum)\{\}|\\[{}&#_%]", "", body).count(
        "\\") == 0
    depth = 0
    for part in re.split(r"(\\[{}]|[{}])", body):
        depth += {"{": 1, "}": -1}.get(part, 0)
        assert depth >= 0
    assert depth == 0


def test_latex_spells_out_the_specials():
    assert latex_text("a_b$c") == r"\text{a\_b\textdollar{}c}"
    assert latex_text(r"$\rule{3000px}{3000px}$") == (r"\text{\textdollar{}\textbackslash{}rule\{3000px\}\{3000px\}"
                                                      r"\textdollar{}}")
    assert latex_text(":material/home:") == r"\text{{:}material/home{:}}"


@given(st.text())
def test_plotly_has_no_tags_no_math_no_templates_and_keeps_the_text(text):
    out = plotly_text(text, limit=None)
    assert not set(out) & set("<>$%")
    assert html.unescape(out) == plain(text, None)


def test_every_nasty_string_survives_each_destination():
    for s in NASTY:
        assert unescape_markdown(markdown_text(s, None)) == plain(s, None)
        assert html.unescape(plotly_text(s, None)) == plain(s, None)
        assert "<a" not in plotly_text(s) and "](" not in markdown_text(s)
