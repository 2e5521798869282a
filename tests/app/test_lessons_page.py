"""Lessons page, presenter mode and classroom links that hide controls."""

import pytest

from harness.apptest import chart_specs
from tests.app.conftest import banner, new_app, trainer_of
from ui.lessons import LESSONS
from viz.network import NODE_TRACE

VARIANTS = [(lesson.number, i, v) for lesson in LESSONS for i, v in enumerate(lesson.variants or [None])]


def test_lessons_page_lists_all_lessons():
    at = new_app().run().switch_page("pages/lessons.py").run()
    assert not at.exception
    titles = [s.value for s in at.subheader]
    assert len(titles) == len(LESSONS) == 12 and titles[1].startswith("2. XOR")
    assert sum("?" in c.value for c in at.code) == sum(len(lesson.variants) for lesson in LESSONS)


@pytest.mark.parametrize(("number", "index", "variant"), VARIANTS)
def test_open_each_lesson(number, index, variant):
    at = new_app().run().switch_page("pages/lessons.py").run()
    at.button(key=f"lesson_open_{number}_{index}").click().run()
    assert not at.exception
    lesson = next(lesson for lesson in LESSONS if lesson.number == number)
    if variant is None:
        return  # the worked example opens its own page
    assert trainer_of(at).config == lesson.config(variant)
    assert f"Lesson {number}:" in banner(at)


def test_lesson_link_reproduces_the_settings():
    lesson = LESSONS[5]
    params = dict(p.split("=", 1) for p in lesson.query("η = 5").split("&"))
    from urllib.parse import unquote_plus

    at = new_app({k: unquote_plus(v) for k, v in params.items()}).run()
    assert not at.exception and not at.warning
    assert trainer_of(at).config == lesson.config("η = 5")
    assert "Lesson 6:" in banner(at)


def test_presenter_mode_makes_figures_bigger():
    normal = new_app().run()
    big = new_app({"presenter": "true"}).run()
    assert not big.exception and big.toggle(key="presenter").value is True
    nodes = [chart_specs(at)["fb_net"]["data"][NODE_TRACE] for at in (normal, big)]
    assert nodes[1]["marker"]["size"] > nodes[0]["marker"]["size"]
    assert nodes[1]["textfont"]["size"] >= 18  # numbers on the nodes readable from the back of the room


def test_classroom_link_hides_chosen_controls():
    at = new_app({"hide": "lr,batch,csv", "lr": "0.1"}).run()
    assert not at.exception
    keys = {w.key for w in at.sidebar.select_slider} | {w.key for w in at.sidebar.radio}
    assert "lr" not in keys and "batch" not in keys
    assert not [u for u in at.file_uploader]
    assert trainer_of(at).config.lr == 0.1  # the hidden control still takes the link's value
