#!/usr/bin/env python3
"""Author notebooks as plain text and turn them into clean `.ipynb` files (and back).

The `.ipynb` in `nbs/` stays the source of truth; this tool only makes writing and editing cells easier.
A draft is a Python file whose cells are separated by `# %%` lines; `# %% [markdown]` starts a markdown
cell whose lines are commented with `# `. Cell metadata, where a cell has some (nbgrader's, in the exercises),
follows the marker as one line of JSON: `# %% {"nbgrader": {"solution": true, ...}}`.

    python tools/nbtool.py build draft.py nbs/00_core.ipynb   # draft -> notebook
    python tools/nbtool.py dump nbs/00_core.ipynb > draft.py  # notebook -> draft
"""
import json
import sys
from pathlib import Path

CODE_MARK, MD_MARK = "# %%", "# %% [markdown]"


def _metadata(header: str) -> dict:
    "The JSON metadata after a `# %%` or `# %% [markdown]` marker ({} if none)."
    rest = header[len(MD_MARK if header.startswith(MD_MARK) else CODE_MARK):].strip()
    return json.loads(rest) if rest else {}


def draft_to_cells(text: str) -> list[dict]:
    "Split a `# %%` draft into notebook cell dicts."
    cells, kind, lines, metadata = [], None, [], {}

    def flush():
        if kind is None:
            return
        body = "\n".join(lines).strip("\n")
        if kind == "markdown":
            body = "\n".join(l[2:] if l.startswith("# ") else l.lstrip("#") for l in body.split("\n"))
        if body.strip():
            cell = {"cell_type": kind, "metadata": metadata, "source": body.splitlines(keepends=True)}
            if kind == "code":
                cell.update(execution_count=None, outputs=[])
            cells.append(cell)

    for line in text.split("\n"):
        if line.startswith(MD_MARK):
            flush(); kind, lines, metadata = "markdown", [], _metadata(line)
        elif line.startswith(CODE_MARK):
            flush(); kind, lines, metadata = "code", [], _metadata(line)
        else:
            if kind is None:
                kind = "code"
            lines.append(line)
    flush()
    return cells


def build(draft: str, out: str) -> None:
    cells = draft_to_cells(Path(draft).read_text())
    notebook = {"cells": cells, "metadata": {"kernelspec": {"display_name": "python3", "language": "python",
                                                             "name": "python3"}},
                "nbformat": 4, "nbformat_minor": 5}
    Path(out).write_text(json.dumps(notebook, indent=1, ensure_ascii=False) + "\n")


def dump(notebook_path: str) -> str:
    notebook = json.loads(Path(notebook_path).read_text())
    parts = []
    for cell in notebook["cells"]:
        source = "".join(cell["source"])
        metadata = (" " + json.dumps(cell["metadata"], ensure_ascii=False)) if cell.get("metadata") else ""
        if cell["cell_type"] == "markdown":
            parts.append(MD_MARK + metadata + "\n" + "\n".join(("# " + l) if l else "#" for l in source.split("\n")))
        else:
            parts.append(CODE_MARK + metadata + "\n" + source)
    return "\n\n".join(parts) + "\n"


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "build":
        build(sys.argv[2], sys.argv[3])
    elif len(sys.argv) == 3 and sys.argv[1] == "dump":
        sys.stdout.write(dump(sys.argv[2]))
    else:
        sys.exit(__doc__)
