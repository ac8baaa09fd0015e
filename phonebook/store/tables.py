"""SQLAlchemy 2 typed tables. The schema is owned by the Alembic migrations next to this file."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

ID = String(32)  # uuid4 hex: ids are not guessable or countable
E164 = String(16)


class Base(DeclarativeBase):
    pass


class RevisionCounter(Base):
    """One row. Incrementing it inside a write transaction orders commits by revision,
    so a sync token never skips a change that commits later (the row lock serialises them)."""

    __tablename__ = "revision_counter"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, nullable=False)


class AccountRow(Base):
    __tablename__ = "accounts"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    aliases: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    password_hash: Mapped[str | None] = mapped_column(String(200))
    # what the access number speaks to this account (phonebook/language.py)
    language: Mapped[str] = mapped_column(
        String(8), nullable=False, default="en", server_default="en"
    )
    # revision of the last change to anything this account shares (card, circles, grants, blocks)
    revision: Mapped[int] = mapped_column(BigInteger, nullable=False, index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    pin_hash: Mapped[str | None] = mapped_column(String(200))  # access PIN for the phone
    # names.encode_index of name + aliases, written with the name keys: lookups rank from it
    # instead of re-deriving pinyin and phonetic codes (NULL: rows older than 0009 backfills)
    name_index: Mapped[str | None] = mapped_column(Text)


class PhoneRow(Base):
    """An account's claim on a number. It stands for the account (membership, caller ID,
    blocks) only once verified. Several accounts may claim one number; at most one holds it
    verified (a partial unique index), and unverified claims expire."""

    __tablename__ = "account_phones"
    __table_args__ = (
        Index(
            "uq_account_phones_verified",
            "e164",
            unique=True,
            sqlite_where=text("verified"),
            postgresql_where=text("verified"),
        ),
    )
    e164: Mapped[str] = mapped_column(E164, primary_key=True)
    account_id: Mapped[str] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    verified: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    claimed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)


class EntryRow(Base):
    __tablename__ = "entries"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    owner_id: Mapped[str] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False, index=True
    )
    kind: Mapped[str] = mapped_column(String(10), nullable=False)
    label: Mapped[str] = mapped_column(String(40), nullable=False)
    value: Mapped[str] = mapped_column(String(500), nullable=False)
    position: Mapped[int] = mapped_column(Integer, nullable=False)


class CircleRow(Base):
    __tablename__ = "circles"
    __table_args__ = (UniqueConstraint("owner_id", "name"),)
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    owner_id: Mapped[str] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False, index=True
    )
    name: Mapped[str] = mapped_column(String(100), nullable=False)


class MemberRow(Base):
    """Membership is by number: it binds to whichever account verifies that number."""

    __tablename__ = "circle_members"
    circle_id: Mapped[str] = mapped_column(
        ForeignKey("circles.id", ondelete="CASCADE"), primary_key=True
    )
    phone: Mapped[str] = mapped_column(E164, primary_key=True, index=True)


class GrantRow(Base):
    __tablename__ = "grants"
    entry_id: Mapped[str] = mapped_column(
        ForeignKey("entries.id", ondelete="CASCADE"), primary_key=True
    )
    audience: Mapped[str] = mapped_column(ID, primary_key=True, index=True)  # circle id or public
    level: Mapped[int] = mapped_column(SmallInteger, nullable=False)


class BlockRow(Base):
    __tablename__ = "blocks"
    owner_id: Mapped[str] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )
    phone: Mapped[str] = mapped_column(E164, primary_key=True, index=True)


class NameKeyRow(Base):
    """Search keys of an account's names, for prefix range scans over public entries.

    ``public`` mirrors "the account has a public callable or visible grant" (kept by
    ``queries.refresh_public`` whenever a public grant may change): the partial index holds the
    public accounts' keys only, so finding public names by prefix never scans public grants."""

    __tablename__ = "name_keys"
    __table_args__ = (
        Index(
            "ix_name_keys_public",
            "key",
            "account_id",
            sqlite_where=text("public"),
            postgresql_where=text("public"),
        ),
    )
    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    account_id: Mapped[str] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    public: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=False, server_default=false()
    )


class ExposureRow(Base):
    """Viewer has been shown owner at least once: only such owners may be reported as removed."""

    __tablename__ = "exposures"
    viewer_id: Mapped[str] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )
    owner_id: Mapped[str] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )


class LookupRow(Base):
    """Audit: who found whom, when and through which route. Readable by the one found."""

    __tablename__ = "lookups"
    __table_args__ = (Index("ix_lookups_owner_at", "owner_id", "at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    owner_id: Mapped[str] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False
    )
    viewer_id: Mapped[str] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False
    )
    via: Mapped[str] = mapped_column(String(10), nullable=False)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)


class ClaimCodeRow(Base):
    """A one-time code read to a caller registered on first use; it completes the account on
    the web. Only a hash is kept."""

    __tablename__ = "claim_codes"
    account_id: Mapped[str] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )
    code_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


class CallRow(Base):
    """A placed call (click-to-call or access number) and its outcome: the caller's log.

    The callee's name and the entry label are kept as they were when the call was placed;
    the number itself is never stored here."""

    __tablename__ = "calls"
    __table_args__ = (
        Index("ix_calls_caller_created", "caller_id", "created_at"),
        Index("ix_calls_status", "status"),
    )
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    caller_id: Mapped[str] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False
    )
    callee_id: Mapped[str] = mapped_column(ID, nullable=False)
    entry_id: Mapped[str] = mapped_column(ID, nullable=False)
    callee_name: Mapped[str] = mapped_column(String(100), nullable=False)
    entry_label: Mapped[str] = mapped_column(String(40), nullable=False)
    provider: Mapped[str] = mapped_column(String(10), nullable=False)
    provider_ref: Mapped[str | None] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(12), nullable=False)
    reason: Mapped[str | None] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)


class DeliveryRow(Base):
    """Webhook deliveries, by a hash of endpoint + the provider's idempotency token: a repeated
    delivery gets the same answer and repeats no side effect. ``response`` is NULL while the
    first delivery is being answered (the row is its claim)."""

    __tablename__ = "deliveries"
    key: Mapped[str] = mapped_column(String(100), primary_key=True)  # sha256 hex
    response: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, index=True
    )


class VerificationCodeRow(Base):
    """A one-time code proving a number for one account: sent to the number (call or SMS) and
    typed into the API, or shown in the API and typed on the keypad from that number."""

    __tablename__ = "verification_codes"
    account_id: Mapped[str] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )
    e164: Mapped[str] = mapped_column(E164, primary_key=True)
    channel: Mapped[str] = mapped_column(String(10), nullable=False)
    code_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


class RateLimitRow(Base):
    """One counter of the shared limiter (phonebook.limits.SqlLimiter). Times are epoch
    milliseconds so SQLite and PostgreSQL compare them alike."""

    __tablename__ = "rate_limits"
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, nullable=False)
    window_ends: Mapped[int] = mapped_column(BigInteger, nullable=False, index=True)
    blocked_until: Mapped[int] = mapped_column(BigInteger, nullable=False)


class AuditRow(Base):
    """Security events of an account (PIN set or locked, number verified), for its owner."""

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_account_at", "account_id", "at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    account_id: Mapped[str] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False
    )
    kind: Mapped[str] = mapped_column(String(30), nullable=False)
    via: Mapped[str] = mapped_column(String(10), nullable=False)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)


class AppPasswordRow(Base):
    """A password for one device (a phone's CardDAV account), revocable on its own. Only a
    SHA-256 of it is kept: it is random and long, so a fast hash is enough."""

    __tablename__ = "app_passwords"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    account_id: Mapped[str] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False, index=True
    )
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    secret_hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class DialCodeRow(Base):
    """A dial-through code: typed after calling the access number, it connects ``viewer`` to
    ``entry`` of ``owner`` (re-checked at that moment) without the number ever being shown.
    Deleting the row revokes it."""

    __tablename__ = "dial_codes"
    __table_args__ = (UniqueConstraint("viewer_id", "owner_id", "entry_id"),)
    code: Mapped[str] = mapped_column(String(20), primary_key=True)
    viewer_id: Mapped[str] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False, index=True
    )
    owner_id: Mapped[str] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False
    )
    entry_id: Mapped[str] = mapped_column(
        ForeignKey("entries.id", ondelete="CASCADE"), nullable=False
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
