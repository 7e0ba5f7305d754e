"""Reviewed crisis rules: the backstop for the clearest phrasings, each with an idiom guard.

Pure stdlib + PyYAML so the gateway can answer a crisis even when nothing else loads.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

DEFAULT_PATTERNS = Path(__file__).resolve().parents[2] / "content" / "crisis_patterns.yml"
MAX_CHARS = 5000
_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'"})
# A capital letter in a pattern that is not part of an escape such as \S or \W.
_CAPITAL = re.compile(r"(?<!\\)[A-Z]")


@dataclass(frozen=True)
class Rule:
    """One reviewed phrasing: what it catches and the figures of speech it must leave alone."""

    id: str
    category: str
    pattern: re.Pattern[str]
    unless: re.Pattern[str] | None

    def fires(self, texts: tuple[str, ...]) -> bool:
        """True when the pattern matches one form of the message and no guard matches any."""
        if not any(self.pattern.search(t) for t in texts):
            return False
        return self.unless is None or not any(self.unless.search(t) for t in texts)


def _expand(pattern: str, defs: dict[str, str]) -> str:
    """Put each named fragment in place of its {NAME}."""
    for name, fragment in defs.items():
        pattern = pattern.replace("{" + name + "}", fragment)
    return pattern


def _compile(rule_id: str, pattern: str) -> re.Pattern[str]:
    """A rule's pattern, matched case-sensitively: both forms of the message it reads are lower
    case already, and re.IGNORECASE made every rule about two and a half times slower on
    every message. So a capital letter in a pattern would never match, and is refused."""
    if _CAPITAL.search(pattern):
        raise ValueError(f"crisis rule {rule_id}: write the pattern in lower case")
    return re.compile(pattern)


@lru_cache(maxsize=4)
def load_patterns(path: str | None = None) -> tuple[Rule, ...]:
    """Compile every rule once, in priority order; a broken rule fails loudly at start-up."""
    raw = yaml.safe_load(Path(path or DEFAULT_PATTERNS).read_text(encoding="utf-8"))
    defs = {k: str(v) for k, v in (raw.get("defs") or {}).items()}
    rank = {category: i for i, category in enumerate(raw["priority"])}
    rules = []
    for item in raw["rules"]:
        if item["category"] not in rank:
            raise ValueError(f"crisis rule {item['id']}: unknown category {item['category']}")
        unless = item.get("unless")
        rules.append(
            Rule(
                id=str(item["id"]),
                category=str(item["category"]),
                pattern=_compile(item["id"], _expand(item["pattern"], defs)),
                unless=_compile(item["id"], _expand(unless, defs)) if unless else None,
            )
        )
    ids = [r.id for r in rules]
    if len(ids) != len(set(ids)):
        raise ValueError("crisis rules: ids must be unique")
    return tuple(sorted(rules, key=lambda r: rank[r.category]))


def light(text: str) -> str:
    """Lower case, straight quotes, collapsed spaces: the message as typed, for the rules."""
    text = text[:MAX_CHARS].translate(_QUOTES).lower()
    return re.sub(r"\s+", " ", text).strip()


def matching_rule(
    text: str | None, normalised: str | None = None, path: str | None = None
) -> Rule | None:
    """The first rule (by category priority) that fires on the message, or None."""
    if not text:
        return None
    texts = (light(text),) if normalised is None else (light(text), normalised)
    for rule in load_patterns(path):
        if rule.fires(texts):
            return rule
    return None


def rule_category(
    text: str | None, path: str | None = None, normalised: str | None = None
) -> str | None:
    """The crisis category a reviewed rule gives the message, or None."""
    rule = matching_rule(text, normalised, path)
    return rule.category if rule else None
