"`medgan train` and `medgan sample` as a user meets them: a text progress bar, runs that are never overwritten, safe loading."
import builtins
import json
import pickle
from pathlib import Path

import torch

from medgan_nb.core import RunDir
from medgan_nb.show import is_synthetic_png


def test_train_shows_a_text_progress_bar_and_sample_writes_a_synthetic_png(run_medgan, tmp_path):
    run = tmp_path / "run"
    result = run_medgan("train", "--profile", "smoke", "--out", run, "--steps", "10", "--set", "num_threads=1")
    assert result.returncode == 0, result.stderr[-2000:]
    assert "train: 100%" in result.stderr and "10/10" in result.stderr and "D(G(z))=" in result.stderr
    assert "step 10 of 10" in result.stdout
    assert json.loads((run / "config.json").read_text())["profile"] == "smoke"

    result = run_medgan("sample", run, "--n", "9", "--out", tmp_path / "grid.png")
    assert result.returncode == 0, result.stderr
    assert is_synthetic_png(tmp_path / "grid.png")

    again = run_medgan("train", "--profile", "smoke", "--out", run, "--steps", "10")
    assert again.returncode == 2 and "--resume" in again.stderr and "Traceback" not in again.stderr
    resumed = run_medgan("train", "--out", run, "--steps", "12", "--resume", "--no-progress")
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert "step 12 of 12" in resumed.stdout


class _Marker:
    "Unpickling this object creates a file: a stand-in for any code a pickle can run."
    def __init__(self, path): self.path = path
    def __reduce__(self): return (builtins.open, (self.path, "w"))


def test_a_checkpoint_holding_a_pickle_is_refused_and_runs_nothing(run_medgan, tmp_path):
    run = tmp_path / "run"
    result = run_medgan("train", "--profile", "smoke", "--out", run, "--steps", "2", "--no-progress")
    assert result.returncode == 0, result.stderr[-2000:]
    marker = tmp_path / "marker.txt"
    checkpoint = run / "checkpoints" / "step_0000002.pt"
    state = torch.load(checkpoint, weights_only=True)
    state["ema"]["G"] = _Marker(str(marker))
    torch.save(state, checkpoint)  # the same name: a poisoned file where a good one was
    for command in (("sample", run, "--out", tmp_path / "x.png"), ("train", "--out", run, "--resume", "--steps", "4")):
        result = run_medgan(*command)
        assert result.returncode == 2, (command, result.stderr[-2000:])
        assert "refused" in result.stderr and "Traceback" not in result.stderr
        assert not marker.exists()
    with open(run / "checkpoints" / "step_0000002.pt", "wb") as file:
        pickle.dump(_Marker(str(marker)), file, protocol=2)
    assert run_medgan("sample", run, "--out", tmp_path / "x.png").returncode == 2
    assert not marker.exists()


def test_train_until_a_target_ends_with_target_reached(run_medgan, tmp_path):
    "`medgan train --until` evaluates the target every until_every steps and stops at the first that meets it."
    run = tmp_path / "until"
    result = run_medgan("train", "--profile", "smoke", "--out", run, "--steps", "200", "--until", "dgap<=0.35",
                        "--set", "until_every=5", "--set", "log_every=5", "--set", "num_threads=1", "--no-progress")
    assert result.returncode == 0, result.stderr[-2000:]
    records, _ = RunDir(run).read_metrics()
    evaluations = [(r["step"], r["dgap"]) for r in records if "dgap" in r]
    events = [r for r in records if r.get("event") in ("target_reached", "target_missed")]
    assert events and events[-1]["event"] == "target_reached", evaluations
    first_met = next(step for step, gap in evaluations if gap <= 0.35)
    assert events[-1]["step"] == first_met < 200 and records[-1]["step"] == first_met
    assert json.loads((run / "config.json").read_text())["until"] == "dgap<=0.35"
    bad = run_medgan("train", "--profile", "smoke", "--out", tmp_path / "bad", "--until", "fd < 3")
    assert bad.returncode == 2 and "METRIC<=VALUE" in bad.stderr and "Traceback" not in bad.stderr


def test_cyclegan_and_classifier_train_from_the_command_line(run_medgan, tmp_path):
    for task, extra in (("cyclegan", ["--set", "n_blocks=6", "--set", "base_channels=8", "--set", "batch_size=2"]),
                        ("classifier", [])):
        result = run_medgan("train", "--task", task, "--profile", "smoke", "--out", tmp_path / task, "--steps", "4",
                            "--no-progress", "--set", "num_threads=1", *extra)
        assert result.returncode == 0, result.stderr[-2000:]
        config = json.loads((tmp_path / task / "config.json").read_text())
        assert config["task"] == task and "options" in config
    records, _ = RunDir(tmp_path / "classifier").read_metrics()
    assert any("accuracy" in r and "loss_c" in r for r in records)
