"""`torchrun --nproc_per_node 2` on the CPU (gloo): one run, logged and checkpointed once, by process 0, resumable; every
parameter equal across processes after accumulation, for pix2pix and CycleGAN too."""
import os
import subprocess
import sys
from pathlib import Path

import torch

from medgan_nb.core import RunDir
from medgan_nb.train import load_checkpoint

REPO = Path(__file__).resolve().parent.parent
ENVIRONMENT = {**os.environ, "PYTHONUNBUFFERED": "1", "MPLBACKEND": "Agg", "OMP_NUM_THREADS": "1"}


def torchrun(*arguments: str, processes: int = 2, module: tuple[str, ...] = ("-m", "medgan_nb", "train")) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", str(processes), *module]
    if module[-1] == "train":
        command += ["--profile", "smoke", "--device", "cpu", "--no-progress", "--set", "log_every=3",
                    "--set", "sample_every=3", "--set", "checkpoint_every=3"]
    return subprocess.run([*command, *arguments], cwd=REPO, env=ENVIRONMENT, capture_output=True, text=True, timeout=600)


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
    result = torchrun("--out", str(tmp_path / "wgan"), "--task", "wgan-gp", "--steps", "3")
    assert result.returncode == 0, result.stderr[-3000:]
    records, _ = RunDir(tmp_path / "wgan").read_metrics()
    assert [r["step"] for r in records if "loss_gp" in r] == [3]


PARAMETER_CHECK = '''
import sys, tempfile, torch, torch.distributed as dist
from pathlib import Path
from medgan_nb.train import Trainer, TrainConfig
from medgan_nb.distributed import cleanup_distributed
task, out = sys.argv[1], Path(sys.argv[2])
options = {"n_blocks": 6, "base_channels": 8, "pool_size": 4} if task == "cyclegan" else {}
config = TrainConfig.from_profile("smoke", task=task, device="cpu", steps=4, accumulate=2, batch_size=2,
                                  log_every=2, sample_every=100, checkpoint_every=100, ema_decay=0.0, **options)
trainer = Trainer(config, out, progress=False).fit()
worst = 0.0
for name, network in trainer.networks.items():
    for key, parameter in network.named_parameters():
        gathered = [torch.zeros_like(parameter) for _ in range(dist.get_world_size())]
        dist.all_gather(gathered, parameter.detach().contiguous())
        worst = max(worst, max(float((g - gathered[0]).abs().max()) for g in gathered))
if dist.get_rank() == 0:
    print(f"MAX_PARAMETER_DIFFERENCE {task} {worst!r} STEP {trainer.step}", flush=True)
trainer.release_distributed()
cleanup_distributed()
'''


def test_every_parameter_equal_across_processes_after_accumulation(tmp_path):
    "pix2pix (G(x) shared between D's and G's phase) and CycleGAN, accumulate=2, 4 steps: max difference 0."
    script = tmp_path / "check.py"
    script.write_text(PARAMETER_CHECK)
    for task in ("pix2pix", "cyclegan"):
        result = torchrun(task, str(tmp_path / task), module=(str(script),))
        assert result.returncode == 0, (result.stdout[-2000:], result.stderr[-3000:])
        line = next(line for line in result.stdout.splitlines() if line.startswith("MAX_PARAMETER_DIFFERENCE"))
        _, name, difference, _, step = line.split()
        assert (name, float(difference), int(step)) == (task, 0.0, 4), line
