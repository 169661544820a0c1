"""`make build` refuses compiled modules Lambda's python3.13 runtime could not load: the wrong
architecture, or a glibc newer than Amazon Linux 2023's 2.34 (by wheel tag or by the symbol
versions the module links against)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pydantic_core
import pytest
from alex_data_dev.artifact import check, glibc_of_tag, glibc_versions_needed, host_architecture

# A real compiled module of this machine's architecture: the dev venv's pydantic-core.
REAL_SO = next(Path(pydantic_core.__file__).parent.glob("_pydantic_core*.so"))
OTHER = {"x86_64": "arm64", "arm64": "x86_64"}


def fake_build(tmp_path: Path, tags: list[str]) -> Path:
    """A layer holding pydantic-core's module, installed from a wheel with `tags`."""
    site = tmp_path / "SchemasLayer" / "python"
    (site / "pydantic_core").mkdir(parents=True)
    shutil.copy(REAL_SO, site / "pydantic_core" / REAL_SO.name)
    info = site / "pydantic_core-2.0.0.dist-info"
    info.mkdir()
    (info / "WHEEL").write_text("Wheel-Version: 1.0\n" + "".join(f"Tag: {t}\n" for t in tags))
    (info / "RECORD").write_text(f"pydantic_core/{REAL_SO.name},sha256=x,1\n")
    return tmp_path


@pytest.mark.parametrize(
    ("tag", "glibc"),
    [
        ("cp313-cp313-manylinux2014_aarch64", (2, 17)),
        ("cp313-cp313-manylinux_2_28_x86_64", (2, 28)),
        ("cp313-cp313-manylinux_2_39_aarch64", (2, 39)),
        ("cp313-cp313-manylinux1_x86_64", (2, 5)),
        ("cp313-cp313-musllinux_1_2_x86_64", None),
        ("py3-none-any", None),
    ],
)
def test_the_glibc_a_platform_tag_needs(tag: str, glibc: tuple[int, int] | None) -> None:
    assert glibc_of_tag(tag) == glibc


def test_a_manylinux_2_17_module_of_the_right_architecture_passes(tmp_path: Path) -> None:
    arch = host_architecture()
    build = fake_build(tmp_path, [f"cp313-cp313-manylinux_2_17_{REAL_SO.name.split('-')[-3]}"])

    assert check(build, arch) == []


def test_a_wheel_needing_a_newer_glibc_than_lambda_is_refused(tmp_path: Path) -> None:
    build = fake_build(tmp_path, ["cp313-cp313-manylinux_2_39_x86_64"])

    (problem,) = check(build, host_architecture())
    assert "needs a newer glibc than Lambda's 2.34" in problem
    assert "manylinux_2_39" in problem


def test_a_musl_only_wheel_is_refused(tmp_path: Path) -> None:
    build = fake_build(tmp_path, ["cp313-cp313-musllinux_1_2_x86_64"])

    (problem,) = check(build, host_architecture())
    assert "needs a newer glibc" in problem


def test_a_module_of_the_other_architecture_is_refused(tmp_path: Path) -> None:
    build = fake_build(tmp_path, ["cp313-cp313-manylinux_2_17_x86_64"])

    (problem,) = check(build, OTHER[host_architecture()])
    assert f"not an {OTHER[host_architecture()]} ELF" in problem


def test_the_glibc_symbol_versions_a_module_links_against_are_read() -> None:
    needed = set(glibc_versions_needed(REAL_SO.read_bytes()))

    # pydantic-core's wheel is manylinux_2_17: it links against GLIBC_2.x up to 2.17 at most.
    assert needed
    assert all(major == 2 for major, _ in needed)
    assert max(needed) <= (2, 17)


def test_a_build_without_pydantic_core_is_refused(tmp_path: Path) -> None:
    assert check(tmp_path, host_architecture()) == ["no pydantic-core extension in the build"]
