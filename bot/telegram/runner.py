"""Start and stop the Telegram channel with the gateway: long polling, or a webhook.

With several gateway processes (REDIS_URL), every process builds the bot, so any of them can
send a message or handle a webhook delivery, and exactly one polls or registers the webhook
(bot/telegram/leader.py).

Later messages (an advisor's replies) reach the person's chat through a deliverer that the
runner registers with the push hub (bot/telegram/delivery.py): any process sends them, and
the leader (or the single process) also sweeps up those whose sending failed, to try again.
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import Application

from bot.gateway.alerts import ADVISORS
from bot.gateway.push import Event, PushHub
from bot.gateway.rasa_client import RasaClient
from bot.gateway.ratelimit import Limiter
from bot.settings import Settings
from bot.telegram.bot import CHANNEL, build_application, send_to_chat
from bot.telegram.delivery import TelegramDeliveries
from bot.telegram.leader import Leadership

logger = logging.getLogger(__name__)

# Each running application's claim on being the one poller (with several gateway processes).
_leaderships: dict[int, Leadership] = {}


async def start_telegram(
    settings: Settings, rasa: RasaClient, push: PushHub, limiter: Limiter | None = None
) -> Application:
    """Build and start the bot; polling unless TELEGRAM_WEBHOOK_URL is set. `limiter` is the
    gateway's own, so a sender has one limit whichever channel they write on."""
    if settings.telegram_webhook_url and not settings.telegram_webhook_secret:
        raise RuntimeError("TELEGRAM_WEBHOOK_URL needs TELEGRAM_WEBHOOK_SECRET")
    application = build_application(
        settings.telegram_bot_token, rasa, settings.telegram_api_base_url, limiter
    )
    await application.initialize()
    await application.start()
    deliveries = TelegramDeliveries(application.bot, push)
    application.bot_data["deliveries"] = deliveries

    async def go_live() -> None:
        deliveries.start_sweep()
        await _go_live(application, settings)

    async def stand_down() -> None:
        await deliveries.stop_sweep()
        if application.updater is not None and application.updater.running:
            await application.updater.stop()
            logger.info("telegram_polling_stopped")

    if settings.redis_url:
        # Several gateway processes: one of them polls (or registers the webhook).
        leadership = Leadership(settings.redis_url, settings.redis_namespace, go_live, stand_down)
        leadership.start()
        _leaderships[id(application)] = leadership
    else:
        await go_live()

    push.register_deliverer(CHANNEL, deliveries.deliver)
    if settings.advisor_telegram_chat_id:
        advisors_chat = settings.advisor_telegram_chat_id

        async def alert(conversation_id: str, event: Event) -> None:
            await send_to_chat(application.bot, advisors_chat, str(event["text"]), [])

        push.register_deliverer(ADVISORS, alert)
    return application


async def _go_live(application: Application, settings: Settings) -> None:
    """Register the webhook, or start long polling."""
    if settings.telegram_webhook_url:
        await application.bot.set_webhook(
            settings.telegram_webhook_url,
            secret_token=settings.telegram_webhook_secret,
            allowed_updates=Update.ALL_TYPES,
        )
        logger.info("telegram_started mode=webhook")
        return
    await application.bot.delete_webhook()
    if application.updater is None:
        raise RuntimeError("long polling needs the application built with an updater")
    await application.updater.start_polling(allowed_updates=Update.ALL_TYPES)
    logger.info("telegram_started mode=polling")


async def stop_telegram(application: Application, push: PushHub) -> None:
    """Stop polling (the webhook stays registered: Telegram keeps updates until we are back)."""
    push.unregister_deliverer(CHANNEL)
    push.unregister_deliverer(ADVISORS)
    leadership = _leaderships.pop(id(application), None)
    if leadership is not None:
        await leadership.stop()
    deliveries: TelegramDeliveries | None = application.bot_data.get("deliveries")
    if deliveries is not None:
        await deliveries.stop()
    if application.updater is not None and application.updater.running:
        await application.updater.stop()
    await application.stop()
    await application.shutdown()
    logger.info("telegram_stopped")
