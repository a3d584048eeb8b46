#!/usr/bin/env python3
"""Time `medgan train` in a profile and measure what it learned; writes benchmarks/results/train.json.

    python benchmarks/train_benchmark.py [--profile classroom] [--model dcgan] [--data ct-phantom] [--n 512]

Target (issue 6): the classroom profile finishes on 2 CPU cores in minutes, and its samples are closer to held-out
real images than an untrained generator's by a wide margin, in Fréchet distance on the workbench encoder's
features (not Inception FID). The run is a real `medgan train` subprocess, as a student would start it. On a
shared machine the wall-clock time says as much about the neighbours as about the code, so the CPU time of the
training process (user + system, all threads) is recorded too.
"""
import argparse
import platform
import resource
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

import torch

from medgan_nb.core import RunDir, write_json
from medgan_nb.runs import frechet_report

REPO = Path(__file__).resolve().parent.parent


def main() -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="classroom")
    parser.add_argument("--model", default="dcgan")
    parser.add_argument("--data", default="ct-phantom")
    parser.add_argument("--n", type=int, default=512, help="images per set for the Fréchet distances")
    parser.add_argument("--out", default=str(REPO / "benchmarks" / "results" / "train.json"))
    args = parser.parse_args()
    run = Path(tempfile.mkdtemp()) / "run"
    command = [sys.executable, "-m", "medgan_nb", "train", "--task", "synthesis", "--model", args.model,
               "--data", args.data, "--profile", args.profile, "--out", str(run), "--no-progress"]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(command, cwd=REPO, check=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    records, _ = RunDir(run).read_metrics()
    rates = [r["img_per_s"] for r in records if "img_per_s" in r]
    report = frechet_report(run, n=args.n)
    result = {
        "benchmark": "medgan train (synthesis) + Fréchet distance on the workbench encoder",
        "command": " ".join(command[1:]).replace(str(run), "RUN"),
        **{key: report[key] for key in ("profile", "model", "data", "steps", "n")},
        "wall_minutes": round(wall / 60, 2),
        "cpu_minutes": round((after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime) / 60, 2),
        "median_img_per_s": sorted(rates)[len(rates) // 2] if rates else None,
        "fd_trained": round(report["fd_trained"], 3), "fd_untrained": round(report["fd_untrained"], 3),
        "fd_real_vs_real": round(report["fd_real"], 3),
        "untrained_over_trained": round(report["fd_untrained"] / max(report["fd_trained"], 1e-12), 1),
        "machine": {"python": platform.python_version(), "torch": torch.__version__, "cpus": __import__("os").cpu_count(),
                    "processor": platform.processor() or platform.machine()},
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
    write_json(args.out, result)
    print(result)
    return result


if __name__ == "__main__":
    main()
