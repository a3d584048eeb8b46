"A run killed with SIGKILL resumes and reaches its final step with the weights of a run never killed; no checkpoint is ever half-written."
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import torch

from medgan_nb.core import RunDir
from medgan_nb.train import find_checkpoint, load_checkpoint

REPO = Path(__file__).resolve().parent.parent
STEPS = 60
# one thread: the same arithmetic in every process; a checkpoint every 2 steps: kills often land mid-write
ARGUMENTS = ["--profile", "smoke", "--steps", str(STEPS), "--no-progress", "--set", "checkpoint_every=2",
             "--set", "log_every=2", "--set", "sample_every=20", "--set", "num_threads=1",
             "--set", "deterministic=true", "--set", "keep_checkpoints=0"]
ENVIRONMENT = {**os.environ, "PYTHONUNBUFFERED": "1", "MPLBACKEND": "Agg", "OMP_NUM_THREADS": "1"}


def start_training(run: Path, resume: bool) -> subprocess.Popen:
    command = [sys.executable, "-m", "medgan_nb", "train", "--out", str(run), *ARGUMENTS] + (["--resume"] if resume else [])
    return subprocess.Popen(command, cwd=REPO, env=ENVIRONMENT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def latest_step(run: Path) -> int:
    pointer = run / "checkpoints" / "latest"
    try:
        return int(pointer.read_text().strip()[5:12])
    except (OSError, ValueError):
        return -1


def assert_every_checkpoint_whole(run: Path) -> None:
    "Every step file and the `latest` pointer load completely (with weights_only=True)."
    for path in sorted((run / "checkpoints").glob("step_*.pt")):
        state = load_checkpoint(path)
        assert state["step"] == int(path.stem[5:]), path
    if (run / "checkpoints" / "latest").exists():
        assert load_checkpoint(run)["step"] == latest_step(run)


def test_sigkill_then_resume_reaches_the_final_step_with_the_same_weights(tmp_path):
    run, shuffle = tmp_path / "killed", random.Random(0)
    process, kills = start_training(run, resume=False), 0
    for attempt in range(4):
        target, deadline = latest_step(run) + 4, time.monotonic() + 120
        while latest_step(run) < target and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.005)
        time.sleep(shuffle.uniform(0.0, 0.15))  # anywhere in a step, or in a checkpoint write
        if process.poll() is not None:
            break
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        kills += 1
        assert_every_checkpoint_whole(run)
        process = start_training(run, resume=True)
    _, errors = process.communicate(timeout=600)
    assert process.returncode == 0, errors[-2000:]
    assert kills >= 2, "the run finished before it could be killed: make it longer"

    assert_every_checkpoint_whole(run)
    assert not list((run / "checkpoints").glob(".*.tmp")), "a temporary file of a killed write was left behind"
    final = load_checkpoint(run)
    assert final["step"] == STEPS and find_checkpoint(run).name == f"step_{STEPS:07d}.pt"
    records, _ = RunDir(run).read_metrics()
    assert records[-1]["event"] == "finished" and records[-1]["step"] == STEPS
    assert sum(r.get("event") == "started" for r in records) == kills + 1

    straight = tmp_path / "straight"
    process = start_training(straight, resume=False)
    _, errors = process.communicate(timeout=600)
    assert process.returncode == 0, errors[-2000:]
    uninterrupted = load_checkpoint(straight)
    for group in ("networks", "ema"):
        for name, weights in uninterrupted[group].items():
            for key, value in weights.items():
                assert torch.equal(value, final[group][name][key]), f"{group}.{name}.{key} differs after {kills} kills"
