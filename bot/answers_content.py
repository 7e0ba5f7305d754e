"""The welfare answers staff edit: one file per topic in content/answers/, read and checked once.

Each file (`content/answers/<intent>.yml`) holds a short first answer, the rest behind a
"Tell me more" button, the sources it was checked against and when, and the buttons under it.
A file that breaks the format stops the action server at start-up with an error naming the
file, rather than sending a person half an answer. How short and how easy to read each answer
is, is checked by the tests and `make content-report` (bot/readability.py).
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from bot.settings import get_settings

# The buttons an answer may carry under it (their titles are in actions/answers.py).
BUTTONS: tuple[str, ...] = ("refer_self", "find_local", "human")
# The {placeholders} an answer may use (action_answer fills them from content/services.yml),
# each with an example value, so an answer's length and reading age are measured as sent.
PLACEHOLDERS: dict[str, str] = {"hours": "Monday to Friday, 9am to 5pm"}
# Telegram keeps at most 64 bytes of a button's payload: "/tell_me_more{"topic":"<intent>"}".
MAX_PAYLOAD_BYTES = 64

_FIELDS = {"intent", "title", "checked", "sources", "answer", "more", "buttons"}
_REQUIRED = ("intent", "title", "checked", "sources", "answer")
_INTENT = re.compile(r"^[a-z][a-z0-9_]*$")


class AnswerFileError(ValueError):
    """An answer file that does not follow the format; the message names the file."""


@dataclass(frozen=True)
class Source:
    """A page the answer was checked against."""

    title: str
    url: str


@dataclass(frozen=True)
class Answer:
    """One topic's answer, as a person sees it and as staff check it."""

    intent: str
    title: str
    checked: date
    sources: tuple[Source, ...]
    answer: str
    more: str | None
    buttons: tuple[str, ...]
    path: Path

    @property
    def more_payload(self) -> str:
        """What the "Tell me more" button sends: this topic, so the right answer follows."""
        return more_payload(self.intent)


def more_payload(intent: str) -> str:
    """The "Tell me more" payload for a topic, e.g. /tell_me_more{"topic":"uc_claim"}."""
    return f'/tell_me_more{{"topic":"{intent}"}}'


def _text(path: Path, raw: dict[str, Any], field: str) -> str:
    value = raw.get(field)
    if not isinstance(value, str) or not value.strip():
        raise AnswerFileError(f"{path.name}: '{field}' must be some text")
    return value.strip()


def _placeholders(path: Path, field: str, text: str) -> None:
    """Only the placeholders action_answer fills; a typo would reach a person as '{hrs}'."""
    try:
        names = {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
    except ValueError as error:
        raise AnswerFileError(f"{path.name}: '{field}' has a stray {{ or }}") from error
    unknown = names - set(PLACEHOLDERS)
    if unknown:
        raise AnswerFileError(
            f"{path.name}: '{field}' uses {sorted(unknown)}; only {sorted(PLACEHOLDERS)} are filled"
        )


def _checked(path: Path, value: Any) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError as error:
        raise AnswerFileError(f"{path.name}: 'checked' must be a date like 2026-12-02") from error


def _sources(path: Path, value: Any) -> tuple[Source, ...]:
    if not isinstance(value, list) or not value:
        raise AnswerFileError(f"{path.name}: 'sources' must list at least one page")
    sources = []
    for entry in value:
        if not isinstance(entry, dict) or set(entry) != {"title", "url"}:
            raise AnswerFileError(f"{path.name}: each source needs a 'title' and a 'url'")
        title, url = str(entry["title"] or "").strip(), str(entry["url"] or "").strip()
        parts = urlsplit(url)
        if not title or parts.scheme != "https" or not parts.netloc:
            raise AnswerFileError(f"{path.name}: source {title!r} needs an https:// address")
        sources.append(Source(title, url))
    return tuple(sources)


def _buttons(path: Path, value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or any(b not in BUTTONS for b in value):
        raise AnswerFileError(f"{path.name}: 'buttons' may only list {', '.join(BUTTONS)}")
    if len(set(value)) != len(value):
        raise AnswerFileError(f"{path.name}: a button is listed twice")
    return tuple(value)


def parse_answer(path: Path) -> Answer:
    """Read and check one answer file."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise AnswerFileError(f"{path.name}: not valid YAML ({type(error).__name__})") from error
    if not isinstance(raw, dict):
        raise AnswerFileError(f"{path.name}: expected intent, title, checked, sources, answer")
    missing = [field for field in _REQUIRED if field not in raw]
    unknown = sorted(set(raw) - _FIELDS)
    if missing or unknown:
        raise AnswerFileError(f"{path.name}: missing {missing}, unknown {unknown}")
    intent = str(raw["intent"])
    if intent != path.stem or not _INTENT.match(intent):
        raise AnswerFileError(f"{path.name}: 'intent' must be the file's name, {path.stem}")
    if len(more_payload(intent).encode()) > MAX_PAYLOAD_BYTES:
        raise AnswerFileError(f"{path.name}: the intent name is too long for a Telegram button")
    answer = _text(path, raw, "answer")
    # `more` may be left out when the answer says it all.
    more = _text(path, raw, "more") if raw.get("more") is not None else None
    for field, text in (("answer", answer), ("more", more)):
        if text is not None:
            _placeholders(path, field, text)
    return Answer(
        intent=intent,
        title=_text(path, raw, "title"),
        checked=_checked(path, raw["checked"]),
        sources=_sources(path, raw["sources"]),
        answer=answer,
        more=more,
        buttons=_buttons(path, raw.get("buttons")),
        path=path,
    )


def answers_dir() -> Path:
    """Where the answer files are: content/answers/ (or under CONTENT_DIR)."""
    return get_settings().content_dir / "answers"


def load_answers(folder: Path | None = None) -> dict[str, Answer]:
    """Every answer file in the folder, by intent."""
    folder = folder or answers_dir()
    return {answer.intent: answer for answer in map(parse_answer, sorted(folder.glob("*.yml")))}


@lru_cache(maxsize=1)
def get_answers() -> dict[str, Answer]:
    """The answers for this process, read on first use."""
    return load_answers()
