"""The crisis question first: a policy that acts on the NLU's `crisis_ask` mark before the rest.

When the shared detector is unsure about a message, the NLU keeps the message's topic intent and
adds `crisis_ask: <category>` to the parse result (engine/crisis_rules.py). This policy, ranked
above the rule policy, then asks "are you thinking about ending your life?"
(`utter_crisis_check`) before the topic is answered, and waits for the answer. When the detector
read the message most like abuse or danger (the mark is "abuse") it asks "is someone hurting
you, or making you feel unsafe, right now?" (`utter_crisis_safety_check`) instead. The rules in
data/rules.yml read the answer: yes, not sure or an answer the assistant cannot read is a
crisis (after the safety question, the abuse reply); "no" is thanked and
`action_crisis_check_no` answers the topic the marked message was about.

Why a policy: a rule's user step needs an intent, so "any intent with the mark" would be one rule
per intent, and no story or rule can state a parse-result field. Why ranked above the rules but
not above a form: Rasa lets a running form take the message first (its happy path overrules
every policy); the forms' validators refuse a marked message as an answer (actions/common.py),
the form is rejected, and the question comes next, as it did when the detector set an intent.

A marked message right after the question is not asked about again: it is not a "no", and the
detector is still unsure, so it counts as not sure (`action_crisis`), like an unclear answer.
"""

from __future__ import annotations

from typing import Any, Dict, List

from rasa.core.policies.policy import Policy, PolicyPrediction, confidence_scores_for
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, UserUttered
from rasa.shared.core.generator import TrackerWithCachedStates
from rasa.shared.core.trackers import DialogueStateTracker

from bot.crisis.decide import ASK_CATEGORY, QUESTION_RESPONSES, SAFETY_ASK_CATEGORY
from engine.crisis_rules import CRISIS_ASK

QUESTION = QUESTION_RESPONSES[ASK_CATEGORY]
# Asked instead when the detector read the message most like abuse or danger (the mark is
# "abuse"): "is someone hurting you, or making you feel unsafe, right now?"
SAFETY_QUESTION = QUESTION_RESPONSES[SAFETY_ASK_CATEGORY]
QUESTIONS = (QUESTION, SAFETY_QUESTION)
SAFETY_MARK = SAFETY_ASK_CATEGORY
CRISIS_ACTION = "action_crisis"
NO = "deny"
# Above the rule policy (4), so the question comes before the topic's rule.
PRIORITY = 5


def marked(message: UserUttered | None) -> bool:
    """The NLU wants the crisis question asked about this message."""
    return bool(message is not None and (message.parse_data or {}).get(CRISIS_ASK))


def question_for(message: UserUttered) -> str:
    """The question the mark asks for: the safety one for abuse, else the crisis one (the
    mark is the category, or `true` from an engine before categories were marked)."""
    return (
        SAFETY_QUESTION if (message.parse_data or {}).get(CRISIS_ASK) == SAFETY_MARK else QUESTION
    )


def answers_the_question(tracker: DialogueStateTracker) -> bool:
    """The assistant's last action before the person's latest message was the crisis question."""
    seen_user = False
    for event in reversed(tracker.events):
        if isinstance(event, UserUttered):
            if seen_user:
                return False
            seen_user = True
        elif seen_user and isinstance(event, ActionExecuted):
            if event.action_name != ACTION_LISTEN_NAME:
                return event.action_name in QUESTIONS
    return False


def next_action(tracker: DialogueStateTracker) -> str | None:
    """The action the crisis question needs now, or None to leave the turn to the rest."""
    latest = tracker.latest_action_name
    if latest in (*QUESTIONS, CRISIS_ACTION):
        return ACTION_LISTEN_NAME  # each ends the assistant's turn, whatever led to it
    message = tracker.latest_message
    if latest != ACTION_LISTEN_NAME or message is None or not marked(message):
        return None
    if not answers_the_question(tracker):
        return question_for(message)
    intent = (message.intent or {}).get("name")
    return None if intent == NO else CRISIS_ACTION


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=False
)
class CrisisQuestionPolicy(Policy):
    """Asks the crisis question first when the NLU marked the latest message `crisis_ask`."""

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        return {"priority": PRIORITY}

    def train(
        self, training_trackers: List[TrackerWithCachedStates], domain: Domain, **kwargs: Any
    ) -> Resource:
        # Nothing to learn (it reads the mark); an empty resource, so loading finds one.
        with self._model_storage.write_to(self._resource):
            pass
        return self._resource

    def predict_action_probabilities(
        self,
        tracker: DialogueStateTracker,
        domain: Domain,
        rule_only_data: Dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> PolicyPrediction:
        action = next_action(tracker)
        if action is None:
            return self._prediction(self._default_predictions(domain))
        return self._prediction(confidence_scores_for(action, 1.0, domain))
