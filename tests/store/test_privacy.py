"""Erasure of one person, on SQLite and PostgreSQL: nothing of theirs is left in any table or
in the engine's tracker events, the other person is untouched, and the contact counts stay."""

from __future__ import annotations

import pytest

from bot.store import audit, privacy
from bot.store.models import Contact
from bot.store.session import get_sessionmaker
from tests.store.people import marker_anywhere, rows_of, seed_person, tracker_count
from tests.support.db import count, rows

NOBODY = privacy.Actor(None, "test")


def test_erasure_leaves_nothing_of_the_person_and_keeps_the_counts(database_url: str) -> None:
    ann = seed_person("Ann-Erasure-7c1")
    bob = seed_person("Bob-Kept-9d2", channel="telegram", telegram_id=424242)
    bob_before = rows_of(bob.conversation_id)
    contacts_before = count(Contact)
    assert rows_of(ann.conversation_id) and tracker_count(ann.conversation_id) == 6

    subject = privacy.resolve(ann.session_id or "")  # named by the web chat session
    assert subject == privacy.Subject("webchat", (ann.conversation_id,))
    done = privacy.erase(subject, NOBODY)

    assert rows_of(ann.conversation_id) == {}
    assert tracker_count(ann.conversation_id) == 0
    assert marker_anywhere("Ann-Erasure-7c1") == []
    counts = done[ann.conversation_id]
    assert counts["messages"] == 3 and counts["referrals"] == 1 and counts["tracker_events"] == 6
    assert counts["consent_records"] == 2 and counts["callback_requests"] == 1
    assert counts["contacts_anonymised"] == 2  # anonymised, not removed
    # The other person keeps every row and every tracker event.
    assert rows_of(bob.conversation_id) == bob_before
    assert tracker_count(bob.conversation_id) == 6
    assert marker_anywhere("Bob-Kept-9d2")
    # Counts stay: the same number of contacts, Ann's now without an id.
    assert count(Contact) == contacts_before
    assert [c.outcome for c in rows(Contact, conversation_id=None)] == ["signposted", "referral"]
    with pytest.raises(privacy.NothingHeld):
        privacy.resolve(ann.conversation_id)


def test_telegram_id_names_every_conversation_of_that_chat(database_url: str) -> None:
    ann = seed_person("Ann-Telegram-1", channel="telegram", telegram_id=5150)
    seed_person("Bob-Telegram-2", channel="telegram", telegram_id=6160)
    subject = privacy.resolve("telegram:5150")
    assert subject == privacy.Subject("telegram", (ann.conversation_id,))
    privacy.erase(subject, NOBODY)
    assert marker_anywhere("Ann-Telegram-1") == []
    assert marker_anywhere("Bob-Telegram-2")
    with pytest.raises(privacy.NothingHeld):
        privacy.resolve("telegram:5150")  # the chat link is gone too


def test_erasure_is_audited_with_ids_and_counts_never_content(database_url: str) -> None:
    ann = seed_person("Ann-Audited-3")
    privacy.erase(privacy.resolve(ann.conversation_id), privacy.Actor(None, "command line (x)"))
    [row] = [e for e in audit.events(conversation_id=ann.conversation_id) if e.action == "erase"]
    assert row.client == "command line (x)" and row.staff_user_id is None
    assert row.detail and "messages=3" in row.detail and "tracker_events=6" in row.detail
    assert "Ann-Audited-3" not in row.detail


def test_tracker_events_left_behind_can_still_be_erased(database_url: str) -> None:
    ann = seed_person("Ann-Again-4")
    with get_sessionmaker().begin() as session:  # the app's rows went, the engine's stayed
        privacy.erase_rows(session, [ann.conversation_id])
    assert rows_of(ann.conversation_id) == {} and tracker_count(ann.conversation_id) == 6
    subject = privacy.resolve(ann.conversation_id)
    assert privacy.erase(subject, NOBODY)[ann.conversation_id]["tracker_events"] == 6
    assert marker_anywhere("Ann-Again-4") == []
    with pytest.raises(privacy.NothingHeld):
        privacy.resolve(ann.conversation_id)


@pytest.mark.parametrize("given", ["", "two words", "telegram:abc", "x" * 201])
def test_malformed_ids_are_refused(database_url: str, given: str) -> None:
    with pytest.raises(privacy.BadId):
        privacy.resolve(given)


def test_an_unknown_id_holds_nothing(database_url: str) -> None:
    seed_person("Someone-5")
    for given in ("0" * 32, "telegram:1", "no-such-session"):
        with pytest.raises(privacy.NothingHeld):
            privacy.resolve(given)
