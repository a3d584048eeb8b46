"""Checks of the enhancement benchmark scripts that do not fit a notebook: the pix2pix speed benchmark's old script
(now a wrapper of `medgan bench`) runs and writes its JSON, and experiment parts merge. The parity of the benchmark's
steps is tests/test_bench_parity.py."""
import json
import subprocess
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "benchmarks"))

import enhancement_experiment  # noqa: E402


def test_pix2pix_benchmark_writes_json(tmp_path):
    out = tmp_path / "speed.json"
    subprocess.run([sys.executable, str(REPO / "benchmarks" / "bench_pix2pix.py"), "--models", "pix2pix", "--size", "32",
                    "--batch", "2", "--repeats", "1", "--steps-per-repeat", "1", "--quality-steps", "1",
                    "--quality-seeds", "2", "--threads", "1", "--peak-repeats", "1", "--out", str(out)],
                   check=True, capture_output=True, timeout=600)
    result = json.loads(out.read_text())
    timing = result["pix2pix"]["wall_1_threads"]
    assert timing["reference"]["images_per_s"] > 0 and timing["optimised"]["images_per_s"] > 0
    assert set(timing["speedup_vs_reference"]) >= {"optimised"}  # the Trainer's step of the task (tests/test_bench_parity.py)
    assert result["pix2pix"]["conv_gflop_per_step"] > 0 and result["peak_conv_gflops"]["wall_fp32"] > 0
    assert isinstance(result["quality_check"]["no_loss_in_quality"], bool) and len(result["quality_check"]["runs"]["optimised"]) == 2


def test_experiment_parts_merge(tmp_path):
    parts = []
    for index, task in enumerate(("ldct", "sr4")):
        part = tmp_path / f"part{index}.json"
        part.write_text(json.dumps({"settings": {"tasks": [task], "steps": 3, "started": str(index)},
                                    "tasks": {task: {"title": task}}}))
        np.savez(part.with_suffix(".npz"), **{f"{task}/input": np.zeros((1, 1, 4, 4), np.float16)})
        parts.append(part)
    merged = enhancement_experiment.merge(parts, tmp_path / "all.json")
    assert merged["settings"]["tasks"] == ["ldct", "sr4"] and set(merged["tasks"]) == {"ldct", "sr4"}
    assert set(np.load(tmp_path / "all.npz")) == {"ldct/input", "sr4/input", "SYNTHETIC"}  # generated arrays are marked


def test_shipped_results_config_reads():
    "The stored classroom results (written before the task engine, flat config) read as today's TrainConfig."
    from medgan_nb.enhance import ENHANCEMENT_TASKS, load_experiment, saved_train_config
    results, examples = load_experiment(REPO / "benchmarks" / "results" / "enhancement_classroom.json")
    for task in ENHANCEMENT_TASKS:
        config = saved_train_config(results, task)
        assert (config.task, config.steps, config.image_size) == ("pix2pix", results["settings"]["steps"],
                                                                  results["settings"]["size"])
        assert config.options["base_channels"] == results["settings"]["overrides"]["base_channels"]
        assert config.options["l1_weight"] == 100.0 and config.seed == results["settings"]["seeds"][0]
        assert saved_train_config(results, task, "pixel").task == "pixel"
    assert f"{next(iter(ENHANCEMENT_TASKS))}/pix2pix" in examples


def test_tutorial_experiment_is_opt_in_and_leaves_shipped_results():
    "Tutorial 31's experiment cell runs only with RUN_EXPERIMENT = True, and then writes under runs_dir."
    cells = ["".join(cell["source"]) for cell in json.loads((REPO / "nbs" / "31_enhancement.ipynb").read_text())["cells"]
             if cell["cell_type"] == "code"]
    assert any("RUN_EXPERIMENT = False" in source for source in cells)
    running = [source for source in cells if "run_enhancement_experiment(" in source]
    assert len(running) == 1 and "if RUN_EXPERIMENT:" in running[0] and "runs_dir" in running[0]
    body = running[0].split("if RUN_EXPERIMENT:", 1)[1]
    assert body.index("RESULTS = settings.runs_dir") < body.index("run_enhancement_experiment(")
