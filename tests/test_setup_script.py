"""scripts/setup.sh, the README's one command: a virtual environment first, then the package, the
CJK font, the build and the server; a clear message where a stock Debian Python lacks venv."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SETUP = ROOT / "scripts" / "setup.sh"


def setup(tmp_path, *args, **env):
    return subprocess.run(["bash", str(SETUP), *args], capture_output=True, text=True, timeout=60,
                          env={**os.environ, "SCIPLAN_VENV": str(tmp_path / "venv"), **env})


def test_the_steps_in_order_venv_package_build_serve(tmp_path):
    done = setup(tmp_path, SCIPLAN_SETUP_DRY_RUN="1", PORT="9099")
    assert done.returncode == 0, done.stderr
    steps = [line for line in done.stdout.splitlines() if line.startswith("would run: ")]
    assert steps[0].endswith(f"-m venv {tmp_path / 'venv'}")
    assert steps[1] == f"would run: {tmp_path / 'venv'}/bin/python -m pip install -q -e .[test]"
    assert steps[-2] == f"would run: {tmp_path / 'venv'}/bin/sciplan build --quiet"
    assert steps[-1] == f"would run: {tmp_path / 'venv'}/bin/sciplan serve --port 9099"


def test_no_serve_stops_after_the_build(tmp_path):
    steps = setup(tmp_path, "--no-serve", SCIPLAN_SETUP_DRY_RUN="1").stdout.splitlines()
    assert steps[-1].endswith("sciplan build --quiet")


def test_a_python_without_venv_gets_told_to_install_python3_venv(tmp_path):
    done = setup(tmp_path, PYTHON="false")
    assert done.returncode == 2
    assert "sudo apt-get install python3-venv" in done.stderr


def test_an_unknown_argument_is_a_usage_error(tmp_path):
    done = setup(tmp_path, "--serve-forever")
    assert done.returncode == 2 and "unknown argument" in done.stderr
