"""Helpers shared by the test folders: stand-ins for Telegram and Rasa, a live server, clients.

Fixtures live in `tests/conftest.py` (and a folder's own `conftest.py`); the plain classes and
functions they and the tests use live here, so no test imports another test file or a conftest.
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
