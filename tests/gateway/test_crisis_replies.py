"""The crisis replies: fixed, reviewed wording from domain.yml for yourself, for someone else,
for abuse (fitted to the channel) and for the crisis question; the same text whether the
assistant or the gateway sends it; and, out of hours, never "wait for us".

The trained detector is replaced by a fixed stand-in (the category decides the reply); the
database, the router, the web chat API and Telegram's handlers are real; Rasa is scripted.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient
from telegram import Update

from actions.handover import ActionCrisis, ActionCrisisCheckNo
from bot.crisis import Assessment
from bot.gateway import availability, crisis, texts
from bot.gateway.availability import UK, crisis_notice
from bot.settings import get_settings
from bot.store import staff
from bot.store import telegram as telegram_store
from bot.store.models import Conversation
from bot.store.session import get_sessionmaker
from bot.telegram import build_application
from tests.support.actions import make_tracker, run_action
from tests.support.fake_telegram import FakeTelegram, callback_update, text_update
from tests.support.rasa import ScriptedRasa
from tests.support.waiting import wait_for
from tests.support.webchat import WebChat

ROOT = Path(__file__).resolve().parents[2]
FRIDAY_6PM = datetime(2026, 12, 4, 18, 0, tzinfo=UK)
MONDAY_10AM = datetime(2026, 11, 30, 10, 0, tzinfo=UK)
HOURS = "mon-fri 09:00-17:00"
FINDINGS = {
    "i want to kill myself": Assessment("crisis", "suicide", 0.98, "model"),
    "my mate took a load of pills": Assessment("crisis", "third_party", 0.95, "model"),
    "my partner hits me": Assessment("crisis", "abuse", 0.96, "model"),
    "whats the highest bridge": Assessment("ask", "suicide", 0.55, "model"),
    "my ex keeps the kids from me": Assessment("ask", "abuse", 0.42, "model"),
}
CRISIS_TEXT, _ = texts.response("utter_crisis")
CHECK_TEXT, CHECK_BUTTONS = texts.response("utter_crisis_check")
SAFETY_TEXT, SAFETY_BUTTONS = texts.response("utter_crisis_safety_check")
ABUSE_TEXT, _ = texts.response("utter_crisis_abuse")
CHAT = 424242002
# What a crisis reply must never be followed by (issue 13: "Crisis out of hours").
NEVER_AFTER_CRISIS = ("earliest", "stay with us", "pick up this conversation now")


def fake_assess(words: str, *, recent: Any = (), asking: str | None = None) -> Assessment:
    for phrase, found in FINDINGS.items():
        if words.lower().startswith(phrase):
            return found
    return Assessment("none", None, 0.0, "none")


@pytest.fixture(autouse=True)
def detector(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(crisis, "assess", fake_assess)


@pytest.fixture
def out_of_hours(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Friday 6pm with advisors working Monday to Friday, 9 to 5: the next reply is Monday's."""

    class Frozen(datetime):
        @classmethod
        def now(cls, tz: Any = None) -> datetime:  # type: ignore[override]
            return FRIDAY_6PM.astimezone(tz) if tz else FRIDAY_6PM

    monkeypatch.setattr(availability, "datetime", Frozen)
    monkeypatch.setenv("ADVISOR_HOURS", HOURS)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def conversation(conversation_id: str) -> Conversation:
    with get_sessionmaker().begin() as session:
        return session.get(Conversation, conversation_id)


def domain_text(name: str) -> str:
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    return domain["responses"][name][0]["text"]


def joined(replies: list[dict[str, Any]]) -> str:
    return "\n".join(r["text"] for r in replies)


def sign_in() -> None:
    user = staff.create_user(f"advisor-{secrets.token_hex(4)}", "hash", "advisor")
    staff.open_session(user.id, secrets.token_urlsafe(32), timedelta(hours=1))


# The wording


def test_for_yourself_gives_every_number_and_promises_no_advisor() -> None:
    words = domain_text("utter_crisis")
    for needed in ("999", "already taken something", "116 123", "85258", "NHS 111"):
        assert needed in words
    assert "mental health option" in words
    assert not any(never in words.lower() for never in NEVER_AFTER_CRISIS)


def test_for_someone_else_says_what_to_do_for_them() -> None:
    words = domain_text("utter_crisis_other")
    assert words.startswith("Please call 999 for them now.")
    for needed in ("recovery position", "naloxone", "Stay with them"):
        assert needed in words
    assert "0808 2000 247" not in words


def test_abuse_is_fitted_to_the_channel() -> None:
    web, telegram = domain_text("utter_crisis_abuse"), domain_text("utter_crisis_abuse_telegram")
    for words in (web, telegram):
        for needed in ("999", "press 55", "only works from a mobile", "116 123"):
            assert needed in words
        assert "0808 2000 247" in words and "0808 801 0327" in words
    assert "Quick exit" in web and "delete this chat" not in web
    assert "delete this chat" in telegram and "Quick exit" not in telegram


def test_the_crisis_question_has_its_buttons_and_the_numbers_in_one_message() -> None:
    words, buttons = texts.response("utter_crisis_check")
    assert words.startswith("Are you thinking about ending your life?")
    assert "116 123" in words and "999" in words
    assert [b["title"] for b in buttons] == ["Yes", "No", "Not sure"]
    assert texts.asking_markers()[words] == texts.ASKING_CHECK


def test_every_form_question_says_what_it_asks_for() -> None:
    markers = texts.asking_markers()
    for response, asking in (
        ("utter_ask_preferred_name", "name"),
        ("utter_ask_district", "place"),
        ("utter_ask_referral_form_district", "place"),
        ("utter_ask_phone", "number"),
        ("utter_ask_best_time", "time"),
    ):
        assert markers[texts.response(response)[0]] == asking
    assert markers[texts.CALLBACK_ASK_NUMBER] == "number"


@pytest.mark.parametrize("intent", ["crisis", "crisis_other", "crisis_abuse"])
@pytest.mark.parametrize("channel", ["webchat", "telegram"])
def test_the_assistant_and_the_gateway_pick_the_same_reply(
    intent: str, channel: str, sqlite_url: str
) -> None:
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    tracker = make_tracker("words", intent, channel=channel)
    messages, _ = run_action(ActionCrisis(), tracker, domain)
    assert messages[0]["response"] == texts.crisis_response_name(intent, channel)


def test_no_to_the_crisis_question_goes_back_to_the_topic(sqlite_url: str) -> None:
    asked = {
        "event": "user",
        "text": "how much is uc if i jump",
        "parse_data": {"intent": {"name": "uc_claim", "confidence": 0.71}, "crisis_ask": True},
    }
    tracker = make_tracker("no", "deny", events=[asked, {"event": "bot", "text": "Are you?"}])
    messages, _ = run_action(ActionCrisisCheckNo(), tracker, {})
    assert messages[0]["response"] == "utter_crisis_check_no"
    assert "Universal Credit" in messages[1]["text"]  # the uc_claim answer (content/answers/)


# Through the gateway: the same words with the engine down, fitted to the channel


def test_web_chat_gets_the_reviewed_replies_with_the_engine_down(
    gateway_client: TestClient, rasa: ScriptedRasa
) -> None:
    rasa.mode = "down"
    for typed, response in (
        ("i want to kill myself", "utter_crisis"),
        ("my mate took a load of pills and wont wake up", "utter_crisis_other"),
        ("my partner hits me", "utter_crisis_abuse"),
    ):
        replies = WebChat(gateway_client).say(text=typed)
        assert replies[0]["text"] == domain_text(response)
        assert "116 123" in replies[1]["text"]


def test_telegram_gets_how_to_delete_the_chat(
    fake_telegram: FakeTelegram, rasa: ScriptedRasa, sqlite_url: str
) -> None:
    rasa.mode = "down"

    async def run() -> None:
        application = build_application("123:TEST", rasa.client(), base_url=fake_telegram.base_url)
        async with application:
            update = text_update(1, 5150, "my partner hits me and took my phone")
            await application.process_update(Update.de_json(update, application.bot))

    asyncio.run(run())
    assert fake_telegram.sent[0]["text"] == domain_text("utter_crisis_abuse_telegram")


# The crisis question: "Are you thinking about ending your life?"


class CheckingRasa(ScriptedRasa):
    """Answers like the assistant's crisis-question rules."""

    def answer(self, message: str) -> list[dict[str, Any]]:
        if message.startswith("whats the highest bridge"):
            return [{"text": CHECK_TEXT, "buttons": CHECK_BUTTONS}]
        if message == "/crisis":
            return [
                {"text": CRISIS_TEXT},
                {"custom": {"handover": {"reason": "crisis", "urgent": True}}},
            ]
        if message == "/deny":
            return [{"text": "Thank you for telling me."}, {"text": "Let's carry on."}]
        return [{"text": "Hello"}]


def payload_of(title: str) -> str:
    return next(b["payload"] for b in CHECK_BUTTONS if b["title"] == title)


@pytest.fixture
def checking(rasa: ScriptedRasa, monkeypatch: pytest.MonkeyPatch) -> ScriptedRasa:
    monkeypatch.setattr(rasa, "answer", CheckingRasa().answer)
    return rasa


@pytest.mark.parametrize("answer", ["Yes", "Not sure"])
def test_yes_or_not_sure_to_the_crisis_question_is_a_crisis(
    gateway_client: TestClient,
    checking: ScriptedRasa,
    alerts: list[Any],
    answer: str,
) -> None:
    person = WebChat(gateway_client)
    [question] = person.say(text="whats the highest bridge in manchester")
    assert [b["title"] for b in question["buttons"]] == ["Yes", "No", "Not sure"]
    assert conversation(person.conversation_id).urgent is False  # asking is not an alert
    replies = person.say(payload=payload_of(answer))
    assert checking.messages[-1] == "/crisis"  # whichever button: the assistant hears a crisis
    assert replies[0]["text"] == CRISIS_TEXT
    assert conversation(person.conversation_id).urgent
    assert len(wait_for(alerts)) == 1


def test_not_sure_typed_in_words_is_a_crisis_too(
    gateway_client: TestClient, checking: ScriptedRasa
) -> None:
    person = WebChat(gateway_client)
    person.say(text="whats the highest bridge in manchester")
    person.say(text="dunno really")  # not on the list: left to the assistant
    assert checking.messages[-1] == "dunno really"
    person.say(text="whats the highest bridge in manchester")
    assert person.say(text="Not sure.")[0]["text"] == CRISIS_TEXT
    assert checking.messages[-1] == "/crisis"


def test_no_to_the_crisis_question_carries_on_without_an_alert(
    gateway_client: TestClient, checking: ScriptedRasa, alerts: list[Any]
) -> None:
    person = WebChat(gateway_client)
    person.say(text="whats the highest bridge in manchester")
    replies = person.say(payload=payload_of("No"))
    assert checking.messages[-1] == "/deny"
    assert joined(replies) == "Thank you for telling me.\nLet's carry on."
    row = conversation(person.conversation_id)
    assert (row.state, row.urgent) == ("assistant", False)
    time.sleep(0.1)
    assert alerts == []


def test_with_the_engine_down_the_gateway_asks_and_a_yes_is_a_crisis(
    gateway_client: TestClient, rasa: ScriptedRasa, alerts: list[Any]
) -> None:
    person = WebChat(gateway_client)
    rasa.mode = "down"
    [question] = person.say(text="whats the highest bridge in manchester")
    assert (question["text"], question["buttons"]) == (CHECK_TEXT, CHECK_BUTTONS)
    assert "116 123" in question["text"] and "999" in question["text"]
    replies = person.say(payload=payload_of("Yes"))
    assert replies[0]["text"] == CRISIS_TEXT
    row = conversation(person.conversation_id)
    assert (row.state, row.handover_reason, row.urgent) == ("waiting", "crisis", True)
    assert len(wait_for(alerts)) == 1


def test_telegram_crisis_question_and_a_yes_by_button(
    fake_telegram: FakeTelegram,
    checking: ScriptedRasa,
    sqlite_url: str,
    alerts: list[Any],
) -> None:
    async def run() -> None:
        application = build_application("123:TEST", checking.client(), fake_telegram.base_url)
        async with application:
            for update in (
                text_update(1, CHAT, "whats the highest bridge in manchester"),
                callback_update(2, CHAT, payload_of("Yes")),
            ):
                await application.process_update(Update.de_json(update, application.bot))
            await asyncio.sleep(0.1)  # the alert goes out in the background

    asyncio.run(run())
    question, answer = [m for m in fake_telegram.sent if m["chat_id"] == CHAT][:2]
    titles = [row[0]["text"] for row in question["reply_markup"]["inline_keyboard"]]
    assert question["text"] == CHECK_TEXT and titles == ["Yes", "No", "Not sure"]
    assert answer["text"] == CRISIS_TEXT and checking.messages[-1] == "/crisis"
    conversation_id = telegram_store.conversation_for_chat(CHAT)
    assert conversation(conversation_id).urgent and len(alerts) == 1


# When someone can reply


@pytest.mark.parametrize("engine", ["up", "down"])
def test_out_of_hours_a_crisis_is_told_to_call_now_and_when_an_advisor_can_reply(
    gateway_client: TestClient, rasa: ScriptedRasa, out_of_hours: None, engine: str
) -> None:
    rasa.mode = engine
    rasa.replies = [
        {"text": domain_text("utter_crisis")},
        {"custom": {"handover": {"reason": "crisis", "urgent": True}}},
    ]
    replies = WebChat(gateway_client).say(text="i want to kill myself")
    assert [r["text"] for r in replies] == [
        domain_text("utter_crisis"),
        texts.crisis_closed_until("Monday at 9:00"),
    ]
    notice = replies[1]["text"]
    assert notice.startswith("Please don't wait") and "116 123" in notice and "999" in notice
    assert replies[1]["buttons"] == []  # no call-back offer in place of calling now
    assert not any(never in joined(replies).lower() for never in NEVER_AFTER_CRISIS)


def test_a_crisis_while_waiting_out_of_hours_is_never_told_to_wait(
    gateway_client: TestClient, rasa: ScriptedRasa, out_of_hours: None
) -> None:
    person = WebChat(gateway_client)
    rasa.replies = [
        {"text": "Passing you to an advisor."},
        {"custom": {"handover": {"reason": "asked", "urgent": False}}},
    ]
    person.say(text="a person please")
    replies = person.say(text="i want to kill myself")
    assert [r["text"] for r in replies] == [
        domain_text("utter_crisis"),
        texts.crisis_closed_until("Monday at 9:00"),
    ]


def test_the_line_after_a_crisis_reply_is_honest_about_who_is_there(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert crisis_notice(MONDAY_10AM) == texts.CRISIS_NOBODY_SIGNED_IN
    sign_in()
    assert crisis_notice(MONDAY_10AM) == texts.CRISIS_ADVISOR_SOON
    monkeypatch.setenv("ADVISOR_HOURS", HOURS)
    get_settings.cache_clear()
    try:
        assert crisis_notice(MONDAY_10AM) == texts.CRISIS_ADVISOR_SOON
        assert crisis_notice(FRIDAY_6PM) == texts.crisis_closed_until("Monday at 9:00")
    finally:
        get_settings.cache_clear()
    for notice in (texts.CRISIS_NOBODY_SIGNED_IN, texts.crisis_closed_until("Monday at 9:00")):
        assert "116 123" in notice and "999" in notice


def test_the_web_chat_page_error_carries_the_numbers() -> None:
    """The page carries the reviewed safety line for its script's error messages."""
    from bot.webchat.page import chat_page

    page = chat_page().body.decode()
    assert 'data-safety="If you feel unsafe, don&#x27;t wait: call 999, or Samaritans' in page
    script = (ROOT / "bot" / "webchat" / "static" / "chat.js").read_text(encoding="utf-8")
    assert 'var SAFETY_TEXT = document.body.getAttribute("data-safety");' in script
    assert "116 123" in texts.SAFETY_LINE and "999" in texts.SAFETY_LINE
    assert texts.ERROR.endswith(texts.SAFETY_LINE) and texts.OUTAGE.endswith(texts.SAFETY_LINE)


# The safety question, when the message reads most like abuse or danger: "Is someone hurting
# you, or making you feel unsafe, right now?"


def test_the_safety_question_has_its_buttons_and_the_numbers_in_one_message() -> None:
    assert SAFETY_TEXT.startswith("Is someone hurting you, or making you feel unsafe, right now?")
    assert "116 123" in SAFETY_TEXT and "999" in SAFETY_TEXT
    assert [b["title"] for b in SAFETY_BUTTONS] == ["Yes", "No", "Not sure"]
    assert {b["payload"] for b in SAFETY_BUTTONS if b["title"] != "No"} == {"/crisis_abuse"}
    assert texts.asking_markers()[SAFETY_TEXT] == texts.ASKING_SAFETY
    no_text, _ = texts.response("utter_crisis_safety_check_no")
    assert "999" in no_text and "0808 2000 247" in no_text


@pytest.mark.parametrize("answer", [{"payload": "/crisis_abuse"}, {"text": "yeah"}])
def test_with_the_engine_down_abuse_is_asked_about_safety_and_a_yes_is_abuse(
    gateway_client: TestClient, rasa: ScriptedRasa, alerts: list[Any], answer: dict[str, str]
) -> None:
    person = WebChat(gateway_client)
    rasa.mode = "down"
    [question] = person.say(text="my ex keeps the kids from me as punishment")
    assert (question["text"], question["buttons"]) == (SAFETY_TEXT, SAFETY_BUTTONS)
    assert conversation(person.conversation_id).urgent is False  # asking is not an alert
    replies = person.say(**answer)
    assert replies[0]["text"] == ABUSE_TEXT
    row = conversation(person.conversation_id)
    assert (row.state, row.handover_reason, row.urgent) == ("waiting", "crisis", True)
    assert len(wait_for(alerts)) == 1


def test_a_yes_to_the_safety_question_reaches_the_assistant_as_abuse(
    gateway_client: TestClient, rasa: ScriptedRasa
) -> None:
    person = WebChat(gateway_client)
    rasa.mode = "down"
    person.say(text="my ex keeps the kids from me as punishment")
    rasa.mode = "up"
    person.say(text="yes")
    assert rasa.messages[-1] == "/crisis_abuse"
    assert rasa.received[-1]["metadata"]["crisis_found"] == {
        "decision": "crisis",
        "category": "abuse",
    }


def test_a_typed_yes_to_the_safety_question_is_the_abuse_reply_from_the_assistant_too(
    sqlite_url: str,
) -> None:
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    asked = [
        {"event": "user", "text": "he watches me", "parse_data": {"crisis_ask": "abuse"}},
        {"event": "action", "name": "utter_crisis_safety_check"},
        {
            "event": "bot",
            "text": SAFETY_TEXT,
            "metadata": {"utter_action": "utter_crisis_safety_check"},
        },
        {"event": "action", "name": "action_listen"},
    ]
    tracker = make_tracker("yes", "affirm", channel="webchat", events=asked)
    messages, _ = run_action(ActionCrisis(), tracker, domain)
    assert messages[0]["response"] == "utter_crisis_abuse"
    tracker = make_tracker("no", "deny", events=asked)
    messages, _ = run_action(ActionCrisisCheckNo(), tracker, {})
    assert messages[0]["response"] == "utter_crisis_safety_check_no"
