"""The emulator tiers run the function with the environment a default deploy gives it: the
template's variables with every parameter at its default, conditions included (a variable left
out would change what the function does, as tracing did)."""

from __future__ import annotations

import shutil
from pathlib import Path

from alex_data.tracing import tracing_enabled
from alex_data_dev.artifact import ROOT, load


def test_the_template_s_variables_are_read_at_the_parameters_defaults(tmp_path: Path) -> None:
    # Given the project's template (as `sam build` copies it, intrinsics and all)
    shutil.copy(ROOT / "template.yaml", tmp_path / "template.yaml")
    # When the emulator reads how Lambda would run the function
    artifact = load(tmp_path, "x86_64")
    # Then a condition on a parameter resolves at its default (Tracing=PassThrough: off)
    environment = artifact.environment
    assert environment["POWERTOOLS_TRACE_DISABLED"] == "true"
    assert not tracing_enabled(environment | {"LAMBDA_TASK_ROOT": "/var/task"})
    assert environment["POWERTOOLS_LOG_LEVEL"] == "INFO"
    assert environment["AURORA_DATABASE"] == "alex"
    # and what only a deploy knows (a cluster's attribute, the region) is left to the caller
    assert "AURORA_CLUSTER_ARN" not in environment
    assert "AWS_ENDPOINT_URL_RDS_DATA" not in environment
    assert artifact.memory_mb == 1024


def test_conditions_combine_and_follow_their_parameters(tmp_path: Path) -> None:
    # Given a template whose variables hang on nested conditions
    (tmp_path / "template.yaml").write_text(
        """
Parameters:
  Mode: {Type: String, Default: fast}
  Flag: {Type: String, Default: "0"}
  NoDefault: {Type: String}
Conditions:
  IsFast: !Equals [!Ref Mode, fast]
  HasFlag: !Not [!Equals [!Ref Flag, "0"]]
  Both: !And [!Condition IsFast, !Condition HasFlag]
  Either: !Or [!Condition IsFast, !Condition HasFlag]
  Unknowable: !Equals [!Ref NoDefault, x]
Resources:
  SchemasLayer:
    Type: AWS::Serverless::LayerVersion
    Properties: {ContentUri: SchemasLayer}
  DataFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: DataFunction
      Handler: app.handler
      MemorySize: !If [IsFast, 2048, 512]
      Environment:
        Variables:
          BOTH: !If [Both, "yes", "no"]
          EITHER: !If [Either, "yes", "no"]
          NESTED: !If [IsFast, !If [HasFlag, a, b], c]
          UNKNOWABLE: !If [Unknowable, "yes", "no"]
          ATTRIBUTE: !GetAtt Something.Arn
          LITERAL: plain
"""
    )
    # When it is read
    artifact = load(tmp_path, "x86_64")
    # Then each condition holds as its parameters' defaults make it, and the rest is left out
    assert artifact.environment == {
        "BOTH": "no",
        "EITHER": "yes",
        "NESTED": "b",
        "LITERAL": "plain",
    }
    assert artifact.memory_mb == 2048
