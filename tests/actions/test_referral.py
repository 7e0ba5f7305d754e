"""The self-referral form: consent first, each answer validated, change, cancel, submit."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import func, select

from actions.referral import ValidateReferralForm
from actions.referral_steps import (
    ActionAskNeedsDone,
    ActionAskReferralConfirm,
    ActionCancelReferral,
    ActionChangeAnswer,
    ActionSubmitReferral,
)
from actions.signpost import ActionSignpost, ValidateLocationForm
from bot.store.models import ConsentRecord, Contact, Referral
from bot.store.session import get_sessionmaker
from tests.support.actions import make_tracker, run_action, slot_events

FILLED = {
    "referral_consent": True,
    "consent_at": "2026-11-26T10:00:00+00:00",
    "preferred_name": "Jo",
    "district": "Salford",
    "contact_method": "phone",
    "phone": "07700900123",
    "best_time": "Mornings",
    "needs": ["housing", "mentoring"],
    "needs_done": True,
    "probation_status": "yes",
    "referral_confirm": True,
}


def form_step(
    text: str,
    intent: str,
    requested: str,
    slots: dict[str, Any] | None = None,
    entities: list[dict[str, Any]] | None = None,
    domain: dict[str, Any] | None = None,
) -> tuple[list[dict], dict[str, Any]]:
    """Run the form's validation for one answer; return (messages, slots set)."""
    all_slots = {"requested_slot": requested, **(slots or {})}
    tracker = make_tracker(
        text, intent, slots=all_slots, entities=entities, active_loop="referral_form"
    )
    dispatcher = CollectingDispatcher()
    events = asyncio.run(
        ValidateReferralForm().run(
            dispatcher,
            tracker,
            domain
            or {
                "forms": {
                    "referral_form": {
                        "required_slots": [
                            "referral_consent",
                            "preferred_name",
                            "district",
                            "contact_method",
                            "phone",
                            "best_time",
                            "needs",
                            "needs_done",
                            "probation_status",
                            "referral_confirm",
                        ]
                    }
                },
                "slots": {},
            },
        )
    )
    return dispatcher.messages, slot_events(events)


def count(model: type) -> int:
    with get_sessionmaker().begin() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_consent_is_asked_first_and_no_ends_the_form() -> None:
    _, slots = form_step("no thanks", "deny", "referral_consent")
    assert slots["referral_consent"] is False
    assert slots["requested_slot"] is None  # nothing else is asked


def test_consent_yes_records_the_time_and_asks_for_a_name() -> None:
    _, slots = form_step("yes", "affirm", "referral_consent")
    assert slots["referral_consent"] is True and slots["consent_at"].startswith("20")
    assert slots["requested_slot"] == "preferred_name"


def test_unclear_consent_is_asked_again() -> None:
    messages, slots = form_step("what", "nlu_fallback", "referral_consent")
    assert slots["referral_consent"] is None
    assert messages[0]["response"] == "utter_please_yes_no"


def test_name_phone_and_district_are_validated() -> None:
    consented = {"referral_consent": True}
    _, slots = form_step("call me shaz", "inform", "preferred_name", consented)
    assert slots["preferred_name"] == "Shaz"
    messages, slots = form_step(
        "12345", "inform", "phone", {**consented, "contact_method": "phone"}
    )
    assert slots["phone"] is None and messages[0]["response"] == "utter_invalid_phone"
    _, slots = form_step(
        "+44 7700 900 123", "inform", "phone", {**consented, "contact_method": "phone"}
    )
    assert slots["phone"] == "07700900123"
    _, slots = form_step("wythenshawe", "find_local", "district", consented)
    assert slots["district"] == "Manchester"
    messages, slots = form_step("i live in leeds", "find_local", "district", consented)
    assert slots["district"] is None
    assert messages[0]["response"] == "utter_referral_outside_gm"


def test_reply_in_chat_skips_the_phone_question() -> None:
    answered = {"referral_consent": True, "preferred_name": "Jo", "district": "Bury"}
    _, slots = form_step(
        "/inform",
        "inform",
        "contact_method",
        answered,
        entities=[{"entity": "contact_method", "value": "chat"}],
    )
    assert slots["contact_method"] == "chat" and slots["requested_slot"] == "best_time"


def test_needs_can_be_tapped_one_by_one_then_done() -> None:
    base = {
        "referral_consent": True,
        "preferred_name": "Jo",
        "district": "Bolton",
        "contact_method": "chat",
        "best_time": "Any time",
    }
    _, slots = form_step(
        "/inform", "inform", "needs", base, entities=[{"entity": "need", "value": "housing"}]
    )
    assert slots["needs"] == ["housing"] and slots["requested_slot"] == "needs_done"
    _, slots = form_step(
        "/inform",
        "inform",
        "needs_done",
        {**base, "needs": ["housing"]},
        entities=[{"entity": "need", "value": "mentoring"}],
    )
    assert slots["needs"] == ["housing", "mentoring"] and "needs_done" not in slots
    _, slots = form_step(
        "that's all", "inform", "needs_done", {**base, "needs": ["housing", "mentoring"]}
    )
    assert slots["needs_done"] is True and slots["requested_slot"] == "probation_status"
    _, slots = form_step("debt and a mentor", "inform", "needs", base)
    assert slots["needs"] == ["mentoring", "debt"] and slots["needs_done"] is True


def test_a_question_mid_form_is_not_taken_as_an_answer() -> None:
    _, slots = form_step(
        "how do i claim universal credit", "uc_claim", "preferred_name", {"referral_consent": True}
    )
    assert "preferred_name" not in slots
    _, slots = form_step(
        "i want to end it all", "crisis", "preferred_name", {"referral_consent": True}
    )
    assert "preferred_name" not in slots
    # "Tell me more" under an answer given mid-form asks for the rest of it: not a name
    for text in ('/tell_me_more{"topic":"uc_claim"}', "tell me more"):
        _, slots = form_step(text, "tell_me_more", "preferred_name", {"referral_consent": True})
        assert "preferred_name" not in slots


def test_change_at_the_summary_clears_that_answer() -> None:
    _, slots = form_step(
        "/change_answer",
        "change_answer",
        "referral_confirm",
        FILLED,
        entities=[{"entity": "field", "value": "contact_method"}],
    )
    assert slots["contact_method"] is None and slots["phone"] is None
    assert slots["referral_confirm"] is None and slots["requested_slot"] == "contact_method"
    messages, slots = form_step("no", "deny", "referral_confirm", FILLED)
    assert slots["referral_confirm"] is None
    assert messages[0]["response"] == "utter_ask_which_change" and messages[0]["buttons"]


def test_change_mid_form(domain: dict[str, Any]) -> None:
    tracker = make_tracker(
        "change my name",
        "change_answer",
        active_loop="referral_form",
        slots={"referral_consent": True, "preferred_name": "Jo"},
    )
    _, events = run_action(ActionChangeAnswer(), tracker, domain)
    assert slot_events(events)["preferred_name"] is None


def test_ask_actions_show_choices_and_summary(domain: dict[str, Any]) -> None:
    messages, _ = run_action(
        ActionAskNeedsDone(), make_tracker(slots={"needs": ["housing"]}), domain
    )
    titles = [b["title"] for b in messages[0]["buttons"]]
    assert titles[0] == "That's all" and "Housing" not in titles and "Mentoring" in titles
    messages, _ = run_action(ActionAskReferralConfirm(), make_tracker(slots=FILLED), domain)
    summary = messages[0]["summary"]
    assert "Jo" in summary and "Salford (Salford Foundation)" in summary
    assert "07700900123" in summary and "Housing, Mentoring" in summary


def test_confirmed_referral_is_stored_with_consent_and_handed_over(
    domain: dict[str, Any], database_url: str
) -> None:
    tracker = make_tracker("yes", "affirm", slots=FILLED, channel="telegram")
    messages, events = run_action(ActionSubmitReferral(), tracker, domain)
    assert messages[0]["response"] == "utter_referral_done" and messages[0]["name"] == "Jo"
    assert messages[-1]["custom"] == {"handover": {"reason": "referral", "urgent": False}}
    with get_sessionmaker().begin() as session:
        referral = session.scalars(select(Referral)).one()
        assert (referral.district, referral.provider, referral.phone) == (
            "Salford",
            "Salford Foundation",
            "07700900123",
        )
        consent = session.get(ConsentRecord, referral.consent_id)
        assert consent is not None and consent.channel == "telegram"
        contact = session.scalars(select(Contact)).one()
        assert (contact.outcome, contact.district, contact.topics) == (
            "referral",
            "Salford",
            ["housing", "mentoring"],
        )
    assert slot_events(events)["phone"] is None  # personal details leave the conversation state


@pytest.mark.parametrize(
    "slots", [{**FILLED, "referral_consent": False}, {**FILLED, "referral_confirm": None}]
)
def test_nothing_is_stored_without_consent_or_confirmation(
    slots: dict[str, Any], domain: dict[str, Any], sqlite_url: str
) -> None:
    run_action(ActionSubmitReferral(), make_tracker("no", "deny", slots=slots), domain)
    assert count(Referral) == 0 and count(ConsentRecord) == 0


def test_cancel_discards_everything(domain: dict[str, Any], sqlite_url: str) -> None:
    tracker = make_tracker("cancel", "cancel", slots=FILLED, active_loop="referral_form")
    messages, events = run_action(ActionCancelReferral(), tracker, domain)
    assert messages[0]["response"] == "utter_referral_cancelled"
    assert any(e["event"] == "active_loop" and e["name"] is None for e in events)
    assert all(slot_events(events)[s] is None for s in FILLED)
    assert count(Referral) == 0


@pytest.mark.parametrize(
    "text, district, provider_text",
    [
        ("farnworth", "Bolton", "Bolton Advice"),
        ("M22 5RT", "Manchester", "POPs and Back on Track"),
        ("OL11", "Rochdale", "Rochdale Community Trust and Sanctuary Trust"),
        ("sk14", "Tameside", "The Big Life Company"),
        ("stretford", "Trafford", "Out There and The Big Life Company"),
    ],
)
def test_signposting_names_the_district_providers(
    text: str, district: str, provider_text: str, domain: dict[str, Any], sqlite_url: str
) -> None:
    tracker = make_tracker(
        text, "find_local", slots={"requested_slot": "district"}, active_loop="location_form"
    )
    dispatcher = CollectingDispatcher()
    events = asyncio.run(
        ValidateLocationForm().run(
            dispatcher,
            tracker,
            {"forms": {"location_form": {"required_slots": ["district"]}}, "slots": {}},
        )
    )
    assert slot_events(events)["district"] == district
    messages, _ = run_action(ActionSignpost(), make_tracker(slots={"district": district}), domain)
    assert messages[0]["providers"] == provider_text and messages[0]["district"] == district
    # no phone or web page is filled in yet: the way to reach them is through this line
    assert messages[0]["response"] == "utter_signpost"
    assert [b["payload"] for b in domain["responses"]["utter_signpost"][0]["buttons"]] == [
        "/refer_self",
        "/human",
    ]
    with get_sessionmaker().begin() as session:
        row = session.scalars(select(Contact)).one()
        assert (row.outcome, row.district) == ("signposted", district)


def test_outside_greater_manchester_gets_national_signposting(
    domain: dict[str, Any], sqlite_url: str
) -> None:
    messages, events = run_action(
        ActionSignpost(), make_tracker(slots={"district": "outside"}), domain
    )
    assert messages[0]["response"] == "utter_outside_gm"
    assert slot_events(events)["district"] is None
    text = domain["responses"]["utter_outside_gm"][0]["text"]
    assert "Greater Manchester" in text and "0800 144 8848" in text
