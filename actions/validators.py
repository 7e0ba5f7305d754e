"""Plain functions that turn what a person typed into a clean slot value, or None.

Kept free of rasa-sdk so they are tested directly; the form validation actions wrap them.
"""

from __future__ import annotations

import re

from bot.answers import normalise, parse_phone, parse_yes_no

__all__ = ["parse_phone", "parse_yes_no"]  # shared with the gateway (bot/answers.py)

NEEDS: dict[str, str] = {
    # the five service strands
    "mentoring": "Mentoring",
    "emotions": "Emotions and decision making",
    "wellbeing": "Wellbeing and healthy choices",
    "behaviour": "Changing patterns of behaviour",
    "family": "Family support and mediation",
    # welfare needs
    "money": "Money and benefits",
    "housing": "Housing",
    "debt": "Debt and fines",
    "id_bank": "ID and bank account",
    "food_energy": "Food and energy",
    "work": "Work and training",
    "drink_drugs": "Drink and drugs",
}

_NEED_WORDS: dict[str, tuple[str, ...]] = {
    "mentoring": ("mentor",),
    "emotions": ("emotion", "anger", "angry", "temper", "decision"),
    "wellbeing": ("wellbeing", "well-being", "well being", "health", "mental", "low", "stress"),
    "behaviour": ("behaviour", "behavior", "pattern", "habit", "reoffend", "trouble"),
    "family": ("family", "mediation", "kids", "children", "partner", "mam", "mum"),
    "money": ("money", "benefit", "universal credit", "uc", "pip", "skint"),
    "housing": ("housing", "house", "home", "homeless", "accommodation", "flat", "landlord"),
    "debt": ("debt", "fine", "bailiff", "arrears", "owe"),
    "id_bank": ("id", "identity", "bank", "birth certificate", "passport"),
    "food_energy": ("food", "gas", "electric", "energy", "meter", "heating"),
    "work": ("work", "job", "training", "employ", "cv"),
    "drink_drugs": ("drink", "drug", "alcohol", "using", "booze", "cannabis", "weed"),
}

_DONE_WORDS = (
    "done",
    "that's all",
    "thats all",
    "that's it",
    "thats it",
    "nothing else",
    "no more",
    "finished",
    "all done",
)


def parse_contact_method(text: str | None) -> str | None:
    """'phone' or 'chat': how the person wants the advisor to get back to them."""
    cleaned = normalise(text)
    if parse_phone(cleaned):
        return "phone"
    if re.search(r"\b(chat|here|this|message me|on here|telegram|reply)\b", cleaned):
        return "chat"
    if re.search(r"\b(phone|ring|call|text|number|mobile|mob)\b", cleaned):
        return "phone"
    return None


def parse_best_time(text: str | None) -> str | None:
    """A short free-text time ('mornings', 'after 2pm'), trimmed; None if empty or too long."""
    cleaned = re.sub(r"\s+", " ", (text or "").strip())
    if not cleaned or len(cleaned) > 80:
        return None
    aliases = {
        "morning": "Mornings",
        "afternoon": "Afternoons",
        "evening": "Evenings",
        "any": "Any time",
        "anytime": "Any time",
        "any time": "Any time",
    }
    return aliases.get(cleaned.lower(), cleaned)


def parse_name(text: str | None) -> str | None:
    """The name the person wants to be called: 'my name's Jo' -> 'Jo'. None if not a name."""
    cleaned = re.sub(r"\s+", " ", (text or "").strip())
    cleaned = re.sub(r"(?i)^(hi|hiya|hello|alright)[,!. ]+", "", cleaned)
    cleaned = re.sub(
        r"(?i)^(my name'?s|my name is|call me|i'?m|im|it'?s|its|name'?s|me name'?s)\s+", "", cleaned
    )
    cleaned = cleaned.strip(" .!,")
    if not cleaned or len(cleaned) > 40 or len(cleaned.split()) > 4:
        return None
    if not re.fullmatch(r"[^\W\d_]+(?:['’ .-][^\W\d_]+)*\.?", cleaned):
        return None
    return cleaned[:1].upper() + cleaned[1:]


def parse_needs(text: str | None) -> list[str]:
    """Every need mentioned in a typed answer ('housing and a mentor' -> housing, mentoring)."""
    cleaned = normalise(text)
    return [
        key
        for key, words in _NEED_WORDS.items()
        if any(re.search(rf"\b{re.escape(w)}", cleaned) for w in words)
    ]


def is_done(text: str | None) -> bool:
    """True when the person says they have chosen all their needs."""
    cleaned = normalise(text)
    return any(word in cleaned for word in _DONE_WORDS)


def parse_probation(text: str | None) -> str | None:
    """'yes', 'no' or 'prefer_not_to_say' for 'are you on probation?'."""
    cleaned = normalise(text)
    if re.search(r"prefer not|rather not|not say|don'?t want to say|pass|skip", cleaned):
        return "prefer_not_to_say"
    answer = parse_yes_no(cleaned)
    if answer is not None:
        return "yes" if answer else "no"
    if re.search(
        r"\b(licen[cs]e|po|probation officer|on probation|community order|tag)\b", cleaned
    ) and not re.search(r"\b(not|finished|ended|no longer)\b", cleaned):
        return "yes"
    if re.search(r"\b(not|finished|ended|no longer|voluntary)\b", cleaned):
        return "no"
    return None


CHANGEABLE = {
    "preferred_name": ("name",),
    "district": ("district", "area", "where", "place", "postcode", "live", "town"),
    "contact_method": ("contact", "number", "phone", "mobile", "ring", "call", "chat"),
    "best_time": ("time", "when", "morning", "afternoon", "evening"),
    "needs": ("need", "help with", "support", "strand"),
    "probation_status": ("probation",),
}


def parse_change_field(text: str | None) -> str | None:
    """Which referral answer the person wants to change, from words like 'number' or 'name'."""
    cleaned = normalise(text)
    for slot, words in CHANGEABLE.items():
        if any(re.search(rf"\b{re.escape(w)}", cleaned) for w in words):
            return slot
    return None
