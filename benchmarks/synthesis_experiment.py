#!/usr/bin/env python3
"""The synthesis experiment of tutorial 33: non-GAN counter-measures vs synthetic minority images for an
imbalanced normal / cyst / metastasis classifier.

    python benchmarks/synthesis_experiment.py                 # classroom: 2 ratios x 5 seeds x every arm
    python benchmarks/synthesis_experiment.py --smoke         # the smoke-size grid the tutorial re-runs
    python benchmarks/synthesis_experiment.py --out benchmarks/results/synthesis_classroom.json

Every arm gets the same learning-rate search on validation data, then every arm x ratio x seed is trained and
scored on one balanced test set. Results go by default into a new folder under runs/; the shipped files in
benchmarks/results/ change only when --out names them.
"""
import argparse
import time
from pathlib import Path

from medgan_nb.synthesis import run_synthesis_experiment

SMOKE = {"ratios": ("95:4:1",), "seeds": (0, 1), "steps": 150, "gan_steps": 100, "image_size": 32, "n_train": 100,
         "shares": (1.0,), "tstr_n": 24, "judge_steps": 150}
"The smoke-size grid (a few minutes; enough steps that a classifier is above chance): what `33_synthesis_augmentation` re-runs to check the stored smoke results."


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ratios", default="95:4:1,80:15:5")
    parser.add_argument("--seeds", default="0,1,2,3,4")
    parser.add_argument("--arms", default=None, help="comma-separated (default: every arm)")
    parser.add_argument("--steps", type=int, default=400, help="classifier steps")
    parser.add_argument("--gan-steps", type=int, default=1500)
    parser.add_argument("--judge-steps", type=int, default=600, help="training steps of the TRTS/fidelity judge")
    parser.add_argument("--kind", default="ct-liver-roi-cls", help="the dataset kind (ct-liver-roi-cls: 64 px liver ROIs; ct-lesion-cls: whole slices)")
    parser.add_argument("--workers", type=int, default=2, help="processes, one torch thread each")
    parser.add_argument("--smoke", action="store_true", help="the smoke-size grid (overrides the sizes above)")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    settings = dict(SMOKE) if args.smoke else {"ratios": tuple(args.ratios.split(",")), "steps": args.steps,
                                               "seeds": tuple(int(v) for v in args.seeds.split(",")),
                                               "gan_steps": args.gan_steps, "judge_steps": args.judge_steps}
    if args.arms:
        settings["arms"] = tuple(args.arms.split(","))
    out = args.out or Path("runs") / time.strftime("synthesis-%Y%m%d-%H%M%S") / "results.json"
    results = run_synthesis_experiment(**settings, kind=args.kind, workers=args.workers, out=out)
    print(f"wrote {out} ({results['seconds']:.0f} s); learning rates {results['learning_rates']}")


if __name__ == "__main__":
    main()
