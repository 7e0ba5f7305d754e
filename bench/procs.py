"""Start and stop the engine, action server and gateway for one measured system.

Why here: every process the bench starts must be stopped again, also on errors, and its
resident memory read before it stops. Logs go to files; the REST channel never logs text.
"""

from __future__ import annotations

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


@dataclass
class Proc:
    """One child process with its log file."""

    name: str
    process: subprocess.Popen
    log: Path

    def rss_mb(self) -> float:
        """Resident memory of the process and its children (Sanic workers, uvicorn reloaders)."""
        try:
            parent = psutil.Process(self.process.pid)
            procs = [parent, *parent.children(recursive=True)]
            return sum(p.memory_info().rss for p in procs if p.is_running()) / 2**20
        except psutil.NoSuchProcess:
            return 0.0

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


@dataclass
class Stack:
    """The processes of one system; `stop_all` in a finally block ends them all."""

    procs: list[Proc] = field(default_factory=list)

    def add(self, proc: Proc) -> Proc:
        self.procs.append(proc)
        return proc

    def rss(self) -> dict[str, float]:
        return {p.name: round(p.rss_mb(), 1) for p in self.procs}

    def stop_all(self) -> None:
        for proc in reversed(self.procs):
            proc.stop()
        self.procs.clear()
