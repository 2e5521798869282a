"""The worked-example page in a real browser: the ∂E/∂w5 line shows the notes' number; screenshots."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from harness.browser import open_url
from tests.e2e.conftest import screenshot, wait_for_app

W5_SOURCE = r"\frac{\partial E}{\partial w_{5}} &="


def _rendered_block(page, tex_start: str):
    """Return the rendered KaTeX (visible part) of the one formula whose TeX source contains tex_start."""
    blocks = page.locator(".katex").filter(
        has=page.locator("annotation").filter(has_text=tex_start))
    blocks.first.wait_for()
    assert blocks.count() == 1
    return blocks.first.locator(".katex-html")


def _flat(text: str) -> str:
    """Return rendered KaTeX text without the line breaks and zero-width spaces KaTeX puts between boxes."""
    return "".join(text.replace("\u200b", "").split())


def _open_page(page, app_url: str, path: str) -> None:
    """Open app_url + path after the root (a fresh server's first deep link can show a spurious dialog)."""
    open_url(page, app_url)
    open_url(page, app_url + path)


@pytest.mark.e2e
def test_w5_line_shows_the_textbook_gradient(page, app_url):
    _open_page(page, app_url, "/worked-example")
    line = _rendered_block(page, W5_SOURCE)
    page.wait_for_selector(".st-key-we_network .js-plotly-plot")
    screenshot(page, "worked_example_top")
    line.scroll_into_view_if_needed()
    text = _flat(line.inner_text())
    assert "0.74136507⋅0.186815602⋅0.593269992=0.082167041" in text
    assert "0.35891648" in text
    page.get_by_text("3 · Backward pass, output layer").scroll_into_view_if_needed()
    screenshot(page, "worked_example_w5")

    page.locator(".st-key-we_biases label").click()
    wait_for_app(page)
    result = page.locator(".bpv-result").filter(has_text="E_total after the update")
    expect(result).to_contain_text("0.280471447")  # retries until the rerun has replaced the old value
