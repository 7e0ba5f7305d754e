"""The real domain, as the engine sends it to the action server (helpers: tests/support)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support import ROOT


@pytest.fixture(scope="session")
def domain() -> dict[str, Any]:
    """The real domain.yml, as the engine sends it to the action server."""
    return yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))


# What staff will fill in content/services.yml; the number is one Ofcom keeps for drama.
FILLED_HOURS = "Monday to Friday, 9am to 5pm"
FILLED_BOLTON = {"phone": "0161 496 0000", "website": "https://example.org/bolton"}


@pytest.fixture
def filled_services(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    """content/services.yml with the opening hours and Bolton's contacts filled in, as the
    content folder (CONTENT_DIR) for this test; yields what it holds."""
    from bot.settings import get_settings

    services = yaml.safe_load((ROOT / "content" / "services.yml").read_text(encoding="utf-8"))
    services["service"]["opening_hours"] = FILLED_HOURS
    services["districts"]["Bolton"].update(FILLED_BOLTON)
    (tmp_path / "services.yml").write_text(yaml.safe_dump(services), encoding="utf-8")
    monkeypatch.setenv("CONTENT_DIR", str(tmp_path))
    get_settings.cache_clear()  # the content is read again for a new content folder
    yield services
    get_settings.cache_clear()
