"""SnapStart's hooks: registered by the handler, the snapshot holds what the first event needs,
and each restored environment renews its random state and its Data API client."""

from __future__ import annotations

from typing import Any

import alex_data.handler  # noqa: F401 - importing the handler registers the hooks
import snapshot_restore_py
from alex_data.snapstart import after_restore, prepare_snapshot

from tests.unit.handler.fresh import run_fresh

ARN = "arn:aws:rds:us-east-1:123456789012:cluster:alex"
SECRET = "arn:aws:secretsmanager:us-east-1:123456789012:secret:alex-AbCdEf"

# A Lambda environment as the runtime makes it: import the handler, run the before-snapshot
# hooks the runtime would, then (as a restored copy) the after-restore hooks.
_LIFECYCLE = """
import json, random, sys
import alex_data.handler
from snapshot_restore_py import get_after_restore, get_before_snapshot
from alex_data.gateway import get_gateway
before = {m for m in sys.modules if m.startswith(("alex_data.operations.", "alex_data.sqs_batch"))}
for hook, args, kwargs in reversed(get_before_snapshot()):
    hook(*args, **kwargs)
from alex_schemas.events import EVENT_TYPES
from alex_data.document_validators import document_validator
from alex_schemas.json_validators import json_answer_codec
snapshot = {
    "operations": sorted(m for m in sys.modules if m.startswith("alex_data.operations.")),
    "sqs": "alex_data.sqs_batch" in sys.modules,
    "built": all(t.__pydantic_complete__ and t.result_model().__pydantic_complete__
                 for t in EVENT_TYPES),
    "gateway": get_gateway.cache_info().currsize,
    "document_validators": document_validator.cache_info().currsize,
    "answer_codecs": json_answer_codec.cache_info().currsize,
}
client, state = id(get_gateway().client) if snapshot["gateway"] else None, random.getstate()
for hook, args, kwargs in get_after_restore():
    hook(*args, **kwargs)
print(json.dumps({
    "before": sorted(before),
    "snapshot": snapshot,
    "new_client": snapshot["gateway"] and id(get_gateway().client) != client,
    "reseeded": random.getstate() != state,
}))
"""


def _lifecycle(**env: str) -> dict[str, Any]:
    return run_fresh(_LIFECYCLE, **env)


def test_importing_the_handler_registers_both_hooks() -> None:
    before = [hook for hook, _, _ in snapshot_restore_py.get_before_snapshot()]
    after = [hook for hook, _, _ in snapshot_restore_py.get_after_restore()]
    assert prepare_snapshot in before
    assert after_restore in after


def test_the_snapshot_holds_every_operation_validator_and_the_client() -> None:
    # Given a configured environment
    found = _lifecycle(
        AURORA_CLUSTER_ARN=ARN, AURORA_SECRET_ARN=SECRET, AWS_DEFAULT_REGION="us-east-1"
    )
    # Then nothing was loaded before the hook, and everything was after it
    assert found["before"] == []
    snapshot = found["snapshot"]
    assert snapshot["operations"] == [
        "alex_data.operations.accounts",
        "alex_data.operations.instruments",
        "alex_data.operations.jobs",
        "alex_data.operations.users",
    ]
    assert snapshot["sqs"] is True
    assert snapshot["built"] is True
    assert snapshot["gateway"] == 1
    assert snapshot["document_validators"] == 2  # GetPortfolio's and the users'
    assert snapshot["answer_codecs"] == 1  # a direct invoke's GetPortfolio
    # and a restored copy draws its own random numbers through a client of its own
    assert found["reseeded"] is True
    assert found["new_client"] is True


def test_a_snapshot_without_configuration_still_prepares_the_rest() -> None:
    # Given no cluster configured (the first invocation reports it)
    found = _lifecycle(AWS_DEFAULT_REGION="us-east-1")
    # Then the hook did not fail: the code is loaded, the gateway is left for the first event
    assert found["snapshot"]["built"] is True
    assert found["snapshot"]["gateway"] == 0
    assert found["reseeded"] is True
