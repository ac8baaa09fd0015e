"""WebDAV XML: reading PROPFIND/REPORT bodies and writing multistatus answers."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from xml.etree import ElementTree as ET

DAV = "DAV:"
CARD = "urn:ietf:params:xml:ns:carddav"
CS = "http://calendarserver.org/ns/"
ET.register_namespace("d", DAV)
ET.register_namespace("card", CARD)
ET.register_namespace("cs", CS)

PropValue = str | ET.Element | list[ET.Element] | None  # None: an empty element


def q(ns: str, name: str) -> str:
    return f"{{{ns}}}{name}"


class BadXml(ValueError):
    pass


def parse(body: bytes) -> ET.Element | None:
    """The request's XML root (None for an empty body). DTDs are refused outright."""
    if not body.strip():
        return None
    if b"<!DOCTYPE" in body or b"<!ENTITY" in body:
        raise BadXml("DTDs are not accepted")
    try:
        return ET.fromstring(body)
    except ET.ParseError as exc:
        raise BadXml(str(exc)) from None


def requested_props(root: ET.Element | None) -> list[str] | None:
    """The property names asked for; None for allprop (or no body)."""
    if root is None:
        return None
    prop = root.find(q(DAV, "prop"))
    if prop is None:
        return None
    return [child.tag for child in prop]


def hrefs(root: ET.Element) -> list[str]:
    return [h.text.strip() for h in root.iter(q(DAV, "href")) if h.text]


def href_element(href: str) -> ET.Element:
    element = ET.Element(q(DAV, "href"))
    element.text = href
    return element


@dataclass
class Resource:
    href: str
    props: Mapping[str, PropValue] = field(default_factory=dict)
    status: int | None = None  # a whole-response status (404 for a removed member)


def multistatus(
    resources: Iterable[Resource], wanted: list[str] | None, sync_token: str | None = None
) -> bytes:
    root = ET.Element(q(DAV, "multistatus"))
    for resource in resources:
        response = ET.SubElement(root, q(DAV, "response"))
        response.append(href_element(resource.href))
        if resource.status is not None:
            ET.SubElement(response, q(DAV, "status")).text = _status(resource.status)
            continue
        names = list(resource.props) if wanted is None else wanted
        found = [n for n in names if n in resource.props]
        missing = [n for n in names if n not in resource.props]
        for status, group in ((200, found), (404, missing)):
            if not group:
                continue
            propstat = ET.SubElement(response, q(DAV, "propstat"))
            prop = ET.SubElement(propstat, q(DAV, "prop"))
            for name in group:
                _add(prop, name, resource.props.get(name))
            ET.SubElement(propstat, q(DAV, "status")).text = _status(status)
    if sync_token is not None:
        ET.SubElement(root, q(DAV, "sync-token")).text = sync_token
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + bytes(
        ET.tostring(root, encoding="utf-8", xml_declaration=False)
    )


def error(condition: str) -> bytes:
    root = ET.Element(q(DAV, "error"))
    ET.SubElement(root, condition)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + bytes(
        ET.tostring(root, encoding="utf-8", xml_declaration=False)
    )


def _add(parent: ET.Element, name: str, value: PropValue) -> None:
    element = ET.SubElement(parent, name)
    if isinstance(value, str):
        element.text = value
    elif isinstance(value, ET.Element):
        element.append(value)
    elif isinstance(value, list):
        element.extend(value)


def _status(code: int) -> str:
    reason = {200: "OK", 404: "Not Found", 403: "Forbidden"}.get(code, "")
    return f"HTTP/1.1 {code} {reason}"


def el(ns: str, name: str, *children: ET.Element) -> ET.Element:
    element = ET.Element(q(ns, name))
    element.extend(children)
    return element
