"""Click-to-call from the page in a real browser, with a recording provider standing in for
Asterisk or Twilio (the server runs in a thread here, so the provider can be one of the
test's own); and a check that the accessibility check itself can fail."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import Browser, expect

from bridge.originator import ClickToCall
from phonebook.app import Phonebook
from phonebook.calls import CallStatus
from phonebook.config import PhonebookConfig
from phonebook.store.engine import make_engine
from phonebook.store.migrate import upgrade
from tests.test_cli import free_port
from tests.web.browser import axe_violations, console_problems, off_loop, person, run_async, shot
from tests.web.conftest import RecordingOriginator, build


@dataclass
class Threaded:
    url: str
    database_url: str
    originator: RecordingOriginator


@pytest.fixture
def threaded(tmp_path: Path) -> Iterator[Threaded]:
    url = f"sqlite+aiosqlite:///{tmp_path / 'calls.db'}"
    off_loop(lambda: upgrade(url))
    originator = RecordingOriginator()
    engine = make_engine(url)
    pb = Phonebook.build(engine, PhonebookConfig(auto_verify_phones=True))
    app = build(pb, engine, ClickToCall(pb.calls, originator))
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )

    async def run() -> None:
        try:
            await server.serve()
        finally:
            await engine.dispose()  # in the loop that opened its connections

    thread = threading.Thread(target=lambda: asyncio.run(run()), daemon=True)
    thread.start()
    for _ in range(200):  # startup, not an assertion
        if server.started:
            break
        time.sleep(0.05)
    try:
        yield Threaded(f"http://127.0.0.1:{port}", url, originator)
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def _seed(url: str) -> tuple[str, str]:
    """Dana shares her mobile with 张伟 as callable; both sign in with 'a long password'."""

    async def seed() -> tuple[str, str]:
        engine = make_engine(url)
        pb = Phonebook.build(engine, PhonebookConfig(auto_verify_phones=True))
        dana = await pb.accounts.register("Dana Lee", "+12025550150", "a long password")
        await pb.accounts.register("张伟", "+12025550160", "a long password")
        family = await pb.circles.create(dana.id, "Family")
        await pb.circles.add_member(dana.id, family.id, "+12025550160")
        await pb.cards.add(dana.id, "phone", "mobile", "2025550151", {family.id: "callable"})
        await engine.dispose()
        return dana.id, family.id

    return run_async(seed)


def _set_status(url: str, call_id: str, status: CallStatus) -> None:
    async def update() -> None:
        engine = make_engine(url)
        await Phonebook.build(engine, PhonebookConfig()).calls.update(call_id, status)
        await engine.dispose()

    run_async(update)


def test_the_call_button_rings_my_phone_and_my_calls_follow_the_call(
    browser: Browser, threaded: Threaded
) -> None:
    _seed(threaded.database_url)
    zhang = person(browser, threaded.url, locale="en-US")
    zhang.goto("/signin")
    zhang.get_by_label("Phone number").fill("+12025550160")
    zhang.get_by_label("Password").fill("a long password")
    zhang.get_by_role("button", name="Sign in").click()
    contact = zhang.locator("article.contact", has_text="Dana Lee")
    call = contact.get_by_role("button", name="Call Dana Lee, mobile")
    expect(call).to_be_enabled()
    call.click()
    expect(zhang.locator("#status")).to_have_text(
        "Your phone will ring now; answer it to be connected."
    )
    expect(zhang.locator("#calls")).to_contain_text("queued")
    ((call_id, rung),) = threaded.originator.rung
    assert rung == "+12025550160"  # the caller's own phone rings first, never a typed number
    shot(zhang, "13-calls-following")
    assert axe_violations(zhang) == []
    zhang.evaluate("window.stillTheSamePage = true")
    _set_status(threaded.database_url, call_id, CallStatus.CONNECTED)
    expect(zhang.locator("#calls")).to_contain_text("connected")  # followed without a reload
    _set_status(threaded.database_url, call_id, CallStatus.COMPLETED)
    expect(zhang.locator("#calls")).to_contain_text("completed")
    expect(zhang.locator("#calls[data-refresh]")).to_have_count(0)  # final: stops asking
    assert zhang.evaluate("window.stillTheSamePage === true")
    assert console_problems(zhang) == []


def test_the_accessibility_check_finds_what_it_should(browser: Browser) -> None:
    page = person(browser, "http://127.0.0.1:9")
    page.set_content(
        '<html><body><input type="text"><img src="x.png">'
        '<p style="color:#bbb;background:#fff">faint</p></body></html>'
    )
    found = {v["id"] for v in axe_violations(page)}
    assert {"image-alt", "label", "color-contrast"} <= found
