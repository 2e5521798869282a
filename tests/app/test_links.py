"""Tampered links on every page: never an error box, a notice naming the bad setting, the URL cleaned, the page
still steps; in a running session a tampered link loses nothing."""

import re
import time

import pytest

from harness.apptest import new_app, open_page, shown, step_once, trainer_of, url_problems_left
from harness.corpus import LINKS
from ui.sidebar import URL_FIELDS
from ui.urlcheck import PRESENTER_URL, VANISHING_URL, check_values

FIELDS = {f.key: f for f in (*URL_FIELDS, *VANISHING_URL)}
BUDGET_S = 30  # one AppTest run of a page plus one Step, generous for a loaded machine





@pytest.mark.parametrize(("page", "query", "label"), LINKS, ids=[f"{p}-{i}" for i, (p, _, _) in enumerate(LINKS)])
def test_a_tampered_link_gives_a_notice_and_a_working_page(page, query, label):
    start = time.perf_counter()
    at = open_page(page, query)
    assert not at.exception, [e.value for e in at.exception]
    notices = [shown(w.value) for w in at.warning]
    if label is not None:
        assert any(label in n and "not understood" in n for n in notices), notices
    for text in notices:
        assert not re.search(r"<(script|img|a|b)\b", text) or "“" in text  # quoted as text, never as markup
    assert url_problems_left(at, page) == [], at.query_params
    step_once(at, page)
    assert not at.exception, [e.value for e in at.exception]
    assert not [e.value for e in at.error if "went wrong" in e.value]
    assert time.perf_counter() - start < BUDGET_S


def test_repeated_keys_the_last_one_counts_and_the_notice_says_so():
    at = open_page("fb", {"lr": ["0.1", "5"], "ds": ["Two moons", "Circle (inside vs outside)"]})
    notice = shown(at.warning[0].value)
    assert "Learning rate η is in the link 2 times; the last one, “5”, counts" in notice
    cfg = trainer_of(at).config
    assert cfg.lr == 5.0 and cfg.dataset == "circle"
    assert at.query_params["lr"] == "5"


def test_valid_values_are_respelled_the_widgets_way_without_a_notice():
    at = open_page("fb", {"lr": "0.10", "n": "100.0", "biases": "FALSE", "seed": " 7 "})
    assert not at.warning
    cfg = trainer_of(at).config
    assert (cfg.lr, cfg.n_samples, cfg.train_biases, cfg.seed) == (0.1, 100, False, 7)
    assert at.query_params["lr"] == "0.1" and at.query_params["n"] == "100"


def test_the_landscape_page_shows_the_link_notice_at_once():
    at = open_page("ls", {"seed": "inf"})
    assert "Weight seed" in shown(at.warning[0].value)


@pytest.fixture(scope="module")
def stepped():
    at = new_app().run()
    at.button(key="fb_step10").click().run()
    return at


@pytest.mark.parametrize("query", [q for p, q, _ in LINKS if p == "fb"], ids=range(len([p for p, *_ in LINKS
                                                                                         if p == "fb"])))
def test_a_tampered_link_in_a_running_session_loses_nothing(stepped, query):
    at = stepped
    trainer = trainer_of(at)
    at.query_params.clear()
    at.query_params.update(query)
    at.run()
    assert not at.exception
    assert trainer_of(at) is trainer and trainer.iteration == 10
    at.query_params.clear()


def test_the_vanishing_url_table_matches_the_page_widgets():
    at = open_page("vg", {})
    options = {
        "vg_acts": at.multiselect(key="vg_acts").options, "vg_init": at.selectbox(key="vg_init").options,
        "vg_ds": at.selectbox(key="vg_ds").options, "vg_loss": at.selectbox(key="vg_loss").options,
        "vg_opt": at.selectbox(key="vg_opt").options, "vg_scale": at.select_slider(key="vg_scale").options,
        "vg_lr": at.select_slider(key="vg_lr").options, "vg_clip": at.select_slider(key="vg_clip").options,
        "vg_view": at.button_group(key="vg_view").options,
    }
    for key, shown_options in options.items():
        labels = [getattr(o, "content", o) for o in shown_options]
        for label in labels:
            assert check_values(FIELDS[key], [label])[1] == [], (key, label)
        assert check_values(FIELDS[key], ["not an option"])[1], key
    for key in ("vg_depth", "vg_width", "vg_n"):
        s = at.slider(key=key)
        assert check_values(FIELDS[key], [str(s.min)])[1] == check_values(FIELDS[key], [str(s.max)])[1] == []
        assert check_values(FIELDS[key], [str(s.min - 1)])[1] and check_values(FIELDS[key], [str(s.max + 1)])[1]
    assert at.toggle(key="vg_bn").value is False
    assert [check_values(FIELDS["vg_bn"], [raw]) for raw in ("true", "false")] == [(["true"], []), (["false"], [])]
    assert check_values(FIELDS["vg_bn"], ["maybe"])[1]
    seed = at.number_input(key="vg_seed")
    assert check_values(FIELDS["vg_seed"], [str(seed.max)])[1] == [] and check_values(FIELDS["vg_seed"],
                                                                                     [str(seed.max + 1)])[1]


def test_the_presenter_flag_is_checked_like_the_other_settings():
    spelled = {raw: check_values(PRESENTER_URL, [raw]) for raw in ("true", "FALSE", "1", " on ", "no", "maybe", "")}
    assert {raw: kept for raw, (kept, _) in spelled.items()} == {
        "true": ["true"], "FALSE": ["false"], "1": ["true"], " on ": ["true"], "no": ["false"], "maybe": None,
        "": None}
    assert spelled["maybe"][1] == ["Presenter mode = “maybe”: must be true or false; using false"]
    assert check_values(PRESENTER_URL, ["true", "false"]) == (
        ["false"], ["Presenter mode is in the link 2 times; the last one, “false”, counts"])
