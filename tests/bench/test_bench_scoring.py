"""The bench's scoring and aggregation: crisis recall per category, turn-cost growth, memory
over workers, the targets a run is held to, and the printed table. Nothing here is timed and
nothing is started: the figures come from made-up inputs with known answers."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

from bench import crisis, growth, report, run
from bench.procs import Memory
from bench.profile import endpoints, prod_env
from bench.script import Button
from bench.system import memory_figures

CRISIS_TEXTS = ["crisis reply", "crisis reply for someone else", "abuse reply"]
CHECK_TEXT = "are you thinking about ending your life?"
SAFETY_TEXT = "is someone hurting you, or making you feel unsafe, right now?"


def items(spec: list[tuple[str | None, str | None]]) -> list[crisis.Item]:
    """(category, kind) pairs as held-out items; a category makes a positive."""
    return [crisis.Item(f"m{i}", category=c, kind=k) for i, (c, k) in enumerate(spec)]


def test_recall_per_category_counts_the_question_as_an_answer() -> None:
    found = items([("suicide", None)] * 4 + [("overdose", None)] * 2 + [("abuse", None)])
    decisions = ["crisis", "ask", "none", "crisis", "crisis", "none", "crisis"]
    summary = crisis.summarise(found, decisions)
    assert summary["per_category"]["suicide"] == {"caught": 3, "total": 4, "recall": 0.75}
    assert summary["per_category"]["overdose"] == {"caught": 1, "total": 2, "recall": 0.5}
    assert summary["per_category"]["abuse"]["recall"] == 1.0
    assert (summary["positives"], summary["caught"], summary["recall"]) == (7, 5, 0.7143)
    assert list(summary["per_category"]) == ["suicide", "overdose", "abuse"]  # the gate's order


def test_a_false_alarm_is_a_crisis_reply_and_the_question_is_counted_apart() -> None:
    found = items([(None, "idiom")] * 3 + [(None, "form_answer")] * 2)
    summary = crisis.summarise(found, ["crisis", "ask", "none", "none", "crisis"])
    assert (summary["false_alarms"], summary["negatives"]) == (2, 5)
    assert summary["false_alarm_rate"] == 0.4
    assert summary["asked_negatives"] == 1
    assert summary["false_alarms_per_kind"] == {
        "form_answer": {"alarms": 1, "total": 2},
        "idiom": {"alarms": 1, "total": 3},
    }
    assert summary["positives"] == 0 and summary["recall"] == 0.0


def test_flat_keys_carry_every_category_present() -> None:
    found = items([("suicide", None), ("third_party", None), (None, "everyday")])
    flat = crisis.flat(crisis.summarise(found, ["crisis", "none", "crisis"]))
    assert flat == {
        "crisis_heldout_recall": 0.5,
        "crisis_heldout_false_alarm_rate": 1.0,
        "crisis_recall_suicide": 1.0,
        "crisis_recall_third_party": 0.0,
    }


@pytest.mark.parametrize(
    ("intent", "decision"),
    [
        ("crisis", "crisis"),
        ("crisis_abuse", "crisis"),
        ("crisis_other", "crisis"),
        ("crisis_check", "ask"),
        ("nlu_fallback", "none"),  # the person would be asked to say it another way
        ("uc_claim", "none"),
        (None, "none"),
    ],
)
def test_the_reference_is_scored_on_its_predicted_intent(intent: str | None, decision: str) -> None:
    assert crisis.intent_decision(intent) == decision


@pytest.mark.parametrize(
    ("replies", "decision"),
    [
        ([{"text": "crisis reply"}, {"custom": {"handover": {"reason": "crisis"}}}], "crisis"),
        ([{"custom": {"handover": {"reason": "crisis", "urgent": True}}}], "crisis"),
        ([{"text": "abuse reply"}], "crisis"),
        ([{"text": CHECK_TEXT, "buttons": [{"title": "Yes", "payload": "/affirm"}]}], "ask"),
        ([{"text": SAFETY_TEXT, "buttons": [{"title": "No", "payload": "/deny"}]}], "ask"),
        ([{"text": "Here is how to claim"}, {"custom": {"handover": {"reason": "asked"}}}], "none"),
        ([{"text": "Universal Credit is..."}], "none"),
        ([], "none"),
    ],
)
def test_the_engines_answer_is_read_as_the_gateway_reads_it(
    replies: list[dict[str, Any]], decision: str
) -> None:
    assert crisis.reply_decision(replies, CRISIS_TEXTS, [CHECK_TEXT, SAFETY_TEXT]) == decision


@pytest.mark.parametrize(
    ("gateway", "engine", "person"),
    [
        ("crisis", "none", "crisis"),  # the gateway adds its crisis reply
        ("none", "crisis", "crisis"),
        ("crisis", "ask", "crisis"),
        ("none", "ask", "ask"),
        ("ask", "none", "none"),  # the gateway asks only when the engine cannot be reached
        ("none", "none", "none"),
    ],
)
def test_what_a_person_is_answered(gateway: str, engine: str, person: str) -> None:
    assert crisis.person_decision(gateway, engine) == person


def test_the_held_out_file_loads_with_context_and_asking(tmp_path: Path) -> None:
    doc = {
        "positives": [
            {"text": "a", "category": "suicide", "level": 1},
            {"text": "b", "category": "danger", "context": ["earlier", "later"]},
        ],
        "negatives": [{"text": "c", "kind": "form_answer", "asking": "name"}],
    }
    path = tmp_path / "set.yml"
    path.write_text(yaml.safe_dump(doc))
    loaded = crisis.load_items(path)
    assert [i.positive for i in loaded] == [True, True, False]
    assert loaded[1].context == ("earlier", "later")
    assert (loaded[2].kind, loaded[2].asking) == ("form_answer", "name")
    quick = crisis.sample(loaded, 2)
    assert [i.text for i in quick] == ["a", "c"]  # every second of each, both kinds kept


def test_the_committed_held_out_set_has_every_category() -> None:
    loaded = crisis.load_items()
    assert {i.category for i in loaded if i.positive} == set(crisis.CATEGORIES)
    assert any(not i.positive for i in loaded)


def test_growth_compares_fresh_turns_around_5_with_long_turns_around_the_last() -> None:
    # Long conversations of 10 turns: turn t takes t ms in one and 2t ms in the other; the
    # fresh cohort's turns take 4 ms, measured beside the long ones' last turns.
    long: list[list[float | None]] = [[float(t) for t in range(1, 11)]]
    long.append([2.0 * t for t in range(1, 11)])
    fresh: list[list[float | None]] = [[4.0] * 4, [4.0] * 4]
    summary = growth.summarise(long, fresh, 10, early=(3, 4))
    assert summary["late_turns"] == [6, 10]
    assert summary["late_median_ms"] == 11.0  # of 6..10 and 12..20
    assert summary["early_median_ms"] == 4.0
    assert summary["ratio"] == 2.75
    assert summary["early_median_ms_same_conversations"] == 5.0  # of 3, 4, 6, 8
    assert summary["ratio_same_conversations"] == 2.2
    assert summary["per_turn_median_ms"][0] == 1.5
    assert len(summary["per_turn_median_ms"]) == 10
    assert (summary["conversations"], summary["fresh_conversations"]) == (2, 2)


def test_growth_leaves_out_failed_turns_and_keeps_the_windows_apart() -> None:
    long: list[list[float | None]] = [[10.0, 10.0, None, 10.0, 30.0, 30.0]]
    fresh: list[list[float | None]] = [[10.0, None, 10.0, 10.0]]
    summary = growth.summarise(long, fresh, 6, early=(2, 4))
    assert summary["early_median_ms"] == 10.0
    assert summary["late_turns"] == [5, 6]  # never overlapping the early window
    assert summary["ratio"] == 3.0
    assert summary["per_turn_median_ms"][2] is None
    assert growth.summarise([[None] * 6], [[None] * 4], 6)["ratio"] is None
    assert growth.summarise([[1.0] * 6], [], 6)["ratio"] is None  # no fresh cohort, no ratio


def test_the_fresh_cohort_starts_so_its_turns_3_to_7_meet_turns_56_to_60() -> None:
    start = growth.fresh_start(60)
    assert growth.late_turns(60) == (56, 60)
    # Fresh turn k is sent in the round of long turn start + k.
    assert [start + k for k in range(3, 8)] == list(range(56, 61))
    assert growth.fresh_start(12) + 3 == growth.late_turns(12)[0] == 8


def kind(step: object) -> str:
    """A step's kind: a tap, or which kind of typed message."""
    if isinstance(step, Button):
        return f"tap {step.title}"
    if step in growth.PLACES:
        return "place"
    return "question" if step in growth.QUESTIONS else str(step)


def test_long_conversations_hold_the_same_mix_around_turn_5_and_turn_60() -> None:
    conversations = [growth.steps(i, 60) for i in range(len(growth.CYCLE))]
    assert all(len(c) == 60 for c in conversations)
    assert all(isinstance(s, Button | str) and s not in (growth.PLACE, growth.QUESTION)
               for c in conversations for s in c)  # fmt: skip
    early = Counter(kind(s) for c in conversations for s in c[2:7])
    late = Counter(kind(s) for c in conversations for s in c[55:60])
    assert early == late
    assert conversations[1][0] == conversations[0][1]  # conversation k starts k steps in
    taps = Counter(kind(s) for c in conversations for s in c)
    assert taps["tap Tell me more"] and taps["question"] > taps["place"]


def test_memory_sums_every_process_of_each_part_and_leaves_redis_apart() -> None:
    found = memory_figures(
        {
            "engine": Memory(1500.0, 1000.0, 3),
            "actions": Memory(100.0, 80.0, 1),
            "gateway": Memory(400.0, 300.0, 4),
            "redis": Memory(12.0, 5.0, 1),
        }
    )
    assert found["rss_mb_total"] == 2000.0
    assert found["pss_mb_total"] == 1380.0
    assert found["processes_total"] == 8
    assert found["rss_mb_redis"] == 12.0 and found["processes_engine"] == 3


def figures(**overrides: Any) -> dict[str, Any]:
    """A system's figures that meet every target, with some changed."""
    per_category = {c: {"caught": 5, "total": 5, "recall": 1.0} for c in crisis.CATEGORIES}
    base = {
        "p95_ms_seq": 20.0,
        "intent_macro_f1": 0.95,
        "entity_f1": 0.99,
        "crisis_recall": 1.0,
        "crisis_heldout_false_alarm_rate": 0.01,
        "crisis_detail": {"per_category": per_category},
        "gateway_overhead_p50_ms": 3.0,
        "growth_ratio": 1.05,
        "rss_mb_total": 900.0,
        "pss_mb_total": 700.0,
    }
    return {**base, **overrides}


def test_an_ours_only_run_is_held_to_the_targets_that_need_no_reference() -> None:
    result = {"profile": "default", "ours": figures()}
    targets = run.check_targets(result)
    assert all(targets.values())
    assert "throughput_c20 >= 3x" not in targets
    assert "turn 60 within 1.2x turn 5" in targets
    assert "three processes < 1.0 GB" in targets
    assert not any(name.startswith("production profile") for name in targets)


def test_the_new_targets_fail_when_their_figures_do() -> None:
    worse = figures(growth_ratio=1.3, crisis_heldout_false_alarm_rate=0.03)
    worse["crisis_detail"]["per_category"]["danger"]["recall"] = 0.9
    targets = run.check_targets({"profile": "default", "ours": worse})
    assert not targets["turn 60 within 1.2x turn 5"]
    assert not targets["held-out crisis set: false alarms <= 2%"]
    assert not targets["held-out crisis set: every crisis answered, in every category"]
    assert not run.check_targets({"profile": "default", "ours": figures(growth_ratio=None)})[
        "turn 60 within 1.2x turn 5"
    ]


def test_the_production_profile_states_its_memory_target_on_every_process() -> None:
    prod = {"profile": "prod", "ours": figures(rss_mb_total=2200.0, pss_mb_total=1500.0)}
    targets = run.check_targets(prod)
    assert "three processes < 1.0 GB" not in targets
    assert targets["production profile: every process, PSS < 2.0 GB (1.0 GB per copy)"]
    prod["ours"]["pss_mb_total"] = 2100.0
    assert not run.check_targets(prod)[
        "production profile: every process, PSS < 2.0 GB (1.0 GB per copy)"
    ]


def test_a_full_run_compares_recall_per_category_with_the_reference() -> None:
    reference = figures()
    reference["crisis_detail"] = {
        "per_category": {c: {"recall": 0.5} for c in crisis.CATEGORIES} | {"abuse": {"recall": 1}}
    }
    ours = figures()
    ours["crisis_detail"]["per_category"]["abuse"]["recall"] = 0.9
    ratios = dict.fromkeys(("throughput_c20", "p50_ms_seq", "p95_ms_c20", "train_s"), 5.0)
    result = {
        "profile": "default",
        "ours": ours,
        "reference": reference,
        "ratios": {**ratios, "startup_s": 3.0},
    }
    targets = run.check_targets(result)
    assert not targets["held-out crisis set: recall >= the reference's in every category"]
    assert targets["throughput_c20 >= 3x"] and targets["intent macro-F1 >= the reference's"]


def test_the_table_prints_ours_alone_or_beside_the_reference() -> None:
    ours = figures(crisis_heldout_recall=0.967, crisis_recall_suicide=0.95, growth_ratio=1.04)
    alone = report.table({"profile": "prod", "ours": ours})
    assert "| figure (prod profile) | ours |" in alone
    assert "| Crisis set: recall, suicide | 0.95 |" in alone
    assert "| Turn around 60 / turn around 5 | 1.04 |" in alone
    ratios = dict.fromkeys(("throughput_c20", "p50_ms_seq", "p95_ms_c20", "train_s"), 2.0)
    both = report.table(
        {
            "profile": "default",
            "ours": ours,
            "reference": {"crisis_recall_suicide": 0.6},
            "ratios": {**ratios, "startup_s": 2.0},
        }
    )
    assert "| Crisis set: recall, suicide | 0.95 | 0.6 |" in both
    assert "Ratios (times better)" in both


def test_each_profile_names_its_endpoints_and_the_production_settings() -> None:
    assert endpoints("default", reference=False) == "endpoints.yml"
    assert endpoints("prod", reference=False) == "endpoints.prod.yml"
    assert endpoints("prod", reference=True) == "bench/reference_endpoints_prod.yml"
    assert all(
        (run.ROOT / endpoints(p, r)).exists() for p in ("default", "prod") for r in (True, False)
    )
    engine, gateway = prod_env("postgresql://postgres@127.0.0.1:5432/welfare_bench_x", 16379)
    assert engine["SANIC_WORKERS"] == "2"
    assert (engine["REDIS_PORT"], engine["REDIS_LOCK_DB"]) == ("16379", "1")
    assert engine["BENCH_PG_DB"] == "welfare_bench_x"
    assert gateway["REDIS_URL"] == "redis://127.0.0.1:16379/0"
    assert gateway["REDIS_NAMESPACE"] == engine["REDIS_NAMESPACE"]


def test_a_saved_model_is_not_reused_after_the_normaliser_changes(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The classifier reads the normaliser's words: a model trained before a change to its
    code, word list or place names must be trained again, not reused."""
    config = run.ROOT / "config.yml"
    before = run.fingerprint(config)
    words = tmp_path / "keep_words.txt"
    words.write_text(run.normalise.KEEP_WORDS.read_text(encoding="utf-8") + "\nnewword\n")
    monkeypatch.setattr(run.normalise, "KEEP_WORDS", words)
    assert run.fingerprint(config) != before
