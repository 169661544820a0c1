"""SnapStart: what is built before the snapshot, and what each restored environment renews.

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
import random

from alex_schemas.errors import DataError

__all__ = ["after_restore", "prepare_snapshot", "register"]

log = logging.getLogger(__name__)


def prepare_snapshot() -> None:
    """Before the snapshot: import and build what the first event of any kind would."""
    from alex_schemas.events import EVENT_TYPES, data_event_adapter

    from alex_data import sqs_batch
    from alex_data.dispatch import load_all
    from alex_data.gateway import get_gateway

    load_all()
    # Validators and serializers are built on first use (the models defer them so that a cold
    # start without SnapStart builds only its event's): build them all into the snapshot.
    for event_type in EVENT_TYPES:
        event_type.model_rebuild()
        event_type.result_model().model_rebuild()
    data_event_adapter()
    sqs_batch.RecordProcessor(on_failure=lambda record, exception: None)
    try:
        get_gateway()
    except DataError as exc:
        # The first invocation raises it again, where it is reported; the snapshot still helps.
        log.warning("the Data API client was not built before the snapshot: %s", exc)


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
