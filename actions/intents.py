"""Sets of intents the actions treat alike, defined once.

The crisis intents are set by the shared crisis detector (engine/crisis_rules.py); every
action that must never read a crisis message as something else (a form answer, a place)
uses CRISIS_INTENTS from here, so a new crisis intent reaches them all at once.
"""

from __future__ import annotations

# Set by the crisis detector. When it is unsure, a message keeps its own intent and is marked
# instead (CRISIS_ASK): see actions/common.py, crisis_question_first.
CRISIS_INTENTS: frozenset[str] = frozenset({"crisis", "crisis_abuse", "crisis_other"})

# The parse-result field the engine sets on a message the crisis detector is unsure about:
# the assistant asks "are you thinking about ending your life?" before anything else.
CRISIS_ASK = "crisis_ask"

# Requests that leave whatever the person was doing: a form, a question.
FLOW_CHANGES: frozenset[str] = frozenset({"cancel", "human", "refer_self"})

# "Tell me more" (the button under an answer, or typed) asks for the rest of that answer.
TELL_ME_MORE = "tell_me_more"

# Messages that are never read as an answer to a form question.
NOT_AN_ANSWER: frozenset[str] = CRISIS_INTENTS | FLOW_CHANGES | {TELL_ME_MORE}

# Intents whose text is never read as a place, so a question asked mid-form is not a town.
NOT_A_PLACE: frozenset[str] = NOT_AN_ANSWER | {"help_topics", "change_answer"}
