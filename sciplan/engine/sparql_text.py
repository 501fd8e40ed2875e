"""Reading and rewriting the SELECT text of a SPARQL constraint, set at a time.

pyshacl runs a constraint once per focus node with $this pre-bound. Here the text
runs once: $this becomes the variable ?this, joined first to the shape's target
pattern, and FILTER NOT EXISTS becomes MINUS where that gives the same solutions,
because Oxigraph evaluates FILTER NOT EXISTS row by row but MINUS as one hash
anti-join (LeadUnitShape at scale 0.1: 57 s → 0.26 s, benchmarks/README.md).

The reader is a small brace-structure parser, not a SPARQL grammar: it knows
strings, IRIs, comments and `{ }` groups, and the keyword before each group. Text it
cannot place raises Uncompilable and the shape is left to pyshacl.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field


from ..errors import Uncompilable  # noqa: F401 - raised here; one family of errors (sciplan/errors.py)


_TOKEN = re.compile(r'''
    (?P<long>"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^'\\]|\\.|'(?!''))*\'\'\')
  | (?P<str>"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')
  | (?P<iri><[^<>"{}|^`\\\s]*>)
  | (?P<comment>\#[^\n]*)
  | (?P<open>\{)
  | (?P<close>\})
''', re.X)
_VAR = re.compile(r"[?$]([A-Za-z_][A-Za-z0-9_]*)")
_KEYWORD = re.compile(r"(FILTER\s+NOT\s+EXISTS|FILTER\s+EXISTS|NOT\s+EXISTS|EXISTS|OPTIONAL|MINUS|UNION|"
                      r"GRAPH\s+(?:[?$]\w+|<[^>]*>|\w*:\w*)|SERVICE\s+\S+|VALUES\s+[^{}]*|"
                      r"SELECT\b[^{}]*?WHERE|SELECT\b[^{}]*)\s*$", re.I | re.S)


@dataclass
class Group:
    """A `{ … }` group: text chunks and sub-groups in order; `start`/`end` index the braces."""
    start: int
    end: int = -1
    items: list = field(default_factory=list)   # str | Sub


@dataclass
class Sub:
    keyword: str      # normalized: "", "FILTER NOT EXISTS", "OPTIONAL", "UNION", "GRAPH ?g", …
    kw_start: int     # where the keyword starts in the text
    group: Group


def mask(text: str) -> str:
    """The text with strings, IRIs and comments blanked (same length), for scanning."""
    def blank(m: re.Match) -> str:
        if m.lastgroup in ("open", "close"):
            return m.group()
        return m.group()[0] + " " * (len(m.group()) - 2) + m.group()[-1] if len(m.group()) > 1 else " "
    return _TOKEN.sub(blank, text)


def parse_group(text: str, masked: str, start: int) -> Group:
    """The group whose `{` is at `start`."""
    if masked[start] != "{":
        raise Uncompilable("expected {")
    group, i, chunk = Group(start), start + 1, start + 1
    while i < len(masked):
        c = masked[i]
        if c == "{":
            before = masked[chunk:i]
            m = _KEYWORD.search(before)
            keyword = " ".join(m.group(1).split()).upper() if m else ""
            if keyword.startswith(("GRAPH", "SERVICE", "VALUES", "SELECT")):
                keyword = keyword.split()[0] + (" " + m.group(1).split(None, 1)[1] if m and len(m.group(1).split()) > 1
                                                else "")
            kw_start = chunk + m.start(1) if m else i
            if kw_start > chunk:
                group.items.append(text[chunk:kw_start])
            sub = parse_group(text, masked, i)
            group.items.append(Sub(keyword, kw_start, sub))
            i = chunk = sub.end + 1
            continue
        if c == "}":
            if i > chunk:
                group.items.append(text[chunk:i])
            group.end = i
            return group
        i += 1
    raise Uncompilable("unbalanced braces")


def variables(text: str) -> set[str]:
    return set(_VAR.findall(mask(text)))


def _strip_calls(text: str, names: tuple[str, ...]) -> tuple[str, str]:
    """Split `text` into (the rest, the FILTER(…)/BIND(…) calls), by balanced parentheses."""
    masked = mask(text)
    rest, calls, i = [], [], 0
    pattern = re.compile(r"\b(" + "|".join(names) + r")\s*\(", re.I)
    while True:
        m = pattern.search(masked, i)
        if not m:
            rest.append(text[i:])
            break
        rest.append(text[i:m.start()])
        depth, j = 0, m.end() - 1
        while j < len(masked):
            depth += {"(": 1, ")": -1}.get(masked[j], 0)
            if depth == 0:
                break
            j += 1
        calls.append(text[m.start():j + 1])
        i = j + 1
    return "".join(rest), " ".join(calls)


def certain(group: Group) -> set[str]:
    """Variables every solution of the group binds: its triple patterns, plain and GRAPH
    sub-groups, and what every branch of a UNION binds."""
    out: set[str] = set()
    chain: list[set[str]] | None = None

    def close_chain():
        nonlocal chain
        if chain is not None:
            out.update(set.intersection(*chain))
            chain = None

    for item in group.items:
        if isinstance(item, str):
            close_chain()
            triples, _ = _strip_calls(item, ("FILTER", "BIND"))
            out |= variables(triples)
            continue
        kw = item.keyword
        if kw == "UNION" and chain is not None:
            chain.append(certain(item.group))
            continue
        close_chain()
        if kw == "":
            chain = [certain(item.group)]
        elif kw.startswith("GRAPH"):
            out |= certain(item.group) | variables(kw)
    close_chain()
    return out


def _pattern_only(group: Group) -> bool:
    """Only triple patterns, FILTERs and GRAPH groups of them: what MINUS can take as it is."""
    for item in group.items:
        if isinstance(item, str):
            rest, _ = _strip_calls(item, ("FILTER",))
            if re.search(r"\b(BIND|VALUES|OPTIONAL|MINUS|SERVICE|SELECT|EXISTS|UNION)\b", mask(rest), re.I):
                return False
        elif not (item.keyword.startswith("GRAPH") and _pattern_only(item.group)):
            return False
    return True


def _inner_vars(group: Group, text: str) -> tuple[set[str], set[str]]:
    """(variables of the triple patterns and GRAPH names, variables of the FILTERs) of a pattern-only group."""
    pattern, filters = set(), set()
    for item in group.items:
        if isinstance(item, str):
            triples, calls = _strip_calls(item, ("FILTER",))
            pattern |= variables(triples)
            filters |= variables(calls)
        else:
            p, f = _inner_vars(item.group, text)
            pattern |= p | variables(item.keyword)
            filters |= f
    return pattern, filters


UNBOUND = "<urn:x-sciplan:unbound>"
_BIND_TARGET = re.compile(r"\bAS\s+[?$]([A-Za-z_][A-Za-z0-9_]*)\s*\)", re.I)


def _binds(group: Group) -> set[str]:
    """Variables that the group's own BINDs assign."""
    out: set[str] = set()
    for item in group.items:
        if isinstance(item, str):
            _, calls = _strip_calls(item, ("BIND",))
            out |= set(_BIND_TARGET.findall(mask(calls)))
    return out


def _filter_vars(group: Group) -> set[str]:
    out: set[str] = set()
    for item in group.items:
        if isinstance(item, str):
            _, calls = _strip_calls(item, ("FILTER",))
            out |= variables(calls)
    return out


def not_exists_to_minus(text: str) -> str:
    """Rewrite each FILTER NOT EXISTS { P } into an anti-join where that keeps the solutions.

    Oxigraph evaluates FILTER NOT EXISTS once per solution, and each time the whole of P;
    MINUS is one hash anti-join. P must be triple patterns, FILTERs and GRAPH groups, and
    share variables with its group only through variables bound before it.

    - MINUS { P } when every shared variable is bound by the triple patterns (or plain,
      GRAPH or UNION groups) before it and P's FILTERs use P's own variables.
    - Otherwise, when P's FILTERs use variables from before it (a BIND, say), P is
      decorrelated: MINUS { SELECT DISTINCT <shared> WHERE { <what precedes> P } }, the
      shared variables a BIND may leave unbound compared through COALESCE with a marker
      IRI, so an unbound one matches only an unbound one.

    Otherwise the FILTER stays.
    """
    for _ in range(64):
        rewritten = _rewrite_first(text)
        if rewritten is None:
            return text
        text = rewritten
    return text


def _rewrite_first(text: str) -> str | None:
    masked = mask(text)
    where = masked.find("{")
    if where < 0:
        raise Uncompilable("no WHERE group")
    root = parse_group(text, masked, where)

    def visit(group: Group) -> str | None:
        before = Group(group.start)
        for item in group.items:
            if isinstance(item, Sub):
                if item.keyword == "MINUS":  # written here, or P of one
                    before.items.append(item)
                    continue
                if item.keyword == "FILTER NOT EXISTS" and _pattern_only(item.group):
                    new = _anti_join(text, group, before, item)
                    if new is not None:
                        return text[:item.kw_start] + new + text[item.group.end + 1:]
                found = visit(item.group)
                if found is not None:
                    return found
            before.items.append(item)
        return None

    return visit(root)


def _anti_join(text: str, group: Group, before: Group, item: Sub) -> str | None:
    inner = text[item.group.start:item.group.end + 1]
    pattern, filters = _inner_vars(item.group, text)
    own = text[group.start + 1:item.kw_start] + text[item.group.end + 1:group.end]
    shared = (pattern | filters) & variables(own)  # a FILTER sees the solutions of its own group only
    if not shared:
        return None
    bound = certain(before)
    if filters <= pattern and shared <= bound:
        return "MINUS " + inner
    assigned = _binds(before) - bound
    if not shared <= bound | assigned or not _filter_vars(before) <= bound | assigned:
        return None
    keyed = sorted(shared & assigned)
    keys = " ".join(f"BIND (COALESCE(?{v}, {UNBOUND}) AS ?{v}__key)" for v in keyed)
    projection = " ".join([f"?{v}" for v in sorted(shared - assigned)] + [f"?{v}__key" for v in keyed])
    preceding = text[group.start + 1:item.kw_start]
    return (f"{keys}\nMINUS {{ SELECT DISTINCT {projection} WHERE {{\n{preceding}\n{keys}\n"
            f"{text[item.group.start + 1:item.group.end]}\n}} }}")


_SELECT = re.compile(r"\bSELECT\s+(DISTINCT\s+|REDUCED\s+)?(.*?)\bWHERE\s*\{", re.I | re.S)
_FORBIDDEN = re.compile(r"\b(GROUP\s+BY|HAVING|ORDER\s+BY|LIMIT|OFFSET|MINUS|SERVICE)\b|[?$](currentShape|shapesGraph|failure)\b",
                        re.I)


def set_at_a_time(select: str, focus: str, path: str | None = None) -> str:
    """The constraint's SELECT over every focus node: `focus` (a group binding ?this) joined first.

    The projection keeps ?this (added if missing) and becomes DISTINCT: pyshacl drops
    repeated solutions of a focus node. Texts whose meaning depends on running once per
    focus node (a sub-SELECT, GROUP BY, LIMIT, MINUS, …) are Uncompilable.
    """
    masked = mask(select)
    head = _SELECT.search(masked)
    if head is None or _FORBIDDEN.search(masked) or len(re.findall(r"\bSELECT\b", masked, re.I)) != 1:
        raise Uncompilable("SPARQL text is not a plain SELECT over $this")
    if "$PATH" in masked and path is None:
        raise Uncompilable("$PATH outside a property shape")
    text = select.replace("$PATH", path) if path is not None else select
    masked = mask(text)
    head = _SELECT.search(masked)
    assert head is not None
    projection = text[head.start(2):head.end(2)].strip()
    proj_vars = variables(projection)
    if projection.strip() != "*" and "this" not in proj_vars:
        projection = "?this " + projection
    body_start = head.end()  # just after the WHERE group's `{`
    text = (text[:head.start()] + "SELECT DISTINCT " + projection + " WHERE {\n" + focus + "\n"
            + text[body_start:])
    text = re.sub(r"\$this\b", "?this", text)
    return not_exists_to_minus(text)


def split_tail(select: str) -> str | None:
    """The constraint's SELECT without its trailing OPTIONAL groups and BINDs, projecting $this; None
    when it has no such tail or the rest depends on what the tail binds.

    The tail only adds columns (the labels of a message): it never removes a solution, so the
    focus nodes with a solution are those of the rest. Oxigraph builds a hash table of every
    rdfs:label of the store for such an OPTIONAL (DuplicateUnitShape at scale 0.1: 26 s with its
    labels, 10 s without), so the rest runs first over all focus nodes, and the whole text only
    for the few it finds (sciplan.engine.run).
    """
    masked = mask(select)
    head = _SELECT.search(masked)
    if head is None:
        return None
    root = parse_group(select, masked, head.end() - 1)
    if masked[root.end + 1:].strip():
        return None  # solution modifiers after the WHERE group
    items = list(root.items)
    tail: list = []
    while items:
        item = items[-1]
        if isinstance(item, Sub) and item.keyword == "OPTIONAL":
            tail.insert(0, items.pop())
            continue
        if isinstance(item, str):
            rest, binds = _strip_calls(item, ("BIND",))
            if not rest.strip():
                tail.insert(0, items.pop())
                continue
            if binds.strip():
                return None  # triples and BINDs mixed in one chunk: not split
        break
    if not tail or not items:
        return None
    core = "".join(i if isinstance(i, str) else select[i.kw_start:i.group.end + 1] for i in items)
    tail_text = "".join(i if isinstance(i, str) else select[i.kw_start:i.group.end + 1] for i in tail)
    core_group = parse_group("{" + core + "}", mask("{" + core + "}"), 0)
    only_tail = variables(tail_text) - variables(_strip_calls(core, ("FILTER",))[0])
    if _filter_vars(core_group) & only_tail:
        return None  # a FILTER of the group sees what the tail binds
    return select[:head.start()] + "SELECT $this WHERE {" + core + "}"
