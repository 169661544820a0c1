"""The one SQL lexer, and its two readers agreeing on it: the migration splitter
(`split_statements`) and the local Data API's parameter scanner (`scan`)."""

from __future__ import annotations

import pytest
from alex_data.migrate import split_statements
from alex_data.sql_lexer import Kind, Token, tokenize
from alex_data_dev.local_data_api.sqlparams import scan
from alex_schemas.errors import InternalError
from hypothesis import given
from hypothesis import strategies as st

from tests.unit.sql_text import names, opaque

# Each holds `;`, `:name`-like text or `--`/`/*` inside, none of which may act as such.
SHARED_CASES = [
    pytest.param("'a;b :no -- /* x'", Kind.STRING, id="string"),
    pytest.param("'it''s; :no'", Kind.STRING, id="string-doubled-quote"),
    # The prefix is code before the token; it only changes how the string ends.
    pytest.param("E'back\\'; :no'", Kind.STRING, id="escape-string"),
    pytest.param("e'it\\'s; :no'", Kind.STRING, id="escape-string-lowercase"),
    pytest.param('"odd; :no ""name"""', Kind.QUOTED_IDENTIFIER, id="quoted-identifier"),
    pytest.param("$$ SELECT 1; :no $$", Kind.DOLLAR_QUOTED, id="dollar"),
    pytest.param("$body$ 'x'; $$ :no $body$", Kind.DOLLAR_QUOTED, id="dollar-tag"),
    pytest.param("$ünï$ ; :no $ünï$", Kind.DOLLAR_QUOTED, id="dollar-tag-non-ascii"),
    pytest.param("-- a; :no 'x", Kind.LINE_COMMENT, id="line-comment"),
    pytest.param("/* a; /* :no; */ 'x; */", Kind.BLOCK_COMMENT, id="nested-block-comment"),
    pytest.param("::text", Kind.CAST, id="cast"),  # the type after it is code
]


@pytest.mark.parametrize(("piece", "kind"), SHARED_CASES)
def test_an_opaque_piece_is_one_token_that_both_readers_leave_whole(piece: str, kind: Kind) -> None:
    # Given a piece of SQL whose inside looks like statement ends and parameters
    sql = f"SELECT 1 {piece}\n, :yes;\nSELECT 2;\n"
    # Then the lexer sees one token of its kind, and the text round-trips
    tokens = list(tokenize(sql))
    token_text = {"E": piece[1:], "e": piece[1:], ":": "::"}.get(piece[0], piece)
    assert Token(kind, token_text) in tokens
    assert "".join(t.text for t in tokens) == sql
    # And the scanner finds only the real parameter and two statements
    scanned = scan(sql)
    assert scanned.names == ("yes",)
    assert scanned.sql == sql.replace(":yes", "$1")
    assert scanned.statements == 2
    # And the splitter cuts the same two statements, the piece kept whole in the first
    assert split_statements(sql) == [f"SELECT 1 {piece}\n, :yes;", "SELECT 2;"]


@pytest.mark.parametrize(
    ("sql", "tokens"),
    [
        pytest.param(
            "SELECT :id::uuid",
            [
                (Kind.CODE, "SELECT "),
                (Kind.PARAMETER, ":id"),
                (Kind.CAST, "::"),
                (Kind.CODE, "uuid"),
            ],
            id="parameter-then-cast",
        ),
        pytest.param("arr[1:2]", [(Kind.CODE, "arr[1:2]")], id="slice-is-code"),
        pytest.param("SELECT $1, a$b$c", [(Kind.CODE, "SELECT $1, a$b$c")], id="dollar-not-quote"),
        pytest.param(
            "a$$b$$",
            [(Kind.CODE, "a$$b$$")],
            id="dollar-continues-identifier",
        ),
        pytest.param(
            "some'\\' x",
            [(Kind.CODE, "some"), (Kind.STRING, "'\\'"), (Kind.CODE, " x")],
            id="e-ending-a-word-is-no-prefix",
        ),
        pytest.param("1 - 2 / 3", [(Kind.CODE, "1 - 2 / 3")], id="minus-and-slash-are-code"),
        pytest.param(
            "x;y",
            [(Kind.CODE, "x"), (Kind.SEMICOLON, ";"), (Kind.CODE, "y")],
            id="semicolon",
        ),
    ],
)
def test_tokens(sql: str, tokens: list[tuple[Kind, str]]) -> None:
    assert [(t.kind, t.text) for t in tokenize(sql)] == tokens


def test_a_standard_string_has_no_backslash_escapes_even_at_the_start() -> None:
    assert list(tokenize("'\\' :p")) == [
        Token(Kind.STRING, "'\\'"),
        Token(Kind.CODE, " "),
        Token(Kind.PARAMETER, ":p"),
    ]


@pytest.mark.parametrize(
    ("sql", "kind"),
    [
        ("SELECT 'open ;", Kind.STRING),
        ('SELECT "open ;', Kind.QUOTED_IDENTIFIER),
        ("SELECT $$ open ;", Kind.DOLLAR_QUOTED),
        ("SELECT /* open /* */ ;", Kind.BLOCK_COMMENT),
    ],
)
def test_unterminated_runs_to_the_end_scanned_as_such_refused_by_the_splitter(
    sql: str, kind: Kind
) -> None:
    *_, last = tokenize(sql)
    assert last.kind is kind
    assert not last.terminated
    assert sql.endswith(last.text)
    assert scan(sql).statements == 1  # the `;` is inside: one statement
    with pytest.raises(InternalError, match=f"unterminated {kind.value} at line 1"):
        split_statements(sql)


def test_a_statement_of_only_comments_counts_for_neither() -> None:
    sql = "SELECT 1;\n-- nothing here\n/* nor here */;\nSELECT 2;\n"
    assert scan(sql).statements == 2
    assert split_statements(sql) == ["SELECT 1;", "SELECT 2;"]


# --- properties ---------------------------------------------------------------------------------

element = st.one_of(opaque(), names.map(lambda n: ":" + n))


@given(st.lists(st.lists(element, min_size=1, max_size=4), min_size=1, max_size=5))
def test_the_readers_agree_on_statements_and_parameters(statements: list[list[str]]) -> None:
    # Given statements made of opaque elements and parameters, each ending its line with `;`
    sql = "".join("SELECT " + " ".join(parts) + ";\n" for parts in statements)
    # Then both readers count every statement, and only the real parameters are found
    assert len(split_statements(sql)) == scan(sql).statements == len(statements)
    expected = {part[1:]: None for parts in statements for part in parts if part.startswith(":")}
    assert scan(sql).names == tuple(expected)


@given(st.text(max_size=80))
def test_tokens_cover_any_text_without_gaps(sql: str) -> None:
    tokens = list(tokenize(sql))
    assert "".join(t.text for t in tokens) == sql
    assert all(t.text for t in tokens)
    assert all(t.terminated for t in tokens[:-1])
