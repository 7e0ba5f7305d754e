"""Short answers a person types, read the same way by the assistant's forms and the gateway
(yes or no, a UK phone number), so both accept exactly the same things."""

from __future__ import annotations

import re

_YES = {
    "yes",
    "y",
    "yeah",
    "yep",
    "yea",
    "yh",
    "aye",
    "ok",
    "okay",
    "sure",
    "correct",
    "go on",
    "please",
    "yes please",
    "i agree",
    "agree",
    "that's fine",
    "fine",
}
_NO = {
    "no",
    "n",
    "nah",
    "nope",
    "no thanks",
    "no thank you",
    "don't",
    "i don't agree",
    "not really",
    "no way",
}

_MOBILE = re.compile(r"^(?:\+?44|0044|0)(7\d{9})$")
_LANDLINE = re.compile(r"^(?:\+?44|0044|0)([1-3]\d{8,9})$")
_PHONE_IN_TEXT = re.compile(r"(?:\+|\b)[\d][\d\s().-]{8,18}\d")


def normalise(text: str | None) -> str:
    """Lower case, trimmed, single spaces: how every short answer is compared."""
    return re.sub(r"\s+", " ", (text or "").strip().lower())


def parse_yes_no(text: str | None) -> bool | None:
    """Yes/no from a typed answer; None when it is neither, so the question is asked again."""
    cleaned = normalise(text).strip(" .!")
    if cleaned in _YES or cleaned.startswith(("yes ", "yeah ", "yep ")):
        return True
    if cleaned in _NO or cleaned.startswith(("no ", "nah ", "no,", "nope ")):
        return False
    return None


def parse_phone(text: str | None) -> str | None:
    """A UK mobile or landline in any common format, returned as 07700900123 (or None)."""
    match = _PHONE_IN_TEXT.search(text or "")
    if not match:
        return None
    digits = re.sub(r"[^\d+]", "", match.group(0))
    for pattern in (_MOBILE, _LANDLINE):
        found = pattern.match(digits)
        if found:
            return "0" + found.group(1)
    return None
