"""Action server answers checked by a validator built once.

Rasa checks every answer from the action server with `jsonschema.validate`, which first
checks the (constant) answer schema against the JSON Schema meta-schema and builds a new
validator: three quarters of a turn. Here the schema is checked and the validator built
once; each answer is then validated exactly as `jsonschema.validate` does it (the best
match among all errors), so a bad answer raises the same error with the same text.
"""

from __future__ import annotations

from typing import Any, Dict

from jsonschema import ValidationError
from jsonschema.exceptions import best_match
from jsonschema.validators import validator_for
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL

_rasa_validate_action_result = RemoteAction._validate_action_result
ORIGINALS: Dict[str, Any] = {
    "rasa.core.actions.action:RemoteAction._validate_action_result": _rasa_validate_action_result
}
_validator: Any | None = None


def _built_validator() -> Any:
    """`jsonschema.validate`'s validator for the answer schema, made (and checked) once."""
    global _validator
    if _validator is None:
        schema = RemoteAction.action_response_format_spec()
        cls = validator_for(schema)
        cls.check_schema(schema)
        _validator = cls(schema)
    return _validator


def validate_action_result(self: RemoteAction, result: Dict[str, Any]) -> bool:
    """Rasa's `RemoteAction._validate_action_result` with the validator built once."""
    error = best_match(_built_validator().iter_errors(result))
    if error is None:
        return True
    error.message += (
        f". Failed to validate Action server response from API, "
        f"make sure your response from the Action endpoint is valid. "
        f"For more information about the format visit "
        f"{DOCS_BASE_URL}/custom-actions"
    )
    raise error


def install() -> None:
    """Put the built-once check in place of Rasa's (idempotent)."""
    RemoteAction._validate_action_result = validate_action_result


def uninstall() -> None:
    """Put Rasa's check back (for the tests that compare the two)."""
    RemoteAction._validate_action_result = _rasa_validate_action_result


__all__ = ["ValidationError", "install", "uninstall", "validate_action_result"]
