"""Live console updates as server-sent events: the queue, and one conversation's messages
(with how the sending of each advisor message to Telegram goes).

Both streams sit behind the staff session like every console route, and end when the
session does (checked at every keep-alive ping).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request, status
from sse_starlette.sse import EventSourceResponse, ServerSentEvent

from bot.console import auth, delivery, service
from bot.console.api import queue_item
from bot.console.auth import CurrentStaff, client_of
from bot.gateway.limits import streams
from bot.gateway.push import QUEUE_TOPIC, RESYNC, conversation_topic, hub
from bot.store import delivery as delivery_store
from bot.store import staff as staff_store

logger = logging.getLogger(__name__)

stream_router = APIRouter(
    prefix="/api/staff", tags=["staff"], dependencies=[Depends(auth.signed_in)]
)
PING_SECONDS = 15


def _queue_event(change: dict[str, object] | None) -> ServerSentEvent:
    items = [queue_item(i).model_dump() for i in service.queue_items()]
    return ServerSentEvent(data=json.dumps({"change": change, "queue": items}), event="queue")


def _message_event(message: dict[str, object]) -> ServerSentEvent:
    body = {k: message.get(k) for k in ("id", "from", "text", "buttons", "at", "delivery")}
    return ServerSentEvent(data=json.dumps(body), event="message", id=str(message["id"]))


def _delivery_event(body: dict[str, Any]) -> ServerSentEvent:
    """A change in sending a message to Telegram: {"message_id", "delivery"}."""
    return ServerSentEvent(data=json.dumps(body), event="delivery")


async def _deliveries(conversation_id: str) -> list[ServerSentEvent]:
    """Every message's delivery as it stands (after a resync: changes may have been missed)."""
    states = await asyncio.to_thread(delivery_store.states, conversation_id)
    return [
        _delivery_event({"message_id": i, "delivery": delivery.view(s)})
        for i, s in sorted(states.items())
    ]


def _still_signed_in(token: str) -> bool:
    return staff_store.session_staff(token, staff_store.SESSION_IDLE) is not None


async def _stored_since(conversation_id: str, after: int) -> list[dict[str, Any]]:
    """Messages stored after `after`, read in a worker thread (a database call)."""
    return await asyncio.to_thread(service.transcript, conversation_id, after)


async def _queue_events(token: str) -> AsyncIterator[ServerSentEvent]:
    queue = hub.subscribe(QUEUE_TOPIC)  # before the first read, so no change falls between
    try:
        yield await asyncio.to_thread(_queue_event, None)
        while True:
            try:
                change = await asyncio.wait_for(queue.get(), PING_SECONDS)
            except TimeoutError:
                if not await asyncio.to_thread(_still_signed_in, token):
                    return
                continue
            # A resync (events may have been missed) reads the whole queue again, as any change.
            yield await asyncio.to_thread(_queue_event, change)
    finally:
        hub.unsubscribe(QUEUE_TOPIC, queue)


async def _conversation_events(
    token: str, conversation_id: str, after: int
) -> AsyncIterator[ServerSentEvent]:
    topic = conversation_topic(conversation_id)
    queue = hub.subscribe(topic)
    sent = after
    try:
        for stored in await _stored_since(conversation_id, sent):
            sent = int(stored["id"])
            yield _message_event(stored)
        while True:
            try:
                event = await asyncio.wait_for(queue.get(), PING_SECONDS)
            except TimeoutError:
                if not await asyncio.to_thread(_still_signed_in, token):
                    return
                continue
            if event == RESYNC:  # live events may have been missed: read them back
                for stored in await _stored_since(conversation_id, sent):
                    sent = int(stored["id"])
                    yield _message_event(stored)
                for change in await _deliveries(conversation_id):
                    yield change
            elif event.get("event") == "delivery" and "message_id" in event:
                yield _delivery_event(delivery.from_event(event))
            elif "id" not in event:
                yield ServerSentEvent(data=json.dumps(event), event=str(event.get("event")))
            elif int(event["id"]) > sent:
                sent = int(event["id"])
                yield _message_event(event)
    finally:
        hub.unsubscribe(topic, queue)


@stream_router.get("/queue/stream")
async def queue_stream(who: CurrentStaff) -> EventSourceResponse:
    """The whole queue on connect and again after every change ("queue" events)."""
    events = streams.held(f"staff-session:{who.token}", _queue_events(who.token))
    return EventSourceResponse(events, ping=PING_SECONDS)


@stream_router.get("/conversations/{conversation_id}/stream")
async def conversation_stream(
    conversation_id: str,
    who: CurrentStaff,
    request: Request,
    after: int = Query(default=0, ge=0),
) -> EventSourceResponse:
    """Messages after `after` (a message id), then live: "message" events, "state" events
    when the conversation is claimed, handed back, requeued or closed, and "delivery" events
    as an advisor message is sent to Telegram, retried, or given up."""
    try:
        await asyncio.to_thread(service.watch, who, conversation_id, client_of(request))
    except service.NotFound:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such conversation") from None
    events = streams.held(
        f"staff-session:{who.token}", _conversation_events(who.token, conversation_id, after)
    )
    return EventSourceResponse(events, ping=PING_SECONDS)
