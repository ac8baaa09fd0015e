"""delivery claims: a delivery's row is written before its answer (NULL while in progress)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.alter_column("response", existing_type=sa.Text(), nullable=True)


def downgrade() -> None:
    op.execute("DELETE FROM deliveries WHERE response IS NULL")
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.alter_column("response", existing_type=sa.Text(), nullable=False)
