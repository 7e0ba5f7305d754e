"""Start and stop the engine, action server and gateway for one measured system.

Why here: every process the bench starts must be stopped again, also on errors, and its
resident memory read before it stops. Logs go to files; the REST channel never logs text.
"""

from __future__ import annotations

import http.client
import os
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psutil

ROOT = Path(__file__).resolve().parent.parent
RASA = ROOT / ".venv-rasa" / "bin" / "rasa"
PYTHON = ROOT / ".venv" / "bin" / "python"


class StartError(RuntimeError):
    """A process died or did not come up; the message carries the log's tail."""


@dataclass(frozen=True)
class Memory:
    """One part's memory over all its processes. RSS counts a page shared by forked workers
    once per process; PSS splits it between them, so PSS sums to what the machine gives."""

    rss_mb: float
    pss_mb: float
    processes: int


@dataclass
class Proc:
    """One child process with its log file."""

    name: str
    process: subprocess.Popen
    log: Path

    def rss_mb(self) -> float:
        """Resident memory of the process and its children (Sanic workers, uvicorn reloaders)."""
        return self.memory().rss_mb

    def memory(self) -> Memory:
        """Resident and proportional memory of the process and all its children (workers)."""
        try:
            parent = psutil.Process(self.process.pid)
            procs = [parent, *parent.children(recursive=True)]
        except psutil.NoSuchProcess:
            return Memory(0.0, 0.0, 0)
        rss = pss = 0.0
        count = 0
        for proc in procs:
            try:
                info = proc.memory_full_info()
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                continue
            rss, pss, count = rss + info.rss, pss + getattr(info, "pss", info.rss), count + 1
        return Memory(rss / 2**20, pss / 2**20, count)

    def tail(self) -> str:
        return self.log.read_text(errors="replace")[-3000:] if self.log.exists() else ""

    def stop(self) -> None:
        """SIGTERM, then SIGKILL after 15 s; children of a multi-worker server too."""
        if self.process.poll() is not None:
            return
        try:
            children = psutil.Process(self.process.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            children = []
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)
        for child in children:
            if child.is_running():
                child.kill()


def spawn(name: str, command: list[str], env: dict[str, str], log: Path) -> Proc:
    """Start `command` in the repo root with its output in `log`."""
    log.parent.mkdir(parents=True, exist_ok=True)
    full_env = {**os.environ, "PYTHONPATH": str(ROOT), **env}
    with log.open("w") as out:
        process = subprocess.Popen(
            command, cwd=ROOT, env=full_env, stdout=out, stderr=subprocess.STDOUT
        )
    return Proc(name, process, log)


def wait_for(proc: Proc, url: str, timeout: float, model: bool = False) -> float:
    """Poll `url` until it answers (and, for the engine, has a model); seconds it took."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if proc.process.poll() is not None:
            raise StartError(f"{proc.name} exited early:\n{proc.tail()}")
        try:
            reply = httpx.get(url, timeout=2)
            if reply.status_code < 500 and (not model or reply.json().get("model_file")):
                return time.monotonic() - start
        except (httpx.HTTPError, ValueError):
            pass
        time.sleep(0.1)
    raise StartError(f"{proc.name} not up in {timeout}s:\n{proc.tail()}")


def wait_for_log(proc: Proc, needle: str, count: int, timeout: float) -> float:
    """Wait until `needle` is in the log `count` times (one per worker); seconds it took."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if proc.process.poll() is not None:
            raise StartError(f"{proc.name} exited early:\n{proc.tail()}")
        if proc.log.exists() and proc.log.read_text(errors="replace").count(needle) >= count:
            return time.monotonic() - start
        time.sleep(0.2)
    raise StartError(f"{proc.name}: {count} workers not up in {timeout}s:\n{proc.tail()}")


def serving_pids(proc: Proc, port: int, connections: int = 4) -> set[int]:
    """Which of a server's processes answered `connections` requests sent at once, found by
    who holds each kept-alive connection afterwards."""
    opened = [http.client.HTTPConnection("127.0.0.1", port, timeout=30) for _ in range(connections)]
    try:
        for conn in opened:
            conn.request("GET", "/")
        for conn in opened:
            conn.getresponse().read()
        ours = {conn.sock.getsockname()[1] for conn in opened if conn.sock}
        found = set()
        for child in psutil.Process(proc.process.pid).children(recursive=True):
            for held in child.net_connections("tcp"):
                if (
                    held.laddr
                    and held.laddr.port == port
                    and held.raddr
                    and held.raddr.port in ours
                ):
                    found.add(child.pid)
        return found
    finally:
        for conn in opened:
            conn.close()


def wait_for_workers(proc: Proc, port: int, workers: int, timeout: float) -> float:
    """Wait until `workers` different worker processes have answered; seconds it took.

    Why: with several Sanic workers the first one up answers /status while the others are
    still loading the model. A worker accepts connections only once it is up, so a worker
    seen holding an answered connection is serving.
    """
    start, seen = time.monotonic(), set()
    while time.monotonic() - start < timeout:
        if proc.process.poll() is not None:
            raise StartError(f"{proc.name} exited early:\n{proc.tail()}")
        try:
            seen |= serving_pids(proc, port)
        except (OSError, http.client.HTTPException, psutil.Error):
            pass
        if len(seen) >= workers:
            return time.monotonic() - start
        time.sleep(0.2)
    raise StartError(f"{proc.name}: {len(seen)} of {workers} workers up in {timeout}s")


@dataclass
class Stack:
    """The processes of one system; `stop_all` in a finally block ends them all."""

    procs: list[Proc] = field(default_factory=list)

    def add(self, proc: Proc) -> Proc:
        self.procs.append(proc)
        return proc

    def rss(self) -> dict[str, float]:
        return {p.name: round(p.rss_mb(), 1) for p in self.procs}

    def memory(self) -> dict[str, Memory]:
        return {p.name: p.memory() for p in self.procs}

    def stop_all(self) -> None:
        for proc in reversed(self.procs):
            proc.stop()
        self.procs.clear()
