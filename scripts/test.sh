#!/usr/bin/env bash
# Run the whole test suite (the README's test command calls this).
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m pytest -q "$@"
