"""scale: precomputed name indexes, a partial index of public name keys, and on PostgreSQL
the revision sequence (phonebook/store/revisions.py)

Revision ID: 0009
Revises: 0007
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from phonebook import names

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 2000


def upgrade() -> None:
    with op.batch_alter_table("accounts") as batch_op:
        batch_op.add_column(sa.Column("name_index", sa.Text(), nullable=True))
    with op.batch_alter_table("name_keys") as batch_op:
        batch_op.add_column(
            sa.Column("public", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    # the keys of accounts with a public callable or visible grant (level >= 1)
    op.execute(
        "UPDATE name_keys SET public = TRUE WHERE account_id IN ("
        " SELECT e.owner_id FROM entries e JOIN grants g ON g.entry_id = e.id"
        " WHERE g.audience = 'public' AND g.level >= 1)"
    )
    op.create_index(
        "ix_name_keys_public",
        "name_keys",
        ["key", "account_id"],
        sqlite_where=sa.text("public"),
        postgresql_where=sa.text("public"),
    )
    _backfill_name_indexes()
    if op.get_bind().dialect.name == "postgresql":
        # CACHE 1 (the default) is required by the sync horizon; it goes on from the counter
        op.execute("CREATE SEQUENCE revision_seq AS bigint MINVALUE 0 CACHE 1")
        op.execute("SELECT setval('revision_seq', (SELECT value FROM revision_counter), true)")


def _backfill_name_indexes() -> None:
    """Every existing account's stored name index, in batches by id."""
    bind = op.get_bind()
    accounts = sa.table(
        "accounts",
        sa.column("id", sa.String),
        sa.column("name", sa.String),
        sa.column("aliases", sa.JSON),
        sa.column("name_index", sa.Text),
    )
    after = ""
    while True:
        rows = bind.execute(
            sa.select(accounts.c.id, accounts.c.name, accounts.c.aliases)
            .where(accounts.c.id > after)
            .order_by(accounts.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        bind.execute(
            accounts.update()
            .where(accounts.c.id == sa.bindparam("b_id"))
            .values(name_index=sa.bindparam("b_index")),
            [
                {
                    "b_id": r.id,
                    "b_index": names.encode_index(names.index_name(r.name, r.aliases or ())),
                }
                for r in rows
            ],
        )
        after = rows[-1].id


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("UPDATE revision_counter SET value = (SELECT last_value FROM revision_seq)")
        op.execute("DROP SEQUENCE revision_seq")
    op.drop_index("ix_name_keys_public", table_name="name_keys")
    with op.batch_alter_table("name_keys") as batch_op:
        batch_op.drop_column("public")
    with op.batch_alter_table("accounts") as batch_op:
        batch_op.drop_column("name_index")
