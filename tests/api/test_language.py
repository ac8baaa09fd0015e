"""The language the access number speaks to an account: set through PATCH /v1/me, stored
(SQLite and PostgreSQL), and refused with the error format when it is not offered."""

from __future__ import annotations

from tests.api.conftest import Api


async def test_language_is_english_until_changed_and_then_kept(api: Api) -> None:
    dana = await api.register("Dana Lee", "+12025550150")
    assert (await api.ok(dana, "GET", "/v1/me"))["language"] == "en"
    changed = await api.ok(dana, "PATCH", "/v1/me", json={"language": "zh"})
    assert changed["language"] == "zh" and changed["name"] == "Dana Lee"
    assert (await api.ok(dana, "GET", "/v1/me"))["language"] == "zh"
    # changing the name leaves the language alone, and the other way round
    renamed = await api.ok(dana, "PATCH", "/v1/me", json={"name": "Dana Li"})
    assert (renamed["name"], renamed["language"]) == ("Dana Li", "zh")


async def test_a_language_that_is_not_offered_is_refused(api: Api) -> None:
    dana = await api.register("Dana Lee", "+12025550150")
    for bad in ("fr", "", None, 1):
        r = await api.call(dana, "PATCH", "/v1/me", json={"language": bad})
        if bad is None:  # null means "unchanged", like the other optional fields
            assert r.status_code == 200 and r.json()["language"] == "en"
            continue
        assert r.status_code == 422, r.text
        assert r.json()["error"]["code"] == "invalid_request"
    assert (await api.ok(dana, "GET", "/v1/me"))["language"] == "en"
