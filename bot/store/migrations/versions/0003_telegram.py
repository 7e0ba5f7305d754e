"""telegram chats and claimed updates

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 00:00:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = "0003"
down_revision: Union[str, Sequence[str], None] = "0002"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('telegram_chats',
    sa.Column('chat_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('conversation_id', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['conversation_id'], ['conversations.id'], name=op.f('fk_telegram_chats_conversation_id_conversations')),
    sa.PrimaryKeyConstraint('chat_id', name=op.f('pk_telegram_chats'))
    )
    with op.batch_alter_table('telegram_chats', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_telegram_chats_conversation_id'), ['conversation_id'], unique=False)

    op.create_table('telegram_updates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('update_id', sa.BigInteger(), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_telegram_updates')),
    sa.UniqueConstraint('update_id', name=op.f('uq_telegram_updates_update_id'))
    )
    with op.batch_alter_table('telegram_updates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_telegram_updates_received_at'), ['received_at'], unique=False)


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('telegram_updates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_telegram_updates_received_at'))

    op.drop_table('telegram_updates')
    with op.batch_alter_table('telegram_chats', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_telegram_chats_conversation_id'))

    op.drop_table('telegram_chats')
