"""One error tree: whatever `alex_schemas.errors.DataError` an operation raises keeps its code,
message and `retryable` in the envelope, and `DataClient` raises it again as the same class."""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType
from typing import Any, cast

import alex_data
import alex_data.dispatch
import pytest
from alex_data.dispatch import Operation
from alex_data.handler import build_handler
from alex_data.sql_runner import SqlRunner
from alex_data_dev.testing import InProcessTransport, LocalLambdaContext
from alex_schemas import errors
from alex_schemas.client import DataClient
from alex_schemas.errors import DataError
from alex_schemas.events import Event, GetUser

MESSAGE = "what went wrong, for the caller"
ONE_CLASS_PER_CODE: dict[str, type[DataError]] = {
    "ValidationError": errors.ValidationFailedError,
    "NotFound": errors.NotFoundError,
    "Conflict": errors.ConflictError,
    "Unavailable": errors.UnavailableError,
    "Internal": errors.InternalError,
}


def function_modules() -> list[ModuleType]:
    """Every module of the function, imported (so that the errors they define exist)."""
    names = [m.name for m in pkgutil.walk_packages(alex_data.__path__, "alex_data.")]
    return [importlib.import_module(name) for name in sorted(names)]


def every_error_class() -> list[type[DataError]]:
    """The tree's classes and every subclass of them the function defines."""
    function_modules()
    found: list[type[DataError]] = []
    todo = [DataError]
    while todo:
        cls = todo.pop()
        found.append(cls)
        todo.extend(cls.__subclasses__())
    return sorted(set(found), key=lambda c: (c.__module__, c.__name__))


class _NoDatabase:
    def session(self, seconds: float) -> SqlRunner:
        return cast(SqlRunner, self)


def _raising(failure: DataError) -> Any:
    def get_user(event: GetUser, db: SqlRunner) -> Any:
        raise failure

    return get_user


@pytest.fixture
def raise_from_get_user(monkeypatch: pytest.MonkeyPatch) -> Any:
    """Registers an operation for GetUser that raises the given error, behind the real
    dispatch."""

    def install(failure: DataError) -> None:
        registry: dict[type[Event[Any]], Operation] = {**alex_data.dispatch.OPERATIONS}
        registry[GetUser] = _raising(failure)
        monkeypatch.setattr(alex_data.dispatch, "OPERATIONS", registry)

    return install


def test_every_public_exception_of_the_function_is_in_the_layers_tree() -> None:
    defined = [
        value
        for module in function_modules()
        for name, value in vars(module).items()
        if isinstance(value, type)
        and issubclass(value, Exception)
        and value.__module__ == module.__name__
        and not name.startswith("_")
    ]
    assert defined, "the function's own errors (SettingsError, ...) were not found"
    outside = [f"{c.__module__}.{c.__name__}" for c in defined if not issubclass(c, DataError)]
    assert outside == []
    assert set(defined) <= set(every_error_class())


@pytest.mark.parametrize("cls", every_error_class(), ids=lambda c: f"{c.__module__}.{c.__name__}")
def test_an_error_raised_from_an_operation_keeps_its_code(
    cls: type[DataError], raise_from_get_user: Any
) -> None:
    # Given an operation that raises this error
    failure = cls(MESSAGE)
    raise_from_get_user(failure)
    handler = build_handler(database=_NoDatabase)
    context = LocalLambdaContext()
    # When it is invoked directly, Then the envelope carries its code, message, retryable
    answer = handler({"type": "GetUser", "clerk_user_id": "user_1"}, context)
    assert answer == {
        "ok": False,
        "error": {
            "code": str(cls.code),
            "message": MESSAGE,
            "retryable": failure.retryable,
        },
    }
    # And an agent's client raises the tree's class for that code, with the same fields
    with pytest.raises(DataError) as raised:
        DataClient(transport=InProcessTransport(handler)).call(GetUser(clerk_user_id="user_1"))
    assert type(raised.value) is ONE_CLASS_PER_CODE[cls.code]
    assert raised.value.info == failure.info


@pytest.mark.parametrize("retryable", [True, False])
def test_retryable_given_at_the_raise_reaches_the_envelope(
    retryable: bool, raise_from_get_user: Any
) -> None:
    raise_from_get_user(errors.ConflictError(MESSAGE, retryable=retryable))
    handler = build_handler(database=_NoDatabase)
    answer = handler(
        {"type": "GetUser", "clerk_user_id": "user_1"},
        LocalLambdaContext(),
    )
    assert answer["error"] == {"code": "Conflict", "message": MESSAGE, "retryable": retryable}
