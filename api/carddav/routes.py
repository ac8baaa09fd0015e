"""CardDAV routes. Discovery: ``/.well-known/carddav`` → ``/dav/`` → the principal → the
address book home → one address book, ``phonebook``, holding one vCard per contact.

HTTP Basic with the account's number and an app password (or the account's password). Read
only: writes are refused with 403. ``sync-collection`` takes the same sync tokens as
``GET /v1/me/phonebook?since=`` (wrapped in a URI, as RFC 6578 wants)."""

from __future__ import annotations

import base64
import binascii
from xml.etree import ElementTree as ET

from fastapi import APIRouter, Request, Response
from starlette.requests import ClientDisconnect

from api.auth import client_address, config_of, phonebook_of
from api.carddav import xml
from api.carddav.xml import CARD, CS, DAV, BadXml, Resource, el, q
from phonebook.addressbook import TokenTooOld, VCard
from phonebook.errors import InvalidInput, Unauthenticated

router = APIRouter(include_in_schema=False)  # WebDAV methods have no place in OpenAPI

ROOT = "/dav/"
BOOK = "phonebook"
TOKEN_PREFIX = "https://phonebridge.invalid/sync/"
XML_TYPE = "application/xml; charset=utf-8"
VCARD_TYPE = "text/vcard; charset=utf-8"
DAV_HEADERS = {
    "DAV": "1, 3, addressbook",
    "Allow": "OPTIONS, GET, HEAD, PROPFIND, REPORT",
}
READ_ONLY = ["PUT", "DELETE", "MKCOL", "PROPPATCH", "MOVE", "COPY", "LOCK", "UNLOCK", "POST"]


def principal(account: str) -> str:
    return f"{ROOT}principals/{account}/"


def home(account: str) -> str:
    return f"{ROOT}addressbooks/{account}/"


def book(account: str) -> str:
    return f"{home(account)}{BOOK}/"


def card_href(account: str, owner: str) -> str:
    return f"{book(account)}{owner}.vcf"


@router.api_route("/.well-known/carddav", methods=["GET", "PROPFIND", "HEAD"])
async def well_known() -> Response:
    return Response(status_code=301, headers={"Location": ROOT})


@router.options("/dav/{path:path}")
async def options(path: str) -> Response:
    return Response(headers=DAV_HEADERS)


@router.api_route("/dav/{path:path}", methods=READ_ONLY)
async def refused(path: str) -> Response:
    return Response(xml.error(q(DAV, "need-privileges")), 403, media_type=XML_TYPE)


async def _sign_in(request: Request) -> str | Response:
    """The account of the Basic credentials, or the 401 that asks for them."""
    ask = Response(
        "Sign in with your phone number and an app password.",
        401,
        headers={"WWW-Authenticate": 'Basic realm="PhoneBridge", charset="UTF-8"'},
    )
    scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return ask
    try:
        username, sep, password = base64.b64decode(encoded, validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return ask
    if not sep or not username or not password or len(password) > 200:
        return ask
    pb = phonebook_of(request)
    address = client_address(request, config_of(request))
    try:
        return await pb.app_passwords.sign_in(username, password, address)
    except Unauthenticated:
        return ask


async def _body(request: Request) -> bytes | None:
    """The request body; None when the client went away while sending it."""
    try:
        return await request.body()
    except ClientDisconnect:
        return None


def _multistatus(body: bytes) -> Response:
    return Response(body, 207, media_type=XML_TYPE)


def _card_props(account: str, card: VCard, data: bool = False) -> dict[str, xml.PropValue]:
    props: dict[str, xml.PropValue] = {
        q(DAV, "getetag"): card.etag,
        q(DAV, "getcontenttype"): VCARD_TYPE,
        q(DAV, "resourcetype"): None,
    }
    if data:
        props[q(CARD, "address-data")] = card.text
    return props


def _common(account: str) -> dict[str, xml.PropValue]:
    return {
        q(DAV, "current-user-principal"): xml.href_element(principal(account)),
        q(DAV, "principal-URL"): xml.href_element(principal(account)),
        q(CARD, "addressbook-home-set"): xml.href_element(home(account)),
        q(DAV, "current-user-privilege-set"): el(DAV, "privilege", el(DAV, "read")),
    }


@router.api_route("/dav/{path:path}", methods=["PROPFIND"])
async def propfind(path: str, request: Request) -> Response:
    account = await _sign_in(request)
    if isinstance(account, Response):
        return account
    body = await _body(request)
    try:
        wanted = xml.requested_props(xml.parse(body or b""))
    except BadXml:
        return Response("Malformed XML.", 400)
    depth = request.headers.get("depth", "1")
    href = ROOT + path.lstrip("/")
    href = href if href.endswith("/") or href.endswith(".vcf") else href + "/"
    collection = {
        q(DAV, "resourcetype"): el(DAV, "collection"),
        q(DAV, "displayname"): "PhoneBridge",
        **_common(account),
    }
    pb = phonebook_of(request)
    if href in (ROOT, principal(account)):
        props = dict(collection)
        if href != ROOT:
            props[q(DAV, "resourcetype")] = [el(DAV, "collection"), el(DAV, "principal")]
        return _multistatus(xml.multistatus([Resource(href, props)], wanted))
    token, cards = await pb.address_book.all(account)
    book_props = {
        **collection,
        q(DAV, "resourcetype"): [el(DAV, "collection"), el(CARD, "addressbook")],
        q(DAV, "sync-token"): TOKEN_PREFIX + token,
        q(CS, "getctag"): token,
        q(CARD, "addressbook-description"): "Everyone who shares with you",
        q(DAV, "supported-report-set"): [
            el(DAV, "supported-report", el(DAV, "report", el(CARD, "addressbook-multiget"))),
            el(DAV, "supported-report", el(DAV, "report", el(DAV, "sync-collection"))),
        ],
        q(CARD, "supported-address-data"): _address_data_type(),
    }
    resources: list[Resource] = []
    if href == home(account):
        resources.append(Resource(href, collection))
        if depth != "0":
            resources.append(Resource(book(account), book_props))
    elif href == book(account):
        resources.append(Resource(href, book_props))
        if depth != "0":
            resources += [
                Resource(card_href(account, c.owner_id), _card_props(account, c)) for c in cards
            ]
    else:
        match = next((c for c in cards if card_href(account, c.owner_id) == href), None)
        if match is None:
            return Response(status_code=404)
        resources.append(Resource(href, _card_props(account, match)))
    return _multistatus(xml.multistatus(resources, wanted))


def _address_data_type() -> ET.Element:
    element = el(CARD, "address-data-type")
    element.set("content-type", "text/vcard")
    element.set("version", "4.0")
    return element


@router.api_route("/dav/{path:path}", methods=["GET", "HEAD"])
async def get_card(path: str, request: Request) -> Response:
    account = await _sign_in(request)
    if isinstance(account, Response):
        return account
    href = ROOT + path.lstrip("/")
    prefix = book(account)
    if not href.startswith(prefix) or not href.endswith(".vcf"):
        return Response("This is a CardDAV address book: add it to a contacts app.", 200)
    owner = href[len(prefix) : -len(".vcf")]
    _, cards = await phonebook_of(request).address_book.some(account, {owner})
    if not cards:
        return Response(status_code=404)
    card = cards[0]
    if request.headers.get("if-none-match") == card.etag:
        return Response(status_code=304, headers={"ETag": card.etag})
    return Response(card.text, media_type=VCARD_TYPE, headers={"ETag": card.etag})


@router.api_route("/dav/{path:path}", methods=["REPORT"])
async def report(path: str, request: Request) -> Response:
    account = await _sign_in(request)
    if isinstance(account, Response):
        return account
    try:
        root = xml.parse(await _body(request) or b"")
    except BadXml:
        return Response("Malformed XML.", 400)
    if root is None:
        return Response("A REPORT needs a body.", 400)
    wanted = xml.requested_props(root)
    pb = phonebook_of(request)
    if root.tag == q(CARD, "addressbook-multiget"):
        owners = {h.rsplit("/", 1)[-1].removesuffix(".vcf"): h for h in xml.hrefs(root)}
        _, cards = await pb.address_book.some(account, set(owners))
        found = {c.owner_id: c for c in cards}
        resources = [
            Resource(h, _card_props(account, found[o], data=True))
            if o in found and h == card_href(account, o)
            else Resource(h, status=404)
            for o, h in owners.items()
        ]
        return _multistatus(xml.multistatus(resources, wanted))
    if root.tag == q(CARD, "addressbook-query"):  # filters are not supported: everything
        _, cards = await pb.address_book.all(account)
        resources = [
            Resource(card_href(account, c.owner_id), _card_props(account, c, data=True))
            for c in cards
        ]
        return _multistatus(xml.multistatus(resources, wanted))
    if root.tag == q(DAV, "sync-collection"):
        return await _sync_collection(request, account, root, wanted)
    return Response(xml.error(q(DAV, "supported-report")), 403, media_type=XML_TYPE)


async def _sync_collection(
    request: Request, account: str, root: ET.Element, wanted: list[str] | None
) -> Response:
    pb = phonebook_of(request)
    given = (root.findtext(q(DAV, "sync-token")) or "").strip()
    with_data = wanted is not None and q(CARD, "address-data") in wanted
    if not given:
        token, cards = await pb.address_book.all(account)
        removed: tuple[str, ...] = ()
    else:
        try:
            if not given.startswith(TOKEN_PREFIX):
                raise TokenTooOld("not ours")
            changes = await pb.address_book.since(account, given.removeprefix(TOKEN_PREFIX))
        except InvalidInput:  # too old, or not a token we gave: start over (RFC 6578 3.2)
            body = xml.error(q(DAV, "valid-sync-token"))
            return Response(body, 403, media_type=XML_TYPE)
        token, cards, removed = changes.token, list(changes.changed), changes.removed
    resources = [
        Resource(card_href(account, c.owner_id), _card_props(account, c, data=with_data))
        for c in cards
    ]
    resources += [Resource(card_href(account, o), status=404) for o in removed]
    return _multistatus(xml.multistatus(resources, wanted, sync_token=TOKEN_PREFIX + token))
