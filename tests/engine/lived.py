"""Conversations as the engine lives them, shared by the engine's tests: the project's test
stories and rules run through the trained model, one after another into long ones, or with a
rewind in the middle."""

from __future__ import annotations

import copy
import itertools
from collections.abc import Iterator, Sequence
from typing import Any

from rasa.core.training import load_data
from rasa.shared.core.constants import RULE_SNIPPET_ACTION_NAME
from rasa.shared.core.events import (
    ActionExecuted,
    ActiveLoop,
    Event,
    SessionStarted,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

LISTEN = "action_listen"


def story_events(agent: Any) -> list[list[Event]]:
    return [list(t.events) for t in load_data("tests/stories", agent.domain, augmentation_factor=0)]


def rule_events(agent: Any) -> list[list[Event]]:
    return [
        list(t.events) for t in load_data("data/rules.yml", agent.domain, augmentation_factor=0)
    ]


def as_lived(agent: Any, events: Sequence[Event]) -> list[Event]:
    """A story's events as the engine would have logged them: before each action the trained
    model predicts, adding its events (the user message's featurization) and, when it
    predicted that action, whether the turn was a rule-only one. Each event is kept as it
    was when logged (the featurization event changes its user message afterwards)."""
    names = agent.domain.action_names_or_texts
    tracker = DialogueStateTracker.from_events("lived", [], agent.domain.slots)
    logged: list[Event] = []

    def log(event: Event) -> None:
        logged.append(copy.deepcopy(event))
        tracker.update(event)

    for event in copy.deepcopy(list(events)):
        if isinstance(event, UserUttered) and event.intent_name:
            # typed or tapped, a message comes with its text; the policies then decide
            # how it is featurized (training data has no text, so it is set to the intent)
            event.text = f"/{event.intent_name}"
            event.use_text_for_featurization = None
        if (
            isinstance(event, ActionExecuted)
            and tracker.events
            and event.action_name != RULE_SNIPPET_ACTION_NAME
        ):
            prediction = agent.processor._predict_next_with_tracker(tracker)
            for added in prediction.events:
                log(added)
            if names[prediction.max_confidence_index] == event.action_name:
                event.hide_rule_turn = prediction.hide_rule_turn
        log(event)
    return logged


def session_start() -> list[Event]:
    return [ActionExecuted("action_session_start"), SessionStarted(), ActionExecuted(LISTEN)]


def has_form(events: Sequence[Event]) -> bool:
    return any(isinstance(e, ActiveLoop) and e.name for e in events)


def fresh(events: Sequence[Event]) -> list[Event]:
    return copy.deepcopy(list(events))


def with_in_the_middle(lived: list[list[Event]], middle: list[Event]) -> list[Event]:
    """Four lived stories, a form among them, with `middle` after the second story's first
    user message and first action."""
    forms = [s for s in lived if has_form(s)]
    chosen = [*forms[:2], *[s for s in lived if not has_form(s)][:2]]
    second = chosen[1]
    cut = next(
        i
        for i, e in enumerate(second)
        if isinstance(e, ActionExecuted) and e.action_name != LISTEN and i > 2
    )
    return [
        *session_start(),
        *chosen[0],
        *second[: cut + 1],
        *middle,
        *second[cut + 1 :],
        *chosen[2],
        *chosen[3],
    ]


def long_conversation(lived: list[list[Event]], at_least: int = 380) -> list[Event]:
    """A session of one lived story after another, until it is as long as a long chat."""
    events = session_start()
    for story in itertools.cycle(lived):
        events += fresh(story)
        if len(events) >= at_least:
            return events
    raise AssertionError  # pragma: no cover


def grown(
    tracker: DialogueStateTracker, events: Sequence[Event], batches: Sequence[int] = (1,)
) -> Iterator[DialogueStateTracker]:
    """Fresh copies of the events added to the tracker in batches (sizes taken in turn),
    yielding the tracker after each batch."""
    pending, sizes = fresh(events), itertools.cycle(batches)
    while pending:
        size = next(sizes)
        batch, pending = pending[:size], pending[size:]
        for event in batch:
            tracker.update(event)
        yield tracker
