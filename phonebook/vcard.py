"""vCards in and out: one's own card imported and exported, and the vCard 4.0 of a contact
as one viewer may see it (the CardDAV address book).

Reading keeps each property's line number, so a refusal names the line. Writing is done here
(not by vobject, which speaks vCard 3.0): CRLF, escaped text, lines folded at 75 octets."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import vobject
from vobject.base import ParseError, textLineToContentLine

from phonebook import validate
from phonebook.errors import InvalidInput, PhonebookError
from phonebook.model import Card, ContactView, EntryKind, EntryView
from phonebook.names.pinyin import phonetic_name

MEDIA_TYPE = "text/vcard"
_TYPE_TO_LABEL = {"cell": "mobile", "mobile": "mobile", "iphone": "mobile", "work": "work"}
_TYPE_TO_LABEL |= {"home": "home", "fax": "fax", "pager": "pager", "main": "main"}
_LABEL_TO_TYPE = {"mobile": "cell", "work": "work", "home": "home", "fax": "fax", "pager": "pager"}
_IGNORED_TYPES = frozenset({"pref", "voice", "internet", "x400", "text", "other"})
_KINDS = {"TEL": EntryKind.PHONE, "EMAIL": EntryKind.EMAIL, "ADR": EntryKind.ADDRESS}


class InvalidVcard(InvalidInput):
    code = "invalid_vcard"

    def __init__(self, line: int, message: str) -> None:
        super().__init__(f"vCard line {line}: {message}")
        self.line = line


@dataclass(frozen=True, slots=True)
class ImportedEntry:
    kind: EntryKind
    label: str
    value: str


@dataclass(frozen=True, slots=True)
class ImportedCard:
    name: str
    aliases: tuple[str, ...]
    entries: tuple[ImportedEntry, ...]


def parse(text: str, default_region: str) -> ImportedCard:
    """One vCard (3.0 or 4.0) as a card; InvalidVcard names the first line that is wrong."""
    lines = _logical_lines(text)
    if not lines or lines[0][1].strip().upper() != "BEGIN:VCARD":
        raise InvalidVcard(lines[0][0] if lines else 1, "a vCard starts with BEGIN:VCARD.")
    if lines[-1][1].strip().upper() != "END:VCARD":
        raise InvalidVcard(lines[-1][0], "a vCard ends with END:VCARD.")
    try:
        vobject.readOne(text)
    except ParseError as exc:
        raise InvalidVcard(int(exc.lineNumber or 1), "this is not vCard syntax.") from None
    except Exception:  # vobject raises what it likes on odd input
        raise InvalidVcard(1, "this is not a vCard.") from None
    name = given = family = None
    aliases: list[str] = []
    entries: list[ImportedEntry] = []
    for number, raw in lines[1:-1]:
        try:
            line = textLineToContentLine(raw, number)
        except ParseError:
            raise InvalidVcard(number, "this is not vCard syntax.") from None
        prop = line.name.upper()
        try:
            if prop == "BEGIN":
                raise InvalidInput("one vCard at a time, with nothing nested.")
            if prop == "FN":
                name = validate.name(_unescape(line.value))
            elif prop == "N":
                parts = [_unescape(p) for p in _split(line.value, ";")] + ["", ""]
                family, given = parts[0], parts[1]
            elif prop == "NICKNAME":
                aliases += [a for a in (_unescape(p) for p in _split(line.value, ",")) if a]
            elif prop in _KINDS:
                kind = _KINDS[prop]
                value = _entry_value(kind, line.value)
                label = validate.label(_label(line.params.get("TYPE", [])))
                clean = validate.entry_value(kind, value, default_region)
                entries.append(ImportedEntry(kind, label, clean))
        except PhonebookError as exc:
            raise InvalidVcard(number, str(exc)) from None
    if name is None:
        joined = " ".join(p for p in (given, family) if p)
        if not joined:
            raise InvalidVcard(lines[0][0], "a vCard needs a name (FN).")
        name = validate.name(joined)
    try:
        clean_aliases = validate.aliases(aliases)
    except PhonebookError as exc:
        raise InvalidVcard(lines[0][0], str(exc)) from None
    if len(entries) > validate.MAX_ENTRIES:
        raise InvalidVcard(lines[-1][0], f"a card holds at most {validate.MAX_ENTRIES} entries.")
    return ImportedCard(name, clean_aliases, tuple(entries))


def own_card(card: Card) -> str:
    """The owner's own card, every entry with its value."""
    lines = _head(card.owner_id, card.name, card.aliases)
    for entry in sorted(card.entries, key=lambda e: (e.position, e.id)):
        lines.append(_entry_line(entry.kind, entry.label, entry.value))
    return _card(lines)


def contact_card(
    view: ContactView, aliases: tuple[str, ...], dial: Callable[[EntryView], str | None]
) -> str:
    """The contact as this viewer may see it: values only where visible; a phone that may be
    called but not seen gets ``dial(entry)`` (a dial-through URI) or is left out, never its
    number."""
    lines = _head(view.id, view.name, aliases)
    for entry in view.entries:
        if entry.value is not None:
            lines.append(_entry_line(entry.kind, entry.label, entry.value))
        elif entry.callable and (uri := dial(entry)) is not None:
            lines.append(f"TEL;VALUE=uri{_type(entry.label)}:{uri}")
    return _card(lines)


def _head(uid: str, name: str, aliases: tuple[str, ...]) -> list[str]:
    lines = ["BEGIN:VCARD", "VERSION:4.0", f"UID:urn:uuid:{_uuid(uid)}", f"FN:{_escape(name)}"]
    han = phonetic_name(name)
    if han is not None:
        lines.append(f"N:{_escape(han.family)};{_escape(han.given)};;;")
        lines.append(f"X-PHONETIC-FIRST-NAME:{_escape(han.given_pinyin)}")
        lines.append(f"X-PHONETIC-LAST-NAME:{_escape(han.family_pinyin)}")
    else:
        given, _, family = name.rpartition(" ") if " " in name else (name, "", "")
        lines.append(f"N:{_escape(family)};{_escape(given)};;;")
    if aliases:
        lines.append("NICKNAME:" + ",".join(_escape(a) for a in aliases))
    return lines


def _entry_line(kind: EntryKind, label: str, value: str) -> str:
    if kind == EntryKind.PHONE:
        return f"TEL;VALUE=uri{_type(label)}:tel:{value}"
    if kind == EntryKind.EMAIL:
        return f"EMAIL{_type(label)}:{_escape(value)}"
    return f"ADR{_type(label)};LABEL={_param(value)}:;;{_escape(value)};;;;"


def _type(label: str) -> str:
    known = _LABEL_TO_TYPE.get(label.casefold())
    if known:
        return f";TYPE={known}"
    slug = re.sub(r"[^a-z0-9]+", "-", label.casefold()).strip("-")
    return f";TYPE=x-{slug}" if slug else ""


def _label(types: list[str]) -> str:
    for group in types:
        for t in group.split(","):
            t = t.strip().strip('"').casefold()
            if t in _TYPE_TO_LABEL:
                return _TYPE_TO_LABEL[t]
            if t.startswith("x-") and len(t) > 2:
                return t[2:].replace("-", " ")
            if t and t not in _IGNORED_TYPES:
                return t
    return "other"


def _entry_value(kind: EntryKind, raw: str) -> str:
    if kind == EntryKind.PHONE:
        value = raw.strip()
        if value.lower().startswith("tel:"):
            value = value[4:].split(";")[0]
        return value
    if kind == EntryKind.ADDRESS:
        parts = [_unescape(p).strip() for p in _split(raw, ";")]
        return ", ".join(p for p in parts if p)
    return _unescape(raw).strip()


def _logical_lines(text: str) -> list[tuple[int, str]]:
    """Unfolded lines with the number of the physical line each starts on."""
    out: list[tuple[int, str]] = []
    for number, line in enumerate(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"), 1):
        if line[:1] in (" ", "\t") and out:
            out[-1] = (out[-1][0], out[-1][1] + line[1:])
        elif line.strip():
            out.append((number, line))
    return out


def _split(value: str, sep: str) -> list[str]:
    return re.split(rf"(?<!\\){re.escape(sep)}", value)


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", lambda m: "\n" if m.group(1) in "nN" else m.group(1), text)


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\n", "\\n").replace(",", "\\,").replace(";", "\\;")


def _param(text: str) -> str:
    return '"' + text.replace('"', "'").replace("\n", " ") + '"'


def _uuid(hex32: str) -> str:
    h = hex32 if re.fullmatch(r"[0-9a-f]{32}", hex32) else hex32.encode().hex()[:32].ljust(32, "0")
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}"


def _card(lines: list[str]) -> str:
    return "".join(_fold(line) + "\r\n" for line in [*lines, "END:VCARD"])


def _fold(line: str) -> str:
    """Lines longer than 75 octets continue on the next, after one space (RFC 6350 3.2)."""
    out: list[str] = []
    current = b""
    for ch in line:
        b = ch.encode()
        if len(current) + len(b) > (75 if not out else 74):
            out.append(current.decode())
            current = b""
        current += b
    out.append(current.decode())
    return "\r\n ".join(out)
