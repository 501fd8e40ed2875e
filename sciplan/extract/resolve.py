"""Printed unit names → bodies of the plan's jurisdiction: resolved, never guessed.

A name printed in a unit cell resolves only by an exact entry of
data/curation/organizations.yaml under the plan's jurisdiction (its GB/T 2260 code):

1. the body's name (the key), or one of its `alt` forms — aliases, short forms and the
   other printed forms of a branch office (a branch office of a higher-level body, such as
   市公安局南沙区分局, is declared under the district with `branch_of` the city body);
2. a `typos` entry: the printed form links to the declared body and the record is
   flagged `typo`, the printed form kept.

The name is compared as printed less the extraction's whitespace: no similarity, no
prefix or suffix rules, no body of another jurisdiction (南沙's 区教育局 is not 花都's).

A name that resolves to nothing is a new body of the plan's jurisdiction, named as
printed (org/{jurisdiction}/{name}) and flagged `unreviewed-body`. Its triples are
written into the plan's own Turtle, so `sciplan extract` derives it again from the
source; once a maintainer declares the name in organizations.yaml (as a body, an alt or a
typo), the next extract links the declared body and the flag is gone.
"""

from __future__ import annotations

from dataclasses import dataclass

from .. import iris

NEW_BODY_NOTE_EN = ("Not in data/curation/organizations.yaml: a unit name printed in a task table that matches no declared "
                    "body of this jurisdiction, recorded as a new body named as printed. Review it there: declare it with its "
                    "functions, or record the printed form as an alt or a typo of a declared body.")
NEW_BODY_NOTE_ZH = ("data/curation/organizations.yaml 中无此单位：分工表所列名称与本辖区已声明的单位均不相符，按原文记为新单位。"
                    "请在该文件中复核：声明该单位（并注明职能），或把这一写法记为已声明单位的别名（alt）或笔误（typos）。")


@dataclass(frozen=True)
class Resolved:
    path: str  # org/{jurisdiction}/{name}, relative to the base
    corrected: str | None = None  # the declared name, where the printed one is a curated typo
    new: bool = False  # no declared body: a new, unreviewed body named as printed


class Names:
    """The declared names, alt forms and typos of organizations.yaml, per jurisdiction."""

    def __init__(self, curation: dict, parents: dict[str, str | None] | None = None):
        self.by_name: dict[tuple[str, str], str] = {}
        for jur, bodies in curation["jurisdictions"].items():
            for name, spec in bodies.items():
                for label in [name] + (spec or {}).get("alt", []):
                    self.by_name[(jur, label)] = iris.org(jur, name)
        self.typos = {(jur, k): v for jur, m in (curation.get("typos") or {}).items() for k, v in (m or {}).items()}
        self.parents = parents or {}

    def lookup(self, jur: str, name: str) -> Resolved | None:
        """The declared body a printed name stands for in `jur`, or None."""
        corrected = self.typos.get((jur, name))
        path = self.by_name.get((jur, corrected or name))
        return Resolved(path, corrected) if path else None

    def resolve(self, jur: str, name: str) -> Resolved:
        """The declared body, or a new unreviewed body of `jur` named as printed."""
        return self.lookup(jur, name) or Resolved(iris.org(jur, name), new=True)

    def elsewhere(self, jur: str, name: str) -> list[str]:
        """Containing jurisdictions that declare a body of this very name (a hint for the reviewer, never a link)."""
        found, place = [], self.parents.get(jur)
        while place:
            if (place, name) in self.by_name:
                found.append(place)
            place = self.parents.get(place)
        return found
