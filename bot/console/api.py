"""Staff API under /api/staff: login, the queue, and taking over conversations.

Every route except login sits behind `signed_in` (401 without a session; 403 without the CSRF
token on changes, and for reviewers on changes). Routes parse, call one service function and
reply; the service's NotFound and Conflict become 404 and 409. Routes that change a
conversation are async so that queue and message events are published on the event loop
that owns the push hub's queues.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, Literal, TypeVar

from fastapi import APIRouter, Depends, HTTPException, Request, Response, status
from pydantic import BaseModel, Field

from bot.console import auth, service
from bot.console.auth import CurrentStaff, client_of
from bot.store.models import OUTCOMES
from bot.vocabulary import ConversationState

T = TypeVar("T")

public_router = APIRouter(prefix="/api/staff", tags=["staff"])
router = APIRouter(prefix="/api/staff", tags=["staff"], dependencies=[Depends(auth.signed_in)])


class LoginIn(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=1024)


class LoginOut(BaseModel):
    csrf_token: str
    role: str
    username: str


class QueueItemOut(BaseModel):
    conversation_id: str
    channel: str
    state: str
    reason: str | None
    urgent: bool
    district: str | None
    needs: list[str]
    waiting_since: str
    waiting_s: int
    callback: bool = False


class TextIn(BaseModel):
    text: str = Field(min_length=1, max_length=4000)


class CloseIn(BaseModel):
    outcome: Literal[OUTCOMES]  # type: ignore[valid-type]


class StateOut(BaseModel):
    conversation_id: str
    state: str


@public_router.post(
    "/login",
    response_model=LoginOut,
    responses={401: {"description": "wrong name or password"}, 429: {"description": "slowed"}},
)
def login(body: LoginIn, request: Request, response: Response) -> LoginOut:
    """Sign in: sets the HTTP-only session cookie and returns the CSRF token for changes."""
    try:
        result = auth.login(body.username, body.password, client_of(request))
    except auth.LoginSlowed as slowed:
        raise HTTPException(
            status.HTTP_429_TOO_MANY_REQUESTS,
            "too many failed logins; try again later",
            headers={"Retry-After": str(slowed.retry_after)},
        ) from None
    except auth.LoginRefused:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "wrong name or password") from None
    auth.set_session_cookie(response, result.token)
    return LoginOut(
        csrf_token=result.csrf_token, role=result.staff.role, username=result.staff.username
    )


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT)
def logout(who: CurrentStaff, request: Request, response: Response) -> None:
    """Sign out: the session ends at once and the cookie is cleared."""
    auth.logout(who, client_of(request))
    auth.clear_session_cookie(response)


@router.get("/me", response_model=LoginOut)
def me(who: CurrentStaff) -> LoginOut:
    """Who is signed in, and the CSRF token again (a console page reload has lost it)."""
    return LoginOut(csrf_token=who.csrf_token, role=who.staff.role, username=who.staff.username)


@router.get("/queue", response_model=list[QueueItemOut])
def queue(who: CurrentStaff) -> list[QueueItemOut]:
    """Conversations waiting for a person: urgent first, then the longest wait first."""
    return [queue_item(item) for item in service.queue_items()]


def queue_item(item: Any) -> QueueItemOut:
    """A queue entry as the API shows it."""
    return QueueItemOut(
        **{k: v for k, v in vars(item).items() if k != "waiting_since"},
        waiting_since=item.waiting_since.isoformat(),
    )


async def _answer(call: Awaitable[T] | Callable[[], T]) -> T:
    """Run a service call (a blocking one in a worker thread, off the event loop) and turn its
    refusals into HTTP answers."""
    try:
        return await call if isinstance(call, Awaitable) else await asyncio.to_thread(call)
    except service.NotFound:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such conversation") from None
    except service.Conflict as conflict:
        raise HTTPException(status.HTTP_409_CONFLICT, str(conflict)) from None


@router.get("/conversations/{conversation_id}")
async def conversation(conversation_id: str, who: CurrentStaff, request: Request) -> dict:
    """The conversation, its state and holder, transcript, referral summary and notes."""
    return await _answer(lambda: service.view(who, conversation_id, client_of(request)))


@router.post(
    "/conversations/{conversation_id}/claim",
    response_model=StateOut,
    responses={409: {"description": "another advisor holds it"}},
)
async def claim(conversation_id: str, who: CurrentStaff, request: Request) -> StateOut:
    """Take the conversation: 200, or 409 when another advisor holds it."""
    await _answer(service.claim(who, conversation_id, client_of(request)))
    return StateOut(conversation_id=conversation_id, state=ConversationState.ADVISOR)


@router.post("/conversations/{conversation_id}/messages")
async def send_message(
    conversation_id: str, body: TextIn, who: CurrentStaff, request: Request
) -> dict:
    """Send a reply to the person (only the advisor holding the conversation)."""
    return await _answer(service.reply(who, conversation_id, body.text, client_of(request)))


@router.post("/conversations/{conversation_id}/notes")
async def add_note(conversation_id: str, body: TextIn, who: CurrentStaff, request: Request) -> dict:
    """A private note on the conversation; the person never sees it."""
    return await _answer(
        lambda: service.add_note(who, conversation_id, body.text, client_of(request))
    )


@router.post("/conversations/{conversation_id}/handback", response_model=StateOut)
async def handback(conversation_id: str, who: CurrentStaff, request: Request) -> StateOut:
    """Give the conversation back to the assistant; the person is told."""
    await _answer(service.handback(who, conversation_id, client_of(request)))
    return StateOut(conversation_id=conversation_id, state=ConversationState.ASSISTANT)


@router.post("/conversations/{conversation_id}/requeue", response_model=StateOut)
async def requeue(conversation_id: str, who: CurrentStaff, request: Request) -> StateOut:
    """Put the conversation back in the queue for a colleague; the person is told."""
    await _answer(service.requeue(who, conversation_id, client_of(request)))
    return StateOut(conversation_id=conversation_id, state=ConversationState.WAITING)


@router.post("/conversations/{conversation_id}/close", response_model=StateOut)
async def close(
    conversation_id: str, body: CloseIn, who: CurrentStaff, request: Request
) -> StateOut:
    """End the conversation with an outcome, counted against the district service."""
    await _answer(service.close(who, conversation_id, body.outcome, client_of(request)))
    return StateOut(conversation_id=conversation_id, state=ConversationState.CLOSED)
