"""What a person types for a referral, through the gateway with the real engine and action
server: kept out of the transcript, forgotten by the engine when the form ends, and never
carried into a new session. Both databases are read as they are on disk: the app's (SQLite and
PostgreSQL) and the engine's tracker (this run's SQLite file)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy import inspect, select, table, text

from bot.app import create_app
from bot.gateway.rasa_client import RasaClient
from bot.gateway.ratelimit import RateLimiter
from bot.store.models import Referral
from bot.store.session import get_engine
from tests.support.db import rows
from tests.support.processes import ActionServer, Engine
from tests.support.rasa import payloads
from tests.support.webchat import WebChat

pytestmark = pytest.mark.e2e

NAME, PLACE, NUMBER = "Zebedee Quimby", "Wythenshawe", "07700 900456"
PRIVATE = ("Zebedee", "Quimby", PLACE, "900456")


@pytest.fixture
def client(engine_url: str, actions: ActionServer) -> Iterator[TestClient]:
    with TestClient(create_app(RasaClient(engine_url))) as test_client:
        test_client.app.state.limiter = RateLimiter(limit=100)  # a form in seconds
        yield test_client


def app_database() -> str:
    """Every row of every table of the app's database, as text."""
    engine, found = get_engine(), []
    with engine.connect() as connection:
        for name in inspect(engine).get_table_names():
            found += [
                f"{name}: {tuple(r)}"
                for r in connection.execute(select(text("*")).select_from(table(name)))
            ]
    return "\n".join(found)


def tracker_events(engine: Engine, sender: str) -> list[dict]:
    """The conversation's events as the engine stored them (its tracker database)."""
    app_file = Path(engine.env["DATABASE_URL"].removeprefix("sqlite:///"))
    tracker = sa.create_engine(f"sqlite:///{app_file.with_name('engine-tracker.db')}")
    try:
        with tracker.connect() as connection:
            found = connection.execute(
                sa.text("SELECT data FROM events WHERE sender_id = :s ORDER BY id"), {"s": sender}
            )
            return [json.loads(data) for (data,) in found]
    finally:
        tracker.dispose()


def say(person: WebChat, said: str) -> list[dict]:
    return person.say(text=said)


def tap(person: WebChat, replies: list[dict], title: str) -> list[dict]:
    return person.say(payload=payloads(replies)[title])


def start_referral(person: WebChat) -> list[dict]:
    """Consent, name, area, "phone me", number: the replies asking for the best time."""
    consent = say(person, "can i refer myself")
    assert "Is that OK?" in consent[0]["text"]
    tap(person, consent, "Yes, that's OK")
    say(person, NAME)
    method = say(person, PLACE)
    tap(person, method, "Phone me")
    return say(person, NUMBER)


def test_a_cancelled_referral_leaves_neither_database_holding_what_was_typed(
    client: TestClient, engine: Engine
) -> None:
    person = WebChat(client)
    times = start_referral(person)
    assert "best time" in times[0]["text"]
    sender = person.conversation_id
    during = json.dumps(tracker_events(engine, sender))
    assert NAME in during and "07700900456" in during  # kept while the form runs

    cancelled = say(person, "cancel")
    assert "deleted what you typed" in cancelled[0]["text"]
    assert not [word for word in PRIVATE if word in app_database()]
    events = tracker_events(engine, sender)
    assert not [word for word in PRIVATE if word in json.dumps(events)]
    answers = [e["text"] for e in events if e["event"] == "user"]
    assert "[answer to: name]" in answers and "[answer to: phone number]" in answers
    # The conversation carries on as before.
    assert "Universal Credit" in say(person, "how do i claim universal credit")[0]["text"]


def test_a_declined_consent_leaves_nothing(client: TestClient, engine: Engine) -> None:
    person = WebChat(client)
    consent = say(person, "i want to refer myself")
    declined = tap(person, consent, "No thanks")
    assert "haven't taken any details" in declined[0]["text"]
    assert rows(Referral, conversation_id=person.conversation_id) == []
    assert "consent_records:" not in app_database()


def test_a_sent_referral_is_forgotten_by_the_engine_and_a_new_session_keeps_only_the_area(
    client: TestClient, engine: Engine
) -> None:
    person = WebChat(client)
    times = start_referral(person)
    needs = tap(person, times, "Mornings")
    more = tap(person, needs, "Housing")
    probation = tap(person, more, "That's all")
    summary = tap(person, probation, "Yes")
    assert NAME in summary[0]["text"]
    tap(person, summary, "Yes, send it")
    sender = person.conversation_id
    [referral] = rows(Referral, conversation_id=sender)
    assert (referral.preferred_name, referral.phone) == (NAME, "07700900456")  # agreed to
    assert not [word for word in PRIVATE if word in json.dumps(tracker_events(engine, sender))]

    # A new session (as after two hours of quiet): the district only.
    started = httpx.post(
        f"{engine.url}/conversations/{sender}/execute",
        json={"name": "action_session_start"},
        timeout=30,
    )
    assert started.status_code == 200, started.text
    slots = httpx.get(f"{engine.url}/conversations/{sender}/tracker", timeout=30).json()["slots"]
    assert slots["district"] == "Manchester"
    assert all(slots[s] is None for s in ("preferred_name", "phone", "probation_status", "needs"))
    stale = [
        e
        for e in tracker_events(engine, sender)
        if e["event"] == "slot" and e["name"] == "probation_status" and e["value"] is not None
    ]
    assert stale == []
