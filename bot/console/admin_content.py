"""Content settings in the staff pages: which details admins may set, how each is checked,
and saving them (audited, and in force at once).

Only details the assistant must never invent: each district's phone, web page, address and
opening hours; the line's hours (one setting for the `service_hours` answer and the advisors'
availability), phone and web page; the welcome and privacy text once the content file has
them. A value left empty is simply not said; "use the file's value" removes the stored one.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from bot import content
from bot.answers import parse_phone
from bot.store import audit, settings_store

_PHONE_CHARACTERS = re.compile(r"^\+?[\d\s().-]+$")
MAX_URL = 200


class Invalid(ValueError):
    """A value refused, with the reason an admin reads next to the field."""


def _text(value: str, limit: int, lines: bool = False) -> str:
    """Trimmed, at most `limit` characters, no control characters (new lines only if `lines`)."""
    value = value.strip().replace("\r\n", "\n")
    if len(value) > limit:
        raise Invalid(f"at most {limit} characters")
    allowed = "\n" if lines else ""
    if any(unicodedata.category(c) == "Cc" and c not in allowed for c in value):
        raise Invalid("no control characters" + (", only new lines" if lines else ""))
    return value


def check_phone(value: str) -> str:
    """A UK phone number (bot/answers.py parse_phone), kept as the admin spaced it."""
    value = " ".join(_text(value, 30).split())
    if value and (not _PHONE_CHARACTERS.match(value) or parse_phone(value) is None):
        raise Invalid("a UK phone number, like 0161 123 4567 or 07700 900123")
    return value


def check_url(value: str) -> str:
    """A web page on https, with a host and no user name or spaces."""
    value = _text(value, MAX_URL)
    if not value:
        return value
    parts = urlsplit(value)
    if parts.scheme != "https" or not parts.hostname or "@" in parts.netloc or " " in value:
        raise Invalid("a full https:// address, like https://example.org/help")
    return value


def check_hours(value: str) -> str:
    """The line's schedule, stored normalised: "mon-fri 09:00-17:00; sat 10:00-13:00"."""
    value = _text(value, 200)
    try:
        return content.normalise_hours(value) if value else value
    except ValueError:
        raise Invalid(
            'days and times in UK time, like "mon-fri 09:00-17:00; sat 10:00-13:00"'
        ) from None


def _limited(limit: int, lines: bool = False) -> Callable[[str], str]:
    return lambda value: _text(value, limit, lines)


@dataclass(frozen=True)
class Field:
    """One setting on the page: its key, label, how it is checked, and a hint."""

    key: str
    label: str
    check: Callable[[str], str]
    hint: str = ""
    multiline: bool = False


LINE_FIELDS = {
    "hours": ("Opening hours", check_hours, "UK time, e.g. mon-fri 09:00-17:00; sat 10:00-13:00"),
    "phone": ("Phone", check_phone, "UK number"),
    "website": ("Web page", check_url, "https:// only"),
    "welcome": ("Welcome text", _limited(1000, lines=True), "up to 1000 characters"),
    "privacy_notice": ("Privacy text", _limited(2000, lines=True), "up to 2000 characters"),
}
DISTRICT_FIELDS = {
    "phone": ("Phone", check_phone, "UK number"),
    "website": ("Web page", check_url, "https:// only"),
    "address": ("Address", _limited(200, lines=True), "up to 200 characters"),
    "opening_hours": (
        "Opening hours",
        _limited(120),
        "as people read it: Monday to Friday, 9am to 5pm",
    ),
}


def fields() -> dict[str, Field]:
    """Every setting admins may change, by key, the line's first."""
    found: dict[str, Field] = {}
    line = ("hours", *content.editable_service_fields())
    for name in line:
        label, check, hint = LINE_FIELDS[name]
        key = content.HOURS_KEY if name == "hours" else f"service.{name}"
        found[key] = Field(key, label, check, hint, multiline=name in ("welcome", "privacy_notice"))
    for district in content.get_content().districts:
        for name in content.DISTRICT_FIELDS:
            label, check, hint = DISTRICT_FIELDS[name]
            key = f"district.{district}.{name}"
            found[key] = Field(key, label, check, hint, multiline=name == "address")
    return found


def _value_in(source: content.ServiceContent, key: str) -> str:
    parts = key.split(".")
    if key == content.HOURS_KEY:
        return source.opening_hours
    if parts[0] == "service":
        return str(getattr(source, parts[1], ""))
    return str(getattr(source.districts[parts[1]], parts[2], ""))


def page() -> list[dict[str, Any]]:
    """The settings grouped for the page: the line, then each district, each field with its
    stored value (None when the file's applies), the file's value, what is in use now (for the
    hours, the schedule whichever source it came from) and who set it when."""
    stored = settings_store.stored_settings()
    base, now = content.load_content(), content.get_content()
    groups: dict[str, dict[str, Any]] = {}
    for key, field in fields().items():
        parts = key.split(".")
        title = "The advice line" if parts[0] == "service" else parts[1]
        group = groups.setdefault(title, {"title": title, "fields": []})
        setting = stored.get(key)
        group["fields"].append(
            {
                "key": key,
                "label": field.label,
                "hint": field.hint,
                "multiline": field.multiline,
                "value": setting.value if setting else None,
                "file_value": _value_in(base, key),
                "in_use": content.line_hours() if key == content.HOURS_KEY else _value_in(now, key),
                "updated_at": setting.updated_at.isoformat() if setting else None,
                "updated_by": setting.updated_by if setting else None,
            }
        )
    return list(groups.values())


def check(changes: Mapping[str, str | None]) -> dict[str, str | None]:
    """Every change checked; raises Invalid with {key: reason} for all refused ones."""
    known = fields()
    checked: dict[str, str | None] = {}
    problems: dict[str, str] = {}
    for key, value in changes.items():
        field = known.get(key)
        if field is None:
            problems[key] = "not a setting admins may change"
            continue
        try:
            checked[key] = None if value is None else field.check(value)
        except Invalid as error:
            problems[key] = str(error)
    if problems:
        raise InvalidChanges(problems)
    return checked


class InvalidChanges(Invalid):
    """Some of the changes were refused: {key: reason}."""

    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in problems.items()))
        self.problems = problems


def save(
    changes: Mapping[str, str | None], staff_user_id: int, client: str
) -> dict[str, str | None]:
    """Check and store the changes together, audit each (field, value, who, when), and make
    this process use them at once (the others within content.REFRESH_SECONDS)."""
    checked = check(changes)
    if not checked:
        return checked
    settings_store.save(checked, staff_user_id)
    content.forget_cached()
    for key, value in checked.items():
        detail = f"{key} reset to the file's value" if value is None else f"{key}={value!r}"
        audit.record("content_change", staff_user_id, detail=detail, client=client)
    return checked
