"""What the gateway itself says: when the assistant is down, and to odd input.

The crisis wording is read from domain.yml, so the reviewed text is the same whether the
assistant or the gateway sends it.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

import yaml

from bot.crisis.decide import ASK_CATEGORY, QUESTION_RESPONSES, SAFETY_ASK_CATEGORY
from bot.privacy import PROBATION_SHARING
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
CRISIS_CHECK = QUESTION_RESPONSES[ASK_CATEGORY]
SAFETY_CHECK = QUESTION_RESPONSES[SAFETY_ASK_CATEGORY]


def crisis_response_name(intent: str | None, channel: str) -> str:
    """The response for a crisis intent on a channel; 'for yourself' unless told otherwise."""
    if intent == "crisis_abuse":
        return ABUSE_BY_CHANNEL.get(channel, CRISIS_RESPONSES[intent])
    return CRISIS_RESPONSES.get(intent or "", "utter_crisis")


# What a question asks, so a typed answer is read as that answer first (a name is not a crisis).
ASKING_CHECK = "crisis_check"
ASKING_SAFETY = "safety_check"
# The middle band's two questions: what each asks, its response, and the category a yes or
# not sure to it is a crisis of (bot/crisis/decide.py picks the question).
CHECK_QUESTIONS = {
    ASKING_CHECK: (CRISIS_CHECK, ASK_CATEGORY),
    ASKING_SAFETY: (SAFETY_CHECK, SAFETY_ASK_CATEGORY),
}


def check_question(category: str | None) -> str:
    """The question the middle band asks for an "ask" of `category`: the safety one for abuse."""
    return QUESTION_RESPONSES.get(category or "", CRISIS_CHECK)


FORM_ASKS = ("name", "place", "number", "time")
# The referral questions the domain does not mark: what they ask, by response name.
MORE_ASKS = {
    "utter_ask_contact_method": "contact",
    "utter_invalid_contact_method": "contact",
    "utter_ask_needs_done": "needs",
    "utter_ask_more_needs": "needs",
    "utter_invalid_needs": "needs",
    "utter_ask_probation_status": "probation",
    "utter_invalid_probation": "probation",
}
# An answer to a referral or call-back question that asks for a personal detail is kept out of
# the transcript and the advisors' live view: they show "[answer to: <this>]"
# (bot/store/conversations.py). The engine forgets the same answers once the referral form is
# over (engine/tracker_store.py).
PERSONAL_ANSWERS = {
    "name": "name",
    "place": "area",
    "contact": "how to contact you",
    "number": "phone number",
    "time": "best time",
    "needs": "what you need help with",
    "probation": "probation status",
}
# The metadata key that marks a personal answer for the engine.
PERSONAL_ANSWER_KEY = "personal_answer"
# Replies that repeat a person's details back to them: the transcript keeps the wording with
# each {placeholder} named here left out (the others, like {providers}, stay as sent).
ECHOES = {
    "utter_ask_referral_confirm": {"summary": "[your answers]"},
    "utter_ask_more_needs": {"chosen": "[what you chose]"},
    "utter_referral_done": {"name": "[name]"},
}


@lru_cache(maxsize=1)
def asking_markers() -> dict[str, str]:
    """{question text as stored: what it asks}: the domain's responses marked `metadata:
    asking`, the other referral questions, and the gateway's question for a call-back number."""
    responses = _responses()
    markers = {
        found["text"]: str(found["metadata"]["asking"])
        for found in responses.values()
        if isinstance(found.get("metadata"), dict) and found["metadata"].get("asking")
    }
    markers.update(
        {transcript_text(responses[name]["text"]): asks for name, asks in MORE_ASKS.items()}
    )
    markers.update({CALLBACK_ASK_NUMBER: "number", CALLBACK_NOT_A_NUMBER: "number"})
    return markers


# "Where do you live?" to name the local service is not part of a referral: its answer is kept
# as written, like any question.
SIGNPOSTING_ASKS = ("utter_ask_district", "utter_invalid_district")


def personal_answer(asking: str | None) -> str | None:
    """What a question asks for when the answer may be a personal detail ("phone number"),
    else None. A place may be signposting's: see `is_signposting`."""
    return PERSONAL_ANSWERS.get(asking or "")


def is_signposting(question: str | None) -> bool:
    """True for the signposting question "where do you live?" (and its re-ask)."""
    return question in {_responses()[name]["text"] for name in SIGNPOSTING_ASKS}


@lru_cache(maxsize=1)
def _echo_patterns() -> list[tuple[re.Pattern[str], str, dict[str, str]]]:
    """(what the sent reply looks like, its wording, what to leave out) per echo."""
    patterns = []
    for name, left_out in ECHOES.items():
        wording = _responses()[name]["text"]
        parts = re.split(r"(\{\w+\})", wording)
        regex = "".join(
            f"(?P<{part[1:-1]}>.*?)" if re.fullmatch(r"\{\w+\}", part) else re.escape(part)
            for part in parts
        )
        patterns.append((re.compile(regex, re.DOTALL), wording, left_out))
    return patterns


def transcript_text(text: str) -> str:
    """A reply as the transcript keeps it: an echo of the person's details (the summary, the
    needs so far, "Thanks {name}") with those details left out; any other reply as sent."""
    for pattern, wording, left_out in _echo_patterns():
        found = pattern.fullmatch(text)
        if found:
            return _filled(wording, {**found.groupdict(), **left_out})
    return text


def _filled(wording: str, values: dict[str, str]) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: values.get(m.group(1), m.group(0)), wording)


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


# Leaving a number for a call back while waiting (bot/gateway/callback.py). Every sentence is
# true of what is stored: the number with the conversation's call-back request, which
# retention deletes after a year and only staff of the line can see. What is shared with
# probation is said in the one reviewed wording (bot/privacy.py).
CALLBACK_CONSENT_VERSION = "callback-2"
CALLBACK_OFFER = {"title": "Leave a number for a call back", "payload": "/callback"}
CALLBACK_CONSENT = (
    "If you leave a phone number, an advisor will ring you as soon as they can. We keep it "
    "with this chat for up to a year. Only advice line staff can see it, and we only use it to "
    f"call you back. {PROBATION_SHARING} Is that OK?"
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


def is_gateway_notice(text: str) -> bool:
    """The gateway's own words while the assistant is down or the person waits (the outage
    reply, the wait text, when an advisor can reply): they close no question the assistant
    asked, so "what was asked last" looks past them."""
    return text in (OUTAGE, WAITING, NOBODY_IN_HOURS) or text.startswith(
        (NOBODY_SIGNED_IN, closed_until("").split("{")[0][:60])
    )
