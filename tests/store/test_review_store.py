"""Conversation review in the data layer, on SQLite and PostgreSQL: every list filter, paging,
reviewed marks, tags, flags, and the handover waits the migration's triggers keep whoever
queues or claims a conversation."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, text

from bot.store import conversations, handover, review, staff
from bot.store.models import HandoverWait, utcnow
from bot.store.review import ReviewFilters
from bot.store.session import get_engine, get_sessionmaker, in_unit
from tests.store.review_data import at, contact, conversation, message


def ids(filters: ReviewFilters) -> set[str]:
    page = review.list_conversations(filters, 0, 100)
    assert page.total == len(page.items)
    return {row.conversation_id for row in page.items}


@pytest.fixture
def seeded(database_url: str) -> dict[str, str]:
    """Five conversations that differ in one way each from `plain`."""
    plain = conversation(created=at("2026-03-10 12:00"))
    contact(plain, "answered", "Bolton", "Bolton Advice", ["money"])
    bury = conversation(channel="telegram", created=at("2026-03-11 12:00"))
    contact(bury, "signposted", "Bury", "Stepping Stones", ["housing", "debt"], "telegram")
    crisis = conversation(created=at("2026-03-12 12:00"), reason="crisis", urgent=True)
    contact(crisis, "crisis", "Bolton", "Bolton Advice", ["crisis"])
    asked = conversation(created=at("2026-04-02 09:00"), reason="asked")
    contact(asked, "handover", "Wigan", "The Big Life Company", ["asked"])
    contact(asked, "referral", "Wigan", "The Big Life Company", ["housing"])
    empty = conversation(created=at("2026-04-03 09:00"))
    return {"plain": plain, "bury": bury, "crisis": crisis, "asked": asked, "empty": empty}


def test_each_filter_narrows_the_list(seeded: dict[str, str]) -> None:
    s = seeded
    assert ids(ReviewFilters()) == set(s.values())
    assert ids(ReviewFilters(since=at("2026-04-01 00:00"))) == {s["asked"], s["empty"]}
    assert ids(ReviewFilters(until=at("2026-03-11 00:00"))) == {s["plain"]}
    assert ids(ReviewFilters(channel="telegram")) == {s["bury"]}
    assert ids(ReviewFilters(district="Bolton")) == {s["plain"], s["crisis"]}
    assert ids(ReviewFilters(provider="The Big Life Company")) == {s["asked"]}
    assert ids(ReviewFilters(outcome="referral")) == {s["asked"]}
    assert ids(ReviewFilters(topic="housing")) == {s["bury"], s["asked"]}
    assert ids(ReviewFilters(topic="debt")) == {s["bury"]}
    assert ids(ReviewFilters(topic="nothing")) == set()
    assert ids(ReviewFilters(reason="asked")) == {s["asked"]}
    assert ids(ReviewFilters(crisis=True)) == {s["crisis"]}
    assert s["crisis"] not in ids(ReviewFilters(crisis=False))
    # contact filters meet on one contact: Wigan's referral had no "asked" topic
    assert ids(ReviewFilters(district="Wigan", outcome="referral", topic="housing")) == {s["asked"]}
    assert ids(ReviewFilters(district="Wigan", outcome="referral", topic="asked")) == set()


def test_list_is_newest_first_paged_and_carries_no_text(seeded: dict[str, str]) -> None:
    message(seeded["asked"], "person", "a private sentence")
    first = review.list_conversations(ReviewFilters(), 0, 2)
    second = review.list_conversations(ReviewFilters(), 2, 2)
    assert first.total == second.total == 5
    assert [r.conversation_id for r in first.items] == [seeded["empty"], seeded["asked"]]
    assert [r.conversation_id for r in second.items] == [seeded["crisis"], seeded["bury"]]
    asked = first.items[1]
    assert asked.districts == ["Wigan"] and asked.outcomes == ["handover", "referral"]
    assert asked.topics == ["asked", "housing"] and asked.messages == 1
    assert "a private sentence" not in repr(first)


def test_reviewed_marks_and_tags_filter_the_list(seeded: dict[str, str]) -> None:
    reviewer = staff.create_user("rev", "x", "reviewer")
    assert review.mark_reviewed(seeded["bury"], reviewer.id, True)
    assert not review.mark_reviewed("no-such-conversation", reviewer.id, True)
    assert ids(ReviewFilters(reviewed=True)) == {seeded["bury"]}
    assert seeded["bury"] not in ids(ReviewFilters(reviewed=False))
    assert review.add_tag(seeded["plain"], reviewer.id, "  Needs  Training ")
    assert review.add_tag(seeded["plain"], reviewer.id, "needs training")  # kept once
    assert review.state(seeded["plain"]).tags == ["needs training"]
    assert ids(ReviewFilters(tag="Needs training")) == {seeded["plain"]}
    assert review.filter_choices()["tags"] == ["needs training"]
    assert review.remove_tag(seeded["plain"], "NEEDS TRAINING") == 1
    assert ids(ReviewFilters(tag="needs training")) == set()
    marks = review.state(seeded["bury"])
    assert marks.reviewed_by == "rev" and marks.reviewed_at is not None
    review.mark_reviewed(seeded["bury"], reviewer.id, False)
    assert review.state(seeded["bury"]).reviewed_at is None


def test_only_a_persons_typed_message_can_be_flagged(database_url: str) -> None:
    reviewer = staff.create_user("rev", "x", "reviewer")
    cid = conversation()
    said = message(cid, "person", "wen do i get paid")
    answer = message(cid, "assistant", "Sorry, I didn't catch that.")
    tap = message(cid, "person", "/refer_self")
    kept_back = message(cid, "person", conversations.withheld("phone number"))
    assert review.flag_message(said, reviewer.id, "uc_claim") == cid
    assert review.flag_message(said, reviewer.id, "uc_payment_date") == cid  # the latest counts
    with pytest.raises(review.NotFlaggable):
        review.flag_message(answer, reviewer.id, "greet")
    with pytest.raises(review.NotFlaggable):
        review.flag_message(tap, reviewer.id, "refer_self")
    with pytest.raises(review.NotFlaggable):
        review.flag_message(kept_back, reviewer.id, "inform")
    assert review.flag_message(999_999, reviewer.id, "greet") is None
    assert review.state(cid).flags == {said: "uc_payment_date"}
    examples = review.flagged_examples()
    assert [(e.message_id, e.text, e.intent) for e in examples] == [
        (said, "wen do i get paid", "uc_payment_date")
    ]
    assert review.unflag_message(said) == cid and review.flagged_examples() == []


def waits(cid: str) -> list[tuple[str | None, bool, bool]]:
    """(reason, claimed?, urgent) of each wait of the conversation, oldest first."""
    stmt = select(HandoverWait).where(HandoverWait.conversation_id == cid)
    with get_sessionmaker().begin() as session:
        return [
            (w.reason, w.claimed_at is not None, w.urgent)
            for w in session.scalars(stmt.order_by(HandoverWait.id))
        ]


def test_every_wait_for_an_advisor_is_kept_after_the_conversation_forgets_it(
    database_url: str,
) -> None:
    jo = staff.create_user("jo", "x", "advisor")
    cid = in_unit(conversations.create_conversation, "webchat")
    assert waits(cid) == []
    in_unit(conversations.set_state, cid, "waiting", reason="crisis", urgent=True)
    assert waits(cid) == [("crisis", False, True)]
    assert handover.claim(cid, jo.id) == "claimed"
    assert handover.release(cid, jo.id, "waiting", any_holder=False) == "done"  # requeue
    assert handover.claim(cid, jo.id) == "claimed"
    assert handover.release(cid, jo.id, "assistant", any_holder=False) == "done"
    assert waits(cid) == [("crisis", True, True), ("crisis", True, True)]
    with get_sessionmaker().begin() as session:
        first = session.scalars(select(HandoverWait).order_by(HandoverWait.id)).first()
        assert first is not None and first.advisor_id == jo.id
        assert first.claimed_at is not None and first.claimed_at >= first.waiting_since
    # an outage flag queues without a wait start; the claim records one from the queue's time
    other = in_unit(conversations.create_conversation, "telegram")
    in_unit(conversations.flag_for_advisor, other, "outage")
    assert handover.claim(other, jo.id) == "claimed"
    assert waits(other) == [("outage", True, False)]


def test_the_wait_triggers_exist_at_the_latest_revision(database_url: str) -> None:
    engine = get_engine()
    with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            found = connection.execute(
                text("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
            ).scalars()
            assert "tr_conversations_handover_waits" in set(found)
        else:
            found = connection.execute(
                text("SELECT name FROM sqlite_master WHERE type = 'trigger'")
            ).scalars()
            assert {
                "tr_conversations_wait_created",
                "tr_conversations_wait_started",
                "tr_conversations_wait_claimed",
            } <= set(found)


def test_review_rows_go_with_their_conversation(database_url: str) -> None:
    reviewer = staff.create_user("rev", "x", "reviewer")
    cid = in_unit(conversations.create_conversation, "webchat")
    said = message(cid, "person", "hello there", utcnow() - timedelta(minutes=1))
    review.mark_reviewed(cid, reviewer.id, True)
    review.add_tag(cid, reviewer.id, "fine")
    review.flag_message(said, reviewer.id, "greet")
    in_unit(conversations.set_state, cid, "waiting", reason="asked")
    with get_sessionmaker().begin() as session:
        session.execute(text("DELETE FROM messages WHERE conversation_id = :c"), {"c": cid})
        session.execute(text("DELETE FROM conversations WHERE id = :c"), {"c": cid})
    for table in ("conversation_reviews", "conversation_tags", "message_flags", "handover_waits"):
        with get_sessionmaker().begin() as session:
            left = session.execute(
                text(f"SELECT count(*) FROM {table} WHERE conversation_id = :c"), {"c": cid}
            ).scalar()
        assert left == 0, table
