"""Make the README screenshots: serve the app, drive every page in Chromium, save PNGs in docs/.

Run: make screenshots    (or .venv/bin/python docs/screenshots.py loss_landscape … for some of them)
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402

from harness.browser import CHROMIUM, CHROMIUM_ARGS, start_server, stop_server, wait_for_app  # noqa: E402

OUT = ROOT / "docs"


def click(page, key: str, times: int = 1) -> None:
    """Click the button with Streamlit key `key` and wait for the rerun each time."""
    for _ in range(times):
        page.locator(f".st-key-{key} button").first.click()
        page.wait_for_timeout(300)
        wait_for_app(page)


def shot(page, name: str, width: int = 1600, height: int = 1500) -> None:
    """Save a screenshot of the top width × height pixels of the page."""
    if page.viewport_size != {"width": width, "height": height}:
        page.set_viewport_size({"width": width, "height": height})
    page.wait_for_timeout(1200)
    page.screenshot(path=str(OUT / f"{name}.png"))
    print("wrote", OUT / f"{name}.png")


def main(only: set[str]) -> None:
    """Write the screenshots named in `only` (all when empty)."""

    def wanted(name: str) -> bool:
        return not only or name in only

    proc, url = start_server()
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1600, "height": 1500})
            page.goto(url)
            wait_for_app(page)
            if wanted("forward_backward"):
                click(page, "fb_step10", 3)
                points = page.locator(".st-key-fb_net .scatterlayer .trace:has(path.point)").first
                box = points.locator("path.point").nth(3).bounding_box()
                page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
                page.wait_for_timeout(500)
                wait_for_app(page)
                shot(page, "forward_backward")
            for path, name, key, times in (("worked-example", "worked_example", None, 0),
                                            ("loss-landscape", "loss_landscape", "ls_step10", 12),
                                            ("vanishing-gradients", "vanishing_gradients", None, 0),
                                            ("lessons", "lessons", None, 0)):
                if not wanted(name):
                    continue
                page.goto(f"{url}/{path}")
                wait_for_app(page)
                if key:
                    click(page, key, times)
                shot(page, name)
            if wanted("presenter_mode"):
                # at a projector's 1280 × 720, where the stage is designed first
                page.set_viewport_size({"width": 1280, "height": 720})
                page.goto(url + "/?presenter=true&hide=all&lesson=5&layers=6&width=8&act=Sigmoid"
                          "&init=Standard+1%2F%E2%88%9An")
                wait_for_app(page)
                click(page, "fb_step10", 2)
                # the clicker walks the phases: forward h1 … h6, out, loss, backward out … h2 (13 presses)
                page.mouse.move(5, 700)
                for _ in range(13):
                    page.keyboard.press("PageDown")
                    page.wait_for_timeout(300)
                    wait_for_app(page)
                page.get_by_text("backward h2").first.wait_for()
                shot(page, "presenter_mode", 1280, 720)
            browser.close()
    finally:
        stop_server(proc)


if __name__ == "__main__":
    os.chdir(ROOT)
    main(set(sys.argv[1:]))
