"""The course site typesets its formulae offline: a page rendered by tools/build_site.py, opened from disk in Chromium
with every network request refused, asks for nothing beyond its folder and shows MathJax's output for its inline and display maths.

The page is a small notebook with the formulae of the GAN lesson (rendering the whole site takes minutes and is
tested in test_site.py); it goes through the builder's own `copy_scripts` and `render`. Chromium: the `chromium`
fixture of test_browser_dashboard.py (skipped, with the reason printed, where it cannot be installed).
"""
from __future__ import annotations

import importlib.util
import re
import sys

import nbformat
import pytest

from test_browser_dashboard import CHROMIUM_ARGS, REPO, chromium  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]

MATHS = ("The value of the game is $V(D, G) = \\mathbb{E}_x[\\log D(x)] + \\mathbb{E}_z[\\log(1 - D(G(z)))]$, and\n\n"
         "$$D^*(x) = \\frac{p_{data}(x)}{p_{data}(x) + p_g(x)}$$")


def load_tool():
    spec = importlib.util.spec_from_file_location("build_site", REPO / "tools" / "build_site.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["build_site"] = module
    spec.loader.exec_module(module)
    return module


def test_site_pages_typeset_maths_without_the_network(chromium, tmp_path):
    from playwright.sync_api import sync_playwright

    tool = load_tool()
    scripts = tool.copy_scripts(tmp_path, log=print)
    assert scripts.get("mathjax_url", "").startswith("mathjax/MathJax.js?config="), scripts
    assert (tmp_path / "mathjax" / "MathJax.js").is_file() and (tmp_path / scripts["require_js_url"]).is_file()
    lesson = tool.Lesson(REPO / "nbs" / "maths.ipynb", "tutorial", title="maths")
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(MATHS)])
    page = tmp_path / lesson.page
    page.write_text(tool.render(lesson, notebook, scripts), encoding="utf-8")
    text = page.read_text()
    assert 'src="mathjax/MathJax.js?config=' in text and not re.findall(r'<script[^>]+src="https?:', text), \
        re.findall(r'<script[^>]+src="https?:[^"]+', text)

    refused: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(chromium), headless=True, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context()
            context.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file:")
                          else (refused.append(route.request.url), route.abort()))
            tab = context.new_page()
            tab.goto(page.as_uri())
            tab.wait_for_function("() => window.MathJax && MathJax.Hub && MathJax.Hub.queue.pending === 0 "
                                  "&& document.querySelectorAll('.MathJax, .MathJax_Display').length >= 2",
                                  timeout=60_000)
            typeset = tab.evaluate("() => ({formulae: document.querySelectorAll('span.MathJax').length, "
                                   "display: document.querySelectorAll('.MathJax_Display').length, "
                                   "errors: document.querySelectorAll('.MathJax_Error, merror').length})")
        finally:
            browser.close()
    print("typeset:", typeset, "| refused requests:", refused)
    assert typeset["formulae"] >= 2 and typeset["display"] >= 1 and typeset["errors"] == 0, typeset
    assert not refused, f"the page asked the network for {refused}"
