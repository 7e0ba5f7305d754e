"""The normaliser turns typed messages into the words the detector was trained on."""

from __future__ import annotations

import pytest

from bot.crisis.normalise import keep_words, normalise, sentences


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("I\u2019M SO DONE!!!", "im so done"),
        ("soooo tired", "so tired"),
        ("feeeel like crap", "feel like crap"),
        ("u ok? wiv ur mam 2nite", "you ok with your mam tonight"),
        ("want 2 die", "want to die"),
        ("its 2 kids and 2 adults", "its 2 kids and 2 adults"),
        ("got 2 boxes of paracetamol", "got 2 boxes of paracetamol"),
        ("im gonna endit", "im going to end it"),
        ("cnt cope anymore", "cant cope any more"),
        ("took 20mg diazapam", "took 20 mg diazepam"),
        ("this form is killin me \U0001f602", "this form is killing me lol"),
    ],
)
def test_case_punctuation_stretching_and_text_speak(typed: str, expected: str) -> None:
    assert normalise(typed) == expected


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("i feel sucidal", "i feel suicidal"),
        ("jump of the brigde", "jump of the bridge"),
        ("a box of paracetemol", "a box of paracetamol"),
        ("he battrs me", "he batters me"),
        ("i wanna kil my slef", "i want to kill my self"),
        ("killmyself", "kill myself"),
        ("30 tablts saved up", "30 tablets saved up"),
    ],
)
def test_misspellings_are_corrected(typed: str, expected: str) -> None:
    assert normalise(typed) == expected


@pytest.mark.parametrize(
    "word",
    ["licence", "pdu", "uc", "dbs", "nfa", "recall", "bail", "kms", "cba", "skint", "mam"],
)
def test_probation_words_and_slang_are_never_corrected(word: str) -> None:
    assert normalise(f"my {word} today") == f"my {word} today"


@pytest.mark.parametrize(
    ("typed", "not_read_as"),
    [
        ("i tidied my room", "died"),
        ("stubbing my toe", "stabbing"),
        ("my dad disowned me", "drowned"),
        ("she texted me back", "tested"),
        ("been necking energy drinks", "decking"),
    ],
)
def test_real_words_are_not_turned_into_crisis_words(typed: str, not_read_as: str) -> None:
    """A word the dictionary knows well is a word typed right, however close to a worse one."""
    assert not_read_as not in normalise(typed).split()
    assert normalise(typed) == typed


@pytest.mark.parametrize("word", ["vape", "kipping", "leccy", "potless", "grandkids", "klarna"])
def test_everyday_words_from_the_project_list_stay_as_typed(word: str) -> None:
    """ "vape" is one letter from "rape": the project word list keeps it as typed."""
    assert word in keep_words()
    assert normalise(f"my {word} today") == f"my {word} today"


@pytest.mark.parametrize("place", ["Farnworth", "Wythenshawe", "Chadderton", "Boltan", "Heywood"])
def test_place_names_and_their_listed_misspellings_stay_as_typed(place: str) -> None:
    assert place.lower() in keep_words()
    assert normalise(f"i live in {place}") == f"i live in {place.lower()}"


def test_overdose_shorthand_is_spelt_out_but_odd_stays_odd() -> None:
    assert normalise("my mate od'd") == "my mate overdosed"
    assert normalise("that's odd") == "thats odd"


def test_sentences_split_on_full_stops_and_new_lines() -> None:
    assert sentences("hiya. i need help\nwith my UC") == [
        ["hiya"],
        ["i", "need", "help"],
        ["with", "my", "uc"],
    ]


@pytest.mark.parametrize("empty", [None, "", "   ", "...", "\U0001f600" * 5])
def test_empty_and_symbol_only_messages_give_nothing(empty: str | None) -> None:
    assert normalise(empty) == ""


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("iwanttodieicantdothisanymore", "i want to die i cant do this anymore"),
        ("IMGOINGTOKILLMYSELFTONIGHT", "im going to kill myself tonight"),
        ("nomoneynofoodnothing", "no money no food nothing"),
        ("howdoiclaimuniversalcredit", "how do i claim universal credit"),
    ],
)
def test_a_message_typed_with_no_spaces_is_cut_into_words(typed: str, expected: str) -> None:
    assert normalise(typed) == expected


@pytest.mark.parametrize(
    "typed", ["asdfghjklqwerty", "abcdefghijklmnopqrstuvwxyz", "lolololol", "ab" * 60]
)
def test_a_run_of_junk_letters_is_left_as_typed(typed: str) -> None:
    assert normalise(typed) == typed
