"""rasa-sdk 3.21 with the Rasa 3.6 engine and a selective domain.

The engine sends its whole domain only to the actions marked `send_domain: true` (the form
validators); that is most of the cost of every other action call. rasa-sdk 3.21 expects Rasa
Pro's domain digest instead and answers 449 "missing domain" to a call without one, which the
3.6 engine does not retry. So a call without a domain gets the last domain the engine sent
(or an empty one): the actions that run without it never read it.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk.executor import ActionExecutor


def _domain_or_last(self: ActionExecutor, payload: dict[str, Any], action_name: str) -> Any:
    domain = payload.get("domain")
    if domain:
        self.domain, self.domain_digest = domain, payload.get("domain_digest")
    return self.domain or {}


def install() -> None:
    """Let calls without a domain through (called when the actions package is imported)."""
    ActionExecutor.update_and_return_domain = _domain_or_last  # type: ignore[method-assign]
