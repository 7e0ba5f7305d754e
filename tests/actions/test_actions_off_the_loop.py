"""The action server's actions write the contact log and the referral off its event loop.

One action server process serves every conversation on one event loop: a statement run on it
(a SQLite lock wait, a slow PostgreSQL) holds up every other conversation's action meanwhile.
"""

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk import Action

from actions.answers import ActionAnswer
from actions.handover import ActionCrisis, ActionCrisisCheckNo, ActionHandover
from actions.referral_steps import ActionSubmitReferral
from actions.signpost import ActionSignpost
from bot.content import get_content
from tests.support.actions import make_tracker, run_action
from tests.support.event_loop import statements_on_the_loop

FILLED = {
    "referral_consent": True,
    "consent_at": "2026-11-26T10:00:00+00:00",
    "preferred_name": "Sam",
    "district": "Bolton",
    "contact_method": "chat",
    "best_time": "Mornings",
    "needs": ["housing"],
    "probation_status": "yes",
    "referral_confirm": True,
}
# "No" to the crisis question, asked about a message on a topic: the topic's answer follows.
ASKED = [
    {
        "event": "user",
        "text": "im skint and cant eat",
        "parse_data": {"intent": {"name": "food"}, "crisis_ask": True},
    },
    {"event": "user", "text": "no", "parse_data": {"intent": {"name": "deny"}}},
]
ACTIONS: dict[str, tuple[Action, Any]] = {
    "answer": (ActionAnswer(), lambda: make_tracker("how do i claim uc", "uc_claim")),
    "crisis": (ActionCrisis(), lambda: make_tracker("i want to end it", "crisis")),
    "handover": (ActionHandover(), lambda: make_tracker("a person please", "human")),
    "signpost": (
        ActionSignpost(),
        lambda: make_tracker("bolton", "find_local", slots={"district": "Bolton"}),
    ),
    "referral": (ActionSubmitReferral(), lambda: make_tracker("yes", "affirm", slots=FILLED)),
    "crisis_check_no": (ActionCrisisCheckNo(), lambda: make_tracker("no", "deny", events=ASKED)),
}


@pytest.mark.parametrize("name", sorted(ACTIONS))
def test_no_statement_runs_on_the_action_servers_loop(
    name: str, domain: dict[str, Any], database_url: str
) -> None:
    get_content()  # the settings as already read (they are read again every few seconds)
    action, tracker = ACTIONS[name]
    with statements_on_the_loop() as found:
        messages, _ = run_action(action, tracker(), domain)
    assert messages  # the action did its work
    assert found == [], f"{name}: statements on the event loop: {found}"
