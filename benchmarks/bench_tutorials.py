"""Run All time of each tutorial (`nbs/3*.ipynb`) under `jupyter nbconvert --execute` in the classroom profile,
from the first to the last output; writes benchmarks/results/tutorials_run_all.json with the machine's load.

    python benchmarks/bench_tutorials.py            # every tutorial
    python benchmarks/bench_tutorials.py 30         # those whose name starts with 30

The promise is <= 120 s each on 2 cores; a loaded machine (see load_average) takes longer."""
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from medgan_nb.core import write_json
from medgan_nb.small_data import provenance

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "benchmarks" / "results" / "tutorials_run_all.json"

if __name__ == "__main__":
    prefixes = sys.argv[1:] or ["3"]
    results = json.loads(OUT.read_text())["tutorials"] if OUT.is_file() else {}
    for notebook in sorted((REPO / "nbs").glob("3*.ipynb")):
        if not any(notebook.name.startswith(prefix) for prefix in prefixes):
            continue
        load_before = os.getloadavg()
        with tempfile.TemporaryDirectory() as folder:
            started = time.perf_counter()
            done = subprocess.run([sys.executable, "-m", "jupyter", "nbconvert", "--to", "notebook", "--execute",
                                   "--ExecutePreprocessor.timeout=900", str(notebook), "--output",
                                   str(Path(folder) / notebook.name)], cwd=notebook.parent,
                                  env={**os.environ, "MEDGAN_PROFILE": "classroom"}, capture_output=True, text=True)
            seconds = time.perf_counter() - started
        results[notebook.stem] = {"seconds": round(seconds, 1), "ok": done.returncode == 0,
                                  "load_average_before": list(load_before), "load_average_after": list(os.getloadavg())}
        print(notebook.stem, results[notebook.stem])
    write_json(OUT, {"benchmark": "tutorials_run_all", "promise_s": 120, "tutorials": results, "provenance": provenance()})
