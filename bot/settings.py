"""One settings object built from the environment, so every part reads the same values."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _default_database_url() -> str:
    """A SQLite file under var/, so one machine needs no database server."""
    return f"sqlite:///{ROOT / 'var' / 'welfare.db'}"


def _flag(value: str | None, default: bool) -> bool:
    """'1'/'true'/'yes'/'on' or '0'/'false'/'no'/'off'; unset or blank keeps the default."""
    if value is None or not value.strip():
        return default
    return value.strip().lower() in ("1", "true", "yes", "on")


@dataclass(frozen=True)
class Settings:
    """Every setting the product reads; each one is documented in docs/settings.md."""

    database_url: str = field(default_factory=_default_database_url)
    rasa_url: str = "http://127.0.0.1:5005"
    # How long a person waits for the engine before the gateway answers itself (the outage
    # reply); the engine's answer still takes effect when it comes later.
    engine_wait_s: float = 5.0
    action_server_url: str = "http://127.0.0.1:5055/webhook"
    content_dir: Path = ROOT / "content"
    telegram_bot_token: str = ""
    telegram_api_base_url: str = ""
    telegram_webhook_url: str = ""
    telegram_webhook_secret: str = ""
    # A gateway process has this long to handle a Telegram update before another may take it.
    telegram_claim_lease_s: int = 60
    advisor_telegram_chat_id: int | None = None
    # Staff console: signs CSRF tokens; cookies are Secure unless COOKIE_SECURE=0 (local http).
    secret_key: str = ""
    cookie_secure: bool = True
    # When advisors answer, e.g. "mon-fri 09:00-17:00; sat 10:00-13:00" (UK time); "" = unknown.
    advisor_hours: str = ""
    # A web chat session's token stops working after this many minutes without a message.
    webchat_idle_minutes: int = 60
    # New web chat sessions one client address may open in an hour (429 past that). A hostel
    # or an office behind one public address needs more than one person's share.
    webchat_sessions_per_hour: int = 30
    # Report downloads (CSV) show counts from 1 to this minus one as "<N"; 0 turns it off.
    report_suppress_below: int = 5
    # Redis (redis://host:6379/0) for what several gateway processes share: live events and
    # the rate limit. Unset: one process, everything in memory.
    redis_url: str = ""
    # Prefix of every Redis key and channel, so two installations can share one Redis.
    redis_namespace: str = "welfare"
    # Requests with a larger body are refused (413) before anything reads them.
    max_body_bytes: int = 16 * 1024
    # Partner sites allowed to show the web chat in a frame, e.g. "https://partner.example".
    frame_ancestors: tuple[str, ...] = ()
    # The gateway's /docs and OpenAPI schema: on for local http (COOKIE_SECURE=0), else off.
    api_docs: bool = False
    # Personal data older than this many days goes at `python -m bot.admin retention`.
    retention_days: int = 365

    @classmethod
    def from_env(cls) -> Settings:
        """Read the environment once; unset variables keep the defaults."""
        env = os.environ
        return cls(
            database_url=env.get("DATABASE_URL") or _default_database_url(),
            rasa_url=env.get("RASA_URL", cls.rasa_url),
            engine_wait_s=float(env.get("ENGINE_WAIT_SECONDS") or cls.engine_wait_s),
            action_server_url=env.get("ACTION_SERVER_URL", cls.action_server_url),
            content_dir=Path(env.get("CONTENT_DIR", str(ROOT / "content"))),
            telegram_bot_token=env.get("TELEGRAM_BOT_TOKEN", ""),
            telegram_api_base_url=env.get("TELEGRAM_API_BASE_URL", ""),
            telegram_webhook_url=env.get("TELEGRAM_WEBHOOK_URL", ""),
            telegram_webhook_secret=env.get("TELEGRAM_WEBHOOK_SECRET", ""),
            telegram_claim_lease_s=int(
                env.get("TELEGRAM_CLAIM_LEASE_SECONDS") or cls.telegram_claim_lease_s
            ),
            advisor_telegram_chat_id=int(env["ADVISOR_TELEGRAM_CHAT_ID"])
            if env.get("ADVISOR_TELEGRAM_CHAT_ID")
            else None,
            secret_key=env.get("SECRET_KEY", ""),
            cookie_secure=_flag(env.get("COOKIE_SECURE"), True),
            advisor_hours=env.get("ADVISOR_HOURS", ""),
            webchat_idle_minutes=int(env.get("WEBCHAT_IDLE_MINUTES") or cls.webchat_idle_minutes),
            webchat_sessions_per_hour=int(
                env.get("WEBCHAT_SESSIONS_PER_HOUR") or cls.webchat_sessions_per_hour
            ),
            report_suppress_below=int(
                env.get("REPORT_SUPPRESS_BELOW") or cls.report_suppress_below
            ),
            redis_url=env.get("REDIS_URL", "").strip(),
            redis_namespace=env.get("REDIS_NAMESPACE", "").strip() or cls.redis_namespace,
            max_body_bytes=int(env.get("MAX_BODY_BYTES") or cls.max_body_bytes),
            frame_ancestors=tuple(env.get("FRAME_ANCESTORS", "").split()),
            api_docs=_flag(env.get("API_DOCS"), default=not _flag(env.get("COOKIE_SECURE"), True)),
            retention_days=int(env.get("RETENTION_DAYS") or cls.retention_days),
        )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (tests clear the cache after changing the environment)."""
    return Settings.from_env()
