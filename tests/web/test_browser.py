"""The web page in a real browser (Debian's chromium, driven by Playwright) against a real
`phonebridge serve`: two people register, build circles, set the grant matrix (partly by
keyboard alone), check "see my card as" and then the other person's own page, block, and
use the page in Chinese on a 360 px phone. Every main screen is screenshotted into the test
artefacts and checked with axe-core (no serious or critical violations)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote_plus

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.conftest import BACKENDS, _empty
from tests.web.browser import (
    axe_violations,
    console_problems,
    no_overflow,
    person,
    run_async,
    shot,
    text_of,
)
from tests.web.server import Server, serve

DANA, ZHANG = "+12025550150", "+12025550160"
STRANGER = "+12025550199"


@pytest.fixture(params=BACKENDS)
def server(
    request: pytest.FixtureRequest, tmp_path: Path, migrated_urls: dict[str, str]
) -> Iterator[Server]:
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'web.db'}"
    elif "postgres" in migrated_urls:
        url = migrated_urls["postgres"]
        run_async(lambda: _emptied(url))
    else:
        pytest.skip("PHONEBRIDGE_TEST_POSTGRES_URL is empty")
    with serve(tmp_path, url) as running:
        yield running


async def _emptied(url: str) -> None:
    from phonebook.store.engine import make_engine

    engine = make_engine(url)
    await _empty(engine, url)
    await engine.dispose()


def check(page: Page, name: str) -> None:
    """Screenshot this screen into the artefacts, then hold it to axe-core; nothing may be
    wider than the window (360 px phones included)."""
    shot(page, name)
    assert axe_violations(page) == [], name
    assert no_overflow(page), name


def register(page: Page, name: str, phone: str, *, submit: str, labels: dict[str, str]) -> None:
    page.goto("/register")
    page.get_by_label(labels["name"]).fill(name)
    page.get_by_label(labels["phone"]).fill(phone)
    page.get_by_label(labels["password"]).fill("a long password")
    page.get_by_role("button", name=submit).click()


def add_entry(page: Page, kind: str, label: str, value: str) -> None:
    page.get_by_label("Kind").select_option(kind)
    page.get_by_label("Label").last.fill(label)
    page.get_by_label("Value").last.fill(value)
    page.get_by_role("button", name="Add", exact=True).click()
    # the same status line twice says nothing: wait for the entry itself
    expect(page.locator("ol.entries .label").get_by_text(label, exact=True)).to_have_count(1)


def search(page: Page, label: str, typed: str) -> None:
    """Type into the search box and wait until the answer to exactly this query is shown."""
    page.get_by_label(label).fill(typed)
    expect(page).to_have_url(re.compile(re.escape("?q=" + quote_plus(typed)) + "$"))


def cell(page: Page, entry: str, audience: str) -> str:
    """The grant cell's id for an entry label and an audience column."""
    row = page.locator("table.grants tbody tr", has=page.locator("th", has_text=entry))
    headers = page.locator("table.grants thead th").all_inner_texts()
    column = headers.index(audience)
    button = row.locator("td").nth(column - 1).locator("button.cell")
    return str(button.get_attribute("id"))


def test_two_people_share_exactly_what_was_granted(browser: Browser, server: Server) -> None:
    en = {"name": "Your name", "phone": "Phone number", "password": "Password"}
    zh = {"name": "您的姓名", "phone": "电话号码", "password": "密码"}

    # -- Dana registers on a desktop, in English; her number waits for verification -----
    dana = person(browser, server.url)
    dana.goto("/")
    expect(dana.get_by_role("heading", name="Sign in")).to_be_visible()
    check(dana, "01-signin")
    register(dana, "Dana Lee", DANA, submit="Make my account", labels=en)
    expect(dana.locator("#status")).to_have_text("Welcome! Your account is made.")
    pending = dana.get_by_role("heading", name="Your number is not verified yet")
    expect(pending).to_be_visible()
    check(dana, "02-card-pending")
    server.cli("accounts", "verify", DANA)
    dana.reload()
    expect(pending).to_have_count(0)

    # -- her card: add, edit, reorder, delete; aliases -----------------------------------
    add_entry(dana, "phone", "mobile", "+1 202 555 0151")
    add_entry(dana, "phone", "work", "202-555-0152")
    add_entry(dana, "email", "email", "dana@example.com")
    add_entry(dana, "address", "home", "1 Main St, Springfield")
    add_entry(dana, "phone", "old", "+1 202 555 0159")
    dana.get_by_role("button", name="Delete old").click()
    expect(dana.locator("#status")).to_have_text("Entry deleted.")
    work_entry = dana.locator("ol.entries > li", has_text="work")
    work_entry.locator("summary").click()
    work_entry.get_by_label("Label").fill("office")
    work_entry.get_by_role("button", name="Save").click()
    expect(dana.locator("#status")).to_have_text("Entry saved.")
    dana.get_by_role("button", name="Up email").click()
    expect(dana.locator("#status")).to_have_text("Order saved.")
    labels = dana.locator("ol.entries .entry .label").all_inner_texts()
    assert labels == ["mobile", "email", "office", "home"]
    dana.get_by_label("Other names").fill("DL\n李丹")
    dana.get_by_role("button", name="Save name").click()
    expect(dana.locator("#status")).to_have_text("Name saved.")
    expect(dana.get_by_label("Other names")).to_have_value("DL\n李丹")
    check(dana, "03-card")

    # -- circles: create, rename, members pending until verified -------------------------
    dana.goto("/circles")
    for name in ("Family", "Colleagues"):
        dana.get_by_label("New circle").fill(name)
        dana.get_by_role("button", name="Create").click()
        expect(dana.get_by_role("heading", name=name)).to_be_visible()
    colleagues = dana.locator("section.circle", has_text="Colleagues")
    colleagues.get_by_text("Rename or delete Colleagues").click()
    colleagues.get_by_label("New name").fill("Work")
    colleagues.get_by_role("button", name="Rename").click()
    expect(dana.get_by_role("heading", name="Work")).to_be_visible()
    dana.get_by_label("Add a number to Family").fill(ZHANG)
    dana.get_by_label("Add a number to Family").press("Enter")
    expect(dana.locator("#status")).to_have_text("Number added.")
    dana.get_by_label("Add a number to Work").fill("202 555 0170")
    dana.get_by_label("Add a number to Work").press("Enter")
    work = dana.locator("section.circle", has=dana.get_by_role("heading", name="Work"))
    expect(work.locator(".members")).to_contain_text("+1 202-555-0170")
    family = dana.locator("section.circle", has=dana.get_by_role("heading", name="Family"))
    expect(family.get_by_text("pending verification")).to_be_visible()
    check(dana, "04-circles")

    # -- 张伟 registers on a 360 px phone whose browser asks for Chinese ---------------------
    zhang = person(browser, server.url, locale="zh-CN", phone=True)
    zhang.goto("/")
    expect(zhang.locator("html")).to_have_attribute("lang", "zh-Hans")
    expect(zhang.get_by_role("heading", name="登录")).to_be_visible()
    register(zhang, "张伟", ZHANG, submit="注册", labels=zh)
    expect(zhang.get_by_role("heading", name="您的号码尚未验证")).to_be_visible()
    check(zhang, "05-zh-card-pending")
    server.cli("accounts", "verify", ZHANG)
    dana.reload()
    expect(family.get_by_text("pending verification")).to_have_count(0)
    expect(work.get_by_text("pending verification")).to_be_visible()

    # -- the grant matrix by mouse: one click, saved at once, the line says so ------------
    dana.get_by_role("link", name="Who sees what").click()
    headers = dana.locator("table.grants thead th").all_inner_texts()
    assert headers == ["Entry", "Family", "Work", "Everyone"]
    dana.locator("#" + cell(dana, "mobile", "Family")).click()
    expect(dana.locator("#" + cell(dana, "mobile", "Family"))).to_have_text("can call")
    summary = "Family can call your mobile but not see the number."
    expect(dana.locator("#status")).to_have_text(f"Saved. {summary}")
    expect(dana.locator(".summaries")).to_contain_text(summary)
    dana.locator("#" + cell(dana, "email", "Family")).click()  # e-mails skip "can call"
    expect(dana.locator("#" + cell(dana, "email", "Family"))).to_have_text("can see")
    expect(dana.locator(".summaries")).to_contain_text("Family can see your email.")
    expect(dana.locator(".summaries")).to_contain_text("Nobody but you sees your office.")

    # -- "see my card as …" ---------------------------------------------------------------
    dana.get_by_label("Someone in my circles").select_option(ZHANG)
    dana.locator("#preview-member-go").click()
    preview = dana.locator("#preview-result")
    expect(preview).to_contain_text("dana@example.com")
    expect(preview).to_contain_text("can be called, number hidden")
    for hidden in ("0151", "0152", "office", "home", "Main St"):
        assert hidden not in preview.inner_text()
    check(dana, "06-sharing")
    dana.get_by_label("Any number").fill(STRANGER)
    dana.locator("#preview-phone-go").click()
    expect(dana.locator("#preview-result")).to_contain_text("Nothing: to them, you do not exist.")

    # -- 张伟's own page: exactly what was granted, nothing more ----------------------------
    zhang.goto("/")
    expect(zhang.get_by_role("heading", name="我的电话簿")).to_be_visible()
    contact = zhang.locator("article.contact", has_text="Dana Lee")
    expect(contact).to_contain_text("dana@example.com")
    expect(contact).to_contain_text("可拨打，号码隐藏")
    page_text = text_of(zhang) + zhang.content()
    for hidden in ("555-0151", "5550151", "0152", "office", "home", "Main St"):
        assert hidden not in page_text
    call = contact.get_by_role("button", name="拨打")
    expect(call).to_be_disabled()  # no telephony provider on this server: say why
    expect(zhang.locator("#call-why")).to_have_text(
        "本页面无法拨打电话：此 PhoneBridge 未配置电话服务商。"
    )
    check(zhang, "07-zh-phonebook-360")

    # -- keyboard only through the matrix, while 张伟's page is open ------------------------
    zhang.evaluate("window.stillTheSamePage = true")
    dana.goto("/sharing")
    for _ in range(80):  # Tab from the top of the page to the first cell
        dana.keyboard.press("Tab")
        if dana.evaluate("document.activeElement.classList.contains('cell')"):
            break
    focused = "document.activeElement.id"
    assert dana.evaluate(focused) == cell(dana, "mobile", "Family")
    dana.keyboard.press("ArrowDown")
    dana.keyboard.press("ArrowDown")
    dana.keyboard.press("ArrowRight")
    office_work = cell(dana, "office", "Work")
    assert dana.evaluate(focused) == office_work
    dana.keyboard.press("c")
    expect(dana.locator("#" + office_work)).to_have_text("can call")
    assert dana.evaluate(focused) == office_work  # focus stays on the cell after saving
    dana.keyboard.press("ArrowDown")
    dana.keyboard.press("ArrowLeft")
    home_family = cell(dana, "home", "Family")
    assert dana.evaluate(focused) == home_family
    dana.keyboard.press("v")
    expect(dana.locator("#" + home_family)).to_have_text("can see")
    dana.keyboard.press("ArrowRight")
    dana.keyboard.press("ArrowRight")
    home_everyone = cell(dana, "home", "Everyone")
    dana.keyboard.press("Enter")  # one key cycles: hidden → can see (addresses cannot be called)
    expect(dana.locator("#" + home_everyone)).to_have_text("can see")
    expect(dana.locator(".summaries")).to_contain_text("Everyone can see your home.")
    dana.keyboard.press("h")
    expect(dana.locator("#" + home_everyone)).to_have_text("hidden")
    assert dana.evaluate(focused) == home_everyone
    expect(dana.locator(".summaries")).to_contain_text("Family can see your home.")
    expect(dana.locator(".summaries")).to_contain_text(
        "Work can call your office but not see the number."
    )

    # the address reaches 张伟's open page without a reload
    expect(contact).to_contain_text("1 Main St, Springfield")
    assert zhang.evaluate("window.stillTheSamePage === true")

    # -- 张伟 shares an e-mail with everyone, in Chinese; Dana finds him by pinyin/keypad ------
    zhang.get_by_role("link", name="我的名片").click()
    zhang.get_by_label("类型").select_option("email")
    zhang.get_by_label("标签").last.fill("邮箱")
    zhang.get_by_label("内容").last.fill("zhang.wei@example.cn")
    zhang.get_by_role("button", name="添加", exact=True).click()
    expect(zhang.locator("#status")).to_have_text("已添加到您的名片。")
    zhang.get_by_role("link", name="谁能看到什么").click()
    zhang.get_by_role("button", name="邮箱，所有人：隐藏").click()
    expect(zhang.locator(".summaries")).to_contain_text("所有人都能看到您的邮箱。")
    check(zhang, "08-zh-sharing-360")

    dana.goto("/")
    for typed in ("zhang wei", "zw", "94264", "张伟"):
        search(dana, "Find someone", typed)
        expect(dana.locator("#results article.contact")).to_have_count(1)
        expect(dana.locator("#results")).to_contain_text("张伟")
        expect(dana.locator("#results")).to_contain_text("zhang.wei@example.cn")
    check(dana, "09-phonebook-search")
    search(dana, "Find someone", "nobody here")
    expect(dana.locator("#results")).to_contain_text(
        "No one by that name shares anything with you."
    )
    dana.get_by_label("Find someone").fill(
        ""
    )  # public entries are found by name; the list holds those who share with me
    expect(dana.locator("#results")).to_contain_text("Nobody shares anything with you yet.")

    zhang.goto("/")
    for typed in ("dana", "dnaa", "3262"):  # a name, a misspelling, keypad digits
        search(zhang, "查找联系人", typed)
        expect(zhang.locator("#results article.contact").first).to_contain_text("Dana Lee")

    # -- who looked Dana up ---------------------------------------------------------------
    dana.get_by_role("link", name="Who looked me up").click()
    expect(dana.locator("table.log")).to_contain_text("张伟")
    expect(dana.locator("table.log")).to_contain_text("this page")
    check(dana, "10-lookups")

    # -- a block beats every grant ----------------------------------------------------------
    zhang.evaluate("window.stillTheSamePage = true")
    dana.get_by_role("link", name="Blocks").click()
    dana.get_by_label("Number to block").fill(ZHANG)
    dana.get_by_role("button", name="Block", exact=True).click()
    expect(dana.locator("#status")).to_have_text("Number blocked.")
    expect(dana.locator("ul.blocks")).to_contain_text("+1 202-555-0160")
    check(dana, "11-blocks")
    expect(zhang.locator("#results article.contact")).to_have_count(0)  # gone, live
    assert zhang.evaluate("window.stillTheSamePage === true")
    dana.goto(f"/sharing?as={ZHANG.replace('+', '%2B')}")
    expect(dana.locator("#preview-result")).to_contain_text("Nothing: to them, you do not exist.")

    # -- calls: none yet, in Chinese ----------------------------------------------------------
    zhang.get_by_role("link", name="我的通话").click()
    expect(zhang.get_by_text("还没有通话。")).to_be_visible()
    check(zhang, "12-zh-calls-360")

    # -- Dana switches her page to Chinese and back ------------------------------------------
    dana.get_by_role("button", name="中文").click()
    expect(dana.locator("html")).to_have_attribute("lang", "zh-Hans")
    expect(dana.get_by_role("link", name="谁查过我")).to_be_visible()
    dana.get_by_role("button", name="English").click()
    expect(dana.get_by_role("link", name="Who looked me up")).to_be_visible()

    assert console_problems(dana) == []  # no CSP violation, no script error
    assert console_problems(zhang) == []
