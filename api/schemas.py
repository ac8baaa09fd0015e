"""Request and response bodies of API v1, and their mapping from domain types."""

from __future__ import annotations

from datetime import datetime
from typing import Literal, cast

from pydantic import BaseModel, ConfigDict, Field

from phonebook.accounts import Profile
from phonebook.calls import Call
from phonebook.circles import Circle
from phonebook.directory import LookupRecord, PhonebookPage
from phonebook.model import ContactView, Entry

LevelName = Literal["hidden", "callable", "visible"]
Language = Literal["en", "zh"]  # phonebook.language.LANGUAGES


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AccountIn(Strict):
    name: str = Field(max_length=200)
    phone: str = Field(max_length=40)
    password: str = Field(max_length=256)


class ClaimIn(Strict):
    phone: str = Field(max_length=40)
    code: str = Field(max_length=12)
    name: str = Field(max_length=200)
    password: str = Field(max_length=256)


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
    name: str | None = Field(default=None, max_length=200)
    aliases: list[str] | None = Field(default=None, max_length=50)
    language: Language | None = Field(
        default=None, description="en or zh: the access number's prompts for you"
    )


class EntryIn(Strict):
    kind: Literal["phone", "email", "address"]
    label: str = Field(max_length=100)
    value: str = Field(max_length=1000)
    grants: dict[str, LevelName] = Field(default_factory=dict, max_length=60)


class EntryPatch(Strict):
    label: str | None = Field(default=None, max_length=100)
    value: str | None = Field(default=None, max_length=1000)
    position: int | None = None


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
    name: str = Field(max_length=200)


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
