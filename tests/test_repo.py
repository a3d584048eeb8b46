"The repository's promises about itself: pinned torch, conda equal to pip, CI calling the README's command."
import re
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def test_torch_pinned_and_no_torchvision():
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    deps = project["dependencies"] + sum(project["optional-dependencies"].values(), [])
    assert "torch==2.13.0" in deps
    assert not any(re.match(r"torch(vision|audio)\b", dep) for dep in deps)


def test_environment_yml_installs_the_same_package():
    text = (REPO / "environment.yml").read_text()
    assert "python=3.11" in text and "torch==2.13.0" in text and '-e ".[all]"' in text


def test_ci_runs_exactly_the_readme_test_command():
    readme = (REPO / "README.md").read_text()
    ci = (REPO / ".ci" / "run").read_text()
    assert "./workbench.sh test" in readme and "./workbench.sh lab" in readme
    commands = [line for line in ci.splitlines() if line.strip() and not line.startswith(("#", "set ", "cd "))]
    assert commands == ["./workbench.sh test"]


def test_every_notebook_is_numbered_and_clean():
    import json
    notebooks = sorted((REPO / "nbs").rglob("*.ipynb"))
    assert notebooks
    for path in notebooks:
        if ".ipynb_checkpoints" in path.parts:
            continue
        assert re.match(r"\d\d[a-z]?_", path.name), f"{path.name}: notebooks are numbered NN_name.ipynb (or NNa_name)"
        cells = json.loads(path.read_text())["cells"]
        assert all(not cell.get("outputs") for cell in cells if cell["cell_type"] == "code"), f"{path}: has outputs"


def test_workbench_lab_opens_a_notebook_that_exists():
    "`./workbench.sh lab` hands JupyterLab a path; a missing one makes the server exit at once."
    script = (REPO / "workbench.sh").read_text()
    opened = re.search(r'jupyter" lab "\$\{args\[@\]\}" (\S+)', script)
    assert opened, "workbench.sh no longer starts `jupyter lab ... PATH`"
    assert (REPO / opened.group(1)).exists(), opened.group(1)
