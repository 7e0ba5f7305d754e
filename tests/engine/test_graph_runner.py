"""Graph runs in order, with the pruned schema kept, give Rasa's parses and predictions."""

from __future__ import annotations

import asyncio
from typing import Any

from rasa.core.training import load_data
from rasa.engine.runner.dask import DaskGraphRunner
from rasa.shared.core.trackers import DialogueStateTracker

from engine.patches import graph_runner

TEXTS = [
    "hi",
    "I need help with universal credit",
    "where can I get food in Wigan",
    "i live in m9",
    "can I talk to a person",
    "I want to refer myself",
    "I don't want to be here anymore",
    "ça va? ¿qué?",
    "😀😀😀",
    "x" * 2000,
    "!!!",
]


def _with(run: Any, call: Any) -> Any:
    held = DaskGraphRunner.run
    DaskGraphRunner.run = run  # type: ignore[method-assign]
    try:
        return call()
    finally:
        DaskGraphRunner.run = held  # type: ignore[method-assign]


def test_pruned_schema_is_rasas_for_every_target(agent: Any) -> None:
    runner = agent.processor.graph_runner
    schema = runner._graph_schema
    for targets in [schema.target_names, *([name] for name in schema.nodes)]:
        for _ in range(2):
            ours = graph_runner.pruned_schema(runner, targets)
            assert ours.as_dict() == schema.minimal_graph_schema(targets).as_dict(), targets


def test_parses_are_rasas(agent: Any) -> None:
    for text in TEXTS:
        ours = _with(graph_runner.run, lambda text=text: asyncio.run(agent.parse_message(text)))
        rasas = _with(
            graph_runner._rasa_run, lambda text=text: asyncio.run(agent.parse_message(text))
        )
        assert ours == rasas, text


def test_predictions_are_rasas_on_every_story_prefix(agent: Any) -> None:
    """The prediction graph, not only parsing: the next action and its policy, turn by turn."""
    domain = agent.domain
    stories = load_data("tests/stories", domain, augmentation_factor=0)
    checked = 0
    for story in stories[:12]:
        events = list(story.events)
        for end in range(1, len(events) + 1, 2):
            tracker = DialogueStateTracker.from_events("parity", events[:end], domain.slots)

            def predict(tracker: Any = tracker) -> Any:
                prediction = agent.processor._predict_next_with_tracker(tracker)
                return (
                    prediction.max_confidence_index,
                    prediction.policy_name,
                    list(prediction.probabilities),
                )

            assert _with(graph_runner.run, predict) == _with(graph_runner._rasa_run, predict)
            checked += 1
    assert checked > 50
