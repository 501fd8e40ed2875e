#!/usr/bin/env bash
# Check the data the way CI does: data/ttl is what data/sources + data/curation give
# (`sciplan extract --check`, `sciplan align apply --check`), it builds (into a temporary store, so var/store is left
# alone) and it passes the SHACL shapes (`sciplan validate`).
#
#   scripts/validate-data.sh                                   # human report on stdout
#   scripts/validate-data.sh --format junit --output report.xml
#   scripts/validate-data.sh --fail-on warning
#
# Arguments go to `sciplan validate`. Exit status: 0 all good, 1 data differs from the
# sources or violates a shape, 2 a file could not be read or parsed (the message names it).
set -euo pipefail
cd "$(dirname "$0")/.."

python="${PYTHON:-python3}"
store_dir="$(mktemp -d "${TMPDIR:-/tmp}/sciplan-validate.XXXXXX")"
trap 'rm -rf "$store_dir"' EXIT

echo "== sciplan extract --check" >&2
"$python" -m sciplan.cli extract --check
echo "== sciplan align apply --check" >&2
"$python" -m sciplan.cli align apply --check
echo "== sciplan build (temporary store)" >&2
"$python" -m sciplan.cli --store "$store_dir/store" build --quiet >&2
echo "== sciplan validate $*" >&2
"$python" -m sciplan.cli --store "$store_dir/store" validate "$@"
