#!/usr/bin/env python3
"""Training speed of pix2pix (U-Net + PatchGAN) and CycleGAN (ResNet) steps: now the `medgan bench` command.

    medgan bench                      # both models, 2 threads, CPU; writes benchmarks/results/pix2pix_speed.json
    medgan bench --options bf16,fused_adam --models pix2pix --repeats 9 --quality-steps 60
    medgan bench --device cuda --options channels_last,fused_adam,bf16,compile

It times the reference-order training step (the baseline) against the step users train with, `Trainer.train_step`
of the registered task, with the speed-ups of --options as its TrainConfig settings. The code and what it measures
are in nbs/15_bench.ipynb (medgan_nb.bench). This script is kept for old instructions:
`python benchmarks/bench_pix2pix.py ARGS` runs `medgan bench ARGS`, writing next to itself unless --out is given.
"""
import sys
from pathlib import Path

from medgan_nb.cli import main

if __name__ == "__main__":
    arguments = sys.argv[1:]
    if not any(argument == "--out" or argument.startswith("--out=") for argument in arguments):
        arguments += ["--out", str(Path(__file__).resolve().parent / "results" / "pix2pix_speed.json")]
    raise SystemExit(main(["bench", *arguments]))
