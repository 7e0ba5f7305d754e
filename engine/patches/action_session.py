"""Calls to the action server over kept connections.

Rasa 3.6's `EndpointConfig.request` opens a new aiohttp session, and so a new TCP
connection, for every action call, and encodes the whole conversation with the standard
`json` module; a sampling profiler put the two at about a twentieth of the engine's time.
Here the action server's endpoint (the `ACTION_SERVER_URL` that endpoints.yml names) keeps
one session per event loop, so its connections are reused (aiohttp lets an idle one go after
15 s, well before the action server's two minutes, so a connection is never reused just as
the server closes it), and the body is encoded with `ujson`, which gives the same JSON about
three times faster. Every other endpoint goes through Rasa's own code. Everything else
(headers, parameters, certificates, errors, the answer) is Rasa's code unchanged. Kept
sessions are closed when the process exits.
"""

from __future__ import annotations

import asyncio
import atexit
import json
import os
import ssl
from typing import Any, Dict, List, Tuple

import aiohttp
import ujson
from aiohttp.client_exceptions import ContentTypeError
from rasa.shared.exceptions import FileNotFoundException
from rasa.utils.endpoints import ClientResponseError, EndpointConfig, concat_url

_rasa_request = EndpointConfig.request
ORIGINALS: Dict[str, Any] = {"rasa.utils.endpoints:EndpointConfig.request": _rasa_request}
_kept: List[Tuple[asyncio.AbstractEventLoop, aiohttp.ClientSession]] = []


def is_action_server(endpoint: EndpointConfig) -> bool:
    """Only the action server's endpoint keeps its session: it is called on every turn."""
    url = os.environ.get("ACTION_SERVER_URL")
    return bool(url) and endpoint.url == url


def kept_session(endpoint: EndpointConfig) -> aiohttp.ClientSession:
    """One aiohttp session per endpoint and event loop, made by Rasa's own `session()` (same
    headers, authentication and timeout), kept open so its connections are reused."""
    loop = asyncio.get_running_loop()
    held = endpoint.__dict__.get("_kept_session")
    if held is None or held[0] is not loop or held[1].closed:
        held = endpoint.__dict__["_kept_session"] = (loop, endpoint.session())
        _kept.append(held)
    return held[1]


async def close_kept_sessions() -> int:
    """Close the kept sessions of the running loop; the number closed."""
    loop = asyncio.get_running_loop()
    mine = [held for held in _kept if held[0] is loop]
    for held in mine:
        _kept.remove(held)
        await held[1].close()
    return len(mine)


def _close_at_exit() -> None:
    """At exit, close what is still open: on its loop if that loop can still run."""
    while _kept:
        loop, session = _kept.pop()
        if session.closed:
            continue
        try:
            if not loop.is_closed() and not loop.is_running():
                loop.run_until_complete(session.close())
            else:
                session.detach()
        except RuntimeError:
            session.detach()


atexit.register(_close_at_exit)


def json_bytes(body: Any) -> bytes:
    """The same JSON as `json.dumps`, about three times faster; the standard module for
    anything ujson refuses."""
    try:
        return ujson.dumps(body, escape_forward_slashes=False).encode()
    except (TypeError, ValueError, OverflowError):
        return json.dumps(body).encode()


async def request(
    self: EndpointConfig,
    method: str = "post",
    subpath: str | None = None,
    content_type: str | None = "application/json",
    compress: bool = False,
    **kwargs: Any,
) -> Any | None:
    """Rasa's `EndpointConfig.request`; for the action server on its kept session."""
    if not is_action_server(self):
        return await _rasa_request(self, method, subpath, content_type, compress, **kwargs)
    headers = {}
    if content_type:
        headers["Content-Type"] = content_type
    if "headers" in kwargs:
        headers.update(kwargs.pop("headers"))
    if self.headers:
        headers.update(self.headers)
    if "json" in kwargs:
        kwargs["data"] = json_bytes(kwargs.pop("json"))
        headers.setdefault("Content-Type", "application/json")
    url = concat_url(self.url, subpath)
    sslcontext = None
    if self.cafile:
        try:
            sslcontext = ssl.create_default_context(cafile=self.cafile)
        except FileNotFoundError as e:
            raise FileNotFoundException(
                f"Failed to find certificate file, '{os.path.abspath(self.cafile)}' does not exist."
            ) from e
    async with kept_session(self).request(
        method,
        url,
        headers=headers,
        params=self.combine_parameters(kwargs),
        compress=compress,
        ssl=sslcontext,
        **kwargs,
    ) as response:
        if response.status >= 400:
            raise ClientResponseError(
                response.status, response.reason, await response.content.read()
            )
        try:
            return await response.json()
        except ContentTypeError:
            return None


def install() -> None:
    """Put the kept-session request in place of Rasa's (idempotent)."""
    EndpointConfig.request = request


def uninstall() -> None:
    """Put Rasa's request back (for the tests that compare the two)."""
    EndpointConfig.request = _rasa_request
