"""A fake Telegram Bot API on 127.0.0.1, just enough for python-telegram-bot's calls.

Updates queued with `push` are handed out by getUpdates until an offset confirms them;
every sendMessage is kept in `sent` (chat_id, text, reply_markup) for the tests to read.
`fail_next` makes the next sendMessage calls fail as Telegram does (a 5xx, a 429 with
retry_after, a 403 for a person who blocked the bot); those land in `refused` instead.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from bot.app import create_app
from bot.gateway.rasa_client import RasaClient
from bot.settings import get_settings
from tests.support.live_server import LiveServer

TOKEN = "123456:TEST-token"
SECRET = "webhook-secret-for-tests"
BOT = {"id": 999, "is_bot": True, "first_name": "Welfare", "username": "welfare_test_bot"}


def _value(raw: Any) -> Any:
    """Form fields arrive as strings, objects JSON-encoded; JSON bodies arrive decoded."""
    if isinstance(raw, str):
        try:
            return json.loads(raw)
        except ValueError:
            return raw
    return raw


class FakeTelegram:
    """Start once per test module; `reset()` between tests."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.updates: list[dict[str, Any]] = []
        self.sent: list[dict[str, Any]] = []
        self.calls: list[str] = []
        self.answered: list[str] = []
        self.message_id = 0
        self.failures: list[dict[str, Any]] = []
        self.refused: list[dict[str, Any]] = []
        self.app = self._build()
        self.server = LiveServer(self.app, lifespan="off")
        self.webhook: dict[str, str] = {}

    @property
    def base_url(self) -> str:
        return f"{self.server.url}/bot"

    def _build(self) -> FastAPI:
        app = FastAPI()

        @app.post("/bot{token}/{method}", response_model=None)
        async def method(
            token: str, method: str, request: Request
        ) -> dict[str, Any] | JSONResponse:
            if request.headers.get("content-type", "").startswith("application/json"):
                params = {k: _value(v) for k, v in (await request.json() or {}).items()}
            else:
                params = {k: _value(v) for k, v in (await request.form()).items()}
            with self.lock:
                self.calls.append(method)
                failure = (
                    self.failures.pop(0) if method == "sendMessage" and self.failures else None
                )
                if failure is not None:
                    self.refused.append({"chat_id": int(params["chat_id"]), **failure})
            if failure is not None:
                body: dict[str, Any] = {
                    "ok": False,
                    "error_code": failure["status"],
                    "description": failure["description"],
                }
                if failure["retry_after"] is not None:
                    body["parameters"] = {"retry_after": failure["retry_after"]}
                return JSONResponse(body, status_code=failure["status"])
            handler = getattr(self, f"_{method}", None)
            if handler is None:
                return {"ok": True, "result": True}
            return {"ok": True, "result": await handler(params)}

        return app

    async def _getMe(self, params: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        return BOT

    async def _getWebhookInfo(self, params: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        url = self.webhook.get("url", "")
        return {"url": url, "has_custom_certificate": False, "pending_update_count": 0}

    async def _setWebhook(self, params: dict[str, Any]) -> bool:  # noqa: N802
        with self.lock:
            self.webhook = {"url": str(params["url"]), "secret": str(params["secret_token"])}
        return True

    async def _deleteWebhook(self, params: dict[str, Any]) -> bool:  # noqa: N802
        with self.lock:
            self.webhook = {}
        return True

    async def _getUpdates(self, params: dict[str, Any]) -> list[dict[str, Any]]:  # noqa: N802
        offset = int(params.get("offset") or 0)
        deadline = time.monotonic() + min(float(params.get("timeout") or 0), 0.2)
        while True:
            with self.lock:
                self.updates = [u for u in self.updates if u["update_id"] >= offset]
                if self.updates:
                    # Kept until a later offset confirms them, as Telegram does, so an
                    # answer to a poller that has gone away loses nothing.
                    return list(self.updates)
            if time.monotonic() >= deadline:
                return []
            await asyncio.sleep(0.02)

    async def _sendMessage(self, params: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        with self.lock:
            self.message_id += 1
            self.sent.append(
                {
                    "chat_id": int(params["chat_id"]),
                    "text": str(params["text"]),
                    "reply_markup": params.get("reply_markup"),
                }
            )
            message_id = self.message_id
        return {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": {"id": int(params["chat_id"]), "type": "private"},
            "from": BOT,
            "text": str(params["text"]),
        }

    async def _answerCallbackQuery(self, params: dict[str, Any]) -> bool:  # noqa: N802
        with self.lock:
            self.answered.append(str(params["callback_query_id"]))
        return True

    def push(self, *updates: dict[str, Any]) -> list[int]:
        """Queue updates for getUpdates or, with a webhook set, POST each to it as Telegram
        does (with the secret header, again after any answer but 200; up to 3 tries).
        Returns the webhook's status codes."""
        with self.lock:
            webhook = dict(self.webhook)
            if not webhook:
                self.updates.extend(updates)
                return []
        statuses = []
        for update in updates:
            for _ in range(3):
                status = httpx.post(
                    webhook["url"],
                    json=update,
                    headers={"X-Telegram-Bot-Api-Secret-Token": webhook["secret"]},
                    timeout=30,
                ).status_code
                statuses.append(status)
                if status == 200:
                    break
        return statuses

    def fail_next(
        self,
        count: int,
        status: int = 500,
        description: str = "Internal Server Error",
        retry_after: int | None = None,
    ) -> None:
        """Make the next `count` sendMessage calls fail with `status`, as Telegram answers:
        500 (a bad moment), 429 with `retry_after` seconds, 403 "Forbidden: bot was blocked
        by the user", 400 "Bad Request: chat not found"."""
        failure = {"status": status, "description": description, "retry_after": retry_after}
        with self.lock:
            self.failures.extend(dict(failure) for _ in range(count))

    def stop_failing(self) -> None:
        """sendMessage succeeds again."""
        with self.lock:
            self.failures = []

    def reset(self) -> None:
        with self.lock:
            self.updates, self.sent, self.calls, self.answered = [], [], [], []
            self.failures, self.refused = [], []
            self.webhook = {}

    def said(self, since: int, chat_id: int) -> str:
        """The text sent to `chat_id` after the first `since` messages, one per line."""
        with self.lock:
            return "\n".join(m["text"] for m in self.sent[since:] if m["chat_id"] == chat_id)

    def wait_for_sent(self, count: int, timeout: float = 5) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.sent) >= count:
                    return list(self.sent)
            time.sleep(0.02)
        raise AssertionError(f"expected {count} sent messages, got {self.sent}")

    def start(self) -> FakeTelegram:
        self.server.start()
        return self

    def stop(self) -> None:
        self.server.stop()


def start_gateway(
    rasa: RasaClient, fake: FakeTelegram, monkeypatch: pytest.MonkeyPatch, webhook: bool = False
) -> LiveServer:
    """The gateway on a loopback port with Telegram switched on against `fake`: by long polling,
    or by a webhook (with SECRET) that `fake.push` posts to."""
    server = LiveServer(create_app(rasa))
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("TELEGRAM_API_BASE_URL", fake.base_url)
    if webhook:
        monkeypatch.setenv("TELEGRAM_WEBHOOK_URL", f"{server.url}/telegram/webhook")
        monkeypatch.setenv("TELEGRAM_WEBHOOK_SECRET", SECRET)
    get_settings.cache_clear()
    return server.start()


# Updates as Telegram would send them to a private chat.

USER_ID = 4242


def _chat(chat_id: int) -> dict[str, Any]:
    return {"id": chat_id, "type": "private", "first_name": "Sam"}


def _message(update_id: int, chat_id: int, **fields: Any) -> dict[str, Any]:
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": int(time.time()),
            "chat": _chat(chat_id),
            "from": {"id": USER_ID, "is_bot": False, "first_name": "Sam"},
            **fields,
        },
    }


def text_update(update_id: int, chat_id: int, text: str) -> dict[str, Any]:
    fields: dict[str, Any] = {"text": text}
    if text.startswith("/"):
        command = text.split()[0]
        fields["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
    return _message(update_id, chat_id, **fields)


def photo_update(update_id: int, chat_id: int) -> dict[str, Any]:
    photo = {"file_id": "p1", "file_unique_id": "u1", "width": 90, "height": 90}
    return _message(update_id, chat_id, photo=[photo])


def sticker_update(update_id: int, chat_id: int) -> dict[str, Any]:
    sticker = {
        "file_id": "s1",
        "file_unique_id": "su1",
        "type": "regular",
        "width": 512,
        "height": 512,
        "is_animated": False,
        "is_video": False,
    }
    return _message(update_id, chat_id, sticker=sticker)


def callback_update(update_id: int, chat_id: int, data: str) -> dict[str, Any]:
    return {
        "update_id": update_id,
        "callback_query": {
            "id": f"cb{update_id}",
            "from": {"id": USER_ID, "is_bot": False, "first_name": "Sam"},
            "chat_instance": "ci",
            "data": data,
            "message": {
                "message_id": 1,
                "date": int(time.time()),
                "chat": _chat(chat_id),
                "from": BOT,
                "text": "Hello",
            },
        },
    }
