"""The cyclic garbage collector while a cold start builds what lives as long as its process.

A cold start allocates a few hundred thousand objects (the modules and classes imported, the
models' validators, botocore's service model and client) and next to no cyclic garbage, so the
collector's passes over them free nothing: about 20 ms of a 250 ms cold start, the function's or
an agent's. Those steps run under `paused()`: no collection while they run, then what they built
is frozen (`gc.freeze`: left out of every later collection) and collection resumes for what
invocations allocate.

Freezing is an act on the whole process, and the layer is imported into other people's
processes: so every pause is `paused_in_lambda`, taken only where the process is a Lambda
environment's (the runtime's `AWS_LAMBDA_RUNTIME_API` is set), whose init is a cold start and
whose process serves one function. The layer pauses for its own import and the process's first
AWS client (`alex_schemas.transports`); the function for its handler's import, its Data API
client and the SnapStart preparation. In a server, a notebook or a test run nothing changes.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext

__all__ = ["paused", "paused_in_lambda"]


@contextmanager
def paused() -> Iterator[None]:
    """No collection inside; on the way out, what was built is frozen and collection resumes
    (if it was on: a caller that turned it off, or an enclosing `paused()`, keeps it off)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            # Enabling without freezing would make the next allocation collect everything built.
            gc.freeze()
            gc.enable()


def paused_in_lambda() -> AbstractContextManager[None]:
    """`paused()` in a Lambda environment's process; elsewhere nothing."""
    return paused() if os.environ.get("AWS_LAMBDA_RUNTIME_API") else nullcontext()
