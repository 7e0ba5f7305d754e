"""A conversation's tracker copied without replaying it, and its applied events kept.

Two of Rasa 3.6's tracker methods walk the whole conversation on every turn, so a turn late
in a long conversation costs more than one early on (`make bench`, "turn 60 within 1.2x
turn 5"):

- `copy()`: every action the engine runs gets a copy of the tracker
  (`MessageProcessor._run_action`), made by replaying every event into a new tracker.
  A tracker's state is, by Rasa's own rule, what replaying its events gives, so the copy
  here takes the state as it is instead: the same sender, a copy of each slot, of the event
  list and of the loop and last action, and nothing of the original's own attributes that a
  replay would not give (model and assistant ids, sender source, anything cached on it).
  Only a plain `DialogueStateTracker` with a slot list whose events have not reached an
  event limit is copied this way; anything else (the trackers training uses, a tracker that
  accepts any slot, one whose first events may have fallen off, which a replay would
  forget) goes to Rasa's own `copy`.
- `applied_events()`: the events that still apply, asked twice a turn (is the session new?
  when was the last message?). Rasa's loop over the events carries one list and reads one
  thing from the whole conversation, the names of the forms in it; so the loop's list is
  kept on the tracker and carried on over the events added since, and it starts again from
  the first event when the events are not the ones seen (another event list, fewer events,
  a different first or last event seen) or an added event names a form not seen before.
  Each caller gets its own list, since callers add to it.
"""

from __future__ import annotations

import copy as _copy
from typing import Any, Dict, FrozenSet, List

from rasa.shared.constants import DEFAULT_SENDER_ID
from rasa.shared.core.events import (
    ActionExecuted,
    ActionReverted,
    ActiveLoop,
    Event,
    Restarted,
    SessionStarted,
    UserUtteranceReverted,
    UserUttered,
)
from rasa.shared.core.trackers import AnySlotDict, DialogueStateTracker

_rasa_copy = DialogueStateTracker.copy
_rasa_applied_events = DialogueStateTracker.applied_events
ORIGINALS: Dict[str, Any] = {
    "rasa.shared.core.trackers:DialogueStateTracker.copy": _rasa_copy,
    "rasa.shared.core.trackers:DialogueStateTracker.applied_events": _rasa_applied_events,
}
KEPT = "_kept_applied_events"  # the tracker attribute holding the carried loop
# The state a replay gives a new tracker (DialogueStateTracker.__init__ and _reset); the
# guard's hashes of those two say no other attribute was added.
_STATE = ("_paused", "followup_action", "latest_message", "latest_bot_utterance")


def copy(self: DialogueStateTracker) -> DialogueStateTracker:
    """Rasa's `DialogueStateTracker.copy` (a replay of every event), from the state as it is."""
    limit = self._max_event_history
    if (
        type(self) is not DialogueStateTracker
        or isinstance(self.slots, AnySlotDict)
        or (limit is not None and len(self.events) >= limit)  # replayed, what fell off is lost
    ):
        return _rasa_copy(self)
    clone = DialogueStateTracker(
        self.sender_id or DEFAULT_SENDER_ID,
        (),
        self._max_event_history,
        is_rule_tracker=self.is_rule_tracker,
    )
    clone.slots = {name: _copy.copy(slot) for name, slot in self.slots.items()}
    clone.events = clone._create_events(list(self.events))
    for name in _STATE:
        setattr(clone, name, getattr(self, name))
    # the two that events change in place (LoopInterrupted, LoopRejected and the like)
    clone.latest_action = _copy.copy(self.latest_action)
    clone.active_loop = _copy.copy(self.active_loop)
    return clone


class _Applied:
    """Rasa's `applied_events` loop, stopped after the events seen so far."""

    __slots__ = ("events", "consumed", "first", "last", "loop_names", "applied")

    def __init__(self, events: Any, loop_names: FrozenSet[str]) -> None:
        self.events = events
        self.loop_names = loop_names
        self.consumed = 0
        self.first: Event | None = None
        self.last: Event | None = None
        self.applied: List[Event] = []

    def resumable(self, events: Any) -> bool:
        count = len(events)
        return (
            events is self.events
            and count >= self.consumed
            and (
                not self.consumed
                or (events[0] is self.first and events[self.consumed - 1] is self.last)
            )
        )

    def carry_on(self, tracker: DialogueStateTracker, added: List[Event]) -> None:
        """The body of Rasa's loop, over the added events, on the kept list."""
        applied, loop_names = self.applied, self.loop_names
        for event in added:
            if isinstance(event, (Restarted, SessionStarted)):
                applied = []
            elif isinstance(event, ActionReverted):
                tracker._undo_till_previous(ActionExecuted, applied)
            elif isinstance(event, UserUtteranceReverted):
                tracker._undo_till_previous(UserUttered, applied)
                tracker._undo_till_previous(ActionExecuted, applied)
            elif (
                isinstance(event, ActionExecuted)
                and event.action_name in loop_names
                and not tracker._first_loop_execution_or_unhappy_path(event.action_name, applied)
            ):
                tracker._undo_till_previous_loop_execution(event.action_name, applied)
            else:
                applied.append(event)
        self.applied = applied
        events = self.events
        self.consumed = len(events)
        self.first = events[0] if events else None
        self.last = events[-1] if events else None


def _loop_names(events: Any) -> FrozenSet[str]:
    return frozenset(e.name for e in events if isinstance(e, ActiveLoop) and e.name)


def applied_events(self: DialogueStateTracker) -> List[Event]:
    """Rasa's `DialogueStateTracker.applied_events`, carried on from the events seen."""
    events = self.events
    kept: _Applied | None = self.__dict__.get(KEPT)
    added: List[Event] = []
    if kept is not None and kept.resumable(events):
        added = [events[i] for i in range(kept.consumed, len(events))]
        if not _loop_names(added) <= kept.loop_names:
            kept = None
    else:
        kept = None
    if kept is None:
        kept = _Applied(events, _loop_names(events))
        added = list(events)
        self.__dict__[KEPT] = kept
    if added or not kept.consumed:
        kept.carry_on(self, added)
    return list(kept.applied)


def install() -> None:
    """Put the copy and the kept applied events in place of Rasa's (idempotent)."""
    DialogueStateTracker.copy = copy
    DialogueStateTracker.applied_events = applied_events


def uninstall() -> None:
    """Put Rasa's methods back (for the tests that compare the two)."""
    DialogueStateTracker.copy = _rasa_copy
    DialogueStateTracker.applied_events = _rasa_applied_events
