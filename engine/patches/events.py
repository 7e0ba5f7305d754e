"""Event classes looked up once per name.

Every event read back (each action's answer, and the whole conversation on every turn from
the tracker store) is matched to its class by `Event.resolve_by_type`, which walks all of
`Event`'s subclasses and asks each whether it is abstract: about a tenth of a turn. Event
classes are defined when their modules are imported and never change, so the first match
stays the first match; it is kept per name.
"""

from __future__ import annotations

from typing import Any, Dict, Type

from rasa.shared.core.events import Event

_rasa_resolve_by_type = Event.resolve_by_type
_classes: Dict[str, Type[Event]] = {}
ORIGINALS: Dict[str, Any] = {"rasa.shared.core.events:Event.resolve_by_type": _rasa_resolve_by_type}


def resolve_by_type(type_name: str, default: Type[Event] | None = None) -> Type[Event] | None:
    """Rasa's `Event.resolve_by_type`, remembering each class it found.

    Names not yet seen (and "topic", defaults and errors) go to Rasa's own lookup.
    """
    found = _classes.get(type_name)
    if found is None:
        found = _rasa_resolve_by_type(type_name, default)
        if found is not None and found is not default:
            _classes[type_name] = found
    return found


def install() -> None:
    """Put the remembering lookup in place of Rasa's (idempotent)."""
    Event.resolve_by_type = staticmethod(resolve_by_type)


def uninstall() -> None:
    """Put Rasa's lookup back (for the tests that compare the two)."""
    Event.resolve_by_type = staticmethod(_rasa_resolve_by_type)
