"""The course site (`./workbench.sh docs`, i.e. tools/build_site.py): executed lessons as static HTML with an index.

The build is tested on a subset, `--only 31_enhancement --only 07_ct_windows`: one tutorial and one exercise take
every path of the builder (a tutorial copied and run under the classroom profile; an exercise made into its student
version by nbgrader and run with only its graded cells allowed to fail) in under a minute and a half on 2 cores.
All four tutorials take several minutes more (measured in README.md), and tests/test_tutorials_run_all.py already
runs each of them; 31_enhancement is the quickest tutorial (about 45 s) and shows figures, as does 07_ct_windows."""
import html
import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

pytest.importorskip("nbgrader")

REPO = Path(__file__).resolve().parent.parent
TOOL = REPO / "tools" / "build_site.py"
SUBSET = ["31_enhancement", "07_ct_windows"]


def load_tool():
    spec = importlib.util.spec_from_file_location("build_site", TOOL)
    module = importlib.util.module_from_spec(spec)
    sys.modules["build_site"] = module  # dataclasses look their module up while the class is made
    spec.loader.exec_module(module)
    return module


def git_status() -> str:
    return subprocess.run(["git", "status", "--porcelain", "--untracked-files=all"], cwd=REPO, capture_output=True,
                          text=True, check=True).stdout


def visible_text(page: str) -> str:
    "The page's text as a reader sees it (tags removed, entities decoded): code is split into highlighting spans."
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", "", page))


def embedded_images(page: str) -> int:
    return len(re.findall(r'<img[^>]+src="data:image/png;base64,[A-Za-z0-9+/=\s]{200,}"', page))


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    "The site built for SUBSET, and the repository's status before and after."
    out = tmp_path_factory.mktemp("site") / "_site"
    before = git_status()
    args = [arg for stem in SUBSET for arg in ("--only", stem)]
    done = subprocess.run([sys.executable, str(TOOL), *args, "--out", str(out)], cwd=REPO, capture_output=True,
                          text=True, timeout=900)
    return out, done, before, git_status()


@pytest.mark.timeout(900)
def test_the_subset_builds_without_errors(site):
    out, done, _, _ = site
    assert done.returncode == 0, done.stderr[-4000:]
    assert "FAILED" not in done.stderr and "stopped with an error" not in "".join(
        page.read_text() for page in out.glob("*.html"))


def test_the_index_links_every_page_with_its_title_and_description(site):
    out, _, _, _ = site
    pages = {page.name for page in out.glob("*.html")} - {"index.html"}
    assert pages == {"31_enhancement.html", "exercise_07_ct_windows.html"}, pages
    index = (out / "index.html").read_text()
    links = set(re.findall(r'<a href="([^"]+)"', index))
    assert links == pages
    tool = load_tool()
    for source in (REPO / "nbs" / "31_enhancement.ipynb", REPO / "nbs" / "exercises" / "07_ct_windows.ipynb"):
        title, summary = tool.title_and_summary(nbformat.read(source, as_version=4))
        assert title and summary and html.escape(title) in index and html.escape(summary) in index, source.name
    assert index.index("31_enhancement.html") < index.index("exercise_07_ct_windows.html")  # tutorials first
    for page in pages:  # each page links back to the index
        assert '<a href="index.html">' in (out / page).read_text(), page


def test_each_page_embeds_its_figures(site):
    "Both lessons of the subset show figures: each page carries them as PNG data URIs, and links no image file."
    out, _, _, _ = site
    for page in ("31_enhancement.html", "exercise_07_ct_windows.html"):
        text = (out / page).read_text()
        assert embedded_images(text) >= 1, page
        assert not re.findall(r'<img[^>]+src="(?!data:)', text), f"{page} links an image file"
    assert embedded_images((out / "31_enhancement.html").read_text()) >= 3


def test_pages_load_their_scripts_from_the_site(site):
    "MathJax and require.js are copied into the site and the pages point at the copies: the site reads offline."
    out, _, _, _ = site
    for page in ("31_enhancement.html", "exercise_07_ct_windows.html"):
        text = (out / page).read_text()
        scripts = re.findall(r'<script[^>]+src="([^"]+)"', text)
        assert scripts and not [src for src in scripts if re.match(r"https?:", src)], (page, scripts)
        assert all((out / src.split("?")[0]).is_file() for src in scripts), (page, scripts)
    assert (out / "mathjax" / "MathJax.js").is_file()


def test_the_exercise_page_is_the_student_version_run_to_the_end(site):
    out, _, _, _ = site
    text = visible_text((out / "exercise_07_ct_windows.html").read_text())
    assert "✗ not yet: not written yet" in text  # the graded cell's output, not the page's banner
    assert "AssertionError" in text  # the graded cell fails its assert (0 points), as nbgrader's test cell does
    assert "BEGIN SOLUTION" not in text and "END SOLUTION" not in text
    assert "raise NotImplementedError()" in text
    instructor = nbformat.read(REPO / "nbs" / "exercises" / "07_ct_windows.ipynb", as_version=4)
    solution = [line.strip() for cell in instructor.cells if cell.metadata.get("nbgrader", {}).get("solution")
                for line in cell.source.split("### BEGIN SOLUTION")[1].split("### END SOLUTION")[0].splitlines()
                if len(line.strip()) > 12]
    assert solution and not [line for line in solution if line in text], "the instructor's answer is on the page"
    tutorial = visible_text((out / "31_enhancement.html").read_text())
    assert "Traceback" not in tutorial and "not yet" not in tutorial


def test_building_leaves_the_repository_unchanged(site):
    _, _, before, after = site
    assert after == before, "building the site changed the repository"


def test_a_pattern_that_matches_nothing_is_refused(tmp_path):
    done = subprocess.run([sys.executable, str(TOOL), "--only", "no_such_lesson", "--out", str(tmp_path / "s")],
                          cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode != 0 and "no lesson matches" in done.stderr
    assert not (tmp_path / "s").exists()


def test_only_a_site_folder_is_ever_emptied(tmp_path):
    tool = load_tool()
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(SystemExit, match="not a site built by this tool"):
        tool.prepare_out(tmp_path)
    assert (tmp_path / "notes.txt").read_text() == "mine"
    site = tmp_path / "site"
    tool.prepare_out(site)
    (site / "old.html").write_text("stale")
    tool.prepare_out(site)  # a previous build is replaced
    assert not (site / "old.html").exists() and (site / tool.MARKER).exists()


def test_lessons_are_every_tutorial_and_exercise_and_only_selects():
    tool = load_tool()
    everything = [lesson.source.name for lesson in tool.find_lessons(None)]
    tutorials = sorted(path.name for path in (REPO / "nbs").glob("3*.ipynb"))
    exercises = sorted(path.name for path in (REPO / "nbs" / "exercises").glob("[0-9][0-9]_*.ipynb"))
    assert everything == tutorials + exercises and len(tutorials) >= 4 and len(exercises) >= 5
    assert [l.source.name for l in tool.find_lessons(["3[01]_*", "07_ct_windows"])] == \
        ["30_quickstart.ipynb", "31_enhancement.ipynb", "07_ct_windows.ipynb"]


def test_workbench_docs_runs_the_builder():
    script = (REPO / "workbench.sh").read_text()
    assert re.search(r'^\s*docs\) setup; exec "\$PY" tools/build_site\.py "\$@" ;;$', script, flags=re.M)
    assert "./workbench.sh docs" in script and "./workbench.sh docs" in (REPO / "README.md").read_text()
