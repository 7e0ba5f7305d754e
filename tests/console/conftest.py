"""The console's routes need no Rasa: the gateway app on a fresh SQLite database."""

from __future__ import annotations

import pytest
from fastapi import FastAPI

from bot.app import create_app


@pytest.fixture
def app(sqlite_url: str) -> FastAPI:
    return create_app()
