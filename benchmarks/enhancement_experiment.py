#!/usr/bin/env python3
"""The multi-seed enhancement experiment of tutorial 31 (pix2pix vs the pixel-loss U-Net vs classical baselines).

    python benchmarks/enhancement_experiment.py                              # ldct, classroom settings, 5 seeds
    python benchmarks/enhancement_experiment.py --tasks sr4,mri4 --out /tmp/a.json   # a part (e.g. in parallel)
    python benchmarks/enhancement_experiment.py --budgets 150,2400 --out /tmp/curve.json   # the budget curve (ldct)
    python benchmarks/enhancement_experiment.py --merge /tmp/a.json /tmp/b.json --out /tmp/all.json   # join parts

Writes the results (settings, provenance, tuning, per-run metrics, hierarchical-bootstrap summaries, paired
differences, spectra, timings) and an .npz of example images beside them, by default into a new folder under
runs/; the shipped files in benchmarks/results/ change only when --out names them.
"""
import argparse
import json
import os
import time
from pathlib import Path

import numpy as np
import torch

from medgan_nb.core import write_json
from medgan_nb.enhance import LEARNING_RATES, run_budget_curve, run_enhancement_experiment, save_example_images


def merge(parts: list[Path], out: Path) -> dict:
    "Join the task results of several runs with identical settings (except their task lists) into `out` (+ .npz)."
    results, examples = None, {}
    for part in parts:
        data = json.loads(part.read_text())
        if results is None:
            results = data
        else:
            mine = {k: v for k, v in results["settings"].items() if k not in ("tasks", "started")}
            theirs = {k: v for k, v in data["settings"].items() if k not in ("tasks", "started")}
            if mine != theirs:
                raise SystemExit(f"{part}: settings differ from the first part: {theirs} vs {mine}")
            results["tasks"].update(data["tasks"])
            results["settings"]["tasks"] += data["settings"]["tasks"]
        if part.with_suffix(".npz").is_file():
            examples.update(dict(np.load(part.with_suffix(".npz"))))
    write_json(out, results)
    save_example_images(out.with_suffix(".npz"), {key: value for key, value in examples.items() if key != "SYNTHETIC"})
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", default="ldct")
    parser.add_argument("--seeds", default="0,1,2,3,4")
    parser.add_argument("--steps", type=int, default=600, help="the training budget (the schedule's length)")
    parser.add_argument("--size", type=int, default=64)
    parser.add_argument("--n-train", type=int, default=256)
    parser.add_argument("--n-test", type=int, default=48)
    parser.add_argument("--n-val", type=int, default=16)
    parser.add_argument("--base-channels", type=int, default=8)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--amp", default="none")
    parser.add_argument("--learning-rates", default=",".join(f"{rate:g}" for rate in LEARNING_RATES),
                        help="the networks' tuning grid (lr_g = lr_d), scored on validation at half and all of --steps")
    parser.add_argument("--train-lesion-fraction", type=float, default=None)
    parser.add_argument("--budgets", default=None, help="run the budget curve instead, at these steps (first task)")
    parser.add_argument("--curve-rates", default=None, help="pixel,pix2pix learning rates of the budget curve")
    parser.add_argument("--profile", default="classroom")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--out", default=None, help="results JSON (default: a new folder under runs/)")
    parser.add_argument("--merge", nargs="+", type=Path, help="join these result files into --out and stop")
    args = parser.parse_args()
    name = "enhancement_budget.json" if args.budgets else f"enhancement_{args.profile}.json"
    args.out = args.out or str(Path("runs") / f"enhancement-{time.strftime('%Y%m%d-%H%M%S')}" / name)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    if args.merge:
        merge(args.merge, Path(args.out))
        return
    torch.set_num_threads(args.threads)
    recipe = {"base_channels": args.base_channels, "batch_size": args.batch_size, "amp": args.amp,
              "num_threads": args.threads}
    seeds = tuple(int(s) for s in args.seeds.split(","))
    if args.budgets:
        rates = dict(zip(("pixel", "pix2pix"), (float(r) for r in args.curve_rates.split(",")))) if args.curve_rates else None
        run_budget_curve(args.tasks.split(",")[0], tuple(int(b) for b in args.budgets.split(",")), seeds, rates,
                         args.size, args.n_train, args.n_test, args.profile, args.out, **recipe)
    else:
        run_enhancement_experiment(args.tasks.split(","), seeds, args.steps, args.size, args.n_train, args.n_test,
                                   args.n_val, args.profile, args.out,
                                   learning_rates=tuple(float(r) for r in args.learning_rates.split(",")),
                                   train_lesion_fraction=args.train_lesion_fraction, **recipe)
    print(f"wrote {args.out} (load average {os.getloadavg()[0]:.1f})")


if __name__ == "__main__":
    main()
