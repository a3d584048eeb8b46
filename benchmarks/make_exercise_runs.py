"""Write the three run folders of exercise 6 (nbs/exercises/runs/run_a, run_b, run_c).

- healthy: a short real run of the ring task (`medgan_nb.exercises.training.RingTrainer`, the playground's Adam
  1e-3 for both players, 4096 training points; about 4 s on one core);
- mode collapse: the same real run with learning rates of 1e-2, which makes G settle on a few of the eight modes;
- D overfitting: *recorded metrics*, not a new run: the curves of the plain DCGAN on 64 CT phantoms (seed 3, 300
  steps) that `benchmarks/results/small_data_classroom.json` holds (tutorial 21); D's score on its training images
  pulls away from its score on held-out ones. A ring run cannot show it: its blobs are so narrow that held-out
  points sit on the training points.

Each folder gets the `config.json` and `metrics.jsonl` a run folder has (every 50 steps: the losses, D(x), D(G(z)),
the overfitting monitor's d_train / d_heldout / d_gap, and the modes G covers), a few KB. Which run is which is
`medgan_nb.exercises.training.RUN_DIAGNOSES`. Run from the repository root: `python benchmarks/make_exercise_runs.py`."""
import dataclasses
import json
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from medgan_nb.exercises.training import RUN_DIAGNOSES, RingTrainer  # noqa: E402
from medgan_nb.playground import LATENT_SIZE, mode_coverage, ring_of_gaussians  # noqa: E402

OUT = Path(__file__).resolve().parent.parent / "nbs" / "exercises" / "runs"
SETTINGS = {"healthy": dict(lr_d=1e-3, lr_g=1e-3, n_train=4096),
            "mode collapse": dict(lr_d=1e-2, lr_g=1e-2, n_train=4096),
            "D overfitting": dict(recorded=("small_data_classroom.json", "plain", 3))}
STEPS, LOG_EVERY = 1500, 50


def record_run(folder: Path, lr_d: float, lr_g: float, n_train: int, seed: int = 0) -> dict:
    "Train the ring task with a finite training set of `n_train` points; write config.json and metrics.jsonl."
    trainer = RingTrainer(seed=seed)
    for name, lr in (("D", lr_d), ("G", lr_g)):
        for group in trainer.optimizers[name].param_groups:
            group["lr"] = lr
    data = torch.Generator().manual_seed(seed + 1)
    train_points, held_out = ring_of_gaussians(n_train, data), ring_of_gaussians(512, data)
    def next_batch() -> dict:
        pick = torch.randint(0, n_train, (64,), generator=data)
        return {"real": train_points[pick], "latent": torch.randn(64, LATENT_SIZE, generator=data)}
    trainer.next_batch = next_batch
    config = {**dataclasses.asdict(trainer.config), "lr_d": lr_d, "lr_g": lr_g, "n_train": n_train, "steps": STEPS,
              "data": "ring-of-gaussians", "device": "cpu"}
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config.json").write_text(json.dumps(config, indent=2) + "\n")
    start = time.time()
    lines = [{"time": round(start, 3), "step": 0, "event": "started", "target_step": STEPS, "device": "cpu",
              "task": "ring_gan"}]
    for step in range(1, STEPS + 1):
        statistics = trainer.train_step()
        if step % LOG_EVERY == 0:
            with torch.no_grad():
                D = trainer.networks["D"]
                d_train = torch.sigmoid(D(train_points[:512])).mean().item()
                d_heldout = torch.sigmoid(D(held_out)).mean().item()
            modes, good = mode_coverage(trainer.samples())
            values = {key: statistics[key] for key in ("loss_d", "loss_g", "d_real", "d_fake")}
            values.update(d_train=d_train, d_heldout=d_heldout, d_gap=d_train - d_heldout, modes=modes, good_share=good)
            lines.append({"time": round(time.time(), 3), "step": step,
                          **{key: round(float(value), 4) for key, value in values.items()}})
    lines.append({"time": round(time.time(), 3), "step": STEPS, "event": "finished"})
    (folder / "metrics.jsonl").write_text("".join(json.dumps(line) + "\n" for line in lines))
    return lines[-2]


def copy_recorded_run(folder: Path, recorded: tuple[str, str, int]) -> dict:
    "A run folder from the curves of a recorded run (benchmark file, arm, seed) of benchmarks/results/."
    results_file, arm, seed = recorded
    results = json.loads((Path(__file__).resolve().parent / "results" / results_file).read_text())
    run = next(r for r in results["runs"] if r["arm"] == arm and r["seed"] == seed)
    config = {**results["settings"]["train_config_plain"], "seed": seed, "recorded_from": f"benchmarks/results/{results_file}"}
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config.json").write_text(json.dumps(config, indent=2) + "\n")
    curves, start = run["curves"], 1_790_000_000.0
    seconds_per_step = run["train_seconds"] / config["steps"]
    lines = [{"time": start, "step": 0, "event": "started", "target_step": config["steps"], "device": "cpu", "task": config["task"]}]
    for index, step in enumerate(curves["step"]):
        lines.append({"time": round(start + step * seconds_per_step, 3), "step": step,
                      **{key: round(values[index], 4) for key, values in curves.items() if key != "step"}})
    lines.append({"time": round(start + config["steps"] * seconds_per_step, 3), "step": config["steps"], "event": "finished"})
    (folder / "metrics.jsonl").write_text("".join(json.dumps(line) + "\n" for line in lines))
    return lines[-2]


if __name__ == "__main__":
    torch.set_num_threads(1)
    for run, diagnosis in RUN_DIAGNOSES.items():
        settings = SETTINGS[diagnosis]
        last = (copy_recorded_run(OUT / run, settings["recorded"]) if "recorded" in settings
                else record_run(OUT / run, **settings))
        print(f"{run} ({diagnosis}): " + ", ".join(f"{k} {v}" for k, v in last.items() if k not in ("time",)))
