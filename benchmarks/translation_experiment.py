#!/usr/bin/env python3
"""The multi-seed CycleGAN experiments of tutorial 34: MR ↔ CT (every arm of the hallucination experiment) and
unpaired low-dose CT denoising beside the stored pix2pix and pixel-loss U-Net runs.

    python benchmarks/translation_experiment.py                                   # MR <-> CT, 3 arms x 3 seeds
    python benchmarks/translation_experiment.py --arms matched --out /tmp/a.json  # a part (e.g. in parallel)
    python benchmarks/translation_experiment.py --merge /tmp/a.json /tmp/b.json --out /tmp/all.json   # join parts
    python benchmarks/translation_experiment.py --denoising                       # unpaired LDCT, 3 seeds
    python benchmarks/translation_experiment.py --denoising --residual            # ... with G(x) = x + R(x)
    python benchmarks/translation_experiment.py --paired-anchor --seeds 0         # pix2pix on paired MR -> CT, a part
    python benchmarks/translation_experiment.py --arms matched --hidden-noise 8,32,128 --hidden-blur 1  # stronger

Writes the results (settings, provenance, per-run values, hierarchical-bootstrap summaries, paired differences,
timings) and an .npz of example images (marked SYNTHETIC) beside them, by default into a new folder under runs/;
the shipped files in benchmarks/results/ change only when --out names them.
"""
import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch

from medgan_nb.core import write_json
from medgan_nb.enhance import save_example_images
from medgan_nb.translation import TRANSLATION_ARMS, run_paired_anchor, run_translation_experiment, run_unpaired_denoising


def merge(parts: list[Path], out: Path) -> dict:
    "Join the arms of several runs with identical settings (except their arm lists) into `out` (+ .npz)."
    results, examples = None, {}
    for part in parts:
        data = json.loads(part.read_text())
        if results is None:
            results = data
        else:
            mine = {k: v for k, v in results["settings"].items() if k != "arms"}
            theirs = {k: v for k, v in data["settings"].items() if k != "arms"}
            if mine != theirs:
                raise SystemExit(f"{part}: settings differ from the first part: {theirs} vs {mine}")
            results["arms"].update(data["arms"])
            results["settings"]["arms"].update(data["settings"]["arms"])
            results.setdefault("parts_provenance", []).append(data["provenance"])
        if part.with_suffix(".npz").is_file():
            examples.update(dict(np.load(part.with_suffix(".npz"))))
    write_json(out, results)
    save_example_images(out.with_suffix(".npz"), {key: value for key, value in examples.items() if key != "SYNTHETIC"})
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--arms", default=",".join(TRANSLATION_ARMS))
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--steps", type=int, default=None, help="training steps (default: 400 MR-CT, 600 denoising)")
    parser.add_argument("--size", type=int, default=64)
    parser.add_argument("--n-train", type=int, default=None, help="subjects, half per domain (default: 128 MR-CT, 256)")
    parser.add_argument("--n-test", type=int, default=None, help="test images (default: 32 MR-CT, 48 denoising)")
    parser.add_argument("--denoising", action="store_true", help="unpaired low-dose CT instead of MR <-> CT")
    parser.add_argument("--residual", action="store_true",
                        help="denoising: residual generators, G(x) = x + R(x), as tutorial 31's U-Nets")
    parser.add_argument("--hidden-noise", default=None, help="MR <-> CT: the hidden-information test's noise (HU), e.g. 2,8,32,128")
    parser.add_argument("--hidden-quantum", default=None, help="... its quantisation steps (HU), e.g. 8,32,128,512")
    parser.add_argument("--hidden-blur", default=None, help="... its Gaussian blurs (px), e.g. 0.5,1,2")
    parser.add_argument("--paired-anchor", action="store_true",
                        help="pix2pix on paired MR -> CT heads, beside the stored matched CycleGAN runs (--stored)")
    parser.add_argument("--stored", default=None,
                        help="the results set beside: enhancement_classroom.json for --denoising (the default), "
                             "translation_classroom.json for --paired-anchor (the default)")
    parser.add_argument("--profile", default="classroom")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--out", default=None, help="results JSON (default: a new folder under runs/)")
    parser.add_argument("--merge", nargs="+", type=Path, help="join these result files into --out and stop")
    args = parser.parse_args()
    name = (f"unpaired_denoising{'_residual' if args.residual else ''}_{args.profile}.json" if args.denoising
            else f"translation_pix2pix_anchor_{args.profile}.json" if args.paired_anchor
            else f"translation_{args.profile}.json")
    args.stored = args.stored or ("benchmarks/results/enhancement_classroom.json" if args.denoising
                                  else f"benchmarks/results/translation_{args.profile}.json")
    args.out = args.out or str(Path("runs") / f"translation-{time.strftime('%Y%m%d-%H%M%S')}" / name)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    if args.merge:
        merge(args.merge, Path(args.out))
        return
    torch.set_num_threads(args.threads)
    seeds = tuple(int(s) for s in args.seeds.split(","))
    sizes = {key: value for key, value in (("steps", args.steps), ("n_train", args.n_train), ("n_test", args.n_test))
             if value is not None}
    started = time.perf_counter()
    if args.denoising:
        run_unpaired_denoising(seeds=seeds, size=args.size, profile=args.profile, stored=args.stored, out=args.out,
                               num_threads=args.threads, **({"residual": True} if args.residual else {}), **sizes)
    elif args.paired_anchor:
        run_paired_anchor(seeds=seeds, size=args.size, profile=args.profile, stored=args.stored, out=args.out,
                          num_threads=args.threads, **sizes)
    else:
        numbers = lambda text: [float(value) for value in text.split(",")]
        hidden = {key: numbers(text) for key, text in (("noise_hu", args.hidden_noise), ("quantum_hu", args.hidden_quantum),
                                                       ("blur_px", args.hidden_blur)) if text}
        run_translation_experiment(args.arms.split(","), seeds=seeds, size=args.size, profile=args.profile,
                                   out=args.out, num_threads=args.threads, hidden=hidden or None, **sizes)
    print(f"wrote {args.out} in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
