"""Resuming a run whose checkpoints are damaged: a broken `latest` pointer or a corrupt newest file falls back to the
newest readable checkpoint with a `warning` record in metrics.jsonl and a printed line; nothing readable is a
one-line `CheckpointError` (exit 2 from `medgan train --resume`), never a traceback nor a silent fresh start."""
import json
import os
import pickle
import shutil
import subprocess
import sys

import pytest

from medgan_nb.checkpoint import find_checkpoint, load_checkpoint_with_fallback
from medgan_nb.core import CheckpointError
from medgan_nb.train import Trainer

ARGUMENTS = ["--profile", "smoke", "--steps", "4", "--no-progress", "--set", "checkpoint_every=2", "--set", "log_every=2",
             "--set", "sample_every=100", "--set", "keep_checkpoints=0", "--set", "num_threads=1"]


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    "A finished tiny run (`medgan train`, as a user starts it) with checkpoints at steps 2 and 4."
    folder = tmp_path_factory.mktemp("run") / "run"
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "MPLBACKEND": "Agg", "OMP_NUM_THREADS": "1"}
    result = subprocess.run([sys.executable, "-m", "medgan_nb", "train", "--out", str(folder), *ARGUMENTS], env=env,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    steps = sorted(p.name for p in (folder / "checkpoints").glob("step_*.pt"))
    assert steps == ["step_0000002.pt", "step_0000004.pt"], steps
    return folder


@pytest.fixture
def run(trained, tmp_path):
    copy = tmp_path / "run"
    shutil.copytree(trained, copy)
    return copy


def _warnings(folder):
    records = [json.loads(line) for line in (folder / "metrics.jsonl").read_text().splitlines() if line.strip()]
    return [record for record in records if record.get("event") == "warning"]


@pytest.mark.parametrize("pointer", [b"\x80\x04\x95garbage\xff\xfe", pickle.dumps({"step": 4}), None, "dangling"])
def test_a_broken_latest_resumes_from_the_newest_step_file(run, pointer, capsys):
    latest = run / "checkpoints" / "latest"
    latest.unlink()
    if pointer == "dangling":
        latest.symlink_to(run / "checkpoints" / "step_0000009.pt")
    elif pointer is not None:
        latest.write_bytes(pointer)
    before = len(_warnings(run))
    trainer = Trainer.resume(run)
    assert trainer.step == 4 and trainer.last_checkpoint.name == "step_0000004.pt"
    warnings = _warnings(run)[before:]
    assert len(warnings) == 1 and "resuming from step_0000004.pt instead" in warnings[0]["message"]
    assert "latest" in warnings[0]["message"]
    err = capsys.readouterr().err
    assert "medgan: warning:" in err and "step_0000004.pt" in err and "Traceback" not in err


def test_a_truncated_newest_checkpoint_resumes_from_the_previous_one(run, capsys):
    newest = run / "checkpoints" / "step_0000004.pt"
    newest.write_bytes(newest.read_bytes()[: newest.stat().st_size // 3])
    trainer = Trainer.resume(run)
    assert trainer.step == 2 and trainer.last_checkpoint.name == "step_0000002.pt"
    warnings = _warnings(run)
    assert warnings and "step_0000004.pt skipped: not a readable torch checkpoint" in warnings[-1]["message"]
    assert "resuming from step_0000002.pt" in capsys.readouterr().err


def test_nothing_readable_is_one_checkpoint_error(run, run_medgan):
    for path in (run / "checkpoints").glob("step_*.pt"):
        path.write_bytes(b"not a checkpoint")
    (run / "checkpoints" / "latest").write_bytes(b"\xff\xfe\x00")
    with pytest.raises(CheckpointError, match="no readable checkpoint \\(2 tried"):
        load_checkpoint_with_fallback(run)
    result = run_medgan("train", "--resume", "--out", run, "--steps", "6")
    assert result.returncode == 2, result.stderr[-2000:]
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr
    assert str(run / "checkpoints") in lines[0] and "no readable checkpoint" in lines[0]
    assert not (run / "checkpoints" / "step_0000006.pt").exists()   # no silent start from scratch


def test_find_checkpoint_follows_a_good_pointer_and_skips_a_bad_one(run):
    assert find_checkpoint(run).name == "step_0000004.pt"
    (run / "checkpoints" / "latest").write_text("step_0000002.pt\n")
    assert find_checkpoint(run).name == "step_0000002.pt"
    (run / "checkpoints" / "latest").write_text("../../etc/passwd\n")
    assert find_checkpoint(run).name == "step_0000004.pt"
