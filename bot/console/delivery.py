"""How the console shows whether an advisor's message reached the person's Telegram chat.

The words are chosen here, once, for the conversation view, the reply's answer and the live
stream, so the page only shows them: in plain English, and in text (never by colour alone).
"""

from __future__ import annotations

from typing import Any

from bot.store.delivery import DeliveryState
from bot.vocabulary import Delivery, DeliveryProblem

SENDING = "Sending…"
RETRYING = "Not delivered yet, trying again"
SENT = "Sent"
NOT_DELIVERED = "Not delivered: {}"

REASONS: dict[str, str] = {
    DeliveryProblem.BLOCKED: "the person has blocked the bot or closed their Telegram account",
    DeliveryProblem.CHAT_NOT_FOUND: "Telegram cannot find the person's chat any more",
    DeliveryProblem.REFUSED: "Telegram would not accept this message",
    DeliveryProblem.NO_CHAT: "this conversation has no Telegram chat any more",
    DeliveryProblem.RATE_LIMITED: "Telegram kept asking us to wait, and we stopped trying",
    DeliveryProblem.UNREACHABLE: "Telegram could not be reached after several tries",
}
UNKNOWN_REASON = "Telegram did not accept it"


def status(state: str, attempts: int = 0, problem: str | None = None) -> str:
    """The line shown under the message."""
    if state == Delivery.SENT:
        return SENT
    if state == Delivery.FAILED:
        return NOT_DELIVERED.format(REASONS.get(problem or "", UNKNOWN_REASON))
    return RETRYING if attempts else SENDING


def view(state: DeliveryState | None) -> dict[str, Any] | None:
    """A message's delivery as the staff API shows it; None for messages with none."""
    if state is None:
        return None
    return {
        "state": state.state,
        "attempts": state.attempts,
        "problem": state.problem,
        "status": status(state.state, state.attempts, state.problem),
    }


def from_event(event: dict[str, Any]) -> dict[str, Any]:
    """A published delivery change (bot/telegram/delivery.py) as the console stream sends it."""
    state = DeliveryState(
        int(event["message_id"]),
        str(event.get("state")),
        int(event.get("attempts") or 0),
        event.get("problem"),
    )
    return {"message_id": state.message_id, "delivery": view(state)}
