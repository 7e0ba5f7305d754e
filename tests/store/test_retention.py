"""Retention on SQLite and PostgreSQL: what is older than the setting goes (tracker events too),
what is recent stays, the contact counts never change; a dry run changes nothing and counts
exactly what the real run then does; a second run finds nothing."""

from __future__ import annotations

from datetime import timedelta

from bot.store import retention
from bot.store.models import Contact, Conversation, Message
from bot.store.session import get_sessionmaker
from tests.store.people import marker_anywhere, rows_of, seed_person, tracker_count
from tests.support.db import count, rows

OLD = timedelta(days=400)
RECENT = timedelta(days=10)


def test_old_goes_recent_stays_counts_stay(database_url: str) -> None:
    old = seed_person("Old-Retention-1", age=OLD)
    recent = seed_person("Recent-Retention-2", channel="telegram", age=RECENT, telegram_id=99)
    old_rows, recent_rows = rows_of(old.conversation_id), rows_of(recent.conversation_id)
    contacts = count(Contact)

    would = retention.run(365, dry_run=True)
    assert rows_of(old.conversation_id) == old_rows  # the dry run changed nothing
    assert tracker_count(old.conversation_id) == 6
    assert would["messages"] == 3 and would["referrals"] == 1 and would["tracker_events"] == 6
    assert would["callback_requests"] == 1 and would["consent_records"] == 2
    assert would["conversations"] == 1 and would["contacts_anonymised"] == 2

    assert retention.run(365) == would
    assert rows_of(old.conversation_id) == {}
    assert tracker_count(old.conversation_id) == 0
    assert marker_anywhere("Old-Retention-1") == []
    assert rows_of(recent.conversation_id) == recent_rows
    assert tracker_count(recent.conversation_id) == 6
    assert count(Contact) == contacts
    assert len(rows(Contact, conversation_id=None)) == 2

    again = retention.run(365)
    assert set(again.values()) == {0}, again


def test_old_messages_of_a_live_conversation_go_and_the_conversation_stays(
    database_url: str,
) -> None:
    person = seed_person("Live-Retention-3", age=OLD)
    with get_sessionmaker().begin() as session:  # the person wrote again yesterday
        session.add(
            Message(
                conversation_id=person.conversation_id,
                direction="in",
                sender="person",
                text="still here",
            )
        )
    done = retention.run(365)
    assert done["messages"] == 3 and done["conversations"] == 0
    assert [m.text for m in rows(Message, conversation_id=person.conversation_id)] == ["still here"]
    assert rows(Conversation, id=person.conversation_id)


def test_a_conversation_with_an_advisor_is_never_removed(database_url: str) -> None:
    person = seed_person("Waiting-Retention-4", age=OLD)
    with get_sessionmaker().begin() as session:
        row = session.get(Conversation, person.conversation_id)
        assert row is not None
        row.state, row.updated_at = "waiting", row.created_at
    assert retention.run(365)["conversations"] == 0
    assert rows(Conversation, id=person.conversation_id)
    assert marker_anywhere("Waiting-Retention-4") == []  # its old content went all the same
