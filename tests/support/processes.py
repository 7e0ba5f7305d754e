"""The real Rasa engine and action server as child processes, for the end-to-end tests."""

from __future__ import annotations

import os
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.support import ROOT

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


def start_gateway_process(port: int, env: dict[str, str], log: Path) -> subprocess.Popen:
    """One gateway worker process (uvicorn) on a loopback port, up and answering /healthz."""
    with log.open("w") as out:
        process = subprocess.Popen(
            [str(ROOT / ".venv/bin/uvicorn"), "bot.app:app", "--port", str(port)],
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT), **env},
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    wait_until_up(f"http://127.0.0.1:{port}/healthz", process, log, timeout=60)
    return process


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()


class Engine:
    """The Rasa engine process, which an outage test stops and starts again on the same port."""

    def __init__(self, action_port: int, log: Path) -> None:
        self.port, self.log = free_port(), log
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "ACTION_SERVER_URL": f"http://127.0.0.1:{action_port}/webhook",
            # The engine keeps its dialogue state in a SQLite file of this run's own (beside
            # this path: engine-tracker.db), which outlives a stop and start.
            "DATABASE_URL": f"sqlite:///{log.parent / 'engine.db'}",
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
                "actions.server",
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
