"""State changes are conditional (a claim racing a handover or a crisis never leaves a
conversation neither queued nor claimable), and a referral is saved once per consent."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from bot.store import callbacks, conversations, handover, staff
from bot.store.models import Conversation, Referral
from bot.store.queries import ReferralIn, save_referral
from bot.store.session import get_sessionmaker, in_unit
from bot.vocabulary import ConversationState

WAITING, ADVISOR, ASSISTANT = (
    ConversationState.WAITING,
    ConversationState.ADVISOR,
    ConversationState.ASSISTANT,
)


def claimed() -> tuple[str, int]:
    """A conversation an advisor has claimed from the queue."""
    advisor = staff.create_user(f"advisor-{secrets.token_hex(4)}", "not-a-real-hash", "advisor")
    cid = in_unit(conversations.create_conversation, "webchat")
    in_unit(conversations.set_state, cid, WAITING, reason="asked")
    assert handover.claim(cid, advisor.id) == "claimed"
    return cid, advisor.id


def row(cid: str) -> Conversation:
    with get_sessionmaker().begin() as session:
        found = session.get(Conversation, cid)
        assert found is not None
        return found


def test_a_handover_that_comes_after_a_claim_leaves_it_with_the_advisor(
    database_url: str,
) -> None:
    cid, advisor_id = claimed()
    now = in_unit(
        conversations.set_state,
        cid,
        WAITING,
        reason="asked",
        expected={ASSISTANT, WAITING},
    )
    assert now == ADVISOR  # lost the race: told what won
    assert row(cid).state == ADVISOR and row(cid).advisor_id == advisor_id


def test_a_state_change_from_the_expected_state_happens(database_url: str) -> None:
    cid = in_unit(conversations.create_conversation, "telegram")
    assert in_unit(conversations.set_state, cid, WAITING, reason="asked", expected={ASSISTANT})
    assert row(cid).state == WAITING and row(cid).handover_reason == "asked"
    assert row(cid).waiting_since is not None
    assert in_unit(conversations.set_state, "no-such-conversation", WAITING) is None


def test_a_crisis_in_a_claimed_conversation_stays_with_the_advisor_as_urgent(
    database_url: str,
) -> None:
    cid, advisor_id = claimed()
    assert in_unit(conversations.queue_urgent, cid, "crisis") == ADVISOR
    found = row(cid)
    assert found.state == ADVISOR and found.advisor_id == advisor_id and found.urgent
    # ... and the advisor can still give it back to the queue (it is claimable again).
    assert handover.release(cid, advisor_id, WAITING, any_holder=False) == "done"
    assert handover.queue()[0].conversation_id == cid


def test_a_crisis_queues_the_conversation_once_and_keeps_its_place(database_url: str) -> None:
    cid = in_unit(conversations.create_conversation, "webchat")
    assert in_unit(conversations.queue_urgent, cid, "crisis") == WAITING
    first = row(cid)
    assert first.urgent and first.handover_reason == "crisis" and first.waiting_since
    in_unit(conversations.queue_urgent, cid, "crisis")
    assert row(cid).waiting_since == first.waiting_since  # the same wait, not a new one
    assert [item.conversation_id for item in handover.queue()] == [cid]


def referral(conversation_id: str, given: datetime) -> ReferralIn:
    return ReferralIn(
        conversation_id=conversation_id,
        channel="webchat",
        preferred_name="Sam",
        district="Bury",
        provider=None,
        contact_method="webchat",
        phone=None,
        best_time="Mornings",
        needs=["housing"],
        probation_status="yes",
        consent_given_at=given,
        consent_wording_version="v1",
    )


def count_referrals(conversation_id: str) -> int:
    with get_sessionmaker().begin() as session:
        stmt = select(func.count()).where(Referral.conversation_id == conversation_id)
        return session.scalar(stmt) or 0


def test_confirming_again_with_the_same_consent_saves_one_referral(database_url: str) -> None:
    """The engine lost the turn that saved it (a timeout, a restart): the person confirms
    again, and the referral already saved is the answer."""
    given = datetime(2026, 12, 2, 9, 30, 15, 123456, tzinfo=UTC)
    first = save_referral(referral("c-once", given))
    assert save_referral(referral("c-once", given)) == first
    assert count_referrals("c-once") == 1
    # A new consent (the person referred themselves again later) is a new referral.
    later = save_referral(referral("c-once", given + timedelta(days=1)))
    assert later != first and count_referrals("c-once") == 2


def test_state_and_callback_status_come_in_one_read_that_matches_each_on_its_own(
    database_url: str,
) -> None:
    assert in_unit(callbacks.state_and_status, "no-such-conversation") == (None, None)
    cid = in_unit(conversations.create_conversation, "webchat")
    assert in_unit(callbacks.state_and_status, cid) == (ConversationState.ASSISTANT, None)
    in_unit(callbacks.ask, cid)
    in_unit(callbacks.decline, cid)
    in_unit(callbacks.ask, cid)  # the latest request is the one that counts
    found = in_unit(callbacks.state_and_status, cid)
    assert found == (in_unit(conversations.get_state, cid), in_unit(callbacks.status, cid))
    assert found == (ConversationState.ASSISTANT, "asked")
