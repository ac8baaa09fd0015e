"""Driving Debian's chromium with Playwright (never `playwright install`): the launch flags,
screenshots into the test artefacts, and the axe-core accessibility check."""

from __future__ import annotations

import asyncio
import os
import re
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

from playwright.sync_api import Browser, BrowserContext, Page, Playwright

CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ROOT = Path(__file__).resolve().parents[2]
ARTEFACTS = Path(os.environ.get("PHONEBRIDGE_TEST_ARTEFACTS", ROOT / "tmp" / "artefacts")) / "web"
AXE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text("utf-8")
DESKTOP = {"width": 1100, "height": 900}
PHONE = {"width": 360, "height": 740}
T = TypeVar("T")


def off_loop(work: Callable[[], T]) -> T:
    """Run ``work`` in a thread of its own: Playwright's sync API keeps an event loop running
    in this one, so asyncio.run (and Alembic, which calls it) cannot run here."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(work).result()


def run_async(make: Callable[[], Coroutine[Any, Any, T]]) -> T:
    return off_loop(lambda: asyncio.run(make()))


def launch(playwright: Playwright) -> Browser:
    """Playwright starts chromium with a fresh temporary user-data dir of its own."""
    if not Path(CHROMIUM).exists():
        raise RuntimeError(
            f"{CHROMIUM} is missing: run scripts/install-system-deps (Debian chromium)"
        )
    return playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)


def person(browser: Browser, base_url: str, *, locale: str = "en-US", phone: bool = False) -> Page:
    """One person's browser: a context of their own (cookies apart), on a desktop or a phone."""
    context: BrowserContext = browser.new_context(
        base_url=base_url,
        locale=locale,
        viewport=PHONE if phone else DESKTOP,
        device_scale_factor=1,
    )
    context.set_default_timeout(15_000)  # a busy 2-core machine; waits, not assertions
    page = context.new_page()
    problems: list[str] = []
    page.on(
        "console",
        lambda m: problems.append(m.text) if m.type in {"error", "warning"} else None,
    )
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.problems = problems  # type: ignore[attr-defined]
    return page


def console_problems(page: Page) -> list[str]:
    """Console errors (a CSP violation is one) and uncaught script errors so far."""
    found: list[str] = page.problems  # type: ignore[attr-defined]
    return list(found)


def shot(page: Page, name: str) -> Path:
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTEFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """Serious and critical axe-core violations on the page as it is now. The script is run
    through the DevTools protocol, which the page's CSP does not govern."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE + "\n;true")
    result: list[dict[str, Any]] = page.evaluate(
        """async () => {
            const r = await axe.run(document, {resultTypes: ["violations"]});
            return r.violations
                .filter(v => v.impact === "serious" || v.impact === "critical")
                .map(v => ({id: v.id, impact: v.impact, help: v.help,
                            nodes: v.nodes.map(n => n.target.join(" ")).slice(0, 5)}));
        }"""
    )
    return result


def no_overflow(page: Page) -> bool:
    """Nothing wider than the viewport (tables scroll inside their own region)."""
    width: bool = page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    return width


def text_of(page: Page) -> str:
    return re.sub(r"\s+", " ", page.inner_text("body"))
