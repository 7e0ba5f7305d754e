"""The short answer, then "Tell me more": the rest of it, with no second contact logged."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from actions.answers import ANSWER_BUTTONS, ANSWERS, TOPIC_INTENTS, ActionAnswer
from actions.common import TOPIC_BUTTONS
from actions.handover import ActionCrisisCheckNo
from actions.signpost import ActionSignpost
from bot.answers_content import BUTTONS, load_answers, more_payload, parse_answer
from bot.store.models import Contact
from bot.store.session import get_sessionmaker
from tests.support import ROOT
from tests.support.actions import make_tracker, run_action, slot_events


def contacts() -> list[Contact]:
    with get_sessionmaker().begin() as session:
        return list(session.scalars(select(Contact).order_by(Contact.id)))


def tapped(topic: str) -> dict[str, Any]:
    """What the engine makes of the "Tell me more" button's payload."""
    return {"entities": [{"entity": "topic", "value": topic}]}


def test_every_button_a_file_may_name_has_a_title() -> None:
    assert set(ANSWER_BUTTONS) == set(BUTTONS)


def test_topics_are_the_answer_files() -> None:
    files = {path.stem for path in (ROOT / "content" / "answers").glob("*.yml")}
    assert TOPIC_INTENTS == files == set(load_answers())
    assert {"uc_claim", "service_confidential", "service_hours"} <= TOPIC_INTENTS


def test_the_button_sends_the_rest_of_that_answer_and_logs_nothing(
    domain: dict[str, Any], sqlite_url: str
) -> None:
    run_action(ActionAnswer(), make_tracker("how do i claim uc", "uc_claim"), domain)
    payload = more_payload("uc_claim")
    tracker = make_tracker(payload, "tell_me_more", **tapped("uc_claim"))
    messages, events = run_action(ActionAnswer(), tracker, domain)
    [message] = messages
    assert message["text"] == ANSWERS["uc_claim"].more
    titles = [b["title"] for b in message["buttons"]]
    assert titles == ["Refer myself", "Find help near me", "Talk to a person"]
    assert slot_events(events) == {"last_topic": "uc_claim"}
    assert [c.topics for c in contacts()] == [["uc_claim"]]


def test_the_tapped_topic_wins_over_the_last_one(domain: dict[str, Any], sqlite_url: str) -> None:
    tracker = make_tracker(
        "/tell_me_more", "tell_me_more", slots={"last_topic": "debt"}, **tapped("pip")
    )
    messages, _ = run_action(ActionAnswer(), tracker, domain)
    assert messages[0]["text"] == ANSWERS["pip"].more


@pytest.mark.parametrize("topic", [None, "no_such_topic"])
def test_typed_tell_me_more_uses_the_last_topic_answered(
    topic: str | None, domain: dict[str, Any], sqlite_url: str
) -> None:
    extra = tapped(topic) if topic else {}
    tracker = make_tracker("more info pls", "tell_me_more", slots={"last_topic": "debt"}, **extra)
    messages, _ = run_action(ActionAnswer(), tracker, domain)
    assert messages[0]["text"] == ANSWERS["debt"].more
    assert contacts() == []


def test_tell_me_more_before_any_answer_asks_what_about(
    domain: dict[str, Any], sqlite_url: str
) -> None:
    messages, events = run_action(
        ActionAnswer(), make_tracker("tell me more", "tell_me_more"), domain
    )
    assert messages == [{**messages[0], "response": "utter_tell_me_more", "buttons": TOPIC_BUTTONS}]
    assert events == [] and contacts() == []


def test_an_answer_without_more_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, domain: dict[str, Any], sqlite_url: str
) -> None:
    short = tmp_path / "short_topic.yml"
    text = (ROOT / "content" / "answers" / "mentoring.yml").read_text(encoding="utf-8")
    short.write_text(
        text.replace("intent: mentoring", "intent: short_topic").split("more:")[0]
        + "buttons: [human]\n",
        encoding="utf-8",
    )
    answer = parse_answer(short)
    assert answer.more is None
    monkeypatch.setitem(ANSWERS, "short_topic", answer)
    messages, _ = run_action(ActionAnswer(), make_tracker("q", "short_topic"), domain)
    assert [b["title"] for b in messages[0]["buttons"]] == ["Talk to a person"]
    tracker = make_tracker("more", "tell_me_more", slots={"last_topic": "short_topic"})
    messages, _ = run_action(ActionAnswer(), tracker, domain)
    assert messages[0]["response"] == "utter_no_more"
    assert messages[0]["buttons"] == [{"title": "Talk to a person", "payload": "/human"}]


def test_opening_hours_are_filled_in_once_staff_set_them(
    filled_services: dict[str, Any], domain: dict[str, Any], sqlite_url: str
) -> None:
    hours = filled_services["service"]["opening_hours"]
    messages, _ = run_action(ActionAnswer(), make_tracker("when r u open", "service_hours"), domain)
    assert hours in messages[0]["text"] and "{" not in messages[0]["text"]
    assert messages[0]["buttons"][0]["payload"] == more_payload("service_hours")


def test_no_to_the_crisis_question_answers_the_topic_from_its_file(sqlite_url: str) -> None:
    asked = {
        "event": "user",
        "text": "how much is uc if i jump",
        "parse_data": {"intent": {"name": "uc_claim", "confidence": 0.71}, "crisis_ask": True},
    }
    tracker = make_tracker("no", "deny", events=[asked, {"event": "bot", "text": "Are you?"}])
    messages, events = run_action(ActionCrisisCheckNo(), tracker, {})
    assert messages[0]["response"] == "utter_crisis_check_no"
    assert messages[1]["text"] == ANSWERS["uc_claim"].answer
    assert slot_events(events) == {"last_topic": "uc_claim"}
    assert [c.topics for c in contacts()] == [["uc_claim"]]


def test_signposting_gives_the_contacts_staff_filled_in(
    filled_services: dict[str, Any], domain: dict[str, Any], sqlite_url: str
) -> None:
    bolton = filled_services["districts"]["Bolton"]
    tracker = make_tracker(slots={"district": "Bolton"})
    messages, _ = run_action(ActionSignpost(), tracker, domain)
    [message] = messages
    assert message["response"] == "utter_signpost_contact"
    assert message["details"] == f"{bolton['phone']} / {bolton['website']}"
    assert message["providers"] == "Bolton Advice"


def test_signposting_gives_the_address_and_hours_when_set(
    filled_services: dict[str, Any], domain: dict[str, Any], sqlite_url: str
) -> None:
    import os

    import yaml

    from bot.settings import get_settings

    bolton = filled_services["districts"]["Bolton"]
    bolton.update({"address": "1 Example Street, Bolton", "opening_hours": "Mon-Fri 9am-5pm"})
    path = os.path.join(os.environ["CONTENT_DIR"], "services.yml")
    with open(path, "w", encoding="utf-8") as handle:
        yaml.safe_dump(filled_services, handle)
    get_settings.cache_clear()
    messages, _ = run_action(ActionSignpost(), make_tracker(slots={"district": "Bolton"}), domain)
    assert messages[0]["details"] == (
        f"{bolton['phone']} / {bolton['website']} / address: 1 Example Street, Bolton"
        " / open Mon-Fri 9am-5pm"
    )
