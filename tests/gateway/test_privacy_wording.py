"""Every privacy sentence the assistant says is plain, and says what the product does: what is
kept, for how long, who sees it, and that a cancelled referral keeps nothing typed for it.

What each sentence claims is tested where it happens: tests/gateway/test_personal_answers.py
(the transcript and the app's tables), tests/engine/test_tracker_store.py and tests/e2e (the
engine's tracker), tests/webchat (Quick exit, expiry).
"""

from __future__ import annotations

import pytest

from bot.content import load_content
from bot.gateway import texts
from bot.privacy import PROBATION_SHARING
from bot.readability import reading_grade
from tests.support import ROOT

CONTENT = load_content(ROOT / "content" / "services.yml")
WORDING = {
    "referral consent": texts.response("utter_ask_referral_consent")[0],
    "referral cancelled": texts.response("utter_referral_cancelled")[0],
    "referral declined": texts.response("utter_referral_no_consent")[0],
    "call-back consent": texts.CALLBACK_CONSENT,
    "privacy notice": CONTENT.privacy_notice,
}


@pytest.mark.parametrize("name", WORDING)
def test_grade_6_or_lower(name: str) -> None:
    assert reading_grade(WORDING[name]) <= 6.0, name


@pytest.mark.parametrize("name", ["referral consent", "call-back consent", "privacy notice"])
def test_what_is_kept_how_long_and_the_one_probation_sentence(name: str) -> None:
    said = WORDING[name]
    assert "up to a year" in said
    assert PROBATION_SHARING in said  # word for word, wherever it is said
    assert "staff" in said  # who sees it


def test_the_referral_says_cancel_keeps_nothing_typed_and_nothing_untrue() -> None:
    consent = WORDING["referral consent"]
    assert "Say cancel at any time and we delete what you typed for this." in consent
    assert "the service in your area see them" in consent
    everything = "\n".join(WORDING.values())
    for untrue in ("Nothing is saved unless", "nothing is kept", "haven't saved anything"):
        assert untrue not in everything
    assert "deleted what you typed" in WORDING["referral cancelled"]


def test_the_privacy_notice_says_how_to_get_a_copy_or_have_it_deleted() -> None:
    assert "ask an advisor here" in CONTENT.privacy_notice
    assert CONTENT.welcome
