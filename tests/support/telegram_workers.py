"""Settings for gateway worker processes that take Telegram by webhook (fault tests)."""

from __future__ import annotations

import uuid

from tests.support.fake_telegram import SECRET, TOKEN, FakeTelegram
from tests.support.processes import free_port


def webhook_env(fake: FakeTelegram, url: str, webhook_port: int, engine_url: str) -> dict[str, str]:
    """A gateway worker's settings: the database at `url`, the machine's Redis under a
    namespace of its own, Telegram by webhook against the fake Bot API, the engine at
    `engine_url`."""
    return {
        "DATABASE_URL": url,
        "REDIS_URL": "redis://127.0.0.1:6379/0",
        "REDIS_NAMESPACE": f"test-{uuid.uuid4().hex}",
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": fake.base_url,
        "TELEGRAM_WEBHOOK_URL": f"http://127.0.0.1:{webhook_port}/telegram/webhook",
        "TELEGRAM_WEBHOOK_SECRET": SECRET,
        "RASA_URL": engine_url,
        "ACTION_SERVER_URL": f"http://127.0.0.1:{free_port()}/webhook",
    }
