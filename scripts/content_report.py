"""Every welfare answer with its sources, when it was checked, its length and reading age.

    make content-report                       # or: python scripts/content_report.py
    python scripts/content_report.py --fail-stale   # exit 1 if any answer is due a check (CI)

An answer not checked against its sources for six months is flagged STALE; one over the
limits (words, phone numbers, reading grade; bot/readability.py) is flagged too. The files
are read from content/answers/ (or CONTENT_DIR/answers).
"""

from __future__ import annotations

import argparse
import calendar
import sys
from datetime import date

from bot.answers_content import PLACEHOLDERS, Answer, AnswerFileError, load_answers
from bot.readability import (
    MAX_ANSWER_PHONES,
    MAX_ANSWER_WORDS,
    MAX_GRADE,
    MAX_MORE_WORDS,
    phone_numbers,
    reading_grade,
    word_count,
)

STALE_MONTHS = 6


def months_before(day: date, months: int) -> date:
    """The same day `months` earlier (the month's last day when it is shorter)."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def as_sent(text: str) -> str:
    """The text with example values in its placeholders, measured as a person reads it."""
    return text.format_map(PLACEHOLDERS) if "{" in text else text


def flags(answer: Answer, today: date) -> list[str]:
    """What needs a look: STALE (not checked for six months), LONG, PHONES, HARD."""
    found = []
    if answer.checked < months_before(today, STALE_MONTHS):
        found.append("STALE")
    short, more = as_sent(answer.answer), as_sent(answer.more or "")
    if word_count(short) > MAX_ANSWER_WORDS or (more and word_count(more) > MAX_MORE_WORDS):
        found.append("LONG")
    if len(phone_numbers(short)) > MAX_ANSWER_PHONES:
        found.append("PHONES")
    if reading_grade(short) > MAX_GRADE or (more and reading_grade(more) > MAX_GRADE):
        found.append("HARD")
    return found


def report(answers: dict[str, Answer], today: date) -> tuple[list[str], int]:
    """The report's lines, and how many answers are stale."""
    lines = [
        f"Welfare answers: {len(answers)} (limits: answer {MAX_ANSWER_WORDS} words and "
        f"{MAX_ANSWER_PHONES} phone number, more {MAX_MORE_WORDS} words, grade {MAX_GRADE:g}; "
        f"checked within {STALE_MONTHS} months of {today:%d %B %Y})",
        "",
    ]
    stale = 0
    for intent, answer in sorted(answers.items()):
        found = flags(answer, today)
        stale += "STALE" in found
        short, more = as_sent(answer.answer), as_sent(answer.more or "")
        sizes = f"answer {word_count(short)} words, grade {reading_grade(short):.1f}"
        if more:
            sizes += f"; more {word_count(more)} words, grade {reading_grade(more):.1f}"
        lines.append(f"{intent}: {answer.title}  [{' '.join(found) or 'ok'}]")
        lines.append(f"  checked {answer.checked.isoformat()}; {sizes}")
        lines += [f"  source: {source.title} <{source.url}>" for source in answer.sources]
    lines += ["", f"Due a check (STALE): {stale}"]
    return lines, stale


def main(argv: list[str] | None = None) -> int:
    """Print the report; with --fail-stale, exit 1 while any answer is due a check."""
    parser = argparse.ArgumentParser(description="List every welfare answer and what to check.")
    parser.add_argument("--fail-stale", action="store_true", help="exit 1 if any answer is stale")
    parser.add_argument(
        "--today", type=date.fromisoformat, default=date.today(), help="report as of this date"
    )
    args = parser.parse_args(argv)
    try:
        answers = load_answers()
    except AnswerFileError as error:
        print(f"content error: {error}", file=sys.stderr)
        return 2
    lines, stale = report(answers, args.today)
    print("\n".join(lines))
    return 1 if stale and args.fail_stale else 0


if __name__ == "__main__":
    sys.exit(main())
