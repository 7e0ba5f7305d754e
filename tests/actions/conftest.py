"""The real domain, as the engine sends it to the action server (helpers: tests/support)."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from tests.support import ROOT


@pytest.fixture(scope="session")
def domain() -> dict[str, Any]:
    """The real domain.yml, as the engine sends it to the action server."""
    return yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
