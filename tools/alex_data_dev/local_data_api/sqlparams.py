"""The Data API's `:name` parameters, rewritten to PostgreSQL's `$n` placeholders.

A single pass over the SQL that knows PostgreSQL's lexical rules well enough to leave alone
everything that is not a parameter: string constants ('...', E'...' with backslash escapes),
quoted identifiers ("..."), dollar-quoted bodies ($$...$$, $tag$...$tag$), line and nested
block comments, and `::` casts. It also counts the statements (split on `;` outside those).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_NAME = re.compile(r"[A-Za-z_\u0080-\U0010ffff][A-Za-z0-9_\u0080-\U0010ffff]*")
# A dollar-quote opening tag: `$$` or `$tag$`, where tag is an identifier without `$`.
_DOLLAR_TAG = re.compile(r"\$(?:[A-Za-z_\u0080-\U0010ffff][A-Za-z0-9_\u0080-\U0010ffff]*)?\$")


@dataclass(frozen=True)
class ScannedSql:
    sql: str  # the text with `$1`, `$2`, ... in place of the `:name` parameters
    names: tuple[str, ...]  # names[i] is the parameter bound to `$(i+1)`
    statements: int  # non-empty statements separated by `;`


def _is_ident_char(ch: str) -> bool:
    return ch.isalnum() or ch in "_$" or ord(ch) >= 0x80


def _end_of_quoted(sql: str, start: int, quote: str, backslash_escapes: bool) -> int:
    """Index just past the closing quote of the constant opened at `start` (doubled = escaped)."""
    i, n = start + 1, len(sql)
    while i < n:
        ch = sql[i]
        if backslash_escapes and ch == "\\":
            i += 2
            continue
        if ch == quote:
            if i + 1 < n and sql[i + 1] == quote:
                i += 2
                continue
            return i + 1
        i += 1
    return n


def _end_of_block_comment(sql: str, start: int) -> int:
    depth, i, n = 1, start + 2, len(sql)
    while i < n and depth:
        if sql.startswith("/*", i):
            depth, i = depth + 1, i + 2
        elif sql.startswith("*/", i):
            depth, i = depth - 1, i + 2
        else:
            i += 1
    return i


def _skip_literal(sql: str, i: int) -> int | None:
    """If a constant, quoted identifier, comment or dollar body starts at i, the index past it."""
    ch = sql[i]
    nxt = sql[i + 1] if i + 1 < len(sql) else ""
    if ch == "'":
        prev = sql[i - 1] if i else ""
        before = sql[i - 2] if i >= 2 else ""
        escapes = prev in "eE" and not (before and _is_ident_char(before))
        return _end_of_quoted(sql, i, "'", escapes)
    if ch == '"':
        return _end_of_quoted(sql, i, '"', backslash_escapes=False)
    if ch == "-" and nxt == "-":
        end = sql.find("\n", i)
        return len(sql) if end < 0 else end
    if ch == "/" and nxt == "*":
        return _end_of_block_comment(sql, i)
    if ch == "$" and not (i and _is_ident_char(sql[i - 1])):
        tag = _DOLLAR_TAG.match(sql, i)
        if tag:
            end = sql.find(tag.group(), tag.end())
            return len(sql) if end < 0 else end + len(tag.group())
    return None


def scan(sql: str) -> ScannedSql:
    out: list[str] = []
    names: list[str] = []
    numbers: dict[str, int] = {}
    statements = 0
    pending = False  # the current statement has content
    i = copied = 0
    n = len(sql)
    while i < n:
        ch = sql[i]
        end = _skip_literal(sql, i)
        if end is not None:
            if ch not in "-/":
                pending = True
            i = end
            continue
        if ch == ":":
            if i + 1 < n and sql[i + 1] == ":":
                i += 2  # a cast; the type name after it is not a parameter
                pending = True
                continue
            name = _NAME.match(sql, i + 1)
            if name:
                number = numbers.setdefault(name.group(), len(numbers) + 1)
                if number > len(names):
                    names.append(name.group())
                out.append(sql[copied:i])
                out.append(f"${number}")
                i = copied = name.end()
                pending = True
                continue
        if ch == ";":
            statements += pending
            pending = False
        elif not ch.isspace():
            pending = True
        i += 1
    statements += pending
    out.append(sql[copied:])
    return ScannedSql("".join(out), tuple(names), statements)
