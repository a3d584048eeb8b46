#!/usr/bin/env python3
"""The segmentation experiment of tutorial 32: U-Net vs adversarial segmentation (PatchGAN critic) vs SegAN.

    python benchmarks/segmentation_experiment.py                       # classroom: 10/30/100/512 images x 5 seeds
    python benchmarks/segmentation_experiment.py --smoke               # the smoke-size grid the tutorial re-runs
    python benchmarks/segmentation_experiment.py --out benchmarks/results/segmentation_classroom.json
    python benchmarks/segmentation_experiment.py --kind ct-lesion-seg --out benchmarks/results/lesion_segmentation_classroom.json
    python benchmarks/segmentation_experiment.py --sizes 512 --steps 1200 \
        --reuse-rates benchmarks/results/segmentation_classroom.json --out benchmarks/results/segmentation_1200_steps.json

Each method gets the same learning-rate search on validation data, then every method x size x seed is trained
and scored on one fixed test set. Results go by default into a new folder under runs/; the shipped files in
benchmarks/results/ change only when --out names them.
"""
import argparse
import json
import time
from pathlib import Path

from medgan_nb.segment import run_segmentation_experiment

SMOKE = {"sizes": (10,), "seeds": (0, 1), "steps": 120, "image_size": 32}
"The smoke-size grid (seconds): what `32_segmentation` re-runs to check the stored smoke results."


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10,30,100,512")
    parser.add_argument("--seeds", default="0,1,2,3,4")
    parser.add_argument("--steps", type=int, default=400)
    parser.add_argument("--kind", default="ct-organ-seg", help="ct-organ-seg, ct-lesion-seg or brain-tissue-seg")
    parser.add_argument("--learning-rates", default=None, help="the tuning grid (default: TUNED_LEARNING_RATES)")
    parser.add_argument("--reuse-rates", type=Path, default=None, help="skip tuning: the rates a results file chose")
    parser.add_argument("--workers", type=int, default=2, help="processes, one torch thread each")
    parser.add_argument("--smoke", action="store_true", help="the smoke-size grid (overrides sizes, seeds, steps)")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    settings = dict(SMOKE) if args.smoke else {"sizes": tuple(int(v) for v in args.sizes.split(",")),
                                               "seeds": tuple(int(v) for v in args.seeds.split(",")), "steps": args.steps}
    out = args.out or Path("runs") / time.strftime("segmentation-%Y%m%d-%H%M%S") / "results.json"
    if args.learning_rates:
        settings["learning_rates"] = tuple(float(v) for v in args.learning_rates.split(","))
    if args.reuse_rates:
        settings["chosen_rates"] = json.loads(args.reuse_rates.read_text())["learning_rates"]
    results = run_segmentation_experiment(**settings, kind=args.kind, workers=args.workers, out=out)
    print(f"wrote {out} ({results['seconds']:.0f} s); learning rates {results['learning_rates']}")


if __name__ == "__main__":
    main()
