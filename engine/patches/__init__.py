"""Patches of Rasa 3.6 internals, for speed and for privacy, where Rasa has no extension point.

One package, one switch. `switch_on()` installs every patch listed in `MODULES`; it is
called from one place only, the `EnginePatches` pipeline component that config.yml names
for this purpose (engine/patches/component.py). Before installing anything it checks that
Rasa and the libraries it patches are the pinned versions and that each replaced function's
source is the one recorded in pins.py, and refuses (raising PatchRefused, naming what
differs) otherwise.

`ENGINE_PATCHES=off` in the environment turns every patch off, and the caching in the
policies (engine/policies.py) with them: "does this happen without our patches?" is one
command. The engine is then slower, and its tracebacks may carry local variables.

This module imports nothing from Rasa at import time, so the action server can use the
guard and the switch without the engine's Python.
"""

from __future__ import annotations

import logging
import os
from types import ModuleType
from typing import Any, Dict, List

from engine.patches import guard, pins

logger = logging.getLogger(__name__)
SWITCH = "ENGINE_PATCHES"
_installed: List[str] = []


def enabled() -> bool:
    """False when ENGINE_PATCHES says off (off, 0, false, no)."""
    return os.environ.get(SWITCH, "on").strip().lower() not in ("off", "0", "false", "no")


def modules() -> List[ModuleType]:
    """Every patch module, in the order they are installed."""
    from engine.patches import (
        action_session,
        action_tracker,
        action_validation,
        events,
        graph_runner,
        log_privacy,
        trackers,
    )

    return [
        log_privacy,
        events,
        graph_runner,
        action_validation,
        action_session,
        action_tracker,
        trackers,
    ]


def originals() -> Dict[str, Any]:
    """Rasa's own functions, as kept by each patch module before replacing them."""
    found: Dict[str, Any] = {}
    for module in modules():
        found.update(module.ORIGINALS)
    return found


def switch_on() -> List[str]:
    """Install every patch (idempotent); the names installed, or [] when switched off."""
    if not enabled():
        logger.info("engine_patches off (%s)", SWITCH)
        return []
    guard.check("engine patches", pins.VERSIONS, pins.PATCHES, originals())
    for module in modules():
        module.install()
        name = module.__name__.rsplit(".", 1)[-1]
        if name not in _installed:
            _installed.append(name)
    logger.info("engine_patches on: %s", ", ".join(_installed))
    return list(_installed)


def installed() -> List[str]:
    """The patches switched on in this process."""
    return list(_installed)
