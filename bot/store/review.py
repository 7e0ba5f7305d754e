"""Conversation review: the filtered list, reviewed marks, tags and misunderstood messages.

The list is one SELECT on `conversations` whose filters are EXISTS tests on the rows that say
where the person lives and how it ended (contacts), how it was handed over (handover_waits)
and what reviewers did (reviews, tags); each is served by an index from migration 0007, so a
page stays fast on 100,000 conversations. A page's details are read for its ids only.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, delete, exists, func, not_, or_, select, true
from sqlalchemy.exc import IntegrityError

from bot.store.conversations import WITHHELD
from bot.store.models import (
    AuditEvent,
    Contact,
    Conversation,
    ConversationReview,
    ConversationTag,
    HandoverWait,
    Message,
    MessageFlag,
    StaffUser,
    utcnow,
)
from bot.store.reports import json_elements, json_has
from bot.store.session import get_engine, get_sessionmaker
from bot.store.staff import aware
from bot.vocabulary import Outcome, Sender

CRISIS = "crisis"
# A personal answer's stand-in in the transcript, "[answer to: phone number]": no words to flag.
WITHHELD_START = WITHHELD.split("{")[0]


@dataclass(frozen=True)
class ReviewFilters:
    """What a reviewer narrows the list to; None means "any"."""

    since: datetime | None = None
    until: datetime | None = None
    channel: str | None = None
    district: str | None = None
    provider: str | None = None
    outcome: str | None = None
    topic: str | None = None
    reason: str | None = None
    crisis: bool | None = None
    reviewed: bool | None = None
    tag: str | None = None


@dataclass(frozen=True)
class ReviewRow:
    """One conversation in the review list (no message text)."""

    conversation_id: str
    channel: str
    state: str
    created_at: datetime
    reason: str | None
    urgent: bool
    districts: list[str] = field(default_factory=list)
    providers: list[str] = field(default_factory=list)
    outcomes: list[str] = field(default_factory=list)
    topics: list[str] = field(default_factory=list)
    reviewed_at: datetime | None = None
    reviewed_by: str | None = None
    tags: list[str] = field(default_factory=list)
    flags: int = 0
    messages: int = 0


@dataclass(frozen=True)
class ReviewPage:
    total: int
    items: list[ReviewRow]


@dataclass(frozen=True)
class ReviewState:
    """What reviewers recorded on one conversation."""

    reviewed_at: datetime | None
    reviewed_by: str | None
    tags: list[str]
    flags: dict[int, str]  # message id -> the intent it should have been


@dataclass(frozen=True)
class FlaggedExample:
    """A misunderstood message and the intent it should have been, for the NLU export."""

    message_id: int
    text: str
    intent: str


class NotFlaggable(ValueError):
    """Only a person's typed message can be flagged (not the assistant's, nor a button tap)."""


def _contact_condition(f: ReviewFilters, dialect: str) -> ColumnElement[bool] | None:
    """One contact of the conversation matches every contact filter given."""
    conditions = [
        column == value
        for column, value in (
            (Contact.district, f.district),
            (Contact.provider, f.provider),
            (Contact.outcome, f.outcome),
        )
        if value
    ]
    if f.topic:
        conditions.append(json_has(Contact.topics, f.topic, dialect))
    if not conditions:
        return None
    return exists().where(Contact.conversation_id == Conversation.id, *conditions)


def _crisis() -> ColumnElement[bool]:
    """A crisis reply or handover happened in the conversation."""
    return or_(
        Conversation.handover_reason == CRISIS,
        Conversation.outcome == Outcome.CRISIS,
        exists().where(
            Contact.conversation_id == Conversation.id, Contact.outcome == Outcome.CRISIS
        ),
    )


def conditions(f: ReviewFilters, dialect: str) -> list[ColumnElement[bool]]:
    """The WHERE clause of the list for these filters."""
    where: list[ColumnElement[bool]] = []
    if f.since is not None:
        where.append(Conversation.created_at >= f.since)
    if f.until is not None:
        where.append(Conversation.created_at < f.until)
    if f.channel:
        where.append(Conversation.channel == f.channel)
    contact = _contact_condition(f, dialect)
    if contact is not None:
        where.append(contact)
    if f.reason:
        where.append(
            or_(
                Conversation.handover_reason == f.reason,
                exists().where(
                    HandoverWait.conversation_id == Conversation.id,
                    HandoverWait.reason == f.reason,
                ),
            )
        )
    if f.crisis is not None:
        where.append(_crisis() if f.crisis else not_(_crisis()))
    if f.reviewed is not None:
        reviewed = exists().where(ConversationReview.conversation_id == Conversation.id)
        where.append(reviewed if f.reviewed else not_(reviewed))
    if f.tag:
        where.append(
            exists().where(
                ConversationTag.conversation_id == Conversation.id,
                ConversationTag.tag == normalise_tag(f.tag),
            )
        )
    return where


def page_query(f: ReviewFilters, dialect: str, offset: int, limit: int) -> Select[Any]:
    """One page of the list, newest first (the statement the query-plan test explains)."""
    return (
        select(Conversation)
        .where(*conditions(f, dialect))
        .order_by(Conversation.created_at.desc(), Conversation.id.desc())
        .offset(offset)
        .limit(limit)
    )


def list_conversations(f: ReviewFilters, offset: int = 0, limit: int = 50) -> ReviewPage:
    """A page of conversations matching the filters, and how many match in all."""
    dialect = get_engine().dialect.name
    count = select(func.count()).select_from(Conversation).where(*conditions(f, dialect))
    with get_sessionmaker().begin() as session:
        total = session.scalar(count) or 0
        found = list(session.scalars(page_query(f, dialect, offset, limit)))
        rows = _details(session, found)
    return ReviewPage(total, rows)


def _per_conversation(session: Any, column: Any, ids: list[str]) -> dict[str, int]:
    """How many rows each of these conversations has in column's table."""
    stmt = select(column, func.count()).where(column.in_(ids)).group_by(column)
    return dict(session.execute(stmt).all())


def _details(session: Any, found: list[Conversation]) -> list[ReviewRow]:
    """Districts, outcomes, topics, review marks, tags and counts for one page's ids."""
    ids = [c.id for c in found]
    if not ids:
        return []
    seen: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))

    def keep(cid: str, key: str, value: str | None) -> None:
        if value and value not in seen[cid][key]:
            seen[cid][key].append(value)

    for c in session.scalars(
        select(Contact).where(Contact.conversation_id.in_(ids)).order_by(Contact.id)
    ):
        keep(c.conversation_id, "districts", c.district)
        keep(c.conversation_id, "providers", c.provider)
        keep(c.conversation_id, "outcomes", c.outcome)
        for topic in c.topics or []:
            keep(c.conversation_id, "topics", str(topic))
    tags = session.execute(
        select(ConversationTag.conversation_id, ConversationTag.tag)
        .where(ConversationTag.conversation_id.in_(ids))
        .order_by(ConversationTag.tag)
    )
    for cid, tag in tags:
        keep(cid, "tags", tag)
    reviews = {
        cid: (aware(at), name)
        for cid, at, name in session.execute(
            select(
                ConversationReview.conversation_id,
                ConversationReview.reviewed_at,
                StaffUser.username,
            )
            .outerjoin(StaffUser, StaffUser.id == ConversationReview.staff_user_id)
            .where(ConversationReview.conversation_id.in_(ids))
        )
    }
    flags = _per_conversation(session, MessageFlag.conversation_id, ids)
    messages = _per_conversation(session, Message.conversation_id, ids)
    return [
        ReviewRow(
            conversation_id=c.id,
            channel=c.channel,
            state=c.state,
            created_at=aware(c.created_at),
            reason=c.handover_reason,
            urgent=c.urgent,
            reviewed_at=reviews.get(c.id, (None, None))[0],
            reviewed_by=reviews.get(c.id, (None, None))[1],
            flags=flags.get(c.id, 0),
            messages=messages.get(c.id, 0),
            **{key: list(values) for key, values in seen[c.id].items()},
        )
        for c in found
    ]


def reply_authors(conversation_id: str) -> dict[int, str]:
    """Which advisor sent each advisor message, from the audit trail ("reply", message=<id>)."""
    stmt = (
        select(AuditEvent.detail, StaffUser.username)
        .join(StaffUser, StaffUser.id == AuditEvent.staff_user_id)
        .where(AuditEvent.conversation_id == conversation_id, AuditEvent.action == "reply")
    )
    with get_sessionmaker().begin() as session:
        rows = session.execute(stmt).all()
    return {
        int(detail.removeprefix("message=")): name
        for detail, name in rows
        if detail and detail.startswith("message=") and detail[8:].isdigit()
    }


def state(conversation_id: str) -> ReviewState:
    """The reviewed mark, tags and flags of one conversation."""
    with get_sessionmaker().begin() as session:
        review = session.execute(
            select(ConversationReview.reviewed_at, StaffUser.username)
            .outerjoin(StaffUser, StaffUser.id == ConversationReview.staff_user_id)
            .where(ConversationReview.conversation_id == conversation_id)
        ).first()
        tags = session.scalars(
            select(ConversationTag.tag)
            .where(ConversationTag.conversation_id == conversation_id)
            .order_by(ConversationTag.tag)
        ).all()
        flags = dict(
            session.execute(
                select(MessageFlag.message_id, MessageFlag.intent).where(
                    MessageFlag.conversation_id == conversation_id
                )
            ).all()
        )
    return ReviewState(
        reviewed_at=aware(review[0]) if review else None,
        reviewed_by=review[1] if review else None,
        tags=list(tags),
        flags=flags,
    )


def mark_reviewed(conversation_id: str, staff_user_id: int, reviewed: bool) -> bool:
    """Mark (or unmark) the conversation reviewed; False if there is no such conversation."""
    with get_sessionmaker().begin() as session:
        if session.get(Conversation, conversation_id) is None:
            return False
        row = session.get(ConversationReview, conversation_id)
        if reviewed and row is None:
            session.add(
                ConversationReview(conversation_id=conversation_id, staff_user_id=staff_user_id)
            )
        elif reviewed and row is not None:
            row.staff_user_id, row.reviewed_at = staff_user_id, utcnow()
        elif row is not None:
            session.delete(row)
    return True


def normalise_tag(tag: str) -> str:
    """Tags are compared as lower case with single spaces, so "Housing  Gap" finds "housing gap"."""
    return " ".join(tag.split()).lower()


def add_tag(conversation_id: str, staff_user_id: int, tag: str) -> bool:
    """Tag the conversation (a tag it has already is kept once); False if there is no such
    conversation."""
    tag = normalise_tag(tag)
    same = (ConversationTag.conversation_id == conversation_id, ConversationTag.tag == tag)
    try:
        with get_sessionmaker().begin() as session:
            if session.get(Conversation, conversation_id) is None:
                return False
            if session.scalar(select(ConversationTag.id).where(*same)) is None:
                session.add(
                    ConversationTag(
                        conversation_id=conversation_id, tag=tag, staff_user_id=staff_user_id
                    )
                )
    except IntegrityError:  # a colleague added the same tag at the same moment: kept once
        pass
    return True


def remove_tag(conversation_id: str, tag: str) -> int:
    """Take a tag off; returns how many rows went (0 or 1)."""
    stmt = delete(ConversationTag).where(
        ConversationTag.conversation_id == conversation_id,
        ConversationTag.tag == normalise_tag(tag),
    )
    with get_sessionmaker().begin() as session:
        return int(session.execute(stmt).rowcount)  # type: ignore[attr-defined]


def flag_message(message_id: int, staff_user_id: int, intent: str) -> str | None:
    """Record that a person's message should have been `intent` (again: the latest word
    counts). Returns its conversation id; None if there is no such message; raises
    NotFlaggable for anything but a person's typed message."""
    with get_sessionmaker().begin() as session:
        message = session.get(Message, message_id)
        if message is None:
            return None
        if message.sender != Sender.PERSON or not message.text.strip():
            raise NotFlaggable("only a person's message can be flagged")
        if message.text.lstrip().startswith("/"):
            raise NotFlaggable("a button tap is not something the assistant can misunderstand")
        if message.text.startswith(WITHHELD_START):
            raise NotFlaggable("the words of an answer to a personal question are not kept")
        row = session.scalar(select(MessageFlag).where(MessageFlag.message_id == message_id))
        if row is None:
            session.add(
                MessageFlag(
                    message_id=message_id,
                    conversation_id=message.conversation_id,
                    intent=intent,
                    staff_user_id=staff_user_id,
                )
            )
        else:
            row.intent, row.staff_user_id, row.flagged_at = intent, staff_user_id, utcnow()
        return message.conversation_id


def unflag_message(message_id: int) -> str | None:
    """Take the flag off a message; returns its conversation id, None if it had none."""
    with get_sessionmaker().begin() as session:
        row = session.scalar(select(MessageFlag).where(MessageFlag.message_id == message_id))
        if row is None:
            return None
        session.delete(row)
        return row.conversation_id


def flagged_examples(
    since: datetime | None = None, until: datetime | None = None
) -> list[FlaggedExample]:
    """Flagged messages with their text and intent, oldest flag first."""
    stmt = (
        select(MessageFlag.message_id, Message.text, MessageFlag.intent)
        .join(Message, Message.id == MessageFlag.message_id)
        .order_by(MessageFlag.flagged_at, MessageFlag.id)
    )
    if since is not None:
        stmt = stmt.where(MessageFlag.flagged_at >= since)
    if until is not None:
        stmt = stmt.where(MessageFlag.flagged_at < until)
    with get_sessionmaker().begin() as session:
        return [FlaggedExample(m, text, intent) for m, text, intent in session.execute(stmt)]


def filter_choices() -> dict[str, list[str]]:
    """The values the list's filters can take, as they occur in the data."""

    def distinct(column: Any, *where: ColumnElement[bool]) -> list[str]:
        stmt = select(column).where(column.is_not(None), *where).distinct().order_by(column)
        with get_sessionmaker().begin() as session:
            return [str(v) for v in session.scalars(stmt) if v]

    return {
        "districts": distinct(Contact.district),
        "providers": distinct(Contact.provider),
        "reasons": sorted(
            set(distinct(Conversation.handover_reason)) | set(distinct(HandoverWait.reason))
        ),
        "tags": distinct(ConversationTag.tag),
        "topics": _topics(),
    }


def _topics() -> list[str]:
    """Every topic a contact was logged with."""
    topics = json_elements(Contact.topics, get_engine().dialect.name)
    stmt = select(topics.c.value).select_from(Contact).join(topics, true()).distinct()
    with get_sessionmaker().begin() as session:
        return sorted(str(t) for t in session.scalars(stmt) if t)
