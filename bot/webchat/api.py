"""Web chat HTTP API: sessions, messages, and the transcript a reload resumes from."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, HTTPException, Request, status
from pydantic import BaseModel, Field

from bot.gateway import texts
from bot.gateway.router import handle_person_message
from bot.store import conversations, webchat

router = APIRouter(prefix="/api/webchat", tags=["web chat"])


class SessionOut(BaseModel):
    session_id: str
    token: str


class MessageIn(BaseModel):
    """Either typed text or the payload of a quick-reply button the chat offered."""

    text: str | None = Field(default=None, max_length=100_000)
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


def conversation_for(session_id: str, authorization: Annotated[str | None, Header()] = None) -> str:
    """401 without a token, 403 with a wrong one: never another person's conversation."""
    if not authorization or not authorization.lower().startswith("bearer "):
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED, "missing token", headers={"WWW-Authenticate": "Bearer"}
        )
    conversation_id = webchat.check_session(session_id, authorization[7:].strip())
    if conversation_id is None:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "wrong token for this session")
    return conversation_id


Conversation = Annotated[str, Depends(conversation_for)]


@router.post("/sessions", status_code=status.HTTP_201_CREATED, response_model=SessionOut)
def create_session() -> SessionOut:
    """Start a conversation; keep the token secret (the page stores it in the browser)."""
    session_id, token, _ = webchat.create_session()
    return SessionOut(session_id=session_id, token=token)


@router.post("/sessions/{session_id}/messages", response_model=RepliesOut)
async def post_message(
    body: MessageIn, request: Request, conversation_id: Conversation
) -> RepliesOut:
    """Send a message (or a button tap) and get the replies to show."""
    if not request.app.state.limiter.allow(conversation_id):
        return RepliesOut(messages=[ReplyOut(text=texts.SLOW_DOWN)])
    replies = await handle_person_message(
        request.app.state.rasa,
        conversation_id,
        "webchat",
        text=body.text,
        payload=body.payload if body.text is None else None,
    )
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
            for m in conversations.transcript(conversation_id)
        ]
    )
