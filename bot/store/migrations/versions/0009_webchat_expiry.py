"""web chat sessions can be revoked (Quick exit)

`webchat_sessions.revoked_at`: set when the person presses Quick exit; the token stops working
at once. A session also stops working after WEBCHAT_IDLE_MINUTES without a message, which is
worked out from the conversation's messages, so it needs no column.

Revision ID: 0009
Revises: 0008
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

revision: str = "0009"
down_revision: Union[str, Sequence[str], None] = "0008"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table("webchat_sessions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("webchat_sessions", schema=None) as batch_op:
        batch_op.drop_column("revoked_at")
