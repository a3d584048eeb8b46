"""The task engine trains DCGAN (plain and class-conditional) and WGAN-GP to exactly the weights of the trainer it
replaced (commit ad865db, `Trainer.train_step` with its fixed D and G steps): same seed, data and steps."""
import os
import subprocess
import sys
import tarfile
import io
from pathlib import Path

import pytest
import torch

REPO = Path(__file__).resolve().parent.parent
PREVIOUS = "ad865db"  # the last commit before the task engine
SCRIPT = '''
import sys, tempfile, torch
from medgan_nb.train import Trainer, TrainConfig
version, task, out = sys.argv[1], sys.argv[2], sys.argv[3]
settings = dict(steps=12, log_every=4, sample_every=100, checkpoint_every=100, deterministic=True, num_threads=1)
if task == "conditional":
    settings.update(num_classes=3, data="ct-lesion-cls")
if version == "previous":
    kind = "wgan-gp" if task == "wgan-gp" else "dcgan"
    trainer = Trainer(TrainConfig.from_profile("smoke", task="synthesis", model=kind, **settings), tempfile.mkdtemp(),
                      progress=False).fit()
    networks = {"G": trainer.generator_module, "D": trainer.discriminator_module}
else:
    trainer = Trainer(TrainConfig.from_profile("smoke", task="dcgan" if task == "conditional" else task, **settings),
                      tempfile.mkdtemp(), progress=False).fit()
    networks = trainer.networks
torch.save({name: network.state_dict() for name, network in networks.items()}, out)
'''


def previous_package(folder: Path) -> Path:
    "The medgan_nb package and settings.ini of commit PREVIOUS, extracted from git into `folder`."
    archive = subprocess.run(["git", "archive", PREVIOUS, "medgan_nb", "settings.ini"], cwd=REPO, capture_output=True)
    if archive.returncode != 0:
        pytest.skip(f"commit {PREVIOUS} is not in this clone's history (shallow clone?): {archive.stderr[:200]!r}")
    tarfile.open(fileobj=io.BytesIO(archive.stdout)).extractall(folder)
    return folder


@pytest.mark.parametrize("task", ["dcgan", "conditional", "wgan-gp"])
def test_same_weights_as_the_previous_trainer(tmp_path, task):
    old = previous_package(tmp_path / "previous")
    script = tmp_path / "train.py"
    script.write_text(SCRIPT)
    environment = {**os.environ, "OMP_NUM_THREADS": "1", "MPLBACKEND": "Agg", "MEDGAN_SETTINGS": str(REPO / "settings.ini")}
    for version, path in (("previous", old), ("current", REPO)):
        result = subprocess.run([sys.executable, str(script), version, task, str(tmp_path / f"{version}.pt")],
                                cwd=tmp_path, env={**environment, "PYTHONPATH": str(path)}, capture_output=True,
                                text=True, timeout=600)
        assert result.returncode == 0, result.stderr[-2000:]
    previous, current = torch.load(tmp_path / "previous.pt"), torch.load(tmp_path / "current.pt")
    for name in ("G", "D"):
        differences = {key: float((previous[name][key].float() - current[name][key].float()).abs().max())
                       for key in previous[name]}
        assert max(differences.values()) == 0.0, (name, {k: v for k, v in differences.items() if v})
