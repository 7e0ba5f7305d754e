"""POST /telegram/webhook: Telegram's pushes, checked against the webhook secret."""

from __future__ import annotations

import asyncio
import hmac
import logging

from fastapi import APIRouter, Request, Response
from telegram import Update

from bot.settings import get_settings
from bot.telegram.bot import HANDLING_FAILED

logger = logging.getLogger(__name__)

webhook_router = APIRouter(tags=["telegram"])
WEBHOOK_PATH = "/telegram/webhook"


@webhook_router.post(WEBHOOK_PATH)
async def telegram_webhook(request: Request) -> Response:
    """200 only once the update is handled and stored; 500 makes Telegram deliver it again."""
    secret = get_settings().telegram_webhook_secret
    given = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
    if not secret or not hmac.compare_digest(given.encode(), secret.encode()):
        logger.warning("telegram_webhook_forbidden")
        return Response(status_code=403)
    application = getattr(request.app.state, "telegram", None)
    if application is None:
        return Response(status_code=503)
    try:
        update = Update.de_json(await request.json(), application.bot)
    except Exception:  # noqa: BLE001 - any unreadable body is the sender's fault
        logger.warning("telegram_webhook_bad_body")
        return Response(status_code=400)
    failed = asyncio.Event()
    token = HANDLING_FAILED.set(failed)
    try:
        # Through the same processor as polling: concurrent across chats, in order within one.
        await application.update_processor.process_update(
            update, application.process_update(update)
        )
    finally:
        HANDLING_FAILED.reset(token)
    return Response(status_code=500 if failed.is_set() else 200)
