"""PATCH /v1/me/circles/{id}: renaming a circle over the API (the web page renames the same way)."""

from __future__ import annotations

from tests.api.conftest import Api


async def test_rename_a_circle(api: Api) -> None:
    dana = await api.register("Dana", "+12025550150")
    family = await api.circle(dana, "family")
    await api.circle(dana, "work")
    r = await api.call(dana, "PATCH", f"/v1/me/circles/{family}", json={"name": "close family"})
    assert r.status_code == 200 and r.json()["name"] == "close family"
    taken = await api.call(dana, "PATCH", f"/v1/me/circles/{family}", json={"name": "work"})
    assert taken.status_code == 409 and taken.json()["error"]["code"] == "circle_exists"
    other = await api.register("Eve", "+12025550151")
    theirs = await api.call(other, "PATCH", f"/v1/me/circles/{family}", json={"name": "mine"})
    assert theirs.status_code == 404 and theirs.json()["error"]["code"] == "circle_not_found"
