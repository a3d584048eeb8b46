#!/usr/bin/env python3
"""Why the U-Net misses Dice 0.90 at the classroom budget: the experiment's failing run (U-Net, 512 images, seed 2,
its tuned learning rate, one thread as in the experiment's workers) at 400 steps, and again at 1200 steps. Writes
benchmarks/results/segmentation_budget_check.json (or --out)."""
import json
import argparse
from pathlib import Path

import numpy as np
import torch

from medgan_nb.core import write_json
from medgan_nb.segment import evaluate_segmenter, segmentation_splits, train_segmenter, training_subset
from medgan_nb.small_data import provenance


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", default="400,1200")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "segmentation_budget_check.json")
    args = parser.parse_args()
    torch.set_num_threads(1)
    lr = json.loads((Path(__file__).parent / "results" / "segmentation_classroom.json").read_text())["learning_rates"]["unet-seg"]
    splits = segmentation_splits()
    train = training_subset(splits["pool"], 512, seed=2)
    runs = []
    for steps in (int(value) for value in args.steps.split(",")):
        trainer = train_segmenter("unet-seg", train, seed=2, lr=lr, steps=steps)
        scores = evaluate_segmenter(trainer.networks["S"], splits["test"])
        organ_dice = np.nanmean(np.asarray(scores["dice"], dtype=float), axis=0).round(4).tolist()
        runs.append({"method": "unet-seg", "n_train": 512, "seed": 2, "lr": lr, "threads": 1, "steps": steps, "organ_dice": organ_dice})
        print(runs[-1])
    write_json(args.out, {"experiment": "segmentation_budget_check", "segments": splits["test"].meta["segments"],
                          "runs": runs, "provenance": provenance()})


if __name__ == "__main__":
    main()
