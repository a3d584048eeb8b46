"""How fast the 2-D GAN playground draws: frames per second on one CPU thread (target: at least 10).

Times `medgan_nb.playground.benchmark_frames`: a D step then a forced frame (D's surface on a 72 x 72 grid, the
points and G's arrows rasterised with numpy/PIL, PNG-encoded, put into the widget), over and over; and, as play
does it, 10 training steps then a frame. No browser: what is timed is the kernel's side of a frame.

    python benchmarks/bench_playground.py [--seconds 6] [--size-px 360]

Writes benchmarks/results/playground.json (with commit, host, torch version and load average).
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

from medgan_nb.playground import benchmark_frames

RESULTS = Path(__file__).resolve().parent / "results" / "playground.json"

if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=6.0)
    parser.add_argument("--size-px", type=int, default=360)
    parser.add_argument("--write", type=Path, default=RESULTS)
    arguments = parser.parse_args()
    results = benchmark_frames(arguments.seconds, arguments.size_px, write=arguments.write)
    print(json.dumps({key: value for key, value in results.items() if key != "provenance"}, indent=1))
    print(f"wrote {arguments.write}")
