"""messages sent later to Telegram have a delivery state

`messages.delivery` ("pending" until Telegram accepts the message, then "sent", or "failed"
once given up; NULL for messages that need no sending of their own), `delivery_attempts`,
`delivery_next_at` (when the next try may start; also the lease of the process trying now)
and `delivery_error` (why the latest try failed). Messages stored before this revision were
sent once or lost; they keep NULL.

Revision ID: 0011
Revises: 0010
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Written out, not imported: a migration must keep meaning what it meant when it was written.
DELIVERY = ("pending", "sent", "failed")
PROBLEMS = ("blocked", "chat_not_found", "refused", "no_chat", "rate_limited", "unreachable")


def _condition(column: str, words: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(w) for w in words)})"


def upgrade() -> None:
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("delivery", sa.String(16), nullable=True))
        batch_op.add_column(
            sa.Column("delivery_attempts", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(
            sa.Column("delivery_next_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("delivery_error", sa.String(16), nullable=True))
        batch_op.create_check_constraint(
            op.f("ck_messages_delivery"), _condition("delivery", DELIVERY)
        )
        batch_op.create_check_constraint(
            op.f("ck_messages_delivery_error"), _condition("delivery_error", PROBLEMS)
        )
        batch_op.create_index(op.f("ix_messages_delivery"), ["delivery"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_index(op.f("ix_messages_delivery"))
        batch_op.drop_constraint(op.f("ck_messages_delivery_error"), type_="check")
        batch_op.drop_constraint(op.f("ck_messages_delivery"), type_="check")
        batch_op.drop_column("delivery_error")
        batch_op.drop_column("delivery_next_at")
        batch_op.drop_column("delivery_attempts")
        batch_op.drop_column("delivery")
