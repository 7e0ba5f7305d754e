"""content settings edited in the staff pages; contacts outlive an erasure as counts

`content_settings` holds what admins set (a district's phone, the line's hours) over
content/services.yml; `content_stamp` is one row whose stamp changes with every edit, so each
process notices a change with one small read. `contacts.conversation_id` may be NULL: an erased
person's contacts stay only as counts.

Revision ID: 0008
Revises: 0007
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

revision: str = "0008"
down_revision: Union[str, Sequence[str], None] = "0007"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        "content_settings",
        sa.Column("key", sa.String(length=120), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["updated_by"],
            ["staff_users.id"],
            name=op.f("fk_content_settings_updated_by_staff_users"),
        ),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_content_settings")),
    )
    op.create_table(
        "content_stamp",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("stamp", sa.String(length=32), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_content_stamp")),
    )
    with op.batch_alter_table("contacts") as batch_op:
        batch_op.alter_column("conversation_id", existing_type=sa.String(length=64), nullable=True)


def downgrade() -> None:
    # Erased people's contacts keep no id; an empty one satisfies NOT NULL again.
    op.execute("UPDATE contacts SET conversation_id = '' WHERE conversation_id IS NULL")
    with op.batch_alter_table("contacts") as batch_op:
        batch_op.alter_column(
            "conversation_id", existing_type=sa.String(length=64), nullable=False
        )
    op.drop_table("content_stamp")
    op.drop_table("content_settings")
