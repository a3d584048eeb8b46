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


TARGET_SCRIPT = """
from pathlib import Path
from medgan_nb.dashboard import TrainingDashboard
from medgan_nb.train import TrainConfig, Trainer

config = TrainConfig.from_profile("smoke", steps=200, n_samples=4, until_every=10, ada_target=0.6)
dashboard = TrainingDashboard(Trainer(config, Path("target-run"), progress=False), until="dgap<=0.3")
dashboard.start()
print("STATE", dashboard.wait(300))
print(dashboard)
print("STATUS", dashboard.status_message())
print("TARGET LINES", [float(line.get_ydata()[0]) for line in dashboard.plot.axes["target"].lines
                       if not line.get_animated()])
print("MONITOR", sorted(key for key in ("d_train", "d_heldout", "d_gap", "r_t", "ada_p") if key in dashboard.history.values))

classifier = TrainingDashboard(Trainer(TrainConfig.from_profile("smoke", task="classifier", steps=10), Path("classifier"),
                                       progress=False))
classifier.start()
print("CLASSIFIER", classifier.wait(300), classifier.source.has_samples)
print(classifier)
"""


def test_dashboard_target_monitor_and_classifier_in_a_plain_script(tmp_path):
    "A run to a target ends at it and says so; the monitor's series arrive; a task without images does not break it."
    done = subprocess.run([sys.executable, "-c", TARGET_SCRIPT], cwd=tmp_path, capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    out = done.stdout
    assert "STATE finished" in out and "target reached" in out, out
    assert "STATUS Target dgap<=0.3 reached at step" in out, out
    assert "TARGET LINES [0.3]" in out, out
    assert "MONITOR ['ada_p', 'd_gap', 'd_heldout', 'd_train', 'r_t']" in out, out
    assert "CLASSIFIER finished False" in out and "TrainingDashboard: finished, step 10/10, loss_c" in out, out
    assert "Traceback" not in done.stderr, done.stderr[-2000:]
