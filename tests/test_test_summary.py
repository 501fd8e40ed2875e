"""The test command's last lines: which tests skipped and why (in sentences), and which optional
components were missing (tests/conftest.py)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

CONFTEST = Path(__file__).resolve().parent / "conftest.py"


def test_the_summary_lists_skips_as_sentences_and_the_missing_components(tmp_path):
    (tmp_path / "conftest.py").write_text(
        f"exec(compile(open({str(CONFTEST)!r}, encoding='utf-8').read(), {str(CONFTEST)!r}, 'exec'))\n"
        "OPTIONAL_COMPONENTS = OPTIONAL_COMPONENTS + (('a-missing-tool', 'apt-get install it', lambda: False),)\n",
        encoding="utf-8",
    )
    (tmp_path / "test_some.py").write_text(
        "import pytest\n"
        "def test_runs():\n    assert True\n"
        "@pytest.mark.skip(reason='needs a thing that is not here.')\n"
        "def test_skipped():\n    pass\n"
        "@pytest.mark.parametrize('case', [])\n"
        "def test_without_cases(case):\n    pass\n",
        encoding="utf-8",
    )
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)
    out = done.stdout
    assert done.returncode == 0, out + done.stderr
    assert "skipped test_some.py::test_skipped: needs a thing that is not here." in out
    assert "test_without_cases has no cases to run here: the list of its parameters (case) is empty" in out
    assert "got empty parameter set" not in out
    last = [line for line in out.splitlines() if line.startswith("incomplete run")]
    assert last and "2 tests skipped" in last[0] and "a-missing-tool (apt-get install it)" in last[0]
