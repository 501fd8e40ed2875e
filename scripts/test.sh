#!/usr/bin/env bash
# Run the whole test suite (the README's test command calls this).
set -euo pipefail
cd "$(dirname "$0")/.."
# The environment scripts/setup.sh made, when there is one; else the python3 on the path (CI installs into it).
python="python3"
[ -x .venv/bin/python ] && python=".venv/bin/python"
"$python" -m pytest -q "$@"
