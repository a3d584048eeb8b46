#!/usr/bin/env bash
# medgan-nb: set everything up in ./.venv (idempotent), then run the workbench or its tests.
#
#   ./workbench.sh lab            set up, then open JupyterLab on the tutorials
#   ./workbench.sh lab --headless set up, then serve JupyterLab without a browser (for a server; tunnel the port)
#   ./workbench.sh test           set up, then run every test: notebooks clean & exported, nbdev-test, pytest
#   ./workbench.sh lecture RUN_DIR  set up, then serve the lecture screen of RUN_DIR with voila on 127.0.0.1 (prints the URL)
#   ./workbench.sh docs           set up, then build the course site in _site/: the tutorials and the exercises'
#                                 student versions executed, as static HTML with an index (tools/build_site.py;
#                                 options --only PATTERN, repeatable, and --out DIR)
#   ./workbench.sh setup          only set up
set -euo pipefail
cd "$(dirname "$0")"
VENV=.venv
PY="$VENV/bin/python"

setup() {
  local stamp="$VENV/.medgan-setup" want
  want="$(cat pyproject.toml environment.yml 2>/dev/null | sha1sum | cut -c1-16)"
  if [ -x "$PY" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    return 0  # already set up for this pyproject.toml
  fi
  echo "medgan-nb: setting up $VENV (first run takes a few minutes) ..."
  [ -x "$PY" ] || python3 -m venv "$VENV"
  "$PY" -m pip install -q --disable-pip-version-check --upgrade pip
  # torch first, pinned: the CPU build on disk / the wheel index matching this machine
  "$PY" -m pip install -q --disable-pip-version-check "torch==2.13.0"
  "$PY" -m pip install -q --disable-pip-version-check -e ".[all]"
  "$PY" -m medgan_nb cache  # the tutorials' feature encoder, trained once (about half a minute)
  echo "$want" > "$stamp"
}

lab() {
  local args=(--notebook-dir=. --ServerApp.open_browser=True)
  if [ "${1:-}" = "--headless" ]; then
    args=(--notebook-dir=. --no-browser --ip="${MEDGAN_LAB_IP:-127.0.0.1}" --port="${MEDGAN_LAB_PORT:-8888}")
    [ "$(id -u)" = 0 ] && args+=(--allow-root)
  fi
  exec "$VENV/bin/jupyter" lab "${args[@]}" nbs/30_quickstart.ipynb
}

fingerprint() { find nbs medgan_nb -type f \( -name '*.ipynb' -o -name '*.py' \) -not -path '*/.ipynb_checkpoints/*' -print0 | sort -z | xargs -0 sha1sum | sha1sum; }

run_tests() {
  export PATH="$PWD/$VENV/bin:$PATH" MPLBACKEND=Agg PYTHONUNBUFFERED=1
  local before
  echo "== nbdev-clean: notebooks must already be clean"
  before="$(fingerprint)"; nbdev-clean
  if [ "$before" != "$(fingerprint)" ]; then git status --short nbs; echo "FAIL: nbdev-clean changed notebooks; commit clean notebooks." >&2; exit 1; fi
  echo "== nbdev-export: the package must match its notebooks"
  before="$(fingerprint)"; nbdev-export
  if [ "$before" != "$(fingerprint)" ]; then git status --short medgan_nb; echo "FAIL: nbdev-export changed medgan_nb/; export and commit." >&2; exit 1; fi
  echo "== nbdev-test (notebooks as tests; flags slow/gpu skipped)"
  nbdev-test --n-workers "${MEDGAN_TEST_WORKERS:-1}" --timing
  echo "== pytest"
  set +e; pytest "$@"; local code=$?; set -e
  if [ "$code" = 5 ]; then echo "FAIL: pytest collected no tests" >&2; exit 1; fi
  exit "$code"
}

command="${1:-lab}"; shift || true
case "$command" in
  setup) setup ;;
  lab) setup; lab "$@" ;;
  test) setup; run_tests "$@" ;;
  lecture)
    [ $# -ge 1 ] || { echo "usage: ./workbench.sh lecture RUN_DIR [--port N] [--scale S]" >&2; exit 2; }
    setup; exec "$PY" -m medgan_nb lecture "$@" ;;
  docs) setup; exec "$PY" tools/build_site.py "$@" ;;
  *) echo "usage: ./workbench.sh {lab [--headless]|test|docs [--only PATTERN] [--out DIR]|setup|lecture RUN_DIR}" >&2; exit 2 ;;
esac
