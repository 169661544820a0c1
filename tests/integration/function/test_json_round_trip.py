"""What an agent writes into a JSON payload is what GetJob returns, types included: generated
payloads (ints, floats of every magnitude, decimals as strings, nested) written with CreateJob
and UpdateSummary, read back with GetJob, through the real dispatch, gateway and PostgreSQL."""

from __future__ import annotations

import json
import math
from typing import Any
from uuid import uuid4

from alex_data.gateway import Gateway
from alex_schemas.events import CreateJob, GetJob, UpdateSummary
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.integration.function.conftest import run

# Storable JSON: finite floats (jsonb has no -0: zero is written as 0.0 without its sign),
# Text strings and keys, modest nesting.
text = st.text(st.characters(codec="utf-8", exclude_characters="\x00"))
numbers = (
    st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=False, allow_infinity=False).map(lambda f: 0.0 if f == 0 else f)
    | st.sampled_from([60.0, 1e300, -1e-300, 5e-324, 1.7976931348623157e308, 0.1, 2.0**53])
)
leaves = st.none() | st.booleans() | numbers | text | st.decimals(allow_nan=False).map(str)
payloads = st.dictionaries(
    text,
    st.recursive(
        leaves,
        lambda c: st.lists(c, max_size=4) | st.dictionaries(text, c, max_size=4),
        max_leaves=12,
    ),
    max_size=6,
)


def typed(value: Any) -> Any:
    """The value with each number tagged by its JSON type, so 60 and 60.0 differ."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int):
        return ("int", value)
    if isinstance(value, float):
        return ("float", value.hex()) if math.isfinite(value) else value
    if isinstance(value, dict):
        return {k: typed(v) for k, v in value.items()}
    return [typed(v) for v in value]


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(payload=payloads)
def test_a_request_payload_reads_back_exactly(db: Gateway, user: str, payload: Any) -> None:
    # as the agent's JSON arrives: parsed by Python's json, so floats are floats
    sent = json.loads(json.dumps(payload))
    job = run(db, CreateJob(clerk_user_id=user, job_id=uuid4(), request_payload=sent))
    read = run(db, GetJob(clerk_user_id=user, job_id=job.id))
    assert typed(read.request_payload) == typed(sent)
    # and as the function answers it, the JSON text reads back the same again
    assert typed(json.loads(read.model_dump_json())["request_payload"]) == typed(sent)


@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
@given(payload=payloads)
def test_a_summarys_own_keys_read_back_exactly(db: Gateway, user: str, payload: Any) -> None:
    extra = {f"x_{k}": v for k, v in json.loads(json.dumps(payload)).items()} or {"x": 60.0}
    job = run(db, CreateJob(clerk_user_id=user, job_id=uuid4()))
    run(
        db,
        UpdateSummary.model_validate(
            {"clerk_user_id": user, "job_id": job.id, "summary_payload": extra}
        ),
    )
    read = run(db, GetJob(clerk_user_id=user, job_id=job.id))
    assert read.summary_payload is not None
    assert typed(read.summary_payload.model_extra) == typed(extra)
