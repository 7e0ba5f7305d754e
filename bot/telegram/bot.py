"""python-telegram-bot handlers that pass each person's message to the gateway's router.

Logs name events and conversation ids only: never message text or Telegram ids.
"""

from __future__ import annotations

import asyncio
import logging
from contextvars import ContextVar

from sqlalchemy.exc import SQLAlchemyError
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import MessageLimit
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.gateway import crisis
from bot.gateway import texts as gateway_texts
from bot.gateway.rasa_client import RasaClient
from bot.gateway.ratelimit import Limiter, RateLimiter
from bot.gateway.router import Reply, handle_person_message
from bot.store import telegram as store
from bot.telegram import texts
from bot.telegram.ordering import PerChatOrder
from bot.vocabulary import Channel

logger = logging.getLogger(__name__)

CHANNEL = Channel.TELEGRAM
MAX_CALLBACK_BYTES = 64
PRIVATE = filters.ChatType.PRIVATE
NEW_MESSAGE = filters.UpdateType.MESSAGE & PRIVATE
# Set by the webhook around one update: the error handler flags a failure in it.

HANDLING_FAILED: ContextVar[asyncio.Event | None] = ContextVar("handling_failed", default=None)


def split_text(text: str, limit: int = MessageLimit.MAX_TEXT_LENGTH) -> list[str]:
    """Telegram-sized pieces, cut between paragraphs, else lines, else words, else anywhere."""
    chunks: list[str] = []
    rest = text
    while len(rest) > limit:
        window = rest[: limit + 1]
        cut = -1
        for separator in ("\n\n", "\n", " "):
            cut = window.rfind(separator)
            if cut > 0:
                break
        if cut <= 0:
            cut = limit
        chunks.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest or not chunks:
        chunks.append(rest)
    return chunks


def keyboard(buttons: list[dict[str, str]]) -> InlineKeyboardMarkup | None:
    """One button a row; a payload too long for callback_data (64 bytes) is left out."""
    rows = [
        [InlineKeyboardButton(b["title"], callback_data=b["payload"])]
        for b in buttons
        if b.get("title") and 0 < len(b.get("payload", "").encode()) <= MAX_CALLBACK_BYTES
    ]
    return InlineKeyboardMarkup(rows) if rows else None


async def send_to_chat(bot: Bot, chat_id: int, text: str, buttons: list[dict[str, str]]) -> None:
    """One message, cut to Telegram's limit; the buttons go under the last piece."""
    pieces = split_text(text)
    for index, piece in enumerate(pieces):
        markup = keyboard(buttons) if index == len(pieces) - 1 else None
        await bot.send_message(chat_id, piece, reply_markup=markup)


async def send_replies(update: Update, replies: list[Reply]) -> None:
    chat = update.effective_chat
    if chat is None:
        return
    for reply in replies:
        await send_to_chat(chat.get_bot(), chat.id, reply.text, reply.buttons)


def _rasa(context: ContextTypes.DEFAULT_TYPE) -> RasaClient:
    return context.application.bot_data["rasa"]


async def _claim(update: Update) -> bool:
    """True when this process is to handle the update. A redelivery of a handled update is
    dropped; one another process is handling now is refused (failed), so a webhook answers
    500 and Telegram delivers it again later, when it is either done or its lease has run out."""
    claim = await asyncio.to_thread(store.claim_update, update.update_id)
    if claim in (store.Claim.NEW, store.Claim.TAKEN_OVER):
        return True
    if claim == store.Claim.BUSY:
        logger.info("telegram_update_busy")
        failed = HANDLING_FAILED.get()
        if failed is not None:
            failed.set()
        return False
    logger.info("telegram_duplicate_update")
    return False


async def _route(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    event: str,
    text: str | None = None,
    payload: str | None = None,
) -> None:
    """Check for crisis, claim the update, route it, reply. If routing fails (before anything
    is answered), the claim is given back so Telegram's redelivery or the webhook's retry is
    handled, not dropped; a reply that fails to send stays in the transcript and is not routed
    twice. With the database down, a person in crisis still gets the numbers."""
    chat = update.effective_chat
    if chat is None:
        return
    if event == "telegram_start":
        await _welcome(update, chat.id)
        return
    store_error: SQLAlchemyError | None = None
    try:
        # Opens the conversation on a chat's first message; otherwise only a read.
        conversation_id = await asyncio.to_thread(store.conversation_for_chat, chat.id)
    except SQLAlchemyError as error:
        conversation_id, store_error = "", error
    # The crisis step before any write of this message (its context is read when it can be).
    check = await asyncio.to_thread(crisis.check, conversation_id or None, text, payload)
    if store_error is None:
        try:
            if not await _claim(update):
                return
        except SQLAlchemyError as error:
            store_error = error
    if store_error is not None:
        if not check.flagged:
            raise store_error
        logger.error(
            "telegram_store_failed conversation=%s error=%s",
            conversation_id or None,
            type(store_error).__name__,
        )
        found = await crisis.answer_without_store(conversation_id or None, CHANNEL, check)
        await send_replies(update, found)
        return
    try:
        logger.info("%s conversation=%s", event, conversation_id)
        limited = not await context.application.bot_data["limiter"].check(conversation_id)
        if limited and not check.flagged:
            await asyncio.to_thread(store.finish_update, update.update_id)
            await send_replies(update, [Reply(gateway_texts.SLOW_DOWN)])
            return
        replies = await handle_person_message(
            _rasa(context),
            conversation_id,
            CHANNEL,
            text=text,
            payload=payload,
            check=check,
            limited=limited,
            telegram_update=update.update_id,
        )
    except Exception:
        await asyncio.to_thread(store.release_update, update.update_id)
        raise
    # Stored and answered: a redelivery from now on is dropped. (A reply that then fails to
    # send stays in the transcript; it is not worth a second answer to the same message.)
    await asyncio.to_thread(store.finish_update, update.update_id)
    await send_replies(update, replies)


async def _welcome(update: Update, chat_id: int) -> None:
    """/start: the welcome and the privacy notice, once per update."""
    if not await _claim(update):
        return
    try:
        conversation_id = await asyncio.to_thread(store.conversation_for_chat, chat_id)
        logger.info("telegram_start conversation=%s", conversation_id)
        # The content may be read from the database: off the event loop.
        welcome = await asyncio.to_thread(texts.welcome)
    except Exception:
        await asyncio.to_thread(store.release_update, update.update_id)
        raise
    await asyncio.to_thread(store.finish_update, update.update_id)
    await send_replies(update, [Reply(welcome)])


async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Typed text (and any slash command but /start and /help) goes to the router."""
    if update.message is not None:
        await _route(update, context, "telegram_message", text=update.message.text or "")


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A tapped button: its payload goes to the router, which accepts only what it offered."""
    query, chat = update.callback_query, update.effective_chat
    if query is None:
        return
    await query.answer()
    if chat is None or chat.type != chat.PRIVATE or not query.data:
        return
    await _route(update, context, "telegram_button", payload=query.data)


async def on_start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/start: the welcome and the privacy notice."""
    await _route(update, context, "telegram_start")


async def on_help(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/help: the assistant's own list of topics, as if the person typed "help"."""
    await _route(update, context, "telegram_help", text="help")


async def on_other(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Stickers, photos, voice and the like: a kind word, and nothing of them is stored."""
    if update.effective_chat is None or not await _claim(update):
        return
    logger.info("telegram_not_text")
    await asyncio.to_thread(store.finish_update, update.update_id)
    await send_replies(update, [Reply(texts.TEXT_ONLY)])


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log the failure's type only (the update holds the person's words); mark it failed so
    the webhook answers 500 and Telegram delivers it again."""
    logger.error("telegram_error type=%s", type(context.error).__name__)
    failed = HANDLING_FAILED.get()
    if failed is not None:
        failed.set()


def build_application(
    token: str, rasa: RasaClient, base_url: str = "", limiter: Limiter | None = None
) -> Application:
    """The bot; `base_url` points it at another Bot API server (TELEGRAM_API_BASE_URL),
    given like Telegram's own "https://api.telegram.org/bot" (the token is appended).
    Updates of different chats are handled at once, one chat's in order (PerChatOrder);
    `limiter` slows down a sender who floods the line, as on the web chat."""
    builder = (
        ApplicationBuilder()
        .token(token)
        .rate_limiter(AIORateLimiter())
        .concurrent_updates(PerChatOrder())
    )
    if base_url:
        root = base_url.rstrip("/")
        file_root = root[: -len("/bot")] + "/file/bot" if root.endswith("/bot") else root
        builder = builder.base_url(root).base_file_url(file_root)
    application = builder.build()
    application.bot_data["rasa"] = rasa
    application.bot_data["limiter"] = limiter or RateLimiter()
    application.add_handler(CommandHandler("start", on_start, filters=NEW_MESSAGE))
    application.add_handler(CommandHandler("help", on_help, filters=NEW_MESSAGE))
    application.add_handler(MessageHandler(NEW_MESSAGE & filters.TEXT, on_text))
    application.add_handler(MessageHandler(NEW_MESSAGE & ~filters.TEXT, on_other))
    application.add_handler(CallbackQueryHandler(on_button))
    application.add_error_handler(on_error)
    return application
