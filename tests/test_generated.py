"""sciplan/generated.py: generated files are written whole or not at all (`sciplan extract`, `align apply`, `import`)."""

from __future__ import annotations

import errno
import os
import stat

import pytest

from sciplan import generated
from sciplan.errors import InputError
from sciplan.generated import write_atomically, write_files


def leftovers(folder) -> list[str]:
    return sorted(p.name for p in folder.rglob("*.tmp"))


def test_only_the_files_that_differ_are_written(tmp_path):
    same, other = tmp_path / "same.ttl", tmp_path / "other.ttl"
    same.write_text("kept\n", encoding="utf-8")
    other.write_text("old\n", encoding="utf-8")
    files = {same: "kept\n", other: "new\n", tmp_path / "sub" / "new.ttl": "fresh\n"}
    assert write_files(files, check=True) == [other, tmp_path / "sub" / "new.ttl"]
    assert other.read_text(encoding="utf-8") == "old\n" and not (tmp_path / "sub").exists()  # --check writes nothing
    assert write_files(files) == [other, tmp_path / "sub" / "new.ttl"]
    assert [p.read_text(encoding="utf-8") for p in files] == list(files.values())
    assert write_files(files) == [] and leftovers(tmp_path) == []


def test_a_file_that_cannot_be_staged_leaves_every_target_as_it_was(tmp_path):
    first = tmp_path / "first.ttl"
    first.write_text("old\n", encoding="utf-8")
    (tmp_path / "blocker").write_text("a file where a folder should be", encoding="utf-8")
    with pytest.raises(InputError, match="blocker"):
        write_files({first: "new\n", tmp_path / "blocker" / "second.ttl": "new\n"})
    assert first.read_text(encoding="utf-8") == "old\n"  # staged, but never renamed over the old file
    assert leftovers(tmp_path) == []


def test_a_write_that_fails_midway_leaves_the_old_file_whole(tmp_path, monkeypatch):
    target = tmp_path / "plan.ttl"
    target.write_text("the old plan\n", encoding="utf-8")

    def disk_full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(generated.os, "fsync", disk_full)
    with pytest.raises(InputError, match=r"plan\.ttl: No space left on device"):
        write_atomically({target: b"the new plan, " * 1000})
    assert target.read_text(encoding="utf-8") == "the old plan\n"
    assert leftovers(tmp_path) == []


def test_a_replaced_file_keeps_its_mode_and_a_new_one_gets_the_umask(tmp_path):
    kept = tmp_path / "kept.ttl"
    kept.write_text("old\n", encoding="utf-8")
    kept.chmod(0o640)
    new = tmp_path / "new.ttl"
    write_atomically({kept: b"new\n", new: b"new\n"})
    assert stat.S_IMODE(kept.stat().st_mode) == 0o640
    mask = os.umask(0)
    os.umask(mask)
    assert stat.S_IMODE(new.stat().st_mode) == 0o666 & ~mask  # not mkstemp's 0600
