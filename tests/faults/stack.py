"""The production profile process by process, for the fault tests, and the people using it.

As scripts/run_prod.sh runs it: the app's tables and the engine's tracker store on one
PostgreSQL database, Rasa's lock store and the gateways' live events and limits in Redis (one
namespace), the action server, the engine on endpoints.prod.yml, and gateway worker processes
(here each on a port of its own, so a test can say which worker a request goes to, and with
one engine worker: tests/faults/test_engine_killed.py runs the script itself, with two).
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from bot.gateway import texts
from bot.store import webchat
from tests.support.processes import ActionServer, Engine, Gateway, free_port
from tests.support.staff import PASSWORD, make_staff

REDIS_URL = "redis://127.0.0.1:6379/0"
LOCK_DB = 1  # Rasa's lock store, as REDIS_LOCK_DB in docs/deploy.md
TIMEOUT = 30.0  # no single request of these tests may take longer


# Every person in these tests writes from 127.0.0.1, as a whole hostel might.
CHATS_PER_HOUR = "1000"


@dataclass
class Stack:
    """Every process of one installation; `stop` ends whichever of them are running."""

    actions: ActionServer
    engine: Engine
    gateways: list[Gateway] = field(default_factory=list)

    @classmethod
    def build(
        cls,
        database_url: str,
        namespace: str,
        log_dir: Path,
        gateways: int = 1,
    ) -> Stack:
        """The processes' settings (nothing started yet)."""
        action_port = free_port()
        actions = ActionServer(action_port, database_url, log_dir)
        engine = Engine(
            action_port,
            log_dir / "engine.log",
            endpoints="endpoints.prod.yml",
            env={
                "DATABASE_URL": database_url,
                "REDIS_HOST": "127.0.0.1",
                "REDIS_PORT": "6379",
                "REDIS_LOCK_DB": str(LOCK_DB),
                "REDIS_NAMESPACE": namespace,
            },
        )
        env = {
            "DATABASE_URL": database_url,
            "REDIS_URL": REDIS_URL,
            "REDIS_NAMESPACE": namespace,
            "COOKIE_SECURE": "0",  # plain http on loopback; SECRET_KEY comes from tests/conftest
            "RASA_URL": engine.url,
            "ACTION_SERVER_URL": f"http://127.0.0.1:{action_port}/webhook",
            # These tests are about which part answers, not how fast on a shared machine.
            "ENGINE_WAIT_SECONDS": "30",
            "WEBCHAT_SESSIONS_PER_HOUR": CHATS_PER_HOUR,
        }
        workers = [Gateway(env, log_dir / f"gateway-{n}.log") for n in range(gateways)]
        return cls(actions, engine, workers)

    def start(self) -> None:
        """The action server, then the engine; the gateways start while the engine loads its
        model (a gateway needs no engine to start: until it is up they give the outage reply,
        and no test writes before every process is up)."""
        self.actions.start()
        with ThreadPoolExecutor(1) as pool:
            engine = pool.submit(self.engine.start)
            for gateway in self.gateways:
                gateway.start()
            engine.result()

    def stop(self) -> None:
        for gateway in self.gateways:
            gateway.stop()
        self.engine.stop()
        self.actions.stop()


def words(messages: list[dict[str, Any]]) -> str:
    """The messages' text, one per line."""
    return "\n".join(m["text"] for m in messages)


class Person:
    """One person on the web chat, over HTTP to a gateway worker process.

    Every button they were shown stays tappable, as on the page: a reply that failed does
    not take the earlier question's buttons away.
    """

    def __init__(self, gateway_url: str) -> None:
        self.client = httpx.Client(base_url=gateway_url, timeout=TIMEOUT)
        created = self.client.post("/api/webchat/sessions")
        assert created.status_code == 201, created.text
        self.session_id: str = created.json()["session_id"]
        self.token: str = created.json()["token"]
        self.headers = {"Authorization": f"Bearer {self.token}"}
        self.buttons: dict[str, str] = {}

    @property
    def url(self) -> str:
        return f"/api/webchat/sessions/{self.session_id}/messages"

    @property
    def conversation_id(self) -> str:
        found = webchat.check_session(self.session_id, self.token)
        assert found is not None
        return found

    def use(self, gateway_url: str) -> None:
        """Go on through another gateway worker (a new connection after a restart)."""
        self.client.close()
        self.client = httpx.Client(base_url=gateway_url, timeout=TIMEOUT)

    def say(self, text: str | None = None, payload: str | None = None) -> list[dict[str, Any]]:
        """Send words or a button's payload; the replies to show. "Slow down" (eight
        messages in ten seconds) is waited out, as a person would."""
        body = {"text": text} if payload is None else {"payload": payload}
        deadline = time.monotonic() + 20
        while True:
            response = self.client.post(self.url, json=body, headers=self.headers)
            assert response.status_code == 200, response.text
            messages = response.json()["messages"]
            if [m["text"] for m in messages] != [texts.SLOW_DOWN] or time.monotonic() > deadline:
                break
            time.sleep(1)
        for message in messages:
            self.buttons.update({b["title"]: b["payload"] for b in message["buttons"]})
        return messages

    def tap(self, title: str) -> list[dict[str, Any]]:
        """Tap the latest button shown with this title."""
        assert title in self.buttons, f"no {title!r} button among {sorted(self.buttons)}"
        return self.say(payload=self.buttons[title])

    def transcript(self) -> list[dict[str, Any]]:
        """The whole conversation, as a reloaded page reads it."""
        response = self.client.get(self.url, headers=self.headers)
        assert response.status_code == 200, response.text
        return response.json()["messages"]


class Advisor:
    """An advisor signed in to the staff API; the session cookie works on every gateway."""

    def __init__(self, name: str, gateway_url: str, role: str = "advisor") -> None:
        self.id = make_staff(name, role).id
        self.base = gateway_url
        self.client = httpx.Client(timeout=TIMEOUT)
        login = self.client.post(
            f"{gateway_url}/api/staff/login", json={"username": name, "password": PASSWORD}
        )
        assert login.status_code == 200, login.text
        self.headers = {"X-CSRF-Token": login.json()["csrf_token"]}

    def get(self, path: str) -> Any:
        response = self.client.get(f"{self.base}/api/staff{path}")
        assert response.status_code == 200, response.text
        return response.json()

    def post(self, path: str, body: dict[str, str] | None = None) -> Any:
        response = self.client.post(f"{self.base}/api/staff{path}", json=body, headers=self.headers)
        assert response.status_code == 200, f"POST {path}: {response.status_code} {response.text}"
        return response.json()

    def queued(self) -> dict[str, dict[str, Any]]:
        """The console's queue, by conversation id, in its order."""
        return {item["conversation_id"]: item for item in self.get("/queue")}
