"""X-Ray tracing, imported only when it is on.

Powertools' `Tracer` imports `aws_xray_sdk.core` as soon as it is built, even disabled: about
125 ms of a cold start on top of boto3 (measured with `python -X importtime`; 250 ms on its
own), most of the function's own import. So the function's `Tracer` is built here: with the X-Ray
recorder when tracing is on, with `NoTracing` (nothing imported, nothing sent) when it is off.

Tracing is on where Powertools would trace: inside Lambda (`LAMBDA_TASK_ROOT`), not under
`sam local` (`AWS_SAM_LOCAL`), and unless `POWERTOOLS_TRACE_DISABLED` is true. The template sets
that variable from its `Tracing` parameter, off by default (see the README).
"""

from __future__ import annotations

import numbers
import os
import traceback
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from contextlib import asynccontextmanager, contextmanager
from typing import Any

from aws_lambda_powertools import Tracer
from aws_lambda_powertools.tracing.base import BaseProvider, BaseSegment

from alex_data.logs import SERVICE

__all__ = ["NoTracing", "build_tracer", "tracer", "tracing_enabled"]

_TRUE = {"1", "true", "on", "yes", "y", "t"}


def tracing_enabled(environ: Mapping[str, str] | None = None) -> bool:
    """Whether X-Ray tracing is on in this environment (Powertools' own rule)."""
    env = os.environ if environ is None else environ
    if env.get("POWERTOOLS_TRACE_DISABLED", "false").strip().lower() in _TRUE:
        return False
    return bool(env.get("LAMBDA_TASK_ROOT")) and not env.get("AWS_SAM_LOCAL")


def build_tracer(service: str, environ: Mapping[str, str] | None = None) -> Tracer:
    """The X-Ray Tracer when tracing is on; otherwise a Tracer that imports and sends nothing."""
    if tracing_enabled(environ):
        return Tracer(service=service)
    return Tracer(service=service, disabled=True, auto_patch=False, provider=NoTracing())


class _NoSegment(BaseSegment):
    def close(self, end_time: int | None = None) -> None:
        pass

    def add_subsegment(self, subsegment: Any) -> None:
        pass

    def remove_subsegment(self, subsegment: Any) -> None:
        pass

    def put_annotation(self, key: str, value: str | numbers.Number | bool) -> None:
        pass

    def put_metadata(self, key: str, value: Any, namespace: str = "default") -> None:
        pass

    def add_exception(
        self,
        exception: BaseException,
        stack: list[traceback.StackSummary],
        remote: bool = False,
    ) -> None:
        pass


class NoTracing(BaseProvider):
    """A tracing provider that records nothing: what `Tracer` calls when tracing is off."""

    _segment = _NoSegment()

    @contextmanager
    def in_subsegment(self, name: str | None = None, **kwargs: Any) -> Iterator[BaseSegment]:
        yield self._segment

    @asynccontextmanager
    async def in_subsegment_async(
        self, name: str | None = None, **kwargs: Any
    ) -> AsyncIterator[BaseSegment]:
        yield self._segment

    def put_annotation(self, key: str, value: str | numbers.Number | bool) -> None:
        pass

    def put_metadata(self, key: str, value: Any, namespace: str = "default") -> None:
        pass

    def patch(self, modules: Sequence[str]) -> None:
        pass

    def patch_all(self) -> None:
        pass


# The function's tracer, for the handler's decorator and the per-event annotations.
tracer = build_tracer(SERVICE)
