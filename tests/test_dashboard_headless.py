"The dashboard in a plain Python script (no Jupyter, no widget frontend): it must notice, stay quiet and not break."
import subprocess
import sys
from pathlib import Path

SCRIPT = """
from pathlib import Path
from medgan_nb.dashboard import TrainingDashboard, has_widget_frontend
from medgan_nb.train import TrainConfig, Trainer

trainer = Trainer(TrainConfig.from_profile("smoke", steps=10, n_samples=4), Path("run"))
dashboard = TrainingDashboard(trainer)
assert not has_widget_frontend() and not dashboard.live
dashboard.start()
print("STATE", dashboard.wait(300))
print(dashboard)
"""


def test_dashboard_in_a_plain_script(tmp_path):
    done = subprocess.run([sys.executable, "-c", SCRIPT], cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "STATE finished" in done.stdout
    assert "TrainingDashboard: finished, step 10/10" in done.stdout
    assert "10/10" in done.stderr  # the trainer's own text progress bar (tqdm) is what a script shows
    assert sorted(p.name for p in (tmp_path / "run" / "samples").iterdir()) == ["step_0000010.png"]
