"""The tracker copied without a replay, and the applied events carried on, give Rasa's own.

Compared with Rasa's `copy` and `applied_events` after every added event (or batch of
events) of conversations lived through the trained model, with forms, in long conversations,
and with a reverted turn, a reverted action, a restart, a new session or a new form in the
middle; a copy must also stand apart from its original.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

import pytest
from rasa.shared.core.events import (
    ActionExecuted,
    ActionExecutionRejected,
    ActionReverted,
    ActiveLoop,
    Event,
    LoopInterrupted,
    Restarted,
    SessionStarted,
    SlotSet,
    UserUtteranceReverted,
    UserUttered,
)
from rasa.shared.core.trackers import AnySlotDict, DialogueStateTracker, EventVerbosity

from engine.patches import trackers
from tests.engine.lived import (
    LISTEN,
    as_lived,
    fresh,
    grown,
    long_conversation,
    rule_events,
    session_start,
    story_events,
    with_in_the_middle,
)


@pytest.fixture(scope="module")
def lived(agent: Any) -> list[list[Event]]:
    return [as_lived(agent, story) for story in story_events(agent)]


def _slots(tracker: DialogueStateTracker) -> list[tuple[str, Any, bool, type]]:
    return [(n, s.value, s.has_been_set, type(s)) for n, s in tracker.slots.items()]


def _state(tracker: DialogueStateTracker, domain: Any) -> dict[str, Any]:
    """Everything a tracker holds, to compare a copy with Rasa's."""
    return {
        "type": type(tracker),
        "sender_id": tracker.sender_id,
        "sender_source": tracker.sender_source,
        "model_id": tracker.model_id,
        "assistant_id": tracker.assistant_id,
        "max_history": tracker._max_event_history,
        "rule": tracker.is_rule_tracker,
        "events": [id(e) for e in tracker.events],
        "events_type": type(tracker.events),
        "maxlen": getattr(tracker.events, "maxlen", None),
        "slots": _slots(tracker),
        "paused": tracker._paused,
        "followup": tracker.followup_action,
        "latest_action": copy.deepcopy(tracker.latest_action),  # as they are now
        "active_loop": copy.deepcopy(tracker.active_loop),
        "latest_message": tracker.latest_message,
        "latest_bot": tracker.latest_bot_utterance,
        "as_dict": copy.deepcopy(tracker.current_state(EventVerbosity.ALL)),
        "past_states": tracker.past_states(domain),
        "attributes": sorted(k for k in vars(tracker) if not k.startswith("_kept")),
    }


def _grow(agent: Any, events: Sequence[Event], batches: Sequence[int] = (1,), **kwargs: Any) -> int:
    """Add the events to one tracker in batches, comparing the copy and the applied events
    with Rasa's after each batch; the checks made."""
    start = DialogueStateTracker.from_events("grow", [], agent.domain.slots, **kwargs)
    start.model_id = "a-model"  # a replay leaves it out of the copy
    checks = 0
    for tracker in grown(start, events, batches):
        ours, rasas = trackers.applied_events(tracker), trackers._rasa_applied_events(tracker)
        assert [id(e) for e in ours] == [id(e) for e in rasas], len(tracker.events)
        ours.append(ActionExecuted("not-applied"))  # each caller has its own list
        assert trackers.applied_events(tracker) == rasas
        expected = _state(trackers._rasa_copy(tracker), agent.domain)
        assert _state(trackers.copy(tracker), agent.domain) == expected, len(tracker.events)
        checks += 1
    return checks


def test_copies_and_applied_events_are_rasas_after_every_event_of_every_story_and_rule(
    agent: Any, lived: list[list[Event]]
) -> None:
    checks = sum(_grow(agent, story) for story in lived)
    checks += sum(_grow(agent, rule) for rule in rule_events(agent))
    assert checks > 1000


@pytest.mark.parametrize(
    "middle",
    [
        [UserUtteranceReverted()],
        [ActionReverted()],
        [Restarted(), *session_start()],
        [ActionExecuted("action_session_start"), SessionStarted(), ActionExecuted(LISTEN)],
        [SlotSet("district", "Bolton"), ActionExecuted(LISTEN), UserUtteranceReverted()],
        [ActiveLoop("a_form_never_seen"), ActionExecuted("a_form_never_seen"), ActiveLoop(None)],
        [LoopInterrupted(True)],
    ],
    ids=[
        "user-reverted",
        "action-reverted",
        "restarted",
        "session-started",
        "listen-reverted",
        "new-form",
        "loop-interrupted",
    ],
)
def test_copies_and_applied_events_are_rasas_across_a_change_in_the_middle(
    agent: Any, lived: list[list[Event]], middle: list[Event]
) -> None:
    events = with_in_the_middle(lived, middle)
    assert _grow(agent, events) == len(events)
    assert _grow(agent, events, batches=(2, 3, 1, 5)) > 10


def test_long_conversations_in_batches_and_with_a_history_limit(
    agent: Any, lived: list[list[Event]]
) -> None:
    events = long_conversation(lived)
    for batches in ((1, 2, 3, 4, 5, 6, 7), (40,)):
        assert _grow(agent, events, batches=batches) > 8
    # a tracker store's event limit: the first events fall off as more are added
    assert _grow(agent, events, batches=(3,), max_event_history=50) > 100


def test_a_copy_stands_apart_from_its_original(agent: Any, lived: list[list[Event]]) -> None:
    form_story = next(s for s in lived if any(isinstance(e, ActiveLoop) and e.name for e in s))
    cut = next(i for i, e in enumerate(form_story) if isinstance(e, ActiveLoop) and e.name)
    original = DialogueStateTracker.from_events(
        "apart", fresh(form_story[: cut + 1]), agent.domain.slots
    )
    before = _state(original, agent.domain)
    clone = trackers.copy(original)
    clone.update(SlotSet("district", "Wigan"))
    assert original.active_loop is not None
    # both change the active loop in place
    clone.update(LoopInterrupted(not original.active_loop.is_interrupted))
    clone.update(ActionExecutionRejected(original.active_loop.name))
    clone.update(UserUttered("hello", {"name": "greet"}))
    clone.update(ActionExecuted("utter_greet"))
    assert _state(original, agent.domain) == before
    assert clone.get_slot("district") == "Wigan"


def test_the_applied_events_start_again_when_the_events_are_not_the_ones_seen(
    agent: Any, lived: list[list[Event]], monkeypatch: pytest.MonkeyPatch
) -> None:
    started: list[int] = []
    made = trackers._Applied.__init__

    def counted(self: Any, *args: Any) -> None:
        started.append(1)
        made(self, *args)

    monkeypatch.setattr(trackers._Applied, "__init__", counted)
    events = long_conversation(lived)
    tracker = DialogueStateTracker.from_events("seen", [], agent.domain.slots)
    for event in fresh(events):
        tracker.update(event)
        trackers.applied_events(tracker)
    forms = {e.name for e in events if isinstance(e, ActiveLoop) and e.name}
    assert forms  # the first time each form is named, it starts again; else it carries on
    assert len(started) == 1 + len(forms)

    tracker.events = tracker._create_events(fresh(events))  # another event list
    assert trackers.applied_events(tracker) == trackers._rasa_applied_events(tracker)
    tracker.events[-1] = ActionExecuted(LISTEN)  # the last event seen replaced
    assert trackers.applied_events(tracker) == trackers._rasa_applied_events(tracker)
    tracker.update(ActiveLoop("a_form_never_seen"))  # a new form name
    assert trackers.applied_events(tracker) == trackers._rasa_applied_events(tracker)
    assert len(started) == 4 + len(forms)


def test_trackers_rasas_copy_keeps_for_itself_go_to_rasa(agent: Any) -> None:
    anything = DialogueStateTracker("any", None)  # a tracker that accepts any slot
    assert isinstance(anything.slots, AnySlotDict)
    anything.update(SlotSet("whatever", 1))
    assert isinstance(trackers.copy(anything).slots, dict)
    assert _state(trackers.copy(anything), agent.domain) == _state(
        trackers._rasa_copy(anything), agent.domain
    )

    class Special(DialogueStateTracker):
        pass

    special = Special("special", agent.domain.slots)
    called: list[int] = []
    original = trackers._rasa_copy

    def rasas(self: Any) -> Any:
        called.append(1)
        return original(self)

    try:
        trackers._rasa_copy = rasas
        trackers.copy(special)
    finally:
        trackers._rasa_copy = original
    assert called == [1]


def test_the_patches_put_rasas_methods_back_and_forth() -> None:
    from engine import patches

    if not patches.enabled():
        assert DialogueStateTracker.copy is trackers._rasa_copy
        return
    assert DialogueStateTracker.copy is trackers.copy
    assert DialogueStateTracker.applied_events is trackers.applied_events
    trackers.uninstall()
    try:
        assert DialogueStateTracker.copy is trackers._rasa_copy
        assert DialogueStateTracker.applied_events is trackers._rasa_applied_events
    finally:
        trackers.install()
