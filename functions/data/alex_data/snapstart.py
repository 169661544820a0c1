"""The init phase: what it builds, before the snapshot too, and what each restored environment
renews.

In any Lambda runtime (`AWS_LAMBDA_RUNTIME_API` set: the API the runtime polls for events; tests
and tools never set it) the init phase builds the gateway: settings and the Data API client
(`prepare_init`), as AWS advises for SDK clients. Under the emulator that moves ~45 ms (botocore's
session and client) from the first invocation into the INIT REPORT and leaves their sum as it
was: the same work, billed the same since Lambda bills an on-demand function's init phase as its
invocations (August 2025). What it gains is the request that no longer waits on it wherever
Lambda initializes ahead of time (provisioned concurrency, an on-demand environment initialized
before its first request). Validators stay built on first use: all of them take ~40 ms, one
event's ~2 ms.

With SnapStart (template parameter `SnapStart`, on by default) Lambda runs the init phase once
per published version, snapshots the environment and starts every cold environment of that
version from a copy. So the init should build everything the first event would otherwise build
(`prepare_snapshot`), and each copy must renew what may not be shared (`after_restore`):

- `random`'s state: every copy would otherwise draw the same retry jitter (the gateway's backoff
  exists so that callers do not retry in step);
- the Data API client: a copy gets a client of its own, with its own connection pool and its own
  credential lookup. Built from the session the snapshot holds (service model loaded, client
  class made), a new client costs ~2 ms instead of ~40 ms. Under SnapStart Lambda hands out
  credentials through its container endpoint, which botocore refreshes as they expire.

The hooks are registered with `snapshot_restore_py`, which Lambda's Python runtimes (3.12 and
later) provide; elsewhere (tests, the emulator tiers) nothing registers them and nothing runs.
"""

from __future__ import annotations

import logging
import os
import random
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from alex_schemas import collector
from alex_schemas.errors import DataError

__all__ = [
    "after_restore",
    "build_before_snapshot",
    "prepare_init",
    "prepare_snapshot",
    "register",
]

log = logging.getLogger(__name__)

T = TypeVar("T")

# What modules asked `prepare_snapshot` to build (`build_before_snapshot`), in order.
_BUILDS: list[tuple[Callable[[Any], object], Any]] = []


def build_before_snapshot(build: Callable[[T], object], argument: T) -> None:
    """Have `prepare_snapshot` call `build(argument)` (a cached validator a module uses), so the
    snapshot holds it; a cold start without SnapStart builds it on first use, and only if its
    events use it."""
    _BUILDS.append((build, argument))


def prepare_init(environ: Mapping[str, str] | None = None) -> bool:
    """In a Lambda runtime, build the gateway now; False (nothing built) anywhere else."""
    if not (os.environ if environ is None else environ).get("AWS_LAMBDA_RUNTIME_API"):
        return False
    _build_gateway("init")
    return True


def _build_gateway(when: str) -> None:
    from alex_data.gateway import get_gateway

    try:
        get_gateway()
    except DataError as exc:
        # The first invocation raises it again, where it is answered; the rest of the init
        # still helps.
        log.warning("the Data API client was not built at %s: %s", when, exc)


def prepare_snapshot() -> None:
    """Before the snapshot: import and build what the first event of any kind would."""
    with collector.paused_in_lambda():  # all of it lives as long as the snapshot's environments
        _build_everything()


def _build_everything() -> None:
    from alex_schemas.events import EVENT_TYPES, data_event_adapter

    from alex_data import sqs_batch
    from alex_data.dispatch import load_all

    load_all()  # each module imported registers its builds
    for build, argument in _BUILDS:
        build(argument)
    # Validators and serializers are built on first use (the models defer them so that a cold
    # start without SnapStart builds only its event's): build them all into the snapshot.
    for event_type in EVENT_TYPES:
        event_type.model_rebuild()
        event_type.result_model().model_rebuild()
    data_event_adapter()
    sqs_batch.RecordProcessor(on_failure=lambda record, exception: None)
    _build_gateway("the snapshot")


def after_restore() -> None:
    """After a restore: renew what no two restored environments may share."""
    random.seed()
    from alex_data.gateway import get_gateway

    if get_gateway.cache_info().currsize:  # built before the snapshot
        get_gateway().renew_client()


def register() -> bool:
    """Register the hooks with Lambda's runtime; False where there is no SnapStart runtime."""
    try:
        from snapshot_restore_py import register_after_restore, register_before_snapshot
    except ImportError:
        return False
    register_before_snapshot(prepare_snapshot)
    register_after_restore(after_restore)
    return True
