"""A web chat message costs few statements: on PostgreSQL each is a round trip, and the
gateway's own time per message is mostly spent waiting on them.

The first read (the session and its token, the quiet spell, the crisis step's context, the
state and the call-back status) is one query; then the message is stored, and the
assistant's answer, of however many messages, is one more INSERT."""

from __future__ import annotations

from fastapi.testclient import TestClient

from bot.app import create_app
from bot.crisis import ASKING_KEY
from bot.gateway import texts
from bot.store import conversations
from bot.store.session import get_engine, in_unit
from bot.vocabulary import ConversationState
from tests.support.rasa import ScriptedRasa
from tests.support.statements import statements_sent
from tests.support.webchat import WebChat

ANSWER = [
    {"text": "You can claim Universal Credit online.", "buttons": []},
    {"text": "Want to know more?", "buttons": [{"title": "Tell me more", "payload": "/more"}]},
]


def test_an_ordinary_message_is_three_statements(rasa: ScriptedRasa, database_url: str) -> None:
    rasa.replies = ANSWER
    with TestClient(create_app(rasa.client()), base_url="https://testserver") as client:
        person = WebChat(client)
        person.say(text="hiya")
        with statements_sent() as sent:
            shown = person.say(text="how do i claim universal credit")
    assert [m["text"] for m in shown] == [r["text"] for r in ANSWER]
    kinds = [s.split()[0].upper() for s in sent]
    answer_inserts = 1 if get_engine().dialect.name == "postgresql" else len(ANSWER)
    assert kinds == ["SELECT", "INSERT"] + ["INSERT"] * answer_inserts, sent


def test_the_first_read_still_gives_the_form_question_and_the_earlier_messages(
    rasa: ScriptedRasa, database_url: str
) -> None:
    """What the one query brings back is what the separate reads gave: the question the
    assistant asked last (a name, so the answer is withheld from the transcript and marked
    for the engine), and the state (an advisor's closed conversation starts afresh)."""
    name_question = next(q for q, asks in texts.asking_markers().items() if asks == "name")
    rasa.replies = [{"text": name_question}]
    with TestClient(create_app(rasa.client()), base_url="https://testserver") as client:
        person = WebChat(client)
        person.say(text="can i refer myself")
        rasa.replies = ANSWER
        person.say(text="Jo")
        assert rasa.received[-1]["metadata"][ASKING_KEY] == "name"
        assert person.transcript()[-3]["text"] == conversations.withheld("name")
        in_unit(conversations.set_state, person.conversation_id, ConversationState.CLOSED)
        person.say(text="hello again")
    assert get_state_now(person.conversation_id) == ConversationState.ASSISTANT
    assert rasa.received[-1]["message"] == "hello again"


def get_state_now(conversation_id: str) -> str | None:
    return in_unit(conversations.get_state, conversation_id)
