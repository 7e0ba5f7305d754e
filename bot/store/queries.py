"""The few writes and reads the assistant needs, each in one short transaction."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.store.models import OUTCOMES, ConsentRecord, Contact, Referral
from bot.store.session import get_sessionmaker


@dataclass(frozen=True)
class ContactIn:
    """What an outcome logs: ids and categories only, never message text."""

    conversation_id: str
    channel: str
    outcome: str
    topics: Sequence[str] = ()
    district: str | None = None
    provider: str | None = None
    probation_status: str | None = None


@dataclass(frozen=True)
class ReferralIn:
    """A confirmed self-referral and the moment consent was given."""

    conversation_id: str
    channel: str
    preferred_name: str
    district: str
    provider: str | None
    contact_method: str
    phone: str | None
    best_time: str
    needs: Sequence[str]
    probation_status: str
    consent_given_at: datetime
    consent_wording_version: str


def record_contact(session: Session, contact: ContactIn) -> int:
    """Log one outcome against the district service and return its id (in the caller's unit
    of work, so a crisis outcome commits with the crisis message it answers)."""
    if contact.outcome not in OUTCOMES:
        raise ValueError(f"unknown outcome {contact.outcome!r}")
    row = Contact(
        conversation_id=contact.conversation_id,
        channel=contact.channel,
        outcome=contact.outcome,
        topics=list(contact.topics),
        district=contact.district,
        provider=contact.provider,
        probation_status=contact.probation_status,
    )
    session.add(row)
    session.flush()
    return row.id


def save_referral(referral: ReferralIn) -> int:
    """Store the consent record and the referral together, or neither. Once per conversation
    and consent: confirming again after the engine lost its turn (a timeout, a restart) returns
    the referral already saved, never a second one. (Rasa's lock store runs one message of a
    conversation at a time, so two confirmations never race here.)"""
    with get_sessionmaker().begin() as session:
        saved = session.scalar(
            select(Referral.id)
            .join(ConsentRecord, Referral.consent_id == ConsentRecord.id)
            .where(
                ConsentRecord.conversation_id == referral.conversation_id,
                ConsentRecord.purpose == "self_referral",
                ConsentRecord.given_at == referral.consent_given_at,
            )
            .limit(1)
        )
        if saved is not None:
            return saved
        consent = ConsentRecord(
            conversation_id=referral.conversation_id,
            channel=referral.channel,
            purpose="self_referral",
            wording_version=referral.consent_wording_version,
            given_at=referral.consent_given_at,
        )
        row = Referral(
            conversation_id=referral.conversation_id,
            channel=referral.channel,
            preferred_name=referral.preferred_name,
            district=referral.district,
            provider=referral.provider,
            contact_method=referral.contact_method,
            phone=referral.phone,
            best_time=referral.best_time,
            needs=list(referral.needs),
            probation_status=referral.probation_status,
            consent=consent,
        )
        session.add(row)
        session.flush()
        return row.id


def contacts_per_district(since: datetime, until: datetime) -> dict[tuple[str, str], int]:
    """Count contacts by (district, outcome) for a reporting period; unknown district is ''."""
    stmt = (
        select(Contact.district, Contact.outcome, func.count())
        .where(Contact.at >= since, Contact.at < until)
        .group_by(Contact.district, Contact.outcome)
    )
    with get_sessionmaker().begin() as session:
        return {(d or "", o): n for d, o, n in session.execute(stmt)}
