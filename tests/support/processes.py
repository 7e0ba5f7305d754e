"""The real Rasa engine and action server as child processes, for the end-to-end tests."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psutil
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


def start_gateway_process(
    port: int, env: dict[str, str], log: Path, args: Sequence[str] = ()
) -> subprocess.Popen:
    """One gateway worker process (uvicorn) on a loopback port, up and answering /healthz;
    `args` are more uvicorn options."""
    with log.open("w") as out:
        process = subprocess.Popen(
            [str(ROOT / ".venv/bin/uvicorn"), "bot.app:app", "--port", str(port), *args],
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
    """The Rasa engine process, which an outage test stops and starts again on the same port.

    On endpoints.yml by default; a fault test passes the production profile's endpoints file
    (endpoints.prod.yml) and its settings in `env`.
    """

    def __init__(
        self,
        action_port: int,
        log: Path,
        *,
        endpoints: str = "endpoints.yml",
        env: dict[str, str] | None = None,
    ) -> None:
        self.port, self.log, self.endpoints = free_port(), log, endpoints
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "ACTION_SERVER_URL": f"http://127.0.0.1:{action_port}/webhook",
            # The engine keeps its dialogue state in a SQLite file of this run's own (beside
            # this path: engine-tracker.db), which outlives a stop and start.
            "DATABASE_URL": f"sqlite:///{log.parent / 'engine.db'}",
            **(env or {}),
        }
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        command = [
            str(ROOT / ".venv-rasa/bin/rasa"), "run",
            "--enable-api",  # only so the test sees when the model is loaded (loopback)
            "--interface", "127.0.0.1", "--port", str(self.port), "--model", str(MODEL),
            "--endpoints", self.endpoints, "--credentials", "credentials.yml",
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

    def kill(self) -> None:
        """SIGKILL: no shutdown of any kind, as when the out-of-memory killer picks it."""
        if self.process is not None:
            self.process.kill()
            self.process.wait(10)
            self.process = None


@dataclass
class Gateway:
    """One gateway worker process on a loopback port of its own, which fault tests restart
    (production runs several behind one port; each here can be reached on its own)."""

    env: dict[str, str]
    log: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None
    starts: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        """Start (again), with a log per start and at most 5 s to close open live streams
        when stopped, as scripts/run_prod.sh runs it."""
        self.starts += 1
        log = self.log.with_name(f"{self.log.stem}-{self.starts}{self.log.suffix}")
        self.process = start_gateway_process(
            self.port, self.env, log, args=("--timeout-graceful-shutdown", "5")
        )

    def stop(self) -> None:
        if self.process is not None:
            stop(self.process)
            self.process = None


class ProductionRun:
    """scripts/run_prod.sh in the foreground, as `make run-prod` runs it: the action server,
    the engine with `engine_workers` Sanic workers (endpoints.prod.yml) and the gateway's
    uvicorn workers, on free loopback ports; `env` adds the database, namespace and so on."""

    def __init__(self, env: dict[str, str], log: Path, engine_workers: int = 2) -> None:
        ports = {name: free_port() for name in ("ACTION_PORT", "RASA_PORT", "GATEWAY_PORT")}
        self.engine_port, self.engine_workers, self.log = ports["RASA_PORT"], engine_workers, log
        self.engine_url = f"http://127.0.0.1:{ports['RASA_PORT']}"
        self.gateway_url = f"http://127.0.0.1:{ports['GATEWAY_PORT']}"
        self.env = {
            **os.environ,
            **{name: str(port) for name, port in ports.items()},
            # This run's action server: `make` exports the default one (port 5055), which
            # run_prod.sh would otherwise keep, and the engine would call a server not there.
            "ACTION_SERVER_URL": f"http://127.0.0.1:{ports['ACTION_PORT']}/webhook",
            "ENGINE_WORKERS": str(engine_workers),
            # Which part answers, not how fast on a shared machine: no outage reply for a slow
            # first turn (a test that wants one stops the engine).
            "ENGINE_WAIT_SECONDS": "30",
            **env,
        }
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        with self.log.open("w") as out:
            self.process = subprocess.Popen(
                ["bash", str(ROOT / "scripts/run_prod.sh")],
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        try:
            self.wait_for_engine(timeout=240)
            wait_until_up(f"{self.gateway_url}/healthz", self.process, self.log, timeout=120)
        except BaseException:
            self.stop()
            raise

    def parts(self) -> list[psutil.Process]:
        """Every process the script runs now, workers included."""
        if self.process is None:
            return []
        try:
            return psutil.Process(self.process.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            return []

    def engine(self) -> psutil.Process | None:
        """The engine's main process (a `rasa run` whose parent is not one), if it runs."""
        for part in self.parts():
            try:
                if _is_engine(part) and not _is_engine(part.parent()):
                    return part
            except psutil.Error:
                continue
        return None

    def serving(self) -> list[int]:
        """The pids of the engine's workers that take connections now."""
        main = self.engine()
        if main is None:
            return []
        try:
            workers = main.children() if self.engine_workers > 1 else [main]
        except psutil.NoSuchProcess:
            return []
        return [w.pid for w in workers if _accepts_on(w, self.engine_port)]

    def wait_for_engine(self, timeout: float) -> None:
        """Until every engine worker takes connections: after the first start, or after the
        script started the engine again."""
        assert self.process is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"run_prod.sh exited:\n{self.log.read_text()[-3000:]}")
            if len(self.serving()) >= self.engine_workers:
                return
            time.sleep(0.5)
        pytest.fail(f"the engine's workers were not serving in {timeout}s")

    def stop(self) -> None:
        """TERM to the script, which stops each part; anything left a minute later is killed."""
        if self.process is None:
            return
        parts = self.parts()
        self.process.terminate()
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
        for part in parts:
            try:
                part.kill()  # psutil checks first that the pid is still that process
            except psutil.Error:
                pass
        self.process = None


def _is_engine(process: psutil.Process) -> bool:
    command = process.cmdline()
    return "run" in command and any(word.endswith("bin/rasa") for word in command)


def _accepts_on(process: psutil.Process, port: int) -> bool:
    """True when `process` listens on `port` and its event loop watches that socket.

    Sanic's workers share their main process's listening socket; a worker adds it to its
    epoll set only once its model is loaded (until then it takes no connection), and the main
    process of several workers never does. Linux only: the set is read from /proc/<pid>/fdinfo.
    """
    try:
        listening = {
            c.fd
            for c in process.net_connections(kind="tcp")
            if c.status == psutil.CONN_LISTEN and c.laddr and c.laddr.port == port
        }
        watched: set[int] = set()
        for info in Path(f"/proc/{process.pid}/fdinfo").iterdir():
            try:
                text = info.read_text()
            except OSError:
                continue  # the descriptor closed while being read
            watched.update(int(fd) for fd in re.findall(r"^tfd:\s+(\d+)", text, re.M))
    except (psutil.Error, OSError):
        return False
    return bool(listening & watched)
