"""The `:name` scanner: parameters become `$n`; nothing inside quotes, comments, dollar bodies or
casts is touched; statements are counted on `;` outside those."""

from __future__ import annotations

import re

import pytest
from alex_data_dev.local_data_api.sqlparams import scan
from hypothesis import assume, given
from hypothesis import strategies as st

from tests.unit.sql_text import names, opaque


@pytest.mark.parametrize(
    ("sql", "expected", "names"),
    [
        ("SELECT :a, :b", "SELECT $1, $2", ("a", "b")),
        ("SELECT :a + :a", "SELECT $1 + $1", ("a",)),
        ("SELECT :id::uuid", "SELECT $1::uuid", ("id",)),
        ("SELECT x::int, y :: text", "SELECT x::int, y :: text", ()),
        ("SELECT ':not_a_param', :yes", "SELECT ':not_a_param', $1", ("yes",)),
        ("SELECT 'it''s :no', :yes", "SELECT 'it''s :no', $1", ("yes",)),
        ("SELECT E'\\' :no', :yes", "SELECT E'\\' :no', $1", ("yes",)),
        ("SELECT '\\', :yes", "SELECT '\\', $1", ("yes",)),  # standard string: \ is plain
        ('SELECT ":no" FROM t WHERE c = :yes', 'SELECT ":no" FROM t WHERE c = $1', ("yes",)),
        ("SELECT 1 -- :no\n, :yes", "SELECT 1 -- :no\n, $1", ("yes",)),
        (
            "SELECT /* :no /* :nested */ :still */ :yes",
            "SELECT /* :no /* :nested */ :still */ $1",
            ("yes",),
        ),
        ("SELECT $$ :no $$, :yes", "SELECT $$ :no $$, $1", ("yes",)),
        ("SELECT $f$ :no $$ :no $f$, :yes", "SELECT $f$ :no $$ :no $f$, $1", ("yes",)),
        ("SELECT arr[1:2]", "SELECT arr[1:2]", ()),
        ("SELECT :ünï", "SELECT $1", ("ünï",)),
        ("SELECT 'open :no", "SELECT 'open :no", ()),  # unterminated: the rest is the string
    ],
)
def test_rewrites_only_real_parameters(sql: str, expected: str, names: tuple[str, ...]) -> None:
    scanned = scan(sql)
    assert scanned.sql == expected
    assert scanned.names == names


@pytest.mark.parametrize(
    ("sql", "count"),
    [
        ("SELECT 1", 1),
        ("SELECT 1;", 1),
        ("SELECT 1; -- trailing comment", 1),
        ("SELECT 1; SELECT 2", 2),
        ("SELECT ';'; SELECT $$;$$", 2),
        ("CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; SELECT 2 $$ LANGUAGE sql", 1),
        (";;", 0),
        ("/* ; */ SELECT 1", 1),
    ],
)
def test_counts_statements(sql: str, count: int) -> None:
    assert scan(sql).statements == count


# --- properties ---------------------------------------------------------------------------------


fragments = st.lists(st.one_of(opaque(), names.map(lambda n: ":" + n)), max_size=12)


@given(fragments)
def test_parameters_found_exactly_and_everything_else_kept(parts: list[str]) -> None:
    # Given SQL made of opaque elements (holding `:x`-like text) and real parameters
    sql = " ".join(parts)
    numbers: dict[str, int] = {}
    expected = []
    for part in parts:
        if part.startswith(":"):
            expected.append(f"${numbers.setdefault(part[1:], len(numbers) + 1)}")
        else:
            expected.append(part)
    # When it is scanned
    scanned = scan(sql)
    # Then exactly the real parameters became $n, numbered by first appearance
    assert scanned.sql == " ".join(expected)
    assert scanned.names == tuple(numbers)


@given(st.lists(st.lists(opaque(), min_size=1, max_size=4), min_size=1, max_size=5))
def test_semicolons_inside_literals_do_not_split(statements: list[list[str]]) -> None:
    sql = "; ".join("SELECT " + " ".join(parts) for parts in statements)
    assert scan(sql).statements == len(statements)


@given(st.text(max_size=60))
def test_any_text_round_trips(sql: str) -> None:
    # Whatever the text (unterminated quotes included), putting the names back gives it again.
    assume(not re.search(r"\$\d", sql))
    scanned = scan(sql)
    restored = re.sub(r"\$(\d+)", lambda m: ":" + scanned.names[int(m.group(1)) - 1], scanned.sql)
    assert restored == sql
