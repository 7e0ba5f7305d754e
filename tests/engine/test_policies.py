"""The policies that keep states and matching rules predict exactly as Rasa's own policies.

The kept states are resumed as events are added to the same tracker: they are compared with
Rasa's own `past_states` after every added event (or batch of events), for every set of
arguments, on conversations lived through the trained model (its predictions mark the
rule-only turns and add the featurization events, as the engine does), with forms, and with
a reverted turn, a reverted action, a restart or a new session in the middle.
"""

from __future__ import annotations

import copy
import itertools
from collections import deque
from collections.abc import Iterator, Sequence
from typing import Any

import pytest
from rasa.core.policies.rule_policy import RULES, RULES_FOR_LOOP_UNHAPPY_PATH, RulePolicy
from rasa.core.training import load_data
from rasa.shared.core.events import (
    ActionExecuted,
    ActionReverted,
    ActiveLoop,
    DefinePrevUserUtteredFeaturization,
    EntitiesAdded,
    Event,
    Restarted,
    SessionStarted,
    SlotSet,
    UserUtteranceReverted,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

import engine.policies
from engine import patches
from engine.policies import (
    KeptMemoizationPolicy,
    KeptRulePolicy,
    StatesSoFar,
    kept_past_states,
)
from tests.engine.lived import (
    LISTEN,
    as_lived,
    fresh,
    grown,
    has_form,
    long_conversation,
    rule_events,
    session_start,
    story_events,
    with_in_the_middle,
)


def _policies(agent: Any) -> list[Any]:
    nodes = agent.processor.graph_runner._instantiated_nodes
    return [
        n._component
        for n in nodes.values()
        if isinstance(n._component, KeptMemoizationPolicy | KeptRulePolicy)
    ]


def _rule_policy(agent: Any) -> KeptRulePolicy:
    return next(p for p in _policies(agent) if isinstance(p, KeptRulePolicy))


def _prefixes(agent: Any) -> Iterator[DialogueStateTracker]:
    domain = agent.domain
    trackers = load_data("tests/stories", domain, augmentation_factor=0)
    trackers += load_data("data/rules.yml", domain, augmentation_factor=0)
    for story in trackers:
        events = list(story.events)
        for end in range(1, len(events) + 1):
            yield DialogueStateTracker.from_events("check", events[:end], domain.slots)


def test_config_names_both_policies(agent: Any) -> None:
    kinds = {type(p) for p in _policies(agent)}
    assert kinds == {KeptRulePolicy, KeptMemoizationPolicy}


def test_kept_states_are_rasas_and_copies(agent: Any) -> None:
    domain, policy = agent.domain, _rule_policy(agent)
    rule_only = policy._get_rule_only_data()
    checked = 0
    for tracker in _prefixes(agent):
        for args in ((False, False, None), (True, True, rule_only), (False, True, rule_only)):
            expected = tracker.past_states(domain, *args)
            for _ in range(2):
                states = kept_past_states(tracker, domain, *args)
                assert states == expected, args
                if states:
                    states[-1].clear()  # callers edit their copy; the kept one is untouched
        checked += 1
    assert checked > 500


def test_kept_states_change_when_an_event_is_added_to_the_same_tracker(agent: Any) -> None:
    domain = agent.domain
    tracker = DialogueStateTracker.from_events(
        "same",
        [ActionExecuted("action_listen"), UserUttered("hi", {"name": "greet"})],
        domain.slots,
    )
    before = kept_past_states(tracker, domain)
    tracker.update(ActionExecuted("utter_greet"))
    after = kept_past_states(tracker, domain)
    assert after == tracker.past_states(domain) and after != before
    tracker.update(SlotSet("district", "Bolton"))
    assert kept_past_states(tracker, domain) == tracker.past_states(domain)


def test_matching_rules_are_rasas(agent: Any) -> None:
    policy, domain = _rule_policy(agent), agent.domain
    rule_only = policy._get_rule_only_data()
    for tracker in _prefixes(agent):
        states = tracker.past_states(domain, False, True, rule_only)
        for lookup in (policy.lookup[RULES], policy.lookup[RULES_FOR_LOOP_UNHAPPY_PATH]):
            expected = RulePolicy._get_possible_keys(policy, lookup, states)
            for _ in range(2):
                assert policy._get_possible_keys(lookup, states) == expected


def test_predictions_are_those_of_rasas_policies(
    agent: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each policy's prediction, turn by turn, with the kept answers and with Rasa's code."""
    domain = agent.domain
    policies = _policies(agent)
    rule_only = _rule_policy(agent)._get_rule_only_data()
    checked = 0
    for tracker in _prefixes(agent):
        if not isinstance(tracker.events[-1], (UserUttered, ActionExecuted)):
            continue
        for policy in policies:
            ours = policy.predict_action_probabilities(tracker, domain, rule_only_data=rule_only)
            monkeypatch.setenv(patches.SWITCH, "off")
            rasas = policy.predict_action_probabilities(tracker, domain, rule_only_data=rule_only)
            monkeypatch.delenv(patches.SWITCH)
            assert list(ours.probabilities) == list(rasas.probabilities)
            assert ours.policy_name == rasas.policy_name and ours.events == rasas.events
            checked += 1
    assert checked > 300


# --- The kept states, resumed as events are added -------------------------------------------


@pytest.fixture(scope="module")
def lived(agent: Any) -> list[list[Event]]:
    return [as_lived(agent, story) for story in story_events(agent)]


def _every_args(agent: Any) -> list[tuple[bool, bool, dict[str, Any] | None]]:
    rule_only = _rule_policy(agent)._get_rule_only_data()
    assert rule_only and any(rule_only.values())  # the project has rule-only slots or loops
    return list(itertools.product((False, True), (False, True), (None, rule_only)))


def _check_growing(
    agent: Any, events: Sequence[Event], batches: Sequence[int] = (1,), name: str = "grow"
) -> int:
    """Add the events to one tracker in batches (sizes taken in turn), comparing the kept
    states with Rasa's after each batch, for every set of arguments; the checks made."""
    domain, every = agent.domain, _every_args(agent)
    checks = 0
    for tracker in grown(DialogueStateTracker.from_events(name, [], domain.slots), events, batches):
        for args in every:
            assert kept_past_states(tracker, domain, *args) == tracker.past_states(domain, *args), (
                name,
                len(tracker.events),
                args,
            )
            checks += 1
    return checks


class _Counted(StatesSoFar):
    """StatesSoFar, counting how often the computation starts from the first event."""

    made = 0

    def __init__(self, *args: Any) -> None:
        type(self).made += 1
        super().__init__(*args)


@pytest.fixture
def starts(monkeypatch: pytest.MonkeyPatch) -> type[_Counted]:
    monkeypatch.setattr(_Counted, "made", 0)
    monkeypatch.setattr(engine.policies, "StatesSoFar", _Counted)
    return _Counted


def test_resumed_states_are_rasas_after_every_event_of_every_story_and_rule(
    agent: Any, lived: list[list[Event]]
) -> None:
    assert any(has_form(story) for story in lived)
    assert any(getattr(e, "hide_rule_turn", False) for story in lived for e in story)
    assert any(isinstance(e, DefinePrevUserUtteredFeaturization) for s in lived for e in s)
    messages = [e for s in lived for e in s if isinstance(e, UserUttered)]
    assert all(m.use_text_for_featurization is None for m in messages)  # as parsed
    checks = sum(_check_growing(agent, story, name="story") for story in lived)
    checks += sum(_check_growing(agent, rule, name="rule") for rule in rule_events(agent))
    assert checks > 8 * 1000


@pytest.mark.parametrize(
    "middle",
    [
        [UserUtteranceReverted()],
        [ActionReverted()],
        [Restarted(), *session_start()],
        [ActionExecuted("action_session_start"), SessionStarted(), ActionExecuted(LISTEN)],
        [SlotSet("district", "Bolton"), ActionExecuted(LISTEN), UserUtteranceReverted()],
    ],
    ids=["user-reverted", "action-reverted", "restarted", "session-started", "listen-reverted"],
)
def test_resumed_states_are_rasas_across_a_rewind_in_the_middle(
    agent: Any, lived: list[list[Event]], middle: list[Event]
) -> None:
    events = with_in_the_middle(lived, middle)
    assert _check_growing(agent, events, name="rewind") == 8 * len(events)
    assert _check_growing(agent, events, batches=(2, 3, 1, 5), name="rewind") > 8 * 10


def test_resumed_states_are_rasas_when_events_come_in_batches(
    agent: Any, lived: list[list[Event]]
) -> None:
    events = long_conversation(lived)
    for batches in ((1, 2, 3, 4, 5, 6, 7), (5, 1, 9), (40,)):
        assert _check_growing(agent, events, batches=batches, name="batches") > 8 * 8


def test_a_message_marked_after_its_states_were_kept_starts_again(
    agent: Any, lived: list[list[Event]], starts: type[_Counted]
) -> None:
    """Featurization or entities added to a message already read (after a second listen)
    change the earlier states in Rasa's replay: the kept ones are not resumed."""
    domain, story = agent.domain, next(s for s in lived if not has_form(s))
    for marking in (
        DefinePrevUserUtteredFeaturization(True),
        EntitiesAdded([{"entity": "place", "value": "bolton", "start": 0, "end": 6}]),
    ):
        tracker = DialogueStateTracker.from_events("marked", fresh(story), domain.slots)
        assert isinstance(tracker.events[-1], ActionExecuted)
        tracker.update(ActionExecuted(LISTEN))
        for args in _every_args(agent):
            kept_past_states(tracker, domain, *args)
        made = starts.made
        tracker.update(marking)
        for args in _every_args(agent):
            assert kept_past_states(tracker, domain, *args) == tracker.past_states(domain, *args)
        assert starts.made == made + 8


def _loop_restarts(events: Sequence[Event], monkeypatch: pytest.MonkeyPatch) -> int:
    """How many added events (one at a time) change which earlier events apply: each
    rewind, each loop name's first ActiveLoop, each loop action taking back turns."""
    tracker = DialogueStateTracker.from_events("count", fresh(events), None)
    undone = []
    original = DialogueStateTracker._undo_till_previous_loop_execution

    def counted(name: str, done: list[Event]) -> None:
        undone.append(name)
        original(name, done)

    names: set[str] = set()
    firsts = 0
    for e in events[1:]:
        if isinstance(e, ActiveLoop) and e.name and e.name not in names:
            names.add(e.name)
            firsts += 1
    rewinds = sum(isinstance(e, engine.policies.REWINDS) for e in events[1:])
    with monkeypatch.context() as patched:
        patched.setattr(
            DialogueStateTracker, "_undo_till_previous_loop_execution", staticmethod(counted)
        )
        tracker.applied_events()
    return firsts + rewinds + len(undone)


def test_resuming_is_what_happens(
    agent: Any,
    lived: list[list[Event]],
    starts: type[_Counted],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Added one at a time, the events of a conversation start the computation over only
    where they change which earlier events apply (never, without forms)."""
    plain = [e for s in lived if not has_form(s) for e in fresh(s)]
    calls = _check_growing(agent, plain, name="plain")
    assert starts.made == 8 and calls == 8 * len(plain) > 8 * 40

    with_forms = long_conversation(lived)
    starts.made = 0
    calls = _check_growing(agent, with_forms, name="forms")
    expected = 8 * (1 + _loop_restarts(with_forms, monkeypatch))
    assert starts.made == expected and expected < calls / 4


def test_the_kept_states_start_again_when_the_events_are_not_the_ones_seen(
    agent: Any, lived: list[list[Event]], starts: type[_Counted]
) -> None:
    domain, story = agent.domain, fresh(lived[0])
    args = (False, True, _rule_policy(agent)._get_rule_only_data())

    def same(tracker: DialogueStateTracker, on: Any = None) -> None:
        assert kept_past_states(tracker, on or domain, *args) == tracker.past_states(
            on or domain, *args
        )

    tracker = DialogueStateTracker.from_events("seen", story, domain.slots)
    same(tracker)
    made = starts.made
    tracker.events.pop()  # fewer events
    same(tracker)
    tracker.events.pop()
    tracker.events.append(ActionExecuted(LISTEN))  # as many, the last one another
    same(tracker)
    tracker.events = deque(tracker.events)  # another container
    same(tracker)
    same(tracker, copy.copy(domain))  # another domain
    assert starts.made == made + 4
    same(tracker)  # back to the first domain: starts again once, then resumes
    tracker.update(ActionExecuted("action_answer"))
    same(tracker)
    assert starts.made == made + 5

    short = DialogueStateTracker.from_events("short", [], domain.slots)
    short._max_event_history = 6
    short.events = deque(maxlen=6)
    for event in fresh(story):  # the first events fall off the front
        short.update(event)
        same(short)
    listed = DialogueStateTracker.from_events("listed", fresh(story), domain.slots)
    listed.events = list(listed.events)
    same(listed)
    listed.update(ActionExecuted(LISTEN))
    same(listed)


def test_other_trackers_get_their_own_past_states(agent: Any, starts: type[_Counted]) -> None:
    """A tracker that makes its states its own way (training's) is asked for them."""
    domain = agent.domain
    for tracker in load_data("tests/stories", domain, augmentation_factor=0)[:3]:
        assert type(tracker).past_states is not DialogueStateTracker.past_states
        assert kept_past_states(tracker, domain) == tracker.past_states(domain)
    assert starts.made == 0


def test_with_the_patches_off_rasas_own_states_are_used(
    agent: Any, lived: list[list[Event]], monkeypatch: pytest.MonkeyPatch, starts: type[_Counted]
) -> None:
    domain, policies = agent.domain, _policies(agent)
    rule_only = _rule_policy(agent)._get_rule_only_data()
    story = next(s for s in lived if has_form(s))
    tracker = DialogueStateTracker.from_events("off", fresh(story), domain.slots)
    monkeypatch.setenv(patches.SWITCH, "off")
    rasas = [p._prediction_states(tracker, domain, rule_only_data=rule_only) for p in policies]
    assert starts.made == 0 and "_kept_states" not in tracker.__dict__
    monkeypatch.delenv(patches.SWITCH)
    ours = [p._prediction_states(tracker, domain, rule_only_data=rule_only) for p in policies]
    assert starts.made > 0 and "_kept_states" in tracker.__dict__
    assert ours == rasas
