"""rasa-sdk 3.21 with the Rasa 3.6 engine and a selective domain.

The engine sends its whole domain only to the actions marked `send_domain: true` (the form
validators); that is most of the cost of every other action call. rasa-sdk 3.21 expects Rasa
Pro's domain digest instead and answers 449 "missing domain" to a call without one, which the
3.6 engine does not retry. So a call without a domain gets the last domain the engine sent
(or an empty one): the actions that run without it never read it.

This is a compatibility fix of the chosen SDK pairing, not a speed-up: it stays on with
ENGINE_PATCHES=off. Like the engine's patches it refuses any other rasa-sdk release, or a
changed `update_and_return_domain` (docs/engine-patches.md).
"""

from __future__ import annotations

from typing import Any

from rasa_sdk.executor import ActionExecutor

from engine.patches import guard

VERSIONS = {"rasa-sdk": "3.21.1"}
REPLACED = "rasa_sdk.executor:ActionExecutor.update_and_return_domain"
SOURCES = {REPLACED: ("5c65ae59a4363b580a0095444934181bf73d06419ca04055653a277a5afcd28f")}
_rasa_sdk_update_and_return_domain = ActionExecutor.update_and_return_domain


def domain_or_last(self: ActionExecutor, payload: dict[str, Any], action_name: str) -> Any:
    """The domain sent with this call, else the last one the engine sent, else empty."""
    domain = payload.get("domain")
    if domain:
        self.domain, self.domain_digest = domain, payload.get("domain_digest")
    return self.domain or {}


def install() -> None:
    """Let calls without a domain through (called when the actions package is imported)."""
    guard.check(
        "rasa-sdk compatibility shim",
        VERSIONS,
        SOURCES,
        {REPLACED: _rasa_sdk_update_and_return_domain},
    )
    setattr(ActionExecutor, "update_and_return_domain", domain_or_last)  # noqa: B010
