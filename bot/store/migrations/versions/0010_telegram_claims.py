"""Telegram update claims have a state and a lease

`telegram_updates.state` ("processing" while a gateway process handles the update, "done" once
the person's message is stored) and `lease_until`: a claim whose lease has run out (its process
died) is taken over, so a redelivered update is neither lost nor handled twice. Claims made
before this revision were all handled, so they are "done".

Revision ID: 0010
Revises: 0009
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("telegram_updates", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("state", sa.String(16), nullable=False, server_default="done")
        )
        batch_op.add_column(sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_check_constraint(
            op.f("ck_telegram_updates_state"), "state IN ('processing', 'done')"
        )


def downgrade() -> None:
    with op.batch_alter_table("telegram_updates", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_telegram_updates_state"), type_="check")
        batch_op.drop_column("lease_until")
        batch_op.drop_column("state")
