"""Hostile inputs shared by the app and browser tests: tampered links and injected names.

Each tampered link is (page, query, label): `label` is the setting the notice must name (None when the page
does not read that key, or Streamlit's own check drops it, so no notice is expected, only a working page).
"""

from __future__ import annotations

import re

NINES = "9" * 5000
PAGES = {"fb": "pages/forward_backward.py", "we": "pages/worked_example.py", "ls": "pages/loss_landscape.py",
         "vg": "pages/vanishing_gradients.py", "lessons": "pages/lessons.py"}
PAGE_PATHS = {"fb": "", "we": "worked-example", "ls": "loss-landscape", "vg": "vanishing-gradients",
              "lessons": "lessons"}

LINKS: list[tuple[str, dict, str | None]] = [
    ("fb", {"seed": "1e400"}, "Weight seed"),
    ("fb", {"dseed": "inf"}, "Data seed"),
    ("fb", {"seed": NINES}, "Weight seed"),
    ("fb", {"lesson": "²"}, "Lesson"),
    ("fb", {"lesson": NINES}, "Lesson"),
    ("fb", {"lesson": "13"}, "Lesson"),   # one past the last lesson
    ("fb", {"lr": ["0.1", "5"]}, "Learning rate"),
    ("fb", {"n": "nan"}, "Samples N"),
    ("fb", {"layers": "1e309"}, "Hidden layers"),
    ("fb", {"width": "-0"}, "Neurons per hidden layer"),
    ("fb", {"noise": "0x10"}, "Noise"),
    ("fb", {"test": "1_000"}, "Test fraction"),
    ("fb", {"iscale": "١٢"}, "Initial weight scale"),
    ("fb", {"lr": ""}, "Learning rate"),
    ("fb", {"biases": "1"}, "Train biases"),
    ("fb", {"act": "relu"}, "Hidden activation"),
    ("fb", {"ds": ["Two moons", "Circle (inside vs outside)", "nope"]}, "Dataset"),
    ("fb", {"init": "\x00"}, "Initialisation"),
    ("fb", {"batch": "Mini-batch", "bs": "3"}, "Batch size B"),
    ("fb", {"clip": "By value", "clipat": "1e-400"}, "Clip threshold"),
    ("fb", {"opt": "Adam", "beta2": "0.5"}, "Adam β₂"),
    ("fb", {"sched": "Step decay", "every": "5"}, "Decay every"),
    ("fb", {"decay": "NaN"}, "Decay γ"),
    ("fb", {"hide": "lr", "lr": "inf"}, "Learning rate"),
    ("fb", {"presenter": "maybe"}, None),
    ("fb", {"<img src=x onerror=alert(1)>": "1"}, "unknown setting"),
    ("fb", {"loss": "![p](http://127.0.0.1:9/p.png)"}, "Loss"),
    ("ls", {"seed": "inf"}, "Weight seed"),
    ("ls", {"lr": ["1e309", "0.1"]}, "Learning rate"),
    ("ls", {"layers": "6.5"}, "Hidden layers"),
    ("ls", {"n": "1e400"}, "Samples N"),
    ("ls", {"width": "16.0000001"}, "Neurons per hidden layer"),
    ("ls", {"dseed": NINES, "lesson": "²"}, "Data seed"),
    ("vg", {"vg_seed": "1e400"}, "Weight seed"),
    ("vg", {"vg_depth": "inf"}, "Hidden layers"),
    ("vg", {"vg_width": "3"}, "Neurons per hidden layer"),
    ("vg", {"vg_acts": "Bogus"}, "Activations"),
    ("vg", {"vg_acts": ["Tanh", "<b>x</b>"]}, "Activations"),
    ("vg", {"vg_lr": ["0.1", "5.0"]}, "Learning rate"),
    ("vg", {"vg_scale": "1e400"}, "Initial weights"),
    ("vg", {"vg_ds": "<script>alert(1)</script>"}, "Dataset"),
    ("vg", {"vg_view": "Bogus"}, "Details"),
    ("vg", {"vg_n": NINES}, "Samples N"),
    ("vg", {"vg_init": "Zeros (shows symmetry)"}, "Initialisation"),
    ("vg", {"vg_clip": "-1"}, "Clip gradient norm"),
    ("vg", {"vg_seed": "²"}, "Weight seed"),
    ("vg", {"vg_loss": "MSE"}, "Loss"),
    ("vg", {"vg_opt": ""}, "Optimizer"),
    ("vg", {"vg_depth": ["3", "4"], "vg_width": "8"}, "Hidden layers"),
    ("we", {"seed": "1e400"}, None),
    ("we", {"we_i1": "1e400", "lesson": "²"}, None),
    ("we", {"lr": ["0.1", "5"]}, None),
    ("lessons", {"lesson": NINES}, None),
    ("lessons", {"seed": "inf", "vg_seed": "1e400"}, None),
]

#: names a student could put in a CSV header, a file name or a shared experiment file
INJECTED = [
    "![p]({host}/pixel.png)", '<a href="{host}/x">CLICK</a>', r"$\rule{{3000px}}{{3000px}}$",
    "<img src={host}/img.png>", "[link]({host}/link)", "**bold** :red[red] :material/home:",
    "{host}/autolink", "%{{x}} <br>x</br>",
]


#: what an injected name may not leave in a message box: a link or image, HTML, math or an icon
UNESCAPED_MARKUP = re.compile(r"(?<!\\)(\]\(|<|\$|:material|https?:(?!\u2060))")


def injected(host: str) -> list[str]:
    """Return the injected names pointing at `host` (e.g. a loopback listener that counts requests)."""
    return [s.format(host=host) for s in INJECTED]


def _csv(*lines: str) -> str:
    return "\n".join(lines) + "\n"


GOOD_BODY = _csv("x,y,label", "1,2,0", "2,3,1", "3,1,1", "4,0,0", "5,5,1")
BIG_CELL = "1" * 140_000

#: malformed CSV files: name → (bytes, words the message must contain)
BAD_CSVS: dict[str, tuple[bytes, str]] = {
    "utf-16 without BOM": (GOOD_BODY.encode("utf-16-le"), "UTF-16 text without its byte-order mark"),
    "damaged utf-16": (b"\xff\xfe" + b"x\x00,\x00\x00\xd8", "damaged"),
    "xlsx": (b"PK\x03\x04" + bytes(200), "Excel workbook (.xlsx)"),
    "xls": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(200), "old Excel workbook"),
    "pdf": (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "PDF"),
    "cell over 128 KB": (_csv("a,b", f"{BIG_CELL},1", "2,0", "3,1", "4,0").encode(), "longer than 128 KB"),
    "header cell over 128 KB": (_csv(f"a{BIG_CELL},b", "1,0", "2,1", "3,1", "4,0").encode(), "longer than 128 KB"),
    "long column name": (_csv("a" * 300 + ",b", "1,0", "2,1", "3,1", "4,0").encode(), "characters long"),
    "underscore digits": (_csv("a,b", "1_000,0", "2,1", "3,1", "4,0").encode(), "digits 0–9"),
    "arabic-indic digits": (_csv("a,b", "١٢,0", "2,1", "3,1", "4,0").encode(), "digits 0–9"),
    "full-width digits": (_csv("a,b", "１２,0", "2,1", "3,1", "4,0").encode(), "digits 0–9"),
    "decimal comma": (_csv("a;b", "0,5;0", "1,5;1", "2,5;1", "3,5;0").encode(), "'.' for decimals"),
    "huge feature": (_csv("a,b,y", "1.7e308,1,0", "2,2,1", "3,3,1", "4,4,0").encode(), "reaches 1.7e+308"),
    "huge target": (_csv("a,y", "1,1e300", "2,2", "3,3", "4,5").encode(), "the target 'y' reaches 1e+300"),
    "huge negative feature": (_csv("a,b,y", "-1e200,1,0", "2,2,1", "3,3,1", "4,4,0").encode(), "divide the column"),
    "NUL in text": (b"a,b\n1,0\n2,\x001\n3,1\n4,0\n", "binary"),
    "infinity word": (_csv("a,b", "infinity,0", "2,1", "3,1", "4,0").encode(), "finite"),
    "minus inf": (_csv("a,b", "-inf,0", "2,1", "3,1", "4,0").encode(), "finite"),
    "NULL": (_csv("a,b", "NULL,0", "2,1", "3,1", "4,0").encode(), "missing"),
    "N/A": (_csv("a,b", "N/A,0", "2,1", "3,1", "4,0").encode(), "missing"),
    "whitespace cell": (_csv("a,b", "   ,0", "2,1", "3,1", "4,0").encode(), "missing"),
    "empty quotes": (_csv("a,b", '"",0', "2,1", "3,1", "4,0").encode(), "missing"),
    "quoted newline": (_csv("a,b", '"1', '2",0', "2,1", "3,1", "4,0").encode(), "not a number"),
    "unterminated quote": (_csv("a,b", '"1,0', "2,1", "3,1", "4,0").encode(), "cells"),
    "only a BOM": (b"\xef\xbb\xbf", "empty"),
    "blank name": (_csv("  ,b", "1,0", "2,1", "3,1", "4,0").encode(), "no name"),
    "duplicate after strip": (_csv("a, a,b", "1,2,0", "2,3,1", "3,4,1", "4,5,0").encode(), "twice"),
    "hex": (_csv("a,b", "0x10,0", "2,1", "3,1", "4,0").encode(), "not a number"),
    "two dots": (_csv("a,b", "1.2.3,0", "2,1", "3,1", "4,0").encode(), "not a number"),
    "currency": (_csv("a,b", "$5,0", "2,1", "3,1", "4,0").encode(), "not a number"),
    "percent": (_csv("a,b", "5%,0", "2,1", "3,1", "4,0").encode(), "not a number"),
    "boolean word": (_csv("a,b", "TRUE,0", "2,1", "3,1", "4,0").encode(), "not a number"),
    "date": (_csv("a,b", "2024-01-01,0", "2,1", "3,1", "4,0").encode(), "not a number"),
    "formula": (_csv("a,b", "=cmd|' /C calc'!A0,0", "2,1", "3,1", "4,0").encode(), "not a number"),
    "json file": (b'{"a": 1, "b": [1, 2, 3]}', "no data rows"),
    "text target": (_csv("a,b", "1,yes", "2,no", "3,yes", "4,no").encode(), "not a number"),
    "nan target": (_csv("a,b", "1,0", "2,nan", "3,1", "4,0").encode(), "missing"),
    "20 001 rows": (("a,y\n" + "1,0\n2,1\n" * 10_001).encode(), "more than 20,000 rows"),
    "65 columns": ((",".join(f"c{i}" for i in range(65)) + "\n" + ",".join("1" * 65) + "\n").encode(), "65 columns"),
    "over 5 MB": (b"a,b\n" + b"1,0\n" * 1_250_001, "the limit is 5 MB"),
    "cp1252 quotes": (b"\x93a\x94,b\n1,0\n2,1\n3,1\n4,0\n", "UTF-8"),
    "mixed delimiters": (_csv("a,b", "1,0", "2;1", "3,1", "4,0").encode(), "cells"),
    "trailing delimiter": (_csv("a,b,", "1,0,", "2,1,", "3,1,", "4,0,").encode(), "no name"),
    "semicolon header comma body": (_csv("a;b", "1,0", "2,1", "3,1", "4,0").encode(), "two columns"),
    "one data row": (_csv("a,b", "1,0").encode(), "at least 4"),
    "blank rows only": (b"a,b\n\n,\n  \n", "no data rows"),
    "single class": (_csv("a,y", "1,1", "2,1", "3,1", "4,1").encode(), "single class"),
    "constant feature": (_csv("a,b,y", "1,7,0", "2,7,1", "3,7,1", "4,7,0").encode(), "same value"),
    "script header": (b"<script>alert(1)</script>", "two columns"),
    "sep line only": (b"sep=;\n", "empty"),
}

#: unusual files that are fine and must load: name → (bytes, (rows, features))
GOOD_CSVS: dict[str, tuple[bytes, tuple[int, int]]] = {
    "CR-only line ends": (GOOD_BODY.replace("\n", "\r").encode(), (5, 2)),
    "CRLF line ends": (GOOD_BODY.replace("\n", "\r\n").encode(), (5, 2)),
    "UTF-16 LE with BOM (Excel Unicode Text)": (GOOD_BODY.replace(",", "\t").encode("utf-16"), (5, 2)),
    "UTF-16 BE with BOM": (b"\xfe\xff" + GOOD_BODY.encode("utf-16-be"), (5, 2)),
    "UTF-32 with BOM": (GOOD_BODY.encode("utf-32"), (5, 2)),
    "UTF-8 BOM": (b"\xef\xbb\xbf" + GOOD_BODY.encode(), (5, 2)),
    "sep=; line": (("sep=;\n" + GOOD_BODY.replace(",", ";")).encode(), (5, 2)),
    "sep=| line": (("SEP=|\r\n" + GOOD_BODY.replace(",", "|")).encode(), (5, 2)),
    "BOM and sep line": (("\ufeffsep=;\n" + GOOD_BODY.replace(",", ";")).encode(), (5, 2)),
    "blank lines between rows": (GOOD_BODY.replace("\n", "\n\n").encode(), (5, 2)),
    "signs and short decimals": (_csv("a,b", "+.5,0", "5.,1", "-1e-400,1", "2E3,0").encode(), (4, 1)),
    "emoji and markup names": (_csv("📈 <b>x</b>,![p](http://127.0.0.1:9/p.png),label", "1,2,0", "2,3,1", "3,1,1",
                                    "4,0,0").encode(), (4, 2)),
}
