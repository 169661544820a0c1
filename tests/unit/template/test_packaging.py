"""What Lambda will find at run time is what the code imports.

The function's zip holds only `alex_data`; everything else comes from the schemas layer
(`layers/schemas/requirements.txt` and their dependencies) or the standard library. The dev venv
has much more (psycopg, moto, ...), so an import of a dev-only package passes every other test
and fails only at the first cold start in AWS. This test reads the imports of the deployed
packages and checks each against what the layer ships.
"""

from __future__ import annotations

import ast
import re
import sys
from functools import cache
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[3]
# Shipped by Lambda's python3.12+ managed runtimes themselves, not by the layer: SnapStart's
# hook registry, which the runtime reads (alex_data.snapstart imports it, guarded).
RUNTIME_PROVIDED = {"snapshot_restore_py"}
PACKAGES = {
    "alex_data": ROOT / "functions" / "data" / "alex_data",
    "alex_schemas": ROOT / "layers" / "schemas" / "alex_schemas",
}


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


@cache
def layer_distributions() -> frozenset[str]:
    """The distributions pip puts in the layer: the pins and, recursively, what they require
    (with the extras asked for, under this interpreter's markers)."""
    lines = (ROOT / "layers" / "schemas" / "requirements.txt").read_text().splitlines()
    pending = [Requirement(line) for line in lines if line.strip() and not line.startswith("#")]
    seen: set[str] = set()
    while pending:
        wanted = pending.pop()
        name = canonical(wanted.name)
        if name in seen and not wanted.extras:
            continue
        seen.add(name)
        extras = wanted.extras or {""}
        for text in metadata.requires(name) or []:
            requirement = Requirement(text)
            marker = requirement.marker
            if marker is None or any(marker.evaluate({"extra": extra}) for extra in extras):
                pending.append(requirement)
    return frozenset(seen)


@cache
def importable_from_layer() -> frozenset[str]:
    by_module = metadata.packages_distributions()
    layer = layer_distributions()
    return frozenset(
        module for module, dists in by_module.items() if any(canonical(d) in layer for d in dists)
    )


def runtime_imports(source: str) -> set[str]:
    """Top-level modules imported when the code runs (not under `if TYPE_CHECKING:`)."""
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for statement in node.orelse:
                visit(statement)
            return
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(ast.parse(source))
    return found


def test_the_layer_resolves_to_more_than_its_pins() -> None:
    # The check below is only as good as this closure: pydantic brings pydantic-core, etc.
    assert {
        "pydantic",
        "pydantic-core",
        "aws-lambda-powertools",
        "aws-xray-sdk",
        "boto3",
        "botocore",
    } <= layer_distributions()


@pytest.mark.parametrize("package", sorted(PACKAGES))
def test_deployed_code_imports_only_the_stdlib_the_layer_and_itself(package: str) -> None:
    allowed = (
        set(sys.stdlib_module_names) | set(PACKAGES) | importable_from_layer() | RUNTIME_PROVIDED
    )

    missing = {
        f"{path.relative_to(ROOT)}: {module}"
        for path in PACKAGES[package].rglob("*.py")
        for module in runtime_imports(path.read_text())
        if module not in allowed
    }

    assert not missing, f"not in the Lambda (add to layers/schemas/requirements.txt?): {missing}"


def test_a_dev_only_import_would_be_caught() -> None:
    # Given code importing a package the dev venv has but the layer does not
    source = (
        "import psycopg\nfrom typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import moto\n"
    )

    # Then the runtime import is seen, the type-checking one is not, and psycopg is not allowed
    assert runtime_imports(source) == {"psycopg", "typing"}
    assert "psycopg" not in importable_from_layer()


def test_the_layer_ships_no_test_support_and_does_not_import_the_function() -> None:
    # Agents load the layer in AWS: the in-process transport, Lambda's local context and the
    # function's handler are test support (alex_data_dev.testing) or another package's code.
    layer = PACKAGES["alex_schemas"]
    imports = {
        f"{path.relative_to(ROOT)}: {module}"
        for path in layer.rglob("*.py")
        for module in runtime_imports(path.read_text())
        if module in {"alex_data", "alex_data_dev"}
    }
    assert not imports
    assert not (layer / "testing.py").exists()
    assert "LocalLambdaContext" not in {
        name for path in layer.rglob("*.py") for name in _defined_names(path.read_text())
    }


def _defined_names(source: str) -> set[str]:
    return {
        node.name
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.ClassDef | ast.FunctionDef)
    }
