"""GB/T 2260 codes of printed jurisdiction names, from the GB2260 package: exact matches only.

A printed name gets a code only when exactly one division of the wanted level inside its
containing jurisdiction bears that very name (宁夏 is not 宁夏回族自治区; 湘江新区 has no code).
Anything else is no code, and the register flags it `no-gb-code`: never a similarity, a prefix
or a guess. REVISION names the code table used, so a later reader knows which revision a code
was looked up in (the package's latest table; divisions created or renamed after it have none).
"""

from __future__ import annotations

from functools import lru_cache

import gb2260
from gb2260.data import data as _TABLES
from gb2260.division import LATEST_YEAR

PACKAGE_VERSION = gb2260.__version__
REVISION = f"GB2260 {PACKAGE_VERSION} (Python package), latest revision of its table ({LATEST_YEAR})"
REVISION_ZH = f"GB2260 {PACKAGE_VERSION}（Python 包）所载最新一版代码表（{LATEST_YEAR} 年）"


@lru_cache(maxsize=1)
def table() -> dict[str, str]:
    """code → name of the package's latest revision (the table under the key None)."""
    return {f"{code:06d}": name for code, name in _TABLES[None].items()}


def name_of(code: str) -> str | None:
    return table().get(code)


def level_of(code: str) -> str:
    """national | provincial | prefectural | county, by the form of the code."""
    if code.endswith("0000"):
        return "provincial"
    return "prefectural" if code.endswith("00") else "county"


def lookup(name: str, level: str, within: str | None = None) -> str | None:
    """The one code of `level` named exactly `name` inside the division `within` (a code), or None.

    `within` is the province for a prefecture, the prefecture (or, when the register names none,
    the province) for a county; None for a province. Several matches are no match."""
    prefix = "" if within is None else within[:2] if within.endswith("0000") else within[:4]
    found = [code for code, printed in table().items()
             if printed == name and code.startswith(prefix) and level_of(code) == level and code != within]
    return found[0] if len(found) == 1 else None
