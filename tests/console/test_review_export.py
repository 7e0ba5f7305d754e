"""The NLU export passes Rasa's own check: flagged messages (odd characters, a text flagged
twice, a text that is already training data of another intent, a new intent) written into a
copy of the project's data and domain pass `rasa data validate --fail-on-warnings` once the
new intent is listed, and fail it while it is not (so the check really reads the file)."""

from __future__ import annotations

import os
import shutil
import subprocess
from datetime import date
from pathlib import Path

import yaml

from bot.console.review_export import build, domain_intents, example_text, training_examples
from bot.store.review import FlaggedExample
from tests.support import ROOT

RASA = ROOT / ".venv-rasa" / "bin" / "rasa"
ODD = 'wot [hi](greet) #1: "quoted" {x} \x07 it\'s 50% -  ok \u2028 next\ufeff 🙂'
ALREADY = "how do i claim universal credit when i get out"  # uc_claim in data/nlu/welfare.yml
SAME = "can i start a uc claim before im released"  # uc_claim in data/nlu/welfare.yml


def flags() -> list[FlaggedExample]:
    return [
        FlaggedExample(1, "wen do i get paid", "uc_claim"),
        FlaggedExample(2, "wen do i get paid", "uc_payment_date"),  # later: this one counts
        FlaggedExample(3, ODD, "greet"),
        FlaggedExample(4, ALREADY, "greet"),  # training data of uc_claim: left out
        FlaggedExample(5, SAME, "uc_claim"),  # already there as it is: nothing to add
        FlaggedExample(6, "/refer_self", "refer_self"),
        FlaggedExample(7, "   ", "greet"),
    ]


def validate(
    tmp_path: Path, export_text: str, add_intents: list[str]
) -> subprocess.CompletedProcess[str]:
    """Run Rasa's validator on a copy of data/ and domain.yml with the export added."""
    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data)
    (data / "nlu" / "review_export.yml").write_text(export_text, encoding="utf-8")
    domain = (ROOT / "domain.yml").read_text(encoding="utf-8")
    listed = "".join(f"  - {intent}\n" for intent in add_intents)
    (tmp_path / "domain.yml").write_text(domain.replace("intents:\n", "intents:\n" + listed, 1))
    env = os.environ | {"PYTHONPATH": str(ROOT), "SQLALCHEMY_SILENCE_UBER_WARNING": "1"}
    return subprocess.run(
        [
            str(RASA), "data", "validate", "--fail-on-warnings",
            "--data", str(data), "--domain", str(tmp_path / "domain.yml"),
            "--config", str(ROOT / "config.yml"),
        ],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip


def test_the_export_reads_as_training_data() -> None:
    assert training_examples()[ALREADY] == training_examples()[SAME] == {"uc_claim"}
    result = build(flags(), date(2026, 12, 2))
    assert result.filename == "review_2026-12-02.yml"
    assert result.new_intents == ["uc_payment_date"] and result.left_out == [4]
    parsed = yaml.safe_load(result.text)
    examples = {block["intent"]: block["examples"] for block in parsed["nlu"]}
    assert examples == {
        "greet": f"- {example_text(ODD)}\n",
        "uc_payment_date": "- wen do i get paid\n",
    }
    assert example_text(ODD) == 'wot (hi)(greet) #1: "quoted" {x} it\'s 50% - ok next 🙂'
    assert "uc_payment_date" in result.text.split('version: "3.1"')[0]
    assert set(domain_intents()) >= {"greet", "uc_claim"}


def test_the_export_passes_rasa_data_validate(tmp_path: Path) -> None:
    result = build(flags(), date(2026, 12, 2))
    passed = validate(tmp_path / "listed", result.text, result.new_intents)
    assert passed.returncode == 0, passed.stdout[-3000:] + passed.stderr[-3000:]
    refused = validate(tmp_path / "unlisted", result.text, [])
    assert refused.returncode != 0
    assert "uc_payment_date" in refused.stdout + refused.stderr


def test_an_empty_export_is_valid_too(tmp_path: Path) -> None:
    result = build([], date(2026, 12, 2))
    assert result.examples == 0 and "nlu: []" in result.text
    passed = validate(tmp_path, result.text, [])
    assert passed.returncode == 0, passed.stdout[-3000:] + passed.stderr[-3000:]
