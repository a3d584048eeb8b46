#!/usr/bin/env python3
"""Training speed of pix2pix (U-Net + PatchGAN) and CycleGAN (ResNet) steps; writes benchmarks/results/pix2pix_speed.json.

    python benchmarks/bench_pix2pix.py                      # both models, 2 threads, CPU
    python benchmarks/bench_pix2pix.py --models pix2pix --repeats 9 --quality-steps 60
    python benchmarks/bench_pix2pix.py --device cuda --options channels_last,fused_adam,bf16,compile

What is measured. Two training steps of the same networks (medgan_nb.models, identical to the pix2pix/CycleGAN
reference code) and optimiser (Adam lr 2e-4, betas (0.5, 0.999)), timed alternately in one process:

* `reference`: the reference code's `optimize_parameters`, eager fp32, NCHW, the default (for-loop) Adam on CPU.
  pix2pix: forward G; D step on the detached fake with 0.5 * (BCE(real) + BCE(fake)); G step with BCE + 100 * L1.
  CycleGAN: forward G_A, G_B (fake and reconstructed images); G step with LSGAN + 10 * cycle + 5 * identity;
  D_A, D_B steps on a 50-image pool with 0.5 * (real + fake).
* `optimised`: the same step, in the same order and with the same losses, with speed-ups chosen by --options:
  `channels_last` (NHWC tensors: oneDNN convolutions without layout reorders), `fused_adam` (one fused kernel for
  the Adam update of all parameters instead of ~7 passes per tensor), `compile` (torch.compile/inductor: fused
  batch-norm/activation/loss kernels), `bf16` or `fp16` (autocast; on the CPU only bf16, and only where the CPU has
  native bf16 instructions), `flush_denormal` (denormal floats flushed to zero).

* `trainer` (pix2pix): `medgan_nb.train.Trainer.train_step` of the pix2pix recipe on the same architecture, as the
  workbench trains today; `trainer_amp`: the same with the trainer's `amp`/`channels_last`/`compile` set from --options.

Timing. The machine may be shared, so the steps are timed in interleaved repeats and medians are reported, twice:
wall clock with --threads threads (`wall_2_threads`: the real throughput, meaningful on a quiet machine; the load
average is recorded), and the CPU time of the calling thread with one thread (`cpu_time_1_thread`: what a step
costs, much less sensitive to other processes). --headline says which one gives `speedup`.
FLOP efficiency: convolution FLOPs of one step (torch.utils.flop_counter) over its time, against the peak GFLOP/s of
a large convolution measured in the same way (same clock, fp32 and the AMP dtype).
Quality check: reference and optimised pix2pix train from the same initial weights on the same low-dose CT phantom
pairs with the same seeds (data order, dropout) for --quality-steps steps, --quality-seeds times; the held-out L1 and
PSNR are compared pair by seed (`no_loss_in_quality`: the optimised runs are not worse beyond the seed-to-seed noise).
"""
from __future__ import annotations

import argparse
import contextlib
import copy
import itertools
import json
import os
import platform
import random
import statistics
import time
from datetime import datetime, timezone
from collections.abc import Callable
from pathlib import Path

import torch
import torch.nn.functional as F
from torch.utils.flop_counter import FlopCounterMode

from medgan_nb.core import get_device, write_json
from medgan_nb.dicom import CT_GAN_WINDOW, to_gan_range
from medgan_nb.models import count_parameters, define_discriminator, define_generator
from medgan_nb.phantoms import ct_phantom_batch
from medgan_nb.physics import simulate_ct_pair

OPTIONS = ("channels_last", "fused_adam", "compile", "bf16", "fp16", "flush_denormal")
DEFAULT_OPTIONS = {"cpu": "bf16,fused_adam", "cuda": "channels_last,bf16,fused_adam"}
"Fastest options measured (see the JSON): on the CPU channels_last and compile did not help these networks."


# ----------------------------------------------------------------------------------------------------------------
# Networks and optimisers, as the reference builds them

def adam(parameters, fused: bool = False) -> torch.optim.Adam:
    "Adam of pix2pix/CycleGAN: lr 2e-4, betas (0.5, 0.999); `fused` -> one fused kernel for all parameters."
    return torch.optim.Adam(parameters, lr=2e-4, betas=(0.5, 0.999), **({"fused": True} if fused else {}))


def build_pix2pix(size: int, seed: int) -> dict:
    "pix2pix for 1-channel images: U-Net G (batch norm, dropout), 70x70 PatchGAN D on concat(input, output)."
    torch.manual_seed(seed)
    generator = define_generator(f"unet_{size}", 1, 1, ngf=64, norm="batch", use_dropout=True)
    discriminator = define_discriminator("basic", 2, ndf=64, norm="batch")
    return {"G": generator, "D": discriminator}


def build_cyclegan(seed: int) -> dict:
    "CycleGAN for 1-channel images: two ResNet-9 generators and two PatchGANs, instance norm, no dropout."
    torch.manual_seed(seed)
    return {"G_A": define_generator("resnet_9blocks", 1, 1, norm="instance", use_dropout=False),
            "G_B": define_generator("resnet_9blocks", 1, 1, norm="instance", use_dropout=False),
            "D_A": define_discriminator("basic", 1, norm="instance"),
            "D_B": define_discriminator("basic", 1, norm="instance")}


class ImagePool:
    "The reference's history of generated images (size 50): half the time a stored one is returned instead."
    def __init__(self, size: int = 50, seed: int = 0):
        self.size, self.images, self.rng = size, [], random.Random(seed)

    def query(self, images: torch.Tensor) -> torch.Tensor:
        out = []
        for image in images.detach():
            image = image[None]
            if len(self.images) < self.size:
                self.images.append(image); out.append(image)
            elif self.rng.random() > 0.5:
                index = self.rng.randrange(self.size)
                out.append(self.images[index].clone()); self.images[index] = image
            else:
                out.append(image)
        return torch.cat(out)


# ----------------------------------------------------------------------------------------------------------------
# The training steps

def set_requires_grad(nets, flag: bool) -> None:
    for net in nets:
        for parameter in net.parameters():
            parameter.requires_grad = flag


def bce(logits: torch.Tensor, target_is_real: bool) -> torch.Tensor:
    "The reference's vanilla GANLoss: BCE-with-logits against an all-ones or all-zeros target of the logits' shape."
    return F.binary_cross_entropy_with_logits(logits, torch.full_like(logits, 1.0 if target_is_real else 0.0))


def mse_gan(prediction: torch.Tensor, target_is_real: bool) -> torch.Tensor:
    "The reference's LSGAN GANLoss (CycleGAN's default)."
    return F.mse_loss(prediction, torch.full_like(prediction, 1.0 if target_is_real else 0.0))


class Pix2PixStep:
    """One pix2pix `optimize_parameters` (reference order and losses), optionally with speed-ups.

    Call with (input, target) batches (N, 1, H, W) in [-1, 1]; returns the losses as floats."""
    def __init__(self, nets: dict, options: set[str] = frozenset(), device: torch.device = torch.device("cpu"),
                 lambda_l1: float = 100.0):
        unknown = set(options) - set(OPTIONS)
        if unknown:
            raise SystemExit(f"unknown options {sorted(unknown)}; use some of {OPTIONS}")
        self.options, self.device, self.lambda_l1 = set(options), device, lambda_l1
        self.memory_format = torch.channels_last if "channels_last" in options else torch.contiguous_format
        self.G = copy.deepcopy(nets["G"]).to(device, memory_format=self.memory_format).train()
        self.D = copy.deepcopy(nets["D"]).to(device, memory_format=self.memory_format).train()
        fused = "fused_adam" in options
        self.optimizer_G, self.optimizer_D = adam(self.G.parameters(), fused), adam(self.D.parameters(), fused)
        self.run_G, self.run_D = ((torch.compile(self.G), torch.compile(self.D)) if "compile" in options
                                  else (self.G, self.D))
        dtype = torch.bfloat16 if "bf16" in options else torch.float16 if "fp16" in options else None
        self.autocast = (lambda: torch.autocast(device.type, dtype=dtype)) if dtype else contextlib.nullcontext

    def __call__(self, real_a: torch.Tensor, real_b: torch.Tensor) -> dict[str, float]:
        real_a = real_a.to(self.device, non_blocking=True).contiguous(memory_format=self.memory_format)
        real_b = real_b.to(self.device, non_blocking=True).contiguous(memory_format=self.memory_format)
        with self.autocast():                                           # forward
            fake_b = self.run_G(real_a)
        set_requires_grad([self.D], True)                               # D step
        self.optimizer_D.zero_grad(set_to_none=True)
        with self.autocast():
            pred_fake = self.run_D(torch.cat((real_a, fake_b), 1).detach())
            pred_real = self.run_D(torch.cat((real_a, real_b), 1))
        loss_d = (bce(pred_fake.float(), False) + bce(pred_real.float(), True)) * 0.5
        loss_d.backward()
        self.optimizer_D.step()
        set_requires_grad([self.D], False)                              # G step
        self.optimizer_G.zero_grad(set_to_none=True)
        with self.autocast():
            pred_fake = self.run_D(torch.cat((real_a, fake_b), 1))
        loss_g_gan = bce(pred_fake.float(), True)
        loss_g_l1 = F.l1_loss(fake_b.float(), real_b) * self.lambda_l1
        (loss_g_gan + loss_g_l1).backward()
        self.optimizer_G.step()
        return {"loss_d": loss_d.detach(), "loss_g_gan": loss_g_gan.detach(), "loss_g_l1": loss_g_l1.detach()}

    @torch.no_grad()
    def predict(self, real_a: torch.Tensor) -> torch.Tensor:
        "G's output (N, 1, H, W) for `real_a` in eval mode (running batch-norm statistics, no dropout), on the CPU."
        self.G.eval()
        try:
            return self.G(real_a.to(self.device).contiguous(memory_format=self.memory_format)).float().cpu()
        finally:
            self.G.train()


class TrainerStep:
    """`medgan_nb.train.Trainer.train_step` of the pix2pix recipe on the same architecture (U-Net ngf 64 to 1x1,
    PatchGAN ndf 64, batch norm, dropout, Adam 2e-4 (0.5, 0.999), vanilla GAN + 100 L1, D loss x 0.5), no EMA,
    on a dataset of the benchmark's batches: what the workbench's own trainer achieves. Ignores its arguments:
    the trainer draws its batches from its own stream (same shapes)."""
    def __init__(self, size: int, batch: int, options: set[str], device: torch.device, batches):
        import tempfile
        from medgan_nb.data import ImageDataset
        from medgan_nb.train import TrainConfig, Trainer
        inputs = torch.cat([a for a, _ in batches] * 8); targets = torch.cat([b for _, b in batches] * 8)
        dataset = ImageDataset({"input": inputs, "target": targets}, "paired")
        config = TrainConfig.from_profile("classroom", task="paired", model="pix2pix", image_size=size, n_train=len(inputs),
                                          batch_size=batch, base_channels=64, lr_g=2e-4, lr_d=2e-4, ema_decay=0.0,
                                          amp="bf16" if "bf16" in options else "fp16" if "fp16" in options else "none",
                                          channels_last="channels_last" in options, compile="compile" in options,
                                          device=str(device), num_threads=torch.get_num_threads(),
                                          log_every=10**6, sample_every=10**6, checkpoint_every=10**6)
        self.config, self.folder = config, tempfile.TemporaryDirectory(prefix="bench-trainer-")  # removed with self
        self.trainer = Trainer(config, self.folder.name, dataset=dataset, progress=False)

    def __call__(self, real_a: torch.Tensor, real_b: torch.Tensor) -> None:
        self.trainer.train_step()


class CycleGANStep:
    "One CycleGAN `optimize_parameters` (reference order and losses: LSGAN, cycle 10, identity 0.5), optionally faster."
    def __init__(self, nets: dict, options: set[str] = frozenset(), device: torch.device = torch.device("cpu")):
        self.options, self.device = set(options), device
        self.memory_format = torch.channels_last if "channels_last" in options else torch.contiguous_format
        self.nets = {name: copy.deepcopy(net).to(device, memory_format=self.memory_format).train()
                     for name, net in nets.items()}
        fused = "fused_adam" in options
        self.optimizer_G = adam(itertools.chain(self.nets["G_A"].parameters(), self.nets["G_B"].parameters()), fused)
        self.optimizer_D = adam(itertools.chain(self.nets["D_A"].parameters(), self.nets["D_B"].parameters()), fused)
        self.run = {name: torch.compile(net) if "compile" in options else net for name, net in self.nets.items()}
        dtype = torch.bfloat16 if "bf16" in options else torch.float16 if "fp16" in options else None
        self.autocast = (lambda: torch.autocast(device.type, dtype=dtype)) if dtype else contextlib.nullcontext
        self.pool_A, self.pool_B = ImagePool(50, seed=1), ImagePool(50, seed=2)

    def __call__(self, real_a: torch.Tensor, real_b: torch.Tensor) -> dict[str, float]:
        run, lambda_a = self.run, 10.0
        real_a = real_a.to(self.device).contiguous(memory_format=self.memory_format)
        real_b = real_b.to(self.device).contiguous(memory_format=self.memory_format)
        with self.autocast():
            fake_b = run["G_A"](real_a); rec_a = run["G_B"](fake_b)
            fake_a = run["G_B"](real_b); rec_b = run["G_A"](fake_a)
        set_requires_grad([self.nets["D_A"], self.nets["D_B"]], False)
        self.optimizer_G.zero_grad(set_to_none=True)
        with self.autocast():
            idt_a = run["G_A"](real_b); idt_b = run["G_B"](real_a)
            pred_a, pred_b = run["D_A"](fake_b), run["D_B"](fake_a)
        f = lambda t: t.float()
        loss_g = (F.l1_loss(f(idt_a), real_b) * lambda_a * 0.5 + F.l1_loss(f(idt_b), real_a) * lambda_a * 0.5
                  + mse_gan(f(pred_a), True) + mse_gan(f(pred_b), True)
                  + F.l1_loss(f(rec_a), real_a) * lambda_a + F.l1_loss(f(rec_b), real_b) * lambda_a)
        loss_g.backward()
        self.optimizer_G.step()
        set_requires_grad([self.nets["D_A"], self.nets["D_B"]], True)
        self.optimizer_D.zero_grad(set_to_none=True)
        losses_d = []
        for name, real, fake in (("D_A", real_b, self.pool_A.query(fake_b)), ("D_B", real_a, self.pool_B.query(fake_a))):
            with self.autocast():
                pred_real, pred_fake = run[name](real), run[name](fake.detach())
            loss = (mse_gan(f(pred_real), True) + mse_gan(f(pred_fake), False)) * 0.5
            loss.backward()
            losses_d.append(loss.detach())
        self.optimizer_D.step()
        return {"loss_g": loss_g.detach(), "loss_d_a": losses_d[0], "loss_d_b": losses_d[1]}


# ----------------------------------------------------------------------------------------------------------------
# Measurement helpers

def synchronize(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def time_steps(step, batches, device: torch.device) -> tuple[float, float]:
    "(wall seconds, CPU seconds of this thread) per step over `batches`."
    synchronize(device)
    wall, cpu = time.perf_counter(), time.thread_time()
    for real_a, real_b in batches:
        step(real_a, real_b)
    synchronize(device)
    return (time.perf_counter() - wall) / len(batches), (time.thread_time() - cpu) / len(batches)


def interleaved(steps: dict, batches, repeats: int, device: torch.device) -> dict:
    "Time each step on the same batches, alternating between them in every repeat: lists of wall and CPU seconds."
    times = {name: {"wall": [], "cpu": []} for name in steps}
    for _ in range(repeats):
        for name, step in steps.items():
            wall, cpu = time_steps(step, batches, device)
            times[name]["wall"].append(wall); times[name]["cpu"].append(cpu)
    return times


def conv_flops_per_step(step, real_a, real_b) -> int:
    "Convolution FLOPs (forward and backward, counted by torch.utils.flop_counter) of one training step."
    with FlopCounterMode(display=False) as counter:
        step(real_a, real_b)
    return int(counter.get_total_flops())


PEAK_CONV_SHAPES = ((8, 256, 64, 64, 256, 3, 1), (8, 256, 32, 32, 256, 3, 1), (8, 128, 64, 64, 256, 4, 2))
"Large convolutions (batch, in channels, H, W, out channels, kernel, stride) whose best speed stands for the peak."

def peak_conv_gflops(device: torch.device, dtype: torch.dtype = torch.float32, repeats: int = 5,
                     clock: Callable[[], float] = time.perf_counter) -> float:
    "Best GFLOP/s of a few large forward convolutions (`PEAK_CONV_SHAPES`), channels-last, best of `repeats` each."
    best_rate = 0.0
    for batch, channels, height, width, out_channels, kernel, stride in PEAK_CONV_SHAPES:
        x = torch.randn(batch, channels, height, width, device=device, dtype=dtype).contiguous(memory_format=torch.channels_last)
        weight = torch.randn(out_channels, channels, kernel, kernel, device=device,
                             dtype=dtype).contiguous(memory_format=torch.channels_last)
        padding = 1
        out = F.conv2d(x, weight, stride=stride, padding=padding)
        flops = 2 * out.numel() * channels * kernel * kernel
        for _ in range(repeats):
            synchronize(device)
            start = clock()
            F.conv2d(x, weight, stride=stride, padding=padding)
            synchronize(device)
            best_rate = max(best_rate, flops / max(clock() - start, 1e-9) / 1e9)
    return best_rate


def ct_pairs(n: int, size: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    "`n` (low-dose, routine) CT phantom pairs (N, 1, S, S) in GAN range (window CT_GAN_WINDOW)."
    hu = ct_phantom_batch(n, size, seed=seed)["hu"]
    routine, low_dose = simulate_ct_pair(hu, i0=2.5e3, generator=torch.Generator().manual_seed(seed))
    return to_gan_range(low_dose, CT_GAN_WINDOW).float(), to_gan_range(routine, CT_GAN_WINDOW).float()


def psnr(prediction: torch.Tensor, target: torch.Tensor) -> float:
    "Mean PSNR (dB) over images in GAN range (data range 2)."
    mse = (prediction - target).pow(2).flatten(1).mean(1)
    return float((10 * torch.log10(4.0 / mse)).mean())


def train_and_evaluate(nets: dict, options: set[str], device: torch.device, data: dict, batch: int, steps: int,
                       seed: int) -> dict:
    "Train pix2pix from `nets`' weights for `steps` steps (data order and dropout from `seed`); held-out L1 and PSNR."
    torch.manual_seed(seed)
    order = torch.Generator().manual_seed(seed)
    step = Pix2PixStep(nets, options, device)
    start = time.perf_counter()
    for _ in range(steps):
        index = torch.randint(len(data["train_input"]), (batch,), generator=order)
        step(data["train_input"][index], data["train_target"][index])
    output = step.predict(data["test_input"])
    return {"l1": float((output - data["test_target"]).abs().mean()), "psnr_db": psnr(output, data["test_target"]),
            "seconds": round(time.perf_counter() - start, 1)}


def quality_check(nets: dict, options: set[str], device: torch.device, size: int, batch: int, steps: int,
                  seeds: int = 3) -> dict:
    """Train reference and optimised pix2pix from the same weights on the same low-dose CT pairs, with the same seeds
    (data order, dropout), for `steps` steps; compare held-out L1 and PSNR, paired by seed.

    No loss in quality: the optimised runs are not worse than the reference beyond noise, i.e. for each metric the
    95% t-interval of the paired differences (optimised - reference) reaches the reference's side of 0, or the mean
    difference is smaller than 0.005 (L1, GAN range) / 0.2 dB (PSNR). `same` also asks for an interval around 0."""
    train_input, train_target = ct_pairs(16 * batch, size, seed=100)
    test_input, test_target = ct_pairs(16, size, seed=200)
    data = {"train_input": train_input, "train_target": train_target, "test_input": test_input, "test_target": test_target}
    runs = {"reference": [], "optimised": []}
    for seed in range(seeds):
        for name, run_options in (("reference", set()), ("optimised", options)):
            runs[name].append(train_and_evaluate(nets, run_options, device, data, batch, steps, seed))
            print("quality", name, seed, runs[name][-1], flush=True)
    summary = {}
    for key, tolerance, higher_is_better in (("l1", 0.005, False), ("psnr_db", 0.2, True)):
        differences = [o[key] - r[key] for r, o in zip(runs["reference"], runs["optimised"])]
        mean = statistics.mean(differences)
        half = (t_quantile_975(len(differences) - 1) * statistics.stdev(differences) / len(differences) ** 0.5
                if len(differences) > 1 else float("inf"))
        summary[key] = {"reference_mean": statistics.mean(r[key] for r in runs["reference"]),
                        "optimised_mean": statistics.mean(o[key] for o in runs["optimised"]),
                        "paired_difference_mean": mean, "paired_difference_ci95": [mean - half, mean + half],
                        "same": (mean - half <= 0 <= mean + half) or abs(mean) < tolerance,
                        "no_loss": (mean + half >= 0 or mean > -tolerance) if higher_is_better
                                   else (mean - half <= 0 or mean < tolerance)}
    return {"task": f"low-dose CT (i0 2.5e3) -> routine dose, {size} px phantoms, {16 * batch} train / 16 test pairs",
            "steps": steps, "batch": batch, "seeds": seeds, "runs": runs, **summary,
            "input_psnr_db": psnr(test_input, test_target), "input_l1": float((test_input - test_target).abs().mean()),
            "same_quality": all(summary[key]["same"] for key in ("l1", "psnr_db")),
            "no_loss_in_quality": all(summary[key]["no_loss"] for key in ("l1", "psnr_db"))}


def t_quantile_975(degrees_of_freedom: int) -> float:
    "Two-sided 95% Student-t quantile."
    from scipy import stats
    return float(stats.t.ppf(0.975, degrees_of_freedom))


def summarise(times: dict, images_per_step: int, flops: int, key: str) -> dict:
    "Medians of the interleaved timings `times[name][key]` ('wall' or 'cpu'), images/s, GFLOP/s and speed-up."
    out = {}
    for name, values in times.items():
        seconds = statistics.median(values[key])
        out[name] = {"images_per_s": round(images_per_step / seconds, 3), "s_per_step": round(seconds, 4),
                     "achieved_gflops": round(flops / seconds / 1e9, 1),
                     "s_per_step_all": [round(v, 4) for v in values[key]]}
    paired = [ref / opt for ref, opt in zip(times["reference"][key], times["optimised"][key])]
    out["speedup"] = round(out["optimised"]["images_per_s"] / out["reference"]["images_per_s"], 3)
    out["speedup_paired_median"] = round(statistics.median(paired), 3)
    out["speedup_vs_reference"] = {name: round(out[name]["images_per_s"] / out["reference"]["images_per_s"], 3)
                                   for name in times if name != "reference"}
    return out


def benchmark_model(model: str, args, options: set[str], device: torch.device, peaks: dict) -> dict:
    """Interleaved timing of the reference and optimised steps of `model`: wall clock with `args.threads` threads
    (the headline), and, on the CPU, the CPU time of the same steps on one thread (robust on a shared machine)."""
    size, batch = args.size, (args.batch if model == "pix2pix" else args.cyclegan_batch)
    repeats = args.repeats if model == "pix2pix" else args.cyclegan_repeats
    nets = build_pix2pix(size, seed=0) if model == "pix2pix" else build_cyclegan(seed=0)
    make = (lambda opts: Pix2PixStep(nets, opts, device)) if model == "pix2pix" else \
           (lambda opts: CycleGANStep(nets, opts, device))
    generator = torch.Generator().manual_seed(0)
    batches = [((torch.rand(batch, 1, size, size, generator=generator) * 2 - 1),
                (torch.rand(batch, 1, size, size, generator=generator) * 2 - 1)) for _ in range(args.steps_per_repeat)]
    flops = conv_flops_per_step(make(set()), *batches[0])
    steps = {"reference": make(set()), "optimised": make(options)}
    if model == "pix2pix" and args.trainer:   # the workbench's Trainer, as configured today and with the AMP option
        steps["trainer"] = TrainerStep(size, batch, set(), device, batches)
        if options & {"bf16", "fp16", "channels_last", "compile"}:
            steps["trainer_amp"] = TrainerStep(size, batch, options, device, batches)
    start = time.perf_counter()
    for step in steps.values():      # warm-up: oneDNN primitive caches, compilation (a few steps for recompiles)
        for real_a, real_b in batches[:1] * (3 if "compile" in options else 1):
            step(real_a, real_b)
    warmup_s = time.perf_counter() - start
    result = {"images_per_step": batch, "image_size": size, "channels": 1,
              "generator": f"unet_{size}" if model == "pix2pix" else "resnet_9blocks (x2: G_A, G_B)",
              "discriminator": "basic PatchGAN 70x70" + (" on concat(input, output)" if model == "pix2pix" else " (x2)"),
              "norm": "batch" if model == "pix2pix" else "instance",
              "parameters": {name: count_parameters(net) for name, net in nets.items()},
              "conv_gflop_per_step": round(flops / 1e9, 2), "conv_gflop_per_image": round(flops / batch / 1e9, 2),
              "warmup_s": round(warmup_s, 1), "repeats": repeats}
    load = [os.getloadavg()[0]]
    wall = summarise(interleaved(steps, batches, repeats, device), batch, flops, "wall")
    load.append(os.getloadavg()[0])
    result[f"wall_{args.threads}_threads"] = {**wall, "load_average_1min": [round(v, 2) for v in load],
                                              "flop_efficiency": _efficiency(wall, peaks, "wall", options)}
    if device.type == "cpu":
        threads = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            cpu = summarise(interleaved(steps, batches, repeats, device), batch, flops, "cpu")
        finally:
            torch.set_num_threads(threads)
        result["cpu_time_1_thread"] = {**cpu, "flop_efficiency": _efficiency(cpu, peaks, "cpu", options)}
    headline = result.get("cpu_time_1_thread") if args.headline == "cpu" else result[f"wall_{args.threads}_threads"]
    result["speedup"], result["headline"] = headline["speedup"], args.headline
    print(model, {key: (value["speedup"], value["reference"]["images_per_s"], value["optimised"]["images_per_s"])
                  for key, value in result.items() if isinstance(value, dict) and "speedup" in value}, flush=True)
    return result


def _efficiency(summary: dict, peaks: dict, clock: str, options: set[str]) -> dict:
    "Achieved conv GFLOP/s over the peak of the same clock and of the dtype each step computes in."
    low_precision = "bf16" if "bf16" in options else "fp16" if "fp16" in options else "fp32"
    return {"reference": round(summary["reference"]["achieved_gflops"] / peaks[f"{clock}_fp32"], 3),
            "optimised": round(summary["optimised"]["achieved_gflops"]
                               / peaks.get(f"{clock}_{low_precision}", peaks[f"{clock}_fp32"]), 3)}


def measure_peaks(device: torch.device, options: set[str]) -> dict:
    "Peak conv GFLOP/s: wall clock on all threads, and CPU time of one thread (CPU only), fp32 and the AMP dtype."
    dtypes = {"fp32": torch.float32}
    if "bf16" in options: dtypes["bf16"] = torch.bfloat16
    if "fp16" in options and device.type == "cuda": dtypes["fp16"] = torch.float16
    peaks = {f"wall_{name}": round(peak_conv_gflops(device, dtype), 1) for name, dtype in dtypes.items()}
    if device.type == "cpu":
        threads = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            peaks.update({f"cpu_{name}": round(peak_conv_gflops(device, dtype, clock=time.thread_time), 1)
                          for name, dtype in dtypes.items()})
        finally:
            torch.set_num_threads(threads)
    return peaks


def main() -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default="pix2pix,cyclegan", help="comma-separated: pix2pix, cyclegan")
    parser.add_argument("--options", default=None, help=f"speed-ups of the optimised step, from {OPTIONS} "
                        f"(default: {DEFAULT_OPTIONS})")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--size", type=int, default=128)
    parser.add_argument("--batch", type=int, default=4, help="pix2pix batch size (the reference's is 1; 4 here)")
    parser.add_argument("--cyclegan-batch", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=5, help="interleaved timing repeats (medians reported)")
    parser.add_argument("--cyclegan-repeats", type=int, default=3)
    parser.add_argument("--steps-per-repeat", type=int, default=2)
    parser.add_argument("--headline", choices=("wall", "cpu"), default="wall",
                        help="which timing gives `speedup`: wall clock (a quiet machine) or 1-thread CPU time (a busy one)")
    parser.add_argument("--trainer", action=argparse.BooleanOptionalAction, default=True,
                        help="also time medgan_nb.train.Trainer.train_step (pix2pix recipe, same architecture)")
    parser.add_argument("--quality-steps", type=int, default=60, help="0 skips the quality check")
    parser.add_argument("--quality-seeds", type=int, default=3)
    parser.add_argument("--out", default=str(Path(__file__).parent / "results" / "pix2pix_speed.json"))
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    device = get_device(args.device)
    previous = json.loads(Path(args.out).read_text()) if Path(args.out).is_file() else {}
    chosen = args.options if args.options is not None else DEFAULT_OPTIONS.get(device.type, "fused_adam")
    options = {option for option in chosen.split(",") if option}
    if "flush_denormal" in options:
        torch.set_flush_denormal(True)
    result = {
        "benchmark": "pix2pix_speed", "time": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "device": str(device), "threads": args.threads, "cpu_count": os.cpu_count(), "machine": platform.machine(),
        "cpu_flags_bf16": _cpu_has_bf16(), "torch": torch.__version__,
        "optimiser": "Adam lr 2e-4 betas (0.5, 0.999)", "options": sorted(options),
        "steps_per_repeat": args.steps_per_repeat, "load_average_1min_at_start": round(os.getloadavg()[0], 2),
        "peak_conv_gflops": measure_peaks(device, options),
    }
    for model in args.models.split(","):
        result[model] = benchmark_model(model, args, options, device, result["peak_conv_gflops"])
        write_json(args.out, result)
    if args.quality_steps and "pix2pix" in args.models:
        nets = build_pix2pix(args.size, seed=0)
        result["quality_check"] = quality_check(nets, options, device, args.size, args.batch, args.quality_steps,
                                                args.quality_seeds)
    elif previous.get("quality_check") and previous.get("options") == result["options"]:
        # timing re-run (--quality-steps 0): keep the quality check of the same options, saying when it was made
        made = previous["quality_check"].get("from_run_of", previous["time"])
        result["quality_check"] = {**previous["quality_check"], "from_run_of": made}
    result["target"] = {"reference_pix2pix_images_per_s_quiet_machine": [9.5, 9.9], "wanted_speedup": 1.5}
    if "pix2pix" in result:
        result["target"]["met_speedup"] = result["pix2pix"]["speedup"] >= 1.5
    write_json(args.out, result)
    return result


def _cpu_has_bf16() -> bool | None:
    "Whether the CPU has native bf16 instructions (avx512_bf16 or AMX), from /proc/cpuinfo; None if unknown."
    try:
        flags = Path("/proc/cpuinfo").read_text()
    except OSError:
        return None
    return "avx512_bf16" in flags or "amx_bf16" in flags


if __name__ == "__main__":
    main()
