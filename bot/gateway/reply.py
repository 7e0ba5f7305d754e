"""What the gateway hands a channel to show: text and quick-reply buttons."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Reply:
    """A message for the person, with quick-reply buttons."""

    text: str
    buttons: list[dict[str, str]] = field(default_factory=list)
