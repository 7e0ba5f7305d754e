"""Start and stop the Telegram channel with the gateway: long polling, or a webhook.

Later messages (an advisor's replies) reach the person's chat through a deliverer that the
runner registers with the push hub.
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import Application

from bot.gateway.alerts import ADVISORS
from bot.gateway.push import Event, PushHub
from bot.gateway.rasa_client import RasaClient
from bot.settings import Settings
from bot.store import telegram as store
from bot.telegram.bot import CHANNEL, build_application, send_to_chat

logger = logging.getLogger(__name__)


async def start_telegram(settings: Settings, rasa: RasaClient, push: PushHub) -> Application:
    """Build and start the bot; polling unless TELEGRAM_WEBHOOK_URL is set."""
    if settings.telegram_webhook_url and not settings.telegram_webhook_secret:
        raise RuntimeError("TELEGRAM_WEBHOOK_URL needs TELEGRAM_WEBHOOK_SECRET")
    application = build_application(
        settings.telegram_bot_token, rasa, settings.telegram_api_base_url
    )
    await application.initialize()
    await application.start()
    if settings.telegram_webhook_url:
        await application.bot.set_webhook(
            settings.telegram_webhook_url,
            secret_token=settings.telegram_webhook_secret,
            allowed_updates=Update.ALL_TYPES,
        )
        logger.info("telegram_started mode=webhook")
    else:
        await application.bot.delete_webhook()
        if application.updater is None:
            raise RuntimeError("long polling needs the application built with an updater")
        await application.updater.start_polling(allowed_updates=Update.ALL_TYPES)
        logger.info("telegram_started mode=polling")

    async def deliver(conversation_id: str, event: Event) -> None:
        chat_id = store.chat_for_conversation(conversation_id)
        if chat_id is None:
            raise LookupError("no Telegram chat for this conversation")
        await send_to_chat(application.bot, chat_id, str(event["text"]), event.get("buttons") or [])

    push.register_deliverer(CHANNEL, deliver)
    if settings.advisor_telegram_chat_id:
        advisors_chat = settings.advisor_telegram_chat_id

        async def alert(conversation_id: str, event: Event) -> None:
            await send_to_chat(application.bot, advisors_chat, str(event["text"]), [])

        push.register_deliverer(ADVISORS, alert)
    return application


async def stop_telegram(application: Application, push: PushHub) -> None:
    """Stop polling (the webhook stays registered: Telegram keeps updates until we are back)."""
    push.unregister_deliverer(CHANNEL)
    push.unregister_deliverer(ADVISORS)
    if application.updater is not None and application.updater.running:
        await application.updater.stop()
    await application.stop()
    await application.shutdown()
    logger.info("telegram_stopped")
