"""The data layer on SQLite and PostgreSQL: contacts, referrals with consent, reporting."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import inspect, select

from bot.store.models import ConsentRecord, Contact, Referral
from bot.store.queries import (
    ContactIn,
    ReferralIn,
    contacts_per_district,
    record_contact,
    save_referral,
)
from bot.store.session import get_engine, get_sessionmaker, in_unit


def test_migrations_create_every_table(database_url: str) -> None:
    tables = set(inspect(get_engine(database_url)).get_table_names())
    assert {"contacts", "referrals", "consent_records", "alembic_version"} <= tables


def test_contact_holds_no_text_and_is_counted_per_district(database_url: str) -> None:
    in_unit(
        record_contact,
        ContactIn(
            "c1", "telegram", "signposted", ["local_service"], "Bolton", "Bolton Advice", "yes"
        ),
    )
    in_unit(record_contact, ContactIn("c2", "webchat", "answered", ["uc_claim"], "Bolton"))
    in_unit(record_contact, ContactIn("c3", "webchat", "crisis", ["crisis"]))
    with get_sessionmaker().begin() as session:
        rows = session.scalars(select(Contact).order_by(Contact.id)).all()
        assert [r.outcome for r in rows] == ["signposted", "answered", "crisis"]
        assert rows[0].topics == ["local_service"] and rows[0].probation_status == "yes"
        assert rows[2].district is None and rows[0].at.year >= 2026
    now = datetime.now(UTC)
    counts = contacts_per_district(now - timedelta(hours=1), now + timedelta(hours=1))
    assert counts == {("Bolton", "signposted"): 1, ("Bolton", "answered"): 1, ("", "crisis"): 1}


def test_unknown_outcome_is_refused(database_url: str) -> None:
    with pytest.raises(ValueError):
        in_unit(record_contact, ContactIn("c1", "webchat", "guessed"))


def test_referral_is_saved_with_its_consent_record(database_url: str) -> None:
    given = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
    referral_id = save_referral(
        ReferralIn(
            conversation_id="c9",
            channel="webchat",
            preferred_name="Jo",
            district="Salford",
            provider="Salford Foundation",
            contact_method="phone",
            phone="07700900123",
            best_time="Mornings",
            needs=["housing", "mentoring"],
            probation_status="yes",
            consent_given_at=given,
            consent_wording_version="2026-11-v1",
        )
    )
    with get_sessionmaker().begin() as session:
        referral = session.get(Referral, referral_id)
        assert referral is not None
        assert referral.needs == ["housing", "mentoring"] and referral.status == "new"
        consent = session.get(ConsentRecord, referral.consent_id)
        assert consent is not None
        assert consent.wording_version == "2026-11-v1" and consent.channel == "webchat"
        assert consent.given_at.replace(tzinfo=UTC) == given
