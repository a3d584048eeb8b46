"`torchrun --nproc_per_node 2` on the CPU (gloo): one run, logged and checkpointed once, by process 0, resumable."
import os
import subprocess
import sys
from pathlib import Path

import torch

from medgan_nb.core import RunDir
from medgan_nb.train import load_checkpoint

REPO = Path(__file__).resolve().parent.parent
ENVIRONMENT = {**os.environ, "PYTHONUNBUFFERED": "1", "MPLBACKEND": "Agg", "OMP_NUM_THREADS": "1"}


def torchrun(*arguments: str, processes: int = 2) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", str(processes),
               "-m", "medgan_nb", "train", "--profile", "smoke", "--device", "cpu", "--no-progress",
               "--set", "log_every=3", "--set", "sample_every=3", "--set", "checkpoint_every=3", *arguments]
    return subprocess.run(command, cwd=REPO, env=ENVIRONMENT, capture_output=True, text=True, timeout=600)


def test_two_cpu_processes_train_and_checkpoint_once(tmp_path):
    run = tmp_path / "ddp"
    result = torchrun("--out", str(run), "--steps", "6", "--set", "accumulate=2")
    assert result.returncode == 0, result.stderr[-3000:]
    records, _ = RunDir(run).read_metrics()
    started = [r for r in records if r.get("event") == "started"]
    assert len(started) == 1 and started[0]["world_size"] == 2
    assert [r["step"] for r in records if r.get("event") == "checkpoint"] == [3, 6]
    assert [r["step"] for r in records if "loss_d" in r] == [3, 6]
    assert sorted(p.name for p in (run / "checkpoints").iterdir()) == ["latest", "step_0000003.pt", "step_0000006.pt"]
    state = load_checkpoint(run)
    assert state["step"] == 6 and state["config"]["accumulate"] == 2
    assert len(state["rng"]) == 2  # each process's random state, so that a resume continues both noise streams
    assert not torch.equal(state["rng"][0]["torch"], state["rng"][1]["torch"])

    result = torchrun("--out", str(run), "--steps", "9", "--resume")
    assert result.returncode == 0, result.stderr[-3000:]
    assert load_checkpoint(run)["step"] == 9
    records, _ = RunDir(run).read_metrics()
    assert [r["step"] for r in records if r.get("event") == "started"] == [0, 6]


def test_wgan_gp_gradient_penalty_under_ddp(tmp_path):
    result = torchrun("--out", str(tmp_path / "wgan"), "--model", "wgan-gp", "--steps", "3")
    assert result.returncode == 0, result.stderr[-3000:]
    records, _ = RunDir(tmp_path / "wgan").read_metrics()
    assert [r["step"] for r in records if "loss_gp" in r] == [3]


def test_pix2pix_reuses_its_output_under_ddp_accumulation(tmp_path):
    "Paired tasks compute G(x) once per micro-batch (D step detached, G step through it), also under no_sync."
    result = torchrun("--out", str(tmp_path / "pix2pix"), "--task", "paired", "--model", "pix2pix", "--data", "ldct-pairs",
                      "--steps", "3", "--set", "accumulate=2")
    assert result.returncode == 0, result.stderr[-3000:]
    records, _ = RunDir(tmp_path / "pix2pix").read_metrics()
    logged = [r for r in records if "loss_g_l1" in r]
    assert [r["step"] for r in logged] == [3] and all(0 < r["loss_g_l1"] < 2 for r in logged)
    assert load_checkpoint(tmp_path / "pix2pix")["step"] == 3
