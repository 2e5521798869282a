"""Real browser: the Lessons page opens a lesson on the main page; presenter mode and a classroom link."""

import pytest

from tests.e2e.conftest import screenshot, wait_for_app
from ui.chrome import FONT_PX, PRESENTER_FONT_PX

pytestmark = pytest.mark.e2e


def test_open_a_lesson_from_the_lessons_page(page, app_url):
    page.goto(app_url + "/lessons")
    wait_for_app(page)
    assert page.locator("h3", has_text="10. MSE vs cross-entropy").count() == 1
    screenshot(page, "lessons")
    page.locator(".st-key-lesson_open_2_1 button").click()
    page.wait_for_selector("text=Lesson 2: XOR with a 2-2-1 sigmoid net", timeout=30_000)
    wait_for_app(page)
    for k in (10, 20, 30):
        page.locator(".st-key-fb_step10 button").click()
        page.wait_for_function(f"() => document.querySelector('.bpv-counter').innerText.includes('iteration {k} ')",
                               timeout=60_000)
        wait_for_app(page)
    # the URL now holds the lesson's settings, so it can be shared
    assert "seed=10" in page.url and "act=Sigmoid" in page.url and "lr=0.4" in page.url
    screenshot(page, "lesson_2_stuck")


def test_presenter_mode_and_classroom_link(page, app_url):
    page.goto(app_url + "/?presenter=true&hide=all&lesson=5&layers=6&width=8&act=Sigmoid&init=Standard+1%2F%E2%88%9An")
    wait_for_app(page)
    page.wait_for_function(
        "() => getComputedStyle(document.querySelector('[data-testid=stSidebar]')).display === 'none'")
    page.locator(".st-key-fb_step10 button").click()
    wait_for_app(page)
    page.wait_for_function("() => document.querySelector('.bpv-counter').innerText.includes('iteration 10 ')")
    font = page.evaluate("() => getComputedStyle(document.documentElement).fontSize")
    assert font == f"{PRESENTER_FONT_PX}px" and PRESENTER_FONT_PX > FONT_PX
    screenshot(page, "presenter_mode")
