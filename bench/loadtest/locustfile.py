"""One Locust user per person on the web chat, in a closed loop: open a chat, say each step of
a scripted conversation, tap the buttons the replies offer, think between messages, then start
the next chat as a new person would.

Run by `python -m bench.loadtest` (bench/loadtest/run.py), which passes, in the environment:
LOAD_GATEWAYS (the gateway processes' base URLs, comma-separated; person N uses number
N mod their count), LOAD_SEED and LOAD_RECORD (where this writes what it counted when the
run stops). Each task is one request, so a stopping run lets a request in flight finish
(`--stop-timeout`) and ends a person who is only thinking at once: every message sent is a
message answered or an error, never one cut off half way.
"""

from __future__ import annotations

import itertools
import json
import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from locust import FastHttpUser, between, events, task
from locust.env import Environment

from bench.loadtest.conversations import (
    SEED,
    THINK_S,
    forwarded_for,
    next_conversation,
    person_rng,
)
from bench.script import Button, Step, button_payloads, resolve_step
from bot.gateway import texts

GATEWAYS = [url for url in os.environ.get("LOAD_GATEWAYS", "").split(",") if url]
RUN_SEED = int(os.environ.get("LOAD_SEED") or SEED)
RECORD = os.environ.get("LOAD_RECORD", "")
THINK = tuple(float(x) for x in os.environ.get("LOAD_THINK", "").split(",") if x) or THINK_S
REQUEST_TIMEOUT_S = 30.0  # the gateway gives the engine 5 s; this only catches a hang
# Replies that mean the message did not reach the assistant, by the gateway's own wording.
REFUSALS = {
    texts.OUTAGE: "outage",
    texts.SLOW_DOWN: "slow_down",
    texts.UNKNOWN_BUTTON: "unknown_button",
    texts.TOO_LONG: "too_long",
    texts.EMPTY: "empty",
}


@dataclass
class Tally:
    """What this Locust process saw; never a message's text."""

    message_ms: list[float] = field(default_factory=list)
    sent: int = 0  # message requests answered 2xx
    errors_5xx: int = 0  # any request
    other_errors: int = 0  # any request: 4xx, or no answer at all (status 0)
    statuses: Counter[str] = field(default_factory=Counter)
    sessions: list[str] = field(default_factory=list)
    messages_by_gateway: list[int] = field(default_factory=lambda: [0] * len(GATEWAYS))
    started: Counter[str] = field(default_factory=Counter)
    finished: int = 0
    empty_answers: int = 0
    missing_buttons: int = 0
    refusals: Counter[str] = field(default_factory=Counter)


tally = Tally()
_numbers = itertools.count()


@events.request.add_listener
def on_request(name: str, response_time: float, response: Any, **_: Any) -> None:
    """Every request's status, and the latency of every message that got an HTTP answer."""
    status = int(getattr(response, "status_code", 0) or 0)
    tally.statuses[str(status)] += 1
    if status >= 500:
        tally.errors_5xx += 1
    elif not 200 <= status < 300:
        tally.other_errors += 1
    if name == "message" and status:
        tally.message_ms.append(round(float(response_time), 2))
        tally.sent += 200 <= status < 300


@events.test_stop.add_listener
def on_test_stop(environment: Environment, **_: Any) -> None:
    """Fired once every person has stopped: write the tally for the runner."""
    if RECORD:
        record = {name: dict(v) if isinstance(v, Counter) else v for name, v in vars(tally).items()}
        Path(RECORD).write_text(json.dumps(record))


class Person(FastHttpUser):
    """A person writing to the line from a phone or a browser."""

    wait_time = between(*THINK)
    network_timeout = REQUEST_TIMEOUT_S
    connection_timeout = 10.0
    host = GATEWAYS[0] if GATEWAYS else None

    def __init__(self, environment: Environment) -> None:
        self.number = next(_numbers)
        self.gateway = self.number % max(len(GATEWAYS), 1)
        if GATEWAYS:
            self.host = GATEWAYS[self.gateway]
        super().__init__(environment)
        self.rng = person_rng(RUN_SEED, self.number)
        self.chats = 0
        self.steps: list[Step] = []
        self.url = ""
        self.headers: dict[str, str] = {}
        self.offered: dict[str, str] = {}

    @task
    def next_step(self) -> None:
        """One request per task: a new chat when the last one is over, else the next step."""
        if self.steps:
            self.say(self.steps.pop(0))
        else:
            self.open_chat()

    def open_chat(self) -> None:
        """The page opens a web chat session; a fresh person, a fresh address."""
        self.chats += 1
        address = {"X-Forwarded-For": forwarded_for(self.number, self.chats)}
        with self.client.post(
            "/api/webchat/sessions", headers=address, name="session", catch_response=True
        ) as response:
            if response.status_code != 201:
                response.failure(f"status {response.status_code}")
                return
            body = response.json()
        tally.sessions.append(body["session_id"])
        self.url = f"/api/webchat/sessions/{body['session_id']}/messages"
        self.headers = {**address, "Authorization": f"Bearer {body['token']}"}
        self.offered = {}
        name, self.steps = next_conversation(self.rng)
        tally.started[name] += 1

    def say(self, step: Step) -> None:
        """Type a step, or tap its button when the last answer offered it."""
        text, tapped = resolve_step(step, self.offered)
        tally.missing_buttons += isinstance(step, Button) and not tapped
        body = {"payload": text} if tapped else {"text": text}
        with self.client.post(
            self.url, json=body, headers=self.headers, name="message", catch_response=True
        ) as response:
            if not 200 <= response.status_code < 300:
                response.failure(f"status {response.status_code}")
                return
            replies = response.json()["messages"]
        tally.messages_by_gateway[self.gateway] += 1
        tally.empty_answers += not replies
        for reply in replies:
            refusal = REFUSALS.get(reply.get("text", ""))
            if refusal:
                tally.refusals[refusal] += 1
        self.offered = button_payloads(replies)
        tally.finished += not self.steps
