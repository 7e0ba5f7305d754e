"""Self-referral: consent first, then the details, a summary to confirm, and the handover."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from rasa_sdk import FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.answers import TOPIC_INTENTS
from actions.common import (
    CrisisQuestionFirst,
    district_service,
    entity_value,
    latest_intent,
    latest_text,
)
from actions.intents import NOT_AN_ANSWER
from actions.places import OUTSIDE, resolve_latest
from actions.validators import (
    CHANGEABLE,
    NEEDS,
    is_done,
    parse_best_time,
    parse_change_field,
    parse_contact_method,
    parse_name,
    parse_needs,
    parse_phone,
    parse_probation,
    parse_yes_no,
)

# Everything the form collects; all of it is dropped on cancel, crisis or a stored referral.
REFERRAL_SLOTS = (
    "referral_consent",
    "consent_at",
    "preferred_name",
    "contact_method",
    "phone",
    "best_time",
    "needs",
    "needs_done",
    "probation_status",
    "referral_confirm",
)


PROBATION_LABELS = {"yes": "Yes", "no": "No", "prefer_not_to_say": "Prefer not to say"}
FIELD_LABELS = {
    "preferred_name": "Name",
    "district": "Area",
    "contact_method": "How to contact you",
    "best_time": "Best time",
    "needs": "Help with",
    "probation_status": "On probation",
}


def clear_referral_slots(keep_district: bool = True) -> list[EventType]:
    """SlotSet(None) for every referral slot: nothing collected survives a stop or a crisis."""
    events: list[EventType] = [SlotSet(slot, None) for slot in REFERRAL_SLOTS]
    if not keep_district:
        events.append(SlotSet("district", None))
    return events + [SlotSet("requested_slot", None)]


def _answer_text(tracker: Tracker, slot: str, *, allow_topics: bool = False) -> str | None:
    """The latest text if it answers the form's current question, else None (a digression)."""
    if tracker.get_slot("requested_slot") != slot:
        return None
    intent = latest_intent(tracker)
    if intent in NOT_AN_ANSWER or intent == "change_answer":
        return None
    confidence = ((tracker.latest_message or {}).get("intent") or {}).get("confidence") or 0
    if intent in TOPIC_INTENTS and confidence >= 0.6 and not allow_topics:
        return None
    return latest_text(tracker)


class ValidateReferralForm(CrisisQuestionFirst, FormValidationAction):
    """Reads each answer with the plain validators and re-asks kindly when one does not fit."""

    def name(self) -> str:
        return "validate_referral_form"

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        # Until a yes, consent is the only question; after a no it is answered, so the form ends.
        if tracker.get_slot("referral_consent") is not True:
            return ["referral_consent"]
        slots = [
            s for s in domain_slots if s != "phone" or tracker.get_slot("contact_method") == "phone"
        ]
        return slots

    # --- extraction: only the question being asked reads the message -------------------
    async def extract_referral_consent(self, dispatcher, tracker, domain) -> dict[str, Any]:
        if tracker.get_slot("requested_slot") != "referral_consent":
            return {}
        intent = latest_intent(tracker)
        if intent in ("affirm", "deny"):
            return {"referral_consent": intent == "affirm"}
        text = _answer_text(tracker, "referral_consent")
        return {} if text is None else {"referral_consent": text}

    async def extract_preferred_name(self, dispatcher, tracker, domain) -> dict[str, Any]:
        text = _answer_text(tracker, "preferred_name")
        return {} if text is None else {"preferred_name": text}

    async def extract_district(self, dispatcher, tracker, domain) -> dict[str, Any]:
        if (
            tracker.get_slot("requested_slot") != "district"
            or latest_intent(tracker) in NOT_AN_ANSWER
        ):
            return {}
        found = resolve_latest(tracker)
        if found is None:
            text = _answer_text(tracker, "district")
            return {} if text is None else {"district": ""}
        return {"district": found.district or OUTSIDE}

    async def extract_contact_method(self, dispatcher, tracker, domain) -> dict[str, Any]:
        text = _answer_text(tracker, "contact_method")
        if text is None:
            return {}
        chosen = entity_value(tracker, "contact_method") or text
        phone = parse_phone(text)
        events: dict[str, Any] = {"contact_method": chosen}
        if phone:
            events["phone"] = phone
        return events

    async def extract_phone(self, dispatcher, tracker, domain) -> dict[str, Any]:
        text = _answer_text(tracker, "phone")
        return {} if text is None else {"phone": text}

    async def extract_best_time(self, dispatcher, tracker, domain) -> dict[str, Any]:
        text = _answer_text(tracker, "best_time")
        if text is None:
            return {}
        return {"best_time": entity_value(tracker, "best_time") or text}

    def _chosen_needs(self, tracker: Tracker) -> tuple[list[str], bool] | None:
        """(needs chosen so far, finished?) from a tap or a typed list; None if not asked."""
        if tracker.get_slot("requested_slot") not in ("needs", "needs_done"):
            return None
        text = _answer_text(tracker, tracker.get_slot("requested_slot"), allow_topics=True)
        if text is None:
            return None
        chosen = list(tracker.get_slot("needs") or [])
        picked = entity_value(tracker, "need")
        new = [picked] if picked in NEEDS else parse_needs(text)
        chosen += [n for n in new if n not in chosen]
        # A tap adds one need and asks again; a typed list or "that's all" finishes.
        done = picked == "done" or is_done(text) or (bool(new) and picked is None)
        return chosen, done and bool(chosen)

    async def extract_needs(self, dispatcher, tracker, domain) -> dict[str, Any]:
        found = self._chosen_needs(tracker)
        if found is None:
            return {}
        return {"needs": found[0] or None}

    async def extract_needs_done(self, dispatcher, tracker, domain) -> dict[str, Any]:
        found = self._chosen_needs(tracker)
        if found is None or not found[1]:
            return {}
        return {"needs_done": True}

    async def extract_probation_status(self, dispatcher, tracker, domain) -> dict[str, Any]:
        text = _answer_text(tracker, "probation_status")
        if text is None:
            return {}
        return {"probation_status": entity_value(tracker, "probation") or text}

    async def extract_referral_confirm(self, dispatcher, tracker, domain) -> dict[str, Any]:
        if tracker.get_slot("requested_slot") != "referral_confirm":
            return {}
        intent = latest_intent(tracker)
        if intent == "change_answer":
            return {"referral_confirm": "change"}
        if intent in ("affirm", "deny"):
            return {"referral_confirm": intent == "affirm"}
        text = _answer_text(tracker, "referral_confirm")
        return {} if text is None else {"referral_confirm": text}

    # --- validation ------------------------------------------------------------------
    def validate_referral_consent(self, value, dispatcher, tracker, domain) -> dict[str, Any]:
        answer = value if isinstance(value, bool) else parse_yes_no(str(value))
        if answer is None:
            dispatcher.utter_message(response="utter_please_yes_no")
            return {"referral_consent": None}
        if answer:
            return {
                "referral_consent": True,
                "consent_at": datetime.now(UTC).isoformat(timespec="seconds"),
            }
        return {"referral_consent": False}

    def validate_preferred_name(self, value, dispatcher, tracker, domain) -> dict[str, Any]:
        name = parse_name(str(value))
        if name is None:
            dispatcher.utter_message(response="utter_invalid_name")
        return {"preferred_name": name}

    def validate_district(self, value, dispatcher, tracker, domain) -> dict[str, Any]:
        if value == OUTSIDE:
            dispatcher.utter_message(response="utter_referral_outside_gm")
            return {"district": None}
        if not value or district_service(value) is None:
            dispatcher.utter_message(response="utter_invalid_district")
            return {"district": None}
        return {"district": value}

    def validate_contact_method(self, value, dispatcher, tracker, domain) -> dict[str, Any]:
        method = value if value in ("phone", "chat") else parse_contact_method(str(value))
        if method is None:
            dispatcher.utter_message(response="utter_invalid_contact_method")
        return {"contact_method": method}

    def validate_phone(self, value, dispatcher, tracker, domain) -> dict[str, Any]:
        phone = parse_phone(str(value))
        if phone is None:
            dispatcher.utter_message(response="utter_invalid_phone")
        return {"phone": phone}

    def validate_best_time(self, value, dispatcher, tracker, domain) -> dict[str, Any]:
        best = parse_best_time(str(value))
        if best is None:
            dispatcher.utter_message(response="utter_invalid_best_time")
        return {"best_time": best}

    def validate_needs(self, value, dispatcher, tracker, domain) -> dict[str, Any]:
        if not value:
            dispatcher.utter_message(response="utter_invalid_needs")
        return {"needs": value or None}

    def validate_probation_status(self, value, dispatcher, tracker, domain) -> dict[str, Any]:
        status = value if value in PROBATION_LABELS else parse_probation(str(value))
        if status is None:
            dispatcher.utter_message(response="utter_invalid_probation")
        return {"probation_status": status}

    def validate_referral_confirm(self, value, dispatcher, tracker, domain) -> dict[str, Any]:
        answer = value if isinstance(value, bool) else None
        if isinstance(value, str) and value != "change":
            answer = parse_yes_no(value)
            if answer is None and parse_change_field(value):
                value = "change"
        if value == "change":
            field = entity_value(tracker, "field") or parse_change_field(latest_text(tracker))
            if field in CHANGEABLE:
                return change_field_events(field)
            answer = False
        if answer is None:
            dispatcher.utter_message(response="utter_please_confirm")
            return {"referral_confirm": None}
        if answer is False:
            # "No" to "shall I send this?" means they want to fix something, not lose it all.
            dispatcher.utter_message(response="utter_ask_which_change", buttons=change_buttons())
            return {"referral_confirm": None}
        return {"referral_confirm": True}


def change_buttons() -> list[dict[str, str]]:
    """One button per answer the person can change."""
    return [
        {"title": label, "payload": f'/change_answer{{"field":"{slot}"}}'}
        for slot, label in FIELD_LABELS.items()
    ]


def change_field_events(field: str) -> dict[str, Any]:
    """Clear one answer (and the confirmation) so the form asks it again."""
    cleared: dict[str, Any] = {field: None, "referral_confirm": None}
    if field == "contact_method":
        cleared["phone"] = None
    if field == "needs":
        cleared["needs_done"] = None
    return cleared
