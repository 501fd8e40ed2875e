"""Writing generated files: only those whose text changed, or only comparing (for --check)."""

from __future__ import annotations

from pathlib import Path

from .errors import file_errors


def write_files(files: dict[Path, str], check: bool = False) -> list[Path]:
    """Write each file whose text differs (or with check=True only compare); returns those that differ."""
    changed = []
    for path, text in files.items():
        with file_errors(path):
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                changed.append(path)
    if not check:
        for path in changed:
            with file_errors(path):
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(files[path], encoding="utf-8")
    return changed
