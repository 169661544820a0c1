"""The function's configuration: the environment, validated once per container.

`get_settings()` is called from the handler on the first invocation (the cold start), never at
import, so importing the package for tests or tooling needs no environment. A missing cluster or
secret ARN fails that first invocation loudly instead of the first query failing obscurely.

boto3 reads its own variables (`AWS_REGION`, `AWS_ENDPOINT_URL_RDS_DATA` to aim at a local Data
API); they are not repeated here.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from functools import lru_cache

from alex_schemas.errors import InternalError
from pydantic import BaseModel, ConfigDict, Field, ValidationError

# environment variable -> Settings field
_ENVIRONMENT = {
    "AURORA_CLUSTER_ARN": "aurora_cluster_arn",
    "AURORA_SECRET_ARN": "aurora_secret_arn",
    "AURORA_DATABASE": "aurora_database",
    "DATA_API_RETRY_BASE_SECONDS": "retry_base_seconds",
    "DATA_API_RETRY_MAX_SECONDS": "retry_max_seconds",
    "DATA_API_MAX_ATTEMPTS": "max_attempts",
}


class Settings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    aurora_cluster_arn: str = Field(min_length=1)
    aurora_secret_arn: str = Field(min_length=1)
    aurora_database: str = Field(default="alex", min_length=1)
    # An Aurora Serverless v2 cluster paused at zero capacity takes ~15 s to resume: the backoff
    # grows to a few seconds and the invocation's remaining time, not the attempt count, is what
    # normally ends the retrying.
    retry_base_seconds: float = Field(default=0.25, gt=0, le=10)
    retry_max_seconds: float = Field(default=5.0, gt=0, le=60)
    max_attempts: int = Field(default=12, ge=1, le=100)

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Build from `environ` (default `os.environ`); unset or empty variables take defaults."""
        env = os.environ if environ is None else environ
        values = {field: env[name] for name, field in _ENVIRONMENT.items() if env.get(name)}
        return cls.model_validate(values)


class SettingsError(InternalError):
    """The environment does not describe a usable configuration."""


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The settings of this container, read once (tests clear with `get_settings.cache_clear()`)."""
    try:
        return Settings.from_environment()
    except ValidationError as exc:
        fields = {field: name for name, field in _ENVIRONMENT.items()}
        problems = "; ".join(
            f"{fields.get(str(err['loc'][0]), err['loc'][0]) if err['loc'] else '?'}: {err['msg']}"
            for err in exc.errors()
        )
        raise SettingsError(f"invalid configuration: {problems}") from exc
