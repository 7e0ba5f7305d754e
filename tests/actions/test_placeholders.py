"""Every {placeholder} in domain.yml's responses is filled: a slot, or a value an action passes.

Rasa leaves an unknown placeholder in the text as it is ("Hello {nmae}"), so a typo would
reach a person. The engine's response generator reports one at run time (engine/nlg.py);
this test finds it before then.
"""

from __future__ import annotations

import ast
import re
from collections import defaultdict
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
PLACEHOLDER = re.compile(r"{([^\n{}]+?)}")
NOT_VALUES = {"response", "buttons", "json_message", "text", "template", "image", "attachment"}


def _literals(node: ast.expr) -> list[str] | None:
    """The response names a `response=` argument can take, or None when it is computed."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        body, orelse = _literals(node.body), _literals(node.orelse)
        return body + orelse if body is not None and orelse is not None else None
    return None


def passed_values() -> tuple[dict[str, set[str]], set[str]]:
    """Keyword values each response is given by the actions; and those given to computed names."""
    by_response: dict[str, set[str]] = defaultdict(set)
    computed: set[str] = set()
    for path in (ROOT / "actions").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if not (
                isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "utter_message"
            ):
                continue
            keywords = {k.arg: k.value for k in node.keywords if k.arg}
            if "response" not in keywords:
                continue
            values = {name for name in keywords if name not in NOT_VALUES}
            names = _literals(keywords["response"])
            if names is None:
                computed |= values
            for name in names or []:
                by_response[name] |= values
    return by_response, computed


def placeholders() -> list[tuple[str, str]]:
    domain = yaml.safe_load((ROOT / "domain.yml").read_text())
    found = []
    for name, variants in domain["responses"].items():
        for variant in variants:
            parts = [variant.get("text") or ""]
            parts += [b.get("title", "") for b in variant.get("buttons") or []]
            for part in parts:
                found += [(name, key) for key in PLACEHOLDER.findall(part)]
    return found


def test_every_placeholder_is_a_slot_or_a_passed_value() -> None:
    slots = set(yaml.safe_load((ROOT / "domain.yml").read_text()).get("slots") or {})
    by_response, computed = passed_values()
    found = placeholders()
    assert found, "no placeholders found: the test would check nothing"
    unfilled = [
        (name, key)
        for name, key in found
        if key not in slots and key not in by_response.get(name, set()) and key not in computed
    ]
    assert unfilled == []


def test_the_check_catches_a_typo() -> None:
    slots = {"district"}
    by_response, computed = passed_values()
    assert "nmae" not in slots | by_response["utter_referral_done"] | computed
