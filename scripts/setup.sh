#!/usr/bin/env bash
# From a fresh clone to a served graph in one command (the README's quick start):
#   1. a virtual environment in .venv (stock Debian/Ubuntu Python is "externally managed": pip
#      refuses to install into it; `python3 -m venv` needs Debian's python3-venv package);
#   2. the package and its test tools into it;
#   3. the CJK font the pages name (Debian fonts-noto-cjk), when root or password-less sudo can
#      install it; otherwise it says how, since Chinese would show as boxes without it;
#   3b. the query editor's web assets (npm ci), when npm is present;
#   4. `sciplan build`, then `sciplan serve` on $PORT (default 8080).
# SCIPLAN_SETUP_DRY_RUN=1 prints the steps instead of running them; --no-serve stops after the build.
set -euo pipefail
cd "$(dirname "$0")/.."

PORT="${PORT:-8080}"
VENV="${SCIPLAN_VENV:-.venv}"
PYTHON="${PYTHON:-python3}"
serve=1
for arg in "$@"; do
    case "$arg" in
        --no-serve) serve=0 ;;
        *) echo "setup: unknown argument $arg (use --no-serve, or PORT=… / SCIPLAN_VENV=…)" >&2; exit 2 ;;
    esac
done

run() {
    if [ -n "${SCIPLAN_SETUP_DRY_RUN:-}" ]; then echo "would run: $*"; else "$@"; fi
}

if [ ! -x "$VENV/bin/python" ]; then
    echo "setup: creating the virtual environment $VENV" >&2
    run "$PYTHON" -m venv "$VENV" || {
        echo "setup: '$PYTHON -m venv' failed; on Debian/Ubuntu install python3-venv first: sudo apt-get install python3-venv" >&2
        exit 2
    }
fi
run "$VENV/bin/python" -m pip install -q -e '.[test]'
# The query page's editor (YASGUI, package-lock.json); without npm the page is a plain text box.
if command -v npm >/dev/null 2>&1; then
    run npm ci --ignore-scripts --no-audit --no-fund --loglevel=error || echo "setup: npm ci failed; the query page falls back to a plain text box" >&2
else
    echo "setup: npm not found; the query page will be a plain text box (Debian: apt-get install npm)" >&2
fi

if ! fc-list 2>/dev/null | grep -q "Noto Sans CJK SC"; then
    if [ "$(id -u)" = 0 ]; then
        run apt-get install -y -q fonts-noto-cjk || echo "setup: could not install fonts-noto-cjk; Chinese may show as boxes" >&2
    elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
        run sudo apt-get install -y -q fonts-noto-cjk || echo "setup: could not install fonts-noto-cjk; Chinese may show as boxes" >&2
    else
        echo "setup: no CJK system font found (sudo apt-get install fonts-noto-cjk); browsers get Chinese from the web font npm installed" >&2
    fi
fi

run "$VENV/bin/sciplan" build --quiet
if [ "$serve" = 1 ]; then
    echo "setup: serving on http://127.0.0.1:$PORT/ (Ctrl+C stops)" >&2
    if [ -n "${SCIPLAN_SETUP_DRY_RUN:-}" ]; then echo "would run: $VENV/bin/sciplan serve --port $PORT"; exit 0; fi
    exec "$VENV/bin/sciplan" serve --port "$PORT"
fi
