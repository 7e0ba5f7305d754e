"""The web chat page: /chat, its static files, and /chat/embed.js for partner sites.

Plain HTML, CSS and JavaScript served from an allow-list, so nothing outside
bot/webchat/static can be read and every file gets the right content type.
"""

from __future__ import annotations

import html
import json
import re
from functools import lru_cache
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, Response

from bot.content import get_content
from bot.gateway import texts
from bot.static_files import static_file

STATIC = Path(__file__).parent / "static"

STATIC_FILES = frozenset({"chat.css", "chat.js"})

# The page loads only its own files and talks only to this gateway.
PAGE_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; base-uri 'none'; form-action 'self'; object-src 'none'"
    ),
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
}

page_router = APIRouter(tags=["web chat page"])


@lru_cache(maxsize=1)
def _page() -> str:
    """chat.html as shipped, read once."""
    return (STATIC / "chat.html").read_text(encoding="utf-8")


def _chat_html() -> str:
    """The page with the reviewed safety line (so its script shows the same words), and the
    welcome and privacy notice from the content, as they are now (admins may change them)."""
    content = get_content()
    values = {
        "SAFETY_LINE": texts.SAFETY_LINE,
        "WELCOME": content.welcome,
        "PRIVACY_NOTICE": content.privacy_notice,
    }
    return re.sub(
        r"\{\{(\w+)\}\}", lambda m: html.escape(values.get(m[1], ""), quote=True), _page()
    )


@page_router.get("/chat", include_in_schema=False)
def chat_page() -> HTMLResponse:
    """The chat page itself, with the privacy notice before the first message."""
    return HTMLResponse(_chat_html(), headers=PAGE_HEADERS)


@page_router.get("/chat/static/{name}", include_in_schema=False)
def chat_static(name: str) -> FileResponse:
    """The page's CSS and JavaScript."""
    return static_file(STATIC, STATIC_FILES, name)


EMBED_JS = """\
(function () {
  "use strict";
  if (window.__welfareChatEmbed) return;
  window.__welfareChatEmbed = true;
  var CHAT_URL = %(chat_url)s;
  var ORIGIN = new URL(CHAT_URL).origin;
  var EXIT_URL = "https://www.bbc.co.uk/weather";
  var panel = null;

  var button = document.createElement("button");
  button.type = "button";
  button.textContent = "Chat with us";
  button.setAttribute("aria-haspopup", "dialog");
  button.style.cssText = "position:fixed;right:1rem;bottom:1rem;z-index:2147483646;" +
    "min-height:44px;padding:0.75rem 1.25rem;border:0;border-radius:2rem;" +
    "background:#1d4f91;color:#fff;font:600 1rem/1.2 system-ui,sans-serif;" +
    "box-shadow:0 2px 8px rgba(0,0,0,.3);cursor:pointer;outline-offset:3px";

  function close() {
    if (panel) { panel.remove(); panel = null; button.focus(); }
  }

  function open() {
    // Small screens: the full page in a new tab is easier to use than a cramped frame.
    if (window.matchMedia("(max-width: 600px)").matches) {
      if (window.open(CHAT_URL, "_blank", "noopener")) return;
    }
    if (panel) { close(); return; }
    panel = document.createElement("div");
    panel.setAttribute("role", "dialog");
    panel.setAttribute("aria-label", "Chat with the Welfare Advice Line");
    panel.style.cssText = "position:fixed;right:1rem;bottom:5rem;z-index:2147483647;" +
      "width:min(26rem,calc(100vw - 2rem));height:min(40rem,calc(100vh - 7rem));" +
      "background:#fff;border-radius:0.75rem;overflow:hidden;" +
      "box-shadow:0 4px 24px rgba(0,0,0,.35);display:flex;flex-direction:column";
    var shut = document.createElement("button");
    shut.type = "button";
    shut.textContent = "Close chat";
    shut.style.cssText = "min-height:44px;border:0;background:#0b2545;color:#fff;" +
      "font:600 1rem system-ui,sans-serif;cursor:pointer";
    shut.addEventListener("click", close);
    var frame = document.createElement("iframe");
    frame.src = CHAT_URL;
    frame.title = "Welfare Advice Line chat";
    frame.style.cssText = "flex:1;border:0;width:100%%";
    panel.appendChild(shut);
    panel.appendChild(frame);
    document.body.appendChild(panel);
    frame.focus();
  }

  button.addEventListener("click", open);
  document.addEventListener("keydown", function (e) {
    if (e.key === "Escape" && panel) close();
  });
  // Quick exit pressed inside the chat frame: leave this whole page too.
  window.addEventListener("message", function (e) {
    if (e.origin === ORIGIN && e.data && e.data.type === "welfare-chat-quick-exit") {
      window.location.replace(EXIT_URL);
    }
  });

  function add() { document.body.appendChild(button); }
  if (document.body) add(); else document.addEventListener("DOMContentLoaded", add);
})();
"""


@page_router.get("/chat/embed.js", include_in_schema=False)
def embed_js(request: Request) -> Response:
    """For partner sites: <script src="https://GATEWAY/chat/embed.js" async></script>."""
    chat_url = str(request.url_for("chat_page"))
    body = EMBED_JS % {"chat_url": _js_string(chat_url)}
    return Response(
        body,
        media_type="text/javascript; charset=utf-8",
        headers={"X-Content-Type-Options": "nosniff", "Cache-Control": "public, max-age=3600"},
    )


def _js_string(value: str) -> str:
    """A JavaScript string literal that is safe inside a script."""
    return json.dumps(value).replace("<", "\\u003c")
