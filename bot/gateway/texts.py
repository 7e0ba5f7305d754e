"""What the gateway itself says: when the assistant is down, and to odd input.

The crisis wording is read from domain.yml, so the reviewed text is the same whether the
assistant or the gateway sends it.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import yaml

from bot.settings import ROOT
from bot.vocabulary import Channel

MAX_MESSAGE_CHARS = 4000

# The one reviewed safety line, wherever a wait or a failure begins: the gateway's own
# replies, the console's messages to the person, the web chat page (chat.html carries it
# for chat.js) and the web chat API's error bodies.
SAFETY_LINE = "If you feel unsafe, don't wait: call 999, or Samaritans free on 116 123, any time."

OUTAGE = (
    "Sorry, I can't answer right now. Your message is saved and an advisor will pick up this "
    "conversation as soon as they can.\n\n" + SAFETY_LINE
)
WAITING = (
    "Thanks, your message is with our advisors. Someone will reply here as soon as they can.\n\n"
    + SAFETY_LINE
)
EMPTY = "I didn't get any words there. Type your question and I'll do my best to help."
TOO_LONG = (
    f"Sorry, that message is too long for me. Please keep it under {MAX_MESSAGE_CHARS} "
    "characters, or send it in a few shorter messages."
)
SLOW_DOWN = "You're sending messages very quickly. Please wait a few seconds and try again."
UNKNOWN_BUTTON = "Sorry, that button has expired. Please type what you need instead."


# Any failure the web chat shows (chat.js says the same): a person in crisis still sees numbers.
ERROR = (
    "Sorry, something went wrong. Your message may not have been sent. Please try again.\n\n"
    + SAFETY_LINE
)


@lru_cache(maxsize=1)
def _responses() -> dict[str, dict[str, Any]]:
    """The first variant of every response in domain.yml, read once."""
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    return {name: variants[0] for name, variants in domain["responses"].items()}


def response(name: str) -> tuple[str, list[dict[str, str]]]:
    """A domain response's text and buttons, word for word as reviewed in domain.yml."""
    found = _responses()[name]
    buttons = [
        {"title": str(b["title"]), "payload": str(b["payload"])} for b in found.get("buttons", [])
    ]
    return found["text"], buttons


# The reviewed reply per crisis intent; abuse is fitted to the channel. The assistant's
# action_crisis picks the same ones (actions/handover.py).
CRISIS_RESPONSES = {
    "crisis": "utter_crisis",
    "crisis_abuse": "utter_crisis_abuse",
    "crisis_other": "utter_crisis_other",
}
ABUSE_BY_CHANNEL: dict[str, str] = {Channel.TELEGRAM: "utter_crisis_abuse_telegram"}
CRISIS_CHECK = "utter_crisis_check"


def crisis_response_name(intent: str | None, channel: str) -> str:
    """The response for a crisis intent on a channel; 'for yourself' unless told otherwise."""
    if intent == "crisis_abuse":
        return ABUSE_BY_CHANNEL.get(channel, CRISIS_RESPONSES[intent])
    return CRISIS_RESPONSES.get(intent or "", "utter_crisis")


# What a question asks, so a typed answer is read as that answer first (a name is not a crisis).
ASKING_CHECK = "crisis_check"
FORM_ASKS = ("name", "place", "number", "time")


@lru_cache(maxsize=1)
def asking_markers() -> dict[str, str]:
    """{question text: what it asks}: the domain's responses marked `metadata: asking`, and the
    gateway's own question for a call-back number."""
    markers = {
        found["text"]: str(found["metadata"]["asking"])
        for found in _responses().values()
        if isinstance(found.get("metadata"), dict) and found["metadata"].get("asking")
    }
    markers.update({CALLBACK_ASK_NUMBER: "number", CALLBACK_NOT_A_NUMBER: "number"})
    return markers


# The line after a crisis reply (bot/gateway/availability.py): never "wait for us", always
# honest about when a person can read this, and always the numbers to call now.
CRISIS_ADVISOR_SOON = (
    "An advisor is online, and I've asked them to reply here now. If you are in danger, call "
    "999 now."
)
CRISIS_CALL_NOW = (
    "Please don't wait for a reply here: call Samaritans free on 116 123, or 999 if you are "
    "in danger."
)
CRISIS_NOBODY_SIGNED_IN = (
    f"{CRISIS_CALL_NOW} No advisor is online right now, so a reply here may take a while."
)
CRISIS_NOBODY_IN_HOURS = (
    f"{CRISIS_CALL_NOW} Our advisors are away from their desks, so a reply here may take a while."
)
CRISIS_NOT_KNOWN = (
    f"{CRISIS_CALL_NOW} Our advisors have been told, but I can't say when one can reply."
)


def crisis_closed_until(when: str) -> str:
    """Out of hours after a crisis reply: call now, and when an advisor can next reply."""
    return (
        f"{CRISIS_CALL_NOW} Our advisors are not working right now. The next one can reply here "
        f"from {when}."
    )


# When no advisor can reply soon (bot/gateway/availability.py).
NOBODY_SIGNED_IN = (
    "No advisor is online right now, so a person may not reply straight away. Your messages "
    "are saved and an advisor will reply here when one is next online."
)
NOBODY_IN_HOURS = (
    "Our advisors are all away from their desks at the moment. Your messages are saved and "
    "someone will reply here as soon as they are back."
)
OPENING_HOURS = "The advice line is open {hours}."


def closed_until(when: str) -> str:
    """Out of hours: when the next advisor shift starts, e.g. 'Monday at 9:00'."""
    return (
        "Our advisors are not working right now. Your messages are saved and the earliest "
        f"someone can reply is {when}."
    )


# Leaving a number for a call back while waiting (bot/gateway/callback.py).
CALLBACK_CONSENT_VERSION = "callback-1"
CALLBACK_OFFER = {"title": "Leave a number for a call back", "payload": "/callback"}
CALLBACK_CONSENT = (
    "If you leave a phone number, an advisor will ring you as soon as they can. We keep the "
    "number with this conversation, only our advisors see it, and we use it only to call you "
    "back. Is that OK?"
)
CALLBACK_CHOICES = [
    {"title": "Yes, that's OK", "payload": "/callback_yes"},
    {"title": "No thanks", "payload": "/callback_no"},
]
CALLBACK_ASK_NUMBER = (
    "Thank you. Please type the UK phone number we should call, for example 07700 900123. "
    'Type "stop" if you change your mind.'
)
CALLBACK_NOT_A_NUMBER = (
    "Sorry, that doesn't look like a UK phone number. Please type it like 07700 900123, or "
    'type "stop" if you\'d rather not leave one.'
)
CALLBACK_DECLINED = (
    "That's fine, we won't keep a number. Your messages are saved and an advisor will reply here."
)
CALLBACK_STOP_WORDS = {"stop", "cancel", "never mind", "nevermind", "forget it"}


def callback_thanks(phone: str) -> str:
    """The number is kept: say which, so a typo can be put right."""
    return (
        f"Thank you. An advisor will call you on {phone} as soon as they can. You can still "
        "write here, and your messages are saved.\n\n" + SAFETY_LINE
    )
