"""The advisor console's pages: sign-in, the live queue, one conversation.

Plain HTML, CSS and JavaScript from an allow-list (as the web chat page), built on the staff
API. Every page but sign-in needs a live staff session; without one it sends the browser to
sign in and back.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from fastapi import APIRouter, HTTPException, Request, status
from fastapi.responses import FileResponse, RedirectResponse, Response

from bot.console.auth import signed_in
from bot.static_files import static_file

STATIC = Path(__file__).parent / "static"
# review.* and reports.js belong to the review and report pages (review_pages.py).
STATIC_FILES = frozenset(
    {"staff.js", "console.css", "console.js", "review.css", "review.js", "reports.js"}
)
# admin.* belong to the admin pages (admin_pages.py).
STATIC_FILES |= {"admin.css", "admin.js"}
# Third-party files served by the gateway itself (static/vendor/README.md: versions, licences).
VENDOR_FILES = frozenset({"chart.umd.min.js"})
PAGE_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; base-uri 'none'; form-action 'self'; object-src 'none'; "
        "frame-ancestors 'none'"
    ),
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}

pages_router = APIRouter(tags=["advisor console pages"], include_in_schema=False)


def _page(name: str) -> FileResponse:
    return FileResponse(STATIC / name, media_type="text/html; charset=utf-8", headers=PAGE_HEADERS)


def _signed_in_or_redirect(request: Request, name: str) -> Response:
    """The page for a signed-in member of staff, else a redirect to sign in and come back."""
    try:
        signed_in(request)
    except HTTPException:
        target = "/console/login?next=" + quote(request.url.path, safe="/")
        return RedirectResponse(target, status_code=status.HTTP_303_SEE_OTHER)
    return _page(name)


@pages_router.get("/console/login")
def login_page() -> FileResponse:
    """Sign in (the only console page open without a session)."""
    return _page("login.html")


@pages_router.get("/console", response_model=None)
def queue_page(request: Request) -> Response:
    """The queue of conversations waiting for a person, live."""
    return _signed_in_or_redirect(request, "queue.html")


@pages_router.get("/console/conversations/{conversation_id}", response_model=None)
def conversation_page(request: Request, conversation_id: str) -> Response:
    """One conversation: transcript, referral, notes, reply box and actions."""
    return _signed_in_or_redirect(request, "conversation.html")


@pages_router.get("/console/static/{name}")
def console_static(name: str) -> FileResponse:
    """The console's CSS and JavaScript (no data in them)."""
    return static_file(STATIC, STATIC_FILES, name)
