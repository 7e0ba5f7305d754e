"""What people read is sourced, checked, short and easy to read, and says one thing one way.

The welfare answers (content/answers/) and every reply in domain.yml, held to the limits of the
issue "answers that are true, complete and short" (bot/readability.py): an answer at most 60
words with one phone number, the rest behind "Tell me more" at most 90, other replies at most
60, and all of them Flesch-Kincaid grade 6 or below (textstat, each line a sentence).
"""

from __future__ import annotations

import re
from datetime import date

import pytest
import yaml

from bot.answers_content import PLACEHOLDERS, load_answers
from bot.privacy import PROBATION_SHARING
from bot.readability import (
    MAX_ANSWER_PHONES,
    MAX_ANSWER_WORDS,
    MAX_GRADE,
    MAX_MORE_WORDS,
    MAX_REPLY_WORDS,
    phone_numbers,
    reading_grade,
    word_count,
)
from tests.support import ROOT

ANSWERS = load_answers(ROOT / "content" / "answers")
DOMAIN = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
RESPONSES = {name: variants[0]["text"] for name, variants in DOMAIN["responses"].items()}

# Long by necessity, never hard to read: the crisis replies (reviewed wording), the consent
# question (what is stored and who sees it) and the referral summary (the person's answers).
LONG_BY_NEED = {"utter_ask_referral_consent", "utter_ask_referral_confirm"} | {
    name for name in RESPONSES if name.startswith("utter_crisis")
}
# What the actions put into the domain's {placeholders}, to measure a reply as it is sent.
SAMPLES = {
    "district": "Manchester",
    "providers": "POPs and Back on Track",
    "details": "0161 496 0000 / https://example.org",
    "name": "Jo",
    "chosen": "housing, debt",
    "summary": "Name: Jo\nArea: Salford (Salford Foundation)\nHelp with: housing",
    **PLACEHOLDERS,
}
# Said of what is shared with probation: it must be the one reviewed statement.
SHARING_WITH_PROBATION = re.compile(
    r"\b(share[sd]?|sharing|tells?|pass(es)?|gives?)\b[^.!?\n]*\bprobation\b"
    r"(?! officer| appointment| practitioner)",
    re.IGNORECASE,
)
# Wrong, or words a person should not have to read (explained in plain words instead).
NOT_TO_SAY = (
    "(lead)",
    "Integrated Rehabilitative",
    "StreetLink app",
    "website or app",
    "0300 102 1234",  # no longer Mind's Infoline
    "when you left prison",
    "since you left prison",
    "unspent",
    "enhanced DBS",
)


def as_sent(text: str) -> str:
    """The text with sample values in its placeholders."""
    return re.sub(r"{([a-z_]+)}", lambda found: SAMPLES.get(found[1], "this"), text)


def texts_people_read() -> dict[str, str]:
    """Every reply: the domain's responses and each answer's two parts."""
    found = dict(RESPONSES)
    for intent, answer in ANSWERS.items():
        found[f"{intent}.yml answer"] = answer.answer
        if answer.more:
            found[f"{intent}.yml more"] = answer.more
    return found


@pytest.mark.parametrize("intent", sorted(ANSWERS))
def test_each_answer_names_its_sources_and_when_it_was_checked(intent: str) -> None:
    answer = ANSWERS[intent]
    assert answer.sources
    assert all(source.title and source.url.startswith("https://") for source in answer.sources)
    assert isinstance(answer.checked, date) and answer.checked <= date.today()


@pytest.mark.parametrize("intent", sorted(ANSWERS))
def test_each_answer_is_short_with_one_number_and_easy_to_read(intent: str) -> None:
    answer = ANSWERS[intent]
    short = as_sent(answer.answer)
    assert word_count(short) <= MAX_ANSWER_WORDS
    assert len(phone_numbers(short)) <= MAX_ANSWER_PHONES
    assert reading_grade(short) <= MAX_GRADE
    if answer.more:
        assert word_count(as_sent(answer.more)) <= MAX_MORE_WORDS
        assert reading_grade(as_sent(answer.more)) <= MAX_GRADE


@pytest.mark.parametrize("name", sorted(RESPONSES))
def test_every_other_reply_is_easy_to_read(name: str) -> None:
    text = as_sent(RESPONSES[name])
    assert reading_grade(text) <= MAX_GRADE
    if name not in LONG_BY_NEED:
        assert word_count(text) <= MAX_REPLY_WORDS


def test_what_is_shared_with_probation_is_said_one_way_everywhere() -> None:
    saying = {
        name: text
        for name, text in texts_people_read().items()
        if SHARING_WITH_PROBATION.search(text)
    }
    assert {"service_confidential.yml answer", "utter_ask_referral_consent"} <= set(saying)
    assert [name for name, text in saying.items() if PROBATION_SHARING not in text] == []


def test_the_sharing_check_finds_another_wording() -> None:
    for other in (
        "We don't share it with probation unless it's needed for your support.",
        "Some information may be shared with Probation.",
        "We pass details to probation if we must.",
    ):
        assert SHARING_WITH_PROBATION.search(other)
    assert not SHARING_WITH_PROBATION.search("Tell your probation officer today.")


def test_the_service_is_for_people_on_probation_and_people_who_choose_to_come() -> None:
    for intent in ("service_eligibility", "service_about"):
        text = ANSWERS[intent].answer
        assert "on probation" in text and "choose" in text


def test_nothing_wrong_or_unexplained_is_said() -> None:
    said = [
        (name, words)
        for name, text in texts_people_read().items()
        for words in NOT_TO_SAY
        if words.lower() in text.lower()
    ]
    assert said == []


def test_the_subsistence_payment_is_called_by_its_name() -> None:
    for name, text in texts_people_read().items():
        if "discharge grant" in text.lower():
            assert "subsistence payment" in text.lower(), name
