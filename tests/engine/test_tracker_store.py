"""The dialogue state lives in the project's database and survives a new engine process."""

from __future__ import annotations

import asyncio
import json
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg2
import pytest
import sqlalchemy as sa
from rasa.core.tracker_store import TrackerStore, create_tracker_store
from rasa.core.utils import AvailableEndpoints
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActiveLoop,
    BotUttered,
    Event,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

from engine import patches
from engine.patches import trackers
from engine.policies import kept_past_states
from engine.tracker_store import ProjectTrackerStore, tracker_database_url

DOMAIN = Domain.from_dict(
    {
        "intents": ["refer_self"],
        "slots": {"district": {"type": "text", "mappings": [{"type": "custom"}]}},
    }
)
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"


PATCHED = pytest.mark.skipif(not patches.enabled(), reason="ENGINE_PATCHES=off: nothing is kept")


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A PostgreSQL database of this test's own, created and dropped."""
    name = f"tracker_{secrets.token_hex(6)}"
    admin = psycopg2.connect(PG_ADMIN)
    admin.autocommit = True
    admin.cursor().execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    finally:
        admin.cursor().execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def _store(monkeypatch: pytest.MonkeyPatch, database_url: str) -> TrackerStore:
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("ACTION_SERVER_URL", "http://127.0.0.1:5055/webhook")
    endpoints = AvailableEndpoints.read_endpoints("endpoints.yml")
    return create_tracker_store(endpoints.tracker_store, DOMAIN)


def _half_finished_form(sender: str) -> DialogueStateTracker:
    return DialogueStateTracker.from_events(
        sender,
        [
            ActionExecuted("action_listen"),
            UserUttered("refer me please", {"name": "refer_self", "confidence": 1.0}),
            SlotSet("district", "Bolton"),
        ],
        DOMAIN.slots,
    )


def _restart_keeps_the_conversation(monkeypatch: pytest.MonkeyPatch, url: str) -> Any:
    sender = secrets.token_hex(16)
    first = _store(monkeypatch, url)
    asyncio.run(first.save(_half_finished_form(sender)))
    again = _store(monkeypatch, url)  # a new engine process reads the same database
    tracker = asyncio.run(again.retrieve(sender))
    assert tracker is not None
    assert tracker.get_slot("district") == "Bolton"
    assert tracker.latest_message.text == "refer me please"
    return again


def test_endpoints_yml_names_the_project_store(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    store = _store(monkeypatch, f"sqlite:///{tmp_path / 'welfare.db'}")
    inner = getattr(store, "_tracker_store", store)
    assert isinstance(inner, ProjectTrackerStore)
    assert inner.database == f"sqlite:///{tmp_path / 'welfare-tracker.db'}"


def test_sqlite_state_survives_a_restart(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    _restart_keeps_the_conversation(monkeypatch, f"sqlite:///{tmp_path / 'welfare.db'}")
    assert (tmp_path / "welfare-tracker.db").exists()


def test_postgresql_state_survives_a_restart(
    monkeypatch: pytest.MonkeyPatch, postgres_url: str
) -> None:
    store = _restart_keeps_the_conversation(monkeypatch, postgres_url)
    inner = getattr(store, "_tracker_store", store)
    assert inner.database.startswith("postgresql+psycopg2://postgres@127.0.0.1:5432/tracker_")
    inner.engine.dispose()


def test_database_errors_do_not_carry_message_text(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'welfare.db'}")
    store = ProjectTrackerStore(DOMAIN)
    with pytest.raises(sa.exc.StatementError) as caught:
        with store.engine.connect() as connection:
            connection.execute(
                sa.text("SELECT * FROM no_such_table WHERE x = :t"), {"t": "Jo 07700"}
            )
    assert "Jo 07700" not in str(caught.value)


def test_urls() -> None:
    assert (
        tracker_database_url("sqlite:////srv/line/app.db") == "sqlite:////srv/line/app-tracker.db"
    )
    assert (
        tracker_database_url("postgresql+psycopg://u:pw@db:5432/line")
        == "postgresql+psycopg2://u:pw@db:5432/line"
    )
    assert tracker_database_url(None).endswith("/var/welfare-tracker.db")


# --- forgetting what a person typed for a referral ----------------------------------------

FORM_DOMAIN = Domain.from_dict(
    {
        "intents": ["refer_self", "inform", "affirm", "cancel"],
        "slots": {
            name: {"type": "any", "influence_conversation": False, "mappings": [{"type": "custom"}]}
            for name in ("preferred_name", "phone", "probation_status", "district")
        },
        "forms": {"referral_form": {"required_slots": ["preferred_name", "phone"]}},
        "responses": {
            "utter_ask_referral_confirm": [{"text": "Here's what I'll send:\n\n{summary}\n\nOK?"}]
        },
    }
)
NAME, NUMBER = "Zebedee Quimby", "07700 900123"
PRIVATE = ("Zebedee", "Quimby", "900123")


def _said(text: str, intent: str = "inform", personal: str | None = None) -> UserUttered:
    """A person's message as the REST channel logs it (the gateway may mark it personal)."""
    metadata = {"channel": "webchat", **({"personal_answer": personal} if personal else {})}
    entities = [{"entity": "place", "value": text, "start": 0, "end": len(text)}]
    return UserUttered(text, {"name": intent, "confidence": 1.0}, entities, metadata=metadata)


def _asks(slot: str, question: str) -> list[Event]:
    return [
        ActionExecuted("referral_form"),
        SlotSet("requested_slot", slot),
        BotUttered(question, metadata={"utter_action": f"utter_ask_{slot}"}),
        ActionExecuted("action_listen"),
    ]


def _form_until_the_summary() -> list[list[Event]]:
    """The turns of a referral up to "shall I send it?", each saved on its own as Rasa does."""
    summary = f"• Name: {NAME}\n• Phone {NUMBER.replace(' ', '')}"
    return [
        [
            ActionExecuted("action_listen"),
            _said("refer me please", "refer_self"),
            ActionExecuted("referral_form"),
            ActiveLoop("referral_form"),
            *_asks("preferred_name", "What would you like us to call you?")[1:],
        ],
        [
            _said(NAME, personal="name"),  # marked by the gateway
            SlotSet("preferred_name", NAME),
            *_asks("phone", "What's the best number to reach you on?"),
        ],
        [
            _said(NUMBER),  # not marked: the engine knows the form asked for the phone number
            ActionExecuted("referral_form"),
            SlotSet("phone", NUMBER.replace(" ", "")),
            SlotSet("requested_slot", "referral_confirm"),
            BotUttered(
                f"Here's what I'll send:\n\n{summary}\n\nOK?",
                metadata={"utter_action": "utter_ask_referral_confirm", "summary": summary},
            ),
            ActionExecuted("action_listen"),
        ],
    ]


def _turn(store: TrackerStore, sender: str, events: list[Event]) -> DialogueStateTracker:
    """One message: the tracker read, the turn's events added, the tracker saved."""
    tracker = asyncio.run(store.retrieve(sender)) or DialogueStateTracker(sender, FORM_DOMAIN.slots)
    for event in events:
        tracker.update(event)
    # as the engine's policies do before it is saved: what they keep on the tracker is made
    trackers.applied_events(tracker)
    kept_past_states(tracker, FORM_DOMAIN)
    asyncio.run(store.save(tracker))
    return tracker


def _stored(store: TrackerStore, sender: str) -> list[dict[str, Any]]:
    inner = getattr(store, "_tracker_store", store)
    with inner.engine.connect() as connection:
        rows = connection.execute(
            sa.text("SELECT data FROM events WHERE sender_id = :s ORDER BY id"), {"s": sender}
        )
        return [json.loads(data) for (data,) in rows]


def _form_store(monkeypatch: pytest.MonkeyPatch, url: str) -> TrackerStore:
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("ACTION_SERVER_URL", "http://127.0.0.1:5055/webhook")
    endpoints = AvailableEndpoints.read_endpoints("endpoints.yml")
    return create_tracker_store(endpoints.tracker_store, FORM_DOMAIN)


def _cancel_keeps_nothing(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    sender = secrets.token_hex(16)
    store = _form_store(monkeypatch, url)
    for turn in _form_until_the_summary():
        _turn(store, sender, turn)

    # While the form runs, everything stays, so a restarted engine carries on with it.
    again = _form_store(monkeypatch, url)
    tracker = asyncio.run(again.retrieve(sender))
    assert tracker is not None and tracker.active_loop_name == "referral_form"
    assert (tracker.get_slot("preferred_name"), tracker.get_slot("phone")) == (NAME, "07700900123")
    assert all(word in json.dumps(_stored(again, sender)) for word in PRIVATE)

    cancelled = _turn(
        again,
        sender,
        [
            _said("cancel", "cancel"),
            ActionExecuted("action_cancel_referral"),
            BotUttered("OK, I've stopped.", metadata={"utter_action": "utter_referral_cancelled"}),
            ActiveLoop(None),
            SlotSet("preferred_name", None),
            SlotSet("phone", None),
            SlotSet("requested_slot", None),
            ActionExecuted("action_listen"),
        ],
    )
    stored = _stored(again, sender)
    assert not [word for word in PRIVATE if word in json.dumps(stored)]
    answers = [e for e in stored if e["event"] == "user"]
    assert [a["text"] for a in answers] == [
        "refer me please",
        "[answer to: name]",
        "[answer to: phone number]",
        "cancel",
    ]
    assert answers[1]["parse_data"]["entities"] == [{"entity": "place", "value": "[left out]"}]
    summary = next(e for e in stored if e["event"] == "bot" and "send" in e["text"])
    assert summary["text"] == "Here's what I'll send:\n\n{summary}\n\nOK?"
    assert summary["metadata"] == {"utter_action": "utter_ask_referral_confirm", "forgotten": True}

    # What was forgotten changes nothing of the state a restarted engine reads back.
    after = asyncio.run(_form_store(monkeypatch, url).retrieve(sender))
    assert after is not None and len(after.events) == len(cancelled.events)
    assert after.current_slot_values() == cancelled.current_slot_values()
    assert after.active_loop_name is None
    assert [e.intent_name for e in after.events if isinstance(e, UserUttered)] == [
        e.intent_name for e in cancelled.events if isinstance(e, UserUttered)
    ]
    assert after.past_states(FORM_DOMAIN) == cancelled.past_states(FORM_DOMAIN)
    getattr(again, "_tracker_store", again).engine.dispose()


def test_a_cancelled_referral_is_forgotten_on_sqlite(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _cancel_keeps_nothing(monkeypatch, f"sqlite:///{tmp_path / 'welfare.db'}")


def test_a_cancelled_referral_is_forgotten_on_postgresql(
    monkeypatch: pytest.MonkeyPatch, postgres_url: str
) -> None:
    _cancel_keeps_nothing(monkeypatch, postgres_url)


def test_a_sent_referral_is_forgotten_and_no_personal_slot_outlives_the_session(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """After a confirmed referral the details are in the referral row the person agreed to;
    the probation status the contact log still reads stays until a new session starts."""
    sender = secrets.token_hex(16)
    store = _form_store(monkeypatch, f"sqlite:///{tmp_path / 'welfare.db'}")
    _turn(store, sender, [ActionExecuted("action_listen"), SlotSet("district", "Bolton")])
    for turn in _form_until_the_summary():
        _turn(store, sender, turn)
    _turn(
        store,
        sender,
        [
            _said("yes", "affirm"),
            ActionExecuted("referral_form"),
            ActiveLoop(None),
            SlotSet("requested_slot", None),
            SlotSet("probation_status", "yes"),
            ActionExecuted("action_submit_referral"),
            BotUttered(
                f"Thanks {NAME}, that's sent.",
                metadata={"utter_action": "utter_referral_done", "name": NAME},
            ),
            SlotSet("preferred_name", None),
            SlotSet("phone", None),
            ActionExecuted("action_listen"),
        ],
    )
    stored = json.dumps(_stored(store, sender))
    assert not [word for word in PRIVATE if word in stored]
    assert '"name": "probation_status", "value": "yes"' in stored  # still the slot's value

    # A new session: the district carries over (action_session_start), nothing personal does.
    _turn(
        store,
        sender,
        [SessionStarted(), SlotSet("district", "Bolton"), ActionExecuted("action_listen")],
    )
    kept = [
        (e["name"], e["value"])
        for e in _stored(store, sender)
        if e["event"] == "slot" and e["name"] != "requested_slot" and e["value"] is not None
    ]
    assert kept == [("district", "Bolton")]
    tracker = asyncio.run(store.retrieve(sender))
    assert tracker is not None and tracker.get_slot("district") == "Bolton"
    assert tracker.get_slot("probation_status") is None


def test_an_answer_the_gateway_marks_personal_is_forgotten_when_no_form_runs(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The form has gone (a new session started while the person was away), but the answer
    was to the form's question, so the gateway marked it: the words are forgotten, the slot set
    from them is kept, and other messages are left as they are."""
    sender = secrets.token_hex(16)
    store = _form_store(monkeypatch, f"sqlite:///{tmp_path / 'welfare.db'}")
    _turn(store, sender, [ActionExecuted("action_listen"), _said("how do i claim uc")])
    _turn(store, sender, [_said("Stretford", personal="area"), SlotSet("district", "Trafford")])
    stored = _stored(store, sender)
    assert [e["text"] for e in stored if e["event"] == "user"] == [
        "how do i claim uc",
        "[answer to: area]",
    ]
    assert "Stretford" not in json.dumps(stored)
    assert asyncio.run(store.retrieve(sender)).get_slot("district") == "Trafford"  # type: ignore[union-attr]


# --- the conversations kept in memory ----------------------------------------------------


def _inner(store: TrackerStore) -> ProjectTrackerStore:
    inner = getattr(store, "_tracker_store", store)
    assert isinstance(inner, ProjectTrackerStore)
    return inner


def _said_turn(text: str) -> list[Event]:
    return [_said(text, "inform"), ActionExecuted("utter_uc"), ActionExecuted("action_listen")]


@PATCHED
def test_a_current_conversation_is_handed_back_without_reading_it_again(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    sender = secrets.token_hex(16)
    store = _form_store(monkeypatch, f"sqlite:///{tmp_path / 'welfare.db'}")
    saved = _turn(store, sender, [ActionExecuted("action_listen"), *_said_turn("hiya")])
    again = asyncio.run(store.retrieve(sender))
    assert again is saved
    # Lent to one caller until it is saved: a second caller meanwhile reads the database.
    other = asyncio.run(store.retrieve(sender))
    assert other is not None and other is not saved
    assert [e.as_dict() for e in other.events] == [e.as_dict() for e in saved.events]


def test_a_kept_conversation_is_read_again_once_another_worker_adds_to_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'welfare.db'}"
    sender = secrets.token_hex(16)
    first, second = _form_store(monkeypatch, url), _form_store(monkeypatch, url)
    kept = _turn(first, sender, [ActionExecuted("action_listen"), *_said_turn("hiya")])
    _turn(second, sender, _said_turn("how do i claim uc"))  # the other worker's turn
    tracker = asyncio.run(first.retrieve(sender))
    assert tracker is not None and tracker is not kept
    assert tracker.latest_message is not None
    assert tracker.latest_message.text == "how do i claim uc"
    # And a tracker changed without being saved (a turn that failed) is not handed back.
    tracker.update(_said("half a turn"))
    assert asyncio.run(first.retrieve(sender)) is not tracker


def _as_read_back(tracker: DialogueStateTracker) -> dict[str, Any]:
    """What a tracker holds, to compare a kept one with the stored conversation read back
    (an empty latest reply is made new each time: its time is left out)."""
    loop = tracker.active_loop
    bot = tracker.latest_bot_utterance.as_dict() if tracker.latest_bot_utterance else {}
    return {
        "events": [event.as_dict() for event in tracker.events],
        "slots": tracker.current_slot_values(),
        "latest_message": tracker.latest_message.as_dict() if tracker.latest_message else None,
        "latest_bot": {k: v for k, v in bot.items() if k != "timestamp" or bot.get("text")},
        "loop": (loop.name, loop.trigger_message) if loop else None,
        "states": kept_past_states(tracker, FORM_DOMAIN),
        "rasas_states": tracker.past_states(FORM_DOMAIN),
        "applied": [event.as_dict() for event in trackers.applied_events(tracker)],
    }


@PATCHED
def test_a_forgotten_form_is_kept_as_it_reads_back(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Forgetting rewrites the stored events; the tracker in memory gets the same rewrite, so
    the next message need not read and replay the whole conversation."""
    url = f"sqlite:///{tmp_path / 'welfare.db'}"
    sender = secrets.token_hex(16)
    store = _form_store(monkeypatch, url)
    for turn in _form_until_the_summary():
        _turn(store, sender, turn)
    cancelled = _turn(
        store,
        sender,
        [
            _said("cancel", "cancel"),
            ActionExecuted("action_cancel_referral"),
            ActiveLoop(None),
            SlotSet("preferred_name", None),
            SlotSet("phone", None),
            SlotSet("requested_slot", None),
            ActionExecuted("action_listen"),
        ],
    )
    kept = asyncio.run(store.retrieve(sender))
    assert kept is cancelled
    held = json.dumps([event.as_dict() for event in kept.events])
    assert not [word for word in PRIVATE if word in held]
    read_back = asyncio.run(_form_store(monkeypatch, url).retrieve(sender))
    assert read_back is not None and read_back is not kept
    assert _as_read_back(kept) == _as_read_back(read_back)


@PATCHED
def test_a_place_asked_again_is_forgotten_in_memory_too(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A district set again supersedes the one before, which is forgotten, in the database and
    in the kept tracker alike; the current district and the form that is running stay."""
    url = f"sqlite:///{tmp_path / 'welfare.db'}"
    sender = secrets.token_hex(16)
    store = _form_store(monkeypatch, url)
    _turn(store, sender, [ActionExecuted("action_listen"), *_said_turn("help in Wigan")])
    _turn(store, sender, [SlotSet("district", "Wigan"), ActionExecuted("action_listen")])
    asked = _turn(
        store,
        sender,
        [
            _said("Bolton", "refer_self", personal="area"),
            ActionExecuted("a_place_form"),
            ActiveLoop("a_place_form"),  # a form started by the personal answer
            SlotSet("district", "Bolton"),
            ActionExecuted("action_listen"),
        ],
    )
    kept = asyncio.run(store.retrieve(sender))
    assert kept is asked
    assert kept.get_slot("district") == "Bolton"
    assert kept.active_loop_name == "a_place_form"
    assert "Bolton" not in json.dumps(
        [event.as_dict() for event in kept.events if isinstance(event, UserUttered)]
    )
    assert [e.value for e in kept.events if isinstance(e, SlotSet) and e.key == "district"] == [
        None,
        "Bolton",
    ]
    read_back = asyncio.run(_form_store(monkeypatch, url).retrieve(sender))
    assert read_back is not None
    assert _as_read_back(kept) == _as_read_back(read_back)


def test_a_tracker_that_is_not_the_stored_rows_is_read_again() -> None:
    """The rewrite is put in memory only when the tracker's events are, by kind and time, the
    last rows forgetting read."""
    from engine.tracker_store import Rewrite

    tracker = DialogueStateTracker("other", FORM_DOMAIN.slots)
    tracker.update(_said("Zebedee", personal="name"))
    said = tracker.events[0]
    rewritten = {0: {**said.as_dict(), "text": "[answer to: name]"}}
    assert not Rewrite([("user", said.timestamp + 1)], rewritten).apply_to(tracker)
    assert not Rewrite([], rewritten).apply_to(tracker)
    assert tracker.events[0] is said
    assert Rewrite([("user", said.timestamp)], rewritten).apply_to(tracker)
    assert tracker.events[0].text == "[answer to: name]"
    assert tracker.latest_message is tracker.events[0]


def test_a_new_session_is_read_back_and_stored_once(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Rasa reads back the latest session only and counts what to store from it: a tracker
    holding two sessions is not kept, so no event is stored twice."""
    sender = secrets.token_hex(16)
    store = _form_store(monkeypatch, f"sqlite:///{tmp_path / 'welfare.db'}")
    _turn(store, sender, [ActionExecuted("action_listen"), *_said_turn("hiya")])
    two_sessions = _turn(
        store, sender, [SessionStarted(), ActionExecuted("action_listen"), *_said_turn("hi")]
    )
    assert asyncio.run(store.retrieve(sender)) is not two_sessions
    for text in ("one", "two", "three"):
        _turn(store, sender, _said_turn(text))
    said = [e["text"] for e in _stored(store, sender) if e["event"] == "user"]
    assert said == ["hiya", "hi", "one", "two", "three"]


@PATCHED
def test_how_many_are_kept_is_bounded_and_off_without_patches(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("ENGINE_KEPT_TRACKERS", "2")
    store = _form_store(monkeypatch, f"sqlite:///{tmp_path / 'welfare.db'}")
    senders = [secrets.token_hex(8) for _ in range(3)]
    saved = [_turn(store, s, [ActionExecuted("action_listen"), *_said_turn("hi")]) for s in senders]
    assert asyncio.run(store.retrieve(senders[0])) is not saved[0]  # the oldest went
    assert asyncio.run(store.retrieve(senders[2])) is saved[2]
    monkeypatch.setenv("ENGINE_PATCHES", "off")
    unpatched = _form_store(monkeypatch, f"sqlite:///{tmp_path / 'other.db'}")
    assert _inner(unpatched).keep == 0
    kept = _turn(unpatched, senders[0], [ActionExecuted("action_listen"), *_said_turn("hi")])
    assert asyncio.run(unpatched.retrieve(senders[0])) is not kept


@PATCHED
def test_a_clean_conversation_is_not_replayed_at_every_save(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Found clean once, only the events added since are looked at; an event that can make
    something forgettable (here an answer the gateway marks personal) is still found."""
    import engine.tracker_store as module

    calls = []
    real = module.to_forget
    monkeypatch.setattr(module, "to_forget", lambda events: calls.append(1) or real(events))
    sender = secrets.token_hex(16)
    store = _form_store(monkeypatch, f"sqlite:///{tmp_path / 'welfare.db'}")
    _turn(store, sender, [ActionExecuted("action_listen"), *_said_turn("hiya")])
    for text in ("how do i claim uc", "and pip", "thanks", "what about housing"):
        _turn(store, sender, _said_turn(text))
    assert len(calls) == 1  # the first save; the next four only looked at their own events
    _turn(store, sender, [_said(NAME, personal="name"), ActionExecuted("action_listen")])
    assert len(calls) == 3  # the save's look at the whole conversation, and the rewrite's own
    assert not [word for word in PRIVATE if word in json.dumps(_stored(store, sender))]
