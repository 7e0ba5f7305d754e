"""The service content: district providers, the line's hours, local contacts; the file staff edit,
with what admins set in the staff pages laid over it."""

from __future__ import annotations

import logging
import re
import threading
from dataclasses import dataclass, fields, replace
from datetime import time
from functools import lru_cache
from pathlib import Path
from time import monotonic
from typing import Any

import yaml
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from bot.settings import get_settings
from bot.store import settings_store

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class DistrictService:
    """The provider(s) of one district, with the contact details staff have filled in."""

    district: str
    providers: tuple[str, ...]
    lead: str | None
    phone: str
    website: str
    address: str = ""
    opening_hours: str = ""

    @property
    def provider_names(self) -> str:
        """'POPs and Back on Track': how a person reads the list (which one leads is for staff,
        not a word a person needs; the lead is listed first in content/services.yml)."""
        names = list(self.providers)
        return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


@dataclass(frozen=True)
class ServiceContent:
    """Everything in content/services.yml, parsed once."""

    name: str
    lead_provider: str
    opening_hours: str
    phone: str
    website: str
    consent_wording_version: str
    districts: dict[str, DistrictService]
    # The greeting, and the privacy notice shown before the first message (both channels).
    welcome: str = ""
    privacy_notice: str = ""


def load_content(path: Path | None = None) -> ServiceContent:
    """Parse the content file; a missing district or provider is a startup error, not a guess."""
    path = path or get_settings().content_dir / "services.yml"
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    service = raw["service"]
    districts = {
        name: DistrictService(
            district=name,
            providers=tuple(entry["providers"]),
            lead=entry.get("lead"),
            phone=(entry.get("phone") or "").strip(),
            website=(entry.get("website") or "").strip(),
            address=(entry.get("address") or "").strip(),
            opening_hours=(entry.get("opening_hours") or "").strip(),
        )
        for name, entry in raw["districts"].items()
    }
    return ServiceContent(
        name=service["name"],
        lead_provider=service["lead_provider"],
        opening_hours=(service.get("opening_hours") or "").strip(),
        phone=(service.get("phone") or "").strip(),
        website=(service.get("website") or "").strip(),
        consent_wording_version=str(raw["consent_wording_version"]),
        districts=districts,
        welcome=(service.get("welcome") or "").strip(),
        privacy_notice=(service.get("privacy_notice") or "").strip(),
    )


@lru_cache(maxsize=4)
def _file_content(path: Path) -> ServiceContent:
    """The content file, parsed once per process (editing the file needs a restart)."""
    return load_content(path)


def get_content() -> ServiceContent:
    """The content file with what admins set in the staff pages laid over it, fresh to within
    REFRESH_SECONDS in every process."""
    return _current().content


# The line's hours: one setting, for what people are told and for the advisors' availability.

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

Hours = dict[int, list[tuple[time, time]]]

_PART = re.compile(
    r"^\s*(?P<first>[a-z]{3})(?:\s*-\s*(?P<last>[a-z]{3}))?\s+"
    r"(?P<start>\d{1,2}:\d{2})\s*-\s*(?P<end>\d{1,2}:\d{2})\s*$"
)


def _parts(spec: str) -> list[tuple[int, int, time, time]]:
    """(first day, last day, start, end) per part of "mon-fri 09:00-17:00; sat 10:00-13:00"."""
    found = []
    for part in filter(str.strip, spec.lower().split(";")):
        match = _PART.match(part)
        if not match or match["first"] not in DAYS or (match["last"] or "mon") not in DAYS:
            raise ValueError(f"cannot read the hours {part.strip()!r}")
        first = DAYS.index(match["first"])
        last = DAYS.index(match["last"]) if match["last"] else first
        try:
            start = time.fromisoformat(match["start"].zfill(5))
            end = time.fromisoformat(match["end"].zfill(5))
        except ValueError:
            raise ValueError(f"cannot read the times in {part.strip()!r}") from None
        if end <= start:
            raise ValueError(f"the hours end before they start: {part.strip()!r}")
        found.append((first, last, start, end))
    return found


def parse_hours(spec: str) -> Hours:
    """{weekday: [(start, end), ...]} in UK time; raises ValueError on a malformed setting."""
    hours: Hours = {}
    for first, last, start, end in _parts(spec):
        days = range(first, last + 1) if first <= last else [*range(first, 7), *range(last + 1)]
        for day in days:
            hours.setdefault(day, []).append((start, end))
    return hours


def normalise_hours(spec: str) -> str:
    """The schedule as it is stored: 'mon-fri 09:00-17:00; sat 10:00-13:00'."""
    return "; ".join(
        f"{DAYS[first]}{'-' + DAYS[last] if last != first else ''} {start:%H:%M}-{end:%H:%M}"
        for first, last, start, end in _parts(spec)
    )


def _clock(moment: time) -> str:
    if moment == time(0):
        return "midnight"
    if moment == time(12):
        return "midday"
    hour = moment.hour % 12 or 12
    minutes = f":{moment.minute:02d}" if moment.minute else ""
    return f"{hour}{minutes}{'am' if moment.hour < 12 else 'pm'}"


def hours_sentence(spec: str) -> str:
    """What a person is told: 'Monday to Friday, 9am to 5pm and Saturday, 10am to 1pm'."""
    said = [
        f"{DAY_NAMES[first]}{' to ' + DAY_NAMES[last] if last != first else ''}, "
        f"{_clock(start)} to {_clock(end)}"
        for first, last, start, end in _parts(spec)
    ]
    return said[0] if len(said) == 1 else ", ".join(said[:-1]) + " and " + said[-1]


# What admins set in the staff pages, laid over the file; a change reaches every process within
# REFRESH_SECONDS (one read of a one-row stamp), and this process at once after it saves.

REFRESH_SECONDS = 2.0
HOURS_KEY = "service.hours"
SERVICE_FIELDS = ("phone", "website", "welcome", "privacy_notice")
DISTRICT_FIELDS = ("phone", "website", "address", "opening_hours")


def editable_service_fields() -> tuple[str, ...]:
    """The line's text fields admins may set (welcome and privacy text once the file has them)."""
    present = {f.name for f in fields(ServiceContent)}
    return tuple(name for name in SERVICE_FIELDS if name in present)


@dataclass(frozen=True)
class _Snapshot:
    key: tuple[str, str, str]  # database URL, content folder, ADVISOR_HOURS
    stamp: str | None  # None: the stored settings could not be read
    content: ServiceContent
    hours: str  # the schedule, "" when unknown
    checked: float


_snapshot: _Snapshot | None = None
_lock = threading.Lock()


def line_hours() -> str:
    """The line's schedule ("mon-fri 09:00-17:00"), "" when unknown: the availability notice
    reads the same setting the `service_hours` answer is made from."""
    return _current().hours


def forget_cached() -> None:
    """Read the settings again on the next use (this process just saved a change)."""
    global _snapshot
    _snapshot = None


def _current() -> _Snapshot:
    global _snapshot
    settings = get_settings()
    key = (settings.database_url, str(settings.content_dir), settings.advisor_hours)
    snapshot = _snapshot
    if snapshot and snapshot.key == key and monotonic() - snapshot.checked < REFRESH_SECONDS:
        return snapshot
    with _lock:
        snapshot = _snapshot if _snapshot and _snapshot.key == key else None
        if snapshot and monotonic() - snapshot.checked < REFRESH_SECONDS:
            return snapshot
        _snapshot = _refreshed(snapshot, key)
        return _snapshot


def _database_missing(url: str) -> bool:
    """A SQLite file not made yet has no settings (and reading must not create it)."""
    parsed = make_url(url)
    return parsed.get_backend_name() == "sqlite" and not Path(parsed.database or "").is_file()


def _refreshed(previous: _Snapshot | None, key: tuple[str, str, str]) -> _Snapshot:
    now = monotonic()
    base = _file_content(Path(key[1]) / "services.yml")
    try:
        values: dict[str, str] = {}
        if _database_missing(key[0]):
            stamp = ""
        else:
            stamp = settings_store.current_stamp()
            if previous is not None and previous.stamp == stamp:
                return replace(previous, checked=now)
            stamp, values = settings_store.stored_values()
    except SQLAlchemyError as error:
        # Never a failure for a person: the last good content, or the file's.
        logger.warning("content_settings_unreadable error=%s", type(error).__name__)
        if previous is not None:
            return replace(previous, checked=now)
        stamp, values = None, {}
    content, hours = _overlay(base, values, key[2])
    return _Snapshot(key, stamp, content, hours, now)


def _readable(spec: str) -> str | None:
    try:
        return normalise_hours(spec)
    except ValueError:
        return None


def _schedule(values: dict[str, str], advisor_hours: str, file_hours: str) -> str | None:
    """The line's schedule: as set in the staff pages ("" there means "not known"), else
    ADVISOR_HOURS, else the file's opening_hours if it reads as a schedule. None when there is
    none: then the file's opening_hours text, if any, is what people are told, as before."""
    stored = values.get(HOURS_KEY)
    if stored is not None:
        found = _readable(stored) if stored.strip() else ""
        if found is None:
            logger.warning("hours_unreadable source=settings; treated as unknown")
        return found or ""
    if advisor_hours.strip():
        found = _readable(advisor_hours)
        if found is None:
            logger.warning("hours_unreadable source=ADVISOR_HOURS; treated as unknown")
        return found
    return _readable(file_hours) if file_hours.strip() else None


def _overlay(
    base: ServiceContent, values: dict[str, str], advisor_hours: str
) -> tuple[ServiceContent, str]:
    """The file's content with the stored values over it, and the line's schedule."""
    service = {
        name: values[f"service.{name}"].strip()
        for name in editable_service_fields()
        if f"service.{name}" in values
    }
    districts = {}
    for name, district in base.districts.items():
        changes: dict[str, Any] = {
            field_name: values[f"district.{name}.{field_name}"].strip()
            for field_name in DISTRICT_FIELDS
            if f"district.{name}.{field_name}" in values
        }
        districts[name] = replace(district, **changes) if changes else district
    schedule = _schedule(values, advisor_hours, base.opening_hours)
    if schedule is not None:
        service["opening_hours"] = hours_sentence(schedule) if schedule else ""
    return replace(base, districts=districts, **service), schedule or ""
