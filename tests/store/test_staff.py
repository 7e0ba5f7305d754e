"""Staff accounts, sessions, the login throttle, the queue order, claiming (a real race on
SQLite and PostgreSQL), giving conversations back, and the audit trail."""

from __future__ import annotations

import secrets
import threading
from datetime import UTC, datetime, timedelta

import pytest

from bot.store import audit, conversations, handover, staff
from bot.store.models import Conversation
from bot.store.queries import ContactIn, ReferralIn, record_contact, save_referral
from bot.store.session import get_sessionmaker, in_unit


def new_user(role: str = "advisor") -> staff.Staff:
    return staff.create_user(f"{role}-{secrets.token_hex(4)}", "not-a-real-hash", role)


def waiting(urgent: bool = False, reason: str = "asked", minutes_ago: int = 0) -> str:
    """A conversation that started waiting `minutes_ago` minutes ago."""
    cid = in_unit(conversations.create_conversation, "webchat")
    in_unit(conversations.set_state, cid, "waiting", reason=reason, urgent=urgent)
    with get_sessionmaker().begin() as session:
        row = session.get(Conversation, cid)
        row.waiting_since = datetime.now(UTC) - timedelta(minutes=minutes_ago)
    return cid


def test_usernames_are_unique_whatever_their_case(database_url: str) -> None:
    user = new_user()
    with pytest.raises(staff.UserExists):
        staff.create_user(user.username.upper(), "x", "advisor")
    with pytest.raises(ValueError):
        staff.create_user(f"x-{secrets.token_hex(4)}", "x", "superuser")
    found = staff.login_record(user.username.upper())
    assert found is not None and found[0] == user and found[1] == "not-a-real-hash"


def test_sessions_end_on_logout_idle_expiry_and_disabling(database_url: str) -> None:
    user = new_user()
    token = secrets.token_urlsafe(32)
    staff.open_session(user.id, token, timedelta(hours=1))
    assert staff.session_staff(token, timedelta(hours=1)) == user
    assert staff.session_staff("another token", timedelta(hours=1)) is None
    staff.close_session(token)
    assert staff.session_staff(token, timedelta(hours=1)) is None

    expired = secrets.token_urlsafe(32)
    staff.open_session(user.id, expired, timedelta(seconds=-1))
    assert staff.session_staff(expired, timedelta(hours=1)) is None
    idle = secrets.token_urlsafe(32)
    staff.open_session(user.id, idle, timedelta(hours=1))
    assert staff.session_staff(idle, timedelta(seconds=-1)) is None

    live = secrets.token_urlsafe(32)
    staff.open_session(user.id, live, timedelta(hours=1))
    assert staff.set_active(user.username, False)
    assert staff.session_staff(live, timedelta(hours=1)) is None
    assert staff.login_record(user.username) is None


def test_throttle_blocks_after_the_free_failures_and_clears(database_url: str) -> None:
    key = f"user:{secrets.token_hex(4)}"
    args = (3, timedelta(seconds=30), timedelta(minutes=15), timedelta(hours=1))
    for _ in range(2):
        staff.record_failure(key, *args)
    assert staff.blocked_until([key]) is None
    staff.record_failure(key, *args)
    first = staff.blocked_until([key])
    assert first is not None and first > datetime.now(UTC) + timedelta(seconds=25)
    staff.record_failure(key, *args)  # the wait doubles
    second = staff.blocked_until([key])
    assert second is not None and second > datetime.now(UTC) + timedelta(seconds=55)
    staff.clear_failures([key])
    assert staff.blocked_until([key]) is None


def test_set_state_waiting_starts_the_wait(database_url: str) -> None:
    cid = in_unit(conversations.create_conversation, "telegram")
    before = datetime.now(UTC)
    in_unit(conversations.set_state, cid, "waiting", reason="asked")
    since = handover.info(cid).waiting_since
    assert since is not None and since >= before - timedelta(seconds=1)
    in_unit(
        conversations.set_state, cid, "waiting", reason="crisis", urgent=True
    )  # still the same wait
    assert handover.info(cid).waiting_since == since


def test_queue_is_urgent_first_then_oldest_first(database_url: str) -> None:
    old = waiting(minutes_ago=30)
    newer = waiting(minutes_ago=5)
    urgent_new = waiting(urgent=True, reason="crisis", minutes_ago=1)
    urgent_old = waiting(urgent=True, reason="crisis", minutes_ago=10)
    held = waiting(minutes_ago=60)
    assert handover.claim(held, new_user().id) == "claimed"
    with_assistant = in_unit(conversations.create_conversation, "webchat")
    outage = in_unit(conversations.create_conversation, "telegram")
    in_unit(conversations.flag_for_advisor, outage, "outage")

    mine = {old, newer, urgent_new, urgent_old, held, with_assistant, outage}
    items = [i for i in handover.queue() if i.conversation_id in mine]
    assert [i.conversation_id for i in items][:4] == [urgent_old, urgent_new, old, newer]
    assert {i.conversation_id for i in items} == {old, newer, urgent_new, urgent_old, outage}
    first = items[0]
    assert (first.reason, first.urgent, first.channel) == ("crisis", True, "webchat")
    assert 590 <= first.waiting_s <= 660


def test_queue_shows_district_and_needs(database_url: str) -> None:
    from_contact = waiting()
    in_unit(
        record_contact,
        ContactIn(from_contact, "webchat", "handover", ["housing"], "Bolton", "Bolton Advice"),
    )
    from_referral = waiting()
    save_referral(
        ReferralIn(
            from_referral, "webchat", "Sam", "Salford", "Salford Foundation", "phone",
            "07700900000", "mornings", ["debt", "benefits"], "yes", datetime.now(UTC), "v1",
        )
    )  # fmt: skip
    items = {i.conversation_id: i for i in handover.queue()}
    assert (items[from_contact].district, items[from_contact].needs) == ("Bolton", ["housing"])
    assert items[from_referral].district == "Salford"
    assert items[from_referral].needs == ["debt", "benefits"]


def race(cid: str, advisors: list[int]) -> dict[int, str]:
    """Every advisor claims at the same moment, each on its own thread and connection."""
    start = threading.Barrier(len(advisors))
    results: dict[int, str] = {}

    def take(advisor_id: int) -> None:
        start.wait()
        results[advisor_id] = handover.claim(cid, advisor_id)

    threads = [threading.Thread(target=take, args=(a,)) for a in advisors]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return results


def test_only_one_of_many_simultaneous_claims_wins(database_url: str) -> None:
    advisors = [new_user().id for _ in range(8)]
    for _ in range(5):
        cid = waiting()
        results = race(cid, advisors)
        winners = [a for a, r in results.items() if r == "claimed"]
        assert len(results) == len(advisors) and len(winners) == 1
        assert sorted(r for r in results.values() if r != "claimed") == ["held"] * 7
        assert handover.holder(cid) == ("advisor", winners[0])


def test_claim_answers(database_url: str) -> None:
    me, other = new_user().id, new_user().id
    cid = waiting()
    assert handover.claim(cid, me) == "claimed"
    assert handover.claim(cid, me) == "yours"
    assert handover.claim(cid, other) == "held"
    assert handover.claim("no-such-conversation", me) == "missing"
    assert (
        handover.claim(in_unit(conversations.create_conversation, "webchat"), me) == "not_waiting"
    )


def test_release_only_by_the_holder_unless_any_holder(database_url: str) -> None:
    me, other = new_user().id, new_user().id
    cid = waiting(urgent=True, reason="crisis")
    handover.claim(cid, me)
    assert handover.release(cid, other, "assistant", any_holder=False) == "held"
    assert handover.release(cid, me, "waiting", any_holder=False) == "done"
    assert handover.holder(cid) == ("waiting", None)
    assert handover.release(cid, me, "assistant", any_holder=False) == "not_held"

    handover.claim(cid, other)
    assert handover.release(cid, me, "closed", any_holder=True, outcome="signposted") == "done"
    info = handover.info(cid)
    assert (info.state, info.advisor_id, info.outcome) == ("closed", None, "signposted")

    back = waiting(urgent=True, reason="crisis")
    handover.claim(back, me)
    assert handover.release(back, me, "assistant", any_holder=False) == "done"
    info = handover.info(back)
    assert (info.state, info.reason, info.urgent) == ("assistant", None, False)
    assert handover.release("nope", me, "closed", any_holder=True) == "missing"


def test_notes_and_info(database_url: str) -> None:
    me = new_user()
    cid = waiting()
    handover.claim(cid, me.id)
    note = handover.add_note(cid, me.id, "rang back, no answer")
    assert note is not None and note["author"] == me.username
    assert handover.add_note("nope", me.id, "x") is None
    info = handover.info(cid)
    assert info.advisor == me.username and info.state == "advisor"
    assert [n["text"] for n in info.notes] == ["rang back, no answer"]
    assert info.referral is None


def test_audit_rows_keep_who_what_and_when(database_url: str) -> None:
    me = new_user()
    cid = waiting()
    before = datetime.now(UTC) - timedelta(seconds=1)
    audit.record("view", me.id, cid, client="127.0.0.1")
    audit.record("close", me.id, cid, detail="outcome=answered")
    with pytest.raises(ValueError):
        audit.record("made_up", me.id)
    rows = audit.events(conversation_id=cid)
    assert [(r.action, r.staff_user_id, r.detail) for r in rows] == [
        ("view", me.id, None),
        ("close", me.id, "outcome=answered"),
    ]
    assert rows[0].client == "127.0.0.1"
    assert all(staff.aware(r.at) >= before for r in rows)
