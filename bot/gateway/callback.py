"""Leaving a number for a call back while waiting for an advisor.

It runs in the gateway because a waiting conversation is no longer the assistant's. The offer
is a button under the "no advisor soon" notice; nothing is kept before an explicit yes, and
"stop" or "no" at any step keeps nothing. Asked for the number, a message with no digit in it
is the person moving on (writing to the advisor instead): the request is dropped, its consent
withdrawn, and the message goes on as usual. What is typed while a number is asked for is kept
out of the transcript (bot/gateway/router.py). Each step runs in the message's unit of work
(the caller's session).
"""

from __future__ import annotations

import logging

from sqlalchemy.orm import Session

from bot.answers import normalise, parse_phone, parse_yes_no
from bot.gateway import texts
from bot.store import callbacks

logger = logging.getLogger(__name__)

OFFER = texts.CALLBACK_OFFER["payload"]
YES, NO = (choice["payload"] for choice in texts.CALLBACK_CHOICES)


def _wants_to_stop(text: str) -> bool:
    return normalise(text).strip(" .!") in texts.CALLBACK_STOP_WORDS or parse_yes_no(text) is False


def _not_a_number_at_all(text: str, button: bool) -> bool:
    """Another button, or words with no digit that are not "stop": not about the number."""
    if button:
        return text not in (YES, NO)
    return not _wants_to_stop(text) and not any(char.isdigit() for char in text)


def moved_on(session: Session, conversation_id: str, text: str, button: bool) -> bool:
    """True when a number is being asked for and this message is about something else."""
    return (
        _not_a_number_at_all(text, button)
        and callbacks.status(session, conversation_id) == "consented"
    )


def handle(
    session: Session, conversation_id: str, channel: str, text: str, button: bool, step: str | None
) -> list[tuple[str, list[dict[str, str]]]] | None:
    """The replies for a message in the call-back steps, or None if it is not part of them.

    `text` is what the person typed or, with `button`, the payload of a button the gateway
    offered (only a tapped button can start the steps or answer with its payload). `step`:
    where the latest request stands (`callbacks.status`), read with the conversation's state.
    """
    if button and text == OFFER:
        callbacks.ask(session, conversation_id)
        logger.info("callback_offered conversation=%s", conversation_id)
        return [(texts.CALLBACK_CONSENT, texts.CALLBACK_CHOICES)]
    if step == "asked":
        if button:
            answer = True if text == YES else False if text == NO else None
        else:
            answer = parse_yes_no(text)
        if answer is None:
            return [(texts.CALLBACK_CONSENT, texts.CALLBACK_CHOICES)]
        if not answer:
            callbacks.decline(session, conversation_id)
            logger.info("callback_declined conversation=%s", conversation_id)
            return [(texts.CALLBACK_DECLINED, [])]
        callbacks.consent(session, conversation_id, channel, texts.CALLBACK_CONSENT_VERSION)
        logger.info("callback_consented conversation=%s", conversation_id)
        return [(texts.CALLBACK_ASK_NUMBER, [])]
    if step == "consented":
        if _not_a_number_at_all(text, button):
            callbacks.decline(session, conversation_id)
            logger.info("callback_abandoned conversation=%s", conversation_id)
            return None
        if button and text == YES:
            return [(texts.CALLBACK_ASK_NUMBER, [])]
        phone = None if button else parse_phone(text)
        if phone and callbacks.give_number(session, conversation_id, phone):
            logger.info("callback_number_given conversation=%s", conversation_id)
            return [(texts.callback_thanks(phone), [])]
        if button or _wants_to_stop(text):
            callbacks.decline(session, conversation_id)
            logger.info("callback_declined conversation=%s", conversation_id)
            return [(texts.CALLBACK_DECLINED, [])]
        return [(texts.CALLBACK_NOT_A_NUMBER, [])]
    return None


def may_offer(session: Session, conversation_id: str) -> bool:
    """Offer the button unless a number is already kept or being asked for."""
    return callbacks.status(session, conversation_id) not in ("asked", "consented", "given")
