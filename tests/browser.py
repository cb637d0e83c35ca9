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


@dataclass(frozen=True)
class Visit:
    """What opening a page did: every request Chromium made (seen by Playwright and, apart
    from it, in Chromium's own net log), every JavaScript dialog, every console message."""

    requests: tuple[str, ...]      # page/context requests, in order (the file itself first)
    net_log: tuple[str, ...]       # every URL in Chromium's net log (independent of Playwright)
    dialogs: tuple[str, ...]       # "alert: 1", "confirm: …" — any dialog means script ran
    console: tuple[str, ...]
    text: str


def visit(html: Path, work: Path) -> Visit:
    """Open ``html`` in headless Chromium with every request recorded, twice over: Playwright's
    request events (each refused after being recorded, so nothing leaves the machine) and
    Chromium's own net log (``--log-net-log``), which sees requests Playwright does not route
    (prefetches, the browser's own). Dialogs are recorded and dismissed; the page is given time
    to run its load handlers and lazy images (scrolled to the end)."""
    from playwright.sync_api import sync_playwright
    exe = need_chromium()
    net_log = work / "netlog.json"
    requests: list[str] = []
    dialogs: list[str] = []
    console: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=exe, args=[
            *ARGS, f"--log-net-log={net_log}", "--net-log-capture-mode=Everything"])
        try:
            context = browser.new_context()
            context.on("request", lambda r: requests.append(r.url))

            def refuse(route):
                if route.request.url.startswith(("file:", "data:")):
                    route.continue_()
                else:
                    route.abort()
            context.route("**/*", refuse)
            page = context.new_page()
            page.on("dialog", lambda d: (dialogs.append(f"{d.type}: {d.message}"),
                                         d.dismiss()))
            page.on("console", lambda m: console.append(f"{m.type}: {m.text}"))
            page.goto(html.resolve().as_uri())
            page.wait_for_load_state("load")
            page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
            page.wait_for_load_state("networkidle")
            text = page.evaluate("document.body.innerText")
        finally:
            browser.close()
    import re
    logged = tuple(dict.fromkeys(re.findall(r'"url":"([^"]+)"', net_log.read_text(
        encoding="utf-8", errors="replace")))) if net_log.exists() else ()
    return Visit(tuple(requests), logged, tuple(dialogs), tuple(console), text)
