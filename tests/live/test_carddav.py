"""The CardDAV address book with a real client: vdirsyncer discovers it from the server's
address, syncs a viewer's contacts into a folder, and after a grant change and a removal syncs
again. vobject reads every vCard the server wrote; sync-collection follows the same tokens."""

from __future__ import annotations

import itertools
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import vobject

from tests.live.server import Served, serve
from tests.live.sse import auth, register
from tests.live.test_events import emptied

_numbers = itertools.count(500)
ACCESS = "+12025550000"
HIDDEN = "+12025559944"


def phone() -> str:
    return f"+1202555{next(_numbers):04d}"


@pytest.fixture(scope="module")
def server(
    migrated_urls: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Served]:
    url = migrated_urls["sqlite"]
    emptied(url)
    with serve(tmp_path_factory.mktemp("dav"), url, access_number=ACCESS) as served:
        yield served


def vdirsyncer(config: Path, *args: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "vdirsyncer", "-vdebug", "-c", str(config), *args],
        input=b"y\n" * 10,  # "create the local folder?"
        capture_output=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout.decode() + done.stderr.decode()


def cards_in(folder: Path) -> dict[str, vobject.base.Component]:
    found = {}
    for path in folder.rglob("*.vcf"):
        card = vobject.readOne(path.read_text())
        found[card.fn.value] = card
    return found


async def test_vdirsyncer_syncs_the_address_book_then_a_grant_change_and_a_removal(
    server: Served, tmp_path: Path
) -> None:
    async with httpx.AsyncClient(base_url=server.base, timeout=60) as http:
        viewer_phone = phone()
        viewer = await register(http, "Viewer", viewer_phone)
        alice = await register(http, "Alice Martin", phone())
        zhang = await register(http, "张伟", phone())
        circles = {}
        for owner in (alice, zhang):
            made = await http.post("/v1/me/circles", json={"name": "f"}, headers=auth(owner))
            circles[owner["id"]] = made.json()["id"]
            await http.put(
                f"/v1/me/circles/{circles[owner['id']]}/members/{viewer_phone}",
                headers=auth(owner),
            )
        a_circle, z_circle = circles[alice["id"]], circles[zhang["id"]]
        body = {"kind": "email", "label": "work", "value": "alice@example.org"}
        await http.post(
            "/v1/me/entries", json={**body, "grants": {a_circle: "visible"}}, headers=auth(alice)
        )
        body = {"kind": "phone", "label": "mobile", "value": HIDDEN}
        made = await http.post(
            "/v1/me/entries", json={**body, "grants": {a_circle: "callable"}}, headers=auth(alice)
        )
        hidden_entry = made.json()["id"]
        body = {"kind": "phone", "label": "mobile", "value": "+8613800138000"}
        await http.post(
            "/v1/me/entries", json={**body, "grants": {z_circle: "visible"}}, headers=auth(zhang)
        )
        app = await http.post(
            "/v1/me/app-passwords", json={"name": "vdirsyncer"}, headers=auth(viewer)
        )
        assert app.status_code == 201, app.text
        secret = app.json()["password"]

        local = tmp_path / "contacts"
        config = tmp_path / "config"
        config.write_text(
            f"""[general]
status_path = "{tmp_path / "status"}"

[pair phonebook]
a = "server"
b = "local"
collections = ["from a"]
conflict_resolution = "a wins"

[storage server]
type = "carddav"
url = "{server.base}/"
username = "{viewer_phone}"
password = "{secret}"
read_only = true

[storage local]
type = "filesystem"
path = "{local}"
fileext = ".vcf"
"""
        )
        vdirsyncer(config, "discover", "phonebook")
        vdirsyncer(config, "sync")
        cards = cards_in(local)
        assert set(cards) == {"Alice Martin", "张伟"}
        assert cards["Alice Martin"].email.value == "alice@example.org"
        (tel,) = cards["Alice Martin"].contents["tel"]
        assert tel.value.startswith(f"tel:{ACCESS};postd=pp") and tel.value.endswith("#")
        assert all(HIDDEN not in p.read_text() for p in local.rglob("*") if p.is_file())
        assert cards["张伟"].contents["x-phonetic-last-name"][0].value == "Zhang"
        assert cards["张伟"].contents["x-phonetic-first-name"][0].value == "Wei"

        # the hidden phone becomes visible; Zhang removes the viewer from his circle
        await http.put(
            f"/v1/me/entries/{hidden_entry}/grants/{a_circle}",
            json={"level": "visible"},
            headers=auth(alice),
        )
        await http.delete(f"/v1/me/circles/{z_circle}/members/{viewer_phone}", headers=auth(zhang))
        vdirsyncer(config, "sync")
        cards = cards_in(local)
        assert set(cards) == {"Alice Martin"}
        (tel,) = cards["Alice Martin"].contents["tel"]
        assert tel.value == f"tel:{HIDDEN}"

        # a revoked app password no longer opens the address book
        listed = await http.get("/v1/me/app-passwords", headers=auth(viewer))
        (entry,) = listed.json()
        assert entry["last_used_at"] is not None
        await http.delete(f"/v1/me/app-passwords/{entry['id']}", headers=auth(viewer))
        denied = await http.request("PROPFIND", "/dav/", auth=(viewer_phone, secret))
        assert denied.status_code == 401
