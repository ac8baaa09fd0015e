"""App passwords for devices (a phone's CardDAV account): create (shown once), list, revoke."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Response
from pydantic import BaseModel, ConfigDict, Field

from api.auth import Me, PhonebookDep
from phonebook.apppasswords import AppPassword

router = APIRouter(prefix="/v1/me/app-passwords", tags=["me"])


class AppPasswordIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=100, examples=["My iPhone"])


class AppPasswordOut(BaseModel):
    id: str
    name: str
    created_at: datetime
    last_used_at: datetime | None

    @classmethod
    def of(cls, p: AppPassword) -> AppPasswordOut:
        return cls(id=p.id, name=p.name, created_at=p.created_at, last_used_at=p.last_used_at)


class NewAppPasswordOut(AppPasswordOut):
    password: str = Field(description="Shown this once: type it into the device now.")


@router.post("", response_model=NewAppPasswordOut, status_code=201)
async def create(body: AppPasswordIn, me: Me, pb: PhonebookDep) -> NewAppPasswordOut:
    made, secret = await pb.app_passwords.create(me, body.name)
    return NewAppPasswordOut(**AppPasswordOut.of(made).model_dump(), password=secret)


@router.get("", response_model=list[AppPasswordOut])
async def list_all(me: Me, pb: PhonebookDep) -> list[AppPasswordOut]:
    return [AppPasswordOut.of(p) for p in await pb.app_passwords.list(me)]


@router.delete("/{password_id}", status_code=204, response_class=Response)
async def revoke(password_id: str, me: Me, pb: PhonebookDep) -> Response:
    await pb.app_passwords.revoke(me, password_id)
    return Response(status_code=204)
