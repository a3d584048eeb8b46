"""The quickstart DCGAN's recipe search: train each candidate once (seed 42 unless given), then measure FD and PRDC
on the workbench encoder against 256 held-out phantoms; write benchmarks/results/quickstart_recipe.json.

    python benchmarks/quickstart_recipe.py                 # every candidate below (about 1 h on 2 cores)
    python benchmarks/quickstart_recipe.py final p2_1200   # only some, merged into the stored file

One thread per run, so that two runs can share a 2-core machine; the notebook re-measures the chosen recipe itself.
"""
import json
import sys
import time
from pathlib import Path

import torch
from torch.utils.data import DataLoader

from medgan_nb.core import write_json
from medgan_nb.metrics import extract_features, frechet_distance, get_feature_encoder, prdc
from medgan_nb.runs import load_networks, sample_from_run
from medgan_nb.small_data import provenance
from medgan_nb.train import TrainConfig, Trainer

OUT = Path(__file__).resolve().parent / "results" / "quickstart_recipe.json"
FAST = dict(base_channels=16, lr_g=1e-3, lr_d=1e-3)
CANDIDATES = {  # name: (what changed, overrides of the classroom profile)
    "classroom_default": ("the classroom profile: 32 base channels, lr 5e-4, 300 steps", {}),
    "b16_900": ("16 base channels, 900 steps", {"base_channels": 16, "steps": 900}),
    "b16_lr1e3_900": ("+ lr 1e-3 for G and D, 900 steps", {**FAST, "steps": 900}),
    "p2_900": ("+ PacGAN packs of 2, 900 steps", {**FAST, "steps": 900, "pack": 2}),
    "p2_1200": ("+ PacGAN packs of 2, 1200 steps (the recipe)", {**FAST, "steps": 1200, "pack": 2}),
    "p1_1200": ("the recipe without packs (pack 1), 1200 steps", {**FAST, "steps": 1200, "pack": 1}),
    "p2_1500": ("the recipe, 1500 steps", {**FAST, "steps": 1500, "pack": 2}),
    "p2_bs8_2000": ("packs of 2, batch 8, 2000 steps (about the recipe's compute)",
                    {**FAST, "steps": 2000, "pack": 2, "batch_size": 8}),
    "p4_900": ("packs of 4, 900 steps", {**FAST, "steps": 900, "pack": 4}),
    "b16_bs32_600": ("batch 32, 600 steps (no packs)", {**FAST, "steps": 600, "batch_size": 32}),
    "p2_lr2e3_900": ("lr 2e-3, packs of 2, 900 steps", {**FAST, "steps": 900, "pack": 2, "lr_g": 2e-3, "lr_d": 2e-3}),
    "p2_lsgan_900": ("LSGAN loss, packs of 2, 900 steps", {**FAST, "steps": 900, "pack": 2, "loss": "lsgan"}),
    "p2_linear_900": ("linear lr decay, packs of 2, 900 steps", {**FAST, "steps": 900, "pack": 2, "lr_policy": "linear"}),
    "hinge_sn_900": ("hinge loss + spectral norm, lr_d 1e-3, 900 steps",
                     {"base_channels": 16, "steps": 900, "loss": "hinge", "spectral_norm": True, "lr_d": 1e-3}),
}


def measure(name: str, overrides: dict, runs: Path, n: int = 256) -> dict:
    torch.set_num_threads(1)
    config = TrainConfig.from_profile("classroom", task="dcgan", data="ct-phantom", device="cpu", num_threads=1,
                                      **overrides)
    started = time.perf_counter()
    Trainer(config, runs / name, progress=False).fit()
    train_s = time.perf_counter() - started
    encoder = get_feature_encoder(config.image_size)
    _, task = load_networks(runs / name)
    images = lambda split: next(iter(DataLoader(task.dataset(split, n=n), batch_size=n)))["image"].float()
    real, other = extract_features(encoder, images("test")), extract_features(encoder, images("val"))
    fake = extract_features(encoder, sample_from_run(runs / name, n=n, seed=3))
    return {"overrides": overrides, "train_s_one_thread": round(train_s, 1), "fd": frechet_distance(real, fake),
            "fd_real": frechet_distance(real, other), **prdc(real, fake), "real_vs_real": prdc(real, other),
            "load_average": list(__import__("os").getloadavg())}


if __name__ == "__main__":
    names = sys.argv[1:] or list(CANDIDATES)
    stored = json.loads(OUT.read_text()) if OUT.is_file() else {"candidates": {}}
    runs = Path("runs") / "quickstart-recipe"
    for name in names:
        what, overrides = CANDIDATES[name]
        stored["candidates"][name] = {"what": what, **measure(name, overrides, runs)}
        stored.update(benchmark="quickstart_recipe", seed=42, n=256, provenance=provenance())
        write_json(OUT, stored)
        print(name, {key: stored["candidates"][name][key] for key in ("fd", "precision", "recall", "coverage")})
