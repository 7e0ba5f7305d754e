"""The admin pages: the audit trail, data protection (look up, export, erase) and content
settings. Plain HTML, admin.js and admin.css (served with the console's own files, pages.py),
under the console's strict CSP, built on the admin API.

Without a session a page sends the browser to sign in and back; a member of staff who is not
an admin gets a 403 page.
"""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, HTTPException, Request, status
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response

from bot.console.auth import signed_in
from bot.console.pages import PAGE_HEADERS, STATIC
from bot.vocabulary import StaffRole

PAGES = {
    "": "admin.html",
    "/audit": "admin-audit.html",
    "/privacy": "admin-privacy.html",
    "/content": "admin-content.html",
}
FORBIDDEN = (
    "<!doctype html><html lang='en-GB'><head><meta charset='utf-8'>"
    "<title>Admins only</title><link rel='stylesheet' href='/console/static/console.css'>"
    "</head><body><main class='narrow'><h1>Admins only</h1>"
    "<p>These pages are for admins. <a href='/console'>Back to the queue</a>.</p>"
    "</main></body></html>"
)

admin_pages_router = APIRouter(tags=["admin pages"], include_in_schema=False)


def _admin_page(request: Request, name: str) -> Response:
    try:
        who = signed_in(request)
    except HTTPException:
        target = "/console/login?next=" + quote(request.url.path, safe="/")
        return RedirectResponse(target, status_code=status.HTTP_303_SEE_OTHER)
    if who.staff.role != StaffRole.ADMIN:
        return HTMLResponse(FORBIDDEN, status.HTTP_403_FORBIDDEN, headers=PAGE_HEADERS)
    return FileResponse(STATIC / name, media_type="text/html; charset=utf-8", headers=PAGE_HEADERS)


def _route(suffix: str, name: str) -> None:
    def page(request: Request) -> Response:
        return _admin_page(request, name)

    page.__name__ = f"admin_page_{name.removesuffix('.html').replace('-', '_')}"
    admin_pages_router.add_api_route(
        f"/console/admin{suffix}", page, methods=["GET"], response_model=None
    )


for _suffix, _name in PAGES.items():
    _route(_suffix, _name)
