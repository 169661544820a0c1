"""The Data API's `:name` parameters, rewritten to PostgreSQL's `$n` placeholders.

Read with the function's own SQL lexer (`alex_data.sql_lexer`), the one the migration runner
splits files with: text inside string constants, quoted identifiers, dollar-quoted bodies and
comments is never a parameter, nor is the type after a `::` cast. The statements are counted
too: split on `;` outside those, a statement counts when it holds more than comments.
"""

from __future__ import annotations

from dataclasses import dataclass

from alex_data.sql_lexer import Kind, tokenize


@dataclass(frozen=True)
class ScannedSql:
    sql: str  # the text with `$1`, `$2`, ... in place of the `:name` parameters
    names: tuple[str, ...]  # names[i] is the parameter bound to `$(i+1)`
    statements: int  # non-empty statements separated by `;`


def scan(sql: str) -> ScannedSql:
    out: list[str] = []
    numbers: dict[str, int] = {}  # name -> its `$n`, numbered by first appearance
    statements = 0
    pending = False  # the current statement has content
    for token in tokenize(sql):
        if token.kind is Kind.PARAMETER:
            out.append(f"${numbers.setdefault(token.text[1:], len(numbers) + 1)}")
        else:
            out.append(token.text)
        if token.kind is Kind.SEMICOLON:
            statements += pending
            pending = False
        elif not token.blank:
            pending = True
    statements += pending
    return ScannedSql("".join(out), tuple(numbers), statements)
