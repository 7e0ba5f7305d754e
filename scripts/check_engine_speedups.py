"""Run in the engine's environment: what engine/speedups.py, engine/action_client.py,
engine/privacy.py and the intent classifier's feature builder put in place of Rasa's code is
installed with the model's custom components and gives the same answers as Rasa's own code,
on this model, its rules and the test stories."""

from __future__ import annotations

import asyncio
import json
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import rasa.core.nlg.interpolator
import rasa.shared.utils.common
import structlog
import structlog.testing
from aiohttp import web
from rasa.core.actions.action import RemoteAction
from rasa.core.agent import Agent
from rasa.core.policies.rule_policy import RULES, RULES_FOR_LOOP_UNHAPPY_PATH, RulePolicy
from rasa.core.training import load_data
from rasa.engine.graph import GraphSchema
from rasa.engine.runner.dask import DaskGraphRunner
from rasa.shared.core.events import Event
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.utils.endpoints import ClientResponseError, EndpointConfig
from rasa.utils.log_utils import configure_structlog
from scipy.sparse import csr_matrix, hstack
from sklearn.preprocessing import normalize

import engine.crisis_rules  # noqa: F401 - installs speedups, action_client and privacy
from engine import action_client, intent_classifier, privacy, speedups

logging.disable(logging.WARNING)
MODEL = Path(sys.argv[1] if len(sys.argv) > 1 else "models/welfare.tar.gz")
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
    "/greet",
    "x" * 2000,
    "!!!",
]


def check_installed() -> None:
    pairs = [
        (RemoteAction._validate_action_result, speedups._validate_action_result),
        (Event.resolve_by_type, speedups._resolve_by_type),
        (GraphSchema.minimal_graph_schema, speedups._minimal_graph_schema),
        (RulePolicy._get_possible_keys, speedups._get_possible_keys),
        (DialogueStateTracker.past_states, speedups._past_states),
        (DaskGraphRunner.run, speedups._run_graph),
        (EndpointConfig.request, action_client._request),
    ]
    for installed, ours in pairs:
        assert installed is ours, ours.__name__


def check_validation() -> None:
    action = RemoteAction("action_answer", None)
    schema = RemoteAction.action_response_format_spec()
    good = {"events": [{"event": "slot", "name": "district", "value": "Bolton"}], "responses": []}
    assert action._validate_action_result(good) is True
    jsonschema.validate(good, schema)
    for answer in ({"events": [{"event": 42}], "responses": "not a list"}, {"events": "x"}):
        try:
            action._validate_action_result(answer)
        except jsonschema.ValidationError as error:
            assert "Failed to validate Action server response" in error.message
            try:
                jsonschema.validate(answer, schema)
            except jsonschema.ValidationError:
                pass
            else:
                raise AssertionError("Rasa's own check accepts what ours refuses")
        else:
            raise AssertionError("a malformed answer was accepted")


def check_event_classes() -> int:
    """The same class as Rasa's own lookup for every name, twice (cold and cached)."""
    names = {cls.type_name for cls in rasa.shared.utils.common.all_subclasses(Event)}
    for _ in range(2):
        for name in sorted(names):
            assert Event.resolve_by_type(name) is speedups._rasa_resolve_by_type(name), name
    assert Event.resolve_by_type("topic") is None
    assert Event.resolve_by_type("no-such-event", default=Event) is Event
    try:
        Event.resolve_by_type("no-such-event")
    except ValueError:
        pass
    else:
        raise AssertionError("an unknown event name was accepted")
    return len(names)


def check_graph_pruning(schema: GraphSchema) -> int:
    """The same nodes as Rasa's own pruning, for the model's graph and every target."""
    for targets in [None, *([name] for name in schema.nodes)]:
        for _ in range(2):
            ours = schema.minimal_graph_schema(targets)
            rasas = speedups._rasa_minimal_graph_schema(schema, targets)
            assert ours.as_dict() == rasas.as_dict(), targets
    return len(schema.nodes) + 1


def rule_policy(agent: Agent) -> RulePolicy:
    nodes = agent.processor.graph_runner._instantiated_nodes  # type: ignore[union-attr]
    return next(n._component for n in nodes.values() if isinstance(n._component, RulePolicy))


def check_states_and_rules(agent: Agent) -> int:
    """Every prefix of every test story and rule: the same states as Rasa's replay, and the
    same matching rules as Rasa's walk, asked twice (computed, then kept)."""
    policy, domain = rule_policy(agent), agent.domain
    rule_only = policy._get_rule_only_data()
    trackers = load_data("tests/stories", domain, augmentation_factor=0)
    trackers += load_data("data/rules.yml", domain, augmentation_factor=0)
    checked = 0
    for story in trackers:
        events = list(story.events)
        for end in range(1, len(events) + 1):
            tracker = DialogueStateTracker.from_events("check", events[:end], domain.slots)
            for args in ((False, False, None), (True, True, rule_only), (False, True, rule_only)):
                expected = speedups._rasa_past_states(tracker, domain, *args)
                for _ in range(2):
                    states = tracker.past_states(domain, *args)
                    assert states == expected, (end, args)
                    states[-1].clear()  # callers edit their copy; the kept one is untouched
            states = tracker.past_states(domain, False, True, rule_only)
            for lookup in (policy.lookup[RULES], policy.lookup[RULES_FOR_LOOP_UNHAPPY_PATH]):
                expected_keys = speedups._rasa_get_possible_keys(policy, lookup, states)
                for _ in range(2):
                    assert policy._get_possible_keys(lookup, states) == expected_keys
            checked += 1
    return checked


def old_features(message: Message) -> csr_matrix:
    """The classifier's features as first written: scikit-learn's normalize and scipy."""
    blocks = [
        normalize(csr_matrix(f.features))
        for f in message.features
        if f.attribute == TEXT and f.type == FEATURE_TYPE_SENTENCE and f.is_sparse()
    ]
    return hstack(blocks).tocsr()


def check_graph_runs_and_features(agent: Agent) -> int:
    """Parses through dask's in-order get equal parses through its scheduler; the numpy
    feature rows equal scikit-learn's; a message with no features gets a row of zeros."""
    seen: list[Message] = []
    create_x: Callable[..., Any] = intent_classifier.LinearSVCIntentClassifier._create_X

    def spy(self: Any, messages: list[Message]) -> csr_matrix:
        seen.extend(messages)
        return create_x(self, messages)

    intent_classifier.LinearSVCIntentClassifier._create_X = spy  # type: ignore[method-assign]
    try:
        for text in TEXTS:
            ours = asyncio.run(agent.parse_message(text))
            DaskGraphRunner.run = speedups._rasa_run_graph  # type: ignore[method-assign]
            try:
                rasas = asyncio.run(agent.parse_message(text))
            finally:
                DaskGraphRunner.run = speedups._run_graph  # type: ignore[method-assign]
            assert ours == rasas, text
    finally:
        intent_classifier.LinearSVCIntentClassifier._create_X = create_x  # type: ignore
    for message in seen:
        ours_row = intent_classifier.features_matrix([message])
        assert abs(ours_row - old_features(message)).max() < 1e-12
    empty = intent_classifier.features_matrix([Message(data={TEXT: ""})], width=7)
    assert empty.shape == (1, 7) and empty.nnz == 0
    alone = intent_classifier.features_matrix([seen[0]])
    both = intent_classifier.features_matrix([seen[0], Message(data={TEXT: ""})])
    assert both.shape == (2, alone.shape[1]) and both[1].nnz == 0
    assert (both[0] != alone).nnz == 0
    return len(seen)


async def check_action_requests() -> None:
    """Same answers, errors and JSON body as Rasa's own request, over one kept connection;
    and a restarted action server is reached again without an error."""
    peers: list[int] = []
    bodies: list[Any] = []

    async def webhook(request: web.Request) -> web.Response:
        peers.append(request.transport.get_extra_info("peername")[1])  # type: ignore
        bodies.append(json.loads(await request.read()))
        if request.headers.get("Content-Type") != "application/json":
            return web.json_response({"error": "content type"}, status=415)
        return web.json_response({"events": [], "responses": [{"text": "ok / é"}]})

    async def failing(request: web.Request) -> web.Response:
        return web.json_response({"error": "no such action"}, status=404)

    app = web.Application()
    app.add_routes([web.post("/webhook", webhook), web.post("/missing", failing)])

    async def serve() -> web.AppRunner:
        runner = web.AppRunner(app)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 15999).start()
        return runner

    runner = await serve()
    endpoint = EndpointConfig("http://127.0.0.1:15999/webhook")
    missing = EndpointConfig("http://127.0.0.1:15999/missing")
    body = {"next_action": "action_x", "tracker": {"slots": {"a": [1, 2.5, None]}, "t": "/ é"}}
    try:
        answers = [await endpoint.request(json=body, method="post") for _ in range(3)]
        rasas = await action_client._rasa_request(endpoint, json=body, method="post")
        assert answers == [rasas] * 3, answers
        assert bodies == [body] * 4, bodies
        assert len(set(peers[:3])) == 1, "the connection was not kept"
        for request in (missing.request, lambda **kw: action_client._rasa_request(missing, **kw)):
            try:
                await request(json=body, method="post")
            except ClientResponseError as error:
                assert error.status == 404
            else:
                raise AssertionError("an error status was not raised")
        await runner.cleanup()
        runner = await serve()
        assert await endpoint.request(json=body, method="post") == rasas
    finally:
        await runner.cleanup()
        for kept in (endpoint, missing):
            await action_client._shared_session(kept).close()


def check_privacy() -> int:
    """Responses come out as Rasa's interpolation makes them, without its error log for
    button payloads; exception tracebacks in the structured log carry no local variables."""
    values = {"name": "Sam", "district": "Bolton", "x": 1}
    texts = [
        "Hi {name}, you're in {district}.",
        '/inform{"best_time":"Mornings"}',
        "{{name}} stays",
        "no placeholders",
        "{nosuchslot} and {name}",
        "{x}{x}",
        "{}",
    ]
    for text in texts:
        with structlog.testing.capture_logs() as rasa_logged:
            rasas = privacy._rasa_interpolate_text(text, values)
        with structlog.testing.capture_logs() as we_logged:
            assert privacy._interpolate_text(text, values) == rasas, text
        assert not we_logged
        assert bool(rasa_logged) == ("inform" in text or "nosuchslot" in text), text
    configure_structlog(logging.WARNING)  # as `rasa run` does before loading the model
    privacy.install()
    renderers = [p for p in structlog.get_config()["processors"] if hasattr(p, "format_exception")]
    assert renderers and all(not r.format_exception.show_locals for r in renderers)
    return len(texts)


def main() -> None:
    check_installed()
    assert rasa.core.nlg.interpolator.interpolate_text is privacy._interpolate_text
    interpolations = check_privacy()
    check_validation()
    names = check_event_classes()
    agent = Agent.load(str(MODEL))
    targets = check_graph_pruning(agent.processor.model_metadata.predict_schema)  # type: ignore
    prefixes = check_states_and_rules(agent)
    parsed = check_graph_runs_and_features(agent)
    asyncio.run(check_action_requests())
    print(
        f"engine speedups: installed; same verdicts as jsonschema.validate; same classes for "
        f"{names} event names; same pruned graph for {targets} target sets; same states and "
        f"rules for {prefixes} conversation prefixes; same parses and features for {parsed} "
        f"messages; action requests reuse one connection and survive a restart; same text "
        f"for {interpolations} interpolations without the error log; no locals in tracebacks"
    )


if __name__ == "__main__":
    main()
