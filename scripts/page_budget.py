#!/usr/bin/env python
"""The web page's first-load budget, measured in Debian's chromium (Playwright, no download):
bytes transferred (≤ 100 KB) and time to interactive (≤ 1 s) for the first page anyone sees
(sign-in) and the two heaviest signed-in pages (phonebook, grant matrix), cold cache each time.

    PYTHONPATH=. python scripts/page_budget.py [--runs 5]

It starts `phonebridge serve` on a free port with a throwaway SQLite database, seeds one
person with a card, circles and contacts, and prints the median of each figure. Time to
interactive is the latest of: the load event, the moment app.js has wired the page up (its
`pb-ready` mark), and the end of the last long task (>50 ms) on the main thread — the
Lighthouse definition without network quiet. Exit status 1 when a budget is exceeded."""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

BYTES_BUDGET = 100 * 1024
TTI_BUDGET_MS = 1000.0
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
LONG_TASKS = """
window.__longTaskEnd = 0;
new PerformanceObserver(list => {
  for (const t of list.getEntries())
    window.__longTaskEnd = Math.max(window.__longTaskEnd, t.startTime + t.duration);
}).observe({type: "longtask", buffered: true});
"""
PASSWORD = "budget password"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def call(base: str, method: str, path: str, token: str | None = None, body: object = None) -> dict:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + path, data=data, method=method)
    request.add_header("content-type", "application/json")
    if token:
        request.add_header("authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, timeout=30) as response:
        raw = response.read()
    return json.loads(raw) if raw else {}


def seed(base: str) -> str:
    """One person with a full card and circles, and ten people sharing with them."""
    me = call(
        base,
        "POST",
        "/v1/accounts",
        body={"name": "Dana Lee", "phone": "+12025550150", "password": PASSWORD},
    )
    token = me["token"]
    circles = [
        call(base, "POST", "/v1/me/circles", token, {"name": n})["id"]
        for n in ("Family", "Work", "Clients")
    ]
    family, work, clients = circles
    card = [
        ("phone", "mobile", "+12025550151", {family: "visible", work: "callable"}),
        ("phone", "office", "+12025550152", {work: "visible", clients: "callable"}),
        ("email", "email", "dana@example.com", {family: "visible", work: "visible"}),
        ("address", "home", "1 Main St, Springfield", {family: "visible"}),
    ]
    for kind, label, value, grants in card:
        call(
            base,
            "POST",
            "/v1/me/entries",
            token,
            {"kind": kind, "label": label, "value": value, "grants": grants},
        )
    for n in range(10):
        other = call(
            base,
            "POST",
            "/v1/accounts",
            body={
                "name": f"Person {n} 张",
                "phone": f"+1202555{n + 200:04d}",
                "password": PASSWORD,
            },
        )
        circle = call(base, "POST", "/v1/me/circles", other["token"], {"name": "friends"})["id"]
        call(base, "PUT", f"/v1/me/circles/{circle}/members/%2B12025550150", other["token"])
        call(
            base,
            "POST",
            "/v1/me/entries",
            other["token"],
            {
                "kind": "phone",
                "label": "mobile",
                "value": f"+1202555{n + 300:04d}",
                "grants": {circle: "callable"},
            },
        )
    return token


def measure(browser, base: str, path: str, token: str | None) -> tuple[int, float]:
    context = browser.new_context(base_url=base)  # a fresh context: nothing cached
    if token:
        context.add_cookies([{"name": "pb_session", "value": token, "url": base}])
    page = context.new_page()
    page.add_init_script(LONG_TASKS)
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    transferred: list[int] = []
    cdp.on("Network.loadingFinished", lambda e: transferred.append(int(e["encodedDataLength"])))
    page.goto(path, wait_until="load")
    page.wait_for_function("performance.getEntriesByName('pb-ready').length > 0")
    page.wait_for_timeout(300)  # let late long tasks, if any, be reported
    tti = page.evaluate(
        """() => {
            const nav = performance.getEntriesByType("navigation")[0];
            const ready = performance.getEntriesByName("pb-ready")[0].startTime;
            return Math.max(nav.loadEventEnd, ready, window.__longTaskEnd || 0);
        }"""
    )
    context.close()
    return sum(transferred), float(tti)


def matrix_png(browser, base: str, token: str, path: Path) -> None:
    context = browser.new_context(base_url=base, viewport={"width": 760, "height": 600})
    context.add_cookies([{"name": "pb_session", "value": token, "url": base}])
    page = context.new_page()
    page.goto("/sharing")
    page.locator("#matrix").screenshot(path=str(path))
    context.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--matrix-png", type=Path, help="also save the grant matrix here (README)")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="pb-budget-"))
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PHONEBRIDGE_")}
    env.update(
        PHONEBRIDGE_DATABASE_URL=f"sqlite+aiosqlite:///{folder / 'budget.db'}",
        PHONEBRIDGE_SECRET_KEY="budget-" + "x" * 40,
        PHONEBRIDGE_AUTO_VERIFY_PHONES="true",
        PHONEBRIDGE_REGISTRATIONS_PER_HOUR="0",  # the seed signs many people up
        PHONEBRIDGE_AGI_PORT=str(free_port()),
        PHONEBRIDGE_LOG_LEVEL="warning",
    )
    log = (folder / "serve.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "phonebridge", "serve", "--port", str(port)],
        cwd=folder,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    failed = False
    try:
        for _ in range(600):  # start-up on a busy machine: up to a minute
            if server.poll() is not None:
                raise SystemExit(f"phonebridge serve exited: see {folder / 'serve.log'}")
            try:
                urllib.request.urlopen(base + "/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        token = seed(base)
        pages = [
            ("sign-in (first visit)", "/", None),
            ("my phonebook", "/", token),
            ("who sees what", "/sharing", token),
        ]
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=FLAGS)
            measure(browser, base, "/", None)  # warm the server, not the browser
            print(
                f"{'page':<24}{'transferred':>14}{'interactive':>14}"
                f"   (median of {args.runs}, cold cache)"
            )
            for name, path, tok in pages:
                runs = [measure(browser, base, path, tok) for _ in range(args.runs)]
                size = statistics.median(r[0] for r in runs)
                tti = statistics.median(r[1] for r in runs)
                over = size > BYTES_BUDGET or tti > TTI_BUDGET_MS
                failed |= over
                print(
                    f"{name:<24}{size / 1024:>11.1f} KB{tti:>11.0f} ms"
                    + ("   OVER BUDGET" if over else "")
                )
            if args.matrix_png:
                matrix_png(browser, base, token, args.matrix_png)
            browser.close()
        print(
            f"budget: ≤ {BYTES_BUDGET // 1024} KB transferred, interactive ≤ {TTI_BUDGET_MS:.0f} ms"
        )
    finally:
        server.terminate()
        server.wait(timeout=20)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
