import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def run_medgan():
    "Run `python -m medgan_nb ARGS` in a subprocess; return the CompletedProcess (text)."
    def run(*args, env=None, cwd=REPO, timeout=600):
        full_env = {**os.environ, "PYTHONUNBUFFERED": "1", "MPLBACKEND": "Agg", **(env or {})}
        return subprocess.run([sys.executable, "-m", "medgan_nb", *map(str, args)], cwd=cwd, env=full_env,
                              capture_output=True, text=True, timeout=timeout)
    return run
