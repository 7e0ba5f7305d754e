"""The action server gets the conversation's recent turns, not all of it.

Rasa 3.6 sends every event of the conversation with each call to the action server
(`RemoteAction._action_call_format`: `tracker.current_state(EventVerbosity.ALL)`), and the
action server reads them all back: late in a long conversation that is hundreds of events,
encoded and decoded once or twice a turn, so a turn costs more the longer the conversation.
Our actions read the slots, the form, the latest message (all sent whole, as Rasa does) and
the events of the last few turns only: the message before a crisis question answered "no",
the fallbacks in a row, the last reply (actions/handover.py); a form's slots to validate are
the last events. So the events sent are those from the person's `RECENT_TURNS`-th latest
message on (all of them in a shorter conversation), which also keeps older messages of the
conversation off the action server. Everything else of the request is Rasa's.
"""

from __future__ import annotations

from typing import Any, Dict, List

import rasa
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import Event, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker, EventVerbosity

RECENT_TURNS = 10  # the person's messages whose turns the action server sees
_rasa_action_call_format = RemoteAction._action_call_format
ORIGINALS: Dict[str, Any] = {
    "rasa.core.actions.action:RemoteAction._action_call_format": _rasa_action_call_format
}


def recent_events(tracker: DialogueStateTracker, turns: int = RECENT_TURNS) -> List[Event]:
    """The events from the person's `turns`-th latest message to the last event; every event
    when the conversation holds fewer messages."""
    events = tracker.events
    seen = 0
    for index in range(len(events) - 1, -1, -1):
        if isinstance(events[index], UserUttered):
            seen += 1
            if seen == turns:
                return [events[i] for i in range(index, len(events))]
    return list(events)


def action_call_format(
    self: RemoteAction, tracker: DialogueStateTracker, domain: Domain
) -> Dict[str, Any]:
    """Rasa's `_action_call_format`, with the recent events only in the tracker state."""
    tracker_state = tracker.current_state(EventVerbosity.NONE)
    tracker_state["events"] = [event.as_dict() for event in recent_events(tracker)]
    result = {
        "next_action": self._name,
        "sender_id": tracker.sender_id,
        "tracker": tracker_state,
        "version": rasa.__version__,
    }
    if not self._is_selective_domain_enabled() or domain.does_custom_action_explicitly_need_domain(
        self.name()
    ):
        result["domain"] = domain.as_dict()
    return result


def install() -> None:
    """Send the recent events only (idempotent)."""
    RemoteAction._action_call_format = action_call_format


def uninstall() -> None:
    """Put Rasa's request back (for the tests that compare the two)."""
    RemoteAction._action_call_format = _rasa_action_call_format
