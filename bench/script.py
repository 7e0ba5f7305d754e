"""The fixed conversation script: questions, district signposting, a referral form, a handover.

Why these: they are what the e2e tests show the assistant doing, and together they exercise
the NLU, the rules, the form with its validation action and the contact-logging actions.
A `Button` step taps the quick reply with that title (its payload), as a phone would; when
the previous answer offered no such button the title is sent as typed text instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Button:
    """Tap the button titled `title` in the last answer."""

    title: str


Step = str | Button

CONVERSATIONS: dict[str, list[Step]] = {
    "question": [
        "hiya",
        "how do i claim universal credit when i get out",
        "where can i get a food bank voucher",
        "is this confidential",
        "thanks",
    ],
    "signpost": [
        "who can help me round here",
        "farnworth",
        "where can i get a food bank voucher",
    ],
    "postcode": ["who helps people in M22 5RT", "how do i get an advance on my uc"],
    "outside": ["is there a service near me", "i live in leeds"],
    "referral": [
        "can i refer myself",
        Button("Yes, that's OK"),
        "is this confidential",
        "call me Jo",
        "Eccles",
        Button("Phone me"),
        "12345",
        "07700 900123",
        Button("Mornings"),
        Button("Housing"),
        Button("Mentoring"),
        Button("That's all"),
        Button("Yes"),
        Button("Change something"),
        Button("Best time"),
        Button("Evenings"),
        Button("Yes, send it"),
    ],
    "handover": ["hello", "can i talk to a real person"],
}


def script(quick: bool = False) -> list[tuple[str, list[Step]]]:
    """The conversations in a fixed order; QUICK keeps one of each short kind."""
    names = ["question", "signpost", "handover"] if quick else list(CONVERSATIONS)
    return [(name, CONVERSATIONS[name]) for name in names]


def button_payloads(replies: list[dict[str, Any]]) -> dict[str, str]:
    """Title -> payload for every button in the engine's (or the gateway's) answer."""
    return {
        str(b.get("title")): str(b.get("payload"))
        for r in replies
        for b in (r.get("buttons") or [])
        if b.get("title") and b.get("payload")
    }


def resolve_step(step: Step, last: dict[str, str]) -> tuple[str, bool]:
    """(what to send, whether it is a button payload) for one step."""
    if isinstance(step, Button):
        payload = last.get(step.title)
        return (payload, True) if payload else (step.title, False)
    return step, False


def message_count(conversations: list[tuple[str, list[Step]]]) -> int:
    return sum(len(steps) for _, steps in conversations)
