"""`alex-data schemas --out DIR`: the exported JSON Schemas accept the examples and the
models' own output, and refuse what the models refuse."""

from __future__ import annotations

import argparse
import functools
import json
import pathlib
from typing import Any

import jsonschema  # type: ignore[import-untyped]
import pytest
from alex_data_dev import schemas_cmd
from alex_schemas import EVENT_TYPES, ErrorCode, Portfolio
from alex_schemas.envelope import error, ok

from tests.unit.schemas import samples

EVENTS_DIR = pathlib.Path(__file__).resolve().parents[3] / "events"


@pytest.fixture(scope="module")
def schema_dir(tmp_path_factory: pytest.TempPathFactory) -> pathlib.Path:
    out = tmp_path_factory.mktemp("schemas")
    assert schemas_cmd.run(argparse.Namespace(out=str(out))) == 0
    return out


def load(path: pathlib.Path) -> Any:
    return json.loads(path.read_text())


@functools.cache
def validator(schema_dir: pathlib.Path, relative: str) -> jsonschema.Draft202012Validator:
    schema = load(schema_dir / relative)
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())


def direct_examples() -> list[pathlib.Path]:
    return sorted(p for p in EVENTS_DIR.glob("*.json") if p.stem != "sqs_batch")


def test_one_schema_per_event_and_per_result(schema_dir: pathlib.Path) -> None:
    events = {p.stem for p in (schema_dir / "events").glob("*.json")}
    results = {p.stem for p in (schema_dir / "results").glob("*.json")}
    assert events == {e.__name__ for e in EVENT_TYPES}
    assert results == {e.result_model().__name__ for e in EVENT_TYPES}


@pytest.mark.parametrize("example", direct_examples(), ids=lambda p: p.stem)
def test_each_example_is_valid_against_its_event_schema_and_the_union(
    schema_dir: pathlib.Path, example: pathlib.Path
) -> None:
    body = load(example)
    validator(schema_dir, f"events/{body['type']}.json").validate(body)
    validator(schema_dir, "DataEvent.json").validate(body)


def test_the_sqs_example_and_its_bodies_are_valid(schema_dir: pathlib.Path) -> None:
    batch = load(EVENTS_DIR / "sqs_batch.json")
    validator(schema_dir, "DataEventSqsEvent.json").validate(batch)
    union = validator(schema_dir, "DataEvent.json")
    for record in batch["Records"]:
        union.validate(json.loads(record["body"]))


@pytest.mark.parametrize(
    ("relative", "body"),
    [
        ("events/GetPortfolio.json", {"clerk_user_id": "u"}),  # the discriminator is required
        ("events/GetPortfolio.json", {"type": "GetPortfolio", "clerk_user_id": "u", "x": 1}),
        ("events/UpdatePrices.json", {"type": "UpdatePrices", "prices": []}),
        (
            "events/UpdatePrices.json",
            {"type": "UpdatePrices", "prices": [{"symbol": "SPY", "current_price": "12,5"}]},
        ),
        (
            "events/CreateAccount.json",
            {
                "type": "CreateAccount",
                "clerk_user_id": "u",
                "account_name": "A",
                "account_type": "ira",
            },
        ),
        ("DataEvent.json", {"type": "DropTables"}),
        ("events/GetInstruments.json", {"type": "GetInstruments", "symbols": ["SPY;DROP"]}),
        (
            "events/UpsertUser.json",
            {"type": "UpsertUser", "clerk_user_id": "u", "region_targets": {"mars": 100}},
        ),
        ("events/GetJob.json", {"type": "GetJob", "clerk_user_id": "u", "job_id": "nope"}),
        (
            "events/UpsertUser.json",
            {"type": "UpsertUser", "clerk_user_id": "u", "years_until_retirement": 101},
        ),
    ],
)
def test_schemas_refuse_what_the_models_refuse(
    schema_dir: pathlib.Path, relative: str, body: dict[str, Any]
) -> None:
    with pytest.raises(jsonschema.ValidationError):
        validator(schema_dir, relative).validate(body)


# Pydantic's own names for constraints. Where pydantic cannot translate one, it writes it into
# the schema under this name, which JSON Schema ignores: the schema then accepts what the model
# refuses.
PYDANTIC_CONSTRAINTS = frozenset(
    {"ge", "gt", "le", "lt", "min_length", "max_length", "multiple_of", "max_digits"}
    | {"decimal_places", "allow_inf_nan", "strict"}
)


def untranslated_constraints(node: Any, path: str = "") -> list[str]:
    if isinstance(node, list):
        return [hit for i, item in enumerate(node) for hit in untranslated_constraints(item, path)]
    if not isinstance(node, dict):
        return []
    hits = [f"{path}/{key}" for key in node if key in PYDANTIC_CONSTRAINTS]
    for key, value in node.items():
        if key in ("properties", "$defs", "patternProperties"):
            for name, member in value.items():
                hits += untranslated_constraints(member, f"{path}/{key}/{name}")
        else:
            hits += untranslated_constraints(value, f"{path}/{key}")
    return hits


def test_every_constraint_is_written_as_a_json_schema_keyword(schema_dir: pathlib.Path) -> None:
    found = {
        str(path.relative_to(schema_dir)): hits
        for path in sorted(schema_dir.rglob("*.json"))
        if (hits := untranslated_constraints(load(path)))
    }
    assert found == {}


def test_results_as_the_function_writes_them_are_valid(schema_dir: pathlib.Path) -> None:
    portfolio = samples.portfolio()
    validator(schema_dir, "results/Portfolio.json").validate(portfolio.model_dump(mode="json"))
    envelope = validator(schema_dir, "Envelope.json")
    envelope.validate(ok(portfolio))
    envelope.validate(error(ErrorCode.NOT_FOUND, "no such user"))
    with pytest.raises(jsonschema.ValidationError):
        envelope.validate(
            {"ok": False, "error": {"code": "Oops", "message": "x", "retryable": False}}
        )


def test_llm_schemas_are_written(schema_dir: pathlib.Path) -> None:
    analysis = load(schema_dir / "llm/PortfolioAnalysis.json")
    assert analysis["title"] == "PortfolioAnalysis"
    assert analysis["$schema"].endswith("2020-12/schema")
    assert Portfolio.__name__ == load(schema_dir / "results/Portfolio.json")["title"]


def test_the_cli_writes_the_schemas(
    tmp_path: pathlib.Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from alex_data_dev.cli import main

    assert main(["schemas", "--out", str(tmp_path / "out")]) == 0
    written = sorted(p.relative_to(tmp_path / "out") for p in (tmp_path / "out").rglob("*.json"))
    assert pathlib.Path("events/GetPortfolio.json") in written
    assert pathlib.Path("results/Portfolio.json") in written
    assert f"wrote {len(written)} JSON Schemas" in capsys.readouterr().out
