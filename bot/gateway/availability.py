"""When advisors answer: the line's hours and the honest notice for a waiting person.

The hours are one setting (bot/content.py `line_hours`): set by an admin in the staff pages,
else ADVISOR_HOURS, like "mon-fri 09:00-17:00; sat 10:00-13:00" in UK time; the `service_hours`
answer is made from the same setting. Unknown hours leave only whether an advisor is signed in
to decide the notice.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.exc import SQLAlchemyError

from bot.content import DAY_NAMES, Hours, get_content, line_hours, parse_hours
from bot.gateway import texts
from bot.store import staff as staff_store
from bot.store.staff import SESSION_IDLE
from bot.vocabulary import ANSWERING_ROLES

logger = logging.getLogger(__name__)

UK = ZoneInfo("Europe/London")


def _configured_hours() -> Hours | None:
    """The line's hours, None when unknown (the setting is checked when it is saved)."""
    spec = line_hours()
    return parse_hours(spec) if spec else None


def is_open(hours: Hours, now: datetime) -> bool:
    """Whether `now` falls in a shift."""
    local = now.astimezone(UK)
    return any(s <= local.time() < e for s, e in hours.get(local.weekday(), []))


def next_opening(hours: Hours, now: datetime) -> datetime | None:
    """The start of the next shift after `now` (UK time), within a week; None if there is none."""
    local = now.astimezone(UK)
    for ahead in range(8):
        day = (local + timedelta(days=ahead)).date()
        for start, _ in sorted(hours.get(day.weekday(), [])):
            moment = datetime.combine(day, start, UK)
            if moment > local:
                return moment
    return None


def describe(moment: datetime, now: datetime) -> str:
    """'today at 9:00', 'tomorrow at 9:00' or 'Monday at 9:00'."""
    days = (moment.date() - now.astimezone(UK).date()).days
    day = "today" if days == 0 else "tomorrow" if days == 1 else DAY_NAMES[moment.weekday()]
    return f"{day} at {moment.hour}:{moment.minute:02d}"


def availability_notice(now: datetime | None = None) -> str | None:
    """What a person who has just started waiting should be told about when someone will reply;
    None when an advisor is signed in during working hours (the usual wait text is enough)."""
    now = now or datetime.now(UK)
    hours = _configured_hours()
    online = staff_store.signed_in_count(ANSWERING_ROLES, SESSION_IDLE) > 0
    if hours is not None and not is_open(hours, now):
        opening = next_opening(hours, now)
        if opening is not None:
            return texts.closed_until(describe(opening, now))
    if online:
        return None
    if hours is not None:
        return texts.NOBODY_IN_HOURS
    # Unknown hours: opening_hours is then at most the content file's own text.
    published = get_content().opening_hours
    extra = "\n\n" + texts.OPENING_HOURS.format(hours=published) if published else ""
    return texts.NOBODY_SIGNED_IN + extra


def crisis_notice(now: datetime | None = None) -> str:
    """The line after a crisis reply: whether someone can read it soon, and to call now rather
    than wait. Never fails: with the database down it says it cannot tell."""
    now = now or datetime.now(UK)
    try:
        online = staff_store.signed_in_count(ANSWERING_ROLES, SESSION_IDLE) > 0
    except SQLAlchemyError as error:
        logger.error("crisis_notice_unknown error=%s", type(error).__name__)
        return texts.CRISIS_NOT_KNOWN
    hours = _configured_hours()
    if hours is not None and not is_open(hours, now):
        opening = next_opening(hours, now)
        if opening is not None:
            return texts.crisis_closed_until(describe(opening, now))
    if online:
        return texts.CRISIS_ADVISOR_SOON
    return texts.CRISIS_NOBODY_IN_HOURS if hours is not None else texts.CRISIS_NOBODY_SIGNED_IN
