"""Request and response bodies of API v1, and their mapping from domain types."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal, cast

from pydantic import BaseModel, ConfigDict, Field

from phonebook.accounts import Profile
from phonebook.calls import Call
from phonebook.circles import Circle
from phonebook.directory import LookupRecord, PhonebookPage
from phonebook.model import ContactView, Entry
from phonebook.validate import (
    MAX_ALIASES,
    MAX_ENTRIES,
    MAX_LABEL,
    MAX_NAME,
    MAX_PASSWORD,
    MIN_PASSWORD,
)

LevelName = Literal["hidden", "callable", "visible"]
Language = Literal["en", "zh"]  # phonebook.language.LANGUAGES


class Strict(BaseModel):
    # strict: a value of the wrong JSON type is refused, never coerced ({"position": false})
    model_config = ConfigDict(extra="forbid", strict=True)


class ErrorDetail(BaseModel):
    code: str = Field(description="stable, machine-readable; listed in the README")
    message: str = Field(description="for people; may change")


class ErrorOut(BaseModel):
    """Every error answer: ``{"error": {"code": ..., "message": ...}}``."""

    model_config = ConfigDict(title="Error")
    error: ErrorDetail


# One line of text with something in it, no control characters. Stated in the schema and
# enforced by the domain (phonebook.validate), which answers with its own precise error code.
_ONE_LINE = r"^[^\x00-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*$"


def _text(documented_max: int, parsed_max: int, default: Any = ...) -> Any:
    return Field(
        default,
        max_length=parsed_max,
        json_schema_extra={"minLength": 1, "maxLength": documented_max, "pattern": _ONE_LINE},
    )


def _password() -> Any:
    return Field(max_length=MAX_PASSWORD, json_schema_extra={"minLength": MIN_PASSWORD})


class AccountIn(Strict):
    name: str = _text(MAX_NAME, 200)
    phone: str = Field(max_length=40)
    password: str = _password()


class ClaimIn(Strict):
    phone: str = Field(max_length=40)
    code: str = Field(max_length=12)
    name: str = _text(MAX_NAME, 200)
    password: str = _password()


class AccountOut(BaseModel):
    id: str
    name: str
    phone: str
    phone_verified: bool
    token: str

    @classmethod
    def of(cls, p: Profile, token: str) -> AccountOut:
        return cls(
            id=p.id, name=p.name, phone=p.phone.e164, phone_verified=p.phone.verified, token=token
        )


class TokenOut(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"


class PhoneOut(BaseModel):
    phone: str
    verified: bool


class MeOut(BaseModel):
    id: str
    name: str
    aliases: list[str]
    phones: list[PhoneOut]
    language: Language = Field(description="what the access number speaks to you")

    @classmethod
    def of(cls, p: Profile) -> MeOut:
        return cls(
            id=p.id,
            name=p.name,
            aliases=list(p.aliases),
            phones=[PhoneOut(phone=x.e164, verified=x.verified) for x in p.phones],
            language=cast(Language, p.language),
        )


class MePatch(Strict):
    name: str | None = _text(MAX_NAME, 200, None)
    aliases: list[Annotated[str, _text(MAX_NAME, 200)]] | None = Field(
        default=None, max_length=50, json_schema_extra={"maxItems": MAX_ALIASES}
    )
    language: Language | None = Field(
        default=None, description="en or zh: the access number's prompts for you"
    )


class EntryIn(Strict):
    kind: Literal["phone", "email", "address"]
    label: str = _text(MAX_LABEL, 100)
    value: str = Field(max_length=1000)
    grants: dict[str, LevelName] = Field(default_factory=dict, max_length=60)


class EntryPatch(Strict):
    label: str | None = _text(MAX_LABEL, 100, None)
    value: str | None = Field(default=None, max_length=1000)
    position: int | None = Field(default=None, ge=0, le=MAX_ENTRIES - 1)


class EntryOut(BaseModel):
    id: str
    kind: str
    label: str
    value: str
    position: int
    grants: dict[str, LevelName]

    @classmethod
    def of(cls, e: Entry) -> EntryOut:
        return cls(
            id=e.id,
            kind=e.kind.value,
            label=e.label,
            value=e.value,
            position=e.position,
            grants={a: lvl.label for a, lvl in sorted(e.grants.items())},
        )


class GrantIn(Strict):
    level: LevelName


class CircleIn(Strict):
    name: str = _text(MAX_NAME, 200)


class MemberOut(BaseModel):
    phone: str
    pending: bool


class CircleOut(BaseModel):
    id: str
    name: str
    members: list[MemberOut]

    @classmethod
    def of(cls, c: Circle) -> CircleOut:
        return cls(
            id=c.id,
            name=c.name,
            members=[MemberOut(phone=m.phone, pending=m.pending) for m in c.members],
        )


class ContactEntryOut(BaseModel):
    id: str
    kind: str
    label: str
    value: str | None
    callable: bool


class ContactOut(BaseModel):
    id: str
    name: str
    entries: list[ContactEntryOut]

    @classmethod
    def of(cls, c: ContactView) -> ContactOut:
        return cls(
            id=c.id,
            name=c.name,
            entries=[
                ContactEntryOut(
                    id=e.id, kind=e.kind.value, label=e.label, value=e.value, callable=e.callable
                )
                for e in c.entries
            ],
        )


class PhonebookOut(BaseModel):
    contacts: list[ContactOut]
    removed: list[str]
    sync_token: str
    full: bool

    @classmethod
    def of(cls, page: PhonebookPage) -> PhonebookOut:
        return cls(
            contacts=[ContactOut.of(c) for c in page.contacts],
            removed=list(page.removed),
            sync_token=page.sync_token,
            full=page.full,
        )


class MatchesOut(BaseModel):
    matches: list[ContactOut]


class LookupRecordOut(BaseModel):
    viewer_id: str
    viewer_name: str
    via: str
    at: datetime

    @classmethod
    def of(cls, r: LookupRecord) -> LookupRecordOut:
        return cls(viewer_id=r.viewer_id, viewer_name=r.viewer_name, via=r.via, at=r.at)


class LookupsOut(BaseModel):
    lookups: list[LookupRecordOut]


class BlocksOut(BaseModel):
    blocks: list[str]


class CallIn(Strict):
    to: str = Field(max_length=40, description="contact id (from lookup or the phonebook)")
    entry: str | None = Field(default=None, max_length=40, description="which callable entry")


class CallOut(BaseModel):
    id: str
    status: str
    callee_id: str
    callee_name: str
    label: str
    reason: str | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, c: Call) -> CallOut:
        return cls(
            id=c.id,
            status=c.status.value,
            callee_id=c.callee_id,
            callee_name=c.callee_name,
            label=c.entry_label,
            reason=c.reason,
            created_at=c.created_at,
            updated_at=c.updated_at,
        )


class CallsOut(BaseModel):
    calls: list[CallOut]


class VerificationIn(Strict):
    channel: Literal["call", "sms", "callin"] = Field(
        description="call or sms: the code goes to the number; callin: the code is shown here, "
        "to type on the keypad when calling the access number from that number"
    )


class VerificationOut(BaseModel):
    phone: str
    channel: str
    expires_at: datetime
    code: str | None = Field(default=None, description="callin only")


class CodeIn(Strict):
    code: str = Field(max_length=12)


class PinIn(Strict):
    pin: str = Field(pattern=r"^[0-9]{4,12}$")


class AuditEventOut(BaseModel):
    kind: str
    via: str
    at: datetime


class AuditOut(BaseModel):
    events: list[AuditEventOut]
