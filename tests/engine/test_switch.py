"""One switch turns every patch on, from one component, and refuses a Rasa it was not made for."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from engine import patches
from engine.patches import guard, pins

ROOT = Path(__file__).resolve().parents[2]
PROBE = """
from engine import patches
from engine.patches import events
from rasa.shared.core.events import Event
print(patches.switch_on(), Event.resolve_by_type is events.resolve_by_type)
"""


def _probe(switch: str | None) -> str:
    env = {k: v for k, v in os.environ.items() if k != patches.SWITCH}
    if switch is not None:
        env[patches.SWITCH] = switch
    done = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout.strip().splitlines()[-1]


def test_switch_on_installs_every_patch_and_off_installs_none() -> None:
    names = (
        "['log_privacy', 'events', 'graph_runner', 'action_validation', 'action_session', "
        "'action_tracker', 'trackers']"
    )
    assert _probe(None) == f"{names} True"
    assert _probe("off") == "[] False"


def test_the_patches_are_switched_on_by_the_component_config_yml_names(agent: object) -> None:
    from rasa.core.actions.action import RemoteAction
    from rasa.engine.runner.dask import DaskGraphRunner
    from rasa.shared.core.events import Event
    from rasa.shared.core.trackers import DialogueStateTracker
    from rasa.utils.endpoints import EndpointConfig

    from engine.patches import (
        action_session,
        action_tracker,
        action_validation,
        events,
        graph_runner,
        trackers,
    )

    config = (ROOT / "config.yml").read_text()
    assert "- name: engine.patches.component.EnginePatches" in config
    if not patches.enabled():
        assert patches.installed() == [] and Event.resolve_by_type is not events.resolve_by_type
        return
    assert patches.installed() == [m.__name__.rsplit(".", 1)[-1] for m in patches.modules()]
    assert Event.resolve_by_type is events.resolve_by_type
    assert DaskGraphRunner.run is graph_runner.run
    assert RemoteAction._validate_action_result is action_validation.validate_action_result
    assert EndpointConfig.request is action_session.request
    assert DialogueStateTracker.copy is trackers.copy
    assert DialogueStateTracker.applied_events is trackers.applied_events
    assert RemoteAction._action_call_format is action_tracker.action_call_format


def test_pinned_versions_and_sources_are_the_installed_ones() -> None:
    assert guard.differences(pins.VERSIONS, pins.PATCHES, patches.originals()) == []
    assert guard.differences(pins.VERSIONS, pins.POLICIES, patches.originals()) == []
    assert guard.differences(pins.VERSIONS, pins.NLG, {}) == []


def test_another_rasa_version_is_refused_by_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(patches.SWITCH, raising=False)
    monkeypatch.setitem(pins.VERSIONS, "rasa", "3.6.20")
    with pytest.raises(
        guard.PatchRefused, match=r"rasa is 3\.6\.21, the patches were written for 3\.6\.20"
    ):
        patches.switch_on()


def test_a_changed_function_is_refused_by_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(patches.SWITCH, raising=False)
    name = "rasa.engine.runner.dask:DaskGraphRunner.run"
    monkeypatch.setitem(pins.PATCHES, name, "0" * 64)
    with pytest.raises(guard.PatchRefused, match="DaskGraphRunner.run has changed"):
        patches.switch_on()


@pytest.mark.skipif(not patches.enabled(), reason="ENGINE_PATCHES=off")
def test_a_second_switch_on_compares_rasas_code_not_ours() -> None:
    first = patches.switch_on()
    assert patches.switch_on() == first
