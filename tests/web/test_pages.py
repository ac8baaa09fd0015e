"""The page's security and its use of the same use cases as the API, over ASGI on SQLite and
PostgreSQL: CSRF on every mutation, the session cookie's flags, CSP with no inline script or
style, escaping, sign-in answers, the claim code, live-change polling, click-to-call."""

from __future__ import annotations

import re

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from phonebook.app import Phonebook
from phonebook.config import PhonebookConfig
from phonebook.model import PUBLIC
from tests.web.conftest import Person, RecordingOriginator, Site, build

PAGES = ["/", "/card", "/sharing", "/circles", "/blocks", "/lookups", "/calls"]
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\ssrc=)[^>]*>", re.I)
INLINE_STYLE = re.compile(r"<style|\sstyle=|\son[a-z]+=", re.I)


async def _signed_in(site: Site, name: str = "Dana Lee", phone: str = "+12025550150") -> Person:
    person = site.person()
    await person.register(name, phone)
    return person


async def test_every_page_has_a_strict_csp_and_no_inline_script_or_style(site: Site) -> None:
    dana = await _signed_in(site)
    await dana.post("/card/entries", {"kind": "phone", "label": "mobile", "value": "2025550151"})
    await dana.post("/circles", {"name": "Family"})
    for path in [*PAGES, "/signin", "/register", "/claim"]:
        r = await dana.get(path)
        assert r.status_code == 200, path
        csp = r.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "style-src 'self'" in csp
        assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["cache-control"] == "no-store"
        assert not INLINE_SCRIPT.search(r.text), path
        assert not INLINE_STYLE.search(r.text), path


async def test_mutations_without_a_valid_csrf_token_are_refused_and_change_nothing(
    site: Site, pb: Phonebook
) -> None:
    dana = await _signed_in(site)
    me = await pb.accounts.authenticate("+12025550150", "a long password")
    forms = {
        "/circles": {"name": "Family"},
        "/card/entries": {"kind": "email", "label": "e", "value": "d@example.com"},
        "/blocks": {"phone": "+12025550199"},
        "/card/profile": {"name": "Mallory"},
        "/lang": {"lang": "zh"},
        "/signout": {},
    }
    other = site.person()
    await other.get("/signin")  # a token that is valid, but for another browser's cookie
    for path, form in forms.items():
        for token in ("", "0" * 64, other.csrf):
            r = await dana.http.post(path, data={"csrf": token, **form})
            assert r.status_code == 403, (path, token)
            assert "This form has expired" in r.text
    assert await pb.circles.all(me) == [] and await pb.cards.entries(me) == []
    assert await pb.circles.blocks(me) == []
    assert (await pb.accounts.profile(me)).name == "Dana Lee"
    assert (await dana.get("/card")).url.path == "/card"  # still signed in


async def test_session_cookie_is_httponly_lax_and_secure_only_over_https(site: Site) -> None:
    for base, secure in (("http://test", False), ("https://test", True)):
        site.base_url = base
        person = site.person()
        await person.get("/signin")
        r = await person.http.post(
            "/register",
            data={
                "csrf": person.csrf,
                "name": "Dana",
                "phone": "+1202555015" + str(int(secure)),
                "password": "a long password",
            },
            follow_redirects=False,
        )
        assert r.status_code == 303
        cookies = [v for k, v in r.headers.multi_items() if k == "set-cookie"]
        session = next(c for c in cookies if c.startswith("pb_session="))
        assert "HttpOnly" in session and "SameSite=lax" in session and "Path=/" in session
        assert ("Secure" in session) is secure


async def test_values_are_escaped_everywhere(site: Site, pb: Phonebook) -> None:
    evil = '<img src=x onerror="alert(1)">'
    dana = await _signed_in(site, name=f"Dana {evil}")
    await dana.post("/card/entries", {"kind": "address", "label": evil, "value": f"1 {evil} St"})
    await dana.post("/circles", {"name": evil})
    bob = await _signed_in(site, name="Bob", phone="+12025550160")
    dana_id = await pb.accounts.authenticate("+12025550150", "a long password")
    circle = (await pb.circles.all(dana_id))[0]
    await pb.circles.add_member(dana_id, circle.id, "+12025550160")
    entry = (await pb.cards.entries(dana_id))[0]
    await pb.cards.set_grant(dana_id, entry.id, circle.id, "visible")
    pages = [await dana.get(p) for p in ("/card", "/sharing", "/circles")]
    pages += [await bob.get("/"), await bob.get("/", params={"q": "dana"})]
    for r in pages:
        assert "<img" not in r.text, r.url
        assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;" in r.text, r.url


async def test_sign_in_answers_alike_for_a_wrong_password_and_an_unknown_number(
    site: Site,
) -> None:
    await _signed_in(site)
    answers = []
    for phone, password in (("+12025550150", "wrong password"), ("+12025550177", "whatever1")):
        person = site.person()
        await person.get("/signin")
        r = await person.post("/signin", {"phone": phone, "password": password})
        assert r.status_code == 401 and "pb_session" not in r.cookies
        answers.append(re.search(r'<div id="alert"[^>]*>(.*?)</div>', r.text, re.S).group(1))  # type: ignore[union-attr]
    assert answers[0] == answers[1] == "Wrong phone number or password."
    right = site.person()
    r = await right.post("/signin", {"phone": "202 555 0150", "password": "a long password"})
    assert r.url.path == "/" and "My phonebook" in r.text


async def test_signed_out_pages_send_to_sign_in_and_come_back_never_elsewhere(
    site: Site,
) -> None:
    await _signed_in(site)
    anon = site.person()
    r = await anon.get("/card")
    assert r.url.path == "/signin" and r.url.params["next"] == "/card"
    r = await anon.post(
        "/signin", {"phone": "+12025550150", "password": "a long password", "next": "/card"}
    )
    assert r.url.path == "/card"
    for target in ("//evil.example/x", "https://evil.example/", "/\\evil.example"):
        other = site.person()
        r = await other.post(
            "/signin", {"phone": "+12025550150", "password": "a long password", "next": target}
        )
        assert r.url.host == "test" and r.url.path == "/"


async def test_a_forged_or_foreign_session_cookie_is_signed_out(site: Site) -> None:
    from api.auth import issue_token
    from api.config import ApiConfig

    anon = site.person()
    forged = issue_token(ApiConfig(secret_key="not-this-app-" + "y" * 32), "some-account-id")
    anon.http.cookies.set("pb_session", forged)
    assert (await anon.get("/card")).url.path == "/signin"


async def test_the_claim_code_from_a_first_call_completes_the_account(
    site: Site, pb: Phonebook
) -> None:
    caller = await pb.callers.register("+12025550188", verified=True)
    assert caller.claim_code is not None
    person = site.person()
    wrong = await person.post(
        "/claim",
        {"phone": "+12025550188", "code": "000000", "name": "Carl", "password": "a long password"},
    )
    assert wrong.status_code == 401 and "That code is not valid" in wrong.text
    assert 'value="Carl"' in wrong.text and "a long password" not in wrong.text
    r = await person.post(
        "/claim",
        {
            "phone": "+12025550188",
            "code": caller.claim_code,
            "name": "Carl Caller",
            "password": "a long password",
        },
    )
    assert r.url.path == "/card" and "Your account is complete." in r.text
    assert 'value="Carl Caller"' in r.text
    assert "Your number is not verified yet" not in r.text  # the call proved the number


async def test_an_unverified_number_is_explained_in_plain_words(engine: AsyncEngine) -> None:
    pb = Phonebook.build(engine, PhonebookConfig(auto_verify_phones=False))
    site = Site(build(pb, engine, None), "http://test")
    person = site.person()
    await person.post(
        "/register", {"name": "Una", "phone": "+12025550140", "password": "a long password"}
    )
    card = await person.get("/card")
    assert "Your number is not verified yet" in card.text
    assert "Until +12025550140 is verified, nobody&#39;s circles include you" in card.text
    await pb.accounts.verify_phone("+12025550140")
    assert "not verified" not in (await person.get("/card")).text
    await site.close()


async def test_grants_set_on_the_page_are_what_the_other_person_gets(
    site: Site, pb: Phonebook
) -> None:
    dana = await _signed_in(site)
    zhang = await _signed_in(site, name="张伟", phone="+12025550160")
    await dana.post("/card/entries", {"kind": "phone", "label": "mobile", "value": "2025550151"})
    await dana.post("/circles", {"name": "Family"})
    me = await pb.accounts.authenticate("+12025550150", "a long password")
    family = (await pb.circles.all(me))[0].id
    entry = (await pb.cards.entries(me))[0].id
    await dana.post(f"/circles/{family}/members", {"phone": "+12025550160"})
    r = await dana.post("/sharing/grant", {"entry": entry, "audience": family, "level": "callable"})
    assert "Saved. Family can call your mobile but not see the number." in r.text
    assert (await pb.directory.preview(me, "+12025550160")).entries[0].value is None
    book = await zhang.get("/")
    assert "Dana Lee" in book.text and "5550151" not in book.text and "555-0151" not in book.text
    r = await dana.post("/sharing/grant", {"entry": entry, "audience": PUBLIC, "level": "visible"})
    assert "Everyone can see your mobile." in r.text
    assert "+1 202-555-0151" in (await zhang.get("/")).text
    bad = await dana.post(
        "/sharing/grant", {"entry": entry, "audience": "nope", "level": "visible"}
    )
    assert bad.status_code == 404 and "An audience is" in bad.text


async def test_the_phonebook_poll_answers_204_until_something_changes(
    site: Site, pb: Phonebook
) -> None:
    dana = await _signed_in(site)
    zhang = await _signed_in(site, name="张伟", phone="+12025550160")
    first = (await zhang.get("/phonebook/changes")).json()["sync_token"]
    assert (await zhang.get("/phonebook/changes", params={"since": first})).status_code == 204
    await dana.post("/circles", {"name": "Family"})
    me = await pb.accounts.authenticate("+12025550150", "a long password")
    await pb.circles.add_member(me, (await pb.circles.all(me))[0].id, "+12025550160")
    await pb.cards.add(me, "email", "email", "dana@example.com", {PUBLIC: "visible"})
    changed = await zhang.get("/phonebook/changes", params={"since": first})
    assert changed.status_code == 200 and changed.json()["sync_token"] != first
    garbage = await zhang.get("/phonebook/changes", params={"since": "garbage"})
    assert garbage.status_code == 200  # a token we never gave out: start again


async def test_the_call_button_places_a_call_through_the_provider(
    calling_site: Site, pb: Phonebook, originator: RecordingOriginator
) -> None:
    await _signed_in(calling_site)
    zhang = await _signed_in(calling_site, name="张伟", phone="+12025550160")
    me = await pb.accounts.authenticate("+12025550150", "a long password")
    circle = await pb.circles.create(me, "Family")
    await pb.circles.add_member(me, circle.id, "+12025550160")
    entry = await pb.cards.add(me, "phone", "mobile", "2025550151", {circle.id: "callable"})
    book = await zhang.get("/")
    assert (
        'class="call-button"' in book.text
        and "disabled" not in book.text.split("call-button")[1][:40]
    )
    r = await zhang.post("/calls", {"to": me, "entry": entry.id})
    assert r.url.path == "/calls" and "Your phone will ring now" in r.text
    assert "queued" in r.text and 'data-refresh="3"' in r.text
    assert originator.rung and originator.rung[0][1] == "+12025550160"  # the caller's phone


async def test_without_a_provider_the_call_button_is_disabled_with_the_reason(
    site: Site, pb: Phonebook
) -> None:
    await _signed_in(site)
    zhang = await _signed_in(site, name="张伟", phone="+12025550160")
    me = await pb.accounts.authenticate("+12025550150", "a long password")
    circle = await pb.circles.create(me, "Family")
    await pb.circles.add_member(me, circle.id, "+12025550160")
    entry = await pb.cards.add(me, "phone", "mobile", "2025550151", {circle.id: "callable"})
    book = await zhang.get("/")
    assert re.search(
        r'<button type="button" class="call-button" disabled aria-describedby="call-why">',
        book.text,
    )
    assert "no telephony provider configured" in book.text
    r = await zhang.post("/calls", {"to": me, "entry": entry.id})
    assert r.status_code == 503 and "no telephony provider configured" in r.text


@pytest.mark.parametrize(
    ("accept", "cookie", "lang"),
    [
        ("zh-CN,zh;q=0.9,en;q=0.8", None, "zh-Hans"),
        ("en-US,en;q=0.9,zh;q=0.8", None, "en"),
        ("fr-FR,zh-TW;q=0.5", None, "zh-Hans"),
        ("", None, "en"),
        ("zh-CN", "en", "en"),
        ("en", "zh", "zh-Hans"),
    ],
)
async def test_language_from_the_choice_else_the_browser(
    site: Site, accept: str, cookie: str | None, lang: str
) -> None:
    person = site.person(**{"accept-language": accept} if accept else {})
    if cookie:
        person.http.cookies.set("pb_lang", cookie)
    r = await person.get("/signin")
    assert f'<html lang="{lang}">' in r.text


async def test_a_refused_edit_keeps_what_was_typed_open_for_correction(
    site: Site, pb: Phonebook
) -> None:
    dana = await _signed_in(site)
    await dana.post("/card/entries", {"kind": "email", "label": "home", "value": "d@example.com"})
    me = await pb.accounts.authenticate("+12025550150", "a long password")
    entry = (await pb.cards.entries(me))[0].id
    r = await dana.post(f"/card/entries/{entry}", {"label": "home", "value": "not an address"})
    assert r.status_code == 422 and "That is not an e-mail address." in r.text
    assert "<details open>" in r.text and 'value="not an address"' in r.text
    assert (await pb.cards.entries(me))[0].value == "d@example.com"
    bad_add = await dana.post("/card/entries", {"kind": "phone", "label": "x", "value": "12"})
    assert (
        bad_add.status_code == 422
        and 'id="add-value" name="value" type="text" value="12"' in bad_add.text
    )
