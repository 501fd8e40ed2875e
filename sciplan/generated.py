"""Writing generated files: only those whose text changed, or only comparing (for --check).

Every write is atomic: each file is first written in full to a temporary file in its own
directory (so the rename stays on one file system) and flushed to disk; only when every
file of the call is staged is each renamed over its target (os.replace). A failure while
staging — a full disk, a folder that cannot be made — leaves every target as it was and
no temporary file behind; a reader never sees a half-written file.
"""

from __future__ import annotations

import os
import tempfile
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
        write_atomically({path: files[path].encode("utf-8") for path in changed})
    return changed


def checked_summary(total: int, changed: int, check: bool, what: str, sources: str) -> str:
    """The last line of a command that regenerates files: what it compared, and the outcome."""
    files = f"{total} file{'s' if total != 1 else ''}"
    if check:
        if changed:
            return f"checked {files} of {what}: {changed} differ from what {sources} give (run the command without --check)"
        return f"checked {files} of {what}: each is exactly what {sources} give"
    return f"{what}: {changed} of {files} rewritten from {sources}" if changed else f"{what}: all {files} already up to date"


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_atomically(files: dict[Path, bytes]) -> None:
    """Write every file to a temporary sibling first, then rename each over its target.

    A replaced file keeps its permissions; a new one gets the usual 0666 less the umask
    (mkstemp alone would leave 0600)."""
    staged: list[tuple[Path, str]] = []
    new_mode = 0o666 & ~_umask()
    try:
        for path, data in files.items():
            with file_errors(path):
                path.parent.mkdir(parents=True, exist_ok=True)
                fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
                staged.append((path, tmp))
                with os.fdopen(fd, "wb") as out:
                    out.write(data)
                    out.flush()
                    os.fsync(out.fileno())
                os.chmod(tmp, path.stat().st_mode & 0o7777 if path.exists() else new_mode)
        for path, tmp in staged:
            with file_errors(path):
                os.replace(tmp, path)
    finally:
        for _, tmp in staged:
            if os.path.exists(tmp):
                os.unlink(tmp)
