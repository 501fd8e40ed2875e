"""A SPARQL tokenizer that reads a query text the way Oxigraph (the engine that runs it) does.

The safety check (server/safety.py) decides on tokens from here, so what it
sees as a comment, a string or an IRI is what the engine sees. Oxigraph's rules,
checked against pyoxigraph 0.5 (tests/test_server_lexer.py holds them to it):

- whitespace is space, tab, LF and CR; a comment runs from `#` to the first
  character that is neither a tab nor >= U+0020, so it ends at CR as well as
  LF (rdflib ends it only at LF — the SERVICE bypass this module closes);
  any other control character is an error;
- `\\u`/`\\U` escapes are decoded inside strings and IRIs only (pyoxigraph 0.5
  does not pre-decode the whole text as SPARQL 1.1 §19.2 describes: it refuses
  `\\u0053ELECT`); an escape anywhere else is refused here, so under either
  reading no keyword can be spelled with escapes;
- keywords need no separator: `SERVICEex:x {…}` and `SERVICE<…>` are SERVICE
  calls to the engine, so `service_calls` treats every word or prefixed name
  that starts with "service" as a possible keyword and reads its target from
  the text right after those seven letters.

A text this tokenizer cannot read is refused (LexError → 400); each such text
is also one the engine refuses, so no query that runs is lost.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urljoin

__all__ = ["LexError", "Token", "tokenize", "service_calls", "shape"]


class LexError(ValueError):
    def __init__(self, message: str, text: str, pos: int):
        line = text.count("\n", 0, pos) + 1
        col = pos - (text.rfind("\n", 0, pos) + 1) + 1
        self.pos = pos
        super().__init__(f"{message} at line {line}, column {col}")


@dataclass(frozen=True)
class Token:
    kind: str    # iri, pname, var, string, number, lang, bnode, word, punct
    text: str    # the source text of the token
    pos: int
    value: str = ""  # iri: the decoded IRI; pname: "prefix:local" with local escapes removed


PN_CHARS_BASE = (
    "A-Za-z\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u02FF\u0370-\u037D\u037F-\u1FFF\u200C-\u200D"
    "\u2070-\u218F\u2C00-\u2FEF\u3001-\uD7FF\uF900-\uFDCF\uFDF0-\uFFFD\U00010000-\U000EFFFF"
)
PN_CHARS_U = PN_CHARS_BASE + "_"
PN_CHARS = PN_CHARS_U + "\\-0-9\u00B7\u0300-\u036F\u203F-\u2040"
PLX = r"(?:%[0-9A-Fa-f]{2}|\\[_~.\-!$&'()*+,;=/?#@%])"
PN_PREFIX = f"[{PN_CHARS_BASE}](?:[{PN_CHARS}.]*[{PN_CHARS}])?"
PN_LOCAL = f"(?:[{PN_CHARS_U}:0-9]|{PLX})(?:(?:[{PN_CHARS}.:]|{PLX})*(?:[{PN_CHARS}:]|{PLX}))?"
PNAME = re.compile(f"({PN_PREFIX})?:({PN_LOCAL})?")
WORD = re.compile(f"[{PN_CHARS_BASE}](?:[{PN_CHARS}.]*[{PN_CHARS}])?|[A-Za-z_][A-Za-z0-9_]*")
VAR = re.compile(f"[?$][{PN_CHARS_U}0-9][{PN_CHARS_U}0-9\u00B7\u0300-\u036F\u203F-\u2040]*")
IRIREF = re.compile(r'<((?:[^<>"{}|^`\\\x00-\x20]|\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8})*)>')
UCHAR = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
NUMBER = re.compile(r"[0-9]+\.[0-9]*[eE][+-]?[0-9]+|[0-9]*\.[0-9]+(?:[eE][+-]?[0-9]+)?|[0-9]+(?:[eE][+-]?[0-9]+)?")
LANG = re.compile(r"@[a-zA-Z]+(?:-[a-zA-Z0-9]+)*(?:--[a-zA-Z]+)?")
BNODE = re.compile(f"_:[{PN_CHARS_U}0-9](?:[{PN_CHARS}.]*[{PN_CHARS}])?")
PUNCT2 = ("&&", "||", "^^", "<=", ">=", "!=", "<<", ">>", "{|", "|}", "~")
WHITESPACE = " \t\n\r"
LOCAL_ESCAPE = re.compile(r"\\(.)")


def _comment_end(text: str, pos: int) -> int:
    """Oxigraph: a comment is '#' then any run of tab or characters from U+0020 up."""
    end = pos + 1
    n = len(text)
    while end < n and (text[end] == "\t" or text[end] >= " "):
        end += 1
    return end


def _string_end(text: str, pos: int) -> int:
    quote = text[pos]
    long = text.startswith(quote * 3, pos)
    i = pos + (3 if long else 1)
    n = len(text)
    while i < n:
        c = text[i]
        if c == "\\":
            if text.startswith(("\\u", "\\U"), i):
                size = 6 if text[i + 1] == "u" else 10
                if not re.fullmatch("[0-9A-Fa-f]+", text[i + 2:i + size]) or i + size > n:
                    raise LexError("bad \\u escape in a string", text, i)
                code = int(text[i + 2:i + size], 16)
                if code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
                    raise LexError("\\u escape of a code point that is not a character", text, i)
                i += size
                continue
            if i + 1 >= n or text[i + 1] not in "tbnrf\"'\\":
                raise LexError("bad escape in a string", text, i)
            i += 2
            continue
        if long:
            if text.startswith(quote * 3, i):
                while text.startswith(quote, i + 3):  # '''a'''' ends with the last three quotes
                    i += 1
                return i + 3
        else:
            if c == quote:
                return i + 1
            if c in "\n\r":
                raise LexError("line break in a short string", text, i)
        i += 1
    raise LexError("string not closed", text, pos)


def _decode_uchars(raw: str, text: str, pos: int) -> str:
    def one(match: re.Match) -> str:
        code = int(match.group(1) or match.group(2), 16)
        if code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
            raise LexError("\\u escape of a code point that is not a character", text, pos)
        return chr(code)
    return UCHAR.sub(one, raw)


def tokenize(text: str, start: int = 0, partial: bool = False) -> list[Token]:
    """The tokens of `text` from `start`, comments and whitespace dropped. Raises LexError,
    or with `partial` returns the tokens before the error."""
    tokens: list[Token] = []
    try:
        _scan(text, start, tokens)
    except LexError:
        if not partial:
            raise
    return tokens


def _scan(text: str, start: int, tokens: list[Token]) -> None:
    i, n = start, len(text)
    while i < n:
        c = text[i]
        if c in WHITESPACE:
            i += 1
            continue
        if c == "#":
            i = _comment_end(text, i)
            continue
        if c < " ":
            raise LexError(f"control character U+{ord(c):04X} outside a string", text, i)
        if c in "\"'":
            end = _string_end(text, i)
            tokens.append(Token("string", text[i:end], i))
            i = end
            continue
        if c == "<":
            m = IRIREF.match(text, i)
            if m:
                tokens.append(Token("iri", m.group(), i, _decode_uchars(m.group(1), text, i)))
                i = m.end()
                continue
        if c in "?$":
            m = VAR.match(text, i)
            if m:
                tokens.append(Token("var", m.group(), i))
                i = m.end()
                continue
        if c == "_" and text.startswith("_:", i):
            m = BNODE.match(text, i)
            if not m:
                raise LexError("bad blank node label", text, i)
            tokens.append(Token("bnode", m.group(), i))
            i = m.end()
            continue
        if c == "@":
            m = LANG.match(text, i)
            if m:
                tokens.append(Token("lang", m.group(), i))
                i = m.end()
                continue
        if "0" <= c <= "9" or (c == "." and text[i + 1:i + 2].isascii() and text[i + 1:i + 2].isdigit()):
            m = NUMBER.match(text, i)
            assert m is not None
            tokens.append(Token("number", m.group(), i))
            i = m.end()
            continue
        if c == "\\":
            raise LexError("a \\ escape outside a string or IRI (the engine refuses it)", text, i)
        m = PNAME.match(text, i)
        if m:
            local = LOCAL_ESCAPE.sub(r"\1", m.group(2) or "")
            tokens.append(Token("pname", m.group(), i, f"{m.group(1) or ''}:{local}"))
            i = m.end()
            continue
        m = WORD.match(text, i)
        if m:
            tokens.append(Token("word", m.group(), i))
            i = m.end()
            continue
        two = text[i:i + 2]
        if two in PUNCT2:
            tokens.append(Token("punct", two, i))
            i += 2
            continue
        tokens.append(Token("punct", c, i))
        i += 1


# ---- SERVICE calls ---------------------------------------------------------

class Unresolved(str):
    """A SERVICE target that is a variable or cannot be resolved: never allowed."""


def prologue(tokens: list[Token], base_iri: str) -> tuple[str, dict[str, str]]:
    """The base and the prefixes the query declares (BASE/PREFIX anywhere, in order)."""
    base, prefixes = base_iri, {}
    for k, tok in enumerate(tokens):
        word = tok.text.upper() if tok.kind == "word" else ""
        if word == "BASE" and k + 1 < len(tokens) and tokens[k + 1].kind == "iri":
            base = urljoin(base, tokens[k + 1].value)
        elif word == "PREFIX" and k + 2 < len(tokens) and tokens[k + 1].kind == "pname" and tokens[k + 2].kind == "iri":
            prefixes[tokens[k + 1].value.split(":", 1)[0]] = urljoin(base, tokens[k + 2].value)
    return base, prefixes


def _starts(tok: Token, keyword: str) -> bool:
    return tok.kind in ("word", "pname") and tok.text[:len(keyword)].lower() == keyword


def service_calls(text: str, base_iri: str) -> list[str]:
    """Every IRI a SERVICE in `text` may call, resolved; an Unresolved entry where the target is a
    variable, an unknown prefix or anything else that cannot be checked. Raises LexError."""
    tokens = tokenize(text)
    if not any(_starts(t, "service") for t in tokens):
        return []
    base, prefixes = prologue(tokens, base_iri)
    found: list[str] = []
    for tok in tokens:
        if not _starts(tok, "service"):
            continue
        rest = tokenize(text, tok.pos + len("service"))[:3]  # the text right after the keyword
        if rest and _starts(rest[0], "silent"):
            rest = tokenize(text, rest[0].pos + len("silent"))[:1]
        if not rest:
            continue
        target = rest[0]
        if target.kind == "iri":
            found.append(urljoin(base, target.value))
        elif target.kind == "pname":
            prefix, local = target.value.split(":", 1)
            found.append(prefixes[prefix] + local if prefix in prefixes else Unresolved(target.text))
        elif target.kind == "var":
            found.append(Unresolved(target.text))
        # anything else cannot follow the SERVICE keyword: not a call (e.g. the word SERVICES)
    return found


# ---- size and nesting ------------------------------------------------------

OPERATORS = frozenset("! + - * / | ^ && || = != < > <= >= ,".split())
OPERATOR_WORDS = frozenset(
    "FILTER UNION MINUS OPTIONAL BIND SERVICE GRAPH IN NOT EXISTS VALUES IF COALESCE".split()
)
OPENERS, CLOSERS = frozenset("({[") | {"<<"}, frozenset(")}]") | {">>"}


@dataclass(frozen=True)
class Shape:
    depth: int        # deepest nesting of ( [ { <<
    operators: int    # operators and pattern keywords
    tokens: int


def shape(tokens: list[Token]) -> Shape:
    depth = deepest = ops = 0
    for tok in tokens:
        if tok.kind == "punct":
            if tok.text in OPENERS:
                depth += 1
                deepest = max(deepest, depth)
            elif tok.text in CLOSERS:
                depth -= 1
            elif tok.text in OPERATORS:
                ops += 1
        elif tok.kind == "word" and tok.text.upper() in OPERATOR_WORDS:
            ops += 1
        elif tok.kind in ("number", "string") and tok.text[:1] in "+-":
            ops += 1
    return Shape(deepest, ops, len(tokens))
