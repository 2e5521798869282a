"""AppTest helpers shared by the page tests and the corpus bench: open the app (or a page) with a query,
the session's trainer, a Step on any page, loading an experiment file, what a reader sees of escaped Markdown,
message boxes with markup left, URL problems left."""

from __future__ import annotations

import json
import re
from pathlib import Path

from streamlit.testing.v1 import AppTest

from harness.corpus import PAGES, UNESCAPED_MARKUP
from ui.keys import TRAINER_KEY
from ui.sidebar import URL_FIELDS
from ui.urlcheck import VANISHING_URL, check_values
from viz.text import WORD_JOINER

ROOT = Path(__file__).resolve().parents[1]
#: the URL keys each page reads (the worked example and the lessons read none)
READS = {"fb": URL_FIELDS, "ls": URL_FIELDS, "vg": VANISHING_URL, "we": (), "lessons": ()}


def new_app(query: dict | None = None) -> AppTest:
    """Return an AppTest of app.py (not yet run), with optional URL query parameters."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    for k, v in (query or {}).items():
        at.query_params[k] = v
    return at


def trainer_of(at: AppTest):
    """Return the session's shared Trainer."""
    return at.session_state[TRAINER_KEY]


def chart_specs(at: AppTest) -> dict[str, dict]:
    """Return {widget key: figure dict} of every chart drawn: st.plotly_chart and ui.live_chart ones (the hidden
    Plotly loader left out)."""
    specs = {c.proto.id.split("-")[-1]: json.loads(c.proto.spec) for c in at.get("plotly_chart")}
    for c in at.get("bidi_component"):
        if c.proto.component_name == "bpv_live_chart":
            specs[c.proto.id.split("-")[-1]] = json.loads(json.loads(c.proto.json)["figure"])
    specs.pop("bpv_plotly_loader", None)
    return specs


def shown(markdown: str) -> str:
    """Return what a reader sees of escaped Markdown (backslash escapes and word joiners removed)."""
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", markdown).replace(WORD_JOINER, "")


def load_experiment(at: AppTest, text: str | bytes, name: str = "experiment.json") -> AppTest:
    """Open the main page's "Save or load" expander and load `text` as an experiment file; return `at` run."""
    at.session_state["fb_saving"] = True
    at.run()
    data = text.encode() if isinstance(text, str) else text
    return at.file_uploader(key="fb_exp_load").set_value((name, data, "application/json")).run()


def boxes_with_markup(at: AppTest) -> list[str]:
    """Return the message boxes that still hold an unescaped link, image, HTML, math or icon."""
    return [box.value for box in (*at.success, *at.error, *at.warning, *at.info)
            if UNESCAPED_MARKUP.search(box.value)]


def open_page(page: str, query: dict):
    at = new_app(query)
    at.switch_page(PAGES[page])
    return at.run()


def step_once(at, page: str) -> None:
    """Press the page's Step (or its equivalent) and check it did one."""
    if page in ("fb", "ls"):
        before = trainer_of(at).iteration
        at.button(key=f"{page}_step").click().run()
        assert trainer_of(at).iteration == before + 1
    elif page == "vg":
        before = at.session_state["vg_comparison"].iteration
        at.button(key="vg_step").click().run()
        assert at.session_state["vg_comparison"].iteration == before + 1
    elif page == "we":
        at.number_input(key="we_n").set_value(5).run()
        at.button(key="we_run").click().run()
        assert at.session_state["we_train"][1].iteration == 5
    else:
        at.button(key="lesson_open_2_0").click().run()
        assert trainer_of(at).config.hidden == (2,)


def url_problems_left(at, page: str) -> list[str]:
    """Return the problems still in the URL with the keys the page reads."""
    fields = {f.key: f for f in READS[page]}
    left = []
    for key, value in at.query_params.items():
        if key in fields:
            left += check_values(fields[key], value if isinstance(value, list) else [value])[1]
    return left
