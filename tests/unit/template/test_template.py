"""template.yaml, read as CloudFormation reads it: the properties the agents and operators rely on.

cfn-lint checks that the template is well formed; it does not know that this function must run
python3.13 on arm64, answer SQS with partial batch failures, or touch only its own cluster. These
tests do. They read the file with cfn-lint's decoder (it understands !Ref, !GetAtt, !If, !Sub),
so `make test` needs no SAM CLI.
"""

from __future__ import annotations

import importlib
import json
import re
import tomllib
from pathlib import Path
from typing import Any

import pytest
from cfnlint.decode import cfn_yaml

ROOT = Path(__file__).resolve().parents[3]
CLUSTER_ARN = {
    "Fn::If": [
        "CreateCluster",
        {"Fn::GetAtt": ["AuroraCluster", "DBClusterArn"]},
        {"Ref": "ExistingClusterArn"},
    ]
}
SECRET_ARN = {
    "Fn::If": [
        "CreateCluster",
        {"Fn::GetAtt": ["AuroraCluster", "MasterUserSecret.SecretArn"]},
        {"Ref": "ExistingSecretArn"},
    ]
}
FUNCTIONS = ("DataFunction", "MigrateFunction")
ROLES = ("DataFunctionRole", "MigrateFunctionRole")


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    loaded: dict[str, Any] = cfn_yaml.loads((ROOT / "template.yaml").read_text(), "template.yaml")
    return loaded


def resource(template: dict[str, Any], name: str, kind: str) -> dict[str, Any]:
    found: dict[str, Any] = template["Resources"][name]
    assert found["Type"] == kind, f"{name} is a {found['Type']}, not a {kind}"
    return found


def props(template: dict[str, Any], name: str, kind: str) -> dict[str, Any]:
    properties: dict[str, Any] = resource(template, name, kind).get("Properties", {})
    return properties


def function(template: dict[str, Any], name: str) -> dict[str, Any]:
    """A function's effective properties: SAM's Globals, then the function's own (which win)."""
    merged: dict[str, Any] = dict(template.get("Globals", {}).get("Function", {}))
    own = props(template, name, "AWS::Serverless::Function")
    env = {
        **merged.get("Environment", {}).get("Variables", {}),
        **own.get("Environment", {}).get("Variables", {}),
    }
    merged.update(own)
    merged["Environment"] = {"Variables": env}
    return merged


def parameter_default(template: dict[str, Any], value: Any) -> Any:
    assert isinstance(value, dict), f"{value!r} should be a parameter reference"
    assert set(value) == {"Ref"}, f"{value!r} should be a parameter reference"
    return template["Parameters"][value["Ref"]]["Default"]


def statements(template: dict[str, Any], role: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for policy in props(template, role, "AWS::IAM::Role").get("Policies", []):
        found.extend(policy["PolicyDocument"]["Statement"])
    return found


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


# ------------------------------------------------------------------ functions


@pytest.mark.parametrize("name", FUNCTIONS)
def test_functions_run_python313_on_arm64_with_the_schemas_layer(
    template: dict[str, Any], name: str
) -> None:
    fn = function(template, name)

    assert fn["Runtime"] == "python3.13"
    assert fn["Architectures"] == [{"Ref": "Architecture"}]
    assert template["Parameters"]["Architecture"]["Default"] == "arm64"
    assert {"Ref": "SchemasLayer"} in fn["Layers"]


@pytest.mark.parametrize(
    ("name", "handler"),
    [
        ("DataFunction", "alex_data.handler.lambda_handler"),
        ("MigrateFunction", "alex_data.cfn_migrate.handler"),
    ],
)
def test_handlers_live_in_the_function_package(
    template: dict[str, Any], name: str, handler: str
) -> None:
    fn = function(template, name)

    # The handler string names a callable in a module under CodeUri (what Lambda will import).
    assert fn["CodeUri"] == "functions/data"
    assert fn["Handler"] == handler
    module_name, _, attribute = handler.rpartition(".")
    module = importlib.import_module(module_name)
    assert module.__file__ is not None
    assert Path(module.__file__).resolve().is_relative_to(ROOT / fn["CodeUri"])
    assert callable(getattr(module, attribute))


def test_migrations_run_from_the_same_package_at_deploy_time(template: dict[str, Any]) -> None:
    # Given the migration function and the custom resource that calls it
    fn = function(template, "MigrateFunction")
    custom = props(template, "Migrations", "Custom::AlexDataMigrations")

    # Then it ships the same code (migrations included) and re-runs when that code changes
    assert fn["CodeUri"] == function(template, "DataFunction")["CodeUri"]
    assert fn["AutoPublishAlias"]
    assert custom["ServiceToken"] == {"Fn::GetAtt": ["MigrateFunction", "Arn"]}
    assert custom["CodeVersion"] == {"Ref": "MigrateFunction.Version"}
    # and it waits for the writer instance when the stack creates the cluster
    assert custom["Instance"] == {"Fn::If": ["CreateCluster", {"Ref": "AuroraInstance"}, ""]}
    # and it answers CloudFormation before the function's timeout, with time to spare
    assert fn["Timeout"] >= 60


def test_data_function_is_configured_through_its_environment(template: dict[str, Any]) -> None:
    env = function(template, "DataFunction")["Environment"]["Variables"]

    assert env["POWERTOOLS_SERVICE_NAME"] == "alex-data"
    assert env["POWERTOOLS_METRICS_NAMESPACE"]
    assert env["LOG_LEVEL"] == {"Ref": "LogLevel"}
    assert env["AURORA_CLUSTER_ARN"] == CLUSTER_ARN
    assert env["AURORA_SECRET_ARN"] == SECRET_ARN
    assert env["AURORA_DATABASE"] == {"Ref": "DatabaseName"}


def test_local_env_file_only_sets_variables_the_template_declares(
    template: dict[str, Any],
) -> None:
    # SAM ignores --env-vars entries the template does not declare, silently: a typo or a
    # missing declaration would send `sam local invoke` to AWS instead of `alex-data serve`.
    overrides = json.loads((ROOT / "local" / "env.json").read_text())
    declared = function(template, "DataFunction")["Environment"]["Variables"]

    assert set(overrides) == {"DataFunction"}
    assert set(overrides["DataFunction"]) <= set(declared)
    assert overrides["DataFunction"]["AWS_ENDPOINT_URL_RDS_DATA"].startswith("http://")


def test_reserved_concurrency_is_a_parameter(template: dict[str, Any]) -> None:
    fn = function(template, "DataFunction")

    assert fn["ReservedConcurrentExecutions"] == {
        "Fn::If": [
            "HasReservedConcurrency",
            {"Ref": "ReservedConcurrency"},
            {"Ref": "AWS::NoValue"},
        ]
    }
    assert template["Parameters"]["ReservedConcurrency"]["Type"] == "Number"


def test_timeout_and_memory_are_fixed_numbers_within_lambda_limits(
    template: dict[str, Any],
) -> None:
    fn = function(template, "DataFunction")

    # The Data API answers or fails within 45 s per call; a longer timeout only delays retries.
    assert isinstance(fn["Timeout"], int)
    assert 10 <= fn["Timeout"] <= 45
    assert isinstance(fn["MemorySize"], int)
    assert 128 <= fn["MemorySize"] <= 10240


def test_snapstart_is_a_parameter_on_by_default_for_the_data_function(
    template: dict[str, Any],
) -> None:
    fn = function(template, "DataFunction")
    parameter = template["Parameters"]["SnapStart"]

    # AWS supports SnapStart on python3.12+ managed runtimes, arm64 and x86_64 alike
    assert fn["Runtime"] == "python3.13"
    assert fn["SnapStart"] == {"ApplyOn": {"Ref": "SnapStart"}}
    assert parameter["Default"] == "PublishedVersions"
    assert set(parameter["AllowedValues"]) == {"PublishedVersions", "None"}
    # Snapshots exist for published versions only: an alias follows each deploy's version
    assert fn["AutoPublishAlias"] == "live"
    # and SnapStart does not combine with provisioned concurrency, EFS or large /tmp
    assert "ProvisionedConcurrencyConfig" not in fn
    assert "FileSystemConfigs" not in fn
    assert fn.get("EphemeralStorage", {"Size": 512})["Size"] <= 512


def test_every_exported_invoke_target_is_the_alias(template: dict[str, Any]) -> None:
    outputs = template["Outputs"]

    # The alias, never $LATEST (which SnapStart does not snapshot). The SQS event source is
    # tied to the alias by SAM itself when AutoPublishAlias is set.
    assert outputs["DataFunctionArn"]["Value"] == {"Ref": "DataFunction.Alias"}
    assert outputs["DataFunctionName"]["Value"] == {"Fn::Sub": "${DataFunction}:live"}
    assert function(template, "DataFunction")["AutoPublishAlias"] == "live"


def test_tracing_is_a_parameter_that_also_switches_the_tracer(template: dict[str, Any]) -> None:
    fn = function(template, "DataFunction")
    env = fn["Environment"]["Variables"]
    parameter = template["Parameters"]["Tracing"]

    assert fn["Tracing"] == {"Ref": "Tracing"}
    assert set(parameter["AllowedValues"]) == {"Active", "PassThrough"}
    # Off by default: the X-Ray SDK's imports would cost every cold start (README)
    assert parameter["Default"] == "PassThrough"
    assert template["Conditions"]["TracingOn"] == {"Fn::Equals": [{"Ref": "Tracing"}, "Active"]}
    assert env["POWERTOOLS_TRACE_DISABLED"] == {"Fn::If": ["TracingOn", "false", "true"]}


# ------------------------------------------------------------------ layer


def test_layer_is_built_for_python313_on_arm64(template: dict[str, Any]) -> None:
    layer = resource(template, "SchemasLayer", "AWS::Serverless::LayerVersion")

    assert layer["Properties"]["ContentUri"] == "layers/schemas"
    assert layer["Metadata"]["BuildMethod"] == "python3.13"
    # The function's architecture, whatever `--parameter-overrides Architecture=` says: arm64
    # deployed, the host's under the runtime tier's emulator.
    assert layer["Metadata"]["BuildArchitecture"] == {"Ref": "Architecture"}
    assert template["Parameters"]["Architecture"]["Default"] == "arm64"
    assert layer["Properties"]["CompatibleRuntimes"] == ["python3.13"]
    assert layer["Properties"]["CompatibleArchitectures"] == [{"Ref": "Architecture"}]


def test_layer_requirements_pin_pydantic_and_powertools() -> None:
    lines = (ROOT / "layers" / "schemas" / "requirements.txt").read_text().splitlines()
    pins = {
        re.split(r"[\[=]", line)[0]: line
        for line in (raw.strip() for raw in lines)
        if line and not line.startswith("#")
    }

    assert "pydantic" in pins
    assert "aws-lambda-powertools" in pins
    assert all("==" in pin for pin in pins.values()), pins


# ------------------------------------------------------------------ queues


def sqs_event(template: dict[str, Any]) -> dict[str, Any]:
    events = function(template, "DataFunction")["Events"]
    sqs = [event for event in events.values() if event["Type"] == "SQS"]
    assert len(sqs) == 1
    found: dict[str, Any] = sqs[0]["Properties"]
    return found


def test_sqs_event_source_reports_partial_batch_failures(template: dict[str, Any]) -> None:
    event = sqs_event(template)

    assert event["Queue"] == {"Fn::GetAtt": ["JobQueue", "Arn"]}
    assert event["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert 1 <= event["BatchSize"] <= 10
    assert 0 <= event["MaximumBatchingWindowInSeconds"] <= 5
    assert event["ScalingConfig"]["MaximumConcurrency"] == {"Ref": "QueueMaxConcurrency"}


def test_job_queue_dead_letters_after_a_stated_number_of_receives(
    template: dict[str, Any],
) -> None:
    redrive = props(template, "JobQueue", "AWS::SQS::Queue")["RedrivePolicy"]
    resource(template, "JobDeadLetterQueue", "AWS::SQS::Queue")

    assert redrive["deadLetterTargetArn"] == {"Fn::GetAtt": ["JobDeadLetterQueue", "Arn"]}
    assert isinstance(redrive["maxReceiveCount"], int)
    assert 2 <= redrive["maxReceiveCount"] <= 5


def test_visibility_timeout_covers_six_function_timeouts_and_the_window(
    template: dict[str, Any],
) -> None:
    queue = props(template, "JobQueue", "AWS::SQS::Queue")
    fn = function(template, "DataFunction")

    minimum = 6 * fn["Timeout"] + sqs_event(template)["MaximumBatchingWindowInSeconds"]
    assert queue["VisibilityTimeout"] >= minimum


def test_dead_letter_queue_keeps_messages_long_enough_to_inspect(
    template: dict[str, Any],
) -> None:
    dlq = props(template, "JobDeadLetterQueue", "AWS::SQS::Queue")
    queue = props(template, "JobQueue", "AWS::SQS::Queue")

    # A message keeps its original enqueue time in the DLQ: a shorter retention loses it.
    assert dlq["MessageRetentionPeriod"] > queue["MessageRetentionPeriod"]


# ------------------------------------------------------------------ Aurora


def test_aurora_serverless_v2_with_the_data_api_and_scale_to_zero(
    template: dict[str, Any],
) -> None:
    cluster = resource(template, "AuroraCluster", "AWS::RDS::DBCluster")
    instance = resource(template, "AuroraInstance", "AWS::RDS::DBInstance")
    p = cluster["Properties"]
    scaling = p["ServerlessV2ScalingConfiguration"]

    assert p["Engine"] == "aurora-postgresql"
    assert p["EnableHttpEndpoint"] is True
    assert p["ManageMasterUserPassword"] is True
    assert p["StorageEncrypted"] is True
    assert parameter_default(template, scaling["MinCapacity"]) == 0
    assert parameter_default(template, scaling["MaxCapacity"]) >= 1
    assert parameter_default(template, scaling["SecondsUntilAutoPause"]) >= 300
    assert instance["Properties"]["DBInstanceClass"] == "db.serverless"
    assert instance["Properties"]["PubliclyAccessible"] is False
    assert cluster["Condition"] == instance["Condition"] == "CreateCluster"
    assert cluster["DeletionPolicy"] == "Snapshot"


def test_engine_version_supports_auto_pause_and_the_data_api(template: dict[str, Any]) -> None:
    version = parameter_default(
        template, props(template, "AuroraCluster", "AWS::RDS::DBCluster")["EngineVersion"]
    )
    major, minor = (int(part) for part in str(version).split(".")[:2])

    # Minimum capacity 0 arrived in 16.3 and is in every 17.x from 17.4 (the Data API's first).
    assert (major == 16 and minor >= 3) or (major == 17 and minor >= 4) or major >= 18


def test_an_existing_cluster_and_secret_can_replace_the_created_ones(
    template: dict[str, Any],
) -> None:
    params = template["Parameters"]
    condition = template["Conditions"]["CreateCluster"]

    assert params["ExistingClusterArn"]["Default"] == ""
    assert params["ExistingSecretArn"]["Default"] == ""
    assert condition == {
        "Fn::Or": [
            {"Fn::Equals": [{"Ref": "ExistingClusterArn"}, ""]},
            {"Fn::Equals": [{"Ref": "ExistingSecretArn"}, ""]},
        ]
    }
    assert "ExistingClusterNeedsItsSecret" in template["Rules"]


def test_subnets_are_optional_and_default_to_the_default_vpc(template: dict[str, Any]) -> None:
    cluster = props(template, "AuroraCluster", "AWS::RDS::DBCluster")

    assert template["Parameters"]["SubnetIds"]["Default"] == ""
    assert cluster["DBSubnetGroupName"] == {
        "Fn::If": ["CreateSubnetGroup", {"Ref": "AuroraSubnetGroup"}, {"Ref": "AWS::NoValue"}]
    }
    # The Lambda reaches the database over HTTPS: no VPC, no ENIs, no NAT.
    for name in FUNCTIONS:
        assert "VpcConfig" not in function(template, name)


# ------------------------------------------------------------------ IAM


@pytest.mark.parametrize("name", FUNCTIONS)
def test_functions_use_the_written_out_roles_not_sam_generated_policies(
    template: dict[str, Any], name: str
) -> None:
    fn = function(template, name)

    assert fn["Role"] == {"Fn::GetAtt": [f"{name}Role", "Arn"]}
    assert "Policies" not in fn
    assert "ManagedPolicyArns" not in props(template, f"{name}Role", "AWS::IAM::Role")


@pytest.mark.parametrize("role", ROLES)
def test_data_api_is_allowed_on_the_cluster_only(template: dict[str, Any], role: str) -> None:
    data_api = [
        s
        for s in statements(template, role)
        if any(str(a).startswith("rds-data:") for a in as_list(s["Action"]))
    ]

    assert len(data_api) == 1
    assert data_api[0]["Resource"] == CLUSTER_ARN
    assert set(as_list(data_api[0]["Action"])) == {
        "rds-data:ExecuteStatement",
        "rds-data:BatchExecuteStatement",
        "rds-data:BeginTransaction",
        "rds-data:CommitTransaction",
        "rds-data:RollbackTransaction",
    }


@pytest.mark.parametrize("role", ROLES)
def test_only_the_cluster_secret_can_be_read(template: dict[str, Any], role: str) -> None:
    secrets = [
        s
        for s in statements(template, role)
        if any(str(a).startswith("secretsmanager:") for a in as_list(s["Action"]))
    ]

    assert len(secrets) == 1
    assert as_list(secrets[0]["Action"]) == ["secretsmanager:GetSecretValue"]
    assert secrets[0]["Resource"] == SECRET_ARN


@pytest.mark.parametrize("role", ROLES)
def test_no_wildcards_except_for_xray(template: dict[str, Any], role: str) -> None:
    for statement in statements(template, role):
        actions = [str(a) for a in as_list(statement["Action"])]
        assert statement["Effect"] == "Allow"
        assert not any(a == "*" or a.endswith(":*") for a in actions), statement
        if "*" in as_list(statement["Resource"]):
            # X-Ray has no resource-level permissions; nothing else may be granted on "*".
            assert all(a.startswith("xray:") for a in actions), statement


def test_data_function_consumes_only_its_own_queue(template: dict[str, Any]) -> None:
    sqs = [
        s
        for s in statements(template, "DataFunctionRole")
        if any(str(a).startswith("sqs:") for a in as_list(s["Action"]))
    ]

    assert len(sqs) == 1
    assert sqs[0]["Resource"] == {"Fn::GetAtt": ["JobQueue", "Arn"]}
    assert "sqs:SendMessage" not in as_list(sqs[0]["Action"])


# ------------------------------------------------------------------ alarms and outputs


def alarms(template: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        r["Properties"]
        for r in template["Resources"].values()
        if r["Type"] == "AWS::CloudWatch::Alarm"
    ]


def test_an_alarm_fires_on_the_first_dead_lettered_message(template: dict[str, Any]) -> None:
    matching = [
        a
        for a in alarms(template)
        if a["MetricName"] == "ApproximateNumberOfMessagesVisible"
        and a["Dimensions"]
        == [{"Name": "QueueName", "Value": {"Fn::GetAtt": ["JobDeadLetterQueue", "QueueName"]}}]
    ]

    assert len(matching) == 1
    assert matching[0]["Threshold"] == 0
    assert matching[0]["ComparisonOperator"] == "GreaterThanThreshold"


def test_an_alarm_fires_on_function_errors(template: dict[str, Any]) -> None:
    matching = [
        a
        for a in alarms(template)
        if a["Namespace"] == "AWS/Lambda"
        and a["MetricName"] == "Errors"
        and a["Dimensions"] == [{"Name": "FunctionName", "Value": {"Ref": "DataFunction"}}]
    ]

    assert len(matching) == 1
    assert matching[0]["Statistic"] == "Sum"


@pytest.mark.parametrize(
    "output",
    [
        "DataFunctionArn",
        "JobQueueUrl",
        "JobQueueArn",
        "SchemasLayerArn",
        "AuroraClusterArn",
        "AuroraSecretArn",
    ],
)
def test_outputs_are_exported_under_the_stack_name(template: dict[str, Any], output: str) -> None:
    found = template["Outputs"][output]

    assert found["Export"]["Name"] == {"Fn::Sub": f"${{AWS::StackName}}-{output}"}


def test_cluster_and_secret_outputs_follow_the_existing_cluster_choice(
    template: dict[str, Any],
) -> None:
    assert template["Outputs"]["AuroraClusterArn"]["Value"] == CLUSTER_ARN
    assert template["Outputs"]["AuroraSecretArn"]["Value"] == SECRET_ARN


# ------------------------------------------------------------------ samconfig


@pytest.mark.parametrize("env", ["default", "prod"])
def test_samconfig_environments_deploy_this_template(template: dict[str, Any], env: str) -> None:
    config = tomllib.loads((ROOT / "samconfig.toml").read_text())[env]
    deploy = config["deploy"]["parameters"]
    overrides = dict(pair.split("=", 1) for pair in deploy["parameter_overrides"].split())

    assert config["global"]["parameters"]["stack_name"]
    assert config["validate"]["parameters"]["lint"] is True
    assert "CAPABILITY_IAM" in deploy["capabilities"].split()
    # A renamed template parameter would otherwise fail only at deploy time.
    assert set(overrides) <= set(template["Parameters"])


def test_samconfig_environments_are_separate_stacks() -> None:
    config = tomllib.loads((ROOT / "samconfig.toml").read_text())

    names = {config[env]["global"]["parameters"]["stack_name"] for env in ("default", "prod")}
    assert len(names) == 2


def test_by_default_no_concurrency_is_reserved_so_a_new_account_can_deploy(
    template: dict[str, Any],
) -> None:
    assert template["Parameters"]["ReservedConcurrency"]["Default"] == 0
    config = tomllib.loads((Path(__file__).resolve().parents[3] / "samconfig.toml").read_text())

    def reserved(environment: str) -> int:
        overrides = config[environment]["deploy"]["parameters"]["parameter_overrides"]
        return int(dict(item.split("=", 1) for item in overrides.split())["ReservedConcurrency"])

    assert reserved("default") == 0
    assert reserved("prod") > 0
