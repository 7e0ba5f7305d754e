"""Answers, crisis, handover and fallback actions, with the contacts they log."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from actions.answers import ANSWERS, TOPIC_INTENTS, ActionAnswer
from actions.handover import ActionCrisis, ActionFallback, ActionHandover
from bot.answers_content import more_payload
from bot.store.models import Contact
from bot.store.session import get_sessionmaker
from tests.support.actions import make_tracker, run_action, slot_events


def contacts() -> list[Contact]:
    with get_sessionmaker().begin() as session:
        return list(session.scalars(select(Contact).order_by(Contact.id)))


@pytest.mark.parametrize("intent", sorted(TOPIC_INTENTS - {"service_hours"}))
def test_every_topic_has_an_answer_and_is_logged(
    intent: str, domain: dict[str, Any], sqlite_url: str
) -> None:
    messages, events = run_action(ActionAnswer(), make_tracker("q", intent), domain)
    [message] = messages
    answer = ANSWERS[intent]
    assert message["text"] == answer.answer and "{" not in message["text"]
    more = [{"title": "Tell me more", "payload": more_payload(intent)}] if answer.more else []
    assert message["buttons"][: len(more)] == more
    assert len(message["buttons"]) == len(more) + len(answer.buttons)
    assert slot_events(events) == {"last_topic": intent}
    [row] = contacts()
    assert (row.outcome, row.topics, row.channel) == ("answered", [intent], "webchat")


def test_answer_logs_district_and_provider_when_known(
    domain: dict[str, Any], database_url: str
) -> None:
    tracker = make_tracker(
        "skint", "uc_claim", slots={"district": "Manchester", "probation_status": "yes"}
    )
    run_action(ActionAnswer(), tracker, domain)
    [row] = contacts()
    assert row.district == "Manchester" and row.provider == "POPs, Back on Track"
    assert row.probation_status == "yes"


def test_small_talk_is_answered_but_not_counted(domain: dict[str, Any], sqlite_url: str) -> None:
    messages, _ = run_action(ActionAnswer(), make_tracker("hiya", "greet"), domain)
    assert messages[0]["response"] == "utter_greet"
    assert contacts() == []


def test_opening_hours_are_never_invented(domain: dict[str, Any], sqlite_url: str) -> None:
    messages, _ = run_action(ActionAnswer(), make_tracker("when r u open", "service_hours"), domain)
    assert messages[0]["response"] == "utter_service_hours_unknown"


@pytest.mark.parametrize(
    "intent, response", [("crisis", "utter_crisis"), ("crisis_abuse", "utter_crisis_abuse")]
)
def test_crisis_reply_then_urgent_handover_and_form_is_dropped(
    intent: str, response: str, domain: dict[str, Any], database_url: str
) -> None:
    tracker = make_tracker(
        "i cant go on",
        intent,
        active_loop="referral_form",
        slots={"preferred_name": "Jo", "phone": "07700900123"},
    )
    messages, events = run_action(ActionCrisis(), tracker, domain)
    assert messages[0]["response"] == response
    assert messages[1]["custom"] == {"handover": {"reason": "crisis", "urgent": True}}
    assert any(e["event"] == "active_loop" and e["name"] is None for e in events)
    assert slot_events(events)["preferred_name"] is None and slot_events(events)["phone"] is None
    assert contacts()[0].outcome == "crisis"


def test_crisis_replies_carry_the_national_numbers(domain: dict[str, Any]) -> None:
    crisis = domain["responses"]["utter_crisis"][0]["text"]
    abuse = domain["responses"]["utter_crisis_abuse"][0]["text"]
    for number in ("999", "116 123"):
        assert number in crisis and number in abuse
    assert "85258" in crisis and "NHS 111" in crisis
    assert "0808 2000 247" in abuse


def test_asking_for_a_person_gives_the_handover_signal(
    domain: dict[str, Any], sqlite_url: str
) -> None:
    messages, _ = run_action(ActionHandover(), make_tracker("real person pls", "human"), domain)
    assert messages[-1]["custom"] == {"handover": {"reason": "asked", "urgent": False}}
    assert contacts()[0].outcome == "handover" and contacts()[0].topics == ["asked"]


def _fallback_event(text: str) -> dict[str, Any]:
    return {
        "event": "user",
        "text": text,
        "parse_data": {"intent": {"name": "nlu_fallback", "confidence": 0.3}},
    }


def test_second_misunderstanding_offers_a_person_and_yes_is_reason_fallback(
    domain: dict[str, Any], sqlite_url: str
) -> None:
    first, _ = run_action(ActionFallback(), make_tracker("blorp", "nlu_fallback"), domain)
    assert first[0]["response"] == "utter_default" and first[0]["buttons"]
    tracker = make_tracker("zzzz", "nlu_fallback", events=[_fallback_event("blorp")])
    second, _ = run_action(ActionFallback(), tracker, domain)
    assert second[0]["response"] == "utter_offer_person"
    offered = [
        _fallback_event("blorp"),
        _fallback_event("zzzz"),
        {"event": "bot", "text": "...", "metadata": {"utter_action": "utter_offer_person"}},
    ]
    messages, _ = run_action(
        ActionHandover(), make_tracker("/human", "human", events=offered), domain
    )
    assert messages[-1]["custom"] == {"handover": {"reason": "fallback", "urgent": False}}
