"""PostgreSQL text cut into the pieces that decide where a statement ends and what is a parameter.

One lexer for every reader of SQL text: the migration runner splits files into statements with
it, and the local Data API finds `:name` parameters and counts statements with it, so the two
agree by construction. It knows PostgreSQL's lexical rules well enough to tell code from what
only looks like code:

- string constants `'...'` (a doubled quote is the quote itself; after an `E` prefix that does
  not end a longer word, a backslash escapes the next character);
- quoted identifiers `"..."` (doubled quote escaped, no backslash escapes);
- dollar-quoted bodies `$$...$$` and `$tag$...$tag$` (a `$` that continues an identifier, as
  in `a$b$`, or starts a positional `$1`, opens none);
- `--` line comments (to the end of the line, the newline not included) and `/* */` block
  comments, which nest;
- the `::` cast, the Data API's `:name` parameter, and `;`.

Tokens cover the text end to end without gaps, so joining their texts gives the input back.
An unterminated quote, body or comment runs to the end of the text with `terminated` False:
each reader decides whether that is an error.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterator
from typing import NamedTuple

__all__ = ["COMMENTS", "Kind", "Token", "tokenize"]


class Kind(enum.Enum):
    CODE = "code"  # anything else: keywords, names, operators, numbers, whitespace
    STRING = "string"
    QUOTED_IDENTIFIER = "quoted identifier"
    DOLLAR_QUOTED = "dollar-quoted body"
    LINE_COMMENT = "line comment"
    BLOCK_COMMENT = "block comment"
    CAST = "cast"  # `::`
    PARAMETER = "parameter"  # `:name`
    SEMICOLON = "semicolon"


COMMENTS = frozenset({Kind.LINE_COMMENT, Kind.BLOCK_COMMENT})


class Token(NamedTuple):
    kind: Kind
    text: str
    terminated: bool = True

    @property
    def blank(self) -> bool:
        """Nothing a statement is made of: a comment or whitespace."""
        return self.kind in COMMENTS or (self.kind is Kind.CODE and self.text.isspace())


# The characters that may begin anything other than plain code.
_SPECIAL = re.compile(r"[-/'\"$:;]")
_IDENT_START = r"[A-Za-z_\u0080-\U0010ffff]"
_IDENT_REST = r"[A-Za-z0-9_\u0080-\U0010ffff]*"
_NAME = re.compile(_IDENT_START + _IDENT_REST)
# `$$` or `$tag$`, where tag is an identifier without `$`.
_DOLLAR_TAG = re.compile(rf"\$(?:{_IDENT_START}{_IDENT_REST})?\$")


def _continues_identifier(ch: str) -> bool:
    # PostgreSQL identifiers: letters, digits, `_`, `$`, and any non-ASCII character.
    return ch.isalnum() or ch in "_$" or ord(ch) >= 0x80


def _end_of_quoted(sql: str, start: int, quote: str, backslash_escapes: bool) -> int:
    """Index just past the quote closing the one at `start`, or -1 when it never closes."""
    i, n = start + 1, len(sql)
    while i < n:
        ch = sql[i]
        if backslash_escapes and ch == "\\":
            i += 2
        elif ch != quote:
            i += 1
        elif i + 1 < n and sql[i + 1] == quote:
            i += 2
        else:
            return i + 1
    return -1


def _end_of_block_comment(sql: str, start: int) -> int:
    depth, i, n = 1, start + 2, len(sql)
    while i < n:
        if sql.startswith("/*", i):
            depth, i = depth + 1, i + 2
        elif sql.startswith("*/", i):
            depth, i = depth - 1, i + 2
            if depth == 0:
                return i
        else:
            i += 1
    return -1


def _special(sql: str, i: int) -> tuple[Kind, int] | None:
    """The token that starts at `i` (end -1 when unterminated), or None if `sql[i]` is code."""
    ch = sql[i]
    nxt = sql[i + 1 : i + 2]
    if ch == "'":
        prefix = sql[max(i - 2, 0) : i]
        escapes = prefix[-1:] in ("e", "E") and not (
            len(prefix) == 2 and _continues_identifier(prefix[0])
        )
        return Kind.STRING, _end_of_quoted(sql, i, "'", escapes)
    if ch == '"':
        return Kind.QUOTED_IDENTIFIER, _end_of_quoted(sql, i, '"', backslash_escapes=False)
    if ch == "-" and nxt == "-":
        end = sql.find("\n", i)
        return Kind.LINE_COMMENT, len(sql) if end < 0 else end
    if ch == "/" and nxt == "*":
        return Kind.BLOCK_COMMENT, _end_of_block_comment(sql, i)
    if ch == "$" and not (i and _continues_identifier(sql[i - 1])):
        tag = _DOLLAR_TAG.match(sql, i)
        if tag:
            end = sql.find(tag.group(), tag.end())
            return Kind.DOLLAR_QUOTED, -1 if end < 0 else end + len(tag.group())
    if ch == ":":
        if nxt == ":":
            return Kind.CAST, i + 2
        name = _NAME.match(sql, i + 1)
        if name:
            return Kind.PARAMETER, name.end()
    if ch == ";":
        return Kind.SEMICOLON, i + 1
    return None


def tokenize(sql: str) -> Iterator[Token]:
    i = code = 0  # code: where the pending run of plain code began
    n = len(sql)
    while i < n:
        found = _SPECIAL.search(sql, i)
        if found is None:
            break
        i = found.start()
        special = _special(sql, i)
        if special is None:
            i += 1
            continue
        if code < i:
            yield Token(Kind.CODE, sql[code:i])
        kind, end = special
        if end < 0:
            yield Token(kind, sql[i:], terminated=False)
            return
        yield Token(kind, sql[i:end])
        i = code = end
    if code < n:
        yield Token(Kind.CODE, sql[code:])
