"""Which of the engine's turns belongs to which of the person's messages.

The gateway stores a person's message before it asks the engine, and the engine stamps its
user event when the message arrives, so a turn belongs to the latest person message stored
before it (with a little leeway for clocks) that no earlier turn took. Messages the engine
never saw (while an advisor held the conversation, call-back steps, refusals) get no turn;
when two messages could fit, the one with the same words wins.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.store.tracker_turns import UserTurn

# How far the engine's clock may run behind the gateway's (both on one machine or in sync).
LEEWAY_S = 2.0


@dataclass(frozen=True)
class PersonMessage:
    """What matching needs of a stored message from the person."""

    id: int
    text: str
    at: datetime


def _same_words(a: str, b: str) -> bool:
    return " ".join(a.lower().split()) == " ".join(b.lower().split())


def match_turns(
    messages: Sequence[PersonMessage], turns: Sequence[UserTurn]
) -> dict[int, UserTurn]:
    """{message id: the engine's turn for it}, both lists oldest first."""
    matched: dict[int, UserTurn] = {}
    start = 0
    for turn in turns:
        candidates = [
            i
            for i in range(start, len(messages))
            if messages[i].at.timestamp() <= turn.at + LEEWAY_S
        ]
        if not candidates:
            continue
        same = [i for i in candidates if _same_words(messages[i].text, turn.text)]
        chosen = same[-1] if same else candidates[-1]
        matched[messages[chosen].id] = turn
        start = chosen + 1
    return matched
