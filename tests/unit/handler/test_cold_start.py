"""What a cold start imports: tracing only when it is on, the SQS machinery only for a batch,
one operation module for one event. Each case runs in a fresh interpreter, where imports are
what they would be in a new Lambda environment."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from alex_data.tracing import NoTracing, build_tracer, tracing_enabled

from tests.unit.handler.fresh import run_fresh

# Prints the modules a fresh interpreter holds after `program` (which may set `out`).
_PROBE = """
import json, sys
{program}
print(json.dumps({{"modules": sorted(sys.modules), "out": globals().get("out")}}))
"""

_CONTEXT = """
class Context:
    aws_request_id = "r"; function_name = "f"; memory_limit_in_mb = 128
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:f"
    def get_remaining_time_in_millis(self): return 30000
"""


def _fresh(program: str, **env: str) -> dict[str, Any]:
    return run_fresh(_PROBE.format(program=program), **env)


def _loaded(modules: list[str], prefix: str) -> list[str]:
    return [m for m in modules if m == prefix or m.startswith(prefix + ".")]


def test_importing_the_handler_loads_no_tracing_sqs_or_operation_code() -> None:
    # When the handler is imported where tracing is off
    found = _fresh("import alex_data.handler")
    # Then neither the X-Ray SDK's core, nor Powertools' batch machinery, nor any operation
    modules = found["modules"]
    assert _loaded(modules, "aws_xray_sdk.core") == []
    assert _loaded(modules, "aws_lambda_powertools.utilities.batch") == []
    assert _loaded(modules, "alex_schemas.sqs") == []
    assert _loaded(modules, "alex_data.operations") == []
    assert _loaded(modules, "alex_data.repositories") == []
    assert _loaded(modules, "boto3") == []
    # nor what only a refused event needs
    assert _loaded(modules, "difflib") == []
    # nor any event: the first event imports its own kind
    assert _event_modules(modules) == []


def test_importing_the_schemas_builds_no_validator_and_no_parametrised_model() -> None:
    # When every event of the layer is imported (the union)
    program = (
        "import alex_schemas.events\n"
        + "from pydantic import BaseModel\n"
        + "def models(cls):\n"
        + "    for sub in cls.__subclasses__():\n"
        + "        yield sub\n"
        + "        yield from models(sub)\n"
        + "found = set(models(BaseModel))\n"
        + "out = {'count': len(found),\n"
        + "       'built': sorted(m.__name__ for m in found if m.__pydantic_complete__),\n"
        + "       'parametrised': sorted(m.__name__ for m in found if '[' in m.__name__)}\n"
    )
    found = _fresh(program)["out"]
    # Then its models are defined, but none is built (each builds on first use), and
    # `GetPortfolio(UserEvent[Portfolio])` made no pydantic submodel `UserEvent[Portfolio]`
    assert found["count"] > 40
    assert found["built"] == []
    assert found["parametrised"] == []


# A Data API the gateway can build its client for (nothing is called).
_CONFIGURED = {
    "AURORA_CLUSTER_ARN": "arn:aws:rds:us-east-1:123456789012:cluster:c",
    "AURORA_SECRET_ARN": "arn:aws:secretsmanager:us-east-1:123456789012:secret:s",
    "AWS_DEFAULT_REGION": "us-east-1",
}

# Counts the collector's passes from here on (gc.callbacks sees each start).
_COUNT_COLLECTIONS = """
import gc
collections = []
gc.callbacks.append(lambda phase, info: phase == "start" and collections.append(info))
"""


def test_importing_the_handler_runs_no_collection_and_freezes_what_it_built(
    tmp_path: Path,
) -> None:
    # Given compiled bytecode, as Lambda runs it (compiling a module allocates, before it runs),
    # in a Lambda environment (whose init also builds the Data API client)
    compiled = {"PYTHONDONTWRITEBYTECODE": "", "PYTHONPYCACHEPREFIX": str(tmp_path)}
    lambda_env = _CONFIGURED | {"AWS_LAMBDA_RUNTIME_API": "127.0.0.1:9001"}
    _fresh("import alex_data.handler", **compiled, **lambda_env)
    # When the handler is imported, in an interpreter that collects as usual
    program = (
        _COUNT_COLLECTIONS
        + "import alex_data.handler\n"
        + "out = [len(collections), gc.isenabled(), gc.get_freeze_count()]\n"
    )
    collections, enabled, frozen = _fresh(program, **compiled, **lambda_env)["out"]
    # Then the collector did not run during the import, and runs again after it, over what
    # the invocations allocate only: the import's objects are frozen
    assert collections == 0
    assert enabled is True
    assert frozen > 20_000


def test_building_the_gateway_on_a_first_event_runs_no_collection(tmp_path: Path) -> None:
    # Given a Lambda environment whose init could not build the gateway (its configuration came
    # later), When the first event builds it (botocore's import, the service model, the client)
    program = (
        "import alex_data.handler, json, os\n"
        + _COUNT_COLLECTIONS
        + f"os.environ.update(json.loads({json.dumps(json.dumps(_CONFIGURED))}))\n"
        + "from alex_data.gateway import get_gateway\n"
        + "frozen = gc.get_freeze_count()\n"
        + "get_gateway()\n"
        + "out = [len(collections), gc.isenabled(), gc.get_freeze_count() - frozen]\n"
    )
    env = {"AWS_LAMBDA_RUNTIME_API": "127.0.0.1:9001"}
    compiled = {"PYTHONDONTWRITEBYTECODE": "", "PYTHONPYCACHEPREFIX": str(tmp_path)}
    _fresh(program, **env, **compiled)
    collections, enabled, frozen = _fresh(program, **env, **compiled)["out"]
    # Then no collection ran while it was built, and what it built is frozen
    assert collections == 0
    assert enabled is True
    assert frozen > 10_000


def test_an_agents_import_and_first_client_run_no_collection(tmp_path: Path) -> None:
    # Given compiled bytecode in a Lambda environment, When an agent imports the layer and its
    # DataClient builds the process's first Lambda client, then a second DataClient another
    program = (
        _COUNT_COLLECTIONS
        + "import alex_schemas\n"
        + "from alex_schemas.client import DataClient\n"
        + "imported = len(collections)\n"
        + "DataClient('f')._calls._client()\n"
        + "first = len(collections) - imported\n"
        + "frozen = gc.get_freeze_count()\n"
        + "DataClient('f')._calls._client()\n"
        + "out = [imported, first, gc.isenabled(), gc.get_freeze_count() - frozen]\n"
    )
    compiled = {"PYTHONDONTWRITEBYTECODE": "", "PYTHONPYCACHEPREFIX": str(tmp_path)}
    agent = {"AWS_DEFAULT_REGION": "us-east-1", "AWS_LAMBDA_RUNTIME_API": "127.0.0.1:9001"}
    _fresh(program, **agent, **compiled)
    imported, first, enabled, frozen_by_second = _fresh(program, **agent, **compiled)["out"]
    # Then neither the import nor the first client ran the collector; the second client, built
    # from the kept session, froze nothing (a server making clients keeps collecting)
    assert (imported, first) == (0, 0)
    assert enabled is True
    assert frozen_by_second <= 0


def test_outside_a_lambda_environment_the_layer_leaves_the_collector_alone() -> None:
    # Given a process that is not a Lambda environment's (a server, a notebook, a test run)
    program = (
        _COUNT_COLLECTIONS
        + "import alex_schemas\n"
        + "from alex_schemas.client import DataClient\n"
        + "DataClient('f')._calls._client()\n"
        + "out = [gc.isenabled(), gc.get_freeze_count()]\n"
    )
    # When it imports the layer and builds its first client
    enabled, frozen = _fresh(program, AWS_DEFAULT_REGION="us-east-1")["out"]
    # Then nothing of the process was frozen: freezing is the process's own decision
    assert enabled is True
    assert frozen == 0


def _event_modules(modules: list[str]) -> list[str]:
    return [m for m in modules if m.startswith("alex_schemas.") and m.endswith("events")]


def test_an_agent_using_one_event_imports_the_events_of_its_kind_only() -> None:
    # When an agent imports the layer and makes a GetUser
    found = _fresh(
        "import alex_schemas\n"
        + "imported = sorted(sys.modules)\n"
        + "alex_schemas.GetUser(clerk_user_id='u')\n"
    )
    # Then the import defined no event, and the GetUser the users' two: not the union's 22
    assert _event_modules(found["modules"]) == ["alex_schemas.user_events"]


def test_every_event_is_still_a_name_of_the_package() -> None:
    import alex_schemas
    from alex_schemas import events

    names = vars(events)["__all__"]  # computed from the union, where mypy does not look
    assert set(names) <= set(alex_schemas.__all__)
    for name in names:
        assert getattr(alex_schemas, name) is getattr(events, name), name


def test_a_direct_invoke_loads_its_operation_only() -> None:
    # Given a handler over a database that holds no user
    program = (
        _CONTEXT
        + "from alex_data.handler import build_handler\n"
        + "class Empty:\n"
        + "    def session(self, seconds): return self\n"
        + "    def document(self, sql, params, model, **how): return None\n"
        + "handler = build_handler(database=Empty)\n"
        + "out = handler({'type': 'GetUser', 'clerk_user_id': 'u'}, Context())\n"
    )
    # When one GetUser arrives
    found = _fresh(program)
    assert found["out"]["error"]["code"] == "NotFound"
    # Then only the users operation and repository were imported, and no SQS machinery
    modules = found["modules"]
    assert _loaded(modules, "alex_data.operations") == [
        "alex_data.operations",
        "alex_data.operations.users",
    ]
    assert _loaded(modules, "alex_data.repositories") == [
        "alex_data.repositories",
        "alex_data.repositories.users",
    ]
    assert _loaded(modules, "aws_lambda_powertools.utilities.batch") == []
    # and of the events, the users' only (not the union's 22)
    assert _event_modules(modules) == ["alex_schemas.user_events"]


def test_dispatching_an_event_imports_that_operations_module() -> None:
    program = (
        "from alex_data.dispatch import OPERATIONS\n"
        + "from alex_schemas.events import GetUser\n"
        + "out = OPERATIONS[GetUser].__module__\n"
    )
    found = _fresh(program)
    assert found["out"] == "alex_data.operations.users"
    assert _loaded(found["modules"], "alex_data.operations") == [
        "alex_data.operations",
        "alex_data.operations.users",
    ]


def test_an_account_event_s_operations_build_no_portfolio_validator() -> None:
    # When a cold start's first event is an account's (its operations module holds GetPortfolio)
    program = (
        "import alex_data.handler\n"
        + "import alex_data.operations.accounts\n"
        + "from alex_data.document_validators import document_validator\n"
        + "from alex_schemas.json_validators import json_answer_codec\n"
        + "out = [document_validator.cache_info().currsize,"
        + " json_answer_codec.cache_info().currsize]\n"
    )
    # Then neither of the portfolio's validators is built: the first GetPortfolio, or SnapStart's
    # init, builds what it uses
    assert _fresh(program)["out"] == [0, 0]


def test_an_sqs_batch_loads_the_batch_machinery() -> None:
    program = (
        _CONTEXT
        + "from alex_data.handler import build_handler\n"
        + "handler = build_handler(dispatcher=lambda event, db: None)\n"
        + "record = {'messageId': 'm1', 'receiptHandle': 'h', 'body': '{}', 'attributes': {},\n"
        + "          'messageAttributes': {}, 'md5OfBody': '', 'eventSource': 'aws:sqs',\n"
        + "          'eventSourceARN': 'arn:aws:sqs:us-east-1:123456789012:q',\n"
        + "          'awsRegion': 'us-east-1'}\n"
        + "out = handler({'Records': [record]}, Context())\n"
    )
    found = _fresh(program)
    # Then the poison record is reported, through Powertools' batch processor
    assert found["out"] == {"batchItemFailures": [{"itemIdentifier": "m1"}]}
    assert "aws_lambda_powertools.utilities.batch" in found["modules"]


def test_tracing_on_in_lambda_builds_the_x_ray_tracer() -> None:
    # Given Lambda's environment with tracing not disabled
    program = (
        "import alex_data.handler as h\n"
        + "out = [type(h.tracer.provider).__module__, h.tracer.disabled]\n"
    )
    found = _fresh(program, LAMBDA_TASK_ROOT="/var/task", POWERTOOLS_TRACE_DISABLED="false")
    # Then the tracer is X-Ray's recorder, enabled
    provider_module, disabled = found["out"]
    assert provider_module.startswith("aws_xray_sdk")
    assert disabled is False
    assert "aws_xray_sdk.core" in found["modules"]


@pytest.mark.parametrize(
    ("env", "enabled"),
    [
        ({}, False),
        ({"LAMBDA_TASK_ROOT": "/var/task"}, True),
        ({"LAMBDA_TASK_ROOT": "/var/task", "POWERTOOLS_TRACE_DISABLED": "true"}, False),
        ({"LAMBDA_TASK_ROOT": "/var/task", "POWERTOOLS_TRACE_DISABLED": "1"}, False),
        ({"LAMBDA_TASK_ROOT": "/var/task", "POWERTOOLS_TRACE_DISABLED": "false"}, True),
        ({"LAMBDA_TASK_ROOT": "/var/task", "AWS_SAM_LOCAL": "true"}, False),
    ],
)
def test_tracing_is_on_in_lambda_unless_disabled_or_under_sam_local(
    env: dict[str, str], enabled: bool
) -> None:
    assert tracing_enabled(env) is enabled


def test_a_tracer_with_tracing_off_records_nothing() -> None:
    tracer = build_tracer("svc", {"POWERTOOLS_TRACE_DISABLED": "true"})
    assert isinstance(tracer.provider, NoTracing)
    assert tracer.disabled

    @tracer.capture_lambda_handler
    def handler(event: dict[str, int], context: object) -> int:
        tracer.put_annotation(key="k", value="v")
        return event["n"] + 1

    assert handler({"n": 1}, None) == 2


def test_no_module_of_the_function_imports_the_boto3_stubs() -> None:
    # The stubs type the rds-data client for mypy only: the Lambda package does not ship them.
    found = _fresh(
        "import pkgutil, importlib, alex_data\n"
        "for m in pkgutil.walk_packages(alex_data.__path__, 'alex_data.'):\n"
        "    importlib.import_module(m.name)\n"
        "out = sorted(sys.modules)\n"
    )
    assert "alex_data.gateway" in found["out"]
    assert "alex_data.session" in found["out"]
    assert [m for m in found["modules"] if m.startswith(("mypy_boto3", "botocore-stubs"))] == []
