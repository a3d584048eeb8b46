"""Every tutorial (`nbs/3*.ipynb`) under `jupyter nbconvert --execute`, as a student's Run All would run it: no
error, no cell left waiting ("Still training"), every code cell executed, and the repository untouched.

How long each takes is measured by `benchmarks/bench_tutorials.py` (JSON in benchmarks/results), not here."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
TUTORIALS = sorted((REPO / "nbs").glob("3*.ipynb"))


def git_status() -> str:
    return subprocess.run(["git", "status", "--porcelain", "--untracked-files=all"], cwd=REPO, capture_output=True,
                          text=True, check=True).stdout


@pytest.mark.timeout(900)
@pytest.mark.parametrize("notebook", TUTORIALS, ids=[path.stem for path in TUTORIALS])
def test_tutorial_runs_all_under_nbconvert(notebook, tmp_path):
    before = git_status()
    executed = tmp_path / notebook.name
    environment = {**os.environ, "MEDGAN_PROFILE": "classroom", "MPLBACKEND": "module://matplotlib_inline.backend_inline"}
    done = subprocess.run([sys.executable, "-m", "jupyter", "nbconvert", "--to", "notebook", "--execute",
                           "--ExecutePreprocessor.timeout=600", str(notebook), "--output", str(executed)],
                          cwd=notebook.parent, env=environment, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    cells = [cell for cell in json.loads(executed.read_text())["cells"] if cell["cell_type"] == "code"]
    assert cells and all(cell.get("execution_count") for cell in cells), "Run All left cells unexecuted"
    outputs = [output for cell in cells for output in cell.get("outputs", [])]
    assert not [output for output in outputs if output["output_type"] == "error"]
    text = "".join("".join(output.get("text", "")) for output in outputs)
    assert "Still training" not in text
    assert any("image/png" in output.get("data", {}) for output in outputs), "no figure was shown"
    assert git_status() == before, "Run All changed the repository"
