"""The classroom exercises (nbs/exercises/, nbgrader's format) as a course would run them.

The instructor versions run with every check passing; `nbgrader generate_assignment` makes the student versions,
which run to the end with every check saying "not yet" and a hint: the only errors are the graded cells' asserts
(an nbgrader test cell *is* `assert check_…(answer)`, so a failing check fails its cell and scores 0). `nbgrader
autograde` then gives the instructor's answers full marks and the blank student version none. Typical wrong answers
get hints that name the mistake, never the expected value."""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import numpy as np
import pytest
import torch
from nbclient import NotebookClient
from scipy import ndimage

from medgan_nb.exercises import ct, gan, images, training
from medgan_nb.losses import discriminator_loss

pytest.importorskip("nbgrader")

REPO = Path(__file__).resolve().parent.parent
EXERCISES = sorted((REPO / "nbs" / "exercises").glob("[0-9][0-9]_*.ipynb"))
ASSIGNMENT = "exercises"
ENV = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]),
       "OMP_NUM_THREADS": "1", "MPLBACKEND": "Agg"}


def nbgrader(*args: str, course: Path) -> subprocess.CompletedProcess:
    "Run `nbgrader ARGS` on the course folder; fail with its output if it fails."
    done = subprocess.run([sys.executable, "-m", "nbgrader", *args, f"--CourseDirectory.root={course}"],
                          cwd=course, env=ENV, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    return done


def execute(path: Path, allow_errors: bool = False) -> nbformat.NotebookNode:
    "Execute a notebook in its folder (kernel environment: this checkout first on the path); return it with outputs."
    notebook = nbformat.read(path, as_version=4)
    os.environ.update({key: ENV[key] for key in ("PYTHONPATH", "OMP_NUM_THREADS", "MPLBACKEND")})
    NotebookClient(notebook, timeout=120, kernel_name="python3", allow_errors=allow_errors,
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    return notebook


def text_of(cell) -> str:
    return "".join(out.get("text", "") for out in cell.get("outputs", []) if out["output_type"] == "stream")


def errors_of(cell) -> list[dict]:
    return [out for out in cell.get("outputs", []) if out["output_type"] == "error"]


def graded(cell) -> bool:
    meta = cell.metadata.get("nbgrader", {})
    return cell.cell_type == "code" and meta.get("grade", False) and not meta.get("solution", False)


@pytest.fixture(scope="module")
def course(tmp_path_factory) -> Path:
    "A course folder with every exercise as one assignment, and its student version made by nbgrader."
    root = tmp_path_factory.mktemp("course")
    (root / "source" / ASSIGNMENT).mkdir(parents=True)
    for path in EXERCISES:
        shutil.copy(path, root / "source" / ASSIGNMENT / path.name)
    shutil.copytree(REPO / "nbs" / "exercises" / "runs", root / "source" / ASSIGNMENT / "runs")  # exercise 6's runs
    nbgrader("generate_assignment", ASSIGNMENT, "--force", course=root)
    if not (root / "release" / ASSIGNMENT / "runs").exists():  # nbgrader releases the notebooks only
        shutil.copytree(root / "source" / ASSIGNMENT / "runs", root / "release" / ASSIGNMENT / "runs")
    return root


def test_the_exercises_are_in_nbgraders_format():
    assert len(EXERCISES) >= 10, EXERCISES
    for path in EXERCISES:
        cells = nbformat.read(path, as_version=4).cells
        solutions = [c for c in cells if c.metadata.get("nbgrader", {}).get("solution")]
        tests = [c for c in cells if graded(c)]
        assert solutions and tests, f"{path.name}: needs solution cells and autograded test cells"
        assert all("### BEGIN SOLUTION" in c.source and "### END SOLUTION" in c.source for c in solutions), path.name
        assert all(c.metadata.nbgrader["locked"] and c.metadata.nbgrader["points"] > 0 and
                   c.source.lstrip().startswith("assert check_") for c in tests), path.name


def test_instructor_versions_pass_every_check():
    for path in EXERCISES:
        notebook = execute(path)
        tests = [cell for cell in notebook.cells if graded(cell)]
        assert all(text_of(cell).strip() == "✓ passed" for cell in tests), \
            (path.name, [text_of(cell) for cell in tests])


def test_student_versions_run_to_the_end_with_hints(course):
    for path in EXERCISES:
        student = course / "release" / ASSIGNMENT / path.name
        source = student.read_text()
        assert "BEGIN SOLUTION" not in source and "raise NotImplementedError()" in source, path.name
        notebook = execute(student, allow_errors=True)
        for index, cell in enumerate(notebook.cells):
            if cell.cell_type != "code":
                continue
            if graded(cell):
                assert text_of(cell).startswith("✗ not yet: not written yet"), (path.name, index, text_of(cell))
                assert [error["ename"] for error in errors_of(cell)] == ["AssertionError"], (path.name, index)
            else:  # every other cell runs cleanly: no traceback for the student
                assert not errors_of(cell), (path.name, index, errors_of(cell))
                assert "✓ passed" not in text_of(cell), (path.name, index)


def test_autograde_gives_the_solutions_full_marks_and_the_blank_version_none(course):
    from nbgrader.api import Gradebook
    for student, folder in (("instructor", course / "source"), ("blank", course / "release")):
        (course / "submitted" / student).mkdir(parents=True, exist_ok=True)
        shutil.copytree(folder / ASSIGNMENT, course / "submitted" / student / ASSIGNMENT, dirs_exist_ok=True)
        nbgrader("db", "student", "add", student, course=course)
    nbgrader("autograde", ASSIGNMENT, "--force", course=course)
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        instructor = gradebook.find_submission(ASSIGNMENT, "instructor")
        blank = gradebook.find_submission(ASSIGNMENT, "blank")
        manual = sum(c.max_score for n in instructor.notebooks for c in n.grades if c.auto_score is None)
        assert instructor.max_score >= 10
        assert instructor.score == instructor.max_score - manual  # the written explanation waits for the instructor
        assert blank.score == 0


# --- typical wrong answers: the hint names the mistake ---------------------------------------------------------

def test_missing_minus_in_d_loss_is_named():
    result = gan.check_discriminator_loss(lambda real, fake: -discriminator_loss("vanilla", real, fake))
    assert not result and "wrong sign" in result.hint and "minus" in result.hint


def test_forgotten_detach_in_d_step_is_named():
    def d_step(G, D, optimizer_d, real, latent):
        loss = discriminator_loss("vanilla", D(real), D(G(latent)))  # G(latent) not detached
        optimizer_d.zero_grad(); loss.backward(); optimizer_d.step()
        return loss.item()
    result = gan.check_discriminator_step(d_step)
    assert not result and "detach" in result.hint and "G" in result.hint


@pytest.mark.parametrize("wrong_norm", [lambda g: g.norm(dim=1), lambda g: g.norm(), lambda g: g.norm(dim=(2, 3))])
def test_gradient_penalty_norm_over_the_wrong_dimensions_is_named(wrong_norm):
    def penalty(critic, real, fake, weight):
        epsilon = torch.rand(len(real), 1, 1, 1)
        x_hat = (epsilon * real + (1 - epsilon) * fake).requires_grad_(True)
        (gradients,) = torch.autograd.grad(critic(x_hat).sum(), x_hat, create_graph=True)
        return weight * ((wrong_norm(gradients) - 1) ** 2).mean()
    result = gan.check_gradient_penalty(penalty)
    assert not result and "wrong dimensions" in result.hint


def test_wrong_answer_in_the_notebook_gets_its_hint(tmp_path):
    "The gradient-penalty exercise with a per-channel norm: its graded cell prints the hint and fails its assert."
    path = REPO / "nbs" / "exercises" / "05_gradient_penalty.ipynb"
    notebook = nbformat.read(path, as_version=4)
    cell = next(c for c in notebook.cells if c.metadata.get("nbgrader", {}).get("solution") and c.cell_type == "code")
    assert "gradients.flatten(1).norm(2, dim=1)" in cell.source
    cell.source = cell.source.replace("gradients.flatten(1).norm(2, dim=1)", "gradients.norm(2, dim=1)")
    nbformat.write(notebook, tmp_path / path.name)
    executed = execute(tmp_path / path.name, allow_errors=True)
    test_cell = next(c for c in executed.cells if graded(c))
    assert "✗ not yet: the gradient norm is taken over the wrong dimensions" in text_of(test_cell)
    assert [error["ename"] for error in errors_of(test_cell)] == ["AssertionError"]


def test_ct_window_mistakes_are_named():
    result = ct.check_ct_windows(lambda: {"lung_nodule": "mediastinum", "liver_metastasis": "abdomen",
                                          "vertebral_fracture": (1800, 400)})
    assert not result
    assert "lung_nodule: the lung tissue around the nodule is clipped to black" in result.hint
    assert "liver_metastasis: too wide" in result.hint and "vertebral_fracture: " in result.hint


def test_hints_never_print_the_expected_value(monkeypatch, capsys):
    seeded = lambda: torch.Generator().manual_seed(1234)
    monkeypatch.setattr(gan, "fresh_generator", seeded)
    real, fake = gan._random_logits(seeded())
    want = discriminator_loss("vanilla", real, fake).item()
    result = gan.check_discriminator_loss(lambda r, f: discriminator_loss("vanilla", r, f) + 0.37)
    printed = capsys.readouterr().out
    assert not result and printed.startswith("✗ not yet: the value is not D's loss")
    assert not any(f"{want:.{digits}f}" in printed for digits in (2, 3, 4)), printed


def test_a_student_exception_is_a_hint_not_a_traceback(capsys):
    result = gan.check_generator_loss(lambda fake: 1 / 0)
    printed = capsys.readouterr().out
    assert not result and printed.strip() == "✗ not yet: your function raised ZeroDivisionError: division by zero"
    assert "Traceback" not in printed


def test_iou_given_as_dice_is_named():
    result = images.check_dice(lambda p, t, k: images.segmentation_scores(p, t, k)["iou"])
    assert not result and "IoU" in result.hint and "2|A ∩ B|" in result.hint


def test_dice_smoothing_of_empty_masks_is_named():
    def smoothed(predicted, truth, classes):
        p = torch.nn.functional.one_hot(predicted, classes)[..., 1:].float()
        t = torch.nn.functional.one_hot(truth, classes)[..., 1:].float()
        return (2 * (p * t).sum((1, 2)) + 1) / (p.sum((1, 2)) + t.sum((1, 2)) + 1)
    result = images.check_dice(smoothed)
    assert not result and "NaN" in result.hint and "smoothing" in result.hint


def test_a_wrong_diagnosis_gets_one_neutral_hint_not_the_answer(monkeypatch):
    truth = training.RUN_DIAGNOSES
    swapped = {**truth, "run_a": truth["run_c"], "run_c": truth["run_a"]}
    result = training.check_diagnosis(lambda: swapped)
    assert not result and "run_a is not" in result.hint and "run_c is not" in result.hint
    assert "modes" in result.hint and "d_gap" in result.hint and "run_b" not in result.hint  # what to read
    assert f"run_a is {truth['run_a']!r}" not in result.hint
    # the same runs named wrong under other true diagnoses get the same hint: it cannot tell which run is which
    all_healthy = lambda: {run: "healthy" for run in truth}
    hint = training.check_diagnosis(all_healthy).hint
    monkeypatch.setattr(training, "RUN_DIAGNOSES", {"run_a": "D overfitting", "run_b": "mode collapse", "run_c": "healthy"})
    assert training.check_diagnosis(all_healthy).hint == hint


def test_the_shipped_runs_are_small_and_show_their_diagnosis():
    runs = REPO / "nbs" / "exercises" / "runs"
    assert sorted(path.name for path in runs.iterdir()) == sorted(training.RUN_DIAGNOSES)
    last = {}
    for name in training.RUN_DIAGNOSES:
        assert (runs / name / "config.json").exists()
        assert sum(path.stat().st_size for path in (runs / name).iterdir()) < 20_000, name
        records = [json.loads(line) for line in (runs / name / "metrics.jsonl").read_text().splitlines()]
        last[training.RUN_DIAGNOSES[name]] = [r for r in records if "d_gap" in r][-1]
    assert last["D overfitting"]["d_gap"] > 0.2 > abs(last["healthy"]["d_gap"])
    assert last["healthy"]["modes"] == 8 > last["mode collapse"]["modes"]


def test_a_forgotten_detach_in_the_d_phase_is_named():
    class Undetached(training.RingGAN):
        def d_loss(self, batch, cache):
            real_logits, fake_logits = self.D(batch["real"]), self.D(self.G(batch["latent"]))
            return discriminator_loss("vanilla", real_logits, fake_logits), self.judge_statistics(real_logits, fake_logits)
    result = training.check_d_phase(Undetached)
    assert not result and "detach" in result.hint and "into G" in result.hint


def test_lesions_present_in_the_truth_are_named():
    def everything_in_the_output(output, target, lesion_mask):  # invented and kept true lesions alike
        labelled = lambda mask: ndimage.label(mask)[1]
        return (labelled(ndimage.gaussian_filter(output - target, 1) > 15) +
                labelled(ndimage.gaussian_filter(output - target, 1) < -15) +
                labelled(lesion_mask & (np.abs(output - target) < 15)))
    result = images.check_invented_lesions(everything_in_the_output)
    assert not result and "present in the truth too" in result.hint
