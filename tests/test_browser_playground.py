"""The 2-D GAN playground in a real browser: JupyterLab + headless Chromium, Run All, step D, play, pause.

What a student does: open a notebook that shows a `GANPlayground`, run it, press *step D* and see D's heatmap
change, press *play* and watch the points move while the step counter grows (training runs in the kernel's
background thread, so the page keeps answering), press *pause* and see it stop, and find no error in any cell.
The notebook is written into a temporary folder. A screenshot is saved to test-artifacts/playground.png.

The JupyterLab server, the Chromium fixture and the polling helpers are the dashboard browser test's.
"""
from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest

from test_browser_dashboard import (ARTIFACTS, CHROMIUM_ARGS, chromium, jupyter_lab, kernel_idle, write_notebook,  # noqa: F401
                                    step_of, wait_for)

pytestmark = [pytest.mark.browser, pytest.mark.timeout(600)]

PLAYGROUND_CELLS = [
    ("markdown", "# Playground browser test\n\nA toy GAN on the ring of Gaussians, live."),
    ("code", """\
import torch
torch.set_num_threads(1)
from medgan_nb.playground import GANPlayground

playground = GANPlayground(loss="non-saturating", pack=2, seed=0)
playground"""),
    ("code", "print('the kernel is free:', playground.text)"),
]


def write_playground_notebook(folder: Path) -> Path:
    "Write the small playground notebook into `folder`; return its path."
    return write_notebook(PLAYGROUND_CELLS, folder / "playground_browser_test.ipynb")


def d_steps_of(text: str) -> int:
    match = re.search(r"D steps\s+(\d+)", text)
    return int(match.group(1)) if match else -1


def run_playground_notebook(notebook: Path, base: str, token: str, root: Path, chromium_path: Path,
                            profile_dir: Path) -> dict:
    "Open `notebook` in JupyterLab in headless Chromium, Run All, press the playground's buttons; return figures."
    from playwright.sync_api import sync_playwright

    relative = notebook.relative_to(root).as_posix()
    figures: dict = {}
    page_errors: list[str] = []
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile_dir), executable_path=str(chromium_path), headless=True, args=CHROMIUM_ARGS,
            viewport={"width": 1200, "height": 900})
        try:
            page = context.pages[0] if context.pages else context.new_page()
            page.on("pageerror", lambda error: page_errors.append(str(error)))
            page.goto(f"{base}/lab/tree/{relative}?token={token}", timeout=120_000)
            page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=120_000)
            wait_for(lambda: kernel_idle(base, token, notebook.name), 120, "the kernel to start and be idle")
            page.wait_for_selector('.jp-Notebook-ExecutionIndicator[data-status="idle"]', timeout=60_000)
            page.click('.lm-MenuBar-itemLabel:text-is("Run")')
            page.click('li.lm-Menu-item[data-command="runmenu:run-all"]')

            playground = page.wait_for_selector(".medgan-playground", timeout=180_000)
            image, status = page.locator("img.medgan-playground-image"), page.locator(".medgan-playground-status")
            wait_for(lambda: step_of(status.inner_text()) == 0, 60, "the text line 'step 0 · ...'")
            wait_for(lambda: image.get_attribute("src"), 30, "the first frame")
            wait_for(lambda: kernel_idle(base, token, notebook.name), 60, "the kernel to be idle after Run All")

            # step D: the heatmap (so the frame) changes, the D step count says 1
            first_frame = image.get_attribute("src")
            clicked = time.monotonic()
            page.locator("button.medgan-playground-step-d").click()
            wait_for(lambda: d_steps_of(status.inner_text()) == 1 and image.get_attribute("src") != first_frame,
                     30, "a new frame after step D")
            figures["step_d_seen_s"] = round(time.monotonic() - clicked, 3)
            assert step_of(status.inner_text()) == 0, "step D moved G"

            # play: the frame keeps changing and the step counter grows, for ~2 s
            page.locator("button.medgan-playground-play").click()
            frames, steps, started = set(), [], time.monotonic()
            while time.monotonic() - started < 2.5:
                frames.add(image.get_attribute("src"))
                steps.append(step_of(status.inner_text()))
                time.sleep(0.1)
            figures["frames_seen_in_2.5_s"], figures["steps_seen"] = len(frames), [steps[0], steps[-1]]
            assert len(frames) >= 5, f"the picture hardly moved while playing: {len(frames)} frames in 2.5 s"
            assert steps[-1] > max(steps[0], 0) + 20, f"the step counter did not grow: {steps}"
            playground.evaluate("element => element.scrollIntoView({block: 'start'})")
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "playground.png"))

            # pause: the counter stops
            page.locator("button.medgan-playground-play").click()
            wait_for(lambda: "play" in page.locator("button.medgan-playground-play").inner_text(), 10,
                     "the button to say play again")
            time.sleep(0.7)  # the frame in flight arrives
            paused_at, paused_frame = step_of(status.inner_text()), image.get_attribute("src")
            time.sleep(2.0)
            assert step_of(status.inner_text()) == paused_at, "training went on after pause"
            assert image.get_attribute("src") == paused_frame, "the picture changed after pause"
            figures["paused_at_step"] = paused_at

            # no cell raised: save and read the outputs
            before = notebook.stat().st_mtime_ns
            page.keyboard.press("Control+s")
            wait_for(lambda: notebook.stat().st_mtime_ns != before, 30, "the notebook to be saved")
            code_cells = [cell for cell in json.loads(notebook.read_text())["cells"] if cell["cell_type"] == "code"]
            errors = [f"{output.get('ename')}: {output.get('evalue')}" for cell in code_cells
                      for output in cell.get("outputs", []) if output.get("output_type") == "error"]
            assert not errors, f"cells raised: {errors}"
            assert all(cell.get("execution_count") for cell in code_cells), "Run All left cells unexecuted"
            figures["page_errors"] = page_errors
        except BaseException:
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "playground-failure.png"))
            raise
        finally:
            context.close()
    return figures


def test_playground_in_jupyterlab(chromium, jupyter_lab, tmp_path):
    base, token, root, log_path = jupyter_lab
    notebook = write_playground_notebook(root)
    started = time.monotonic()
    figures = run_playground_notebook(notebook, base, token, root, chromium, tmp_path / "chromium-profile")
    figures["browser_seconds"] = round(time.monotonic() - started, 1)
    print(json.dumps(figures, indent=1))
    assert (ARTIFACTS / "playground.png").stat().st_size > 10_000
