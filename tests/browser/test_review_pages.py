"""Review and reports in a real browser: a reviewer signs in, filters the list by district,
opens a transcript with the assistant's reading of each message, tags it, flags a message,
then reads the report page (charts drawn by the gateway's own Chart.js under the strict
CSP) and downloads the contacts CSV. axe-core finds no serious or critical violation on any
of the three pages."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import create_engine, insert
from sqlalchemy.pool import NullPool

from bot.settings import get_settings
from bot.store import audit, review
from bot.store.models import HandoverWait, utcnow
from bot.store.session import get_sessionmaker
from bot.store.tracker_turns import EVENTS, tracker_url
from tests.store.review_data import contact, conversation, message, referral
from tests.support.axe import assert_accessible
from tests.support.live_server import LiveServer
from tests.support.staff import PASSWORD, make_staff

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]


@pytest.fixture(autouse=True)
def plain_http_cookies(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The test server is http on loopback: the session cookie cannot be Secure there."""
    monkeypatch.setenv("COOKIE_SECURE", "0")
    monkeypatch.setenv("SECRET_KEY", "browser-test-secret")
    monkeypatch.setenv("ADVISOR_HOURS", "mon-fri 09:00-17:00")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def seed() -> dict[str, Any]:
    """Two conversations to review and a few weeks of contacts, referrals and waits."""
    now = utcnow()
    bury = conversation("telegram", now - timedelta(hours=2), reason="fallback")
    contact(bury, "handover", "Bury", "Stepping Stones", ["fallback"], "telegram")
    said = message(bury, "person", "wen do i get paid", now - timedelta(hours=2))
    message(bury, "assistant", "Sorry, I didn't catch that.", now - timedelta(hours=2))
    bolton = conversation("webchat", now - timedelta(hours=1))
    contact(bolton, "answered", "Bolton", "Bolton Advice", ["money"])
    message(bolton, "person", "how do i claim universal credit", now - timedelta(hours=1))
    # Six months of contacts, referrals and waits, so every chart has something to draw.
    districts = [
        ("Bolton", "Bolton Advice"),
        ("Wigan", "The Big Life Company"),
        ("Salford", "Salford Foundation"),
    ]
    outcomes = ["answered", "signposted", "answered", "referral", "handover", "crisis", "answered"]
    topics = [["money"], ["housing"], ["money", "debt"], ["food"], []]
    for n in range(150):
        district, provider = districts[n % 3]
        when = now - timedelta(days=n * 180 // 150, hours=n % 5)
        contact(None, outcomes[n % 7], district, provider, topics[n % 5], when=when)
        if n % 6 == 0:
            referral(bolton, [["mentoring"], ["family", "housing"]][n % 2], "yes", when)
    with get_sessionmaker().begin() as session:
        for n in range(40):
            began = now - timedelta(days=n * 4, hours=n % 9)
            session.add(
                HandoverWait(
                    conversation_id=bury,
                    reason="asked",
                    urgent=False,
                    waiting_since=began,
                    claimed_at=began + timedelta(minutes=2 + (n * 7) % 25),
                )
            )
    engine = create_engine(tracker_url(get_settings().database_url), poolclass=NullPool)
    EVENTS.metadata.create_all(engine)
    with engine.begin() as connection:
        parse = {"intent": {"name": "nlu_fallback", "confidence": 0.31}}
        for row in (
            {"event": "user", "text": "wen do i get paid", "parse_data": parse},
            {"event": "action", "name": "action_default_fallback"},
        ):
            connection.execute(
                insert(EVENTS).values(
                    sender_id=bury,
                    type_name=row["event"],
                    timestamp=(now - timedelta(hours=2)).timestamp() + 0.5,
                    action_name=row.get("name"),
                    data=json.dumps(row),
                )
            )
    engine.dispose()
    return {"bury": bury, "bolton": bolton, "said": said}


def csp_errors(page: Page) -> list[str]:
    """Console errors the Content-Security-Policy raises, collected as the page runs."""
    found: list[str] = []
    page.on(
        "console",
        lambda m: found.append(m.text) if "Content Security Policy" in m.text else None,
    )
    return found


def test_a_reviewer_filters_reads_tags_flags_and_downloads(
    live_gateway: LiveServer, chromium: Any, tmp_path: Path
) -> None:
    made = seed()
    reviewer = make_staff("rev", role="reviewer")
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    context.set_default_timeout(8000)
    page = context.new_page()
    blocked = csp_errors(page)
    url = live_gateway.url

    page.goto(f"{url}/console/review")
    expect(page).to_have_url(f"{url}/console/login?next=/console/review")
    page.get_by_label("Username").fill("rev")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{url}/console/review")
    rows = page.locator("#review-rows tr")
    expect(rows).to_have_count(2)

    page.get_by_label("District").select_option("Bury")
    page.get_by_role("button", name="Apply filters").click()
    expect(rows).to_have_count(1)
    assert rows.first.get_attribute("data-conversation") == made["bury"]
    expect(page.get_by_role("status").first).to_contain_text("1 conversation matches")
    assert "district=Bury" in page.url
    page.screenshot(path=str(tmp_path / "review.png"), full_page=True)
    assert_accessible(page)

    rows.first.get_by_role("link", name="Open").click()
    expect(page).to_have_url(re.compile(rf"/console/review/{made['bury']}\?back="))
    said = page.locator(f"li[data-message='{made['said']}']")
    expect(said).to_contain_text("wen do i get paid")
    expect(said).to_contain_text("Understood as nlu_fallback (31% sure)")
    expect(said).to_contain_text("action_default_fallback")
    assert_accessible(page)

    page.get_by_label("Add a tag").fill("Payment dates")
    page.get_by_role("button", name="Add tag").click()
    expect(page.locator("#tags")).to_contain_text("payment dates")
    said.get_by_role("button", name="Flag as misunderstood").click()
    said.get_by_label("Should have been (an intent)").fill("uc_payment_date")
    said.get_by_role("button", name="Save flag").click()
    expect(said).to_contain_text("Flagged: should have been uc_payment_date")
    expect(said.get_by_label("Should have been (an intent)")).to_be_hidden()
    page.get_by_role("button", name="Mark reviewed").click()
    expect(page.locator("#reviewed-state")).to_contain_text("Reviewed by rev")
    page.screenshot(path=str(tmp_path / "review-conversation.png"), full_page=True)
    assert_accessible(page)
    marks = review.state(made["bury"])
    assert marks.tags == ["payment dates"] and marks.flags == {made["said"]: "uc_payment_date"}
    actions = [e.action for e in audit.events(made["bury"])]
    assert actions.count("review_view") >= 1 and "review_flag" in actions

    page.get_by_role("link", name="Reports").click()
    expect(page).to_have_url(f"{url}/console/reports")
    expect(page.locator("#table-outcomes tbody tr").first).to_be_visible()
    expect(page.locator("#table-handovers")).to_contain_text("Whole period")
    for chart in ("chart-outcomes", "chart-districts", "chart-waits"):
        assert page.evaluate(f"() => !!window.Chart && !!window.Chart.getChart('{chart}')")
    page.screenshot(path=str(tmp_path / "reports.png"), full_page=True)
    page.screenshot(path=str(tmp_path / "reports-top.png"))  # docs/images/reports.png
    assert_accessible(page)

    with page.expect_download() as download:
        page.get_by_role("link", name="Contacts (CSV)").click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.name.startswith("contacts_") and saved.suffix == ".csv"
    table = list(csv.reader(io.StringIO(saved.read_text(encoding="utf-8"))))
    assert table[0] == ["month", "district", "provider", "measure", "value", "contacts"]
    assert any(row[5] == "<5" for row in table[1:])
    exports = [e for e in audit.events(staff_user_id=reviewer.id) if e.action == "report_export"]
    assert len(exports) == 1
    assert blocked == []
    context.close()


def test_an_advisor_is_turned_away(live_gateway: LiveServer, chromium: Any) -> None:
    make_staff("ada", role="advisor")
    page = chromium.new_page()
    page.set_default_timeout(8000)
    page.goto(f"{live_gateway.url}/console/login?next=/console/reports")
    page.get_by_label("Username").fill("ada")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Reviewers and admins only")).to_be_visible()
    page.close()
