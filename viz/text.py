"""User strings (file, dataset, column and class names, JSON keys, messages quoting them) as text, never markup.

One function per destination, each returning a string that shows exactly the user's characters there:
Streamlit Markdown (st.markdown, st.error, st.success… also render images, links, $math$, :icons:),
LaTeX (st.latex or $…$) and Plotly text (titles, labels, legends, hover: Plotly renders <a href>, <b>, <br>).
Pure Python, so viz and ui both use it.
"""

from __future__ import annotations

import html
import re
import string
import unicodedata

NAME_LIMIT = 60         #: characters of a name shown before "…"
MESSAGE_LIMIT = 600     #: characters of a message (which may quote names and cells) shown before "…"
_ASCII_PUNCTUATION = frozenset(string.punctuation)
WORD_JOINER = "\u2060"
#: GFM turns http://…, www.… and a@b.c into links even when escaped; an invisible word joiner inside breaks them
_AUTOLINK = re.compile(r"(?i)(?<=:)(?=//)|(?<=www)(?=\.)|(?<=@)")
_BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_TEX_SPECIAL = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "$": r"\textdollar{}", "&": r"\&", "#": r"\#",
                "_": r"\_", "%": r"\%", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
                ":": "{:}"}  # {:} so Streamlit's :icon: shortcodes, which it expands even inside math, never match


def plain(text: object, limit: int | None = NAME_LIMIT) -> str:
    """Return text on one line: control and bidi-override characters dropped, whitespace runs as one space,
    cut to `limit` characters with "…" (None: no limit)."""
    chars = []
    for ch in str(text):
        if ch in _BIDI_CONTROLS:
            continue
        if ch.isspace() or unicodedata.category(ch) == "Cc":
            ch = " "
        if ch == " " and chars and chars[-1] == " ":
            continue
        chars.append(ch)
        if limit is not None and len(chars) > limit:
            break
    out = "".join(chars).strip()
    return out if limit is None or len(out) <= limit else out[:limit].rstrip() + "…"


def markdown_text(text: object, limit: int | None = NAME_LIMIT) -> str:
    """Return text for Streamlit Markdown: every ASCII punctuation mark backslash-escaped (no links, images,
    emphasis, $math$, :icons: or HTML), autolinks broken by an invisible word joiner (in ://, www. and after @ only)."""
    broken = _AUTOLINK.sub(WORD_JOINER, plain(text, limit))
    return "".join("\\" + ch if ch in _ASCII_PUNCTUATION else ch for ch in broken)


def latex_text(text: object, limit: int | None = NAME_LIMIT) -> str:
    r"""Return text as a LaTeX (KaTeX) \text{…} group, TeX's special characters spelled out (no commands, no $)."""
    return r"\text{" + "".join(_TEX_SPECIAL.get(ch, ch) for ch in plain(text, limit)) + "}"


def plotly_text(text: object, limit: int | None = NAME_LIMIT) -> str:
    """Return text for Plotly (titles, annotations, legend names, hover text): <, >, & as entities (no tags,
    no links), $ and % as entities too (no MathJax, no %{…} template fields)."""
    escaped = html.escape(plain(text, limit), quote=False)
    return escaped.replace("$", "&#36;").replace("%", "&#37;")

