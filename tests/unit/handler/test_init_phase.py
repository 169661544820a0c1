"""The init phase: inside a Lambda runtime importing the handler builds the Data API client;
anywhere else (tests, tools) nothing is built at import. A missing configuration never stops the
init: the first invocation answers it. Each case runs in a fresh interpreter."""

from __future__ import annotations

from typing import Any

from alex_data.snapstart import prepare_init

from tests.unit.handler.fresh import run_fresh

ARN = "arn:aws:rds:us-east-1:123456789012:cluster:alex"
SECRET = "arn:aws:secretsmanager:us-east-1:123456789012:secret:alex-AbCdEf"
CONFIGURED = {"AURORA_CLUSTER_ARN": ARN, "AURORA_SECRET_ARN": SECRET}
# The runtime API's address, which the runtime sets for its own process.
IN_LAMBDA = {"AWS_LAMBDA_RUNTIME_API": "127.0.0.1:9001"}

_IMPORT = """
import io, json, sys, contextlib
errors = io.StringIO()
with contextlib.redirect_stdout(errors):
    import alex_data.handler
from alex_data.gateway import get_gateway
print(json.dumps({
    "built": get_gateway.cache_info().currsize,
    "botocore_session": "botocore.session" in sys.modules,
    "log": errors.getvalue(),
}))
"""

_FIRST_INVOCATION = """
import io, json, contextlib
class Context:
    aws_request_id = "r"; function_name = "f"; memory_limit_in_mb = 128
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:f"
    def get_remaining_time_in_millis(self): return 30000
with contextlib.redirect_stdout(io.StringIO()):
    import alex_data.handler
    answer = alex_data.handler.lambda_handler({"type": "GetUser", "clerk_user_id": "u"}, Context())
print(json.dumps(answer))
"""


def _import(**env: str) -> dict[str, Any]:
    return run_fresh(_IMPORT, AWS_DEFAULT_REGION="us-east-1", **env)


def test_in_a_lambda_runtime_the_init_phase_builds_the_client() -> None:
    found = _import(**IN_LAMBDA, **CONFIGURED)
    assert found["built"] == 1
    assert found["botocore_session"] is True


def test_outside_a_lambda_runtime_importing_builds_nothing() -> None:
    found = _import(**CONFIGURED)
    assert found["built"] == 0
    assert found["botocore_session"] is False
    assert prepare_init({}) is False


def test_a_missing_configuration_is_logged_at_init_and_answered_by_the_first_invocation() -> None:
    # Given a Lambda environment without a cluster
    found = _import(**IN_LAMBDA)
    # Then the init completes, saying why the client is not built yet
    assert found["built"] == 0
    assert "the Data API client was not built at init" in found["log"]
    assert "AURORA_CLUSTER_ARN" in found["log"]
    # and the first invocation answers the configuration error, as it would without the init
    answer = run_fresh(_FIRST_INVOCATION, AWS_DEFAULT_REGION="us-east-1", **IN_LAMBDA)
    assert answer["ok"] is False
    assert answer["error"]["code"] == "Internal"
    assert "AURORA_CLUSTER_ARN" in answer["error"]["message"]
