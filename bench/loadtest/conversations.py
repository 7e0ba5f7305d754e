"""What each simulated person says: a seeded pick from a fixed mix of scripted conversations.

Why bench/script.py's conversations: `make bench` and the e2e tests already run them against
the trained model (questions, signposting by town, postcode and outside the area, a referral
form run to consent and confirmation with a correction, a handover), so every button they tap
is one the assistant offers. Nothing here is real: the name, number and places are the
script's made-up ones. This module imports no Locust, so the runner and tests can read it.
"""

from __future__ import annotations

import random

from bench.script import CONVERSATIONS, Step

# How often each conversation starts, out of the sum. By messages the referral form is about
# a third of the traffic (17 steps), questions another third.
MIX: dict[str, int] = {
    "question": 3,
    "signpost": 2,
    "postcode": 1,
    "outside": 1,
    "referral": 1,
    "handover": 2,
}
# After asking for a person, one more message: the gateway answers it while the conversation
# waits for an advisor (no advisor claims it during the load).
AFTER_HANDOVER = "ok thanks, i'll wait"
# Seconds a person takes to read a reply and type or tap the next message (uniform): a tap
# on a button takes a few seconds; reading a first answer of up to 60 words at a low reading
# speed and typing a reply on a phone takes 15 or more. `--think 1 4` is a harder stress.
THINK_S = (3.0, 15.0)
SEED = 20261203


def person_rng(seed: int, person: int) -> random.Random:
    """One generator per person, so a person's conversations do not depend on the others'."""
    return random.Random(f"{seed}:{person}")


def next_conversation(rng: random.Random) -> tuple[str, list[Step]]:
    """The next conversation a person starts: its kind and its steps."""
    (name,) = rng.choices(list(MIX), weights=list(MIX.values()))
    steps = list(CONVERSATIONS[name])
    if name == "handover":
        steps.append(AFTER_HANDOVER)
    return name, steps


def forwarded_for(person: int, chat: int) -> str:
    """The address the reverse proxy would pass on for this person's `chat`-th chat: one of
    the IPv6 documentation prefix (2001:db8::/32, never routed), so the gateway's limit on new
    chats per address (30 an hour) sees many people, as it would in production."""
    return f"2001:db8::{person // 0x10000:x}:{person % 0x10000:x}:{chat:x}"
