"Checks of medgan_nb.physics that do not fit a notebook: the benchmark script runs and writes its JSON."
import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def test_physics_benchmark_writes_json(tmp_path):
    out = tmp_path / "physics.json"
    subprocess.run([sys.executable, str(REPO / "benchmarks" / "physics_benchmark.py"), "--size", "32", "--batch", "4",
                    "--repeats", "1", "--out", str(out)], check=True, capture_output=True, timeout=120)
    result = json.loads(out.read_text())
    assert result["size"] == 32 and result["ct_low_dose_images_per_s"] > 0 and result["ct_pairs_per_s"] > 0
    assert result["meets_target"] == (result["ct_pairs_per_s"] >= result["target_ct_pairs_per_s"])  # the target is pairs/s
