"""proved numbers: several unverified claims per number, one verified holder; verification
codes, access PINs, the shared limiter's counters and the security audit

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _phones_table(name: str, *, multi: bool) -> None:
    op.create_table(
        name,
        sa.Column("e164", sa.String(length=16), nullable=False),
        sa.Column("account_id", sa.String(length=32), nullable=False),
        sa.Column("verified", sa.Boolean(), nullable=False),
        *([sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=False)] if multi else []),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint(*(["e164", "account_id"] if multi else ["e164"])),
    )


def upgrade() -> None:
    # account_phones: the number alone was the key, so one unverified claim blocked everyone.
    # A new table (portable: SQLite cannot change a primary key in place), copied, renamed.
    _phones_table("account_phones_new", multi=True)
    op.execute(
        "INSERT INTO account_phones_new (e164, account_id, verified, claimed_at) "
        "SELECT e164, account_id, verified, CURRENT_TIMESTAMP FROM account_phones"
    )
    with op.batch_alter_table("account_phones") as batch_op:
        batch_op.drop_index("ix_account_phones_account_id")
    op.drop_table("account_phones")
    op.rename_table("account_phones_new", "account_phones")
    op.create_index("ix_account_phones_account_id", "account_phones", ["account_id"])
    op.create_index(
        "uq_account_phones_verified",
        "account_phones",
        ["e164"],
        unique=True,
        sqlite_where=sa.text("verified"),
        postgresql_where=sa.text("verified"),
    )

    with op.batch_alter_table("accounts") as batch_op:
        batch_op.add_column(sa.Column("pin_hash", sa.String(length=200), nullable=True))

    op.create_table(
        "verification_codes",
        sa.Column("account_id", sa.String(length=32), nullable=False),
        sa.Column("e164", sa.String(length=16), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("account_id", "e164"),
    )
    op.create_table(
        "rate_limits",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("window_ends", sa.BigInteger(), nullable=False),
        sa.Column("blocked_until", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_index("ix_rate_limits_window_ends", "rate_limits", ["window_ends"])
    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("account_id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("via", sa.String(length=10), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_audit_events_account_at", "audit_events", ["account_id", "at"])


def downgrade() -> None:
    op.drop_index("ix_audit_events_account_at", table_name="audit_events")
    op.drop_table("audit_events")
    op.drop_index("ix_rate_limits_window_ends", table_name="rate_limits")
    op.drop_table("rate_limits")
    op.drop_table("verification_codes")
    with op.batch_alter_table("accounts") as batch_op:
        batch_op.drop_column("pin_hash")
    # back to one row per number: the verified holder, else the earliest claim
    _phones_table("account_phones_old", multi=False)
    op.execute(
        "INSERT INTO account_phones_old (e164, account_id, verified) "
        "SELECT p.e164, p.account_id, p.verified FROM account_phones p "
        "WHERE NOT EXISTS (SELECT 1 FROM account_phones q WHERE q.e164 = p.e164 AND "
        "(q.verified > p.verified OR (q.verified = p.verified AND q.account_id < p.account_id)))"
    )
    op.drop_index("uq_account_phones_verified", table_name="account_phones")
    op.drop_index("ix_account_phones_account_id", table_name="account_phones")
    op.drop_table("account_phones")
    op.rename_table("account_phones_old", "account_phones")
    op.create_index("ix_account_phones_account_id", "account_phones", ["account_id"])
