"""What the gateway itself says: when the assistant is down, and to odd input.

The crisis wording is read from domain.yml, so the reviewed text is the same whether the
assistant or the gateway sends it.
"""

from __future__ import annotations

from functools import lru_cache

import yaml

from bot.settings import ROOT

MAX_MESSAGE_CHARS = 4000

OUTAGE = (
    "Sorry, I can't answer right now. Your message is saved and an advisor will pick up this "
    "conversation as soon as they can.\n\n"
    "If you feel unsafe: call 999, or Samaritans free on 116 123, any time."
)
WAITING = (
    "Thanks, your message is with our advisors. Someone will reply here as soon as they can.\n\n"
    "If you feel unsafe while you wait: call 999, or Samaritans free on 116 123."
)
EMPTY = "I didn't get any words there. Type your question and I'll do my best to help."
TOO_LONG = (
    f"Sorry, that message is too long for me. Please keep it under {MAX_MESSAGE_CHARS} "
    "characters, or send it in a few shorter messages."
)
SLOW_DOWN = "You're sending messages very quickly. Please wait a few seconds and try again."
UNKNOWN_BUTTON = "Sorry, that button has expired. Please type what you need instead."


@lru_cache(maxsize=1)
def crisis_texts() -> dict[str, str]:
    """{'crisis': ..., 'crisis_abuse': ...} from the domain's reviewed responses."""
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    responses = domain["responses"]
    return {
        "crisis": responses["utter_crisis"][0]["text"],
        "crisis_abuse": responses["utter_crisis_abuse"][0]["text"],
    }


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
        "write here, and your messages are saved.\n\nIf you feel unsafe: call 999, or "
        "Samaritans free on 116 123, any time."
    )
