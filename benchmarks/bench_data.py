"""Speed of making and feeding datasets (medgan_nb.phantoms, medgan_nb.data); writes benchmarks/results/data.json.

Targets (issue 5), on 2 CPU cores at 128 x 128: low-dose CT pairs generated from scratch (phantom, projection,
photon noise, two FBP reconstructions) at >= 50 pairs/s, and a cached dataset fed through a `DataLoader`
(batch 64, shuffled, main process) at >= 1,000 images/s. Also measured: the same with the default `Augment()`, in the
main process and with 2 DataLoader workers (each worker runs torch on one thread).

Each figure is the best of `--repeats` runs after a warm-up (new subjects every run, so nothing is reused but the
projection matrices the physics module caches per geometry, as in real use). Beside the wall-clock rate, the same
work per CPU-second of this process is given (`*_per_cpu_s`): the machine these figures come from is shared with
other jobs, and CPU time is less sensitive to them (with 2 threads it can exceed the wall time).

    python benchmarks/bench_data.py [--threads 2] [--size 128] [--n 128] [--repeats 3]
"""
from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

import torch

from medgan_nb.core import write_json
from medgan_nb.data import Augment, make_dataset
from medgan_nb.phantoms import brain_phantom_batch, ct_phantom_batch

RESULTS = Path(__file__).resolve().parent / "results" / "data.json"


def best_rate(function, items: int, repeats: int) -> tuple[float, float]:
    "Best items per wall-second and per CPU-second of `function(repeat)` over `repeats` runs, after one warm-up."
    function(-1)
    best_wall = best_cpu = float("inf")
    for repeat in range(repeats):
        start, start_cpu = time.perf_counter(), time.process_time()
        function(repeat)
        best_wall = min(best_wall, time.perf_counter() - start)
        best_cpu = min(best_cpu, time.process_time() - start_cpu)
    return items / best_wall, items / best_cpu


def loader_rate(dataset, epochs: int, batch_size: int = 64, workers: int = 0) -> float:
    "Images per second a shuffled DataLoader delivers from `dataset` over `epochs` passes (after one warm-up pass)."
    options = {"num_workers": workers, "persistent_workers": True} if workers else {}
    loader = dataset.loader(batch_size=batch_size, shuffle=True, **options)
    for _ in loader:
        pass
    seen, start = 0, time.perf_counter()
    for _ in range(epochs):
        for batch in loader:
            seen += len(next(iter(batch.values())))
    return seen / (time.perf_counter() - start)


def main() -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--size", type=int, default=128)
    parser.add_argument("--n", type=int, default=128, help="images per timed run")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--loader-n", type=int, default=2048, help="images in the cached dataset fed to the DataLoader")
    parser.add_argument("--out", default=str(RESULTS))
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    size, n = args.size, args.n
    rates = {
        "ct_phantoms_per_s": best_rate(lambda r: ct_phantom_batch(n, size, seed=100 + r), n, args.repeats),
        "brain_phantoms_per_s": best_rate(lambda r: brain_phantom_batch(n, size, seed=100 + r), n, args.repeats),
    }
    for kind in ("ldct-pairs", "mri-pairs", "sr-pairs"):
        rates[f"{kind.replace('-', '_')}_per_s"] = best_rate(
            lambda r: make_dataset(kind, n, size, seed=100 + r, cache=False), n, args.repeats)
    for key, (wall, cpu) in rates.items():
        print(f"{key:<28} {wall:8.1f} /s   ({cpu:8.1f} per CPU-second)")
    with tempfile.TemporaryDirectory() as cache_dir:
        start = time.perf_counter()
        make_dataset("ct-phantom", args.loader_n, size, seed=0, cache_dir=cache_dir)
        build_seconds = time.perf_counter() - start
        start = time.perf_counter()
        cached = make_dataset("ct-phantom", args.loader_n, size, seed=0, cache_dir=cache_dir)
        load_seconds = time.perf_counter() - start
        plain = loader_rate(cached, epochs=3)
        augmented = loader_rate(cached.with_augment(Augment()), epochs=1)
        augmented_workers = loader_rate(cached.with_augment(Augment()), epochs=2, workers=2)
    print(f"cached dataset: {args.loader_n} images built in {build_seconds:.1f} s, loaded in {load_seconds * 1000:.0f} ms; "
          f"DataLoader {plain:,.0f} images/s; with Augment() {augmented:,.0f} images/s in the main process, "
          f"{augmented_workers:,.0f} with 2 workers")
    result = {
        "benchmark": "data", "time": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "threads": args.threads, "cpu_count": os.cpu_count(), "machine": platform.machine(),
        "torch": torch.__version__, "size": size, "n_per_run": n, "repeats": args.repeats,
        "load_average_1min": os.getloadavg()[0] if hasattr(os, "getloadavg") else None,
        **{key: round(wall, 1) for key, (wall, _) in rates.items()},
        **{key.replace("_per_s", "_per_cpu_s"): round(cpu, 1) for key, (_, cpu) in rates.items()},
        "cached_dataset_images": args.loader_n, "cache_build_seconds": round(build_seconds, 2),
        "cache_load_seconds": round(load_seconds, 3), "loader_images_per_s": round(plain),
        "loader_augmented_images_per_s": round(augmented), "loader_augmented_2_workers_images_per_s": round(augmented_workers),
        "target_ldct_pairs_per_s": 50, "target_loader_images_per_s": 1000,
        "meets_ldct_target": rates["ldct_pairs_per_s"][0] >= 50, "meets_loader_target": plain >= 1000,
    }
    write_json(args.out, result)
    print(f"wrote {args.out}")
    return result


if __name__ == "__main__":
    main()
