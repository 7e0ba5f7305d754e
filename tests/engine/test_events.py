"""Event classes looked up once per name give Rasa's own answers."""

from __future__ import annotations

import pytest
import rasa.shared.utils.common
from rasa.shared.core.events import Event

from engine.patches import events


def test_every_event_name_resolves_to_rasas_class_cold_and_kept() -> None:
    names = {cls.type_name for cls in rasa.shared.utils.common.all_subclasses(Event)}
    assert len(names) > 20
    for _ in range(2):
        for name in sorted(names):
            assert events.resolve_by_type(name) is events._rasa_resolve_by_type(name), name


def test_topic_defaults_and_unknown_names_behave_as_rasa() -> None:
    assert events.resolve_by_type("topic") is None
    assert events.resolve_by_type("no-such-event", default=Event) is Event
    assert "no-such-event" not in events._classes
    with pytest.raises(ValueError):
        events.resolve_by_type("no-such-event")
