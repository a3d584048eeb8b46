"""How much the training dashboard slows training, and how fast its Stop button ends it.

Overhead: the same training (a whole classroom run by default: 300 steps of a 64 x 64 DCGAN on CT phantoms, with
the profile's sample and checkpoint files) run in this one process without and with a
`TrainingDashboard` that draws as if a browser were watching (`live=True`: text at 5 Hz, plots at most once a
second and sample grids at most every 5 s, within its 2 % CPU budget). Both runs train in a background thread, as
the dashboard does. Runs alternate A B B A ... so that drifts in the machine's load hit both sides; the figure is
the median over pairs of (with - without) / without, beside the same with process CPU time and two measures of the
dashboard's own work that other jobs on the machine hardly disturb: CPU time of its follower thread and time the
training thread spent in its callback, as fractions of the training time.

Stop latency: a long run with a dashboard; after some steps the Stop button is clicked (`button.click()`, what a
browser click triggers in the kernel) and we measure the time until the training thread has ended.

    python benchmarks/bench_dashboard.py [--profile classroom] [--steps 300] [--pairs 5] [--stops 5]

Writes benchmarks/results/dashboard_overhead.json.
"""
from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # idle OpenMP threads sleep: process CPU time means work
import torch  # noqa: E402

from medgan_nb.core import load_settings, write_json  # noqa: E402
from medgan_nb.dashboard import TrainingDashboard  # noqa: E402
from medgan_nb.train import TrainConfig, Trainer  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results" / "dashboard_overhead.json"


def make_trainer(profile: str, steps: int, folder: Path, name: str) -> Trainer:
    "A fresh DCGAN synthesis trainer in `profile` (its sample and checkpoint files), with no text progress bar."
    config = TrainConfig.from_profile(profile, task="synthesis", model="dcgan", steps=steps)
    return Trainer(config, folder / name, progress=False)


def run_without(trainer: Trainer, steps: int) -> tuple[float, float]:
    "Train in a background thread with no dashboard; return wall and process CPU seconds."
    thread = threading.Thread(target=trainer.fit, args=(steps,), daemon=True)
    started, cpu_started = time.perf_counter(), time.process_time()
    thread.start()
    thread.join()
    return time.perf_counter() - started, time.process_time() - cpu_started


def run_with(trainer: Trainer, steps: int) -> tuple[float, float, TrainingDashboard]:
    "Train with a live dashboard (drawing as if watched); return wall and process CPU seconds, and the dashboard."
    dashboard = TrainingDashboard(trainer, live=True)
    started, cpu_started = time.perf_counter(), time.process_time()
    dashboard.start(steps)
    dashboard.source.thread.join()
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    dashboard.wait(30)
    return elapsed, cpu, dashboard


def measure_overhead(profile: str, steps: int, pairs: int, folder: Path) -> dict:
    run_without(make_trainer(profile, steps, folder, "warmup"), steps)  # first-run costs: allocator, kernels
    run_with(make_trainer(profile, steps, folder, "warmup-dashboard"), steps)[2].close()  # font cache, widgets
    without, with_, cpu_without, cpu_with, follower_cpu, callback = [], [], [], [], [], []
    plots = samples = 0
    for pair in range(pairs):
        order = ("without", "with") if pair % 2 == 0 else ("with", "without")
        for kind in order:
            trainer = make_trainer(profile, steps, folder, f"{kind}-{pair}")
            if kind == "without":
                elapsed, cpu = run_without(trainer, steps)
                without.append(elapsed)
                cpu_without.append(cpu)
            else:
                elapsed, cpu, dashboard = run_with(trainer, steps)
                with_.append(elapsed)
                cpu_with.append(cpu)
                follower_cpu.append(dashboard.follower_cpu_seconds / elapsed)
                callback.append(dashboard.source.callback_seconds / elapsed)
                plots, samples = plots + dashboard.updates["plot"], samples + dashboard.updates["sample"]
                dashboard.close()
        print(f"pair {pair}: without {without[-1]:.2f} s, with {with_[-1]:.2f} s "
              f"({(with_[-1] - without[-1]) / without[-1] * 100:+.1f} %)", flush=True)
    ratios = [(w - o) / o for w, o in zip(with_, without)]
    return {
        "overhead_percent_median": round(statistics.median(ratios) * 100, 2),
        "overhead_percent_pairs": [round(r * 100, 2) for r in ratios],
        "overhead_percent_of_medians": round((statistics.median(with_) / statistics.median(without) - 1) * 100, 2),
        "cpu_overhead_percent_median": round(statistics.median(
            (w - o) / o for w, o in zip(cpu_with, cpu_without)) * 100, 2),
        "seconds_without": [round(t, 3) for t in without],
        "seconds_with": [round(t, 3) for t in with_],
        "follower_cpu_percent_of_training_time": round(statistics.median(follower_cpu) * 100, 2),
        "callback_percent_of_training_time": round(statistics.median(callback) * 100, 3),
        "plot_updates_per_run": plots / pairs, "sample_updates_per_run": samples / pairs,
    }


def measure_stop_latency(profile: str, trials: int, folder: Path) -> dict:
    latencies, step_seconds = [], []
    for trial in range(trials):
        trainer = make_trainer(profile, 10**6, folder, f"stop-{trial}")
        dashboard = TrainingDashboard(trainer, live=True)
        dashboard.start()
        deadline = time.monotonic() + 120
        while dashboard.history.step < 20 + 7 * trial and time.monotonic() < deadline:  # stop at varied steps
            time.sleep(0.05)
        rate = dashboard.history.steps_per_second
        dashboard.stop_button.click()
        state = dashboard.wait(30)
        assert state == "stopped", f"trial {trial}: the run ended as {state!r}, not 'stopped'"
        latencies.append(dashboard.stop_latency_s)
        if rate:
            step_seconds.append(1 / rate)
        dashboard.close()
        print(f"stop {trial}: {latencies[-1]:.3f} s", flush=True)
    return {"stop_latency_s_max": round(max(latencies), 3), "stop_latency_s_median": round(statistics.median(latencies), 3),
            "stop_latency_s_trials": [round(x, 3) for x in latencies],
            "seconds_per_step_median": round(statistics.median(step_seconds), 3) if step_seconds else None}


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--profile", default="classroom")
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--pairs", type=int, default=5)
    parser.add_argument("--stops", type=int, default=5)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    load_before = os.getloadavg()
    settings = load_settings(args.profile)
    torch.set_num_threads(settings.get("num_threads") or torch.get_num_threads())
    with tempfile.TemporaryDirectory() as folder:
        overhead = measure_overhead(args.profile, args.steps, args.pairs, Path(folder))
        stop = measure_stop_latency(args.profile, args.stops, Path(folder))
    result = {
        "benchmark": "dashboard overhead and Stop latency", "profile": args.profile, "steps_per_run": args.steps,
        "pairs": args.pairs, "torch_threads": torch.get_num_threads(), "python": platform.python_version(),
        "torch": torch.__version__, "machine": platform.machine(), "cpu_count": os.cpu_count(),
        "load_average_before": load_before, "load_average_after": os.getloadavg(),
        "note": "overhead_percent_*: wall clock, with minus without, over without (noisy when other jobs share the "
                "machine: see load_average); cpu_overhead_percent_median: the same with process CPU time; "
                "follower CPU and callback: the dashboard's own work as a fraction of the training time",
        **overhead, **stop,
        "targets": {"overhead_percent_max": 3.0, "stop_latency_s_max": 2.0},
    }
    result["meets_targets"] = (result["overhead_percent_median"] <= 3.0 and result["stop_latency_s_max"] <= 2.0)
    write_json(args.out, result)
    print(f"overhead {result['overhead_percent_median']:+.2f} % (median of {args.pairs} pairs), follower CPU "
          f"{result['follower_cpu_percent_of_training_time']:.2f} %, Stop latency max {result['stop_latency_s_max']:.3f} s"
          f" -> {args.out}")
    return result


if __name__ == "__main__":
    sys.exit(0 if main()["meets_targets"] else 1)
