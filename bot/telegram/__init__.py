"""The Telegram channel: long polling or a webhook, both into the gateway's one router.

bot/app.py starts it (bot/telegram/runner.py) when TELEGRAM_BOT_TOKEN is set.
"""

from bot.telegram.bot import build_application, split_text
from bot.telegram.webhook import webhook_router

__all__ = ["build_application", "split_text", "webhook_router"]
