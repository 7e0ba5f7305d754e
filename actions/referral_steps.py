"""The referral form's custom questions, and what happens when it ends, stops or changes."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.exc import SQLAlchemyError

from actions.common import (
    channel_of,
    district_service,
    entity_value,
    handover_message,
    latest_text,
    log_contact,
)
from actions.referral import (
    FIELD_LABELS,
    PROBATION_LABELS,
    change_buttons,
    change_field_events,
    clear_referral_slots,
)
from actions.validators import CHANGEABLE, NEEDS, parse_change_field
from bot.content import get_content
from bot.store.queries import ReferralIn, save_referral
from bot.vocabulary import Outcome

logger = logging.getLogger(__name__)


def referral_summary(tracker: Tracker) -> str:
    """The answers as the person will check them, one per line."""
    service = district_service(tracker.get_slot("district"))
    method = tracker.get_slot("contact_method")
    contact = f"Phone {tracker.get_slot('phone')}" if method == "phone" else "Reply in this chat"
    needs = ", ".join(NEEDS.get(n, n) for n in tracker.get_slot("needs") or [])
    lines = {
        "preferred_name": tracker.get_slot("preferred_name"),
        "district": f"{service.district} ({service.provider_names})" if service else "",
        "contact_method": contact,
        "best_time": tracker.get_slot("best_time"),
        "needs": needs,
        "probation_status": PROBATION_LABELS.get(tracker.get_slot("probation_status") or "", ""),
    }
    return "\n".join(f"• {FIELD_LABELS[key]}: {value}" for key, value in lines.items())


class ActionAskNeeds(Action):
    """Ask what they want help with; buttons for what is not chosen yet, and 'That's all'."""

    def name(self) -> str:
        return "action_ask_needs"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        chosen = tracker.get_slot("needs") or []
        buttons = [
            {"title": label, "payload": f'/inform{{"need":"{key}"}}'}
            for key, label in NEEDS.items()
            if key not in chosen
        ]
        if chosen:
            buttons.insert(0, {"title": "That's all", "payload": '/inform{"need":"done"}'})
            so_far = ", ".join(NEEDS[n] for n in chosen if n in NEEDS)
            dispatcher.utter_message(
                response="utter_ask_more_needs", chosen=so_far, buttons=buttons
            )
        else:
            dispatcher.utter_message(response="utter_ask_needs_done", buttons=buttons)
        return []


class ActionAskNeedsDone(ActionAskNeeds):
    """After each tap: the same question, showing what is chosen so far."""

    def name(self) -> str:
        return "action_ask_needs_done"


class ActionAskReferralConfirm(Action):
    """Show the summary and ask to send, change or cancel."""

    def name(self) -> str:
        return "action_ask_referral_confirm"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        dispatcher.utter_message(
            response="utter_ask_referral_confirm", summary=referral_summary(tracker)
        )
        return []


class ActionSubmitReferral(Action):
    """Save the confirmed referral with its consent record and ask an advisor to pick it up."""

    def name(self) -> str:
        return "action_submit_referral"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        if tracker.get_slot("referral_consent") is not True:
            dispatcher.utter_message(response="utter_referral_no_consent")
            return clear_referral_slots()
        if tracker.get_slot("referral_confirm") is not True:
            return []
        # Settings are read, and the referral and the contact written, in worker threads: the
        # event loop serves every other conversation meanwhile.
        service = await asyncio.to_thread(district_service, tracker.get_slot("district"))
        wording = await asyncio.to_thread(lambda: get_content().consent_wording_version)
        referral = ReferralIn(
            conversation_id=tracker.sender_id,
            channel=channel_of(tracker),
            preferred_name=tracker.get_slot("preferred_name"),
            district=service.district if service else "",
            provider=", ".join(service.providers) if service else None,
            contact_method=tracker.get_slot("contact_method"),
            phone=tracker.get_slot("phone")
            if tracker.get_slot("contact_method") == "phone"
            else None,
            best_time=tracker.get_slot("best_time"),
            needs=tracker.get_slot("needs") or [],
            probation_status=tracker.get_slot("probation_status"),
            consent_given_at=_parse_time(tracker.get_slot("consent_at")),
            consent_wording_version=wording,
        )
        try:
            referral_id = await asyncio.to_thread(save_referral, referral)
        except SQLAlchemyError as error:
            # The type only: a database error's text can carry the referral's details.
            logger.error(
                "referral_save_failed conversation=%s error=%s",
                tracker.sender_id,
                type(error).__name__,
            )
            dispatcher.utter_message(response="utter_referral_save_failed")
            dispatcher.utter_message(json_message=handover_message("referral", urgent=False))
            await asyncio.to_thread(
                log_contact, tracker, Outcome.HANDOVER, topics=["referral_failed"]
            )
            return []
        logger.info("referral_saved conversation=%s referral=%s", tracker.sender_id, referral_id)
        dispatcher.utter_message(
            response="utter_referral_done",
            name=referral.preferred_name,
            providers=service.provider_names if service else "",
        )
        await asyncio.to_thread(log_contact, tracker, Outcome.REFERRAL, topics=list(referral.needs))
        dispatcher.utter_message(json_message=handover_message("referral", urgent=False))
        # Personal details now live only in the referral row, not in the conversation state.
        return [e for e in clear_referral_slots() if e["name"] != "probation_status"]


def _parse_time(value: str | None) -> datetime:
    """The moment of the consent yes, kept in a slot as ISO text."""
    try:
        return datetime.fromisoformat(value) if value else datetime.now(UTC)
    except ValueError:
        return datetime.now(UTC)


class ActionCancelReferral(Action):
    """Stop the form and drop everything it collected."""

    def name(self) -> str:
        return "action_cancel_referral"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        in_referral = tracker.active_loop.get("name") == "referral_form"
        dispatcher.utter_message(
            response="utter_referral_cancelled" if in_referral else "utter_cancel"
        )
        logger.info("form_cancelled conversation=%s", tracker.sender_id)
        return [ActiveLoop(None), *clear_referral_slots(keep_district=False)]


class ActionChangeAnswer(Action):
    """'Change my number' in the middle of the form: clear that answer so it is asked again."""

    def name(self) -> str:
        return "action_change_answer"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        field = entity_value(tracker, "field") or parse_change_field(latest_text(tracker))
        if field not in CHANGEABLE or tracker.get_slot("referral_consent") is not True:
            dispatcher.utter_message(response="utter_ask_which_change", buttons=change_buttons())
            return []
        dispatcher.utter_message(response="utter_change_ok")
        return [SlotSet(slot, value) for slot, value in change_field_events(field).items()]
