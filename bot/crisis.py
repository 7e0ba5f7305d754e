"""Crisis phrase rules, shared by the engine's rule classifier and the gateway.

Pure stdlib + PyYAML so it also runs inside the Rasa engine's Python 3.10 environment.
The model is trained on crisis examples too; these rules catch what a model might miss.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import yaml

DEFAULT_PATTERNS = Path(__file__).resolve().parent.parent / "content" / "crisis_patterns.yml"
ABUSE = "abuse"


def normalise(text: str) -> str:
    """Lower case, straight quotes, collapsed spaces: the form the patterns are written for."""
    text = text.lower().replace("\u2019", "'").replace("\u2018", "'")
    return re.sub(r"\s+", " ", text).strip()


@lru_cache(maxsize=4)
def load_patterns(path: str | None = None) -> tuple[tuple[str, re.Pattern[str]], ...]:
    """Compile every category's patterns once; a broken pattern fails loudly at start-up."""
    raw = yaml.safe_load(Path(path or DEFAULT_PATTERNS).read_text(encoding="utf-8"))
    return tuple(
        (category, re.compile(pattern, re.IGNORECASE))
        for category, patterns in raw["categories"].items()
        for pattern in patterns
    )


def crisis_category(text: str | None, path: str | None = None) -> str | None:
    """The crisis category a message matches ('suicide', 'abuse', ...), or None.

    Abuse wins over the others because its reply carries the extra helpline.
    """
    if not text:
        return None
    cleaned = normalise(text[:5000])
    found = None
    for category, pattern in load_patterns(path):
        if pattern.search(cleaned):
            if category == ABUSE:
                return ABUSE
            found = found or category
    return found


def crisis_intent(category: str | None) -> str | None:
    """The assistant's intent for a category: 'crisis_abuse' for abuse, else 'crisis'."""
    if category is None:
        return None
    return "crisis_abuse" if category == ABUSE else "crisis"
