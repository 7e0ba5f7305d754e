"""How a turn's cost grows with the conversation's length: long conversations through the gateway.

Why through the gateway: a person's turn reads the conversation twice there (the crisis
check's recent messages, the buttons on offer) and once in the engine (the tracker store
replays the conversation's events), so a cost that grows with length shows up here first.
Each conversation is a realistic mix of questions, district lookups and button taps
(`CYCLE`); conversation k starts k steps into the cycle, so over as many conversations as the
cycle has steps the turns around 5 and around 60 hold the same mix of messages.

Why a second, fresh cohort: the long conversations take turns, so all of them reach turn 5
at one moment and turn 60 about 70 s later, and on a shared machine the load can change in
between. A cohort of new conversations, the same in every other way, is started so that its
turns 3-7 are sent in the same rounds as the long ones' turns 56-60; the ratio compares
turns measured at the same time. The long conversations' own turns 3-7 are reported too.
The gateway allows 8 messages per 10 s per conversation: each is paced at one message per
1.3 s (the pauses are not timed), one message in flight at a time. New web chat sessions are
limited per client address and hour, so the conversations come from their own loopback
address (127.0.0.2), as different people's phones would.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from statistics import median
from typing import Any

import httpx

from bench.gateway import PACE_S
from bench.load import TIMEOUT_S
from bench.script import Button, Step, button_payloads, resolve_step

TARGET_RATIO = 1.2
EARLY = (3, 7)  # turns "around 5", 1-based and inclusive; turn 1 also starts the session
WINDOW = 5  # turns "around the last", e.g. 56-60 of 60
CLIENT_ADDRESS = "127.0.0.2"  # a loopback address of its own (see above)
PLACES = (
    "who can help me in farnworth",
    "is there a service in eccles",
    "who helps people in hyde",
    "who helps people in OL11",
    "im in stretford who can help me",
)
QUESTIONS = (
    "how do i claim universal credit when i get out",
    "where can i get a food bank voucher",
    "is this confidential",
    "how do i get an advance on my uc",
    "i lost my id how do i get a new one",
    "can i open a bank account without id",
    "im behind on my council tax",
    "how do i get on the housing register",
    "my electric has run out what can i do",
    "do i have to tell an employer about my record",
    "how do i find an nhs dentist",
    "how do i apply for pip",
    "can i get a mentor",
    "bailiffs are coming round what do i do",
)
PLACE, QUESTION = "<place>", "<question>"
# One round of what a person does: greet, find the local service, ask, tap "Tell me more",
# thank, tap "Other topics", ask again. Placeholders take the next place or question.
CYCLE: tuple[Step, ...] = (
    "hiya",
    Button("Find help near me"),
    PLACE,
    QUESTION,
    Button("Tell me more"),
    QUESTION,
    Button("Tell me more"),
    "thanks",
    Button("Other topics"),
    QUESTION,
    Button("Tell me more"),
    QUESTION,
)
# Answers that mean the assistant did not take the turn (the gateway answered instead).
_NOT_THE_ASSISTANT = ("WAITING", "SLOW_DOWN", "OUTAGE", "UNKNOWN_BUTTON", "TOO_LONG")


def steps(index: int, turns: int) -> list[Step]:
    """Conversation `index`: `turns` steps of the cycle, starting `index` steps into it."""
    out: list[Step] = []
    places = questions = index
    for turn in range(turns):
        step = CYCLE[(index + turn) % len(CYCLE)]
        if step == PLACE:
            step, places = PLACES[places % len(PLACES)], places + 1
        elif step == QUESTION:
            step, questions = QUESTIONS[questions % len(QUESTIONS)], questions + 1
        out.append(step)
    return out


def window(timings: Sequence[Sequence[float | None]], first: int, last: int) -> list[float]:
    """Every timed turn from `first` to `last` (1-based, inclusive) of every conversation."""
    return [
        ms for conversation in timings for ms in conversation[first - 1 : last] if ms is not None
    ]


def late_turns(turns: int, early: tuple[int, int] = EARLY) -> tuple[int, int]:
    """The turns "around the last": the last WINDOW, never overlapping the early ones."""
    return max(early[1] + 1, turns - WINDOW + 1), turns


def fresh_start(turns: int, early: tuple[int, int] = EARLY) -> int:
    """After how many turns of the long conversations the fresh cohort starts, so that its
    early turns are sent in the same rounds as the long ones' late turns."""
    return late_turns(turns, early)[0] - early[0]


def _median(values: list[float]) -> float | None:
    return round(median(values), 1) if values else None


def summarise(
    long: Sequence[Sequence[float | None]],
    fresh: Sequence[Sequence[float | None]],
    turns: int,
    early: tuple[int, int] = EARLY,
) -> dict[str, Any]:
    """Median of the fresh cohort's turns around 5 and of the long conversations' turns
    around the last, taken in the same rounds, and their ratio; the long conversations' own
    early turns and the median of each of their turns, to read the growth along the way."""
    late = late_turns(turns, early)
    early_ms = _median(window(fresh, *early))
    late_ms = _median(window(long, *late))
    same_ms = _median(window(long, *early))
    return {
        "turns": turns,
        "conversations": len(long),
        "fresh_conversations": len(fresh),
        "early_turns": list(early),
        "late_turns": list(late),
        "early_median_ms": early_ms,
        "late_median_ms": late_ms,
        "ratio": round(late_ms / early_ms, 3) if early_ms and late_ms else None,
        "early_median_ms_same_conversations": same_ms,
        "ratio_same_conversations": round(late_ms / same_ms, 3) if same_ms and late_ms else None,
        "per_turn_median_ms": [_median(window(long, t, t)) for t in range(1, turns + 1)],
    }


@dataclass
class Talk:
    """One web chat session on its way through its steps."""

    steps: list[Step]
    session: str
    headers: dict[str, str]
    timings: list[float | None] = field(default_factory=list)
    buttons: dict[str, str] = field(default_factory=dict)
    sent_at: float = 0.0

    @property
    def done(self) -> bool:
        return len(self.timings) == len(self.steps)


@dataclass
class Counts:
    """What went wrong, in counts (never text)."""

    errors: int = 0
    not_the_assistant: int = 0
    missing_buttons: int = 0


def _say(client: httpx.Client, talk: Talk, refusals: set[str], counts: Counts) -> None:
    """Send the next step (a tap when its button is on offer) and time the answer."""
    step = talk.steps[len(talk.timings)]
    text, tapped = resolve_step(step, talk.buttons)
    counts.missing_buttons += isinstance(step, Button) and not tapped
    body = {"payload": text} if tapped else {"text": text}
    start = time.perf_counter()
    try:
        reply = client.post(
            f"/api/webchat/sessions/{talk.session}/messages", json=body, headers=talk.headers
        )
        reply.raise_for_status()
        messages = reply.json()["messages"]
    except (httpx.HTTPError, ValueError, KeyError):
        talk.timings.append(None)
        counts.errors += 1
        return
    talk.timings.append((time.perf_counter() - start) * 1000)
    counts.not_the_assistant += any(m.get("text") in refusals for m in messages)
    talk.buttons = button_payloads(messages)


def _open(client: httpx.Client, index: int, turns: int) -> Talk:
    """A new web chat session for conversation `index` of `turns` steps."""
    made = client.post("/api/webchat/sessions")
    made.raise_for_status()
    body = made.json()
    headers = {"Authorization": f"Bearer {body['token']}"}
    return Talk(steps(index, turns), body["session_id"], headers)


def measure(gateway_url: str, conversations: int, turns: int) -> dict[str, Any]:
    """Drive `conversations` web chat sessions of `turns` messages each, and a fresh cohort
    beside their last turns; the growth figures."""
    from bot.gateway import texts

    refusals = {str(getattr(texts, name)) for name in _NOT_THE_ASSISTANT}
    counts = Counts()
    transport = httpx.HTTPTransport(local_address=CLIENT_ADDRESS)
    with httpx.Client(base_url=gateway_url, timeout=TIMEOUT_S, transport=transport) as client:
        long = [_open(client, index, turns) for index in range(conversations)]
        fresh: list[Talk] = []
        while not all(talk.done for talk in long + fresh):
            if not fresh and min(len(t.timings) for t in long) >= fresh_start(turns):
                fresh = [_open(client, index, EARLY[1]) for index in range(conversations)]
            # One round: each long conversation, then its fresh twin once the cohort started.
            ordered = [t for pair in zip(long, fresh, strict=True) for t in pair] if fresh else long
            for talk in [t for t in ordered if not t.done]:
                wait = talk.sent_at + PACE_S - time.monotonic()
                if wait > 0:
                    time.sleep(wait)
                talk.sent_at = time.monotonic()
                _say(client, talk, refusals, counts)
    timings = [t.timings for t in long], [t.timings for t in fresh]
    return {**summarise(*timings, turns), **counts.__dict__}
