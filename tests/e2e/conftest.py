"""Start the real Rasa engine and action server for end-to-end conversations."""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.settings import get_settings
from bot.store.migrate import upgrade
from bot.store.session import get_engine

ROOT = Path(__file__).resolve().parents[2]
MODEL = ROOT / "models" / "welfare.tar.gz"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(url: str, process: subprocess.Popen, log: Path, timeout: float) -> None:
    """Poll `url` until it answers; fail with the log's tail if the process dies or times out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"{url} exited early:\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(url, timeout=1).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    pytest.fail(f"{url} did not come up in {timeout}s:\n{log.read_text()[-3000:]}")


def wait_for_model(url: str, process: subprocess.Popen, log: Path, timeout: float) -> None:
    """The server answers before the model is loaded; wait until it parses a message."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"engine exited early:\n{log.read_text()[-3000:]}")
        try:
            reply = httpx.get(f"{url}/status", timeout=5)
            if reply.status_code == 200 and reply.json().get("model_file"):
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    pytest.fail(f"model not loaded in {timeout}s:\n{log.read_text()[-3000:]}")


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()


@pytest.fixture(scope="session")
def action_port() -> int:
    return free_port()


class Engine:
    """The Rasa engine process, which an outage test stops and starts again on the same port."""

    def __init__(self, action_port: int, log: Path) -> None:
        self.port, self.log = free_port(), log
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "ACTION_SERVER_URL": f"http://127.0.0.1:{action_port}/webhook",
        }
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        command = [
            str(ROOT / ".venv-rasa/bin/rasa"), "run",
            "--enable-api",  # only so the test sees when the model is loaded (loopback)
            "--interface", "127.0.0.1", "--port", str(self.port), "--model", str(MODEL),
            "--endpoints", "endpoints.yml", "--credentials", "credentials.yml",
        ]  # fmt: skip
        with self.log.open("a") as out:
            self.process = subprocess.Popen(
                command, cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT
            )
        try:
            wait_until_up(self.url + "/", self.process, self.log, timeout=240)
            wait_for_model(self.url, self.process, self.log, timeout=240)
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        if self.process is not None:
            stop(self.process)
            self.process = None


@pytest.fixture(scope="session")
def engine(action_port: int, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """The Rasa engine with the trained model, REST channel on a loopback port."""
    if not MODEL.exists():
        pytest.fail("no trained model: run `make train` first")
    server = Engine(action_port, tmp_path_factory.mktemp("engine") / "engine.log")
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def engine_url(engine: Engine) -> str:
    return engine.url


def start_action_server(port: int, database_url: str, log: Path) -> subprocess.Popen:
    """The action server of this repo, on `port`, logging into `database_url`."""
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": database_url,
        "SANIC_HOST": "127.0.0.1",
    }
    with log.open("w") as out:
        process = subprocess.Popen(
            [
                str(ROOT / ".venv/bin/python"),
                "-m",
                "rasa_sdk",
                "--actions",
                "actions",
                "--port",
                str(port),
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_until_up(f"http://127.0.0.1:{port}/health", process, log, timeout=60)
    except BaseException:
        stop(process)
        raise
    return process


@dataclass
class ActionServer:
    """The action server process, which outage tests stop and start again."""

    port: int
    database_url: str
    log_dir: Path
    process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = start_action_server(
            self.port, self.database_url, self.log_dir / "actions.log"
        )

    def stop(self) -> None:
        if self.process is not None:
            stop(self.process)
            self.process = None


@dataclass
class Chat:
    """One person's conversation over the REST channel."""

    engine_url: str
    channel: str = "webchat"

    def __post_init__(self) -> None:
        self.sender = secrets.token_hex(16)

    def say(self, text: str) -> list[dict[str, Any]]:
        response = httpx.post(
            f"{self.engine_url}/webhooks/rest/webhook",
            json={"sender": self.sender, "message": text, "metadata": {"channel": self.channel}},
            timeout=30,
        )
        response.raise_for_status()
        return response.json()


def texts(replies: list[dict[str, Any]]) -> str:
    return "\n".join(r.get("text", "") for r in replies)


def handover(replies: list[dict[str, Any]]) -> dict[str, Any] | None:
    return next(
        (
            r["custom"]["handover"]
            for r in replies
            if isinstance(r.get("custom"), dict) and "handover" in r["custom"]
        ),
        None,
    )


def payloads(replies: list[dict[str, Any]]) -> dict[str, str]:
    return {b["title"]: b["payload"] for r in replies for b in r.get("buttons") or []}


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def database(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'e2e.db'}"
        upgrade(url)
        return url
    return request.getfixturevalue("postgres_database")


@pytest.fixture(scope="module")
def actions(
    database: str, action_port: int, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ActionServer]:
    """The action server, writing to this module's database."""
    os.environ["DATABASE_URL"] = database
    get_settings.cache_clear()
    get_engine.cache_clear()
    server = ActionServer(action_port, database, tmp_path_factory.mktemp("actions"))
    server.start()
    yield server
    server.stop()
