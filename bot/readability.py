"""How long a reply is and how easy to read, measured one way for the tests and the report.

Chat replies are not prose: bullets and short lines often end without a full stop, and
Flesch-Kincaid (textstat) would read a run of them as one long sentence. So each line counts
as a sentence of its own (the bullet mark dropped, a full stop added where none ends it), and
a phone number counts as one word. Nothing else is changed: long words and long sentences
count as they are.
"""

from __future__ import annotations

import re

import textstat

# The limits the issue "answers that are true, complete and short" set.
MAX_ANSWER_WORDS = 60
MAX_MORE_WORDS = 90
MAX_REPLY_WORDS = 60
MAX_GRADE = 6.0
MAX_ANSWER_PHONES = 1

# A phone number or text short code: five or more digits, spaces allowed between them
# ("0800 328 5644", "116 123", "85258"). 999 and 111 are not counted: everyone knows them.
PHONE = re.compile(r"(?<![\w£])\d(?: ?\d){4,}(?!\w)")
_BULLET = re.compile(r"^[•*\-–]\s*")


def phone_numbers(text: str) -> list[str]:
    """The phone numbers (and text short codes) in a reply."""
    return PHONE.findall(text)


def as_sentences(text: str) -> str:
    """The reply as plain sentences: one a line, bullets dropped, phone numbers one word."""
    sentences = []
    for line in text.splitlines():
        line = _BULLET.sub("", line.strip())
        if not line:
            continue
        line = PHONE.sub(lambda found: re.sub(r"\s", "", found.group()), line)
        if line[-1] not in ".!?":
            line = line.rstrip(":;,") + "."
        sentences.append(line)
    return " ".join(sentences)


def word_count(text: str) -> int:
    """Words as a person reads them."""
    return int(textstat.lexicon_count(as_sentences(text)))


def reading_grade(text: str) -> float:
    """Flesch-Kincaid grade (US school year; grade 6 is a reading age of about 11)."""
    return float(textstat.flesch_kincaid_grade(as_sentences(text)))
