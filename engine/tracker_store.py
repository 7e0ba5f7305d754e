"""The engine's dialogue state in the project's database: Rasa's SQL tracker store.

Rasa keeps every conversation in memory by default, so a restart loses half-finished
referral forms and the engine's memory grows with every conversation it has seen. Here the
state lives in `DATABASE_URL`'s database, in Rasa's own `events` table (PostgreSQL in
production); with the default SQLite database it lives in a second SQLite file beside the
app's (`var/welfare-tracker.db`), so the engine's writes never wait on the gateway's lock.
The engine environment has SQLAlchemy 1.4 with psycopg2, so a `postgresql+psycopg` URL (the
app's driver) is opened with psycopg2. Bound parameters (message text) are kept out of
database error messages and logs. Named in endpoints.yml (`tracker_store: type:`).

It also forgets what a person typed for a referral once the form is over (cancelled, declined,
interrupted, sent, or left behind by a new session): the answers' text and entities, the
personal slots' values and the replies that repeated them (the summary) are rewritten in place,
so the stored conversation still replays to the same state. While the form runs everything
stays, so a restarted engine carries on with it. After a sent referral the details live in the
referral row the person agreed to, so the engine forgets them too.

It keeps the last conversations it saved in memory (ENGINE_KEPT_TRACKERS, 200 by default; 0
or ENGINE_PATCHES=off turns it off). Rasa rebuilds a conversation from every event of the
session at each message, so a turn costs more the longer the conversation; a kept tracker is
handed back instead while it is still the stored one: its newest event row in the database is
the one it was saved with (another engine worker, an erasure or a rewrite by forgetting
changes that, and the tracker is read again), nothing was added to it since, it is lent to one
caller at a time, and it holds one session only (as Rasa reads it back). The same object
across turns also lets the policies extend the conversation's states instead of recomputing
them (engine/policies.py).
"""

from __future__ import annotations

import json
import logging
import os
from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any, Dict, List, Tuple

import sqlalchemy as sa
from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import SQLTrackerStore, create_engine_kwargs
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActiveLoop,
    BotUttered,
    Event,
    Restarted,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy.engine import make_url

from engine import patches

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_APP_DATABASE = ROOT / "var" / "welfare.db"
KEPT_TRACKERS = 200  # conversations kept in memory (ENGINE_KEPT_TRACKERS)


def kept_trackers() -> int:
    """How many conversations a tracker store keeps in memory; 0 when patches are off."""
    if not patches.enabled():
        return 0
    return max(0, int(os.environ.get("ENGINE_KEPT_TRACKERS") or KEPT_TRACKERS))


def tracker_database_url(database_url: str | None) -> str:
    """The SQLAlchemy 1.4 URL of the tracker store for the app's DATABASE_URL."""
    url = make_url(database_url or f"sqlite:///{DEFAULT_APP_DATABASE}")
    if url.get_backend_name() == "sqlite":
        app_file = Path(url.database or DEFAULT_APP_DATABASE)
        beside = app_file.with_name(f"{app_file.stem}-tracker{app_file.suffix or '.db'}")
        return f"sqlite:///{beside}"
    if url.get_backend_name() == "postgresql":
        url = url.set(drivername="postgresql+psycopg2")
    return url.render_as_string(hide_password=False)


# --- what is forgotten -------------------------------------------------------------------
# The same questions and labels as the gateway's transcript (bot/gateway/texts.py
# PERSONAL_ANSWERS); the gateway also marks a personal answer in the message metadata.
REFERRAL_FORM = "referral_form"
PERSONAL_ANSWER_KEY = "personal_answer"
FORGOTTEN_KEY = "forgotten"
PERSONAL_QUESTIONS = {
    "preferred_name": "name",
    "district": "area",
    "contact_method": "how to contact you",
    "phone": "phone number",
    "best_time": "best time",
    "needs": "what you need help with",
    "needs_done": "what you need help with",
    "probation_status": "probation status",
}
PERSONAL_SLOTS = frozenset(PERSONAL_QUESTIONS) - {"needs_done"}
# Replies that repeat the answers back: the summary, the needs so far, "Thanks {name}".
ECHOES = frozenset({"utter_ask_referral_confirm", "utter_ask_more_needs", "utter_referral_done"})
EVENT_TYPES = ("user", "bot", "slot", "active_loop", "session_started", "restart")
ECHO_FALLBACK = "[details left out]"
# What the engine's extensions keep on a tracker, made from its events (engine/policies.py,
# engine/patches/trackers.py): dropped when events in the middle are rewritten.
KEPT_ON_TRACKERS = ("_kept_states", "_kept_applied_events")


@dataclass
class _Kept:
    """A conversation as last saved, and which database row was then its newest."""

    tracker: DialogueStateTracker
    events: int
    last_row: int | None
    lent: bool = False


class ProjectTrackerStore(SQLTrackerStore):
    """Rasa's SQL tracker store on the project's database, with parameters hidden in errors,
    and the last conversations saved kept in memory while they are current."""

    def __init__(
        self,
        domain: Domain | None = None,
        host: str | None = None,
        event_broker: EventBroker | None = None,
        **kwargs: Any,
    ) -> None:
        url = tracker_database_url(os.environ.get("DATABASE_URL"))
        if url.startswith("sqlite:///"):
            Path(url[len("sqlite:///") :]).parent.mkdir(parents=True, exist_ok=True)
        super().__init__(domain=domain, host=url, event_broker=event_broker, **kwargs)
        rasas_engine: sa.engine.Engine = self.engine  # type: ignore[has-type]
        rasas_engine.dispose()
        self.engine = sa.create_engine(url, hide_parameters=True, **create_engine_kwargs(url))
        self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)
        self.keep = kept_trackers()
        self._kept: OrderedDict[str, _Kept] = OrderedDict()

    @property
    def database(self) -> str:
        """Which database holds the state (without the password), for health checks."""
        return self.engine.url.render_as_string(hide_password=True)

    async def retrieve(self, sender_id: str) -> DialogueStateTracker | None:
        """The kept tracker while it is still the stored conversation, else Rasa's read."""
        kept = self._kept.pop(sender_id, None)
        if kept is not None and not kept.lent and len(kept.tracker.events) == kept.events:
            if self._last_row(sender_id) == kept.last_row:
                kept.lent = True  # until it is saved again: no second caller shares it
                self._kept[sender_id] = kept
                return kept.tracker
        return await super().retrieve(sender_id)

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Rasa's save; then, unless the referral form is still running, forget what the
        person typed for it (only when the conversation holds something to forget). Keeps
        the tracker, unless it was just forgotten (the stored one no longer matches it)."""
        self._kept.pop(tracker.sender_id, None)
        await super().save(tracker)
        if tracker.active_loop_name != REFERRAL_FORM and _holds_something_to_forget(tracker):
            try:
                rewrite = self.forget_personal_events(tracker.sender_id)
            except sa.exc.SQLAlchemyError as error:
                # The reply still goes out; the next save of this conversation tries again.
                logger.error("tracker_forget_failed error=%s", type(error).__name__)
                return
            if not (self.keep and rewrite.apply_to(tracker)):
                return
        self._keep_tracker(tracker)

    def _keep_tracker(self, tracker: DialogueStateTracker) -> None:
        """Keep a just-saved tracker, if it reads back as itself: Rasa reads one session, so
        a tracker holding a new session after an old one is left to be read again."""
        if not self.keep or any(
            isinstance(event, SessionStarted) for event in islice(tracker.events, 1, None)
        ):
            return
        try:
            last_row = self._last_row(tracker.sender_id)
        except sa.exc.SQLAlchemyError:
            return
        self._kept[tracker.sender_id] = _Kept(tracker, len(tracker.events), last_row)
        while len(self._kept) > self.keep:
            self._kept.popitem(last=False)

    def _last_row(self, sender_id: str) -> int | None:
        """The id of the conversation's newest event row (None when it has none)."""
        event_table = self.SQLEvent
        with self.session_scope() as session:
            found = (
                session.query(sa.func.max(event_table.id))
                .filter(event_table.sender_id == sender_id)
                .scalar()
            )
        return int(found) if found is not None else None

    def forget_personal_events(self, sender_id: str) -> Rewrite:
        """Rewrite the conversation's personal events in place (the number of events kept
        is Rasa's bookmark, so none is deleted); returns what was rewritten."""
        self._kept.pop(sender_id, None)  # the rewrite adds no row: a kept copy would not know
        event_table = self.SQLEvent
        with self.session_scope() as session:
            rows = (
                session.query(event_table)
                .filter(
                    event_table.sender_id == sender_id,
                    event_table.type_name.in_(EVENT_TYPES),
                )
                .order_by(event_table.id)
                .all()
            )
            events = [json.loads(row.data) for row in rows]
            found = to_forget(events)
            templates = _templates(self.domain)
            rewritten: Dict[int, Dict[str, Any]] = {}
            for index, label in found.items():
                rewritten[index] = forgotten(events[index], label, templates)
                rows[index].data = json.dumps(rewritten[index])
            stored = [(row.type_name, row.timestamp) for row in rows]
            session.commit()
        # The engine's log carries no conversation id (tests/e2e checks it).
        logger.debug("tracker_forgot events=%s", len(found))
        return Rewrite(stored, rewritten)


@dataclass
class Rewrite:
    """What forgetting wrote: each stored row read (its type and time, in order) and the new
    content of those rewritten, by their place among the rows."""

    stored: List[Tuple[str, float]]
    rewritten: Dict[int, Dict[str, Any]]

    def __len__(self) -> int:
        return len(self.rewritten)

    def apply_to(self, tracker: DialogueStateTracker) -> bool:
        """Make the tracker in memory what reading it back would give, so it can be kept:
        each rewritten event replaced by the stored one. Rasa would otherwise read and replay
        the whole conversation at the next message. Only when the tracker's events of the
        stored kinds are, by kind and time, the last rows read; else False (read it again).

        Forgetting never changes the dialogue state: a rewritten slot event is one set again
        later (or before a new session, which a kept tracker never holds) and a rewritten
        message keeps its intent and entity names. The latest message and bot reply are the
        rewritten objects, as a read-back gives; the states kept on the tracker are dropped,
        since events in the middle changed."""
        positions = [i for i, e in enumerate(tracker.events) if e.type_name in EVENT_TYPES]
        first = len(self.stored) - len(positions)
        if first < 0 or any(
            self.stored[first + k] != (tracker.events[i].type_name, tracker.events[i].timestamp)
            for k, i in enumerate(positions)
        ):
            return False
        events, loop = tracker.events, tracker.active_loop
        for index, data in self.rewritten.items():
            if index < first:
                continue  # an earlier session's row: not in the tracker, not read back
            at = positions[index - first]
            old, new = events[at], Event.from_parameters(data)
            events[at] = new
            if tracker.latest_message is old:
                tracker.latest_message = new
            if tracker.latest_bot_utterance is old:
                tracker.latest_bot_utterance = new
            if loop is not None and isinstance(old, UserUttered):
                if loop.trigger_message is old.parse_data:  # the message that started a form
                    loop.trigger_message = new.parse_data
        for cached in KEPT_ON_TRACKERS:
            tracker.__dict__.pop(cached, None)
        return True


# The mark, on a tracker, of how many of its events were found to hold nothing to forget.
CLEAN_MARK = "_nothing_to_forget"


def _holds_something_to_forget(tracker: DialogueStateTracker) -> bool:
    """Whether `to_forget` finds anything in the conversation. Replaying every event at each
    save costs more the longer the conversation, so a tracker found clean is marked, and
    only what was added since is looked at: nothing becomes forgettable without an event
    that `touches_personal` (a form ending, a new session, a personal slot or answer, an
    echo), and only such an event makes it replay the whole conversation again."""
    events = tracker.events
    mark = tracker.__dict__.get(CLEAN_MARK)
    if (
        patches.enabled()
        and mark is not None
        and mark[0] <= len(events)
        and events
        and mark[1] is events[0]
        and not any(touches_personal(event) for event in islice(events, mark[0], None))
    ):
        tracker.__dict__[CLEAN_MARK] = (len(events), events[0])
        return False
    if to_forget([_summary(event) for event in events]):
        return True
    if events:
        tracker.__dict__[CLEAN_MARK] = (len(events), events[0])
    return False


def touches_personal(event: Event) -> bool:
    """An event that can make something in the conversation forgettable (see `to_forget`)."""
    if isinstance(event, (SessionStarted, Restarted, ActiveLoop)):
        return True
    if isinstance(event, SlotSet):
        return event.key in PERSONAL_SLOTS or event.key == "requested_slot"
    if isinstance(event, UserUttered):
        return bool((event.metadata or {}).get(PERSONAL_ANSWER_KEY))
    if isinstance(event, BotUttered):
        return (event.metadata or {}).get("utter_action") in ECHOES
    return False


def _summary(event: Event) -> Dict[str, Any]:
    """The parts of an event that `to_forget` reads, without serialising the whole event."""
    if isinstance(event, SlotSet):
        return {"event": "slot", "name": event.key, "value": event.value}
    if isinstance(event, ActiveLoop):
        return {"event": "active_loop", "name": event.name}
    if isinstance(event, (UserUttered, BotUttered)):
        return {"event": event.type_name, "metadata": event.metadata}
    return {"event": event.type_name}


def to_forget(events: Sequence[Mapping[str, Any]]) -> Dict[int, str]:
    """{index: label} of the events to forget, replaying the conversation in order: answers to
    the form's personal questions (or marked personal by the gateway), echoes of them, and
    personal slot values that no longer hold (set again later, or before a new session).
    The label names what a forgotten answer answered; it is "" for other events."""
    starts = [i for i, e in enumerate(events) if e.get("event") in ("session_started", "restart")]
    last_start = starts[-1] if starts else -1
    superseded, seen = set(), set()
    for index in range(len(events) - 1, -1, -1):
        if events[index].get("event") == "slot":
            name = events[index].get("name")
            if name in seen:
                superseded.add(index)
            seen.add(name)
    found: Dict[int, str] = {}
    loop: Any = None
    asked: Any = None
    for index, event in enumerate(events):
        kind = event.get("event")
        metadata = event.get("metadata") or {}
        if kind in ("session_started", "restart"):
            loop = asked = None
        elif kind == "active_loop":
            loop = event.get("name")
        elif kind == "slot" and event.get("name") == "requested_slot":
            asked = event.get("value")
        elif kind == "slot":
            stale = index < last_start or index in superseded
            if event.get("name") in PERSONAL_SLOTS and event.get("value") is not None and stale:
                found[index] = ""
        elif kind == "user" and not metadata.get(FORGOTTEN_KEY):
            in_form = PERSONAL_QUESTIONS.get(asked) if loop == REFERRAL_FORM else None
            label = metadata.get(PERSONAL_ANSWER_KEY) or in_form
            if label:
                found[index] = str(label)
        elif kind == "bot" and not metadata.get(FORGOTTEN_KEY):
            if metadata.get("utter_action") in ECHOES:
                found[index] = ""
    return found


def forgotten(event: Mapping[str, Any], label: str, templates: Mapping[str, str]) -> Dict[str, Any]:
    """The event with the person's details left out; what it was (the intent, the entity
    names, which reply) stays, so the conversation replays to the same state."""
    kind = event.get("event")
    if kind == "slot":
        return {**event, "value": None}
    if kind == "bot":
        action = (event.get("metadata") or {}).get("utter_action")
        data = {**(event.get("data") or {}), "buttons": None}
        metadata = {"utter_action": action, FORGOTTEN_KEY: True}
        text = templates.get(str(action), ECHO_FALLBACK)
        return {**event, "text": text, "data": data, "metadata": metadata}
    shown = f"[answer to: {label}]"
    kept = ("channel", PERSONAL_ANSWER_KEY)
    metadata = {k: v for k, v in (event.get("metadata") or {}).items() if k in kept}
    metadata[FORGOTTEN_KEY] = True
    parse = event.get("parse_data") or {}
    parse_data: Dict[str, Any] = {
        k: parse[k] for k in ("intent", "intent_ranking", "response_selector") if k in parse
    }
    parse_data.update(
        {
            "text": shown,
            "entities": _entity_names(parse.get("entities") or []),
            "message_id": parse.get("message_id"),
            "metadata": metadata,
        }
    )
    return {**event, "text": shown, "parse_data": parse_data, "metadata": metadata}


def _entity_names(entities: Iterable[Mapping[str, Any]]) -> List[Dict[str, Any]]:
    """Which entities were found (they are part of the dialogue state), not what was said."""
    return [
        {
            "entity": entity.get("entity"),
            "value": "[left out]",
            **{k: entity[k] for k in ("role", "group") if k in entity},
        }
        for entity in entities
    ]


def _templates(domain: Domain | None) -> Dict[str, str]:
    """Each echo's wording with its {placeholders} unfilled."""
    responses = domain.responses if domain is not None else {}
    return {
        name: str(responses[name][0].get("text") or ECHO_FALLBACK)
        for name in ECHOES
        if responses.get(name)
    }
