"""The action server gets Rasa's request with the conversation's recent turns only."""

from __future__ import annotations

from typing import Any

from rasa.core.actions.action import RemoteAction
from rasa.shared.core.events import Event, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from engine.patches import action_tracker
from tests.engine.lived import as_lived, fresh, long_conversation, story_events


def _action(agent: Any) -> RemoteAction:
    endpoint = EndpointConfig("http://127.0.0.1:5055/webhook", enable_selective_domain=True)
    return RemoteAction("action_handover", endpoint)


def _tracker(agent: Any, events: list[Event]) -> DialogueStateTracker:
    return DialogueStateTracker.from_events("payload", fresh(events), agent.domain.slots)


def _both(agent: Any, tracker: DialogueStateTracker) -> tuple[dict, dict]:
    action = _action(agent)
    ours = action_tracker.action_call_format(action, tracker, agent.domain)
    rasas = action_tracker._rasa_action_call_format(action, tracker, agent.domain)
    return ours, rasas


def test_a_long_conversation_sends_its_last_ten_turns_and_the_rest_as_rasa(agent: Any) -> None:
    lived = [as_lived(agent, story) for story in story_events(agent)]
    tracker = _tracker(agent, long_conversation(lived))
    messages = sum(isinstance(e, UserUttered) for e in tracker.events)
    assert messages > 2 * action_tracker.RECENT_TURNS
    ours, rasas = _both(agent, tracker)
    sent, every = ours["tracker"].pop("events"), rasas["tracker"].pop("events")
    assert ours == rasas  # slots, form, latest message, domain or not, version: Rasa's
    assert len(sent) < len(every) / 2
    assert sent == every[len(every) - len(sent) :]  # the newest events, in order
    assert sent[0]["event"] == "user"
    assert sum(e["event"] == "user" for e in sent) == action_tracker.RECENT_TURNS


def test_a_short_conversation_is_sent_whole(agent: Any) -> None:
    lived = [as_lived(agent, story) for story in story_events(agent)]
    for story in lived[:20]:
        tracker = _tracker(agent, story)
        ours, rasas = _both(agent, tracker)
        if sum(isinstance(e, UserUttered) for e in tracker.events) < action_tracker.RECENT_TURNS:
            assert ours == rasas


def test_switched_on_the_engine_sends_the_recent_turns(agent: Any) -> None:
    from engine import patches

    if patches.enabled():
        assert RemoteAction._action_call_format is action_tracker.action_call_format
    else:
        assert RemoteAction._action_call_format is action_tracker._rasa_action_call_format
