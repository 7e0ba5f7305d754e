"""Counts for the staff reports: contacts per district service, handover waits, referrals.

Everything is grouped in the database except the wait statistics. Months are the caller's (UK
calendar months, as UTC bounds) and become a CASE over those bounds, so SQLite and PostgreSQL
run the same SQL. Only the JSON lists (a contact's topics, a referral's needs) need each
database's own function, chosen in `json_elements` and `json_has`; both paths are tested.
No message text, name or number is read here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    SQLColumnExpression,
    String,
    case,
    cast,
    column,
    exists,
    func,
    literal,
    literal_column,
    select,
    true,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.sql.selectable import TableValuedAlias

from bot.store.models import Contact, HandoverWait, Referral
from bot.store.session import get_engine, get_sessionmaker
from bot.store.staff import aware

CONTACT_DIMENSIONS = ("outcome", "channel", "topic")


@dataclass(frozen=True)
class Month:
    """One reporting month: its label and its bounds in UTC (start inclusive, end exclusive)."""

    label: str  # "2026-01"
    start: datetime
    end: datetime


@dataclass(frozen=True)
class ContactCount:
    """Contacts of one month and district service with one outcome, channel or topic."""

    month: str
    district: str | None
    provider: str | None
    value: str
    count: int


@dataclass(frozen=True)
class Wait:
    """One wait for an advisor (claimed_at None: nobody claimed it)."""

    waiting_since: datetime
    claimed_at: datetime | None
    reason: str | None
    urgent: bool


def json_elements(values: SQLColumnExpression[Any], dialect: str) -> TableValuedAlias:
    """The strings of a JSON list column as rows with a `value` column (a table function that
    reads the row it is joined to); anything but a list gives no rows."""
    if dialect == "postgresql":
        as_list = case(
            (func.json_typeof(values) == "array", values),
            else_=literal_column("'[]'::json"),
        )
        function = func.json_array_elements_text(as_list)
    else:
        function = func.json_each(values)
    return function.table_valued(column("value", String)).alias("element")


def json_has(values: SQLColumnExpression[Any], wanted: str, dialect: str) -> ColumnElement[bool]:
    """Whether a JSON list column holds `wanted`; on PostgreSQL the containment test that the
    GIN index on contacts.topics serves (migration 0007)."""
    if dialect == "postgresql":
        return cast(values, JSONB).contains([wanted])
    elements = json_elements(values, dialect)
    return exists(select(literal(1)).select_from(elements).where(elements.c.value == wanted))


def _month_of(moment: SQLColumnExpression[datetime], months: Sequence[Month]) -> ColumnElement[str]:
    """The month label of a time, as a CASE over the months' ends (rows are already within)."""
    if len(months) == 1:
        return literal(months[0].label)
    return case(*[(moment < m.end, literal(m.label)) for m in months[:-1]], else_=months[-1].label)


def _dialect() -> str:
    """Which database the store talks to, for the two JSON functions."""
    return get_engine().dialect.name


def contacts_by(months: Sequence[Month], dimension: str) -> list[ContactCount]:
    """Contacts per month, district and provider by outcome, channel or topic (a contact with
    two topics counts once under each)."""
    if dimension not in CONTACT_DIMENSIONS:
        raise ValueError(f"unknown dimension {dimension!r}")
    if not months:
        return []
    month = _month_of(Contact.at, months).label("month")
    within = (Contact.at >= months[0].start, Contact.at < months[-1].end)
    if dimension == "topic":
        topics = json_elements(Contact.topics, _dialect())
        inner = (
            select(month, Contact.district, Contact.provider, topics.c.value.label("value"))
            .select_from(Contact)
            .join(topics, true())
            .where(*within, topics.c.value.is_not(None))
        )
    else:
        value = getattr(Contact, dimension)
        inner = select(month, Contact.district, Contact.provider, value.label("value")).where(
            *within
        )
    rows = inner.subquery()
    keys = (rows.c.month, rows.c.district, rows.c.provider, rows.c.value)
    stmt = select(*keys, func.count()).group_by(*keys)
    with get_sessionmaker().begin() as session:
        found = [ContactCount(m, d, p, str(v), n) for m, d, p, v, n in session.execute(stmt)]
    return sorted(found, key=lambda c: (c.month, c.district or "~", c.provider or "~", c.value))


def waits(since: datetime, until: datetime) -> list[Wait]:
    """Every wait for an advisor that began in [since, until), oldest first."""
    stmt = (
        select(HandoverWait)
        .where(HandoverWait.waiting_since >= since, HandoverWait.waiting_since < until)
        .order_by(HandoverWait.waiting_since, HandoverWait.id)
    )
    with get_sessionmaker().begin() as session:
        return [
            Wait(
                aware(w.waiting_since),
                aware(w.claimed_at) if w.claimed_at else None,
                w.reason,
                bool(w.urgent),
            )
            for w in session.scalars(stmt)
        ]


def referrals_by_need(since: datetime, until: datetime) -> dict[tuple[str, str], int]:
    """Referrals made in [since, until) per (need, probation status); a referral asking for
    two needs counts once under each."""
    needs = json_elements(Referral.needs, _dialect())
    inner = (
        select(needs.c.value.label("need"), Referral.probation_status.label("probation"))
        .select_from(Referral)
        .join(needs, true())
        .where(
            Referral.created_at >= since,
            Referral.created_at < until,
            needs.c.value.is_not(None),
        )
        .subquery()
    )
    stmt = select(inner.c.need, inner.c.probation, func.count()).group_by(
        inner.c.need, inner.c.probation
    )
    with get_sessionmaker().begin() as session:
        return {(str(need), probation): n for need, probation, n in session.execute(stmt)}


def referrals_by_probation(since: datetime, until: datetime) -> dict[str, int]:
    """Referrals made in [since, until) per probation status, each counted once."""
    stmt = (
        select(Referral.probation_status, func.count())
        .where(Referral.created_at >= since, Referral.created_at < until)
        .group_by(Referral.probation_status)
    )
    with get_sessionmaker().begin() as session:
        return {probation: n for probation, n in session.execute(stmt)}
