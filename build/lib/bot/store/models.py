"""Tables for contacts, referrals and consent records.

Contact rows never hold message text or personal details: they are what staff count per
district service. Personal details live only in referrals, which exist only after consent.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, MetaData, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

OUTCOMES = ("answered", "signposted", "referral", "handover", "crisis")
PROBATION_STATUSES = ("yes", "no", "prefer_not_to_say")


def utcnow() -> datetime:
    """Timezone-aware now, so SQLite and PostgreSQL store the same instant."""
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Contact(Base):
    """One conversation outcome, logged against the district service."""

    __tablename__ = "contacts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    conversation_id: Mapped[str] = mapped_column(String(64), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    district: Mapped[str | None] = mapped_column(String(32))
    provider: Mapped[str | None] = mapped_column(String(200))
    topics: Mapped[list[str]] = mapped_column(JSON, default=list)
    outcome: Mapped[str] = mapped_column(String(16))
    probation_status: Mapped[str | None] = mapped_column(String(24))


class ConsentRecord(Base):
    """Proof of an explicit yes before anything personal was stored (UK GDPR Art. 10)."""

    __tablename__ = "consent_records"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    conversation_id: Mapped[str] = mapped_column(String(64), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    purpose: Mapped[str] = mapped_column(String(32), default="self_referral")
    wording_version: Mapped[str] = mapped_column(String(32))
    given_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Referral(Base):
    """A self-referral, saved only on the person's final confirmation."""

    __tablename__ = "referrals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    conversation_id: Mapped[str] = mapped_column(String(64), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    preferred_name: Mapped[str] = mapped_column(String(80))
    district: Mapped[str] = mapped_column(String(32))
    provider: Mapped[str | None] = mapped_column(String(200))
    contact_method: Mapped[str] = mapped_column(String(16))
    phone: Mapped[str | None] = mapped_column(String(20))
    best_time: Mapped[str] = mapped_column(String(80))
    needs: Mapped[list[str]] = mapped_column(JSON, default=list)
    probation_status: Mapped[str] = mapped_column(String(24))
    status: Mapped[str] = mapped_column(String(16), default="new")
    consent_id: Mapped[int] = mapped_column(ForeignKey("consent_records.id"))

    consent: Mapped[ConsentRecord] = relationship()
