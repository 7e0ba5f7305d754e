"""The policies that keep states and matching rules predict exactly as Rasa's own policies."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from rasa.core.policies.rule_policy import RULES, RULES_FOR_LOOP_UNHAPPY_PATH, RulePolicy
from rasa.core.training import load_data
from rasa.shared.core.events import ActionExecuted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from engine import patches
from engine.policies import KeptMemoizationPolicy, KeptRulePolicy, kept_past_states


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
