"""The lecture screen in a real browser: `medgan train` in one process, `medgan lecture` (voilà) in another, Chromium.

What an instructor does: start a run from a terminal, serve its folder's lecture screen with
`medgan lecture RUN_DIR` (what `./workbench.sh lecture RUN_DIR` runs) and open the printed URL on the projector.
The test checks that the page follows the run (its step count grows while the run trains), that it has no button
at all, and that its text is larger than the notebook dashboard's, which it measures on `watch_run` of the same
folder served by voilà the same way, and that the whole screen, hint and caption included, fits 1920 x 1080. Then
the repository's page, served by plain voilà, takes its run and scale from the URL (`?run=RUN_DIR&scale=1.5`) and,
without a run, says how to name one. The lecture screen is screenshotted mid-training to test-artifacts/lecture.png.

Chromium: the `chromium` fixture of test_browser_dashboard.py (installed with apt-get when missing and we are root;
otherwise the test is skipped with the reason printed).
"""
from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import signal
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from test_browser_dashboard import ARTIFACTS, CHROMIUM_ARGS, REPO, chromium, free_port, step_of, wait_for  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]

NORMAL_DASHBOARD_CELLS = "from medgan_nb.dashboard import watch_run\nwatch_run({run!r})"
# a font-size, in CSS pixels, of the text that carries the step count
FONT_SIZE_JS = "element => parseFloat(getComputedStyle(element.querySelector('b') || element).fontSize)"


def start(command: list[str], log_path: Path, env: dict | None = None) -> subprocess.Popen:
    "Start `command` in its own process group (so that its children end with it), output to `log_path`."
    log = open(log_path, "w")
    path = os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))  # kernels import this checkout
    return subprocess.Popen(command, cwd=REPO, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1", "MPLBACKEND": "Agg", "PYTHONPATH": path,
                                 **(env or {})})


def end(process: subprocess.Popen) -> None:
    "End a process group we started: SIGTERM, then SIGKILL."
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def wait_for_server(process: subprocess.Popen, url: str, log_path: Path, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            pytest.fail(f"the server exited with code {process.returncode}:\n{log_path.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            pytest.fail(f"the server did not answer within {timeout:.0f} s:\n{log_path.read_text()[-3000:]}")
        time.sleep(0.5)


def write_page(path: Path, source: str) -> Path:
    notebook = {"cells": [{"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [],
                           "source": source.splitlines(keepends=True)}], "nbformat": 4, "nbformat_minor": 5,
                "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}}}
    path.write_text(json.dumps(notebook))
    return path


def open_page(context, url: str, root_selector: str, page_errors: list[str]):
    page = context.new_page()
    page.on("pageerror", lambda error: page_errors.append(str(error)))
    page.goto(url, timeout=120_000)
    page.wait_for_selector(f"{root_selector} .medgan-progress", timeout=120_000)
    return page


def test_lecture_screen_in_voila(chromium, tmp_path):
    from playwright.sync_api import sync_playwright

    run_dir = tmp_path / "runs" / "lecture-test"
    figures: dict = {}
    processes: list[subprocess.Popen] = []
    # the run: a smoke DCGAN long enough to outlast the test, logging often, with sample grids now and then
    training = start([sys.executable, "-m", "medgan_nb", "train", "--profile", "smoke", "--steps", "100000",
                      "--out", str(run_dir), "--no-progress", "--set", "log_every=2", "--set", "sample_every=20",
                      "--set", "checkpoint_every=100000"], tmp_path / "train.log", env={"OMP_NUM_THREADS": "1"})
    processes.append(training)
    try:
        wait_for(lambda: (run_dir / "metrics.jsonl").is_file() or training.poll() is not None, 120,
                 "the run to write metrics.jsonl")
        assert training.poll() is None, (tmp_path / "train.log").read_text()[-3000:]

        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(chromium), headless=True, args=CHROMIUM_ARGS)
            context = browser.new_context(viewport={"width": 1920, "height": 1080})
            page_errors: list[str] = []
            try:
                # 1. the notebook dashboard (watch_run), served by voilà the same way: its text size, its buttons
                port, token = free_port(), secrets.token_hex(12)
                page_path = write_page(tmp_path / "20_normal_dashboard.ipynb",
                                       NORMAL_DASHBOARD_CELLS.format(run=str(run_dir)))
                normal_server = start([sys.executable, "-m", "voila", str(page_path), "--no-browser",
                                       "--Voila.ip=127.0.0.1", f"--port={port}", f"--token={token}"],
                                      tmp_path / "voila-normal.log")
                processes.append(normal_server)
                url = f"http://127.0.0.1:{port}/?token={token}"
                wait_for_server(normal_server, url, tmp_path / "voila-normal.log")
                normal = open_page(context, url, ".medgan-dashboard", page_errors)
                figures["normal_font_px"] = normal.locator(".medgan-progress").evaluate(FONT_SIZE_JS)
                figures["normal_buttons"] = normal.locator("button").count()
                assert figures["normal_buttons"] >= 4, "the button check finds no buttons even on the notebook dashboard"
                normal.close()
                end(normal_server)

                # 2. the lecture screen, served by the command an instructor runs
                port, token = free_port(), secrets.token_hex(12)
                server = start([sys.executable, "-m", "medgan_nb", "lecture", str(run_dir), f"--port={port}",
                                f"--token={token}"], tmp_path / "lecture.log")
                processes.append(server)
                url = f"http://127.0.0.1:{port}/?token={token}"
                wait_for_server(server, url, tmp_path / "lecture.log")
                assert url in (tmp_path / "lecture.log").read_text(), "medgan lecture did not print the page's URL"
                page = open_page(context, url, ".medgan-lecture", page_errors)
                progress = page.locator(".medgan-lecture .medgan-progress")
                first_step = wait_for(lambda: max(step_of(progress.inner_text()), 0) or None, 90, "a first step")
                seen = time.monotonic()
                wait_for(lambda: step_of(progress.inner_text()) > first_step, 60, "the step count to grow")
                figures["steps_seen"] = [first_step, step_of(progress.inner_text())]
                figures["seconds_to_grow"] = round(time.monotonic() - seen, 1)
                assert training.poll() is None, "the run ended before the test: the steps seen are not a live run's"

                figures["lecture_buttons"] = page.locator("button, [role=button], input[type=button], "
                                                          "input[type=submit]").count()
                assert figures["lecture_buttons"] == 0, f"the lecture page has {figures['lecture_buttons']} buttons"
                figures["lecture_font_px"] = progress.evaluate(FONT_SIZE_JS)
                assert figures["lecture_font_px"] >= 1.5 * figures["normal_font_px"], figures
                status = page.locator(".medgan-lecture .medgan-status").inner_text()
                assert "Training" in status, f"the status does not say the run trains: {status!r}"
                wait_for(lambda: page.locator(".medgan-lecture img.medgan-plots").get_attribute("src"), 30,
                         "the plots")
                wait_for(lambda: page.locator(".medgan-lecture img.medgan-samples").get_attribute("src"), 60,
                         "a sample grid")
                time.sleep(2.0)  # let the latest plot and grid arrive
                ARTIFACTS.mkdir(exist_ok=True)
                page.screenshot(path=str(ARTIFACTS / "lecture.png"))
                # a projector shows one screen: everything, hint and caption included, inside 1920 x 1080
                figures["lecture_bottom_px"] = page.evaluate(
                    "() => Math.max(...[...document.querySelectorAll('.medgan-lecture *')]"
                    ".filter(e => e.getClientRects().length).map(e => e.getBoundingClientRect().bottom))")
                figures["scroll_height_px"] = page.evaluate("() => document.documentElement.scrollHeight")
                assert figures["lecture_bottom_px"] <= 1080 and figures["scroll_height_px"] <= 1080, figures
                page.close()
                end(server)

                # 3. the repository's page served by plain voilà: the run and the scale come from the URL
                port, token = free_port(), secrets.token_hex(12)
                page_server = start([sys.executable, "-m", "voila", str(REPO / "nbs" / "lecture" / "40_lecture_screen.ipynb"),
                                     "--no-browser", "--Voila.ip=127.0.0.1", f"--port={port}", f"--token={token}"],
                                    tmp_path / "voila-page.log", env={"MEDGAN_RUN": "", "MEDGAN_LECTURE_SCALE": ""})
                processes.append(page_server)
                url = f"http://127.0.0.1:{port}/?token={token}"
                wait_for_server(page_server, url, tmp_path / "voila-page.log")
                helped = context.new_page()
                helped.goto(url, timeout=120_000)
                help_text = helped.locator(".medgan-lecture-help").inner_text(timeout=120_000)
                assert "?run=RUN_DIR" in help_text, help_text
                helped.close()
                queried = open_page(context, f"{url}&{urllib.parse.urlencode({'run': str(run_dir), 'scale': 1.5})}",
                                    ".medgan-lecture", page_errors)
                figures["query_title"] = queried.locator(".medgan-lecture .medgan-title").inner_text()
                figures["query_font_px"] = queried.locator(".medgan-lecture .medgan-progress").evaluate(FONT_SIZE_JS)
                assert run_dir.name in figures["query_title"], figures
                assert figures["query_font_px"] == round(1.5 * figures["normal_font_px"]), figures
                queried.close()
                figures["page_errors"] = page_errors
                assert not page_errors, page_errors
            except BaseException:
                ARTIFACTS.mkdir(exist_ok=True)
                with contextlib.suppress(Exception):
                    context.pages[-1].screenshot(path=str(ARTIFACTS / "lecture-failure.png"))
                raise
            finally:
                context.close()
                browser.close()
    finally:
        for process in reversed(processes):
            end(process)
    print(json.dumps(figures, indent=1))
    assert (ARTIFACTS / "lecture.png").stat().st_size > 10_000
