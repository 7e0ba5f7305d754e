"""The NLU export: messages reviewers flagged as misunderstood, as Rasa NLU training data.

The file is built for `data/nlu/review_<date>.yml` and passes `rasa data validate
--fail-on-warnings` once any new intent it names is added to domain.yml (its header says
which): each example is one line of plain text (spaces collapsed, square brackets made round
so Rasa does not read them as entity markup, characters YAML cannot hold dropped), a message
flagged twice counts with its latest intent, and a text that is already a training example
is left out (Rasa refuses one text under two intents). The text is people's own words, so it
is downloaded by a reviewer, never written on the server.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

import yaml

from bot.settings import ROOT
from bot.store.review import FlaggedExample

DOMAIN = ROOT / "domain.yml"
NLU_DIR = ROOT / "data" / "nlu"
INTENT_NAME = re.compile(r"^[a-z][a-z0-9_]{1,63}$")
# `[Bolton](place)` or `[Bolton]{"entity": "place"}` in training data reads as "Bolton".
_ENTITY = re.compile(r"\[([^\]]+)\](?:\([^)]*\)|\{[^}]*\})")
# What YAML can hold in a block of text (its printable set, less line breaks and a BOM).
_UNPRINTABLE = re.compile(
    "[^\t\x20-\x7e\xa0-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]"
)
# Rasa's own intents, and `crisis_check`, which the crisis detector set before it marked unsure
# messages `crisis_ask` instead (older conversations may still show it): never training data.
NOT_TRAINED = frozenset({"restart", "back", "session_start", "nlu_fallback", "crisis_check"})


@dataclass(frozen=True)
class NluExport:
    """The file to download and what a reviewer should know about it."""

    filename: str
    text: str
    examples: int
    new_intents: list[str]
    left_out: list[int]  # message ids already training examples of another intent


@lru_cache(maxsize=4)
def domain_intents(domain: Path = DOMAIN) -> tuple[str, ...]:
    """The intents domain.yml lists, in its order."""
    raw = yaml.safe_load(domain.read_text(encoding="utf-8")) or {}
    return tuple(next(iter(i)) if isinstance(i, dict) else str(i) for i in raw.get("intents") or [])


def training_examples(nlu_dir: Path = NLU_DIR) -> dict[str, set[str]]:
    """{plain text of a training example: its intents} from every NLU file."""
    found: dict[str, set[str]] = {}
    for path in sorted(nlu_dir.glob("*.yml")):
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for block in raw.get("nlu") or []:
            if not isinstance(block, dict) or "intent" not in block:
                continue
            for line in str(block.get("examples") or "").splitlines():
                line = line.strip()
                if line.startswith("- "):
                    text = _ENTITY.sub(r"\1", line[2:]).strip()
                    found.setdefault(text, set()).add(str(block["intent"]))
    return found


def example_text(text: str) -> str:
    """A message as one line of training data that means what the person typed."""
    text = _UNPRINTABLE.sub("", text.replace("[", "(").replace("]", ")"))
    return " ".join(text.split())


def _header(day: date, count: int, new: Sequence[str], left_out: Sequence[int]) -> list[str]:
    lines = [
        f"# Messages flagged as misunderstood in conversation review, exported {day:%Y-%m-%d}:",
        f"# {count} example(s). Save as data/nlu/review_{day:%Y-%m-%d}.yml.",
        "# These are people's own words: read every example and take out names, numbers and",
        "# anything else that could identify someone before adding this file to data/nlu/.",
    ]
    if new:
        lines += [
            "# New intents, not in domain.yml yet: add each under `intents:` in domain.yml",
            "# (and a rule for what the assistant should do) before `rasa data validate`:",
            f"#   {', '.join(new)}",
        ]
    if left_out:
        ids = ", ".join(str(i) for i in left_out)
        lines += [
            "# Left out: already a training example of another intent (fix that file by hand).",
            f"#   message ids {ids}",
        ]
    return lines


def build(
    flagged: Iterable[FlaggedExample],
    day: date,
    known_intents: Sequence[str] | None = None,
    examples: dict[str, set[str]] | None = None,
) -> NluExport:
    """The export of these flags (oldest first, so a later flag of the same text wins)."""
    known = set(domain_intents() if known_intents is None else known_intents)
    existing = training_examples() if examples is None else examples
    latest: dict[str, FlaggedExample] = {}
    for flag in flagged:
        text = example_text(flag.text)
        if text and not text.startswith("/"):
            latest.pop(text, None)
            latest[text] = flag
    per_intent: dict[str, list[str]] = {}
    left_out: list[int] = []
    for text, flag in latest.items():
        already = existing.get(text, set())
        if already - {flag.intent}:
            left_out.append(flag.message_id)
        elif flag.intent not in already:
            per_intent.setdefault(flag.intent, []).append(text)
    new = sorted(i for i in per_intent if i not in known)
    count = sum(len(v) for v in per_intent.values())
    body = ['version: "3.1"', "nlu:" if per_intent else "nlu: []"]
    for intent in sorted(per_intent):
        body += [f"- intent: {intent}", "  examples: |"]
        body += [f"    - {text}" for text in per_intent[intent]]
    lines = _header(day, count, new, sorted(left_out)) + body
    return NluExport(
        filename=f"review_{day:%Y-%m-%d}.yml",
        text="\n".join(lines) + "\n",
        examples=count,
        new_intents=new,
        left_out=sorted(left_out),
    )
