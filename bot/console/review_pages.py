"""The review and report pages: the conversation list, one transcript, the reports.

Plain HTML, CSS and JavaScript from the console's allow-list, built on /api/staff/review and
/api/staff/reports, with the console's strict Content-Security-Policy; the charting library
is served from static/vendor/ by the gateway itself. Without a session a page sends the
browser to sign in and back; an advisor gets 403.
"""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Depends, HTTPException, Request, status
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response

from bot.console.auth import signed_in
from bot.console.pages import PAGE_HEADERS, STATIC, VENDOR_FILES
from bot.console.review_auth import reviewing
from bot.static_files import static_file

FORBIDDEN = (
    "<!doctype html><html lang='en-GB'><head><meta charset='utf-8'>"
    "<title>Reviewers and admins only</title>"
    "<link rel='stylesheet' href='/console/static/console.css'></head><body>"
    "<main class='narrow'><h1>Reviewers and admins only</h1>"
    "<p>Conversation review and reports are for reviewers and admins. "
    "<a href='/console'>Back to the queue</a>.</p></main></body></html>"
)

review_pages_router = APIRouter(tags=["review pages"], include_in_schema=False)


def _reviewer_page(request: Request, name: str) -> Response:
    """The page for a reviewer or admin; sign in first, and advisors are turned away."""
    try:
        reviewing(request)
    except HTTPException as refused:
        if refused.status_code == status.HTTP_401_UNAUTHORIZED:
            target = "/console/login?next=" + quote(request.url.path, safe="/")
            return RedirectResponse(target, status_code=status.HTTP_303_SEE_OTHER)
        return HTMLResponse(FORBIDDEN, status.HTTP_403_FORBIDDEN, headers=PAGE_HEADERS)
    return FileResponse(STATIC / name, media_type="text/html; charset=utf-8", headers=PAGE_HEADERS)


@review_pages_router.get("/console/review", response_model=None)
def review_page(request: Request) -> Response:
    """Conversations to review, with filters."""
    return _reviewer_page(request, "review.html")


@review_pages_router.get("/console/review/{conversation_id}", response_model=None)
def review_conversation_page(request: Request, conversation_id: str) -> Response:
    """One transcript with the assistant's reading of each message, tags and flags."""
    return _reviewer_page(request, "review-conversation.html")


@review_pages_router.get("/console/reports", response_model=None)
def reports_page(request: Request) -> Response:
    """Contacts per district service, handover waits and referrals, as tables and charts."""
    return _reviewer_page(request, "reports.html")


@review_pages_router.get("/console/static/vendor/{name}", dependencies=[Depends(signed_in)])
def vendor_static(name: str) -> FileResponse:
    """Third-party files the pages use (Chart.js), from the allow-list only; like every
    console file but the sign-in page's, only for a signed-in member of staff."""
    return static_file(STATIC / "vendor", VENDOR_FILES, name)
