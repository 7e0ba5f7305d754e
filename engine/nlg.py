"""The response generator: Rasa's, except that button payloads are not interpolated.

Rasa passes every part of a response through slot interpolation, button payloads included.
A payload such as `/inform{"best_time":"Mornings"}` looks like a `{placeholder}`, so Rasa
logs an error with a traceback for every button of every referral question, and then uses
the payload unchanged. Here a payload that starts with "/" (an intent with its entities, the
only kind this assistant uses) is left as it is, and everything else (text, button titles,
custom payloads) goes through Rasa's interpolation, so a real typo in a `{placeholder}`
is still reported. Named in endpoints.yml (`nlg: type: engine.nlg.ButtonPayloadNLG`).
"""

from __future__ import annotations

from typing import Any, Dict, List

from rasa.core.nlg.response import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.utils.endpoints import EndpointConfig

from engine import patches
from engine.patches import guard, pins


def _kept_payloads(buttons: List[Any]) -> List[Any]:
    """The buttons with each intent payload swapped for a marker, and the payloads kept."""
    kept: List[str | None] = []
    for button in buttons:
        payload = button.get("payload") if isinstance(button, dict) else None
        if isinstance(payload, str) and payload.startswith("/"):
            kept.append(payload)
            button["payload"] = None
        else:
            kept.append(None)
    return kept


class ButtonPayloadNLG(TemplatedNaturalLanguageGenerator):
    """Rasa's templated responses, with intent payloads of buttons left uninterpolated."""

    def __init__(
        self, endpoint_config: EndpointConfig | None = None, domain: Domain | None = None
    ) -> None:
        if patches.enabled():
            guard.check("response generator", pins.VERSIONS, pins.NLG)
        super().__init__((domain or Domain.empty()).responses)

    def _fill_response(
        self,
        response: Dict[str, Any],
        filled_slots: Dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> Dict[str, Any]:
        """Rasa's `_fill_response`, with the intent payloads put back as they were."""
        buttons = response.get("buttons")
        if not patches.enabled() or not isinstance(buttons, list):
            return super()._fill_response(response, filled_slots, **kwargs)
        kept = _kept_payloads(buttons)
        filled = super()._fill_response(response, filled_slots, **kwargs)
        for button, payload in zip(filled.get("buttons") or [], kept, strict=True):
            if payload is not None:
                button["payload"] = payload
        return filled
