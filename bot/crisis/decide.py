"""From probabilities and rule matches to one decision: crisis, ask, or none.

Kept apart from the model so the training script can check the very same decisions on
cross-validated probabilities.
"""

from __future__ import annotations

from dataclasses import dataclass

CATEGORIES = ("suicide", "self_harm", "overdose", "third_party", "danger", "abuse")
ASK_CATEGORY = "suicide"
# The question in the middle band follows what the message reads most like: abuse and danger
# are asked "is someone hurting you, or making you feel unsafe, right now?", the rest "are you
# thinking about ending your life?" (a message about a partner's control is not asked about
# suicide).
SAFETY_CATEGORIES = frozenset({"danger", "abuse"})
SAFETY_ASK_CATEGORY = "abuse"
# The response (domain.yml) that asks each question, by the category an "ask" carries: one table
# for the gateway, the engine's policy and the actions.
QUESTION_RESPONSES = {
    ASK_CATEGORY: "utter_crisis_check",
    SAFETY_ASK_CATEGORY: "utter_crisis_safety_check",
}


def question_category(category: str | None) -> str:
    """The category an "ask" carries, which picks the question: abuse for the safety one."""
    return SAFETY_ASK_CATEGORY if category in SAFETY_CATEGORIES else ASK_CATEGORY


# Probability of any crisis label at which the detector says crisis / asks. After distress in
# the last few messages the bars are multiplied by the context factors, and a method-seeking
# message ("how high is the bridge") is a crisis once its method probability reaches
# `context_method`, or when it names a method (a bridge, a dose, a rope...) and method + crisis
# reach `context_cue`; a message that names a method below that is asked about. `distress` is
# what counts as distress in a message.
DEFAULT_THRESHOLDS = {
    "crisis": 0.7,
    "ask": 0.15,
    "context_crisis_factor": 0.85,
    "context_ask_factor": 0.5,
    "context_method": 0.3,
    "context_cue": 0.15,
    "distress": 0.5,
}


@dataclass(frozen=True)
class Assessment:
    """What the detector decided about one message, and why, for the reply and the alert."""

    decision: str  # "crisis" | "ask" | "none"
    category: str | None  # one of CATEGORIES when decision != "none"
    score: float  # probability of the category (1.0 for a rule match)
    source: str  # "rule" | "model" | "context" | "none"


NONE = Assessment("none", None, 0.0, "none")


def crisis_mass(p: dict[str, float]) -> float:
    """The probability that the message is any kind of crisis."""
    return sum(p.get(c, 0.0) for c in CATEGORIES)


def is_distress(p: dict[str, float], thresholds: dict[str, float]) -> bool:
    """Low mood, thoughts of suicide or any crisis: enough to lower the bar for what follows."""
    mass = crisis_mass(p) + p.get("distress", 0.0)
    return mass >= thresholds["distress"] or crisis_mass(p) >= thresholds["ask"]


def decide(
    p: dict[str, float],
    thresholds: dict[str, float],
    rule: str | None,
    *,
    distressed: bool,
    method_cue: bool = False,
) -> Assessment:
    """One decision from the model's probabilities, a rule's category and the context."""
    if rule is not None:
        return Assessment("crisis", rule, 1.0, "rule")
    if not p:
        return NONE
    mass = crisis_mass(p)
    category = max(CATEGORIES, key=lambda c: p.get(c, 0.0))
    crisis_bar, ask_bar = thresholds["crisis"], thresholds["ask"]
    if distressed:
        crisis_bar *= thresholds["context_crisis_factor"]
        ask_bar *= thresholds["context_ask_factor"]
    if mass >= crisis_bar:
        return Assessment("crisis", category, round(p[category], 4), "model")
    if distressed:
        # After distress, a question about a means (a bridge, a dose, a rope...) is treated as
        # crisis services treat it: a crisis when the model also sees method-seeking or crisis,
        # and at least the direct question otherwise. Nobody is left unasked.
        method = p.get("method", 0.0)
        if method >= thresholds["context_method"] or (
            method_cue and method + mass >= thresholds["context_cue"]
        ):
            return Assessment("crisis", ASK_CATEGORY, round(method + mass, 4), "context")
        if method_cue:
            return Assessment("ask", ASK_CATEGORY, round(method + mass, 4), "context")
    if mass >= ask_bar:
        return Assessment("ask", question_category(category), round(mass, 4), "model")
    return NONE
