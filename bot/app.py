"""The gateway application: web chat, Telegram, the advisor console and the health check."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI
from sqlalchemy import text

from bot import crisis, redacted_logs
from bot.console.admin_api import router as admin_router
from bot.console.admin_pages import admin_pages_router
from bot.console.api import public_router as staff_login_router
from bot.console.api import router as staff_router
from bot.console.pages import pages_router
from bot.console.reports_api import router as reports_router
from bot.console.review_api import router as review_router
from bot.console.review_pages import review_pages_router
from bot.console.streams import stream_router as staff_stream_router
from bot.gateway.bus import RedisBus
from bot.gateway.limits import session_limiter
from bot.gateway.push import hub
from bot.gateway.rasa_client import RasaClient
from bot.gateway.ratelimit import RateLimiter, SharedRateLimiter
from bot.gateway.security import BodyLimit, SecurityHeaders
from bot.settings import get_settings
from bot.store.session import get_engine
from bot.telegram.runner import start_telegram, stop_telegram
from bot.telegram.webhook import webhook_router
from bot.webchat.api import router as webchat_router
from bot.webchat.page import page_router
from bot.webchat.stream import stream_router

logger = logging.getLogger(__name__)
redacted_logs.install()  # no exception message (a row's values, a person's words) in any log
# httpx logs every request URL at INFO, and Telegram's URLs carry the bot token.
logging.getLogger("httpx").setLevel(logging.WARNING)


def _database_up() -> bool:
    """One round trip to the app database (run in a worker thread: it may block)."""
    try:
        with get_engine().connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception:  # noqa: BLE001 - any failure means "down" here
        return False
    return True


def create_app(rasa: RasaClient | None = None) -> FastAPI:
    """Build the app; tests pass their own Rasa client."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        settings = get_settings()
        if settings.cookie_secure and not settings.secret_key:
            # Each process would sign with a key of its own: logins would break across
            # processes and restarts. Refuse rather than half work.
            raise RuntimeError(
                "SECRET_KEY must be set when cookies are Secure (COOKIE_SECURE is on): "
                "see docs/settings.md"
            )
        # The crisis detector's spelling data and model load now, off the event loop, so
        # the first person to write does not wait for them.
        await asyncio.to_thread(crisis.warm)
        app.state.rasa = rasa or RasaClient(settings.rasa_url, wait_s=settings.engine_wait_s)
        app.state.limiter = (
            SharedRateLimiter(settings.redis_url, settings.redis_namespace)
            if settings.redis_url
            else RateLimiter()
        )
        app.state.session_limiter = session_limiter(settings)
        app.state.bus = None
        if settings.redis_url:
            app.state.bus = RedisBus(hub, settings.redis_url, settings.redis_namespace)
            await app.state.bus.start()
        app.state.telegram = None
        if settings.telegram_bot_token:
            app.state.telegram = await start_telegram(
                settings, app.state.rasa, hub, app.state.limiter
            )
        try:
            yield
        finally:
            if app.state.telegram is not None:
                await stop_telegram(app.state.telegram, hub)
            await app.state.rasa.close()
            if app.state.bus is not None:
                await app.state.bus.stop()
            for limiter in (app.state.limiter, app.state.session_limiter):
                if isinstance(limiter, SharedRateLimiter):
                    await limiter.close()

    settings = get_settings()
    docs = settings.api_docs
    app = FastAPI(
        title="Welfare Advice Line gateway",
        lifespan=lifespan,
        docs_url="/docs" if docs else None,
        redoc_url=None,
        openapi_url="/openapi.json" if docs else None,
    )
    app.add_middleware(
        SecurityHeaders, hsts=settings.cookie_secure, frame_ancestors=settings.frame_ancestors
    )
    app.add_middleware(BodyLimit, limit=settings.max_body_bytes)
    app.include_router(webchat_router)
    app.include_router(page_router)
    app.include_router(stream_router)
    app.include_router(webhook_router)
    app.include_router(staff_login_router)
    app.include_router(staff_router)
    app.include_router(staff_stream_router)
    app.include_router(pages_router)
    app.include_router(review_router)
    app.include_router(reports_router)
    app.include_router(review_pages_router)
    app.include_router(admin_router)
    app.include_router(admin_pages_router)

    @app.get("/healthz", tags=["health"])
    async def healthz() -> dict[str, str]:
        """The state of each part: the database, the engine and the stores it really uses (its
        tracker store and lock store), the action server and, with several gateway processes,
        the bus between them. Any value but "ok" means unhealthy."""
        settings = get_settings()
        database = "ok" if await asyncio.to_thread(_database_up) else "down"
        engine = "ok" if await app.state.rasa.is_up() else "down"
        # Rasa keeps answering from memory when its tracker store fails: say so.
        report = await app.state.rasa.stores() if engine == "ok" else None
        stores = {
            name: "ok" if report and (report.get(name) or {}).get("ok") else "down"
            for name in ("tracker_store", "lock_store")
        }
        health_url = settings.action_server_url.rsplit("/webhook", 1)[0] + "/health"
        try:
            async with httpx.AsyncClient(timeout=2) as client:
                actions = "ok" if (await client.get(health_url)).status_code == 200 else "down"
        except httpx.HTTPError:
            actions = "down"
        parts = {"database": database, "engine": engine, **stores, "action_server": actions}
        if app.state.bus is not None:
            parts["push_bus"] = "ok" if app.state.bus.connected.is_set() else "down"
        return parts

    return app


app = create_app()
