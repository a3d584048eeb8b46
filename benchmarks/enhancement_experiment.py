#!/usr/bin/env python3
"""The multi-seed enhancement experiment of tutorial 31 (pix2pix vs the pixel-loss U-Net vs classical baselines).

    python benchmarks/enhancement_experiment.py                                  # all tasks, classroom settings
    python benchmarks/enhancement_experiment.py --tasks ldct,mri4 --out /tmp/a.json   # a part (e.g. in parallel)
    python benchmarks/enhancement_experiment.py --merge /tmp/a.json /tmp/b.json        # join parts into --out
    python benchmarks/enhancement_experiment.py --profile full --size 256 --steps 20000 --base-channels 64 \
        --amp bf16                        # the paper-sized run (GPU): writes benchmarks/results/enhancement_full.json

Writes benchmarks/results/enhancement_classroom.json (settings, per-run metrics, summaries with 95% intervals,
pix2pix - pixel differences, spectra, timings) and the .npz of example images beside it; the tutorial reads both.
"""
import argparse
import json
import os
from pathlib import Path

import numpy as np
import torch

from medgan_nb.core import write_json
from medgan_nb.enhance import ENHANCEMENT_TASKS, run_enhancement_experiment, save_example_images

RESULTS = Path(__file__).parent / "results" / "enhancement_classroom.json"


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
    parser.add_argument("--tasks", default=",".join(ENHANCEMENT_TASKS))
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--steps", type=int, default=600)
    parser.add_argument("--size", type=int, default=64)
    parser.add_argument("--n-train", type=int, default=256)
    parser.add_argument("--n-test", type=int, default=48)
    parser.add_argument("--n-val", type=int, default=16)
    parser.add_argument("--base-channels", type=int, default=16)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--amp", default="none")
    parser.add_argument("--lr", type=float, default=5e-4, help="lr_g = lr_d (pix2pix: 2e-4 for 200 epochs; 5e-4 for short runs)")
    parser.add_argument("--profile", default="classroom")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--out", default=None, help="results JSON (default: benchmarks/results/enhancement_PROFILE.json)")
    parser.add_argument("--merge", nargs="+", type=Path, help="join these result files into --out and stop")
    args = parser.parse_args()
    args.out = args.out or str(RESULTS.with_name(f"enhancement_{args.profile}.json"))
    if args.merge:
        merge(args.merge, Path(args.out))
        return
    torch.set_num_threads(args.threads)
    run_enhancement_experiment(args.tasks.split(","), tuple(int(s) for s in args.seeds.split(",")), args.steps,
                               args.size, args.n_train, args.n_test, args.n_val, args.profile, args.out,
                               base_channels=args.base_channels, batch_size=args.batch_size, amp=args.amp,
                               lr_g=args.lr, lr_d=args.lr, num_threads=args.threads)
    print(f"wrote {args.out} (load average {os.getloadavg()[0]:.1f})")


if __name__ == "__main__":
    main()
