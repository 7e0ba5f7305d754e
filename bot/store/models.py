"""Tables for contacts, referrals and consent records.

Contact rows never hold message text or personal details: they are what staff count per
district service. Personal details live only in referrals, which exist only after consent.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    cast,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship, validates

from bot.vocabulary import (
    Channel,
    ConversationState,
    Delivery,
    DeliveryProblem,
    Outcome,
    ProbationStatus,
    Sender,
    StaffRole,
    UpdateState,
    values,
)

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

OUTCOMES = tuple(values(Outcome))
PROBATION_STATUSES = tuple(values(ProbationStatus))


def checked(enum: type[StrEnum], name: str, length: int) -> Enum:
    """A string column that only takes the enum's values: a CHECK constraint named
    ck_<table>_<name> in the schema, and a LookupError before any other value is written."""
    return Enum(
        enum,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=length,
        values_callable=values,
        validate_strings=True,
    )


def utcnow() -> datetime:
    """Timezone-aware now, so SQLite and PostgreSQL store the same instant."""
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Contact(Base):
    """One conversation outcome, logged against the district service."""

    __tablename__ = "contacts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # NULL once the person is erased or their conversation aged out: the count stays, the link
    # goes (bot/store/privacy.py). Reads always filter by an id, so they never meet a NULL.
    conversation_id: Mapped[str] = mapped_column(String(64), index=True, nullable=True)
    channel: Mapped[str] = mapped_column(checked(Channel, "channel", 16))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    district: Mapped[str | None] = mapped_column(String(32))
    provider: Mapped[str | None] = mapped_column(String(200))
    topics: Mapped[list[str]] = mapped_column(JSON, default=list)
    outcome: Mapped[str] = mapped_column(checked(Outcome, "outcome", 16))
    probation_status: Mapped[str | None] = mapped_column(
        checked(ProbationStatus, "probation_status", 24)
    )


class ConsentRecord(Base):
    """Proof of an explicit yes before anything personal was stored (UK GDPR Art. 10)."""

    __tablename__ = "consent_records"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    conversation_id: Mapped[str] = mapped_column(String(64), index=True)
    channel: Mapped[str] = mapped_column(checked(Channel, "channel", 16))
    purpose: Mapped[str] = mapped_column(String(32), default="self_referral")
    wording_version: Mapped[str] = mapped_column(String(32))
    given_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Referral(Base):
    """A self-referral, saved only on the person's final confirmation."""

    __tablename__ = "referrals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    conversation_id: Mapped[str] = mapped_column(String(64), index=True)
    channel: Mapped[str] = mapped_column(checked(Channel, "channel", 16))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    preferred_name: Mapped[str] = mapped_column(String(80))
    district: Mapped[str] = mapped_column(String(32))
    provider: Mapped[str | None] = mapped_column(String(200))
    contact_method: Mapped[str] = mapped_column(String(16))
    phone: Mapped[str | None] = mapped_column(String(20))
    best_time: Mapped[str] = mapped_column(String(80))
    needs: Mapped[list[str]] = mapped_column(JSON, default=list)
    probation_status: Mapped[str] = mapped_column(checked(ProbationStatus, "probation_status", 24))
    status: Mapped[str] = mapped_column(String(16), default="new")
    consent_id: Mapped[int] = mapped_column(ForeignKey("consent_records.id"))

    consent: Mapped[ConsentRecord] = relationship()


CONVERSATION_STATES = tuple(values(ConversationState))
SENDERS = tuple(values(Sender))


class Conversation(Base):
    """One chat with one person, whatever the channel; its id is Rasa's sender id."""

    __tablename__ = "conversations"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    channel: Mapped[str] = mapped_column(checked(Channel, "channel", 16))
    state: Mapped[str] = mapped_column(
        checked(ConversationState, "state", 16), default=ConversationState.ASSISTANT, index=True
    )
    handover_reason: Mapped[str | None] = mapped_column(String(16))
    urgent: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )
    # The advisor side (issue 5): who holds it, since when, and how it ended.
    advisor_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"), index=True)
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    waiting_since: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    outcome: Mapped[str | None] = mapped_column(checked(Outcome, "outcome", 16))

    @validates("state")
    def _track_waiting(self, _key: str, state: str) -> str:
        """The queue orders by when the wait began, whoever moved the conversation there."""
        if state == ConversationState.WAITING and self.state != ConversationState.WAITING:
            self.waiting_since = utcnow()
        return state


class WebchatSession(Base):
    """A web chat browser session: a public id and the hash of its secret token. The token
    stops working after a quiet spell (WEBCHAT_IDLE_MINUTES) or at Quick exit (`revoked_at`)."""

    __tablename__ = "webchat_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64))
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class Message(Base):
    """Every message in and out, so staff can review and a reload can resume."""

    __tablename__ = "messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id"), index=True)
    direction: Mapped[str] = mapped_column(String(3))  # "in" or "out"
    sender: Mapped[str] = mapped_column(checked(Sender, "sender", 16))
    text: Mapped[str] = mapped_column(Text, default="")
    buttons: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    # Sending a later message to the person's Telegram chat (migration 0011): NULL when the
    # message needs no sending of its own; tries so far, when the next may start (also the
    # lease of a process sending it now) and why the latest failed (bot/store/delivery.py).
    delivery: Mapped[str | None] = mapped_column(checked(Delivery, "delivery", 16), index=True)
    delivery_attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    delivery_next_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    delivery_error: Mapped[str | None] = mapped_column(
        checked(DeliveryProblem, "delivery_error", 16)
    )


class TelegramChat(Base):
    """A Telegram chat's conversation: the only place a Telegram chat id is kept."""

    __tablename__ = "telegram_chats"

    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class TelegramUpdate(Base):
    """A claimed Telegram update id, so a redelivered update is handled only once: "processing"
    under a lease while a gateway process handles it (a stale lease is taken over), "done"
    once the person's message is stored."""

    __tablename__ = "telegram_updates"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    update_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    received_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, index=True
    )
    state: Mapped[str] = mapped_column(
        checked(UpdateState, "state", 16), default=UpdateState.DONE, server_default="done"
    )
    lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


STAFF_ROLES = tuple(values(StaffRole))


class StaffUser(Base):
    """An advisor, reviewer (read only) or admin of the console; only a password hash is kept."""

    __tablename__ = "staff_users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(checked(StaffRole, "role", 16))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class StaffSession(Base):
    """A signed-in browser: the hash of its cookie token, so a database leak opens nothing."""

    __tablename__ = "staff_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    staff_user_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class LoginThrottle(Base):
    """Failed logins per username or client address, so guessing slows down across workers."""

    __tablename__ = "login_throttle"

    key: Mapped[str] = mapped_column(String(160), primary_key=True)
    failures: Mapped[int] = mapped_column(default=0)
    last_failed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    blocked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ConversationNote(Base):
    """An advisor's private note on a conversation; the person never sees it."""

    __tablename__ = "conversation_notes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id"), index=True)
    staff_user_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id"))
    text: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class AuditEvent(Base):
    """Who did what and when on the staff side (UK GDPR Art. 10): ids only, never message text."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    staff_user_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"), index=True)
    action: Mapped[str] = mapped_column(String(32), index=True)
    conversation_id: Mapped[str | None] = mapped_column(String(64), index=True)
    detail: Mapped[str | None] = mapped_column(String(200))
    client: Mapped[str | None] = mapped_column(String(64))


CALLBACK_STATUSES = ("asked", "consented", "given", "declined")


class CallbackRequest(Base):
    """A person waiting for an advisor who may leave a number to be called back; the number is
    kept only after a yes to the consent question, whose record it points to."""

    __tablename__ = "callback_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="asked")
    consent_id: Mapped[int | None] = mapped_column(ForeignKey("consent_records.id"))
    phone: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )


class ContentSetting(Base):
    """A content detail an admin set in the staff pages (a district's phone, the line's hours),
    laid over content/services.yml; never personal data."""

    __tablename__ = "content_settings"

    key: Mapped[str] = mapped_column(String(120), primary_key=True)
    value: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))


class ContentStamp(Base):
    """One row whose stamp changes with every content change, so each process notices an edit
    with one cheap read instead of reading every setting on every turn."""

    __tablename__ = "content_stamp"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    stamp: Mapped[str] = mapped_column(String(32))
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )


# Conversation review and reports (migration 0007).


class ConversationReview(Base):
    """A conversation a reviewer has marked reviewed: by whom and when."""

    __tablename__ = "conversation_reviews"

    conversation_id: Mapped[str] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), primary_key=True
    )
    staff_user_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    reviewed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ConversationTag(Base):
    """A reviewer's short free-text tag on a conversation, to find it again."""

    __tablename__ = "conversation_tags"
    __table_args__ = (
        UniqueConstraint("conversation_id", "tag"),
        Index("ix_conversation_tags_tag", "tag", "conversation_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    tag: Mapped[str] = mapped_column(String(40))
    staff_user_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class MessageFlag(Base):
    """A person's message the assistant misunderstood, and the intent it should have been:
    the source of the NLU export."""

    __tablename__ = "message_flags"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    message_id: Mapped[int] = mapped_column(
        ForeignKey("messages.id", ondelete="CASCADE"), unique=True
    )
    conversation_id: Mapped[str] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )
    intent: Mapped[str] = mapped_column(String(64))
    staff_user_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    flagged_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, index=True
    )


class HandoverWait(Base):
    """One wait for an advisor: when it began and when (if ever) an advisor claimed it.

    Written by triggers on `conversations` (migration 0007), so every process that queues or
    claims a conversation is counted; the reports read it."""

    __tablename__ = "handover_waits"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    conversation_id: Mapped[str] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )
    reason: Mapped[str | None] = mapped_column(String(16))
    urgent: Mapped[bool] = mapped_column(default=False)
    waiting_since: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    advisor_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))


# The review list's filters (migration 0007).
Index("ix_conversations_created_at", Conversation.created_at)
Index("ix_conversations_handover_reason", Conversation.handover_reason)
Index("ix_contacts_district", Contact.district, Contact.conversation_id)
Index("ix_contacts_provider", Contact.provider, Contact.conversation_id)
Index("ix_contacts_outcome", Contact.outcome, Contact.conversation_id)
# PostgreSQL only: the topic filter's `topics::jsonb @> '["housing"]'` reads this GIN index.
Index(
    "ix_contacts_topics",
    cast(Contact.topics, JSONB).label("topics_jsonb"),
    postgresql_using="gin",
    postgresql_ops={"topics_jsonb": "jsonb_path_ops"},
).ddl_if(dialect="postgresql")
