"""The web chat's live stream: messages that arrive later than a reply (an advisor's words).

Server-sent events on `GET /api/webchat/sessions/{id}/stream`, with the same Bearer token as
the other calls (the page reads it with fetch, so the token never goes into a URL). `after` is
the last message id the page has: advisor messages stored since then are sent first, so a
reconnect loses nothing.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter, Query
from sse_starlette.sse import EventSourceResponse, ServerSentEvent

from bot.gateway.limits import streams
from bot.gateway.push import RESYNC, conversation_topic, hub
from bot.store import conversations
from bot.store.session import in_unit
from bot.vocabulary import Sender
from bot.webchat.api import Conversation

logger = logging.getLogger(__name__)

stream_router = APIRouter(prefix="/api/webchat", tags=["web chat"])
PING_SECONDS = 15


def _event(message: dict[str, object]) -> ServerSentEvent:
    body = {k: message[k] for k in ("id", "from", "text", "buttons", "at")}
    return ServerSentEvent(data=json.dumps(body), event="message", id=str(message["id"]))


async def _stored_since(conversation_id: str, after: int) -> AsyncIterator[dict[str, Any]]:
    """Advisor messages stored after `after`, read in a worker thread (a database call)."""
    transcript = await asyncio.to_thread(in_unit, conversations.transcript, conversation_id)
    for message in transcript:
        if message.id > after and message.sender == Sender.ADVISOR:
            yield {**vars(message), "from": message.sender}


async def _events(conversation_id: str, after: int) -> AsyncIterator[ServerSentEvent]:
    topic = conversation_topic(conversation_id)
    queue = hub.subscribe(topic)  # before the catch-up read, so nothing falls in between
    logger.info("webchat_stream_open conversation=%s", conversation_id)
    sent = after
    try:
        async for stored in _stored_since(conversation_id, sent):
            sent = int(stored["id"])
            yield _event(stored)
        while True:
            event = await queue.get()
            if event == RESYNC:  # live events may have been missed: read them back
                async for stored in _stored_since(conversation_id, sent):
                    sent = int(stored["id"])
                    yield _event(stored)
            elif event.get("later") and int(event["id"]) > sent:
                sent = int(event["id"])
                yield _event(event)
    finally:
        hub.unsubscribe(topic, queue)
        logger.info("webchat_stream_closed conversation=%s", conversation_id)


@stream_router.get("/sessions/{session_id}/stream")
async def stream(
    conversation_id: Conversation, after: int = Query(default=0, ge=0)
) -> EventSourceResponse:
    """Later messages for this session as server-sent events ("message", JSON data)."""
    events = streams.held(f"webchat:{conversation_id}", _events(conversation_id, after))
    return EventSourceResponse(events, ping=PING_SECONDS)
