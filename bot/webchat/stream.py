"""The web chat's live stream: messages that arrive later than a reply (an advisor's words).

Server-sent events on `GET /api/webchat/sessions/{id}/stream`, with the same Bearer token as
the other calls (the page reads it with fetch, so the token never goes into a URL). `after` is
the last message id the page has: advisor messages stored since then are sent first, so a
reconnect loses nothing.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator

from fastapi import APIRouter, Query
from sse_starlette.sse import EventSourceResponse, ServerSentEvent

from bot.gateway.push import conversation_topic, hub
from bot.store import conversations
from bot.vocabulary import Sender
from bot.webchat.api import Conversation

logger = logging.getLogger(__name__)

stream_router = APIRouter(prefix="/api/webchat", tags=["web chat"])
PING_SECONDS = 15


def _event(message: dict[str, object]) -> ServerSentEvent:
    body = {k: message[k] for k in ("id", "from", "text", "buttons", "at")}
    return ServerSentEvent(data=json.dumps(body), event="message", id=str(message["id"]))


async def _events(conversation_id: str, after: int) -> AsyncIterator[ServerSentEvent]:
    topic = conversation_topic(conversation_id)
    queue = hub.subscribe(topic)  # before the catch-up read, so nothing falls in between
    logger.info("webchat_stream_open conversation=%s", conversation_id)
    sent = after
    try:
        for message in conversations.transcript(conversation_id):
            if message.id > after and message.sender == Sender.ADVISOR:
                sent = message.id
                yield _event({**vars(message), "from": message.sender})
        while True:
            event = await queue.get()
            if event.get("later") and int(event["id"]) > sent:
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
    return EventSourceResponse(_events(conversation_id, after), ping=PING_SECONDS)
