"""Crisis recall per category and false alarms on the held-out crisis set, for both systems.

Why two ways of scoring: ours answers a person in two places, the gateway's check (before
anything else) and the engine's detector (with the context the gateway sends), so ours is
scored on what a person would be answered. The reference has no detector: it is scored on the
intent its default pipeline predicts for the message. Ours is also scored that second way
(`by_intent`), so the two can be read side by side on one rule. The set
(tests/crisis/heldout_crisis.yml) is never trained on; only counts are reported, never text.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import yaml

from bench.load import TIMEOUT_S, sender_id
from bench.procs import ROOT

HELDOUT = ROOT / "tests" / "crisis" / "heldout_crisis.yml"
# The held-out set's categories (tests/crisis/README.md), in the order the gate prints them.
CATEGORIES = ("suicide", "self_harm", "overdose", "third_party", "danger", "abuse")
CRISIS_REPLIES = ("utter_crisis", "utter_crisis_other", "utter_crisis_abuse")
# The middle band's questions: "are you thinking about ending your life?", or the safety one
# when the message reads most like abuse or danger.
CHECK_REPLIES = ("utter_crisis_check", "utter_crisis_safety_check")
# Intents that mean a crisis answer; crisis_check means the direct question (never a false
# alarm, as in tests/crisis/gate.yml).
CRISIS_INTENTS = frozenset({"crisis", "crisis_abuse", "crisis_other"})
CHECK_INTENT = "crisis_check"
CRISIS, ASK, NONE = "crisis", "ask", "none"


@dataclass(frozen=True)
class Item:
    """One held-out message: a positive has a category, a negative a kind."""

    text: str
    category: str | None = None
    kind: str | None = None
    context: tuple[str, ...] = ()
    asking: str | None = None

    @property
    def positive(self) -> bool:
        return self.category is not None


def load_items(path: Path = HELDOUT) -> list[Item]:
    """Positives then negatives, in file order (fixed, so both systems see the same list)."""
    doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    items = [
        Item(str(p["text"]), category=str(p["category"]), context=tuple(p.get("context") or ()))
        for p in doc.get("positives") or []
    ]
    items += [
        Item(
            str(n["text"]),
            kind=str(n.get("kind") or "other"),
            context=tuple(n.get("context") or ()),
            asking=n.get("asking"),
        )
        for n in doc.get("negatives") or []
    ]
    return items


def sample(items: list[Item], step: int) -> list[Item]:
    """Every `step`-th positive and negative (QUICK), keeping both kinds."""
    positives = [i for i in items if i.positive][::step]
    return positives + [i for i in items if not i.positive][::step]


def intent_decision(intent: str | None) -> str:
    """What a predicted intent makes the assistant do: the crisis reply, the question, or
    neither (an nlu_fallback included: the person would be asked to say it another way)."""
    if intent in CRISIS_INTENTS:
        return CRISIS
    return ASK if intent == CHECK_INTENT else NONE


def reply_decision(
    replies: Iterable[dict[str, Any]], crisis_texts: Iterable[str], check_texts: Iterable[str]
) -> str:
    """What the engine's answer is, read as the gateway reads it: a crisis handover or a crisis
    reply is a crisis, either crisis question is the question."""
    texts, questions, asked = set(crisis_texts), set(check_texts), False
    for reply in replies:
        custom = reply.get("custom")
        handover = custom.get("handover") if isinstance(custom, dict) else None
        if isinstance(handover, dict) and handover.get("reason") == "crisis":
            return CRISIS
        if reply.get("text") in texts:
            return CRISIS
        asked = asked or reply.get("text") in questions
    return ASK if asked else NONE


def person_decision(gateway: str, engine: str) -> str:
    """What the person is answered (bot/gateway/router.py): the engine's answer, and the
    gateway's crisis reply whenever its own check found a crisis the engine did not answer.
    The gateway asks the question itself only when the engine cannot be reached."""
    if CRISIS in (gateway, engine):
        return CRISIS
    return ASK if engine == ASK else NONE


def rate(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


def summarise(items: Sequence[Item], decisions: Sequence[str]) -> dict[str, Any]:
    """Recall (a crisis reply or the question) per category, and false alarms (a crisis reply
    to an everyday message; the question is counted apart) per kind of hard negative."""
    caught: Counter[str] = Counter()
    total: Counter[str] = Counter()
    alarms: Counter[str] = Counter()
    kinds: Counter[str] = Counter()
    asked = 0
    for item, decision in zip(items, decisions, strict=True):
        if item.positive:
            category = str(item.category)
            total[category] += 1
            caught[category] += decision in (CRISIS, ASK)
        else:
            kind = str(item.kind)
            kinds[kind] += 1
            alarms[kind] += decision == CRISIS
            asked += decision == ASK
    order = [c for c in CATEGORIES if total[c]] + sorted(set(total) - set(CATEGORIES))
    positives, negatives = sum(total.values()), sum(kinds.values())
    return {
        "positives": positives,
        "negatives": negatives,
        "caught": sum(caught.values()),
        "recall": rate(sum(caught.values()), positives),
        "false_alarms": sum(alarms.values()),
        "false_alarm_rate": rate(sum(alarms.values()), negatives),
        "asked_negatives": asked,
        "per_category": {
            c: {"caught": caught[c], "total": total[c], "recall": rate(caught[c], total[c])}
            for c in order
        },
        "false_alarms_per_kind": {
            k: {"alarms": alarms[k], "total": kinds[k]} for k in sorted(kinds)
        },
    }


def flat(summary: dict[str, Any]) -> dict[str, float]:
    """The headline figures as top-level keys of a system's results (table, targets)."""
    out = {
        "crisis_heldout_recall": summary["recall"],
        "crisis_heldout_false_alarm_rate": summary["false_alarm_rate"],
    }
    for category in CATEGORIES:
        found = summary["per_category"].get(category)
        if found:
            out[f"crisis_recall_{category}"] = found["recall"]
    return out


def _parse_intent(client: httpx.Client, text: str) -> str | None:
    reply = client.post("/model/parse", json={"text": text})
    reply.raise_for_status()
    return (reply.json().get("intent") or {}).get("name")


def by_intent(engine_url: str, items: Sequence[Item]) -> list[str]:
    """Each message parsed alone through /model/parse; the intent the pipeline ends with."""
    with httpx.Client(base_url=engine_url, timeout=TIMEOUT_S) as client:
        return [intent_decision(_parse_intent(client, item.text)) for item in items]


def as_person(engine_url: str, items: Sequence[Item], seed: int) -> tuple[list[str], int]:
    """Ours as a person meets it: the gateway's check, run here with the gateway's own code
    and limits, and the engine's answer to the message sent as the gateway sends it (a new
    conversation, the same metadata). Returns the decisions and how often the two differ."""
    from bot.crisis import warm
    from bot.gateway import texts
    from bot.gateway.crisis import RECENT_MESSAGES, check_in
    from bot.gateway.router import engine_text

    warm()
    crisis_texts = [texts.response(name)[0] for name in CRISIS_REPLIES]
    check_texts = [texts.response(name)[0] for name in CHECK_REPLIES]
    rng, decisions, differ = random.Random(seed), [], 0
    with httpx.Client(base_url=engine_url, timeout=TIMEOUT_S) as client:
        for item in items:
            recent = item.context[-RECENT_MESSAGES:]
            asking = item.asking if item.asking in texts.FORM_ASKS else None
            found = check_in((tuple(recent), asking), item.text)
            gateway = found.decision
            metadata = {"channel": "webchat", **found.metadata()}
            text = engine_text(item.text) or item.text.replace("/", " ")
            reply = client.post(
                "/webhooks/rest/webhook",
                json={"sender": sender_id(rng), "message": text, "metadata": metadata},
            )
            reply.raise_for_status()
            engine = reply_decision(reply.json(), crisis_texts, check_texts)
            differ += gateway != engine
            decisions.append(person_decision(gateway, engine))
    return decisions, differ


def evaluate(engine_url: str, items: Sequence[Item], ours: bool, seed: int) -> dict[str, Any]:
    """The held-out crisis figures for one system: flat headline keys plus `crisis_detail`."""
    intents = summarise(items, by_intent(engine_url, items))
    if not ours:
        detail = {"method": "intent predicted by /model/parse", **intents}
        return {**flat(intents), "crisis_detail": detail}
    decisions, differ = as_person(engine_url, items, seed)
    answered = summarise(items, decisions)
    detail = {
        "method": "gateway check + engine reply through the REST channel",
        **answered,
        "gateway_engine_disagree": differ,
        "by_intent": intents,
    }
    return {**flat(answered), "crisis_detail": detail}
