"""The function's validators for the documents its own database writes.

`alex_schemas.json_validators.json_validator(Model, database_checked=True)`: the model read
straight from JSON text in one native pass, its allocation maps held to their rule by the
database's CHECK rather than summed again.
"""

from __future__ import annotations

import functools
from typing import TypeVar

from alex_schemas.json_validators import json_validator
from pydantic import BaseModel
from pydantic_core import SchemaValidator

__all__ = ["document_validator"]

M = TypeVar("M", bound=BaseModel)


@functools.cache
def document_validator(model: type[M]) -> SchemaValidator:
    """`model`'s validator for a document of the function's own database."""
    return json_validator(model, database_checked=True)
