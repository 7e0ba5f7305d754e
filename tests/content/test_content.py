"""The shipped data and content hold together: responses, examples, held-out set, crisis rules."""

from __future__ import annotations

import re

import pytest
import yaml

from bot.answers_content import load_answers
from bot.content import load_content
from bot.crisis import crisis_category
from bot.places.resolver import DISTRICTS
from tests.support import ROOT

DOMAIN = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
CRISIS = {"crisis", "crisis_abuse", "crisis_other"}
# Welfare and service topics are answered from content/answers/<intent>.yml, not the domain.
ANSWERS = load_answers(ROOT / "content" / "answers")
PHONE = re.compile(r"\b0\d{3}[ \d]{6,9}\b")


def examples(folder: str) -> dict[str, list[str]]:
    """Intent -> example texts (entity markup removed) from every NLU file in `folder`."""
    found: dict[str, list[str]] = {}
    for path in sorted((ROOT / folder).glob("*.yml")):
        for item in yaml.safe_load(path.read_text(encoding="utf-8")).get("nlu", []):
            if "intent" not in item:
                continue
            lines = [
                re.sub(r"\[([^\]]+)\]\([^)]+\)", r"\1", line[2:].strip())
                for line in item["examples"].splitlines()
                if line.strip().startswith("- ")
            ]
            found.setdefault(item["intent"], []).extend(lines)
    return found


TRAIN = examples("data/nlu")
HELD_OUT = examples("tests/nlu")
HELD_OUT_REAL = examples("tests/nlu_real")  # paraphrased from public forums, written blind


def test_every_response_an_action_sends_exists() -> None:
    used = set()
    for path in (ROOT / "actions").glob("*.py"):
        used |= set(re.findall(r'"(utter_[a-z_]+)"', path.read_text())) - {"utter_action"}
    used |= {
        f"utter_{i}"
        for i in DOMAIN["intents"]
        if i not in {"find_local", "refer_self", "human"} | CRISIS | set(ANSWERS)
    }
    assert sorted(used - set(DOMAIN["responses"])) == []


def test_every_answer_file_is_an_intent_of_the_domain() -> None:
    assert sorted(set(ANSWERS) - set(DOMAIN["intents"])) == []


def test_each_response_has_one_wording() -> None:
    assert [k for k, v in DOMAIN["responses"].items() if len(v) != 1] == []


@pytest.mark.parametrize("intent", DOMAIN["intents"])
def test_every_intent_has_at_least_25_examples_and_a_held_out_set(intent: str) -> None:
    assert len(TRAIN.get(intent, [])) >= 25
    # Crisis messages of every kind are held out in tests/crisis/ (hundreds, blind-written).
    if intent not in CRISIS:
        assert len(HELD_OUT.get(intent, [])) >= 8


@pytest.mark.parametrize("held_out", [HELD_OUT, HELD_OUT_REAL], ids=["team", "forums"])
def test_held_out_sets_are_never_trained_on(held_out: dict[str, list[str]]) -> None:
    assert sum(len(texts) for texts in held_out.values()) > 400
    trained = {" ".join(t.lower().split()) for texts in TRAIN.values() for t in texts}
    leaked = [
        t for texts in held_out.values() for t in texts if " ".join(t.lower().split()) in trained
    ]
    assert leaked == []


def test_crisis_rules_catch_every_trained_crisis_example_and_nothing_else() -> None:
    """The held-out crisis examples are checked through the whole model by `make test`."""
    source = TRAIN
    missed = [t for i in CRISIS for t in source.get(i, []) if crisis_category(t) is None]
    wrongly = [
        t
        for i, texts in source.items()
        if i not in CRISIS
        for t in texts
        if crisis_category(t) is not None
    ]
    abuse_missed = [t for t in source.get("crisis_abuse", []) if crisis_category(t) != "abuse"]
    assert (missed, wrongly, abuse_missed) == ([], [], [])


@pytest.mark.parametrize(
    "text",
    [
        "i want to kill myself",
        "sucidal",
        "thinking of ending it all",
        "took a load of pills",
        "my mates overdosed",
        "self harmin again",
        "he hits me",
        "I\u2019m going to end it tonight",
    ],
)
def test_crisis_rules_catch_misspelt_and_indirect_phrasing(text: str) -> None:
    assert crisis_category(text) is not None


@pytest.mark.parametrize(
    "text",
    [
        "this form is killing me",
        "i could kill for a brew",
        "killing time till my appointment",
        "im dying for a fag",
        "overdue rent",
        "my pills from the chemist",
        "",
        "😀" * 50,
    ],
)
def test_crisis_rules_leave_ordinary_messages_alone(text: str) -> None:
    assert crisis_category(text) is None


def test_content_names_every_district_and_only_seed_providers() -> None:
    content = load_content(ROOT / "content" / "services.yml")
    assert sorted(content.districts) == sorted(DISTRICTS)
    seed = {
        "Bolton Advice",
        "Stepping Stones",
        "POPs",
        "Back on Track",
        "Rochdale Community Trust",
        "Sanctuary Trust",
        "Salford Foundation",
        "Nacro",
        "The Big Life Company",
        "Out There",
    }
    assert {p for d in content.districts.values() for p in d.providers} <= seed


def test_no_local_phone_number_is_written_into_replies() -> None:
    """National numbers only: every number in a reply must be on the reviewed list."""
    national = {
        "0800 328 5644",
        "0800 917 2222",
        "0808 800 4444",
        "0808 808 4000",
        "0800 138 1111",
        "0800 144 8848",
        "0808 223 1133",
        "0300 555 2222",
        "0300 123 6600",
        "0300 123 1110",
        "0163 424 7350",
        "0300 123 3393",
        "0300 500 0914",
        "0808 801 0366",
        "0808 2000 247",
        "0808 801 0327",
        "0300 123 1999",
        "07700 900123",
    }  # the last is Ofcom's number reserved for examples
    found = set()
    texts = [response[0]["text"] for response in DOMAIN["responses"].values()]
    texts += [a.answer + "\n" + (a.more or "") for a in ANSWERS.values()]
    for text in texts:
        for number in re.findall(r"\b0\d{2,4}(?: ?\d{3,4}){2}\b", text):
            found.add(number)
    normalise = {re.sub(r"\D", "", n) for n in national}
    assert {n for n in found if re.sub(r"\D", "", n) not in normalise} == set()
