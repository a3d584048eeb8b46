#!/usr/bin/env python3
"""Speed of the degradation models in medgan_nb.physics; writes benchmarks/results/physics.json.

    python benchmarks/physics_benchmark.py [--threads 2] [--size 128] [--batch 64] [--device cpu]

Target (issue 5): >= 50 low-dose CT pairs per second at 128x128 on 2 CPU cores, batched. Projector matrices are
built once (cached) before timing, as they are in a data pipeline. The best of several repeats is reported, since
other processes on a shared machine only ever slow a run down. On a busy machine the wall-clock rate says more about
the neighbours than about the code, so the CPU time (all threads, `time.process_time`) is recorded too: one idle
core delivers at least `items / cpu_seconds` per second.
"""
import argparse
import os
import platform
import time
from datetime import datetime, timezone
from pathlib import Path

import torch

from medgan_nb.core import get_device, write_json
from medgan_nb.physics import (degrade_super_resolution, simulate_ct_pair, simulate_low_dose_ct, undersample_mri)


def best_rate(function, items: int, repeats: int, device: torch.device) -> tuple[float, float]:
    "Items per wall-clock second and per CPU second of `function()` (best of `repeats`, after one warm-up call)."
    function()
    best_wall = best_cpu = float("inf")
    for _ in range(repeats):
        if device.type == "cuda": torch.cuda.synchronize()
        start, start_cpu = time.perf_counter(), time.process_time()
        function()
        if device.type == "cuda": torch.cuda.synchronize()
        best_wall = min(best_wall, time.perf_counter() - start)
        best_cpu = min(best_cpu, time.process_time() - start_cpu)
    return items / best_wall, items / best_cpu


def main() -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--size", type=int, default=128)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--out", default=str(Path(__file__).parent / "results" / "physics.json"))
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    device = get_device(args.device)
    size, batch = args.size, args.batch
    coordinate = torch.arange(size) - (size - 1) / 2
    radius = (coordinate[:, None] ** 2 + coordinate[None, :] ** 2).sqrt()
    hu = torch.where(radius < 0.4 * size, 40.0, -1000.0).expand(batch, 1, size, size).contiguous().to(device)
    image = ((hu + 1000) / 1100).clamp(0, 1)
    generator = torch.Generator(device=device).manual_seed(0)
    rates = {
        "ct_low_dose_images_per_s": best_rate(lambda: simulate_low_dose_ct(hu, generator=generator), batch,
                                              args.repeats, device),
        "ct_pairs_per_s": best_rate(lambda: simulate_ct_pair(hu, generator=generator), batch, args.repeats, device),
        "mri_r4_images_per_s": best_rate(lambda: undersample_mri(image, 4, noise_std=0.01, generator=generator), batch,
                                         args.repeats, device),
        "sr_x4_images_per_s": best_rate(lambda: degrade_super_resolution(image, 4, noise_std=0.01,
                                                                         generator=generator), batch, args.repeats, device),
    }
    result = {
        "benchmark": "physics", "time": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "device": str(device), "threads": args.threads, "cpu_count": os.cpu_count(), "machine": platform.machine(),
        "torch": torch.__version__, "size": size, "batch": batch, "repeats": args.repeats,
        "load_average_1min": os.getloadavg()[0] if hasattr(os, "getloadavg") else None,
        **{key: round(wall, 1) for key, (wall, _) in rates.items()},
        **{key.replace("_per_s", "_per_cpu_s"): round(cpu, 1) for key, (_, cpu) in rates.items()},
        "target_ct_pairs_per_s": 50, "meets_target": rates["ct_pairs_per_s"][0] >= 50,
        "meets_target_on_one_idle_core": rates["ct_pairs_per_s"][1] >= 50,
    }
    write_json(args.out, result)
    print(result)
    return result


if __name__ == "__main__":
    main()
