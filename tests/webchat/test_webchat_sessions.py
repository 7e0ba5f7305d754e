"""A web chat token works while the chat is in use: it stops after WEBCHAT_IDLE_MINUTES with no
message either way (401, so the page starts a new chat), and at once on Quick exit. The
conversation itself stays for the advisors. The page shows the privacy notice before the first
message. Rasa is scripted; the database (SQLite and PostgreSQL) is real, and a quiet spell is
made by moving the stored times back."""

from __future__ import annotations

import html
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, update

from bot.content import get_content
from bot.gateway.outbound import send_to_person
from bot.settings import get_settings
from bot.store import conversations, webchat
from bot.store.models import Message, WebchatSession, utcnow
from bot.store.session import get_engine, get_sessionmaker, in_unit
from tests.support.webchat import WebChat


def quiet_for(person: WebChat, minutes: int) -> None:
    """As if nothing had been said in the chat for `minutes`."""
    earlier = utcnow() - timedelta(minutes=minutes)
    conversation_id = person.conversation_id
    with get_sessionmaker().begin() as session:
        session.execute(
            update(WebchatSession)
            .where(WebchatSession.id == person.session_id)
            .values(created_at=earlier)
        )
        session.execute(
            update(Message).where(Message.conversation_id == conversation_id).values(at=earlier)
        )


def test_a_quiet_chat_ends_with_401_and_a_new_one_starts(gateway_client: TestClient) -> None:
    person = WebChat(gateway_client)
    person.say(text="hello")
    conversation_id = person.conversation_id
    quiet_for(person, 59)
    assert gateway_client.get(person.url, headers=person.headers).status_code == 200

    quiet_for(person, 61)
    for response in (
        gateway_client.get(person.url, headers=person.headers),
        gateway_client.post(person.url, json={"text": "hi again"}, headers=person.headers),
    ):
        assert response.status_code == 401
        assert response.headers["www-authenticate"].startswith("Bearer")
        assert "116 123" in response.json()["message"]  # every error carries the numbers
    stream = gateway_client.get(f"{person.url[:-9]}/stream", headers=person.headers)
    assert stream.status_code == 401
    assert webchat.check_session(person.session_id, person.token) is None
    assert [m.text for m in in_unit(conversations.transcript, conversation_id)][
        0
    ] == "hello"  # kept

    fresh = WebChat(gateway_client)  # what the page does next
    assert fresh.say(text="hi again") and fresh.conversation_id != conversation_id


def test_an_advisors_message_counts_as_the_chat_being_in_use(
    gateway_client: TestClient,
) -> None:
    person = WebChat(gateway_client)
    person.say(text="can I speak to someone")
    conversation_id = person.conversation_id
    quiet_for(person, 90)
    assert gateway_client.get(person.url, headers=person.headers).status_code == 401
    gateway_client.portal.call(send_to_person, conversation_id, "Hi, it's Jo here.")
    assert gateway_client.get(person.url, headers=person.headers).status_code == 200


def test_the_quiet_spell_is_a_setting(
    gateway_client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    person = WebChat(gateway_client)
    person.say(text="hello")
    quiet_for(person, 6)
    assert gateway_client.get(person.url, headers=person.headers).status_code == 200
    monkeypatch.setenv("WEBCHAT_IDLE_MINUTES", "5")
    get_settings.cache_clear()
    try:
        assert gateway_client.get(person.url, headers=person.headers).status_code == 401
    finally:
        monkeypatch.delenv("WEBCHAT_IDLE_MINUTES")
        get_settings.cache_clear()


def test_quick_exit_revokes_the_token(gateway_client: TestClient) -> None:
    person, other = WebChat(gateway_client), WebChat(gateway_client)
    person.say(text="hello")
    session_url = f"/api/webchat/sessions/{person.session_id}"
    assert gateway_client.delete(session_url).status_code == 401
    assert gateway_client.delete(session_url, headers=other.headers).status_code == 403
    assert gateway_client.get(person.url, headers=person.headers).status_code == 200

    assert gateway_client.delete(session_url, headers=person.headers).status_code == 204
    assert gateway_client.get(person.url, headers=person.headers).status_code == 401
    posted = gateway_client.post(person.url, json={"text": "x"}, headers=person.headers)
    assert posted.status_code == 401
    assert gateway_client.delete(session_url, headers=person.headers).status_code == 204
    assert gateway_client.get(other.url, headers=other.headers).status_code == 200


def test_the_page_shows_the_privacy_notice_before_the_first_message(
    gateway_client: TestClient,
) -> None:
    page = gateway_client.get("/chat").text
    content = get_content()
    notice = html.escape(content.privacy_notice, quote=True)
    assert notice in page and html.escape(content.welcome, quote=True) in page
    assert page.index(notice) < page.index('class="msg msg--assistant msg--intro"')
    assert "{{" not in page


def test_a_message_is_read_and_taken_in_in_one_transaction(
    gateway_client: TestClient,
) -> None:
    """The token, the quiet spell and the crisis step's context are read in the transaction
    that then stores the message, so a message costs two transactions in all: that one and
    storing the answer."""
    person = WebChat(gateway_client)
    person.say(text="hello")
    engine = get_engine()
    begun: list[str] = []

    def count(connection: object) -> None:
        begun.append("begin")

    event.listen(engine, "begin", count)
    try:
        assert person.say(text="how do I claim universal credit")
    finally:
        event.remove(engine, "begin", count)
    assert len(begun) == 2


def test_a_session_id_can_be_pasted_into_a_command_line() -> None:
    """Staff give the id to `python -m bot.admin export ID`; an id starting with "-" would be
    read there as an option. 2,000 url-safe tokens would start with one about 31 times."""
    ids = [webchat.new_session_id() for _ in range(2000)]
    assert not [i for i in ids if i.startswith("-")]
    assert len(set(ids)) == len(ids) and all(len(i) == 32 for i in ids)
