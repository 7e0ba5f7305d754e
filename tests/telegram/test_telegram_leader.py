"""Several gateway processes: exactly one polls Telegram, and another takes over when it stops."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from bot.gateway.push import PushHub
from bot.settings import Settings
from bot.telegram.runner import start_telegram, stop_telegram
from tests.support.fake_telegram import TOKEN, FakeTelegram
from tests.support.rasa import ScriptedRasa


def _polling(application) -> bool:  # noqa: ANN001
    return application.updater is not None and application.updater.running


def test_one_poller_among_processes_and_a_takeover(
    fake_telegram: FakeTelegram, sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("bot.telegram.leader.LEASE_SECONDS", 1.0)
    settings = Settings(
        telegram_bot_token=TOKEN,
        telegram_api_base_url=fake_telegram.base_url,
        redis_url="redis://127.0.0.1:6379/0",
        redis_namespace=f"test-{uuid.uuid4().hex}",
    )

    async def run() -> None:
        rasa = ScriptedRasa().client()
        apps = [await start_telegram(settings, rasa, PushHub()) for _ in range(3)]
        try:
            for _ in range(40):
                if any(_polling(a) for a in apps):
                    break
                await asyncio.sleep(0.1)
            await asyncio.sleep(1.0)  # a few renewals: still one, and the same one
            polling = [a for a in apps if _polling(a)]
            assert len(polling) == 1
            leader = polling[0]
            await stop_telegram(leader, PushHub())
            apps.remove(leader)
            for _ in range(40):
                if any(_polling(a) for a in apps):
                    break
                await asyncio.sleep(0.1)
            assert sum(_polling(a) for a in apps) == 1
        finally:
            for application in apps:
                await stop_telegram(application, PushHub())
            await rasa.close()

    asyncio.run(run())
