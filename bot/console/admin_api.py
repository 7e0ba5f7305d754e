"""Admin routes under /api/staff/admin: the audit trail, the data-protection duties and the
content settings.

Admins only (403 for everyone else, 401 without a session; changes need the CSRF token like
every staff route). The audit trail is read only: there is no route that changes or removes
an audit row. A person's id (a Telegram user id may be one) travels in request bodies, never
in a URL, so it stays out of access logs. Routes are plain functions, which FastAPI runs in a
worker thread, so their database work never blocks the event loop.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, HTTPException, Query, Request, status
from fastapi.responses import Response
from pydantic import BaseModel, Field

from bot.console import admin_content
from bot.console.auth import CurrentStaff, SignedIn, client_of
from bot.store import audit, audit_log, export, privacy
from bot.vocabulary import StaffRole

UK = ZoneInfo("Europe/London")


def admin_only(who: CurrentStaff) -> SignedIn:
    """403 unless the signed-in member of staff is an admin."""
    if who.staff.role != StaffRole.ADMIN:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "for admins only")
    return who


Admin = Annotated[SignedIn, Depends(admin_only)]

router = APIRouter(
    prefix="/api/staff/admin", tags=["staff admin"], dependencies=[Depends(admin_only)]
)


# The audit trail


class AuditEntryOut(BaseModel):
    id: int
    at: str
    action: str
    staff: str | None
    conversation_id: str | None
    detail: str | None
    client: str | None


class AuditPageOut(BaseModel):
    events: list[AuditEntryOut]
    next_before: int | None
    actions: list[str]
    staff: list[str]


def _uk_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), UK)


@router.get("/audit", response_model=AuditPageOut)
def audit_trail(
    who: Admin,
    first: Annotated[date | None, Query(alias="from", description="first day (UK)")] = None,
    last: Annotated[date | None, Query(alias="to", description="last day (UK), included")] = None,
    action: Annotated[str | None, Query(max_length=32)] = None,
    staff: Annotated[str | None, Query(max_length=64, description="name or command line")] = None,
    conversation: Annotated[str | None, Query(max_length=64)] = None,
    before: Annotated[
        int | None, Query(ge=1, le=2**31 - 1, description="next_before of the previous page")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=audit_log.MAX_PAGE)] = 100,
) -> AuditPageOut:
    """The audit trail, newest first, filtered by day, action, staff user and conversation."""
    where = audit_log.AuditFilter(
        since=_uk_midnight(first) if first else None,
        until=_uk_midnight(last + timedelta(days=1)) if last and last < date.max else None,
        action=action or None,
        staff=staff or None,
        conversation_id=conversation or None,
    )
    entries, next_before = audit_log.search(where, before, limit)
    return AuditPageOut(
        events=[
            AuditEntryOut(**{**vars(e), "at": e.at.astimezone(UK).isoformat()}) for e in entries
        ],
        next_before=next_before,
        actions=list(audit.ACTIONS),
        staff=[audit_log.COMMAND_LINE, *audit_log.staff_names()],
    )


# Data protection: look up, export and erase one person


class SubjectIn(BaseModel):
    id: str = Field(min_length=1, max_length=privacy.MAX_ID)


class ExportIn(SubjectIn):
    format: Literal["json", "html"] = "json"


class EraseIn(SubjectIn):
    confirm: str = Field(max_length=privacy.MAX_ID, description="the same id typed again")


def _subject(identifier: str) -> privacy.Subject:
    try:
        return privacy.resolve(identifier)
    except privacy.BadId as error:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, str(error)) from None
    except privacy.NothingHeld:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "nothing is held for that id") from None


def _actor(who: SignedIn, request: Request) -> privacy.Actor:
    return privacy.Actor(who.staff.id, client_of(request))


BAD_ID: dict[int | str, dict[str, Any]] = {
    400: {"description": "not an id of the three kinds"},
    404: {"description": "nothing is held for that id"},
}


@router.post("/privacy/lookup", responses=BAD_ID)
def lookup(body: SubjectIn, who: Admin, request: Request) -> dict[str, Any]:
    """What is held about a person, as counts (no content); audited, as it tells that they
    used the line."""
    subject = _subject(body.id)
    for conversation_id in subject.conversation_ids:
        audit.record("lookup", who.staff.id, conversation_id, client=client_of(request))
    return {
        "kind": subject.kind,
        "conversation_ids": list(subject.conversation_ids),
        "counts": privacy.summary(subject),
    }


@router.post(
    "/privacy/export",
    responses={**BAD_ID, 200: {"content": {"application/json": {}, "text/html": {}}}},
)
def export_subject(body: ExportIn, who: Admin, request: Request) -> Response:
    """Everything held about the person, as a JSON or HTML file to save; audited."""
    subject = _subject(body.id)
    data = export.collect(subject)
    for conversation_id in subject.conversation_ids:
        audit.record(
            "export",
            who.staff.id,
            conversation_id,
            detail=f"by={subject.kind} files={body.format}",
            client=client_of(request),
        )
    stem = f"subject-access-{data['generated_at'][:10]}"
    if body.format == "html":
        text, media = export.to_html(data), "text/html; charset=utf-8"
    else:
        text, media = export.to_json(data), "application/json"
    return Response(
        text,
        media_type=media,
        headers={
            "Content-Disposition": f'attachment; filename="{stem}.{body.format}"',
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )


@router.post(
    "/privacy/erase",
    responses={400: {"description": "a bad id, or not the same id typed again"}, 404: BAD_ID[404]},
)
def erase_subject(body: EraseIn, who: Admin, request: Request) -> dict[str, Any]:
    """Erase the person once the same id is typed again as confirmation; audited."""
    if body.confirm.strip() != body.id.strip():
        raise HTTPException(
            status.HTTP_400_BAD_REQUEST, "type the same id again to confirm the erasure"
        )
    subject = _subject(body.id)
    done = privacy.erase(subject, _actor(who, request))
    return {"conversation_ids": list(done), "counts": privacy.totals(done)}


# Content settings


class ContentIn(BaseModel):
    values: dict[str, str | None] = Field(
        description="setting key -> new value ('' = not said; null = use the file's value)"
    )


@router.get("/content")
def content_settings(who: Admin) -> dict[str, Any]:
    """Every setting admins may change, grouped, with stored, file and in-use values."""
    return {"groups": admin_content.page()}


@router.post(
    "/content", responses={400: {"description": '{"errors": {key: reason}}: nothing saved'}}
)
def save_content(body: ContentIn, who: Admin, request: Request) -> dict[str, Any]:
    """Check and store the values together (all or none), in force at once; each audited."""
    try:
        saved = admin_content.save(body.values, who.staff.id, client_of(request))
    except admin_content.InvalidChanges as refused:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, {"errors": refused.problems}) from None
    return {"saved": list(saved), "groups": admin_content.page()}
