"""The base of every event: `Event[Result]`, `UserEvent`, `JobEvent`, and the limits they share.

Each event class names its result model through its base: `GetPortfolio(UserEvent[Portfolio])`
means `DataClient.call(GetPortfolio(...))` is typed `Portfolio`, and
`GetPortfolio.result_model()` is `Portfolio` at run time.
"""

import builtins
import typing
from typing import TYPE_CHECKING, Any, ClassVar, Final, Generic, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict

from alex_schemas.limits import within_payload_bytes
from alex_schemas.results import Result
from alex_schemas.vocab import ClerkUserId, Uuid

MAX_BATCH_ROWS: Final = 500
# FailJob messages are cut, not refused: failing to record a failure would lose it.
MAX_ERROR_MESSAGE: Final = 4000

ResultT = TypeVar("ResultT", bound=Result)

# An agent's payload: at most PAYLOAD_BYTES of JSON, so that its write fits one Data API request.
SizedPayload = AfterValidator(within_payload_bytes)


def _type_is_required(schema: dict[str, Any]) -> None:
    # `type` has a default so Python callers need not spell it, but on the wire it is the
    # discriminator: the JSON Schema must demand it.
    if "type" in schema.get("properties", {}):
        required = schema.setdefault("required", [])
        if "type" not in required:
            required.insert(0, "type")


class Event(BaseModel, Generic[ResultT]):
    """Base of every event; `ResultT` is the model the function answers with."""

    model_config = ConfigDict(
        defer_build=True, extra="forbid", frozen=True, json_schema_extra=_type_is_required
    )

    # Declared here so it comes first in every event's JSON; each event narrows it to its
    # own Literal, which is what the union discriminates on.
    type: str

    _result_model: ClassVar[builtins.type[Result] | None] = None

    if not TYPE_CHECKING:

        def __class_getitem__(cls, params: Any) -> Any:
            # `Event[Portfolio]` is typing's alias, not pydantic's parametrised submodel: no
            # field uses ResultT, so a submodel would only cost a class and a schema build of
            # its origin at import. The argument is read back in `__pydantic_init_subclass__`.
            return super(BaseModel, cls).__class_getitem__(params)

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        # `class GetPortfolio(UserEvent[Portfolio])` records its bases as written; a subclass
        # naming no Result keeps its parent's.
        for base in cls.__dict__.get("__orig_bases__", ()):
            for arg in typing.get_args(base):
                if isinstance(arg, type) and issubclass(arg, Result):
                    cls._result_model = arg
                    return

    @classmethod
    def result_model(cls) -> builtins.type[ResultT]:
        model = cls._result_model
        if model is None:
            msg = f"{cls.__name__} does not name its result model"
            raise TypeError(msg)
        return model  # type: ignore[return-value]

    def parse_result(self, data: Any) -> ResultT:
        """Validate the `result` of an ok envelope (a dict or JSON text) as this event's result."""
        model = self.result_model()
        if isinstance(data, str | bytes | bytearray):
            return model.model_validate_json(data)
        return model.model_validate(data)


class UserEvent(Event[ResultT], Generic[ResultT]):
    clerk_user_id: ClerkUserId


class JobEvent(UserEvent[ResultT], Generic[ResultT]):
    job_id: Uuid
