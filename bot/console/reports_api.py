"""Report routes under /api/staff/reports: JSON for the report page, CSV to download.

Reviewers and admins only. A CSV download is meant to leave the organisation, so its small
counts are suppressed (REPORT_SUPPRESS_BELOW) and it is audited; the JSON the page reads is
for staff and shows every count.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request, status
from fastapi.responses import Response

from bot.console import reports_service as service
from bot.console.auth import client_of
from bot.console.review_auth import Reviewer, reviewing
from bot.store import audit

router = APIRouter(
    prefix="/api/staff/reports", tags=["staff reports"], dependencies=[Depends(reviewing)]
)

From = Annotated[date | None, Query(alias="from", description="first day, YYYY-MM-DD (UK)")]
To = Annotated[date | None, Query(description="last day, YYYY-MM-DD (UK), included")]
Format = Annotated[Literal["json", "csv"] | None, Query(description="csv to download")]

CSV_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/csv": {}}, "description": "the report, as JSON or CSV"},
    401: {"description": "not signed in"},
    403: {"description": "advisors have no reports"},
    422: {"description": "dates that make no period"},
}


def _period(first: date | None, last: date | None) -> service.Period:
    try:
        return service.period(first, last)
    except service.BadPeriod as bad:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(bad)) from None


def _answer(
    name: str,
    report: dict[str, Any],
    fmt: str | None,
    as_csv: Callable[[dict[str, Any]], str],
    who: Any,
    request: Request,
) -> Any:
    """The JSON report, or its CSV as a download (audited: it may leave the organisation)."""
    if fmt != "csv":
        return report
    audit.record(
        "report_export",
        who.staff.id,
        detail=f"{name} from={report['from']} to={report['to']}",
        client=client_of(request),
    )
    filename = f"{name}_{report['from']}_{report['to']}.csv"
    return Response(
        as_csv(report),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )


@router.get("/contacts", responses=CSV_RESPONSES)
def contacts(
    who: Reviewer, request: Request, first: From = None, to: To = None, format: Format = None
) -> Any:
    """Contacts per month and district service, by outcome, channel and topic."""
    report = service.contacts_report(_period(first, to))
    return _answer("contacts", report, format, service.contacts_csv, who, request)


@router.get("/handovers", responses=CSV_RESPONSES)
def handovers(
    who: Reviewer, request: Request, first: From = None, to: To = None, format: Format = None
) -> Any:
    """Waits for an advisor per month: median and 90th percentile wait, out of hours."""
    report = service.handovers_report(_period(first, to))
    return _answer("handovers", report, format, service.handovers_csv, who, request)


@router.get("/referrals", responses=CSV_RESPONSES)
def referrals(
    who: Reviewer, request: Request, first: From = None, to: To = None, format: Format = None
) -> Any:
    """Referrals per service strand (and welfare need) and probation status."""
    report = service.referrals_report(_period(first, to))
    return _answer("referrals", report, format, service.referrals_csv, who, request)
