"""The shared crisis detector: what the gateway and the engine decide for each message."""

from __future__ import annotations

import statistics
import time

import pytest

import bot.crisis as crisis
from bot.crisis import (
    CATEGORIES,
    Assessment,
    assess,
    crisis_category,
    crisis_intent,
    detector,
    normalise,
)
from bot.crisis.decide import DEFAULT_THRESHOLDS, crisis_mass, decide
from bot.crisis.model import load

BRIDGE = "how high is the bridge in stockport"
DISTRESS = ["i cant see any way out of this", "everyone would be better off if i wasnt here"]


def test_the_api_the_gateway_and_engine_code_against() -> None:
    assert CATEGORIES == ("suicide", "self_harm", "overdose", "third_party", "danger", "abuse")
    found = assess("i want to kill myself")
    assert isinstance(found, Assessment)
    assert (found.decision, found.category, found.score, found.source) == (
        "crisis",
        "suicide",
        1.0,
        "rule",
    )
    assert crisis_category("i want to kill myself") == "suicide"
    assert crisis_category("how do i claim universal credit") is None
    crisis.warm()


@pytest.mark.parametrize(
    ("text", "category"),
    [
        (
            "honestly cant see the point of carrying on, i want to go to sleep and stay asleep",
            "suicide",
        ),
        ("ive been saving my pregabs for weeks and tonight im taking them all", "suicide"),
        ("i tried to hang myself last month and im feeling like that again", "suicide"),
        ("been slicing my arms up again", "self_harm"),
        ("necked a whole box of co codamol about an hour ago", "overdose"),
        ("my mate took loads of pills and won't wake up", "third_party"),
        ("my flatmates lips are purple and hes not moving", "third_party"),
        ("theres lads outside with machetes shouting my name", "danger"),
        ("my boyfriend grabbed me by the neck and pushed me against the wall", "abuse"),
        ("she wont let me leave the flat without her and takes my wages", "abuse"),
    ],
)
def test_crisis_messages_get_their_category(text: str, category: str) -> None:
    found = assess(text)
    assert (found.decision, found.category) == ("crisis", category)


def test_preparation_is_never_let_pass() -> None:
    found = assess("i have sorted my will and handed my dog to my neighbour so hes looked after")
    assert (found.decision, found.category) in {("crisis", "suicide"), ("ask", "suicide")}


def test_someone_elses_emergency_is_third_party_not_the_senders_suicide() -> None:
    found = assess("my mate took loads of pills and won't wake up")
    assert found.category == "third_party"
    assert crisis_intent(found.category) == "crisis_other"


@pytest.mark.parametrize(
    "text",
    [
        "my ex won't let me see the kids",
        "my mate wants me out by the weekend",
        "this form is killing me",
        "i could murder a brew",
        "my PO will kill me if im late again lol",
        "im dead on my feet after unpaid work",
        "my phone's about to die",
        "i need to end my tenancy",
        "i'm going to jump on the tram to town",
        "how many paracetamol can i take for toothache",
        "where can i get a naloxone kit",
        "i'm on licence for a stabbing, can i still get help",
        "my friend's been feeling down, where can she get counselling",
        "the bailiffs are banging on my door",
        "how do i claim universal credit",
    ],
)
def test_figures_of_speech_and_everyday_worries_are_not_a_crisis(text: str) -> None:
    assert assess(text).decision != "crisis"


@pytest.mark.parametrize("text", ["my ex won't let me see the kids", "Hope", "Farnworth", "23"])
def test_plain_messages_are_none(text: str) -> None:
    assert assess(text) == Assessment("none", None, 0.0, "none")


@pytest.mark.parametrize("asking", ["name", "place", "number", "time"])
def test_a_form_answer_is_read_as_the_answer(asking: str) -> None:
    assert assess("Hope", asking=asking).decision == "none"
    assert assess("Blade", asking=asking).decision == "none"


def test_the_model_does_not_fire_on_a_form_answer_but_the_rules_still_do() -> None:
    text = "nobody would give a toss if i was gone tomorrow"
    assert assess(text).source == "model"
    assert assess(text, asking="name").decision == "none"
    ruled = assess("i want to kill myself", asking="name")
    assert (ruled.decision, ruled.source) == ("crisis", "rule")


def test_when_unsure_the_detector_asks_about_suicide() -> None:
    found = assess("i cant do this anymore")
    assert (found.decision, found.category, found.source) == ("ask", "suicide", "model")
    assert 0.0 < found.score < 1.0


@pytest.mark.parametrize(
    ("top", "question"),
    [("abuse", "abuse"), ("danger", "abuse"), ("suicide", "suicide"), ("third_party", "suicide")],
)
def test_the_question_follows_what_the_message_reads_most_like(top: str, question: str) -> None:
    """Unsure about a message that reads most like abuse or danger: the safety question (the
    ask carries "abuse"), not "are you thinking about ending your life?"."""
    p = {"none": 0.6, "suicide": 0.05, top: 0.3}
    found = decide(p, DEFAULT_THRESHOLDS, None, distressed=False)
    assert (found.decision, found.category) == ("ask", question)


def test_a_worry_about_a_partner_is_asked_about_safety() -> None:
    found = assess("my ex keeps the kids from me as punishment")
    assert (found.decision, found.category) == ("ask", "abuse")


def test_distress_earlier_makes_a_method_question_a_crisis() -> None:
    assert assess(BRIDGE).decision != "crisis"
    found = assess(BRIDGE, recent=DISTRESS)
    assert (found.decision, found.category, found.source) == ("crisis", "suicide", "context")


def test_distress_long_ago_in_the_conversation_does_not_count() -> None:
    later = DISTRESS + ["ok", "thanks", "what about my gas bill"]
    assert assess(BRIDGE, recent=later).decision != "crisis"


def test_distress_earlier_does_not_make_an_everyday_question_a_crisis() -> None:
    assert assess("where's the nearest food bank", recent=DISTRESS).decision != "crisis"


def test_a_crisis_buried_in_a_long_message_is_found() -> None:
    text = (
        "got out of forest bank three weeks ago and my universal credit still hasnt come "
        "through, the hostel is full of spice and my PO keeps going on about appointments. "
        "my kids are with their mum and she wont answer. ive got the tablets ready for "
        "tonight. anyway can you help me with a food parcel"
    )
    assert assess(text).decision == "crisis"


def test_a_crisis_read_only_in_one_sentence_of_an_everyday_message_is_asked_about() -> None:
    """Read alone, "she'd had thoughts of suicide" is a crisis to the model; the message is a
    friend asking how to support her. When the whole message reads under PART_CRISIS_WHOLE, a
    part alone asks the question, it does not page an advisor as urgent."""
    text = (
        "My friend told me a while back she'd had thoughts of suicide. She's getting help now "
        "and she's safe. How do I support her?"
    )
    sentences = normalise.sentences(text)
    part = crisis_mass(detector.probabilities(load(), sentences))
    whole = crisis_mass(load().probabilities(sentences))
    assert whole < detector.PART_CRISIS_WHOLE and part >= DEFAULT_THRESHOLDS["crisis"]
    assert assess(text).decision == "ask"
    # After distress earlier in the conversation the part's reading stands.
    assert assess(text, recent=DISTRESS).decision == "crisis"


@pytest.mark.parametrize(
    "text",
    [
        "whats a lethal dose of propranolol",
        "how many co-codamol would it take to kill you",
        "which car parks in town have roof access at night",
    ],
)
def test_a_question_about_a_means_with_nothing_before_it_is_asked_about(text: str) -> None:
    """Crisis lines ask about a question on a lethal dose or a roof even when nothing came
    before it; after distress it is a crisis (the context tests)."""
    p = detector.probabilities(load(), normalise.sentences(text))
    assert p["method"] >= detector.METHOD_ASK
    assert crisis_mass(p) < DEFAULT_THRESHOLDS["crisis"]
    found = assess(text)
    assert (found.decision, found.category) == ("ask", "suicide")


def test_a_little_worry_in_one_sentence_of_an_everyday_message_is_not_asked_about() -> None:
    """Read alone, "im at the end of my tether with them" is a little worrying (over the whole
    message's bar to ask); the whole message is a question about a payment. Under PART_ASK a
    part alone does not call for the question."""
    text = (
        "Im at the end of my tether with them. When does the first universal credit payment come?"
    )
    sentences = normalise.sentences(text)
    part = crisis_mass(detector.probabilities(load(), sentences))
    whole = crisis_mass(load().probabilities(sentences))
    assert whole < 0.15 <= part < detector.PART_ASK
    assert assess(text).decision == "none"
    # After distress earlier in the conversation, the same words are asked about.
    assert assess(text, recent=DISTRESS).decision != "none"


@pytest.mark.parametrize("text", [None, "", "   ", "\U0001f600" * 50])
def test_nothing_typed_is_no_crisis(text: str | None) -> None:
    assert assess(text).decision == "none"


@pytest.mark.parametrize(
    ("category", "intent"),
    [
        ("suicide", "crisis"),
        ("self_harm", "crisis"),
        ("overdose", "crisis"),
        ("danger", "crisis"),
        ("third_party", "crisis_other"),
        ("abuse", "crisis_abuse"),
        (None, None),
    ],
)
def test_each_category_has_its_intent(category: str | None, intent: str | None) -> None:
    assert crisis_intent(category) == intent


def test_a_message_takes_well_under_two_milliseconds() -> None:
    crisis.warm()
    messages = [
        "hiya can you help me with my universal credit claim its not come through",
        "i feel like giving up on everything tbh",
        "my mate took loads of pills and won't wake up",
        "whats the number for samaritans",
    ] * 25
    assess("warm the word cache")
    timings = []
    for text in messages:
        start = time.perf_counter()
        assess(text)
        timings.append(time.perf_counter() - start)
    assert statistics.median(timings) < 0.002


def test_the_rules_still_answer_when_the_model_cannot_load(monkeypatch, caplog) -> None:
    def broken(*_args: object, **_kwargs: object) -> None:
        raise OSError("model file unreadable")

    monkeypatch.setattr(crisis, "assess_with", broken)
    found = assess("i want to kill myself tonight")
    assert (found.decision, found.category, found.source) == ("crisis", "suicide", "rule")
    assert assess("how do i claim universal credit").decision == "none"
    assert "OSError" in caplog.text and "kill" not in caplog.text


def test_earlier_messages_are_read_once_and_kept_without_their_words(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Each message is context for the three after it: its reading is kept, not redone, and
    what is kept is a digest, a rule's category and probabilities, never the words."""
    from bot.crisis import detector, normalise

    monkeypatch.setattr(detector, "_readings", detector._Readings(detector.READINGS_KEPT))
    conversation = [*DISTRESS, "what about my gas bill", BRIDGE, "thanks"]
    cold = [assess(text, recent=conversation[:i]) for i, text in enumerate(conversation)]
    read: list[str] = []
    real = normalise.sentences
    monkeypatch.setattr(normalise, "sentences", lambda text: read.append(text) or real(text))
    warm = [assess(text, recent=conversation[:i]) for i, text in enumerate(conversation)]
    assert warm == cold
    # each message read once for itself; earlier ones only together (the "mild" check)
    assert sum(text in conversation for text in read) == len(conversation)

    held = detector._readings._held
    assert held
    for (model_id, digest), (model, rule, p) in held.items():
        assert isinstance(digest, bytes) and len(digest) == 16
        assert model_id == id(model) and rule in (None, *CATEGORIES)
        assert all(isinstance(k, str) and isinstance(v, float) for k, v in p.items())
        assert set(p) <= {*CATEGORIES, "distress", "method", "none"}  # labels, not words


def test_the_kept_readings_are_bounded_and_per_model(monkeypatch: pytest.MonkeyPatch) -> None:
    from dataclasses import replace

    from bot.crisis import detector
    from bot.crisis.model import load

    monkeypatch.setattr(detector, "_readings", detector._Readings(5))
    for n in range(20):
        assess("what about my gas bill", recent=[f"message number {n}"])
    assert len(detector._readings._held) == 5

    model = load()
    other = replace(model, thresholds={**model.thresholds, "crisis": 2.0, "ask": 2.0})
    text = "i want to go to sleep and never wake up"
    assert detector._reading(model, text) == detector._reading(model, text)
    kept = detector._readings.get(next(reversed(detector._readings._held)))
    assert kept is not None and kept[0] is model
    detector._reading(other, text)  # another model's reading replaces it, never reused
    kept = detector._readings.get(next(reversed(detector._readings._held)))
    assert kept is not None and kept[0] is other
