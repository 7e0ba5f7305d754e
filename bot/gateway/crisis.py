"""The gateway's crisis step: it reads a person's words before any write, rate limit, length
check or engine call, so the numbers go out even when one of those says no or fails.

The context it reads (the person's last few messages, what the assistant last asked) comes from
the store when it can; with the database down the words alone are checked. Nothing of it is
ever logged. `check` reads the database and runs the model: call it off the event loop.

Escalation has two halves: `queue` writes (urgent in the queue, the outcome) in the message's
unit of work; the alert to advisors goes out after it commits, or on its own when the database
fails (`answer_without_store`).
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from bot.crisis import ASKING_KEY, FOUND_KEY, assess, crisis_intent
from bot.gateway import texts
from bot.gateway.alerts import alert_advisors, announce_waiting
from bot.gateway.availability import crisis_notice
from bot.gateway.reply import Reply
from bot.store import conversations as store
from bot.store.queries import ContactIn, record_contact
from bot.store.session import in_unit

logger = logging.getLogger(__name__)

SCAN_CHARS = texts.MAX_MESSAGE_CHARS  # an over-long message is checked on its first part
RECENT_MESSAGES = 3
# Typed answers to "are you thinking about ending your life?" (or "is someone hurting you, or
# making you feel unsafe, right now?") that count as yes or not sure.
_YES_OR_NOT_SURE = frozenset(
    {
        "yes", "y", "ye", "yeah", "yea", "yep", "yh", "aye", "i am", "yes i am", "yeah i am",
        "i think so", "think so", "maybe", "not sure", "unsure", "im not sure", "i'm not sure",
        "dunno", "idk", "dont know", "don't know", "i dont know", "i don't know", "kind of",
        "sort of", "a bit", "sometimes", "possibly",
    }
)  # fmt: skip
_YES_STARTS = ("yes ", "yeah ", "yep ", "not sure ")
TOPICS = {"crisis_abuse": "domestic_abuse", "crisis_other": "third_party"}


@dataclass(frozen=True)
class CrisisCheck:
    """What the crisis step found for one message, and the context it read."""

    decision: str = "none"  # "crisis" | "ask" | "none"
    category: str | None = None
    recent: tuple[str, ...] = ()
    asking: str | None = None  # what the assistant's latest message asked
    answered_check: bool = False  # a yes or not sure to the crisis question

    @property
    def crisis(self) -> bool:
        """A crisis: the reviewed reply and an urgent handover."""
        return self.decision == "crisis"

    @property
    def flagged(self) -> bool:
        """A crisis, or unsure enough to ask: either way it is answered, whatever else fails."""
        return self.decision in ("crisis", "ask")

    @property
    def intent(self) -> str:
        """The assistant's intent for the category, so both pick the same reply."""
        return crisis_intent(self.category) or "crisis"

    def engine_text(self, text: str) -> str:
        """What the assistant is sent: a yes or not sure to the crisis question is a crisis of
        the question's category (/crisis, or /crisis_abuse after the safety question)."""
        return f"/{self.intent}" if self.answered_check else text

    def metadata(self) -> dict[str, Any]:
        """What the engine's crisis check reads beside the message (never logged): the form's
        question, and what this check found when it read the earlier messages too. The engine
        checks the words itself and takes the stronger of the two, so the earlier messages
        are read once, here, where they are stored, and never copied into its tracker."""
        extra: dict[str, Any] = {}
        if self.asking in texts.FORM_ASKS:
            extra[ASKING_KEY] = self.asking
        if self.flagged and self.category is not None:
            extra[FOUND_KEY] = {"decision": self.decision, "category": self.category}
        return extra


Context = tuple[tuple[str, ...], str | None]  # (the person's last messages, what was asked)


def check(
    conversation_id: str | None, text: str | None = None, payload: str | None = None
) -> CrisisCheck:
    """Assess one message (typed `text`, or a button's `payload`) before anything else."""
    return check_in(_context(conversation_id), text, payload)


def check_in(context: Context, text: str | None = None, payload: str | None = None) -> CrisisCheck:
    """`check` with the context already read (by a caller that reads it with other things)."""
    recent, asking = context
    question = texts.CHECK_QUESTIONS.get(asking or "")
    if question is not None and is_yes_or_not_sure(text, payload, question[0]):
        return CrisisCheck("crisis", question[1], recent, asking, answered_check=True)
    words = (text or "").strip()
    if payload is not None or not words:
        return CrisisCheck(recent=recent, asking=asking)
    form_asks = asking if asking in texts.FORM_ASKS else None
    found = assess(words[:SCAN_CHARS], recent=recent, asking=form_asks)
    return CrisisCheck(found.decision, found.category, recent, asking)


def is_yes_or_not_sure(
    text: str | None, payload: str | None, question: str = texts.CRISIS_CHECK
) -> bool:
    """A yes or not sure to a crisis question (its response name), tapped or typed."""
    if payload is not None:
        _, buttons = texts.response(question)
        no = {b["payload"] for b in buttons if b["title"] == "No"}
        return payload in {b["payload"] for b in buttons} - no
    said = re.sub(r"[\s.!?,]+", " ", (text or "").lower()).strip()
    return said in _YES_OR_NOT_SURE or said.startswith(_YES_STARTS)


def read_context(session: Session, conversation_id: str) -> Context:
    """The person's last few messages and what the assistant last asked, in `session`."""
    return _as_context(
        store.recent_context(
            session, conversation_id, RECENT_MESSAGES, skip=texts.is_gateway_notice
        )
    )


def context_from(newest_first: Sequence[tuple[str, str]]) -> Context:
    """`read_context` of messages (sender, text; newest first) a caller has read already."""
    return _as_context(
        store.context_of(newest_first, RECENT_MESSAGES, skip=texts.is_gateway_notice)
    )


def _as_context(found: tuple[list[str], str | None]) -> Context:
    recent, last = found
    return tuple(recent), texts.asking_markers().get(last) if last else None


def _context(conversation_id: str | None) -> Context:
    """`read_context` in a unit of its own, or nothing when the database cannot say."""
    if conversation_id is None:
        return (), None
    try:
        return in_unit(read_context, conversation_id)
    except SQLAlchemyError as error:
        logger.warning(
            "crisis_context_unavailable conversation=%s error=%s",
            conversation_id,
            type(error).__name__,
        )
        return (), None


def replies(found: CrisisCheck, channel: str) -> list[Reply]:
    """The gateway's own answer: the crisis question, or the reviewed reply for the category
    and channel followed by an honest line on when an advisor can reply."""
    if found.decision == "ask":
        return [Reply(*texts.response(texts.check_question(found.category)))]
    text, _ = texts.response(texts.crisis_response_name(found.intent, channel))
    return [Reply(text), Reply(crisis_notice())]


def queue(
    session: Session,
    conversation_id: str,
    channel: str,
    found: CrisisCheck,
    log_outcome: bool = True,
) -> None:
    """The store's half of escalation, in the message's unit of work: the conversation waits
    as urgent (one an advisor holds stays theirs) and the outcome is logged. The caller alerts
    the advisors (`alert`) once this has committed."""
    store.queue_urgent(session, conversation_id, reason="crisis")
    if log_outcome:
        topic = TOPICS.get(found.intent, "crisis")
        record_contact(session, ContactIn(conversation_id, channel, "crisis", topics=[topic]))


def alert(conversation_id: str | None, channel: str) -> None:
    """The advisors' half: the queue event and the urgent alert. Never raises: the person's
    reply must still go out."""
    try:
        if conversation_id is not None:
            announce_waiting(conversation_id, "crisis", True, channel)
        else:
            alert_advisors(None, "crisis", channel)
    except Exception as error:  # noqa: BLE001 - the person's reply must still go out
        logger.error(
            "crisis_alert_failed conversation=%s error=%s", conversation_id, type(error).__name__
        )
    logger.info("crisis_answered_by_gateway conversation=%s", conversation_id)


async def answer_without_store(
    conversation_id: str | None, channel: str, found: CrisisCheck
) -> list[Reply]:
    """The message's unit of work failed (or never started): the crisis reply and the
    advisors' alert still go out; queueing is tried once more on its own."""
    if found.crisis:
        if conversation_id is not None:
            try:
                await asyncio.to_thread(in_unit, queue, conversation_id, channel, found)
            except SQLAlchemyError as error:
                logger.error(
                    "crisis_queue_failed conversation=%s error=%s",
                    conversation_id,
                    type(error).__name__,
                )
        alert(conversation_id, channel)
    return replies(found, channel)
