"""CardDAV by hand where a client library does not reach: sync-collection with the phonebook's
tokens, multiget, discovery, Basic sign-in, read-only answers. vobject reads every vCard."""

from __future__ import annotations

from xml.etree import ElementTree as ET

import vobject

from api.carddav.routes import TOKEN_PREFIX
from tests.api.conftest import Api

D, C = "{DAV:}", "{urn:ietf:params:xml:ns:carddav}"
SYNC = """<?xml version="1.0"?><d:sync-collection xmlns:d="DAV:"
 xmlns:c="urn:ietf:params:xml:ns:carddav"><d:sync-token>{token}</d:sync-token>
 <d:sync-level>1</d:sync-level><d:prop><d:getetag/><c:address-data/></d:prop>
 </d:sync-collection>"""


async def report(api: Api, creds: tuple[str, str], path: str, body: str) -> ET.Element:
    r = await api.http.request("REPORT", path, content=body.encode(), auth=creds)
    assert r.status_code == 207, r.text
    return ET.fromstring(r.content)


def responses(root: ET.Element) -> dict[str, ET.Element]:
    return {r.findtext(f"{D}href") or "": r for r in root.iter(f"{D}response")}


async def test_sync_collection_follows_grants_and_removals(api: Api) -> None:
    viewer = await api.register("Viewer", "+12025550100")
    alice = await api.register("Alice", "+12025550101")
    family = await api.circle(alice, "family", viewer)
    entry = await api.entry(alice, "email", "home", "a@example.org", **{family: "visible"})
    creds = ("+12025550100", "correct horse")  # the account's own password works too
    book = f"/dav/addressbooks/{viewer.id}/phonebook/"

    first = await report(api, creds, book, SYNC.format(token=""))
    (href,) = responses(first)
    assert href == f"{book}{alice.id}.vcf"
    card = vobject.readOne(responses(first)[href].findtext(f".//{C}address-data") or "")
    assert card.email.value == "a@example.org"
    token = first.findtext(f"{D}sync-token") or ""
    assert token.startswith(TOKEN_PREFIX)

    await api.ok(alice, "PATCH", f"/v1/me/entries/{entry}", json={"label": "work"})
    changed = await report(api, creds, book, SYNC.format(token=token))
    assert list(responses(changed)) == [href]
    token = changed.findtext(f"{D}sync-token") or ""

    await api.ok(alice, "DELETE", f"/v1/me/circles/{family}/members/{viewer.phone}")
    removed = await report(api, creds, book, SYNC.format(token=token))
    assert responses(removed)[href].findtext(f"{D}status") == "HTTP/1.1 404 Not Found"

    stale = await api.http.request(
        "REPORT", book, content=SYNC.format(token=TOKEN_PREFIX + "r999999").encode(), auth=creds
    )
    assert stale.status_code == 403 and b"valid-sync-token" in stale.content


async def test_discovery_sign_in_and_read_only(api: Api) -> None:
    viewer = await api.register("Viewer", "+12025550100")
    other = await api.register("Other", "+12025550102")
    creds = ("+12025550100", "correct horse")
    r = await api.http.request("PROPFIND", "/.well-known/carddav")
    assert r.status_code == 301 and r.headers["location"] == "/dav/"
    r = await api.http.request("PROPFIND", "/dav/")
    assert r.status_code == 401 and r.headers["www-authenticate"].startswith("Basic")
    r = await api.http.request("PROPFIND", "/dav/", auth=("+12025550100", "wrong"))
    assert r.status_code == 401
    r = await api.http.request("PROPFIND", "/dav/", auth=creds, headers={"Depth": "0"})
    assert r.status_code == 207
    assert f"/dav/principals/{viewer.id}/".encode() in r.content
    r = await api.http.request("PROPFIND", f"/dav/principals/{viewer.id}/", auth=creds)
    assert f"/dav/addressbooks/{viewer.id}/".encode() in r.content
    # another account's address book does not exist for this one
    r = await api.http.request("PROPFIND", f"/dav/addressbooks/{other.id}/phonebook/", auth=creds)
    assert r.status_code == 404
    r = await api.http.get(f"/dav/addressbooks/{viewer.id}/phonebook/{other.id}.vcf", auth=creds)
    assert r.status_code == 404
    for method in ("PUT", "DELETE", "MKCOL", "PROPPATCH"):
        r = await api.http.request(method, f"/dav/addressbooks/{viewer.id}/phonebook/x.vcf")
        assert r.status_code == 403, method
    r = await api.http.request("OPTIONS", "/dav/")
    assert "addressbook" in r.headers["dav"]
