"""Accessibility checks with axe-core through Playwright, for any page a browser test opens.

axe-core comes inside the `axe-playwright-python` package (no download at run time) and is
evaluated by Playwright, so a page's strict Content-Security-Policy does not stand in its way.
`assert_accessible(page)` fails the test with a readable list when axe finds a violation of
serious or critical impact; `violations(page)` returns them for a test to judge itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from axe_playwright_python.sync_playwright import Axe

BLOCKING = ("serious", "critical")


@dataclass(frozen=True)
class Violation:
    """One axe rule a page breaks, and where."""

    rule: str
    impact: str
    help: str
    targets: tuple[str, ...]

    def __str__(self) -> str:
        return f"{self.rule} ({self.impact}): {self.help} at {', '.join(self.targets)}"


def violations(
    page: Any,
    impacts: Sequence[str] = BLOCKING,
    include: str | None = None,
    skip_rules: Sequence[str] = (),
) -> list[Violation]:
    """The page's violations of the given impacts, optionally within a CSS selector and
    leaving out named rules (say why in the test that does)."""
    options: dict[str, Any] = {"resultTypes": ["violations"]}
    if skip_rules:
        options["rules"] = {rule: {"enabled": False} for rule in skip_rules}
    results = Axe().run(page, context=include, options=options)
    return [
        Violation(
            rule=v["id"],
            impact=v.get("impact") or "unknown",
            help=v.get("help", ""),
            targets=tuple(str(t) for node in v["nodes"] for t in node["target"]),
        )
        for v in results.response["violations"]
        if (v.get("impact") or "unknown") in impacts
    ]


def assert_accessible(
    page: Any,
    impacts: Sequence[str] = BLOCKING,
    include: str | None = None,
    skip_rules: Sequence[str] = (),
) -> None:
    """Fail when axe finds a violation of these impacts (serious or critical by default)."""
    found = violations(page, impacts, include, skip_rules)
    assert not found, f"accessibility violations on {page.url}:\n" + "\n".join(map(str, found))
