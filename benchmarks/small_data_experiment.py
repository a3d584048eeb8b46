#!/usr/bin/env python3
"""The small-data experiment of tutorial 21: plain DCGAN vs DiffAugment vs ADA on 64 training phantoms.

    python benchmarks/small_data_experiment.py                    # classroom: 3 arms x seeds 0,1,2, 64 px, 300 steps
    python benchmarks/small_data_experiment.py --seeds 0,1,2,3,4 --out /tmp/five.json   # more seeds, elsewhere
    python benchmarks/small_data_experiment.py --smoke            # the smoke-size companion the notebook re-runs

Writes benchmarks/results/small_data_classroom.json (or small_data_smoke.json with --smoke): settings, provenance
(commit, uncommitted library files, host, torch, load), every run's monitor curves and Fréchet distances, and the
per-arm summaries and paired differences with 95% t-intervals. Runs go to a new folder under --runs-dir; a
results file that exists is only replaced with --force.
"""
import argparse
import os
import time
from pathlib import Path

from medgan_nb.small_data import SMALL_DATA_ARMS, run_small_data_experiment

RESULTS = Path(__file__).parent / "results"

# every arm shares these; the arms differ only in their switches (medgan_nb.small_data.SMALL_DATA_ARMS)
CLASSROOM = {"profile": "classroom", "fd_n": 256, "final_steps": 50,
             "settings": {"n_train": 64, "ada_speed_images": 2000, "num_threads": 1, "sample_every": 300}}
SMOKE = {"profile": "smoke", "fd_n": 32, "final_steps": 20,
         "settings": {"n_train": 64, "steps": 60, "log_every": 5, "ada_speed_images": 500, "sample_every": 1000,
                      "checkpoint_every": 1000}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="the smoke-size companion (seconds per run)")
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--arms", default=",".join(SMALL_DATA_ARMS))
    parser.add_argument("--workers", type=int, default=None, help="processes (default: 2 classroom, 1 smoke)")
    parser.add_argument("--steps", type=int, default=None, help="override the profile's steps (say why in --note)")
    parser.add_argument("--image-size", type=int, default=None)
    parser.add_argument("--note", default="")
    parser.add_argument("--out", default=None, help="results JSON (default: benchmarks/results/small_data_PROFILE.json)")
    parser.add_argument("--runs-dir", default=None, help="folder for the runs (default: runs/small-data-PROFILE-TIME)")
    parser.add_argument("--force", action="store_true", help="replace an existing results file")
    args = parser.parse_args()
    plan = SMOKE if args.smoke else CLASSROOM
    settings = dict(plan["settings"])
    if args.steps:
        settings["steps"] = args.steps
    if args.image_size:
        settings["image_size"] = args.image_size
    out = Path(args.out or RESULTS / f"small_data_{plan['profile']}.json")
    if out.exists() and not args.force:
        raise SystemExit(f"{out} exists: pass --force to replace it, or --out another file.")
    runs_dir = Path(args.runs_dir or Path("runs") / f"small-data-{plan['profile']}-{time.strftime('%Y%m%d-%H%M%S')}")
    workers = args.workers or (1 if args.smoke else 2)
    result = run_small_data_experiment(out, runs_dir, seeds=tuple(int(s) for s in args.seeds.split(",")),
                                       arms=tuple(args.arms.split(",")), profile=plan["profile"], fd_n=plan["fd_n"],
                                       final_steps=plan["final_steps"], workers=workers, note=args.note, **settings)
    for arm, metrics in result["summary"].items():
        print(f"{arm:>11}: d_gap {metrics['d_gap']['estimate']:.3f} [{metrics['d_gap']['low']:.3f}, "
              f"{metrics['d_gap']['high']:.3f}]" + (f", FD {metrics['fd']['estimate']:.1f} [{metrics['fd']['low']:.1f}, "
                                                   f"{metrics['fd']['high']:.1f}]" if "fd" in metrics else ""))
    print(f"wrote {out} in {result['wall_seconds']:.0f} s (load average {os.getloadavg()[0]:.1f})")


if __name__ == "__main__":
    main()
