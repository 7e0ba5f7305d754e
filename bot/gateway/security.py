"""Two small ASGI middlewares every response and request passes through.

- `SecurityHeaders`: nosniff and no referrer everywhere, HSTS when cookies are Secure (so the
  gateway is served over TLS), `no-store` on `/api/*` (answers carry personal data), no framing
  except the web chat page by the partner sites a setting names.
- `BodyLimit`: a request body over the limit is refused with 413 before any route parses it,
  whether it says its length up front or streams it in chunks.

Written as plain ASGI (not Starlette's BaseHTTPMiddleware) so live streams are not buffered.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.gateway.texts import SAFETY_LINE

HSTS = "max-age=31536000; includeSubDomains"
CHAT_PAGE = "/chat"
# Telegram's updates can carry a 4,096-character message with its entities, JSON-escaped.
LARGER_BODIES = {"/telegram/webhook": 256 * 1024}


def _header_value(headers: list[tuple[bytes, bytes]], name: bytes) -> bytes | None:
    return next((value for key, value in headers if key.lower() == name), None)


class SecurityHeaders:
    """Adds the headers a response lacks; the pages' own stricter policies are kept."""

    def __init__(self, app: ASGIApp, *, hsts: bool, frame_ancestors: Iterable[str] = ()) -> None:
        self.app, self.hsts = app, hsts
        self.ancestors = " ".join(["'self'", *frame_ancestors])

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                self._add(headers, path)
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)

    def _add(self, headers: list[tuple[bytes, bytes]], path: str) -> None:
        def set_default(name: bytes, value: str) -> None:
            if _header_value(headers, name) is None:
                headers.append((name, value.encode("latin-1")))

        set_default(b"x-content-type-options", "nosniff")
        set_default(b"referrer-policy", "no-referrer")
        if self.hsts:
            set_default(b"strict-transport-security", HSTS)
        if path.startswith("/api/"):
            headers[:] = [(k, v) for k, v in headers if k.lower() != b"cache-control"]
            headers.append((b"cache-control", b"no-store"))
        csp = _header_value(headers, b"content-security-policy")
        if path == CHAT_PAGE:
            # Partner sites may show the chat in a frame (embed.js); nobody else may.
            policy = f"frame-ancestors {self.ancestors}"
            headers[:] = [(k, v) for k, v in headers if k.lower() != b"content-security-policy"]
            value = f"{csp.decode('latin-1')}; {policy}" if csp else policy
            headers.append((b"content-security-policy", value.encode("latin-1")))
        elif csp is None or b"frame-ancestors" not in csp:
            set_default(b"x-frame-options", "DENY")
            if csp is None:
                headers.append((b"content-security-policy", b"frame-ancestors 'none'"))


class BodyLimit:
    """Refuse request bodies over `limit` bytes (per-path exceptions in LARGER_BODIES).

    A body that declares its length is judged on the declaration (the server holds the
    client to it); one sent in chunks without a length is read here first, up to the limit,
    and handed on whole, so no route ever starts on a body that turns out too large.
    """

    def __init__(self, app: ASGIApp, *, limit: int) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = LARGER_BODIES.get(scope.get("path", ""), self.limit)
        headers = list(scope.get("headers", []))
        declared = _header_value(headers, b"content-length")
        if declared is not None:
            if not declared.isdigit() or int(declared) > limit:
                await _refuse(send, limit)
                return
            await self.app(scope, receive, send)
            return
        if scope.get("method") not in ("POST", "PUT", "PATCH"):
            await self.app(scope, receive, send)
            return
        body = bytearray()
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away before it finished sending
            body += message.get("body", b"")
            if len(body) > limit:
                await _refuse(send, limit)
                return
            if not message.get("more_body", False):
                break
        whole: list[Message] = [{"type": "http.request", "body": bytes(body), "more_body": False}]

        async def replay() -> Message:
            return whole.pop() if whole else await receive()

        await self.app(scope, replay, send)


async def _refuse(send: Send, limit: int) -> None:
    # The crisis check cannot read what is refused unread, so the numbers go with the refusal.
    detail = (
        f"That is too much to send at once (the limit is {limit // 1024} KB). Please send a "
        f"shorter message.\n\n{SAFETY_LINE}"
    )
    body = json.dumps({"detail": detail}).encode("utf-8")
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode("ascii")),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
