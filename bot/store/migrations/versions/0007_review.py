"""conversation review and reports: reviews, tags, flagged messages, handover waits, indexes

`conversation_reviews` marks a conversation reviewed, `conversation_tags` holds reviewers'
short tags, `message_flags` a person's message the assistant misunderstood with the intent it
should have been. `handover_waits` keeps one row per wait for an advisor (when it began, when
it was claimed), which the conversation row forgets once the advisor lets go: triggers on
`conversations` write it, so every process that queues or claims a conversation is counted
without knowing about reports. Indexes serve the review list's filters.

SQLite drops a table's triggers when Alembic's batch mode rebuilds that table: a later
revision that alters `conversations` in batch mode must create the triggers again
(tests/store/test_review_store.py checks they exist at head).

Revision ID: 0007
Revises: 0006
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

revision: str = "0007"
down_revision: Union[str, Sequence[str], None] = "0006"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

WAIT_COLUMNS = "conversation_id, reason, urgent, waiting_since"

SQLITE_TRIGGERS = (
    f"""
    CREATE TRIGGER tr_conversations_wait_created AFTER INSERT ON conversations
    WHEN NEW.waiting_since IS NOT NULL
    BEGIN
      INSERT INTO handover_waits ({WAIT_COLUMNS})
      VALUES (NEW.id, NEW.handover_reason, NEW.urgent, NEW.waiting_since);
    END
    """,
    f"""
    CREATE TRIGGER tr_conversations_wait_started AFTER UPDATE OF waiting_since ON conversations
    WHEN NEW.waiting_since IS NOT NULL AND NEW.waiting_since IS NOT OLD.waiting_since
    BEGIN
      INSERT INTO handover_waits ({WAIT_COLUMNS})
      VALUES (NEW.id, NEW.handover_reason, NEW.urgent, NEW.waiting_since);
    END
    """,
    f"""
    CREATE TRIGGER tr_conversations_wait_claimed AFTER UPDATE OF claimed_at ON conversations
    WHEN NEW.claimed_at IS NOT NULL AND OLD.claimed_at IS NULL
    BEGIN
      INSERT INTO handover_waits ({WAIT_COLUMNS})
      SELECT NEW.id, OLD.handover_reason, OLD.urgent,
             COALESCE(OLD.waiting_since, OLD.updated_at)
      WHERE NOT EXISTS (
        SELECT 1 FROM handover_waits WHERE conversation_id = NEW.id AND claimed_at IS NULL
      );
      UPDATE handover_waits SET claimed_at = NEW.claimed_at, advisor_id = NEW.advisor_id
      WHERE id = (
        SELECT max(id) FROM handover_waits WHERE conversation_id = NEW.id AND claimed_at IS NULL
      );
    END
    """,
)
SQLITE_TRIGGER_NAMES = (
    "tr_conversations_wait_created",
    "tr_conversations_wait_started",
    "tr_conversations_wait_claimed",
)

POSTGRES_FUNCTION = f"""
CREATE FUNCTION handover_waits_track() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    IF NEW.waiting_since IS NOT NULL THEN
      INSERT INTO handover_waits ({WAIT_COLUMNS})
      VALUES (NEW.id, NEW.handover_reason, NEW.urgent, NEW.waiting_since);
    END IF;
    RETURN NEW;
  END IF;
  IF NEW.waiting_since IS NOT NULL AND NEW.waiting_since IS DISTINCT FROM OLD.waiting_since THEN
    INSERT INTO handover_waits ({WAIT_COLUMNS})
    VALUES (NEW.id, NEW.handover_reason, NEW.urgent, NEW.waiting_since);
  END IF;
  IF NEW.claimed_at IS NOT NULL AND OLD.claimed_at IS NULL THEN
    IF NOT EXISTS (
      SELECT 1 FROM handover_waits WHERE conversation_id = NEW.id AND claimed_at IS NULL
    ) THEN
      INSERT INTO handover_waits ({WAIT_COLUMNS})
      VALUES (NEW.id, OLD.handover_reason, OLD.urgent,
              COALESCE(OLD.waiting_since, OLD.updated_at));
    END IF;
    UPDATE handover_waits SET claimed_at = NEW.claimed_at, advisor_id = NEW.advisor_id
    WHERE id = (
      SELECT max(id) FROM handover_waits WHERE conversation_id = NEW.id AND claimed_at IS NULL
    );
  END IF;
  RETURN NEW;
END
$$
"""
POSTGRES_TRIGGER = (
    "CREATE TRIGGER tr_conversations_handover_waits AFTER INSERT OR UPDATE ON conversations "
    "FOR EACH ROW EXECUTE FUNCTION handover_waits_track()"
)

# (name, table, columns): the review list filters on these.
INDEXES = (
    ("ix_conversations_created_at", "conversations", ["created_at"]),
    ("ix_conversations_handover_reason", "conversations", ["handover_reason"]),
    ("ix_contacts_district", "contacts", ["district", "conversation_id"]),
    ("ix_contacts_provider", "contacts", ["provider", "conversation_id"]),
    ("ix_contacts_outcome", "contacts", ["outcome", "conversation_id"]),
)


def _staff_fk(table: str, column: str = "staff_user_id") -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], ["staff_users.id"], name=op.f(f"fk_{table}_{column}_staff_users")
    )


def _conversation_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["conversation_id"],
        ["conversations.id"],
        name=op.f(f"fk_{table}_conversation_id_conversations"),
        ondelete="CASCADE",
    )


def upgrade() -> None:
    op.create_table(
        "conversation_reviews",
        sa.Column("conversation_id", sa.String(length=64), nullable=False),
        sa.Column("staff_user_id", sa.Integer(), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=False),
        _conversation_fk("conversation_reviews"),
        _staff_fk("conversation_reviews"),
        sa.PrimaryKeyConstraint("conversation_id", name=op.f("pk_conversation_reviews")),
    )
    op.create_table(
        "conversation_tags",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.String(length=64), nullable=False),
        sa.Column("tag", sa.String(length=40), nullable=False),
        sa.Column("staff_user_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        _conversation_fk("conversation_tags"),
        _staff_fk("conversation_tags"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conversation_tags")),
        sa.UniqueConstraint(
            "conversation_id", "tag", name=op.f("uq_conversation_tags_conversation_id")
        ),
    )
    op.create_index("ix_conversation_tags_tag", "conversation_tags", ["tag", "conversation_id"])
    op.create_table(
        "message_flags",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.String(length=64), nullable=False),
        sa.Column("intent", sa.String(length=64), nullable=False),
        sa.Column("staff_user_id", sa.Integer(), nullable=True),
        sa.Column("flagged_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["messages.id"],
            name=op.f("fk_message_flags_message_id_messages"),
            ondelete="CASCADE",
        ),
        _conversation_fk("message_flags"),
        _staff_fk("message_flags"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_message_flags")),
        sa.UniqueConstraint("message_id", name=op.f("uq_message_flags_message_id")),
    )
    op.create_index(
        op.f("ix_message_flags_conversation_id"), "message_flags", ["conversation_id"]
    )
    op.create_index(op.f("ix_message_flags_flagged_at"), "message_flags", ["flagged_at"])
    op.create_table(
        "handover_waits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.String(length=16), nullable=True),
        sa.Column("urgent", sa.Boolean(), nullable=False),
        sa.Column("waiting_since", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("advisor_id", sa.Integer(), nullable=True),
        _conversation_fk("handover_waits"),
        _staff_fk("handover_waits", "advisor_id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_handover_waits")),
    )
    op.create_index(
        op.f("ix_handover_waits_conversation_id"), "handover_waits", ["conversation_id"]
    )
    op.create_index(op.f("ix_handover_waits_waiting_since"), "handover_waits", ["waiting_since"])
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)

    # Waits under way when this revision is applied; earlier ones were never kept.
    op.execute(
        "INSERT INTO handover_waits"
        " (conversation_id, reason, urgent, waiting_since, claimed_at, advisor_id)"
        " SELECT id, handover_reason, urgent, waiting_since, claimed_at, advisor_id"
        " FROM conversations WHERE waiting_since IS NOT NULL"
    )
    if op.get_bind().dialect.name == "postgresql":
        # The topic filter (contacts.topics @> '["housing"]') reads this instead of every row.
        op.execute(
            "CREATE INDEX ix_contacts_topics ON contacts"
            " USING gin ((topics::jsonb) jsonb_path_ops)"
        )
        op.execute(POSTGRES_FUNCTION)
        op.execute(POSTGRES_TRIGGER)
    else:
        for trigger in SQLITE_TRIGGERS:
            op.execute(trigger)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS tr_conversations_handover_waits ON conversations")
        op.execute("DROP FUNCTION IF EXISTS handover_waits_track()")
        op.execute("DROP INDEX IF EXISTS ix_contacts_topics")
    else:
        for name in SQLITE_TRIGGER_NAMES:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    for name, table, _ in INDEXES:
        op.drop_index(name, table_name=table)
    op.drop_table("handover_waits")
    op.drop_table("message_flags")
    op.drop_table("conversation_tags")
    op.drop_table("conversation_reviews")
