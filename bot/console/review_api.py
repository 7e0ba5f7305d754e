"""Conversation review under /api/staff/review: the filtered list, a transcript with the
engine's reading of each message, reviewed marks, tags, misunderstood-message flags and the
NLU export. Reviewers and admins only (advisors get 403); every route is sync, so its
database calls run in the thread pool.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request, status
from fastapi.responses import Response
from pydantic import BaseModel, Field

from bot.console import review_service as service
from bot.console.auth import client_of
from bot.console.reports_service import uk_midnight
from bot.console.review_auth import Reviewer, reviewing
from bot.store.models import OUTCOMES
from bot.store.review import ReviewFilters
from bot.vocabulary import Channel, values

router = APIRouter(
    prefix="/api/staff/review", tags=["staff review"], dependencies=[Depends(reviewing)]
)

CHANNELS = tuple(values(Channel))
# A message's row id: a 64-bit integer in both databases. A larger number is a 422, not an
# overflow inside the database driver.
MessageId = Annotated[int, Path(ge=1, le=2**63 - 1)]
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"description": "no such conversation or message"}
}


class ReviewedIn(BaseModel):
    reviewed: bool = True


class TagIn(BaseModel):
    tag: str = Field(min_length=1, max_length=service.TAG_MAX)


class FlagIn(BaseModel):
    intent: str = Field(min_length=1, max_length=64)


def _day_bounds(first: date | None, last: date | None) -> tuple[Any, Any]:
    """UK days, both included, as UTC bounds."""
    since = uk_midnight(first) if first else None
    until = uk_midnight(last + timedelta(days=1)) if last else None
    return since, until


def _call(function: Any, *args: Any) -> Any:
    """Run a service call and turn its refusals into HTTP answers."""
    try:
        return function(*args)
    except service.NotFound:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "not found") from None
    except service.Refused as refused:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(refused)) from None


@router.get("/conversations")
def conversations(
    who: Reviewer,
    first: Annotated[date | None, Query(alias="from")] = None,
    to: date | None = None,
    channel: Literal[CHANNELS] | None = None,  # type: ignore[valid-type]
    district: Annotated[str | None, Query(max_length=64)] = None,
    provider: Annotated[str | None, Query(max_length=200)] = None,
    outcome: Literal[OUTCOMES] | None = None,  # type: ignore[valid-type]
    topic: Annotated[str | None, Query(max_length=64)] = None,
    reason: Annotated[str | None, Query(max_length=16)] = None,
    crisis: bool | None = None,
    reviewed: bool | None = None,
    tag: Annotated[str | None, Query(max_length=service.TAG_MAX)] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    per_page: Annotated[int, Query(ge=1, le=200)] = 50,
) -> dict[str, Any]:
    """Conversations newest first, filtered; `total` counts every match."""
    since, until = _day_bounds(first, to)
    filters = ReviewFilters(
        since, until, channel, district, provider, outcome, topic, reason, crisis, reviewed, tag
    )
    return service.conversations(filters, page, per_page)


@router.get("/choices")
def choices(who: Reviewer) -> dict[str, Any]:
    """The values the filters can take, and the intents a flag can name."""
    return service.choices()


@router.get("/conversations/{conversation_id}", responses=NOT_FOUND)
def transcript(conversation_id: str, who: Reviewer, request: Request) -> dict[str, Any]:
    """The transcript with intents, confidences, actions, referral, notes; audited."""
    return _call(service.transcript, who, conversation_id, client_of(request))


@router.put("/conversations/{conversation_id}/reviewed", responses=NOT_FOUND)
def mark(conversation_id: str, body: ReviewedIn, who: Reviewer, request: Request) -> dict[str, Any]:
    """Mark the conversation reviewed (`{"reviewed": false}` takes the mark off)."""
    return _call(service.mark, who, conversation_id, body.reviewed, client_of(request))


@router.post("/conversations/{conversation_id}/tags", responses=NOT_FOUND)
def add_tag(conversation_id: str, body: TagIn, who: Reviewer, request: Request) -> dict[str, Any]:
    """Add a short tag (kept in lower case); returns every tag of the conversation."""
    tags = _call(service.tag, who, conversation_id, body.tag, client_of(request))
    return {"conversation_id": conversation_id, "tags": tags}


@router.delete("/conversations/{conversation_id}/tags/{tag}")
def remove_tag(conversation_id: str, tag: str, who: Reviewer, request: Request) -> dict[str, Any]:
    """Take a tag off; returns the tags left."""
    tags = _call(service.untag, who, conversation_id, tag, client_of(request))
    return {"conversation_id": conversation_id, "tags": tags}


@router.put(
    "/messages/{message_id}/flag",
    responses=NOT_FOUND | {422: {"description": "not a person's typed message, or bad intent"}},
)
def flag(message_id: MessageId, body: FlagIn, who: Reviewer, request: Request) -> dict[str, Any]:
    """Flag a person's message as misunderstood, with the intent it should have been (one of
    domain.yml's, or a new name)."""
    return _call(service.flag, who, message_id, body.intent, client_of(request))


@router.delete(
    "/messages/{message_id}/flag", status_code=status.HTTP_204_NO_CONTENT, responses=NOT_FOUND
)
def unflag(message_id: MessageId, who: Reviewer, request: Request) -> None:
    """Take the flag off a message."""
    _call(service.unflag, who, message_id, client_of(request))


@router.get(
    "/export",
    responses={200: {"content": {"application/yaml": {}}, "description": "NLU training data"}},
)
def export(
    who: Reviewer,
    request: Request,
    first: Annotated[date | None, Query(alias="from")] = None,
    to: date | None = None,
) -> Response:
    """The flagged messages as Rasa NLU YAML (data/nlu/review_<date>.yml), downloaded;
    `from`/`to` pick flags by the day they were made. Audited as review_export."""
    since, until = _day_bounds(first, to)
    result = service.export(who, since, until, client_of(request))
    return Response(
        result.text,
        media_type="application/yaml; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{result.filename}"',
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )
