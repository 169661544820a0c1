"""A fake `SqlRunner` for operation tests: answers statements from a script, records them.

Each statement the code under test sends is looked up by its SQL text (the repository's
constant); the answer is the JSON document (or documents, or row count) the database would
have returned, validated into the caller's model exactly as the gateway does. A statement with
no scripted answer fails the test, so an operation cannot send one it was not expected to.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from alex_data.sql_runner import M, Params
from alex_schemas.envelope import ResultJson
from alex_schemas.results import Result

# the document(s) or row count a statement answers, or a function of its parameters
Answer = Any | Callable[[dict[str, Any]], Any]


@dataclass
class Call:
    sql: str
    params: dict[str, Any]


@dataclass
class FakeDb:
    answers: dict[str, Answer] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)
    transactions: int = 0

    def answer(self, sql: str, answer: Answer) -> FakeDb:
        self.answers[sql] = answer
        return self

    def _answer(self, sql: str, params: Params) -> Any:
        given = dict(params or {})
        self.calls.append(Call(sql, given))
        if sql not in self.answers:
            raise AssertionError(f"unexpected statement:\n{sql}")
        answer = self.answers[sql]
        return answer(given) if callable(answer) else answer

    @property
    def params(self) -> dict[str, Any]:
        """The parameters of the only statement sent."""
        assert len(self.calls) == 1, f"expected one statement, got {len(self.calls)}"
        return self.calls[0].params

    # --- SqlRunner ----------------------------------------------------------------------

    def documents(
        self, sql: str, params: Params, model: type[M], *, text_decimals: bool = False
    ) -> list[M]:
        return [model.model_validate(doc) for doc in self._answer(sql, params)]

    def document(
        self, sql: str, params: Params, model: type[M], *, text_decimals: bool = False
    ) -> M | None:
        doc = self._answer(sql, params)
        return None if doc is None else model.model_validate(doc)

    def paged_documents(self, sql: str, params: Params, model: type[M]) -> list[M]:
        return self.documents(sql, params, model)

    def chunked_document(
        self, sql: str, params: Params, model: type[M], *, text_decimals: bool = False
    ) -> M | None:
        return self.document(sql, params, model)

    def chunked_answer(self, sql: str, params: Params, model: type[Result]) -> ResultJson | None:
        found = self.document(sql, params, model)
        return None if found is None else ResultJson(model, found.model_dump_json().encode())

    def execute(self, sql: str, params: Params = None) -> int:
        count: int = self._answer(sql, params)
        return count

    @contextmanager
    def transaction(self) -> Iterator[FakeDb]:
        self.transactions += 1
        yield self
