"""District signposting: ask where the person lives, name that district's provider(s) and how to
reach them."""

from __future__ import annotations

import asyncio
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import CrisisQuestionFirst, district_service, log_contact
from actions.places import OUTSIDE, resolve_latest
from bot.vocabulary import Outcome


class ValidateLocationForm(CrisisQuestionFirst, FormValidationAction):
    """Fills `district` from a district, town, neighbourhood or postcode."""

    def name(self) -> str:
        return "validate_location_form"

    async def extract_district(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        found = resolve_latest(tracker)
        if found is None:
            return {}
        return {"district": found.district or OUTSIDE}

    def validate_district(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return {"district": value}


class ActionSignpost(Action):
    """Name the provider(s) for the district, or give national signposting outside GM."""

    def name(self) -> str:
        return "action_signpost"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        # In a worker thread: the settings read and the contact log's write must not hold up
        # the event loop.
        return await asyncio.to_thread(self.reply, dispatcher, tracker)

    @staticmethod
    def reply(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        """The district's service and how to reach it, and the contact record."""
        district = tracker.get_slot("district")
        if district == OUTSIDE:
            dispatcher.utter_message(response="utter_outside_gm")
            log_contact(
                tracker, Outcome.SIGNPOSTED, topics=["local_service", "outside_gm"], district=""
            )
            return [SlotSet("district", None)]
        service = district_service(district)
        if service is None:
            dispatcher.utter_message(response="utter_ask_district")
            return []
        # A provider is never named without a way to reach it: its phone, web page, address
        # and hours as far as staff have filled them in (the admin pages, or
        # content/services.yml), else a referral or an advisor here. Unset details go unsaid.
        parts = (
            service.phone,
            service.website,
            f"address: {service.address}" if service.address else "",
            f"open {service.opening_hours}" if service.opening_hours else "",
        )
        details = " / ".join(d for d in parts if d)
        dispatcher.utter_message(
            response="utter_signpost_contact" if details else "utter_signpost",
            district=service.district,
            providers=service.provider_names,
            details=details,
        )
        log_contact(
            tracker, Outcome.SIGNPOSTED, topics=["local_service"], district=service.district
        )
        return []
