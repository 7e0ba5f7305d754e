"""Web chat HTTP API: sessions, messages, and the transcript a reload resumes from.

Every error it answers carries the crisis numbers, and a message is checked for crisis before
the rate limit, so a person in crisis is never answered with "slow down" or a bare error.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, HTTPException, Request, Response, status
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel, Field
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session
from starlette.exceptions import HTTPException as StarletteHTTPException

from bot.gateway import crisis, texts
from bot.gateway.rasa_client import RasaClient
from bot.gateway.ratelimit import Limiter
from bot.gateway.reply import Reply
from bot.gateway.router import NotOpened, Opened, handle_opened_message, handle_person_message
from bot.store import conversations, webchat
from bot.store.session import in_unit
from bot.vocabulary import Channel

logger = logging.getLogger(__name__)


class KindErrorRoute(APIRoute):
    """Error answers keep FastAPI's `detail` and add `message`: the kind text with 999 and
    116 123 that the page shows. Errors are logged by type only (a body holds words)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def kind_errors(request: Request) -> Response:
            try:
                return await handler(request)
            except StarletteHTTPException as error:  # FastAPI's own, and a body it cannot parse
                body = {"detail": error.detail, "message": texts.ERROR}
                return JSONResponse(body, error.status_code, headers=error.headers)
            except RequestValidationError as error:
                body = {"detail": jsonable_encoder(error.errors()), "message": texts.ERROR}
                return JSONResponse(body, 422)
            except Exception as error:  # noqa: BLE001 - the person still gets the numbers
                logger.error("webchat_error path=%s error=%s", self.path, type(error).__name__)
                body = {"detail": "internal error", "message": texts.ERROR}
                return JSONResponse(body, status.HTTP_500_INTERNAL_SERVER_ERROR)

        return kind_errors


router = APIRouter(prefix="/api/webchat", tags=["web chat"], route_class=KindErrorRoute)


class SessionOut(BaseModel):
    session_id: str
    token: str


class MessageIn(BaseModel):
    """Either typed text or the payload of a quick-reply button the chat offered."""

    # No length limit here: an over-long message still gets the crisis check (on its first
    # part) and then a kind "too long" answer from the router.
    text: str | None = None
    payload: str | None = Field(default=None, max_length=500)


class ButtonOut(BaseModel):
    title: str
    payload: str


class ReplyOut(BaseModel):
    text: str
    buttons: list[ButtonOut] = []


class RepliesOut(BaseModel):
    messages: list[ReplyOut]


class TranscriptMessage(ReplyOut):
    id: int
    sender: str = Field(serialization_alias="from")
    at: str


class TranscriptOut(BaseModel):
    messages: list[TranscriptMessage]


def _bearer(authorization: str | None) -> str:
    """The token from `Authorization: Bearer <token>`; 401 without one."""
    if not authorization or not authorization.lower().startswith("bearer "):
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED, "missing token", headers={"WWW-Authenticate": "Bearer"}
        )
    return authorization[7:].strip()


def conversation_for(session_id: str, authorization: Annotated[str | None, Header()] = None) -> str:
    """401 without a token, or when its session has ended (quiet for WEBCHAT_IDLE_MINUTES, or
    Quick exit): the page then starts a new one. 403 with a wrong token: never another
    person's conversation."""
    return conversation_for_found(webchat.open_session(session_id, _bearer(authorization)))


def conversation_for_found(found: webchat.SessionCheck) -> str:
    """The conversation a session check opened, or the 401 or 403 it calls for."""
    if found.ended:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "session ended",
            headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
        )
    if found.conversation_id is None:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "wrong token for this session")
    return found.conversation_id


Conversation = Annotated[str, Depends(conversation_for)]


def conversation_or_none(session_id: str, authorization: str | None) -> str | None:
    """As conversation_for, but None when the database cannot say (a message is still
    checked for crisis then)."""
    try:
        return conversation_for(session_id, authorization)
    except SQLAlchemyError as error:
        logger.error("webchat_session_unreadable error=%s", type(error).__name__)
        return None


def _opener(
    session_id: str,
    authorization: str | None,
    text: str | None,
    payload: str | None,
    limiter: Limiter,
) -> Callable[[Session], Opened]:
    """The first read, in the unit that takes the message in: the token and the quiet spell,
    the crisis step with the earlier messages, then the rate limit (a crisis goes through it).
    401 and 403 as `conversation_for`."""
    token = _bearer(authorization)

    def open_(session: Session) -> Opened:
        first = webchat.read_session(session, session_id, token)
        conversation_id = conversation_for_found(first.check)
        check = crisis.check_in(crisis.context_from(first.messages), text, payload)
        limited = not limiter.allow(conversation_id)
        return Opened(conversation_id, check, limited, (first.state, first.callback_status))

    return open_


def _check_unread(
    session_id: str, authorization: str | None, text: str | None, payload: str | None
) -> tuple[str | None, crisis.CrisisCheck]:
    """When the first read failed (the messages table, say): each part on its own, so a broken
    table still leaves the conversation to queue a crisis against. With the database down the
    conversation is None and the words alone are checked."""
    conversation_id = conversation_or_none(session_id, authorization)
    return conversation_id, crisis.check(conversation_id, text, payload)


@router.post("/sessions", status_code=status.HTTP_201_CREATED, response_model=SessionOut)
async def create_session(request: Request) -> SessionOut:
    """Start a conversation; keep the token secret (the page stores it in the browser).
    At most a few dozen new chats an hour come from one address (429 past that)."""
    address = request.client.host if request.client else "unknown"
    if not await request.app.state.session_limiter.check(address):
        raise HTTPException(
            status.HTTP_429_TOO_MANY_REQUESTS,
            "too many new chats from this address; try again later",
            headers={"Retry-After": "600"},
        )
    session_id, token, _ = await asyncio.to_thread(webchat.create_session)
    return SessionOut(session_id=session_id, token=token)


@router.delete("/sessions/{session_id}", status_code=status.HTTP_204_NO_CONTENT)
def end_session(session_id: str, authorization: Annotated[str | None, Header()] = None) -> Response:
    """Quick exit: the session's token stops working at once (the page has left). The
    conversation stays for the advisors."""
    if not webchat.revoke(session_id, _bearer(authorization)):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "wrong token for this session")
    logger.info("webchat_session_revoked")
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/sessions/{session_id}/messages", response_model=RepliesOut)
async def post_message(
    session_id: str,
    body: MessageIn,
    request: Request,
    authorization: Annotated[str | None, Header()] = None,
) -> RepliesOut:
    """Send a message (or a button tap) and get the replies to show."""
    payload = body.payload if body.text is None else None
    limiter, rasa = request.app.state.limiter, request.app.state.rasa
    try:
        try:
            # The crisis step first: before the rate limit, the length check and any write.
            replies = await handle_opened_message(
                rasa,
                Channel.WEBCHAT,
                _opener(session_id, authorization, body.text, payload, limiter),
                text=body.text,
                payload=payload,
            )
        except NotOpened:
            logger.error("webchat_first_read_failed")
            replies = await _answer_unread(
                rasa, limiter, session_id, authorization, body.text, payload
            )
    except SQLAlchemyError as error:
        # The message was not taken in: the page says "try again", with the numbers.
        logger.error("webchat_store_failed error=%s", type(error).__name__)
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, "try again") from None
    return _replies_out(replies)


async def _answer_unread(
    rasa: RasaClient,
    limiter: Limiter,
    session_id: str,
    authorization: str | None,
    text: str | None,
    payload: str | None,
) -> list[Reply]:
    """The message when the first read failed: the crisis step on what could be read, then
    the rate limit and the router as usual; with no conversation, only a crisis is answered
    (from the gateway, without the database) and anything else is a 503."""
    conversation_id, check = await asyncio.to_thread(
        _check_unread, session_id, authorization, text, payload
    )
    if conversation_id is None:
        if not check.flagged:
            raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, "try again")
        return await crisis.answer_without_store(None, Channel.WEBCHAT, check)
    limited = not await limiter.check(conversation_id)
    if limited and not check.flagged:
        return [Reply(texts.SLOW_DOWN)]
    return await handle_person_message(
        rasa,
        conversation_id,
        Channel.WEBCHAT,
        text=text,
        payload=payload,
        check=check,
        limited=limited,
    )


def _replies_out(replies: list[Reply]) -> RepliesOut:
    return RepliesOut(
        messages=[
            ReplyOut(text=r.text, buttons=[ButtonOut(**b) for b in r.buttons]) for r in replies
        ]
    )


@router.get(
    "/sessions/{session_id}/messages", response_model=TranscriptOut, response_model_by_alias=True
)
def get_messages(conversation_id: Conversation) -> TranscriptOut:
    """The whole conversation so far, so a reload resumes it."""
    return TranscriptOut(
        messages=[
            TranscriptMessage(
                id=m.id,
                sender=m.sender,
                text=m.text,
                buttons=[ButtonOut(**b) for b in m.buttons],
                at=m.at,
            )
            for m in in_unit(conversations.transcript, conversation_id)
        ]
    )
