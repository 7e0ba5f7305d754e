"""Train one system's model from a config on the repo's domain and data, and time it.

Why a fresh cache directory and `--force`: Rasa caches trained components, so a second
training of the same pipeline would look faster than it is; both systems start cold.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

from bench.procs import RASA, ROOT, spawn

TRAIN_TIMEOUT_S = 3600


def train(config: Path, out_dir: Path, name: str, log: Path) -> tuple[Path, float]:
    """Train `config` into `out_dir/<name>.tar.gz`; (model path, wall seconds)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    # `rasa train` writes the auto-filled defaults back into its config: train from a copy.
    config_copy = out_dir / f"{name}.config.yml"
    shutil.copyfile(config, config_copy)
    model = out_dir / f"{name}.tar.gz"
    model.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory(prefix="bench-cache-") as cache:
        command = [
            str(RASA), "train", "--force",
            "--config", str(config_copy), "--domain", "domain.yml", "--data", "data",
            "--out", str(out_dir), "--fixed-model-name", name,
        ]  # fmt: skip
        start = time.monotonic()
        proc = spawn(f"train-{name}", command, {"RASA_CACHE_DIRECTORY": cache}, log)
        try:
            code = proc.process.wait(timeout=TRAIN_TIMEOUT_S)
        finally:
            proc.stop()
        seconds = time.monotonic() - start
    if code != 0 or not model.exists():
        raise RuntimeError(f"training {name} failed ({code}):\n{proc.tail()}")
    return model, seconds


def relative(path: Path) -> str:
    """Paths in results are relative to the repo, so the JSON is the same on every machine."""
    try:
        return str(path.relative_to(ROOT))
    except ValueError:
        return str(path)
