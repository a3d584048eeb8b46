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


def pytest_collection_modifyitems(config, items):
    "Tests marked `slow` run only when asked: `pytest -m slow` or MEDGAN_RUN_SLOW=1 (the default run stays quick)."
    if "slow" in (config.getoption("markexpr") or "") or os.environ.get("MEDGAN_RUN_SLOW"):
        return
    skip = pytest.mark.skip(reason="slow: run with `pytest -m slow` or MEDGAN_RUN_SLOW=1")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)
