"""Open an exported HTML report in headless Chromium (Debian's package, driven by Playwright
without any browser download) and measure what a reader sees."""
from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@dataclass(frozen=True)
class Seen:
    screenshot: Path
    title: str
    svg_boxes: list[dict]      # bounding boxes of every <svg> on the page, in CSS pixels
    images: list[dict]         # every <img>: naturalWidth/Height (0 when it did not load)
    text: str = ""             # document.body.innerText: what is rendered, not just present
    blocked: tuple[str, ...] = ()  # network requests refused (offline=True)


def need_chromium() -> str:
    """Chromium's path; in CI (where setup installs it) a missing browser is a failure."""
    if CHROMIUM is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed: scripts/setup.sh should have installed it")
        pytest.skip("chromium not installed (apt-get install chromium)")
    return CHROMIUM


def open_report(html: Path, screenshot: Path, *, width: int = 1280,
                offline: bool = False) -> Seen:
    """``offline``: every request that is not for the file itself is refused, as for a
    reader with no network (CDN scripts, fonts, widget managers)."""
    from playwright.sync_api import sync_playwright
    exe = need_chromium()
    blocked: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=exe, args=ARGS)
        try:
            context = browser.new_context(offline=offline)
            if offline:
                def refuse(route):
                    if route.request.url.startswith("file:") or route.request.url.startswith(
                            "data:"):
                        route.continue_()
                    else:
                        blocked.append(route.request.url)
                        route.abort()
                context.route("**/*", refuse)
            page = context.new_page()
            page.set_viewport_size({"width": width, "height": 1000})
            page.goto(html.resolve().as_uri())
            page.wait_for_load_state("load")
            boxes = [b for b in (el.bounding_box() for el in page.query_selector_all("svg")) if b]
            images = page.evaluate("Array.from(document.images).map(i => ({naturalWidth: "
                                   "i.naturalWidth, naturalHeight: i.naturalHeight}))")
            text = page.evaluate("document.body.innerText")
            page.screenshot(path=str(screenshot), full_page=True)
            return Seen(screenshot, page.title(), boxes, images, text, tuple(blocked))
        finally:
            browser.close()
