"""The plain validators the referral form relies on."""

from __future__ import annotations

import pytest

from actions.validators import (
    is_done,
    parse_best_time,
    parse_change_field,
    parse_contact_method,
    parse_name,
    parse_needs,
    parse_phone,
    parse_probation,
    parse_yes_no,
)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("07700 900123", "07700900123"),
        ("07700900123", "07700900123"),
        ("+44 7700 900 123", "07700900123"),
        ("+447700900123", "07700900123"),
        ("0044 7700 900123", "07700900123"),
        ("(0161) 496 0000", "01614960000"),
        ("0161-496-0000", "01614960000"),
        ("its 07700 900 123 thats me mob", "07700900123"),
        ("0800 328 5644", None),  # freephone is not a personal number
        ("077009001", None),  # too short
        ("0770090012345", None),  # too long
        ("+1 415 555 0100", None),  # not UK
        ("call me dave", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_phone(text: str | None, expected: str | None) -> None:
    assert parse_phone(text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Jo", "Jo"),
        ("dave", "Dave"),
        ("my names Kyle", "Kyle"),
        ("call me shaz", "Shaz"),
        ("it's Mary Ann", "Mary Ann"),
        ("Siobhán", "Siobhán"),
        ("O'Neill", "O'Neill"),
        ("", None),
        ("07700900123", None),
        ("how do i claim universal credit today", None),
        ("<b>x</b>", None),
        ("😀", None),
        ("x" * 200, None),
    ],
)
def test_parse_name(text: str, expected: str | None) -> None:
    assert parse_name(text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("yes", True),
        ("Yeah", True),
        ("aye", True),
        ("ok", True),
        ("yes please", True),
        ("no", False),
        ("nah", False),
        ("no thanks", False),
        ("maybe", None),
        ("", None),
    ],
)
def test_parse_yes_no(text: str, expected: bool | None) -> None:
    assert parse_yes_no(text) is expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("phone me", "phone"),
        ("ring me", "phone"),
        ("07700 900123", "phone"),
        ("reply in this chat", "chat"),
        ("on here is fine", "chat"),
        ("pigeon", None),
    ],
)
def test_parse_contact_method(text: str, expected: str | None) -> None:
    assert parse_contact_method(text) == expected


def test_parse_best_time() -> None:
    assert parse_best_time("morning") == "Mornings"
    assert parse_best_time("after 2pm weekdays") == "after 2pm weekdays"
    assert parse_best_time("   ") is None
    assert parse_best_time("x" * 81) is None


def test_parse_needs_and_done() -> None:
    assert parse_needs("housing and a mentor") == ["mentoring", "housing"]
    assert set(parse_needs("debt, food, my kids")) == {"family", "debt", "food_energy"}
    assert parse_needs("asdf") == []
    assert is_done("that's all") and is_done("done") and not is_done("housing")


@pytest.mark.parametrize(
    "text, expected",
    [
        ("yes", "yes"),
        ("no", "no"),
        ("prefer not to say", "prefer_not_to_say"),
        ("rather not say", "prefer_not_to_say"),
        ("im on licence", "yes"),
        ("my licence finished last year", "no"),
        ("banana", None),
    ],
)
def test_parse_probation(text: str, expected: str | None) -> None:
    assert parse_probation(text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("change my number", "contact_method"),
        ("wrong name", "preferred_name"),
        ("the area is wrong", "district"),
        ("change the time", "best_time"),
        ("change what i need help with", "needs"),
        ("nothing", None),
    ],
)
def test_parse_change_field(text: str, expected: str | None) -> None:
    assert parse_change_field(text) == expected
