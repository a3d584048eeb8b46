"""Checks of the enhancement benchmark scripts that do not fit a notebook: the pix2pix speed benchmark's old script
(now a wrapper of `medgan bench`) runs and writes its JSON, the optimised step computes the reference's step, and
experiment parts merge."""
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import torch

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "benchmarks"))

import enhancement_experiment  # noqa: E402
from medgan_nb import bench  # noqa: E402


def test_pix2pix_benchmark_writes_json(tmp_path):
    out = tmp_path / "speed.json"
    subprocess.run([sys.executable, str(REPO / "benchmarks" / "bench_pix2pix.py"), "--models", "pix2pix", "--size", "32",
                    "--batch", "2", "--repeats", "1", "--steps-per-repeat", "1", "--quality-steps", "1",
                    "--quality-seeds", "2", "--threads", "1", "--peak-repeats", "1", "--out", str(out)],
                   check=True, capture_output=True, timeout=600)
    result = json.loads(out.read_text())
    timing = result["pix2pix"]["wall_1_threads"]
    assert timing["reference"]["images_per_s"] > 0 and timing["optimised"]["images_per_s"] > 0
    assert set(timing["speedup_vs_reference"]) >= {"optimised", "trainer"}
    assert result["pix2pix"]["conv_gflop_per_step"] > 0 and result["peak_conv_gflops"]["wall_fp32"] > 0
    assert isinstance(result["quality_check"]["no_loss_in_quality"], bool) and len(result["quality_check"]["runs"]["optimised"]) == 2


def test_optimised_step_is_the_reference_step():
    "In fp32, fused Adam and channels-last change the arithmetic order only: the same losses and the same weights."
    nets = bench.build_pix2pix(32, seed=0)
    generator = torch.Generator().manual_seed(1)
    real_a, real_b = (torch.rand(2, 1, 32, 32, generator=generator) * 2 - 1 for _ in range(2))
    results = {}
    for name, options in (("reference", set()), ("optimised", {"fused_adam", "channels_last"})):
        step = bench.Pix2PixStep(nets, options)
        torch.manual_seed(0)  # the same dropout masks
        losses = [step(real_a, real_b) for _ in range(3)]
        results[name] = (losses, step.predict(real_a))
    for reference, optimised in zip(results["reference"][0], results["optimised"][0]):
        for key in reference:
            assert torch.allclose(reference[key], optimised[key], rtol=1e-3, atol=1e-4), key
    assert torch.allclose(results["reference"][1], results["optimised"][1], atol=2e-3)


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
