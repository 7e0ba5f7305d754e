"""The reports through the staff API: reviewers and admins only (401 without a session, 403
for advisors), JSON with every count, and CSV downloads that neutralise formula-like cells,
suppress small counts (REPORT_SUPPRESS_BELOW) and are audited."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from bot.console.reports_service import STRANDS, safe_cell, suppressed
from bot.settings import get_settings
from bot.store import audit
from bot.store.models import HandoverWait
from bot.store.session import get_sessionmaker
from tests.store.review_data import at, contact, conversation, referral
from tests.support.staff import PASSWORD, make_staff

MARCH = {"from": "2026-03-01", "to": "2026-03-31"}


def signed_in(app: FastAPI, name: str, role: str) -> TestClient:
    make_staff(name, role)
    client = TestClient(app, base_url="https://testserver")
    client.post("/api/staff/login", json={"username": name, "password": PASSWORD})
    return client


@pytest.fixture
def rev(app: FastAPI) -> TestClient:
    return signed_in(app, "rev", "reviewer")


@pytest.fixture
def suppress(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    yield
    get_settings.cache_clear()


def rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


@pytest.fixture
def march(app: FastAPI) -> str:
    """Seven Bolton contacts (6 answered, 1 referral) and two Bury crisis ones in March."""
    cid = conversation()
    for day in range(1, 7):
        contact(
            cid, "answered", "Bolton", "Bolton Advice", ["money"], when=at(f"2026-03-0{day} 10:00")
        )
    contact(
        cid, "referral", "Bolton", "Bolton Advice", ["money"], "telegram", at("2026-03-09 10:00")
    )
    contact(cid, "crisis", "Bury", "Stepping Stones", ["crisis"], when=at("2026-03-10 10:00"))
    contact(cid, "crisis", "Bury", "Stepping Stones", ["crisis"], when=at("2026-03-11 10:00"))
    contact(cid, "answered", "Bolton", "Bolton Advice", [], when=at("2026-04-01 10:00"))  # April
    return cid


def test_reports_need_a_reviewer_or_admin(app: FastAPI) -> None:
    anonymous = TestClient(app, base_url="https://testserver")
    advisor = signed_in(app, "ada", "advisor")
    admin = signed_in(app, "boss", "admin")
    for name in ("contacts", "handovers", "referrals"):
        for fmt in ({}, {"format": "csv"}):
            url = f"/api/staff/reports/{name}"
            assert anonymous.get(url, params=MARCH | fmt).status_code == 401
            assert advisor.get(url, params=MARCH | fmt).status_code == 403
            assert admin.get(url, params=MARCH | fmt).status_code == 200


def test_contacts_as_json_count_everything(rev: TestClient, march: str) -> None:
    body = rev.get("/api/staff/reports/contacts", params=MARCH).json()
    assert body["from"] == "2026-03-01" and body["months"] == ["2026-03"]
    by_outcome = {(r["district"], r["provider"]): r for r in body["by_outcome"]}
    bolton = by_outcome[("Bolton", "Bolton Advice")]
    assert (bolton["answered"], bolton["referral"], bolton["total"]) == (6, 1, 7)
    assert by_outcome[("Bury", "Stepping Stones")]["crisis"] == 2
    channels = {r["district"]: (r["webchat"], r["telegram"]) for r in body["by_channel"]}
    assert channels == {"Bolton": (6, 1), "Bury": (2, 0)}
    assert {(r["district"], r["topic"], r["count"]) for r in body["by_topic"]} == {
        ("Bolton", "money", 7),
        ("Bury", "crisis", 2),
    }
    assert body["outcomes_per_month"]["answered"] == [6]
    assert body["per_district"] == [
        {"district": "Bolton", "total": 7},
        {"district": "Bury", "total": 2},
    ]
    assert [e.action for e in audit.events()] == ["login"]  # the JSON view is not an export


def test_contacts_csv_suppresses_small_counts_and_is_audited(rev: TestClient, march: str) -> None:
    response = rev.get("/api/staff/reports/contacts", params=MARCH | {"format": "csv"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert (
        'filename="contacts_2026-03-01_2026-03-31.csv"' in response.headers["content-disposition"]
    )
    table = rows(response.text)
    assert table[0] == ["month", "district", "provider", "measure", "value", "contacts"]
    found = {tuple(r[1:5]): r[5] for r in table[1:]}
    assert found[("Bolton", "Bolton Advice", "outcome", "answered")] == "6"
    assert found[("Bolton", "Bolton Advice", "outcome", "referral")] == "<5"
    assert found[("Bury", "Stepping Stones", "outcome", "crisis")] == "<5"
    assert found[("Bolton", "Bolton Advice", "channel", "webchat")] == "6"
    assert found[("Bolton", "Bolton Advice", "topic", "money")] == "7"
    exported = [(e.action, e.detail) for e in audit.events() if e.action == "report_export"]
    assert exported == [("report_export", "contacts from=2026-03-01 to=2026-03-31")]


def test_the_suppression_limit_is_a_setting(
    rev: TestClient, march: str, monkeypatch: pytest.MonkeyPatch, suppress: None
) -> None:
    monkeypatch.setenv("REPORT_SUPPRESS_BELOW", "0")
    get_settings.cache_clear()
    table = rows(rev.get("/api/staff/reports/contacts", params=MARCH | {"format": "csv"}).text)
    assert {tuple(r[1:5]): r[5] for r in table[1:]}[
        ("Bury", "Stepping Stones", "outcome", "crisis")
    ] == "2"
    monkeypatch.setenv("REPORT_SUPPRESS_BELOW", "10")
    get_settings.cache_clear()
    table = rows(rev.get("/api/staff/reports/contacts", params=MARCH | {"format": "csv"}).text)
    assert {tuple(r[1:5]): r[5] for r in table[1:]}[
        ("Bolton", "Bolton Advice", "outcome", "answered")
    ] == "<10"
    assert suppressed(0, 5) == "0" and suppressed(4, 5) == "<5" and suppressed(5, 5) == "5"


def test_csv_cells_that_would_be_formulas_are_neutralised(rev: TestClient) -> None:
    cid = conversation()
    for bad in ('=HYPERLINK("http://x")', "+1+1", "-2", "@SUM(A1)", "\tTab", "\rReturn"):
        for _ in range(5):
            contact(cid, "answered", bad, "Bolton Advice", [bad], when=at("2026-03-05 10:00"))
    text = rev.get("/api/staff/reports/contacts", params=MARCH | {"format": "csv"}).text
    table = rows(text)
    districts = {r[1] for r in table[1:]}
    assert districts == {
        '\'=HYPERLINK("http://x")',
        "'+1+1",
        "'-2",
        "'@SUM(A1)",
        "'\tTab",
        "'\rReturn",
    }
    topics = {r[4] for r in table[1:] if r[3] == "topic"}
    assert topics == districts
    assert all(not cell.startswith(("=", "+", "-", "@", "\t", "\r")) for r in table for cell in r)
    assert safe_cell("plain") == "plain" and safe_cell(None) == "" and safe_cell(-1) == "'-1"


def test_handover_waits_median_p90_and_out_of_hours(
    rev: TestClient, monkeypatch: pytest.MonkeyPatch, suppress: None
) -> None:
    monkeypatch.setenv("ADVISOR_HOURS", "mon-fri 09:00-17:00")
    get_settings.cache_clear()
    cid = conversation()
    # Monday 2 March 2026 (GMT): waits of 1..9 minutes from 10:00, one at 20:00, one unclaimed.
    waits = [(at(f"2026-03-02 10:0{m}"), m) for m in range(1, 10)]
    waits.append((at("2026-03-02 20:00"), 30))
    with get_sessionmaker().begin() as session:
        for began, minutes in waits:
            session.add(
                HandoverWait(
                    conversation_id=cid,
                    reason="asked",
                    urgent=False,
                    waiting_since=began,
                    claimed_at=began.replace(minute=began.minute + minutes)
                    if minutes < 30
                    else began.replace(minute=30),
                )
            )
        session.add(
            HandoverWait(
                conversation_id=cid,
                reason="crisis",
                urgent=True,
                waiting_since=at("2026-03-07 12:00"),
            )
        )  # a Saturday: out of hours, never claimed
    body = rev.get("/api/staff/reports/handovers", params=MARCH).json()
    assert body["hours_known"] is True
    total = body["total"]
    assert (total["handovers"], total["claimed"], total["not_claimed"]) == (11, 10, 1)
    assert total["median_wait_s"] == 330  # 5 and 6 minutes
    assert total["p90_wait_s"] == round(9 * 60 + 0.1 * (30 - 9) * 60)
    assert total["out_of_hours"] == 2
    assert body["months"] == [{"month": "2026-03"} | total]
    table = rows(rev.get("/api/staff/reports/handovers", params=MARCH | {"format": "csv"}).text)
    assert table[0][:2] == ["month", "handovers"]
    assert table[1] == ["2026-03", "11", "10", "<5", "5.5", "11.1", "<5"]


def test_referrals_by_strand_and_probation_status(rev: TestClient) -> None:
    cid = conversation()
    for _ in range(5):
        referral(cid, ["mentoring", "housing"], "yes", at("2026-03-05 10:00"))
    referral(cid, ["family"], "prefer_not_to_say", at("2026-03-06 10:00"))
    body = rev.get("/api/staff/reports/referrals", params=MARCH).json()
    needs = {r["need"]: r for r in body["needs"]}
    assert list(needs)[:5] == list(STRANDS)
    assert (needs["mentoring"]["yes"], needs["mentoring"]["total"]) == (5, 5)
    assert needs["housing"]["strand"] is False and needs["housing"]["yes"] == 5
    assert needs["family"]["prefer_not_to_say"] == 1 and needs["behaviour"]["total"] == 0
    assert body["referrals"] == {"yes": 5, "no": 0, "prefer_not_to_say": 1, "total": 6}
    table = rows(rev.get("/api/staff/reports/referrals", params=MARCH | {"format": "csv"}).text)
    assert ["mentoring", "strand", "yes", "5"] in table
    assert ["family", "strand", "prefer_not_to_say", "<5"] in table
    assert ["all referrals", "", "yes", "5"] in table


def test_a_period_that_makes_no_sense_is_422(rev: TestClient) -> None:
    url = "/api/staff/reports/contacts"
    assert rev.get(url, params={"from": "2026-04-01", "to": "2026-03-01"}).status_code == 422
    assert rev.get(url, params={"from": "2020-01-01", "to": "2026-03-01"}).status_code == 422
    assert rev.get(url, params={"from": "March"}).status_code == 422
    assert rev.get(url).json()["months"][-1] == rev.get(url).json()["to"][:7]  # default period


def test_the_strands_are_the_referral_forms_five() -> None:
    from actions.validators import NEEDS

    assert list(STRANDS) == list(NEEDS)[:5]
