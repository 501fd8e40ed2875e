"""Writing generated files: only those whose text changed, or only comparing (for --check)."""

from __future__ import annotations

from pathlib import Path


def write_files(files: dict[Path, str], check: bool = False) -> list[Path]:
    """Write each file whose text differs (or with check=True only compare); returns those that differ."""
    changed = [path for path, text in files.items()
               if not path.exists() or path.read_text(encoding="utf-8") != text]
    if not check:
        for path in changed:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(files[path], encoding="utf-8")
    return changed
