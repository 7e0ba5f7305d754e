"""The engine's crisis component gives each message the intent the shared detector decides,
and marks the messages it is unsure about (`crisis_ask`) while they keep their topic.

Runs with the engine's Python 3.10 (`make test-engine`), so it also shows the detector reads
its model there to the very numbers the gateway's Python gets.
"""

from __future__ import annotations

import math
import os
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, METADATA, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.crisis import normalise
from bot.crisis.model import MODEL_FILE, load, read
from engine.crisis_rules import CRISIS_ASK, CRISIS_INTENTS, CrisisRuleClassifier

ROOT = Path(__file__).resolve().parents[2]
HELDOUT = Path(os.environ.get("CRISIS_HELDOUT") or ROOT / "tests" / "crisis" / "heldout_crisis.yml")
DISTRESS = ["i cant see any way out of this", "everyone would be better off if i wasnt here"]


@pytest.fixture(scope="module")
def component() -> CrisisRuleClassifier:
    """The component as config.yml names it."""
    return CrisisRuleClassifier({"patterns_file": "content/crisis_patterns.yml"})


def parse(
    component: CrisisRuleClassifier,
    text: str,
    predicted: str = "uc_claim",
    metadata: dict[str, Any] | None = None,
) -> Message:
    """A message as the intent classifier leaves it, run through the crisis component."""
    message = Message({TEXT: text, METADATA: metadata or {}})
    others = [n for n in ("uc_claim", "food", "greet") if n != predicted]
    ranking = [{"name": predicted, "confidence": 0.6}] + [
        {"name": name, "confidence": 0.2} for name in others
    ]
    message.set(INTENT, dict(ranking[0]))
    message.set(INTENT_RANKING_KEY, ranking)
    return component.process([message])[0]


def intent(message: Message) -> str:
    """The intent the component left on top."""
    return message.get(INTENT)["name"]


def asks(message: Message) -> bool:
    """The component marked the message: ask the crisis question first."""
    return bool(message.get(CRISIS_ASK))


@pytest.mark.parametrize(
    ("text", "expected", "asked"),
    [
        ("i want to kill myself", "crisis", False),
        ("necked a whole box of co codamol about an hour ago", "crisis", False),
        ("my partner hits me", "crisis_abuse", False),
        ("my mate took loads of pills and won't wake up", "crisis_other", False),
        ("i cant do this anymore", "uc_claim", True),
        ("how do i claim universal credit", "uc_claim", False),
        ("this form is killing me", "uc_claim", False),
    ],
)
def test_intent_follows_the_detector(
    component: CrisisRuleClassifier, text: str, expected: str, asked: bool
) -> None:
    parsed = parse(component, text)
    assert intent(parsed) == expected
    assert parsed.get(INTENT_RANKING_KEY)[0]["name"] == expected
    assert asks(parsed) is asked
    assert (CRISIS_ASK in parsed.as_dict(only_output_properties=True)) is asked


def test_an_unsure_message_keeps_its_topic_and_ranking(component: CrisisRuleClassifier) -> None:
    parsed = parse(component, "me and my mum arent talking", predicted="food")
    assert asks(parsed) and intent(parsed) == "food"
    assert [r["name"] for r in parsed.get(INTENT_RANKING_KEY)] == ["food", "uc_claim", "greet"]
    # the classifier's crisis guess is not the detector's: the best other intent stands
    guessed = parse(component, "me and my mum arent talking", predicted="crisis")
    assert asks(guessed) and intent(guessed) == "uc_claim"


def test_a_crisis_guess_the_detector_does_not_share_is_replaced(
    component: CrisisRuleClassifier,
) -> None:
    parsed = parse(component, "i could murder a brew", predicted="crisis")
    assert intent(parsed) == "uc_claim"
    assert all(r["name"] not in CRISIS_INTENTS for r in parsed.get(INTENT_RANKING_KEY))


def test_a_form_answer_is_not_a_crisis_but_a_rule_phrase_still_is(
    component: CrisisRuleClassifier,
) -> None:
    asking = {"crisis_asking": "name"}
    assert intent(parse(component, "Hope", "greet", asking)) == "greet"
    text = "nobody would give a toss if i was gone tomorrow"
    assert intent(parse(component, text)) == "crisis"
    assert intent(parse(component, text, metadata=asking)) == "uc_claim"
    assert intent(parse(component, "i want to kill myself", metadata=asking)) == "crisis"


def test_earlier_messages_from_the_gateway_are_read(component: CrisisRuleClassifier) -> None:
    bridge = "how high is the bridge in stockport"
    assert intent(parse(component, bridge)) == "uc_claim"
    assert intent(parse(component, bridge, metadata={"crisis_recent": DISTRESS})) == "crisis"


def found(decision: str, category: str = "suicide") -> dict[str, Any]:
    """The metadata the gateway sends when its own check flagged the message."""
    return {"crisis_found": {"decision": decision, "category": category}}


def test_the_gateways_finding_raises_a_decision_and_never_lowers_one(
    component: CrisisRuleClassifier,
) -> None:
    bridge = "how high is the bridge in stockport"
    assert intent(parse(component, bridge, metadata=found("crisis"))) == "crisis"
    hit = parse(component, "he has my phone", metadata=found("crisis", "abuse"))
    assert intent(hit) == "crisis_abuse"
    asked = parse(component, bridge, metadata=found("ask"))
    assert intent(asked) == "uc_claim" and asks(asked)
    # The engine's own reading of the words stands when it is the stronger.
    assert intent(parse(component, "i want to kill myself", metadata=found("ask"))) == "crisis"


def test_the_gateways_finding_with_the_context_decides_as_reading_the_context_here(
    component: CrisisRuleClassifier,
) -> None:
    """What the gateway sends for each held-out message with earlier messages gives the
    decision the engine reaches when it reads those messages itself."""
    from bot.crisis import assess

    doc = yaml.safe_load(HELDOUT.read_text(encoding="utf-8")) or {}
    items = (doc.get("positives") or []) + (doc.get("negatives") or [])
    with_context = [i for i in items if i.get("context")]
    assert len(with_context) >= 50
    for item in with_context:
        asking = {"crisis_asking": item["asking"]} if item.get("asking") else {}
        gateway = assess(item["text"], recent=item["context"], asking=item.get("asking"))
        sent = found(gateway.decision, gateway.category) if gateway.category else {}
        read_here = parse(
            component, item["text"], metadata={"crisis_recent": item["context"], **asking}
        )
        told = parse(component, item["text"], metadata={**sent, **asking})
        assert (intent(told), asks(told)) == (intent(read_here), asks(read_here)), item["text"]


def test_odd_metadata_is_ignored(component: CrisisRuleClassifier) -> None:
    wrong = ("yes", {"decision": "none", "category": "suicide"}, {"decision": "crisis"})
    for sent in wrong:
        parsed = parse(component, "how do i claim uc", metadata={"crisis_found": sent})
        assert intent(parsed) == "uc_claim" and not asks(parsed)
    odd = {"crisis_recent": "not a list", "crisis_asking": 7}
    assert intent(parse(component, "i want to kill myself", metadata=odd)) == "crisis"
    assert intent(parse(component, "how do i claim uc", metadata=odd)) == "uc_claim"


def test_this_python_reads_the_model_to_the_numbers_it_was_trained_with() -> None:
    model = load()
    for text, expected in read(MODEL_FILE)["check"].items():
        got = model.probabilities(normalise.sentences(text))
        assert all(math.isclose(got[k], v, rel_tol=0, abs_tol=1e-12) for k, v in expected.items())


def test_heldout_crisis_set_through_the_engine(component: CrisisRuleClassifier) -> None:
    """The same gate (tests/crisis/gate.yml) as the gateway's check, on the engine's side."""
    doc = yaml.safe_load(HELDOUT.read_text(encoding="utf-8")) or {}
    gate = yaml.safe_load((HELDOUT.parent / "gate.yml").read_text(encoding="utf-8"))
    missed = 0
    for item in doc.get("positives") or []:
        meta = {"crisis_recent": item.get("context") or []}
        parsed = parse(component, item["text"], metadata=meta)
        missed += intent(parsed) not in CRISIS_INTENTS and not asks(parsed)
    negatives = doc.get("negatives") or []
    alarms = 0
    for item in negatives:
        meta = {"crisis_recent": item.get("context") or [], "crisis_asking": item.get("asking")}
        alarms += intent(parse(component, item["text"], metadata=meta)) in CRISIS_INTENTS
    positives = len(doc.get("positives") or [])
    recall = 1 - missed / positives
    assert recall >= gate["min_recall"], f"{missed} of {positives} crises left unanswered"
    assert alarms <= gate["max_false_alarms"] * len(negatives), f"{alarms} false alarms"


def test_no_message_text_is_logged(component: CrisisRuleClassifier, caplog) -> None:
    caplog.set_level("DEBUG")
    parse(component, "i want to kill myself tonight")
    assert not re.search("kill myself", caplog.text)
