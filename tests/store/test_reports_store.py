"""The report queries on SQLite and PostgreSQL, against rows whose counts are known: contacts
per UK month and district service by outcome, channel and topic, waits for an advisor, and
referrals per need and probation status."""

from __future__ import annotations

from datetime import date

import pytest

from bot.console.reports_service import Period
from bot.store import reports
from bot.store.models import HandoverWait
from bot.store.session import get_sessionmaker
from tests.store.review_data import at, contact, conversation, referral

SPRING = Period(date(2026, 3, 1), date(2026, 4, 30))


@pytest.fixture
def contacts_seeded(database_url: str) -> None:
    a, b = conversation(), conversation()
    contact(
        a, "answered", "Bolton", "Bolton Advice", ["money", "housing"], when=at("2026-03-02 10:00")
    )
    contact(a, "answered", "Bolton", "Bolton Advice", ["money"], "telegram", at("2026-03-20 10:00"))
    contact(b, "referral", "Bolton", "Bolton Advice", ["housing"], when=at("2026-03-21 10:00"))
    # 23:30 UTC on 31 March is 00:30 on 1 April in the UK (summer time): April's
    contact(b, "crisis", "Bury", "Stepping Stones", [], "telegram", at("2026-03-31 23:30"))
    contact(None, "signposted", None, None, ["id_bank"], when=at("2026-04-10 10:00"))  # erased
    contact(b, "answered", "Bury", "Stepping Stones", ["money"], when=at("2026-05-01 10:00"))
    contact(b, "answered", "Bury", "Stepping Stones", ["money"], when=at("2026-02-28 23:59"))


def counts(dimension: str) -> set[tuple[str, str | None, str, int]]:
    return {
        (c.month, c.district, c.value, c.count)
        for c in reports.contacts_by(SPRING.months(), dimension)
    }


def test_contacts_by_outcome_per_uk_month_and_district(contacts_seeded: None) -> None:
    assert counts("outcome") == {
        ("2026-03", "Bolton", "answered", 2),
        ("2026-03", "Bolton", "referral", 1),
        ("2026-04", "Bury", "crisis", 1),
        ("2026-04", None, "signposted", 1),
    }
    found = reports.contacts_by(SPRING.months(), "outcome")
    assert [c.provider for c in found] == [
        "Bolton Advice",
        "Bolton Advice",
        "Stepping Stones",
        None,
    ]


def test_contacts_by_channel_and_by_topic(contacts_seeded: None) -> None:
    assert counts("channel") == {
        ("2026-03", "Bolton", "webchat", 2),
        ("2026-03", "Bolton", "telegram", 1),
        ("2026-04", "Bury", "telegram", 1),
        ("2026-04", None, "webchat", 1),
    }
    assert counts("topic") == {
        ("2026-03", "Bolton", "money", 2),
        ("2026-03", "Bolton", "housing", 2),
        ("2026-04", None, "id_bank", 1),
    }


def test_one_day_period_and_unknown_dimension(contacts_seeded: None) -> None:
    day = Period(date(2026, 4, 1), date(2026, 4, 1))
    assert [(c.month, c.value, c.count) for c in reports.contacts_by(day.months(), "outcome")] == [
        ("2026-04", "crisis", 1)
    ]
    with pytest.raises(ValueError):
        reports.contacts_by(day.months(), "phone")


def test_referrals_per_need_and_probation_status(database_url: str) -> None:
    cid = conversation()
    referral(cid, ["mentoring", "housing"], "yes", at("2026-03-05 10:00"))
    referral(cid, ["mentoring"], "no", at("2026-03-06 10:00"))
    referral(cid, ["family", "mentoring"], "yes", at("2026-04-30 22:00"))  # 23:00 UK, 30 April
    referral(cid, ["family"], "yes", at("2026-04-30 23:30"))  # 1 May in the UK: outside
    assert reports.referrals_by_need(SPRING.since, SPRING.until) == {
        ("mentoring", "yes"): 2,
        ("mentoring", "no"): 1,
        ("housing", "yes"): 1,
        ("family", "yes"): 1,
    }
    assert reports.referrals_by_probation(SPRING.since, SPRING.until) == {"yes": 2, "no": 1}


def test_waits_in_the_period(database_url: str) -> None:
    cid = conversation()
    with get_sessionmaker().begin() as session:
        session.add_all(
            [
                HandoverWait(
                    conversation_id=cid,
                    reason="asked",
                    urgent=False,
                    waiting_since=at("2026-03-02 10:00"),
                    claimed_at=at("2026-03-02 10:05"),
                ),
                HandoverWait(
                    conversation_id=cid,
                    reason="crisis",
                    urgent=True,
                    waiting_since=at("2026-02-28 10:00"),
                ),
            ]
        )
    found = reports.waits(SPRING.since, SPRING.until)
    assert [(w.reason, (w.claimed_at - w.waiting_since).seconds) for w in found] == [  # type: ignore[operator]
        ("asked", 300)
    ]
