"""vocabulary checks: states, channels, outcomes, senders, roles, probation status

Each column that holds one of the words in bot/vocabulary.py gets a CHECK constraint with
exactly those words, so no part (and no hand-written SQL) can store anything else.

Revision ID: 0006
Revises: 0005
"""
from typing import Sequence, Union

from alembic import op

revision: str = "0006"
down_revision: Union[str, Sequence[str], None] = "0005"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

# Written out, not imported: a migration must keep meaning what it meant when it was written.
CHANNELS = ("telegram", "webchat", "other")
STATES = ("assistant", "waiting", "advisor", "closed")
OUTCOMES = ("answered", "signposted", "referral", "handover", "crisis")
SENDERS = ("person", "assistant", "advisor")
ROLES = ("advisor", "reviewer", "admin")
PROBATION = ("yes", "no", "prefer_not_to_say")

CHECKS = {
    "contacts": {"channel": CHANNELS, "outcome": OUTCOMES, "probation_status": PROBATION},
    "consent_records": {"channel": CHANNELS},
    "referrals": {"channel": CHANNELS, "probation_status": PROBATION},
    "conversations": {"channel": CHANNELS, "state": STATES, "outcome": OUTCOMES},
    "messages": {"sender": SENDERS},
    "staff_users": {"role": ROLES},
}


def _condition(column: str, words: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(w) for w in words)})"


def upgrade() -> None:
    for table, columns in CHECKS.items():
        with op.batch_alter_table(table) as batch_op:
            for column, words in columns.items():
                batch_op.create_check_constraint(
                    op.f(f"ck_{table}_{column}"), _condition(column, words)
                )


def downgrade() -> None:
    for table, columns in CHECKS.items():
        with op.batch_alter_table(table) as batch_op:
            for column in columns:
                batch_op.drop_constraint(op.f(f"ck_{table}_{column}"), type_="check")
