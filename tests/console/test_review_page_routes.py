"""The review and report pages: sign in first, advisors turned away, the console's strict
Content-Security-Policy, and Chart.js served by the gateway itself from the allow-list,
byte for byte the published file its README names."""

from __future__ import annotations

import hashlib
import re

from fastapi import FastAPI
from fastapi.testclient import TestClient

from bot.console.pages import STATIC
from tests.support.staff import PASSWORD, make_staff

PAGES = ("/console/review", "/console/review/abc123", "/console/reports")
VENDOR = STATIC / "vendor"


def signed_in(app: FastAPI, name: str, role: str) -> TestClient:
    make_staff(name, role)
    client = TestClient(app, base_url="https://testserver")
    client.post("/api/staff/login", json={"username": name, "password": PASSWORD})
    return client


def test_pages_need_a_reviewer_or_admin(app: FastAPI) -> None:
    anonymous = TestClient(app, base_url="https://testserver")
    advisor = signed_in(app, "ada", "advisor")
    reviewer = signed_in(app, "rev", "reviewer")
    admin = signed_in(app, "boss", "admin")
    for path in PAGES:
        away = anonymous.get(path, follow_redirects=False)
        assert away.status_code == 303
        assert away.headers["location"] == f"/console/login?next={path}"
        refused = advisor.get(path)
        assert refused.status_code == 403 and "Reviewers and admins only" in refused.text
        for client in (reviewer, admin):
            page = client.get(path)
            assert page.status_code == 200 and page.text.startswith("<!doctype html>")
            policy = page.headers["content-security-policy"]
            assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
            assert "http" not in re.sub(r"https?://testserver", "", page.text)  # no other host


def test_chart_js_is_served_from_the_allow_list_as_published(app: FastAPI) -> None:
    reviewer = signed_in(app, "rev", "reviewer")
    served = reviewer.get("/console/static/vendor/chart.umd.min.js")
    assert served.status_code == 200
    assert served.headers["content-type"].startswith("text/javascript")
    readme = (VENDOR / "README.md").read_text(encoding="utf-8")
    assert hashlib.sha256(served.content).hexdigest() in readme
    version = re.search(rb"Chart\.js v(\d+\.\d+\.\d+)", served.content)
    assert version is not None and f"| {version[1].decode()} |" in readme
    assert (VENDOR / "chart.js-LICENSE.md").read_text().startswith("The MIT License")
    for name in ("README.md", "chart.js-LICENSE.md", "..%2Fconsole.js", "chart.umd.js"):
        assert reviewer.get(f"/console/static/vendor/{name}").status_code == 404
    anonymous = TestClient(app, base_url="https://testserver")
    assert anonymous.get("/console/static/vendor/chart.umd.min.js").status_code == 401
    for name in ("review.js", "reports.js", "review.css"):
        assert anonymous.get(f"/console/static/{name}").status_code == 200
