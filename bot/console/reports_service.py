"""The staff reports: contacts per district service, handover waits and referrals.

Counts come from bot/store/reports.py; this module picks the period (UK calendar days and
months), lays the counts out as tables, works out wait statistics and out-of-hours waits
(the line's hours, bot.content.line_hours, as bot/gateway/availability.py reads them), and
writes the CSV downloads: cells a spreadsheet would run as a formula are neutralised, and small
counts are suppressed.
"""

from __future__ import annotations

import csv
import io
import statistics
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.content import line_hours
from bot.gateway.availability import is_open, parse_hours
from bot.settings import get_settings
from bot.store import reports
from bot.store.reports import Month
from bot.vocabulary import Channel, Outcome, ProbationStatus, values

UK = ZoneInfo("Europe/London")
MAX_MONTHS = 36
NOT_KNOWN = "not known"
# The five service strands of the referral form's needs (actions/validators.py NEEDS); the
# other needs are welfare needs.
STRANDS = {
    "mentoring": "Mentoring",
    "emotions": "Emotional regulation and decision making",
    "wellbeing": "Wellbeing support and healthy choices",
    "behaviour": "Behaviour change",
    "family": "Family support and mediation",
}
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class BadPeriod(ValueError):
    """The dates asked for make no reporting period."""


@dataclass(frozen=True)
class Period:
    """From the first day to the last day (both included), UK dates."""

    first: date
    last: date

    @property
    def since(self) -> datetime:
        return uk_midnight(self.first)

    @property
    def until(self) -> datetime:
        return uk_midnight(self.last + timedelta(days=1))

    def months(self) -> list[Month]:
        """The calendar months the period touches, each cut to the period."""
        found: list[Month] = []
        start = self.first.replace(day=1)
        while start <= self.last:
            following = (start + timedelta(days=32)).replace(day=1)
            found.append(
                Month(
                    f"{start:%Y-%m}",
                    max(uk_midnight(start), self.since),
                    min(uk_midnight(following), self.until),
                )
            )
            start = following
        return found

    def describe(self) -> dict[str, str]:
        return {"from": self.first.isoformat(), "to": self.last.isoformat()}


def uk_midnight(day: date) -> datetime:
    """The start of a UK day, in UTC (as the database compares times)."""
    return datetime.combine(day, time(), UK).astimezone(UTC)


def period(first: date | None, last: date | None, today: date | None = None) -> Period:
    """The period asked for; by default the last twelve months up to today."""
    today = today or datetime.now(UK).date()
    last = last or today
    if first is None:
        month = last.month - 11
        first = date(last.year + (month - 1) // 12, (month - 1) % 12 + 1, 1)
    if first > last:
        raise BadPeriod("`from` is after `to`")
    if (last.year - first.year) * 12 + last.month - first.month >= MAX_MONTHS:
        raise BadPeriod(f"a report covers at most {MAX_MONTHS} months")
    return Period(first, last)


def _pivot(rows: Iterable[reports.ContactCount], columns: Sequence[str]) -> list[dict[str, Any]]:
    """One row per month and district service, a column per value, and the total."""
    table: dict[tuple[str, str | None, str | None], dict[str, Any]] = {}
    for r in rows:
        key = (r.month, r.district, r.provider)
        row = table.setdefault(
            key,
            {"month": r.month, "district": r.district, "provider": r.provider}
            | dict.fromkeys(columns, 0)
            | {"total": 0},
        )
        row[r.value] = row.get(r.value, 0) + r.count
        row["total"] += r.count
    return list(table.values())


def contacts_report(p: Period) -> dict[str, Any]:
    """Contacts per month and district service by outcome, by channel and by topic."""
    months = p.months()
    outcomes, channels = values(Outcome), values(Channel)
    by_outcome = _pivot(reports.contacts_by(months, "outcome"), outcomes)
    by_channel = _pivot(reports.contacts_by(months, "channel"), channels)
    by_topic = [
        {"month": r.month, "district": r.district, "provider": r.provider, "topic": r.value}
        | {"count": r.count}
        for r in reports.contacts_by(months, "topic")
    ]
    per_month = {o: [0] * len(months) for o in outcomes}
    position = {m.label: i for i, m in enumerate(months)}
    per_district: dict[str, int] = defaultdict(int)
    for row in by_outcome:
        for o in outcomes:
            per_month[o][position[row["month"]]] += row[o]
        per_district[row["district"] or NOT_KNOWN] += row["total"]
    return p.describe() | {
        "months": [m.label for m in months],
        "outcomes": outcomes,
        "channels": channels,
        "by_outcome": by_outcome,
        "by_channel": by_channel,
        "by_topic": by_topic,
        "outcomes_per_month": per_month,
        "per_district": [{"district": d, "total": n} for d, n in sorted(per_district.items())],
        "suppress_below": get_settings().report_suppress_below,
    }


def _wait_figures(waits: Sequence[reports.Wait], hours: Any) -> dict[str, Any]:
    claimed = [(w.claimed_at - w.waiting_since).total_seconds() for w in waits if w.claimed_at]
    claimed = [max(0.0, s) for s in claimed]
    p90 = None
    if len(claimed) == 1:
        p90 = claimed[0]
    elif claimed:
        p90 = statistics.quantiles(claimed, n=10, method="inclusive")[8]
    return {
        "handovers": len(waits),
        "claimed": len(claimed),
        "not_claimed": len(waits) - len(claimed),
        "median_wait_s": round(statistics.median(claimed)) if claimed else None,
        "p90_wait_s": round(p90) if p90 is not None else None,
        "out_of_hours": None
        if hours is None
        else sum(1 for w in waits if not is_open(hours, w.waiting_since)),
    }


def advisor_hours() -> Any:
    """The line's hours (the one setting admins edit, else ADVISOR_HOURS), or None when they
    are unset or cannot be read."""
    spec = line_hours().strip()
    try:
        return parse_hours(spec) if spec else None
    except ValueError:
        return None


def handovers_report(p: Period) -> dict[str, Any]:
    """Waits for an advisor per month (by when they began): how many, how many claimed, the
    median and 90th percentile wait before a claim, and how many began out of hours."""
    hours = advisor_hours()
    waits = reports.waits(p.since, p.until)
    per_month: dict[str, list[reports.Wait]] = {m.label: [] for m in p.months()}
    for w in waits:
        per_month.setdefault(f"{w.waiting_since.astimezone(UK):%Y-%m}", []).append(w)
    return p.describe() | {
        "hours_known": hours is not None,
        "hours": line_hours().strip() if hours is not None else "",
        "months": [{"month": m} | _wait_figures(ws, hours) for m, ws in per_month.items()],
        "total": _wait_figures(waits, hours),
    }


def referrals_report(p: Period) -> dict[str, Any]:
    """Referrals per need (the five service strands first) and probation status."""
    statuses = values(ProbationStatus)
    by_need = reports.referrals_by_need(p.since, p.until)
    needs = list(STRANDS) + sorted({n for n, _ in by_need} - set(STRANDS))
    rows = []
    for need in needs:
        counts = {s: by_need.get((need, s), 0) for s in statuses}
        rows.append(
            {"need": need, "label": STRANDS.get(need, need), "strand": need in STRANDS}
            | counts
            | {"total": sum(counts.values())}
        )
    totals = reports.referrals_by_probation(p.since, p.until)
    everyone = {s: totals.get(s, 0) for s in statuses}
    return p.describe() | {
        "probation_statuses": statuses,
        "needs": rows,
        "referrals": everyone | {"total": sum(everyone.values())},
    }


# CSV downloads


def safe_cell(value: object) -> str:
    """A cell a spreadsheet shows as text: one that would start a formula gets a quote."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def suppressed(count: int, below: int | None = None) -> str:
    """A count as a download shows it: from 1 to below-1 as "<below" (0 stays 0)."""
    below = get_settings().report_suppress_below if below is None else below
    return f"<{below}" if 0 < count < below else str(count)


def _minutes(seconds: int | None, claimed: int, below: int) -> str:
    """A wait in minutes, left out when it rests on fewer claims than the suppression limit."""
    if seconds is None or 0 < claimed < below:
        return ""
    return f"{seconds / 60:.1f}"


def to_csv(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """CSV text with every cell neutralised."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([safe_cell(h) for h in header])
    writer.writerows([safe_cell(c) for c in row] for row in rows)
    return out.getvalue()


def contacts_csv(report: dict[str, Any]) -> str:
    """One row per month, district service, measure (outcome, channel, topic) and value."""
    rows: list[list[object]] = []
    for measure, table, names in (
        ("outcome", report["by_outcome"], report["outcomes"]),
        ("channel", report["by_channel"], report["channels"]),
    ):
        for r in table:
            for name in names:
                if r[name]:
                    rows.append(
                        [
                            r["month"],
                            r["district"] or NOT_KNOWN,
                            r["provider"] or NOT_KNOWN,
                            measure,
                            name,
                            suppressed(r[name]),
                        ]
                    )
    for r in report["by_topic"]:
        rows.append(
            [
                r["month"],
                r["district"] or NOT_KNOWN,
                r["provider"] or NOT_KNOWN,
                "topic",
                r["topic"],
                suppressed(r["count"]),
            ]
        )
    return to_csv(("month", "district", "provider", "measure", "value", "contacts"), rows)


def handovers_csv(report: dict[str, Any]) -> str:
    """One row per month and one for the whole period."""
    below = get_settings().report_suppress_below
    rows = []
    for r in [*report["months"], {"month": "all"} | report["total"]]:
        ooh = r["out_of_hours"]
        rows.append(
            [
                r["month"],
                suppressed(r["handovers"]),
                suppressed(r["claimed"]),
                suppressed(r["not_claimed"]),
                _minutes(r["median_wait_s"], r["claimed"], below),
                _minutes(r["p90_wait_s"], r["claimed"], below),
                NOT_KNOWN if ooh is None else suppressed(ooh),
            ]
        )
    header = ("month", "handovers", "claimed", "not_claimed", "median_wait_minutes")
    return to_csv((*header, "p90_wait_minutes", "out_of_hours"), rows)


def referrals_csv(report: dict[str, Any]) -> str:
    """One row per need and probation status, then all referrals per probation status."""
    rows: list[list[object]] = []
    for r in report["needs"]:
        for status in report["probation_statuses"]:
            kind = "strand" if r["strand"] else "welfare need"
            rows.append([r["need"], kind, status, suppressed(r[status])])
    for status in report["probation_statuses"]:
        rows.append(["all referrals", "", status, suppressed(report["referrals"][status])])
    return to_csv(("need", "kind", "probation_status", "referrals"), rows)
