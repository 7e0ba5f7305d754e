"""What advisors do to a conversation: view, claim, reply, note, hand back, requeue, close.

Each action checks who holds the conversation, changes it in one conditional UPDATE, tells
the person when their side changes, writes the audit trail and announces queue changes.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import asdict
from typing import Any

from bot.console import delivery, texts
from bot.console.auth import SignedIn
from bot.gateway.outbound import send_to_person
from bot.gateway.push import QUEUE_TOPIC, PushHub, conversation_topic, hub
from bot.store import audit, callbacks, handover
from bot.store import conversations as store
from bot.store import delivery as delivery_store
from bot.store.handover import QueueItem
from bot.store.models import OUTCOMES
from bot.store.queries import ContactIn, record_contact
from bot.store.session import in_unit
from bot.vocabulary import ConversationState, Sender, StaffRole

logger = logging.getLogger(__name__)

HANDOVER_OUTCOME = "handover"


class NotFound(Exception):
    """No such conversation."""


class Conflict(Exception):
    """The conversation is not in a state (or not held by you) for this action."""


def announce_queue_change(
    conversation_id: str | None = None, change: str = "changed", push: PushHub = hub
) -> None:
    """Tell every open queue view to refresh; same shape as the gateway's "waiting" events."""
    push.publish(QUEUE_TOPIC, {"event": change, "conversation_id": conversation_id})


def _changed(conversation_id: str, change: str, state: str, push: PushHub = hub) -> None:
    """A holder or state change: the queue views and the conversation's own viewers refresh.
    The state event has no message id, so the person's web chat stream ignores it."""
    announce_queue_change(conversation_id, change, push)
    push.publish(
        conversation_topic(conversation_id),
        {"event": "state", "state": state, "conversation_id": conversation_id},
    )


def queue_items() -> list[QueueItem]:
    """The queue, urgent first, then the longest wait first."""
    return handover.queue()


def view(who: SignedIn, conversation_id: str, client: str) -> dict[str, Any]:
    """The whole conversation for staff; every view is audited."""
    info = handover.info(conversation_id)
    if info is None:
        raise NotFound(conversation_id)
    audit.record("view", who.staff.id, conversation_id, client=client)
    body = asdict(info)
    known = body.pop("circumstances")
    body.update(district=known["district"], needs=known["needs"])
    call_back = in_unit(callbacks.for_conversation, conversation_id)
    body["callback"] = asdict(call_back) if call_back else None
    body["transcript"] = transcript(conversation_id)
    return body


def transcript(conversation_id: str, after: int = 0) -> list[dict[str, Any]]:
    """The messages after `after` as the console shows them, each advisor message sent to
    Telegram with its delivery (None for the others)."""
    states = delivery_store.states(conversation_id)
    return [
        {
            "id": m.id,
            "from": m.sender,
            "text": m.text,
            "buttons": m.buttons,
            "at": m.at,
            "delivery": delivery.view(states.get(m.id)),
        }
        for m in in_unit(store.transcript, conversation_id)
        if m.id > after
    ]


def watch(who: SignedIn, conversation_id: str, client: str) -> None:
    """Opening a conversation's live stream is a view too."""
    if in_unit(store.get_state, conversation_id) is None:
        raise NotFound(conversation_id)
    audit.record("watch", who.staff.id, conversation_id, client=client)


async def claim(who: SignedIn, conversation_id: str, client: str) -> None:
    """Take a waiting conversation; exactly one advisor wins a race, the others get Conflict."""
    result = await asyncio.to_thread(handover.claim, conversation_id, who.staff.id)
    if result == "missing":
        raise NotFound(conversation_id)
    if result == "held":
        raise Conflict("another advisor holds this conversation")
    if result == "not_waiting":
        raise Conflict("this conversation is not waiting for an advisor")
    if result == "claimed":
        await asyncio.to_thread(audit.record, "claim", who.staff.id, conversation_id, client=client)
        _changed(conversation_id, "claimed", ConversationState.ADVISOR)
        logger.info("claimed conversation=%s staff=%s", conversation_id, who.staff.id)


def _require_holder(who: SignedIn, conversation_id: str) -> None:
    found = handover.holder(conversation_id)
    if found is None:
        raise NotFound(conversation_id)
    state, advisor_id = found
    if state != ConversationState.ADVISOR or advisor_id is None:
        raise Conflict("claim this conversation first")
    if advisor_id != who.staff.id:
        raise Conflict("another advisor holds this conversation")


async def reply(who: SignedIn, conversation_id: str, text: str, client: str) -> dict[str, Any]:
    """Send the holding advisor's words to the person on their channel."""
    await asyncio.to_thread(_require_holder, who, conversation_id)
    message = await send_to_person(conversation_id, text, sender=Sender.ADVISOR)
    if message is None:
        raise NotFound(conversation_id)
    detail = f"message={message.id}"
    await asyncio.to_thread(
        audit.record, "reply", who.staff.id, conversation_id, detail=detail, client=client
    )
    # Telegram: "pending" by now (it is sent in the background), or already "sent".
    state = await asyncio.to_thread(delivery_store.state_of, message.id)
    return {
        "id": message.id,
        "from": message.sender,
        "text": message.text,
        "at": message.at,
        "delivery": delivery.view(state),
    }


def add_note(who: SignedIn, conversation_id: str, text: str, client: str) -> dict[str, Any]:
    """Keep a private note; the person never sees it."""
    note = handover.add_note(conversation_id, who.staff.id, text)
    if note is None:
        raise NotFound(conversation_id)
    audit.record("note", who.staff.id, conversation_id, detail=f"note={note['id']}", client=client)
    return note


def _record_contact(conversation_id: str, outcome: str) -> None:
    known = handover.circumstances([conversation_id]).get(conversation_id)
    contact = ContactIn(
        conversation_id=conversation_id,
        channel=in_unit(store.get_channel, conversation_id) or "other",
        outcome=outcome,
        topics=known.needs if known else [],
        district=known.district if known else None,
        provider=known.provider if known else None,
        probation_status=known.probation_status if known else None,
    )
    in_unit(record_contact, contact)
    logger.info("contact_logged conversation=%s outcome=%s", conversation_id, outcome)


def _release(
    who: SignedIn,
    conversation_id: str,
    to_state: str,
    client: str,
    action: str,
    outcome: str | None = None,
) -> None:
    """Give the conversation up (to `to_state`), count the contact and audit it. Blocking:
    called off the event loop."""
    is_admin = who.staff.role == StaffRole.ADMIN
    result = handover.release(conversation_id, who.staff.id, to_state, is_admin, outcome)
    if result == "missing":
        raise NotFound(conversation_id)
    if result == "held":
        raise Conflict("another advisor holds this conversation")
    if result == "not_held":
        raise Conflict("nobody holds this conversation")
    _record_contact(conversation_id, outcome or HANDOVER_OUTCOME)
    detail = f"outcome={outcome}" if outcome else None
    audit.record(action, who.staff.id, conversation_id, detail=detail, client=client)


async def handback(who: SignedIn, conversation_id: str, client: str) -> None:
    """The assistant takes the next message; the person is told."""
    await asyncio.to_thread(
        _release, who, conversation_id, ConversationState.ASSISTANT, client, "handback"
    )
    await send_to_person(conversation_id, texts.HANDBACK, sender=Sender.ADVISOR)
    _changed(conversation_id, "handed_back", ConversationState.ASSISTANT)


async def requeue(who: SignedIn, conversation_id: str, client: str) -> None:
    """Back to the queue for a colleague; the person is told."""
    await asyncio.to_thread(
        _release, who, conversation_id, ConversationState.WAITING, client, "requeue"
    )
    await send_to_person(conversation_id, texts.REQUEUED, sender=Sender.ADVISOR)
    _changed(conversation_id, "requeued", ConversationState.WAITING)


async def close(who: SignedIn, conversation_id: str, outcome: str, client: str) -> None:
    """End the conversation with an outcome, counted against the district service."""
    if outcome not in OUTCOMES:
        raise ValueError(f"outcome must be one of {', '.join(OUTCOMES)}")
    await asyncio.to_thread(
        _release, who, conversation_id, ConversationState.CLOSED, client, "close", outcome
    )
    await send_to_person(conversation_id, texts.CLOSED, sender=Sender.ADVISOR)
    _changed(conversation_id, "closed", ConversationState.CLOSED)
