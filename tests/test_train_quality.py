"`medgan train` in the classroom profile learns: its samples are far closer to real phantoms than an untrained G's."
import os
import subprocess
import sys
from pathlib import Path

import pytest

from medgan_nb.runs import frechet_report

REPO = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_classroom_dcgan_beats_an_untrained_generator_by_a_wide_margin(tmp_path, request):
    "Fréchet distances on the workbench encoder (see benchmarks/train_benchmark.py for the timing of the same run)."
    if "slow" not in (request.config.getoption("markexpr") or "") and not os.environ.get("MEDGAN_RUN_SLOW"):
        pytest.skip("a few minutes of training: run with `pytest -m slow` or MEDGAN_RUN_SLOW=1")
    run = tmp_path / "classroom"
    command = [sys.executable, "-m", "medgan_nb", "train", "--task", "synthesis", "--model", "dcgan",
               "--data", "ct-phantom", "--profile", "classroom", "--out", str(run), "--no-progress"]
    result = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=3600,
                            env={**os.environ, "MPLBACKEND": "Agg"})
    assert result.returncode == 0, result.stderr[-3000:]
    report = frechet_report(run, n=512)
    print(report)
    assert report["fd_trained"] < report["fd_untrained"] / 10, report  # a wide margin (28-46x measured)
    assert report["fd_real"] < report["fd_trained"], report           # and no better than real data itself
