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
    "The stored classroom results: 5+ seeds, residual U-Nets, the tuned configs per method, provenance, one kind of interval."
    from medgan_nb.enhance import ENHANCEMENT_METHODS, load_experiment, saved_train_config
    results, examples = load_experiment(REPO / "benchmarks" / "results" / "enhancement_classroom.json")
    assert len(results["settings"]["seeds"]) >= 5
    assert {"commit", "host", "torch", "load_average"} <= set(results["provenance"])
    for task in results["settings"]["tasks"]:
        entry = results["tasks"][task]
        for method in ENHANCEMENT_METHODS:
            config = saved_train_config(results, task, method)
            assert (config.task, config.image_size) == (method, results["settings"]["size"])
            assert config.options["residual"] and config.options["l1_weight"] == 100.0
            assert config.lr_g == entry["tuning"][method]["chosen"]["lr"] and config.seed == results["settings"]["seeds"][0]
            assert entry["summary"][method]["psnr"]["method"].startswith("hierarchical bootstrap")
            assert len(entry["tuning"][method]["scores"]) == len(results["settings"]["strengths"])  # same budget
        deterministic = [name for name in entry["summary"] if name not in ENHANCEMENT_METHODS]
        assert deterministic and all("one run" in entry["summary"][name]["psnr"]["method"] for name in deterministic)
        assert f"{task}/pix2pix" in examples


def test_tutorial_experiment_is_opt_in_and_leaves_shipped_results():
    "Tutorial 31's full experiment runs only with RUN_EXPERIMENT = True, and then writes under runs_dir; its smoke re-run writes to a temporary folder."
    cells = ["".join(cell["source"]) for cell in json.loads((REPO / "nbs" / "31_enhancement.ipynb").read_text())["cells"]
             if cell["cell_type"] == "code"]
    assert any("RUN_EXPERIMENT = False" in source for source in cells)
    running = [source for source in cells if "run_enhancement_experiment(" in source]
    full = [source for source in running if "if RUN_EXPERIMENT:" in source]
    assert len(full) == 1 and "runs_dir" in full[0] and "run_budget_curve(" in full[0]
    body = full[0].split("if RUN_EXPERIMENT:", 1)[1]
    assert body.index("settings.runs_dir") < body.index("run_enhancement_experiment(")
    smoke = [source for source in running if source not in full]
    assert len(smoke) == 1 and "tempfile.mkdtemp" in smoke[0] and "SHIPPED" not in smoke[0].split("run_enhancement_experiment(")[1].split(")")[0]


def test_paired_difference_against_a_deterministic_method():
    "A network's runs (seeds) minus a deterministic method's single run, on the same cases: the hierarchical bootstrap."
    from medgan_nb.enhance import paired_difference, summarise_runs
    rng = np.random.default_rng(1)
    base = rng.normal(40, 1, size=30)
    network = [{"psnr": base + 0.5 + rng.normal(0, 0.1, size=30)} for _ in range(5)]
    classical = [{"psnr": base}]
    difference = paired_difference(network, classical, "psnr")
    assert 0.4 < difference.low < 0.5 < difference.high < 0.6 and "seeds" in difference.method
    assert abs(paired_difference(classical, network, "psnr").estimate + difference.estimate) < 1e-9
    assert "one run" in summarise_runs(classical)["psnr"].method


def test_residual_generator_starts_near_its_input():
    "An untrained residual U-Net (the enhancement default) returns nearly its input; the plain one does not."
    import torch
    from medgan_nb.enhance import enhance_images, enhancement_pairs, enhancer_config
    from medgan_nb.metrics import psnr
    from medgan_nb.tasks.pix2pix import pix2pix_generator
    from medgan_nb.tasks.pixel import PixelLossOptions
    pairs = enhancement_pairs("ldct", n=4, size=32, seed=0)
    scores = {}
    for residual in (True, False):
        config = enhancer_config(pairs, "pixel", steps=1, profile="smoke", base_channels=4, residual=residual)
        torch.manual_seed(0)
        generator = pix2pix_generator(config, PixelLossOptions(**config.options))
        scores[residual] = float(psnr(enhance_images(generator, pairs["input"]), pairs["input"]))
    assert scores[True] > 25 > scores[False], scores
