"""Build the course site: every lesson executed and written as static HTML, with an index, readable without installing.

    python tools/build_site.py                      # all tutorials (nbs/3*.ipynb) and exercises -> _site/
    python tools/build_site.py --only 31_* --only 07_ct_windows --out /tmp/site
    ./workbench.sh docs [--only PATTERN] [--out DIR]  # the same, after the set-up

The tutorials run as a student's Run All would (classroom profile). The exercises run as the *student versions*
that `nbgrader generate_assignment` makes (in a temporary course folder): their graded cells print "✗ not yet: …"
and fail their `assert`, which is allowed for those cells only (nbclient's `raises-exception` tag); an error in any
other cell fails the build. Everything executes from copies in a temporary folder, with a temporary copy of
settings.ini whose runs_dir is temporary too, so the repository's tracked files are never touched (the git-ignored
cache of datasets and the feature encoder is shared). Figures are PNG outputs, which nbconvert embeds in each page
as data URIs. The pages' scripts are copied into the site: MathJax 2.7 into `mathjax/` (from the
`jupyter-server-mathjax` package, in the `classroom` extra) and voilà's require.js, so the site reads offline too;
without those packages the pages load both from their CDN. Widgets whose state a page embeds still load the ipywidgets
HTML manager from its CDN. (Quarto, which `nbdev-docs` needs, cannot be installed offline.)

Exit status: 0 when every lesson ran, 1 when one failed (its page is still written, with the error), 2 for bad usage.
"""
from __future__ import annotations

import argparse
import configparser
import fnmatch
import html
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
MARKER = ".medgan-site"  # written into the output folder: only a folder holding it is ever emptied
ASSIGNMENT = "exercises"


@dataclass
class Lesson:
    source: Path
    kind: str  # "tutorial" or "exercise"
    title: str = ""
    summary: str = ""
    seconds: float = 0.0
    error: str = ""
    images: int = 0
    page: str = field(init=False)

    def __post_init__(self):
        self.page = f"{'exercise_' if self.kind == 'exercise' else ''}{self.source.stem}.html"


def find_lessons(patterns: list[str] | None) -> list[Lesson]:
    "Tutorials then exercises, in reading order; with `patterns`, those whose stem or file name matches one."
    found = [Lesson(path, "tutorial") for path in sorted((REPO / "nbs").glob("3*.ipynb"))]
    found += [Lesson(path, "exercise") for path in sorted((REPO / "nbs" / "exercises").glob("[0-9][0-9]_*.ipynb"))]
    if patterns:
        found = [lesson for lesson in found if any(
            fnmatch.fnmatch(lesson.source.stem, p) or fnmatch.fnmatch(lesson.source.name, p) or p == lesson.source.stem
            for p in patterns)]
    return found


def title_and_summary(notebook) -> tuple[str, str]:
    "The notebook's first heading and its one-line description (nbdev's `> …` line under the title)."
    for cell in notebook.cells:
        if cell.cell_type != "markdown":
            continue
        lines = cell.source.splitlines()
        title = next((line.lstrip("#").strip() for line in lines if line.startswith("# ")), "")
        quote = " ".join(line[1:].strip() for line in lines if line.startswith(">"))
        if title:
            return title, quote
    return "", ""


def is_graded_test(cell) -> bool:
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return cell.cell_type == "code" and meta.get("grade", False) and not meta.get("solution", False)


def student_versions(exercises: list[Lesson], work: Path, env: dict) -> dict[str, Path]:
    "The student version of each exercise, made by `nbgrader generate_assignment` in a course folder under `work`."
    if not exercises:
        return {}
    course = work / "course"
    (course / "source" / ASSIGNMENT).mkdir(parents=True)
    for lesson in exercises:
        shutil.copy(lesson.source, course / "source" / ASSIGNMENT / lesson.source.name)
    done = subprocess.run([sys.executable, "-m", "nbgrader", "generate_assignment", ASSIGNMENT, "--force",
                           f"--CourseDirectory.root={course}"], cwd=course, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit("build_site: nbgrader generate_assignment failed (is the classroom extra installed? "
                         f"pip install -e '.[classroom]'):\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
    return {lesson.source.stem: course / "release" / ASSIGNMENT / lesson.source.name for lesson in exercises}


def temporary_settings(work: Path) -> Path:
    "A copy of the settings in use with runs_dir in `work` and cache_dir absolute (the shared, git-ignored cache)."
    sys.path.insert(0, str(REPO))
    from medgan_nb.core import find_settings_file, load_settings
    source = find_settings_file(REPO)
    parser = configparser.ConfigParser(interpolation=None)
    parser.read_string(source.read_text(), source=str(source))
    for section in ["DEFAULT", *parser.sections()]:
        if section == "workbench":
            continue
        profile = load_settings(None if section == "DEFAULT" else section, path=source)
        parser[section]["runs_dir"] = str(work / "runs")
        parser[section]["cache_dir"] = str(profile.cache_dir)  # already anchored to the original file's folder
    copy = work / "settings.ini"
    with copy.open("w") as handle:
        parser.write(handle)
    return copy


def execute(lesson: Lesson, path: Path, env: dict, timeout: int):
    "Execute the notebook at `path` in its folder; graded cells of an exercise may fail their assert. Returns it."
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError
    notebook = nbformat.read(path, as_version=4)
    lesson.title, lesson.summary = title_and_summary(notebook)
    if lesson.kind == "exercise":
        for cell in notebook.cells:
            if is_graded_test(cell):
                cell.metadata.setdefault("tags", [])
                if "raises-exception" not in cell.metadata.tags:
                    cell.metadata.tags.append("raises-exception")
    saved = dict(os.environ)
    os.environ.clear(); os.environ.update(env)  # the kernel inherits this process's environment
    start = time.perf_counter()
    try:
        NotebookClient(notebook, timeout=timeout, kernel_name="python3", allow_errors=False,
                       resources={"metadata": {"path": str(path.parent)}}).execute()
    except CellExecutionError as error:  # its last line names the exception (ANSI colours removed)
        lines = re.sub(r"\x1b\[[0-9;]*m", "", str(error)).strip().splitlines()
        lesson.error = f"{error.ename}: {error.evalue}".strip(": ") if getattr(error, "ename", "") else lines[-1]
    except Exception as error:  # a timeout or a dead kernel: the page shows what ran
        lesson.error = f"{type(error).__name__}: {error}"
    finally:
        lesson.seconds = time.perf_counter() - start
        os.environ.clear(); os.environ.update(saved)
    return notebook


PAGE_BAR = ('<nav style="font:15px system-ui,sans-serif;padding:8px 16px;background:#f3f4f6;border-bottom:1px solid #ddd">'
            '<a href="index.html">← all lessons</a> · {kind}{note}</nav>')


MATHJAX_DIR = "mathjax"
MATHJAX_CONFIG = "TeX-AMS-MML_HTMLorMML-full,Safe"  # the combined configuration jupyter-server-mathjax ships
REQUIRE_JS = "require.min.js"  # nbconvert's lab template loads require.js (for widgets); voilà ships a copy


def copy_scripts(out: Path, log=print) -> dict[str, str]:
    """Copy the scripts the pages load into `out`: MathJax 2.7 (jupyter-server-mathjax's static files) into
    `out/mathjax/` and voilà's require.js; return the HTMLExporter options that point the pages at them (URLs
    relative to `out`). A script whose package is not installed is left to nbconvert's CDN default, with a note."""
    from jupyter_core.paths import jupyter_path
    options = {}
    try:
        import jupyter_server_mathjax
        static = Path(jupyter_server_mathjax.__file__).resolve().parent / "static"
    except ImportError:
        static = None
    if static is not None and (static / "MathJax.js").is_file():
        shutil.copytree(static, out / MATHJAX_DIR, ignore=shutil.ignore_patterns("*.map"))
        options["mathjax_url"] = f"{MATHJAX_DIR}/MathJax.js?config={MATHJAX_CONFIG}"
    else:
        log("build_site: jupyter-server-mathjax is not installed, so the pages load MathJax from its CDN "
            "(pip install -e '.[classroom]' to typeset formulae offline)")
    copies = (Path(folder) / "voila" / "templates" / "base" / "static" / REQUIRE_JS for folder in jupyter_path())
    require = next((copy for copy in copies if copy.is_file()), None)
    if require is not None:
        shutil.copy(require, out / REQUIRE_JS)
        options["require_js_url"] = REQUIRE_JS
    else:
        log("build_site: voilà's require.js was not found, so the pages load it from its CDN")
    return options


def render(lesson: Lesson, notebook, scripts: dict[str, str] | None = None) -> str:
    """One HTML page (PNG figures embedded as data URIs), with a bar linking back to the index; its scripts from
    `scripts` (HTMLExporter options from `copy_scripts`; nbconvert's CDN defaults when None)."""
    from nbconvert import HTMLExporter
    exporter = HTMLExporter(template_name="lab", **(scripts or {}))
    body, _ = exporter.from_notebook_node(notebook, resources={"metadata": {"name": lesson.title}})
    lesson.images = len(re.findall(r'<img[^>]+src="data:image/', body))
    note = (" — the student version: the checks report “not yet” until the exercise is done"
            if lesson.kind == "exercise" else "")
    if lesson.error:
        note += f' — <b style="color:#b00">this lesson stopped with an error: {html.escape(lesson.error)}</b>'
    bar = PAGE_BAR.format(kind=lesson.kind, note=note)
    return re.sub(r"(<body[^>]*>)", lambda m: m.group(1) + bar, body, count=1)


def index_page(lessons: list[Lesson], total: float) -> str:
    "The site's front page: every lesson with its title, one-line description and Run All time."
    sections = []
    for kind, heading in (("tutorial", "Tutorials"), ("exercise", "Exercises (student versions)")):
        rows = [f'<li><a href="{html.escape(l.page)}">{html.escape(l.title or l.source.stem)}</a>'
                f' <span class="file">{html.escape(l.source.name)}</span>'
                + (f'<div class="summary">{html.escape(l.summary)}</div>' if l.summary else "")
                + f'<div class="meta">ran in {l.seconds:.0f} s'
                + (f' — <b class="failed">failed: {html.escape(l.error)}</b>' if l.error else "") + "</div></li>"
                for l in lessons if l.kind == kind]
        if rows:
            sections.append(f"<h2>{heading}</h2>\n<ol>\n" + "\n".join(rows) + "\n</ol>")
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>medgan-nb: the lessons</title>
<style>
body {{ font: 16px/1.5 system-ui, sans-serif; max-width: 52em; margin: 2em auto; padding: 0 1em; color: #222 }}
li {{ margin: 0.8em 0 }} a {{ font-weight: 600 }} .file {{ color: #777; font-size: 0.85em }}
.summary {{ color: #333 }} .meta {{ color: #777; font-size: 0.85em }} .failed {{ color: #b00 }}
</style></head><body>
<h1>medgan-nb: GANs in medical imaging</h1>
<p>Every lesson of the workbench, executed and saved with its figures: read them here, or run them yourself with
<code>./workbench.sh lab</code>. The exercises are shown as students receive them, before they are solved.</p>
{chr(10).join(sections)}
<p class="meta">Built by <code>./workbench.sh docs</code> on {html.escape(socket.gethostname())},
{time.strftime('%Y-%m-%d %H:%M %Z')}, in {total:.0f} s.</p>
</body></html>
"""


def prepare_out(out: Path) -> None:
    "Make `out` an empty site folder; refuse to empty a non-empty folder that is not a site built here."
    if out.exists() and any(out.iterdir()):
        if not (out / MARKER).exists():
            raise SystemExit(f"build_site: {out} is not empty and is not a site built by this tool; "
                             "choose another --out or empty it.")
        shutil.rmtree(out)
    out.mkdir(parents=True, exist_ok=True)
    (out / MARKER).write_text("built by tools/build_site.py; emptied on the next build\n")


def build(patterns: list[str] | None, out: Path, timeout: int = 600, log=print) -> list[Lesson]:
    "Execute and render the lessons matching `patterns` (all when None) into `out`; return them (errors inside)."
    lessons = find_lessons(patterns)
    if not lessons:
        raise SystemExit(f"build_site: no lesson matches {patterns}")
    prepare_out(out)
    scripts = copy_scripts(out, log)
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="medgan-site-") as folder:
        work = Path(folder)
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (str(REPO), os.environ.get("PYTHONPATH")) if p),
               "MPLBACKEND": "module://matplotlib_inline.backend_inline", "PYTHONUNBUFFERED": "1",
               "MEDGAN_SETTINGS": str(temporary_settings(work))}
        students = student_versions([l for l in lessons if l.kind == "exercise"], work, env)
        for lesson in lessons:
            if lesson.kind == "exercise":
                path, lesson_env = students[lesson.source.stem], {**env, "OMP_NUM_THREADS": "1"}
            else:
                (work / "tutorials").mkdir(exist_ok=True)
                path = Path(shutil.copy(lesson.source, work / "tutorials" / lesson.source.name))
                lesson_env = {**env, "MEDGAN_PROFILE": "classroom"}
            log(f"build_site: running {lesson.kind} {lesson.source.name} ...")
            notebook = execute(lesson, path, lesson_env, timeout)
            (out / lesson.page).write_text(render(lesson, notebook, scripts), encoding="utf-8")
            log(f"build_site: {lesson.source.name}: {lesson.seconds:.0f} s, {lesson.images} figure(s)"
                + (f", FAILED: {lesson.error}" if lesson.error else "") + f" -> {out / lesson.page}")
    total = time.perf_counter() - start
    (out / "index.html").write_text(index_page(lessons, total), encoding="utf-8")
    log(f"build_site: {len(lessons)} lesson(s) in {total:.0f} s -> {out / 'index.html'}")
    return lessons


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="build_site", description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", action="append", metavar="PATTERN",
                        help="build only lessons whose name matches (a glob such as '31_*' or a stem); repeatable")
    parser.add_argument("--out", type=Path, default=REPO / "_site", help="output folder (default: _site/)")
    parser.add_argument("--timeout", type=int, default=600, help="seconds one cell may run (default: 600)")
    args = parser.parse_args(argv)
    lessons = build(args.only, args.out.resolve(), args.timeout, log=lambda text: print(text, file=sys.stderr, flush=True))
    failed = [lesson.source.name for lesson in lessons if lesson.error]
    if failed:
        print(f"build_site: FAILED: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
