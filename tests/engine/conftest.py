"""The engine's tests run with the engine's Python (`make test-engine`), which has Rasa.

Run from the app's Python they are skipped at collection: Rasa is not installed there.
Shared here: the trained model, loaded once, and Rasa's own functions to compare with.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

if importlib.util.find_spec("rasa") is None:
    collect_ignore_glob = ["test_*.py"]

ROOT = Path(__file__).resolve().parents[2]
MODEL = ROOT / "models" / "welfare.tar.gz"


@pytest.fixture(scope="session")
def agent() -> Any:
    """The trained assistant, loaded with its patches switched on (unless switched off)."""
    from rasa.core.agent import Agent

    if not MODEL.exists():
        pytest.fail("models/welfare.tar.gz is missing: run `make train` first")
    os.chdir(ROOT)  # the pipeline names files relative to the project
    return Agent.load(str(MODEL))


@pytest.fixture
def unpatched() -> Iterator[None]:
    """Rasa's own code for the duration of a test; the patches (if on) are put back after."""
    from engine import patches

    was_on = bool(patches.installed())
    for module in patches.modules():
        module.uninstall()
    try:
        yield
    finally:
        if was_on:
            for module in patches.modules():
                module.install()
