"""Cross-level derivation and task alignment (`sciplan align`).

    curation/derivation.yaml ─┐
                              ├─ apply ─→ data/ttl/alignment/derivation.ttl
    data/ttl/plans/*.ttl ─────┤
                              ├─ propose ─→ generated/alignment-proposals.yaml
    curation/alignment.yaml ──┘        (scores)         │
                                                         └─ apply ─→ data/ttl/alignment/tasks.ttl

Modules, one job each:
    tasks       read task points and sections of the generated plan Turtle
    similarity  Chinese-aware text similarity (character bigrams, jieba words, TF-IDF)
    propose     score candidate task pairs → the proposals file
    curation    read and check the curated files (derivation.yaml, alignment.yaml)
    apply       curated decisions → Turtle (derivation links, proposals, confirmed links)
    linksets    VoID linksets with counts computed by SPARQL
    commands    the `sciplan align` sub-commands
"""

from __future__ import annotations

from pathlib import Path

from ..config import Settings
from ..generated import write_files  # noqa: F401  (re-exported for the align modules)
from ..extract import curation_dir  # noqa: F401  (data/curation, shared with `sciplan extract`)


def output_dir(settings: Settings) -> Path:
    return settings.data_dir / "alignment"
