"""Reading the answer files, measuring a reply, and the content report staff run."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from bot.answers_content import AnswerFileError, load_answers, parse_answer
from bot.readability import as_sentences, phone_numbers, reading_grade, word_count
from tests.support import ROOT

GOOD = """\
intent: {intent}
title: Universal Credit
checked: {checked}
sources:
  - title: "Universal Credit: how to claim"
    url: https://www.gov.uk/universal-credit/how-to-claim
answer: >-
  Universal Credit is money to help with living costs.

  Call the free helpline on 0800 328 5644.
more: >-
  The first payment takes about 5 weeks.
buttons: [refer_self, find_local, human]
"""


def write(folder: Path, intent: str = "uc_claim", checked: str = "2026-12-02") -> Path:
    path = folder / f"{intent}.yml"
    path.write_text(GOOD.format(intent=intent, checked=checked), encoding="utf-8")
    return path


def test_a_good_file_reads_as_written(tmp_path: Path) -> None:
    answer = parse_answer(write(tmp_path))
    assert answer.intent == "uc_claim" and answer.checked == date(2026, 12, 2)
    assert answer.answer == (
        "Universal Credit is money to help with living costs.\nCall the free helpline on "
        "0800 328 5644."
    )
    assert answer.buttons == ("refer_self", "find_local", "human")
    assert answer.more_payload == '/tell_me_more{"topic":"uc_claim"}'
    assert [s.url for s in answer.sources] == ["https://www.gov.uk/universal-credit/how-to-claim"]


@pytest.mark.parametrize(
    "old, new",
    [
        ("intent: uc_claim", "intent: uc_advance"),  # not the file's name
        ("checked: 2026-12-02", "checked: last week"),
        ("checked: 2026-12-02\n", ""),  # no date
        ("url: https://www", "url: http://www"),  # not https
        ("    url: https://www.gov.uk/universal-credit/how-to-claim\n", ""),  # no address
        (
            'sources:\n  - title: "Universal Credit: how to claim"\n    url: '
            "https://www.gov.uk/universal-credit/how-to-claim\n",
            "sources: []\n",
        ),
        ("buttons: [refer_self, find_local, human]", "buttons: [refer_self, call_me]"),
        ("buttons: [refer_self, find_local, human]", "buttons: [human, human]"),
        ("living costs.", "living costs {hrs}."),  # a placeholder nothing fills
        ("more: >-", "mroe: >-"),  # a field misspelt
        ("title: Universal Credit\n", 'title: "Universal Credit\n'),  # not YAML
    ],
)
def test_a_bad_file_is_refused_with_its_name(tmp_path: Path, old: str, new: str) -> None:
    path = write(tmp_path)
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")
    with pytest.raises(AnswerFileError, match="uc_claim.yml"):
        load_answers(tmp_path)


def test_more_may_be_left_out_and_hours_may_be_filled(tmp_path: Path) -> None:
    path = write(tmp_path, intent="service_hours")
    text = path.read_text(encoding="utf-8").split("more:")[0]
    path.write_text(text.replace("living costs.", "living costs, {hours}."), encoding="utf-8")
    answer = parse_answer(path)
    assert answer.more is None and "{hours}" in answer.answer and answer.buttons == ()


def test_a_topic_name_too_long_for_a_telegram_button_is_refused(tmp_path: Path) -> None:
    with pytest.raises(AnswerFileError, match="too long"):
        parse_answer(write(tmp_path, intent="a_topic_name_far_too_long_for_a_telegram_button_x"))


def test_each_line_is_a_sentence_and_a_phone_number_one_word() -> None:
    text = "Free advice:\n• StepChange: 0800 138 1111\n• Citizens Advice\n\nCall 999 or 116 123."
    assert as_sentences(text) == (
        "Free advice. StepChange: 08001381111. Citizens Advice. Call 999 or 116123."
    )
    assert phone_numbers(text) == ["0800 138 1111", "116 123"]  # 999 is not counted
    assert word_count(text) == 10


def test_long_words_and_long_sentences_still_count() -> None:
    plain = "Call the council today. They must help you. Ask for the homeless team."
    hard = (
        "Contact your local authority's homelessness prevention department immediately, "
        "because statutory obligations necessitate comprehensive assessments of eligibility."
    )
    assert reading_grade(plain) <= 6 < reading_grade(hard)
    # a run of bullets without full stops is not read as one long sentence...
    bullets = "\n".join(f"• item number {n} on the list" for n in range(8))
    assert reading_grade(bullets) < reading_grade(bullets.replace("\n", " "))


def report(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CONTENT_DIR": str(folder), "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "content_report.py"), *args],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=60,
    )


def test_the_report_lists_each_answer_and_flags_the_stale(tmp_path: Path) -> None:
    answers = tmp_path / "answers"
    answers.mkdir()
    write(answers, "uc_claim", checked="2026-12-02")
    write(answers, "debt", checked="2026-05-01")
    done = report(tmp_path, "--today", "2026-12-02")
    assert done.returncode == 0, done.stderr
    assert "uc_claim: Universal Credit  [ok]" in done.stdout
    assert "debt: Universal Credit  [STALE]" in done.stdout
    assert "checked 2026-05-01; answer 15 words, grade" in done.stdout
    assert "<https://www.gov.uk/universal-credit/how-to-claim>" in done.stdout
    assert report(tmp_path, "--today", "2026-12-02", "--fail-stale").returncode == 1
    assert report(tmp_path, "--today", "2026-10-31", "--fail-stale").returncode == 0


def test_the_report_names_a_broken_file(tmp_path: Path) -> None:
    answers = tmp_path / "answers"
    answers.mkdir()
    (answers / "debt.yml").write_text("intent: debt\n", encoding="utf-8")
    done = report(tmp_path)
    assert done.returncode == 2 and "debt.yml" in done.stderr


def test_the_shipped_answers_are_all_up_to_date_and_within_the_limits() -> None:
    done = report(ROOT / "content")
    assert done.returncode == 0, done.stderr
    assert f"Welfare answers: {len(load_answers(ROOT / 'content' / 'answers'))}" in done.stdout
    assert "LONG" not in done.stdout and "HARD" not in done.stdout and "PHONES" not in done.stdout
